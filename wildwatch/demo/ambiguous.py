"""Ambiguous demo listings: trade jargon without a clear species or trade cue, so that a model
scores them near its threshold and the review UI's Uncertain queue has work on the demo.

The pool is wide on purpose (about a dozen per language, from clearly-below to clearly-above
the shipped model's threshold): a retrained model moves scores and its threshold, and a wide pool
keeps some listings inside the band whatever the exact figures (tests/demo/test_uncertain.py).
Ground truth: jargon for ivory (白料, 牙白料) or hornbill casque (红料) and old tortoiseshell count as
wildlife trade; mammoth ivory and imitations do not (see docs/classifier.md on mammoth ivory).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["AMBIGUOUS", "Ambiguous"]


class Ambiguous(NamedTuple):
    category: str
    title: str
    description: str
    price_cny: int
    label: int
    species: tuple[str, ...]


IVORY = ("elephant ivory",)
HORNBILL = ("helmeted hornbill",)
HAWKSBILL = ("hawksbill turtle",)

AMBIGUOUS: dict[str, list[Ambiguous]] = {
    "zh-Hans": [
        Ambiguous("jewelry", "白料 吊坠", "如图", 680, 1, IVORY),
        Ambiguous("jewelry", "白料 吊坠", "家里老人留下的", 880, 1, IVORY),
        Ambiguous("crafts", "牙白料 摆件", "看图", 1500, 1, IVORY),
        Ambiguous("jewelry", "牙白料 手镯", "实物拍摄", 2600, 1, IVORY),
        Ambiguous("jewelry", "白料 珠子 老货", "尺寸见图", 420, 1, IVORY),
        Ambiguous("jewelry", "白料 手镯", "老人留下的", 1800, 1, IVORY),
        Ambiguous("crafts", "猛犸 雕件", "如图", 900, 0, ()),
        Ambiguous("crafts", "猛犸 雕件", "家里老人留下的", 1200, 0, ()),
        Ambiguous("jewelry", "红料 戒面", "包邮", 1600, 1, HORNBILL),
        Ambiguous("jewelry", "红料 戒面", "收藏级，实物拍摄", 2200, 1, HORNBILL),
        Ambiguous("jewelry", "红料 戒面", "出了不退，微信", 1900, 1, HORNBILL),
        Ambiguous("jewelry", "猛犸 手串", "家里老人留下的，自提", 760, 0, ()),
    ],
    "zh-Hant": [
        Ambiguous("jewelry", "白料 吊墜", "如圖", 700, 1, IVORY),
        Ambiguous("jewelry", "白料 吊墜", "屋企老人留低", 900, 1, IVORY),
        Ambiguous("crafts", "牙白料 擺件", "睇圖", 1500, 1, IVORY),
        Ambiguous("jewelry", "白料 手鐲", "實物拍攝", 1700, 1, IVORY),
        Ambiguous("jewelry", "白料 珠 老貨", "如圖", 450, 1, IVORY),
        Ambiguous("crafts", "猛獁 雕件", "實物拍攝", 950, 0, ()),
        Ambiguous("crafts", "猛獁 雕件", "屋企老人留低", 1100, 0, ()),
        Ambiguous("jewelry", "紅料 戒面", "包郵", 1600, 1, HORNBILL),
        Ambiguous("jewelry", "紅料 戒面", "收藏級，實物拍攝", 2100, 1, HORNBILL),
        Ambiguous("jewelry", "紅料 吊墜", "睇圖", 2400, 1, HORNBILL),
        Ambiguous("jewelry", "紅料 手串", "如圖", 1300, 1, HORNBILL),
        Ambiguous("jewelry", "猛獁 手串", "旺角交收", 800, 0, ()),
    ],
    "en": [
        # Replaced with model 2026.12.07-1, whose scores leave a thinner band around its threshold: mammoth
        # pieces the seller is unsure of (celluloid, resin, bone) sit in it (0.50-0.59); four tortoiseshell
        # and mammoth listings that scored 0.06-0.08 or 0.99 made way, so the demo keeps its 364 listings.
        Ambiguous("jewelry", "Mammoth pendant", "could be celluloid", 300, 0, ()),
        Ambiguous("antiques", "Tortoiseshell comb vintage", "no returns, ask for more photos", 350, 1, HAWKSBILL),
        Ambiguous("antiques", "Tortoiseshell comb vintage", "from my grandmother's estate", 420, 1, HAWKSBILL),
        Ambiguous("jewelry", "Mammoth pendant", "or celluloid", 600, 0, ()),
        Ambiguous("crafts", "Mammoth netsuke", "might be bone", 900, 0, ()),
        Ambiguous("crafts", "Mammoth netsuke", "could be celluloid", 700, 0, ()),
        Ambiguous("jewelry", "Carved mammoth pendant", "bone or resin?", 500, 0, ()),
        # Added with model 2026.12.06-4, which scores Chinese slang with an item word (白料 吊坠) far above
        # its threshold: old tortoiseshell with only a contact word sits in its band (0.37-0.45).
        Ambiguous("antiques", "Tortoiseshell comb", "DM me", 280, 1, HAWKSBILL),
        Ambiguous("antiques", "Tortoiseshell comb vintage", "DM for price", 320, 1, HAWKSBILL),
        Ambiguous("antiques", "Vintage tortoiseshell box", "message me", 650, 1, HAWKSBILL),
    ],
}
