"""Find off-platform contact handles (WeChat, QQ, WhatsApp, Line, Telegram, phones) in listing text.

Sellers of illegal goods move buyers off the marketplace and disguise the handle: "➕V: abc_123",
"扣扣 12345", "一三八 一二三四 五六七八", "one three eight ...". The text is normalised first
(NFKC, zero-width removal, written digits to ASCII), then keyword-anchored handles are read, then
bare phone numbers. Values are normalised: IDs lower-case, QQ digits only, phones as
``+<country><number>`` when the country is known (CN mobile, +852, +853) else digits only.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Contact", "ContactKind", "extract_contacts", "normalize_contact_text"]

logger = logging.getLogger(__name__)

ContactKind = Literal["wechat", "qq", "whatsapp", "line", "phone", "telegram"]


@dataclass(frozen=True)
class Contact:
    """One contact handle; equality ignores ``raw`` so duplicates collapse."""

    kind: ContactKind
    value: str
    raw: str = field(default="", compare=False)


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u180e"), None)

_CN_DIGITS = {
    "零": "0",
    "〇": "0",
    "○": "0",
    "洞": "0",
    "一": "1",
    "壹": "1",
    "幺": "1",
    "么": "1",
    "二": "2",
    "贰": "2",
    "貳": "2",
    "两": "2",
    "兩": "2",
    "三": "3",
    "叁": "3",
    "參": "3",
    "叄": "3",
    "四": "4",
    "肆": "4",
    "五": "5",
    "伍": "5",
    "六": "6",
    "陆": "6",
    "陸": "6",
    "七": "7",
    "柒": "7",
    "八": "8",
    "捌": "8",
    "九": "9",
    "玖": "9",
}
_DIGIT_CLASS = "0-9" + "".join(_CN_DIGITS)
# A run of >=5 digits (Chinese or ASCII) with single separators: converted to ASCII digits.
_CN_RUN = re.compile(rf"[{_DIGIT_CLASS}](?:[\s\-·.、]?[{_DIGIT_CLASS}]){{4,}}")

_WORD_DIGITS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_WORD = "|".join(_WORD_DIGITS)
_WORD_RUN = re.compile(rf"\b(?:{_WORD}|\d+)(?:[\s,\-]+(?:{_WORD}|\d+)\b){{4,}}", re.IGNORECASE)

_SEP = r"[\s:：=＝\-—>→是为為号號加个個的]{0,6}"
_WECHAT_KW = (
    r"(?:微信|威信|薇信|徽信|维信|維信|微芯|溦信|wei\s?xin|we\s?chat|(?<![a-z])(?:vx|wx)|v信|卫星|衛星|"
    r"➕\s?v|\+\s?v|加\s?v|加微|薇|(?<![a-z])v(?=\s*[:：]))"
)
_QQ_KW = r"(?:qq|扣扣|企鹅|企鵝|q号|q號|球球|(?<![a-z])q(?=\s*[:：]))"
_WHATSAPP_KW = r"(?:whats\s?app|whatapp|wts\s?app|(?<![a-z])(?:wa|w/a|wsp|ws)(?![a-z]))"
_LINE_KW = r"(?:line\s?id|(?<![a-z])line(?=\s*[:：@])|賴)"
_TELEGRAM_KW = r"(?:telegram|電報|电报|飞机|飛機|(?<![a-z])tg(?![a-z]))"
_PHONE_KW = r"(?:電話|电话|手機|手机|tel|phone|mobile|call|致電|致电|聯絡|联系|聯繫|whatsapp)"

_ID = r"(?P<id>[a-z][a-z0-9_\-]{5,19})(?![a-z0-9_\-])"
_DIGITS = r"(?P<num>\+?\d(?:[\s\-().]?\d){4,14})(?!\d)"

_WECHAT_RE = re.compile(rf"{_WECHAT_KW}(?:\s*id)?{_SEP}(?:{_ID}|{_DIGITS})", re.IGNORECASE)
_QQ_RE = re.compile(rf"{_QQ_KW}{_SEP}(?P<num>[1-9](?:[\s\-]?\d){{4,10}})(?!\d)", re.IGNORECASE)
_WHATSAPP_RE = re.compile(rf"{_WHATSAPP_KW}{_SEP}{_DIGITS}", re.IGNORECASE)
_LINE_RE = re.compile(rf"{_LINE_KW}{_SEP}@?(?P<id>[a-z0-9][a-z0-9._\-]{{3,19}})(?![a-z0-9._\-])", re.IGNORECASE)
_TELEGRAM_RE = re.compile(
    rf"(?:{_TELEGRAM_KW}{_SEP}@?|(?:t|telegram)\.me/)(?P<id>[a-z][a-z0-9_]{{4,31}})(?![a-z0-9_])",
    re.IGNORECASE,
)
_PHONE_RUN = re.compile(r"\+?\(?\d(?:[\s\-().·]?\d){6,60}(?!\d)")
_PHONE_GROUP_SEP = re.compile(r"[\s\-().·]")
_PHONE_KW_BEFORE = re.compile(rf"{_PHONE_KW}[^\d]{{0,8}}$", re.IGNORECASE)
_SAME_AS_PHONE = re.compile(r"微信同号|微信同號|同微信|vx同号|v同号|wechat\s+same", re.IGNORECASE)


def _convert_digit_words(text: str) -> str:
    text = _CN_RUN.sub(lambda m: "".join(_CN_DIGITS.get(c, c) for c in m.group(0)), text)

    def spell(match: re.Match[str]) -> str:
        tokens = re.findall(rf"{_WORD}|\d+", match.group(0), re.IGNORECASE)
        if all(token.isdigit() for token in tokens):
            return match.group(0)  # plain digit groups keep their separators for phone splitting
        return "".join(_WORD_DIGITS.get(token.lower(), token) for token in tokens)

    return _WORD_RUN.sub(spell, text)


def normalize_contact_text(text: str) -> str:
    """NFKC, zero-width removal and written-out digits to ASCII, so handles can be matched."""
    text = unicodedata.normalize("NFKC", text.translate(_ZERO_WIDTH))
    return _convert_digit_words(text)


def normalize_phone(digits: str, *, keyword: bool = False) -> str | None:
    """E.164-ish form for CN mobiles and HK/Macao numbers; bare digits for other plausible phones."""
    plus = digits.startswith("+")
    digits = re.sub(r"\D", "", digits)
    if re.fullmatch(r"(?:0086|86)?1[3-9]\d{9}", digits):
        return "+86" + digits[-11:]
    if re.fullmatch(r"(?:00)?852[2-9]\d{7}", digits):
        return "+852" + digits[-8:]
    if re.fullmatch(r"(?:00)?853[2-9]\d{7}", digits):
        return "+853" + digits[-8:]
    if plus and 8 <= len(digits) <= 15:
        return "+" + digits
    if keyword and re.fullmatch(r"[2-9]\d{7}", digits):
        return digits  # HK or Macao local number: country unknown
    if keyword and re.fullmatch(r"0\d{9,11}", digits):
        return digits  # mainland landline with area code
    return None


def _split_phones(run: str, *, keyword: bool) -> list[str]:
    """Find phones inside a run of digit groups ("138 1234 5678 139 8765 4321" holds two)."""
    groups = [g for g in _PHONE_GROUP_SEP.split(run) if g]
    found: list[str] = []
    start = 0
    while start < len(groups):
        for end in range(len(groups), start, -1):
            phone = normalize_phone("".join(groups[start:end]), keyword=keyword)
            if phone:
                found.append(phone)
                start = end
                break
        else:
            start += 1
    return found


def extract_contacts(text: str) -> list[Contact]:
    """All contact handles in ``text``, de-duplicated, in order of appearance."""
    if not text:
        return []
    norm = normalize_contact_text(text)
    hits: list[tuple[int, Contact]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, contact: Contact) -> None:
        hits.append((start, contact))
        taken.append((start, end))

    for match in _WECHAT_RE.finditer(norm):
        if match.group("id"):
            add(match.start(), match.end(), Contact("wechat", match.group("id").lower(), match.group(0)))
        else:
            digits = re.sub(r"\D", "", match.group("num"))
            if 5 <= len(digits) <= 13:
                add(match.start(), match.end(), Contact("wechat", digits, match.group(0)))
    for match in _QQ_RE.finditer(norm):
        add(match.start(), match.end(), Contact("qq", re.sub(r"\D", "", match.group("num")), match.group(0)))
    for match in _WHATSAPP_RE.finditer(norm):
        phone = normalize_phone(match.group("num"), keyword=True)
        if phone:
            add(match.start(), match.end(), Contact("whatsapp", phone, match.group(0)))
    for match in _LINE_RE.finditer(norm):
        add(match.start(), match.end(), Contact("line", match.group("id").lower(), match.group(0)))
    for match in _TELEGRAM_RE.finditer(norm):
        add(match.start(), match.end(), Contact("telegram", match.group("id").lower(), match.group(0)))

    for match in _PHONE_RUN.finditer(norm):
        if any(s <= match.start() < e or s < match.end() <= e for s, e in taken):
            continue
        keyword = bool(_PHONE_KW_BEFORE.search(norm[max(0, match.start() - 16) : match.start()]))
        for phone in _split_phones(match.group(0), keyword=keyword):
            hits.append((match.start(), Contact("phone", phone, match.group(0))))
            if phone.startswith("+86") and _SAME_AS_PHONE.search(norm):
                hits.append((match.start(), Contact("wechat", phone[3:], match.group(0))))

    hits.sort(key=lambda hit: hit[0])
    seen: set[Contact] = set()
    result: list[Contact] = []
    for _, contact in hits:
        if contact not in seen:
            seen.add(contact)
            result.append(contact)
    if result:
        logger.debug("found %d contact handles", len(result))
    return result
