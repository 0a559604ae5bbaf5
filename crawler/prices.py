"""Parse marketplace price strings (Chinese, HK/Macao, English) into an amount and ISO currency.

``parse_price`` reads free text ("HK$1,280", "¥1.2万", "１２８０元", "面议");
``parse_price_parts`` reads structured-data values (schema.org ``price`` + ``priceCurrency``);
``parse_price_only`` accepts a short text only when it is nothing but a price ("澳門幣 1110").
For ranges the lower bound is returned. "元"/"块" mean CNY unless the caller's default currency
is HKD, MOP or TWD, where locals also write 元 for their own dollar.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["Price", "parse_price", "parse_price_only", "parse_price_parts", "normalize_currency"]

logger = logging.getLogger(__name__)

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)

# Longest tokens first so "HK$" wins over "$" and "人民币" over "元".
_CURRENCY_TOKENS: list[tuple[str, str]] = [
    ("澳門幣", "MOP"),
    ("澳门币", "MOP"),
    ("澳門元", "MOP"),
    ("澳门元", "MOP"),
    ("葡幣", "MOP"),
    ("葡币", "MOP"),
    ("MOP$", "MOP"),
    ("MOP", "MOP"),
    ("港幣", "HKD"),
    ("港币", "HKD"),
    ("港元", "HKD"),
    ("港紙", "HKD"),
    ("HK$", "HKD"),
    ("HKD", "HKD"),
    ("新台幣", "TWD"),
    ("新台币", "TWD"),
    ("台幣", "TWD"),
    ("台币", "TWD"),
    ("NT$", "TWD"),
    ("NTD", "TWD"),
    ("TWD", "TWD"),
    ("人民幣", "CNY"),
    ("人民币", "CNY"),
    ("RMB", "CNY"),
    ("CNY", "CNY"),
    ("US$", "USD"),
    ("USD", "USD"),
    ("美元", "USD"),
    ("美金", "USD"),
    ("S$", "SGD"),
    ("SGD", "SGD"),
    ("A$", "AUD"),
    ("AUD", "AUD"),
    ("C$", "CAD"),
    ("CAD", "CAD"),
    ("EUR", "EUR"),
    ("€", "EUR"),
    ("欧元", "EUR"),
    ("歐元", "EUR"),
    ("GBP", "GBP"),
    ("£", "GBP"),
    ("英镑", "GBP"),
    ("英鎊", "GBP"),
    ("JPY", "JPY"),
    ("円", "JPY"),
    ("日元", "JPY"),
    ("日圓", "JPY"),
    ("MYR", "MYR"),
    ("RM", "MYR"),
    ("THB", "THB"),
    ("฿", "THB"),
    ("VND", "VND"),
    ("₫", "VND"),
    ("KRW", "KRW"),
    ("₩", "KRW"),
    ("₱", "PHP"),
    ("PHP", "PHP"),
    ("INR", "INR"),
    ("₹", "INR"),
    ("蚊", "HKD"),
    ("¥", "CNY"),
    ("元", "*YUAN"),
    ("圆", "*YUAN"),
    ("圓", "*YUAN"),
    ("块", "*YUAN"),
    ("塊", "*YUAN"),
    ("$", "*DOLLAR"),
]
_ISO_CODES = {code for _, code in _CURRENCY_TOKENS if not code.startswith("*")}
_CURRENCY_RE = re.compile(
    "|".join(
        (r"(?<![A-Za-z])" if token[0].isalpha() and token.isascii() else "")
        + re.escape(token)
        + (r"(?![A-Za-z])" if token[-1].isalpha() and token.isascii() else "")
        for token, _ in _CURRENCY_TOKENS
    ),
    re.IGNORECASE,
)
_TOKEN_TO_CODE = {token.upper(): code for token, code in _CURRENCY_TOKENS}

_NO_PRICE_RE = re.compile(
    r"面议|面議|私聊|私信|议价详谈|電議|电议|询价|詢價|价格另议|價格另議|call\s+for\s+price|"
    r"price\s+on\s+(?:request|application)|contact\s+(?:us\s+)?for\s+price|\bP\.?O\.?A\b|"
    r"\bask\s+for\s+price|\bDM\s+for\s+price",
    re.IGNORECASE,
)

# 1,234,567.89 | 1'234 | 1234.5 | .5 | 1.234,56 (European); optional Chinese/English multiplier.
_AMOUNT_RE = re.compile(
    r"(?<![\d.])(?P<num>\d{1,3}(?:[,']\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<eu>,\d{1,2}(?!\d))?"
    r"\s*(?P<mult>万|萬|千|仟|百|佰|亿|億|[kK](?![A-Za-z]))?"
)
_RANGE_GAP_RE = re.compile(r"\s*(?:-|~|～|–|—|至|到|to)\s*", re.IGNORECASE)
_MULTIPLIERS = {
    "万": 10_000,
    "萬": 10_000,
    "千": 1_000,
    "仟": 1_000,
    "百": 100,
    "佰": 100,
    "亿": 100_000_000,
    "億": 100_000_000,
    "k": 1_000,
}
_CURRENT_LABEL = re.compile(
    r"(?:现价|現價|售价|售價|特价|特價|优惠价|優惠價|折后价|折後價|活动价|活動價|到手价|到手價|"
    r"now|sale|our\s+price|price\s+now)[^\d]{0,6}$",
    re.IGNORECASE,
)
_FORMER_LABEL = re.compile(
    r"(?:原价|原價|市场价|市場價|专柜价|專櫃價|定价|定價|was|rrp|list\s+price|msrp)[^\d]{0,6}$", re.IGNORECASE
)
# What may surround the amount in a line that is only a price: a leading label, brackets, range marks.
_ONLY_LABEL_RE = re.compile(
    r"^(?:价格|售价|價格|售價|价钱|價錢|现价|現價|单价|單價|一口价|一口價|转让价|轉讓價|price|our\s+price|"
    r"asking(?:\s+price)?|now|only)\s*[:：]?\s*",
    re.IGNORECASE,
)
_ONLY_FILLER_RE = re.compile(r"[\s()\[\]:,.~\-–—/至到起]+")
_MAX_AMOUNT = Decimal(10) ** 12
_ADJACENT = 4  # characters of gap allowed between a currency token and its number


@dataclass(frozen=True)
class Price:
    """A parsed price: exact decimal amount and ISO 4217 currency (None when unknown)."""

    amount: Decimal
    currency: str | None


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text.translate(_ZERO_WIDTH))
    return text.replace("，", ",").replace("\u3000", " ")


def _resolve(code: str, default_currency: str | None) -> str:
    default = (default_currency or "").upper() or None
    if code == "*DOLLAR":
        return default or "USD"
    if code == "*YUAN":
        return default if default in ("HKD", "MOP", "TWD") else "CNY"
    return code


def normalize_currency(value: str | None, *, default_currency: str | None = None) -> str | None:
    """Map a currency code or symbol ("HK$", "rmb", "¥") to ISO 4217; None when unrecognised."""
    if not value:
        return default_currency
    token = _clean(value).strip().upper()
    if token in _TOKEN_TO_CODE:
        return _resolve(_TOKEN_TO_CODE[token], default_currency)
    if re.fullmatch(r"[A-Z]{3}", token):
        return token
    match = _CURRENCY_RE.search(token)
    if match:
        return _resolve(_TOKEN_TO_CODE[match.group(0).upper()], default_currency)
    return default_currency


def _to_decimal(match: re.Match[str]) -> Decimal | None:
    number = match.group("num")
    if match.group("eu"):
        # "1.234,56" style: dots were thousands separators, the comma is the decimal point.
        number = number.replace(".", "") + "." + match.group("eu")[1:]
    number = re.sub(r"[,' ]", "", number)
    try:
        amount = Decimal(number)
    except InvalidOperation:
        return None
    mult = match.group("mult")
    if mult:
        amount *= _MULTIPLIERS[mult.lower()]
    if not amount.is_finite() or amount > _MAX_AMOUNT:
        return None  # a digit run this long is an id or junk, not a price
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount


def parse_price(text: str, *, default_currency: str | None = None) -> Price | None:
    """Read the (first, lower-bound) price in a free-text string; None for "negotiable" or no number."""
    if not text:
        return None
    cleaned = _clean(text)
    amounts = list(_AMOUNT_RE.finditer(cleaned))
    currencies = list(_CURRENCY_RE.finditer(cleaned))
    if not amounts:
        return None
    # "$5880 (港幣)": a bare $ or 元 takes the currency the same text names explicitly.
    explicit = [code for cur in currencies if not (code := _TOKEN_TO_CODE[cur.group(0).upper()]).startswith("*")]
    if len(set(explicit)) == 1:
        default_currency = explicit[0]

    def currency_near(match: re.Match[str]) -> str | None:
        # "$5880 (港幣)": a specific currency next to the amount beats an ambiguous "$"/"元" beside it.
        ambiguous = None
        for cur in currencies:
            before = cleaned[cur.end() : match.start()]
            after = cleaned[match.end() : cur.start()]
            adjacent = (cur.end() <= match.start() and len(before) <= _ADJACENT and not re.search(r"\d", before)) or (
                cur.start() >= match.end() and len(after) <= _ADJACENT and not re.search(r"\d", after)
            )
            if not adjacent:
                continue
            code = _TOKEN_TO_CODE[cur.group(0).upper()]
            if not code.startswith("*"):
                return code
            ambiguous = ambiguous or code
        return _resolve(ambiguous, default_currency) if ambiguous else None

    marked: list[tuple[int, Price]] = []
    for index, match in enumerate(amounts):
        currency = currency_near(match)
        if currency is not None:
            # "100-200元": the currency sits after the upper bound; report the lower one.
            while index > 0:
                gap = cleaned[amounts[index - 1].end() : amounts[index].start()]
                if not _RANGE_GAP_RE.fullmatch(_CURRENCY_RE.sub("", gap)):
                    break
                index -= 1
            amount = _to_decimal(amounts[index])
            if amount is not None:
                marked.append((amounts[index].start(), Price(amount, currency)))
    if marked:
        # "原价¥200 现价¥150": a current-price label wins, a former-price label loses.
        def label(start: int) -> int:
            before = cleaned[max(0, start - 12) : start]
            if _CURRENT_LABEL.search(before):
                return 0
            return 2 if _FORMER_LABEL.search(before) else 1

        return min(marked, key=lambda item: label(item[0]))[1]
    if _NO_PRICE_RE.search(cleaned):
        return None
    amount = _to_decimal(amounts[0])
    if amount is None:
        return None
    currency = None
    if currencies:
        currency = _resolve(_TOKEN_TO_CODE[currencies[0].group(0).upper()], default_currency)
    return Price(amount, currency or (default_currency.upper() if default_currency else None))


def parse_price_only(text: str, *, default_currency: str | None = None, max_length: int = 40) -> Price | None:
    """A price only when a short text is nothing but one (label, currency, amount): finds unlabelled price lines."""
    if not text:
        return None
    cleaned = _clean(text).strip()
    if not cleaned or len(cleaned) > max_length:
        return None
    body = _ONLY_LABEL_RE.sub("", cleaned, count=1)
    if not _CURRENCY_RE.search(body) or not _AMOUNT_RE.search(body):
        return None
    rest = _AMOUNT_RE.sub("", _CURRENCY_RE.sub(" ", body))
    if _ONLY_FILLER_RE.sub("", rest):
        return None
    return parse_price(cleaned, default_currency=default_currency)


def parse_price_parts(
    amount: str | int | float | Decimal | None,
    currency: str | None,
    *,
    default_currency: str | None = None,
) -> Price | None:
    """Build a Price from structured-data fields (schema.org price/priceCurrency, og price:amount)."""
    if amount is None or isinstance(amount, bool):
        return None
    code = normalize_currency(currency, default_currency=default_currency) if currency else None
    if isinstance(amount, (int, float, Decimal)):
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            return None
        if not value.is_finite() or value < 0 or value > _MAX_AMOUNT:
            return None
        return Price(value, code or (default_currency.upper() if default_currency else None))
    if not isinstance(amount, str):
        return None
    parsed = parse_price(amount, default_currency=code or default_currency)
    if parsed is None:
        return None
    return Price(parsed.amount, code or parsed.currency)
