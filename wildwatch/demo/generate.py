"""Deterministic generator for the bundled demo marketplace's listings and sellers.

Run ``python -m wildwatch.demo.generate`` to (re)write ``data/demo/listings.jsonl`` and
``data/demo/sellers.jsonl``.  The same seed always yields byte-identical files, so the committed
fixtures can be regenerated and diffed.  Ground truth (``label``, ``species``, ``hard_negative``)
lives in the records only; the server never renders it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import random
from pathlib import Path
from typing import Any

from core.settings import PROJECT_ROOT
from wildwatch.demo.ambiguous import AMBIGUOUS
from wildwatch.demo.catalog import POOLS, Product

__all__ = [
    "CATEGORIES",
    "DEFAULT_DATA_DIR",
    "LANGS",
    "generate",
    "write_dataset",
    "main",
]

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "demo"
SEED = 20261125
LANGS = ("zh-Hans", "zh-Hant", "en")
PER_LANG = 110
WILDLIFE_PER_LANG = 19
HARD_NEGATIVES_PER_LANG = 22
SELLERS_PER_LANG = 20
BAD_SELLERS_PER_LANG = 4

#: slug -> display name per language (the server uses these for navigation).
CATEGORIES: dict[str, dict[str, str]] = {
    "antiques": {"zh-Hans": "古玩收藏", "zh-Hant": "古董收藏", "en": "Antiques & Collectibles"},
    "jewelry": {"zh-Hans": "珠宝首饰", "zh-Hant": "首飾珠寶", "en": "Jewelry & Accessories"},
    "health": {"zh-Hans": "滋补保健", "zh-Hant": "保健養生", "en": "Health & Wellness"},
    "food": {"zh-Hans": "食品干货", "zh-Hant": "海味乾貨", "en": "Food & Groceries"},
    "pets": {"zh-Hans": "宠物花鸟", "zh-Hant": "寵物用品", "en": "Pets & Animals"},
    "electronics": {"zh-Hans": "数码电子", "zh-Hant": "電子產品", "en": "Electronics"},
    "fashion": {"zh-Hans": "服饰鞋包", "zh-Hant": "服飾鞋袋", "en": "Fashion"},
    "home": {"zh-Hans": "家居家装", "zh-Hant": "家居傢俬", "en": "Home & Furniture"},
    "books": {"zh-Hans": "图书音像", "zh-Hant": "書籍影音", "en": "Books & Media"},
    "toys": {"zh-Hans": "玩具母婴", "zh-Hant": "玩具精品", "en": "Toys & Kids"},
    "crafts": {"zh-Hans": "工艺摆件", "zh-Hant": "工藝擺設", "en": "Arts & Crafts"},
}


# --------------------------------------------------------------------------------------------------
# Sellers
# --------------------------------------------------------------------------------------------------
SELLER_NAMES = {
    "zh-Hans": ["老王收藏", "莆田阿杰", "瑞丽玉缘", "南宁老陈", "小鹿的闲置", "月半猫", "阿黄的小店", "北漂搬家中",
                "程序员老李", "奶茶不加糖", "一只小橘子", "数码控张三", "宝妈闲置", "杭州小米", "成都胖达", "爱喝茶的老周",
                "学长出书", "周末去露营", "西安小马", "深圳打工人"],
    "zh-Hant": ["旺角收藏家", "阿坤老舖", "氹仔豪哥", "上水海味王", "Kitty媽媽", "沙田小明", "觀塘打工仔", "Ivan清屋",
                "荃灣Mandy", "元朗阿May", "將軍澳爸爸", "中環OL", "大埔貓奴", "澳門小芳", "屯門阿強", "西環手作",
                "九龍城阿婆", "灣仔鐵粉", "黃大仙Tom", "深水埗電子佬"],
    "en": ["heritage_finds", "oldworld_curios", "exotic_pets_joe", "grandpa_estate", "mike_deals", "sarahsells",
           "techflip_sf", "queens_closet", "bookworm_ny", "la_mom_resale", "dave_garage", "minimalist_ann",
           "campout_chris", "kicks_by_kev", "vintage_vera", "plantdad_pete", "hk_expat_liz", "studio_sam",
           "bargain_bri", "oakland_oscar"],
}
SELLER_LOCATIONS = {
    "zh-Hans": ["广东 广州", "福建 莆田", "云南 瑞丽", "广西 南宁", "北京 朝阳", "上海 浦东", "浙江 杭州", "四川 成都",
                "广东 深圳", "陕西 西安", "江苏 南京", "湖北 武汉"],
    "zh-Hant": ["香港 旺角", "香港 觀塘", "澳門 氹仔", "香港 上水", "香港 沙田", "香港 荃灣", "澳門 半島", "香港 元朗",
                "香港 深水埗", "香港 灣仔"],
    "en": ["San Francisco, CA", "Queens, NY", "Los Angeles, CA", "Oakland, CA", "Brooklyn, NY", "Seattle, WA",
           "Houston, TX", "Hong Kong"],
}
SHARED_WECHAT = "yl_laoliao888"  # shared by a ring of sellers across sections (repeat-offender network)


def _wechat_id(rng: random.Random) -> str:
    stems = ["laoliao", "baizhen", "shoucang", "cangpin", "yaya", "jiapian", "huqi", "zhenpin", "haiwei", "niaoshi"]
    return f"{rng.choice(stems)}{rng.randint(10, 9999)}"


def _whatsapp(rng: random.Random, lang: str) -> str:
    if lang == "en":
        return f"+1 ({rng.randint(201, 989)}) 555-{rng.randint(100, 199):04d}"
    if rng.random() < 0.3:
        return f"+853 66{rng.randint(10, 99)} {rng.randint(1000, 9999)}"
    return f"+852 {rng.choice('569')}{rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def _make_sellers(rng: random.Random) -> tuple[list[dict[str, Any]], dict[int, dict[str, str]]]:
    """Sellers plus their private contact handles (handles only ever surface inside listing text)."""
    sellers: list[dict[str, Any]] = []
    contacts: dict[int, dict[str, str]] = {}
    next_id = 1001
    for lang in LANGS:
        for i, name in enumerate(SELLER_NAMES[lang]):
            joined = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randint(0, 3300))
            sellers.append({"id": next_id, "name": name, "joined": joined.isoformat(),
                            "location": rng.choice(SELLER_LOCATIONS[lang]), "lang": lang})
            wx = SHARED_WECHAT if i < 2 else _wechat_id(rng)
            contacts[next_id] = {"wx": wx, "qq": str(rng.randint(10**8, 4 * 10**9)), "wa": _whatsapp(rng, lang),
                                 "bad": "1" if i < BAD_SELLERS_PER_LANG else ""}
            next_id += 1
    return sellers, contacts


# --------------------------------------------------------------------------------------------------
# Listings
# --------------------------------------------------------------------------------------------------
_ZH_SEPARATORS = [" ", "*", "·", "-", "_", "/", "丶", "~"]


def _disguise(word: str, rng: random.Random, lang: str) -> str:
    if lang != "en":
        sep = rng.choice(_ZH_SEPARATORS)
        return sep.join(word)
    style = rng.randrange(3)
    if style == 0:
        return ".".join(word)
    if style == 1:
        return word.replace("o", "0").replace("i", "1")
    return " ".join(word.upper())


def _price(cny: int, currency: str, rng: random.Random) -> float | int:
    rate = {"CNY": 1.0, "HKD": 1.08, "MOP": 1.11, "USD": 1 / 7.1}[currency]
    value = cny * rate
    if currency == "USD" and value < 200 and rng.random() < 0.4:
        return round(int(value) + 0.99, 2) if value >= 1 else 0.99
    if value < 100:
        return max(1, int(round(value)))
    step = 10 if value < 5000 else 100
    rounded = int(round(value / step) * step)
    if rng.random() < 0.25 and rounded >= 100:
        rounded = rounded - step + 8 * step // 10  # the lucky-eight endings sellers love
    return rounded


def _price_text(price: float | int, currency: str, lang: str, rng: random.Random) -> str:
    whole = isinstance(price, int)
    num = f"{price:,}" if whole else f"{price:,.2f}"
    plain = str(price)
    formats = {
        "CNY": [f"¥{num}", f"￥{plain}", f"{plain}元", f"RMB {plain}", f"¥ {num}"],
        "HKD": [f"HK$ {num}", f"HK${plain}", f"港幣 {plain}", f"${plain} (港幣)"] if lang == "zh-Hant"
        else [f"HK$ {num}", f"HK${plain}"],
        "MOP": [f"MOP {num}", f"澳門幣 {plain}", f"MOP${plain}"],
        "USD": [f"US$ {num}", f"${num}", f"USD {plain}"],
    }[currency]
    return rng.choice(formats)


def _currency(lang: str, rng: random.Random) -> str:
    if lang == "zh-Hans":
        return "CNY"
    if lang == "zh-Hant":
        return "MOP" if rng.random() < 0.2 else "HKD"
    return "HKD" if rng.random() < 0.2 else "USD"


def _cores_for(product: Product, title_index: int) -> list[str]:
    """Core sentences that fit the chosen title: a ``"02|..."`` prefix restricts a sentence to titles 0 and 2."""
    fitting = []
    for core in product.cores:
        tag, sep, text = core.partition("|")
        if not sep:
            fitting.append(core)
        elif str(title_index) in tag:
            fitting.append(text)
    if not fitting:
        raise ValueError(f"no description fits title {product.titles[title_index]!r}")
    return fitting


def _description(product: Product, title_index: int, kind: str, pool: dict[str, Any], contact: dict[str, str],
                 lang: str, orig: str, rng: random.Random) -> str:
    month = rng.randint(1, 12)
    slots = {"year": rng.randint(2019, 2025), "month": month, "orig": orig,
             "month_name": dt.date(2000, month, 1).strftime("%B")}
    cores = _cores_for(product, title_index)
    parts = rng.sample(cores, k=min(len(cores), rng.choice([1, 1, 2])))
    names = rng.sample(["condition", "shipping", "chatter", "details"], k=rng.choice([0, 1, 1, 2]))
    extras = [rng.choice(pool[name]).format(**slots) for name in names]
    if kind == "wildlife" and contact["wx"] == SHARED_WECHAT:
        # the ring always advertises its shared WeChat, so analysts can link the sellers
        extras.append(rng.choice([t for t in pool["tricks"] if "{wx}" in t]).format(**contact))
    elif kind == "wildlife" and rng.random() < 0.85:
        extras.append(rng.choice(pool["tricks"]).format(**contact))
    rng.shuffle(extras)
    sentences = parts + extras
    if len(sentences) > 4:
        sentences = sentences[:3] + sentences[-1:]
    text = (" " if lang == "en" else "").join(sentences)
    if lang != "en" and rng.random() < 0.15:
        text = text.replace("。", "，", 1) if text.count("。") > 1 else text
    return text


def _listing(idx: int, lang: str, kind: str, product: Product, seller: dict[str, Any], contact: dict[str, str],
             rng: random.Random) -> dict[str, Any]:
    pool = POOLS[lang]
    title_index = rng.randrange(len(product.titles))
    title = f"{rng.choice(pool['prefix'])}{product.titles[title_index]}{rng.choice(pool['suffix'])}".strip()
    currency = _currency(lang, rng)
    cny = rng.randint(*product.price)
    price = _price(cny, currency, rng)
    orig = _price_text(_price(int(cny * rng.uniform(1.5, 2.5)), currency, rng), currency, lang, rng)
    description = _description(product, title_index, kind, pool, contact, lang, orig, rng)
    if kind == "wildlife" and product.keys and rng.random() < 0.4:
        key = rng.choice(product.keys)
        target = rng.choice(["title", "description", "both"])
        if target in ("title", "both"):
            title = _replace_word(title, key, _disguise(key, rng, lang))
        if target in ("description", "both"):
            description = _replace_word(description, key, _disguise(key, rng, lang))
    posted = dt.date(2026, 1, 3) + dt.timedelta(days=rng.randint(0, 320))
    return {
        "id": idx,
        "lang": lang,
        "title": title,
        "description": description,
        "price": price,
        "currency": currency,
        "price_text": _price_text(price, currency, lang, rng),
        "seller_id": seller["id"],
        "category": product.category,
        "images": [f"/static/img/{idx}-{n}.jpg" for n in range(1, rng.randint(1, 3) + 1)],
        "posted_at": posted.isoformat(),
        "markup": "",
        "label": 1 if kind == "wildlife" else 0,
        "species": list(product.species),
        "hard_negative": kind == "hard",
    }


def _replace_word(text: str, word: str, disguised: str) -> str:
    lower = text.lower()
    at = lower.find(word.lower())
    if at < 0:
        return text
    return text[:at] + disguised + text[at + len(word):]


def _pick_products(products: list[Product], count: int, rng: random.Random) -> list[Product]:
    """Every product at least once (while count allows), the rest drawn at random."""
    chosen = list(products)[:count]
    chosen += [rng.choice(products) for _ in range(count - len(chosen))]
    rng.shuffle(chosen)
    return chosen


def generate(seed: int = SEED) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Build (listings, sellers) deterministically from ``seed``; no I/O."""
    rng = random.Random(seed)
    sellers, contacts = _make_sellers(rng)
    drafts: list[tuple[str, str, Product]] = []
    for lang in LANGS:
        pool = POOLS[lang]
        plain = PER_LANG - WILDLIFE_PER_LANG - HARD_NEGATIVES_PER_LANG
        for kind, count in (("wildlife", WILDLIFE_PER_LANG), ("hard", HARD_NEGATIVES_PER_LANG), ("plain", plain)):
            drafts += [(lang, kind, p) for p in _pick_products(pool[kind], count, rng)]
    rng.shuffle(drafts)
    markups = ["jsonld", "microdata", "bare"] * (len(drafts) // 3 + 1)
    rng.shuffle(markups)
    by_lang = {lang: [s for s in sellers if s["lang"] == lang] for lang in LANGS}
    listings = []
    for n, (lang, kind, product) in enumerate(drafts):
        candidates = by_lang[lang]
        if kind == "wildlife" and rng.random() < 0.75:
            seller = rng.choice(candidates[:BAD_SELLERS_PER_LANG])  # repeat offenders
        else:
            seller = rng.choice(candidates[BAD_SELLERS_PER_LANG:] if rng.random() < 0.9 else candidates)
        record = _listing(7001 + n, lang, kind, product, seller, contacts[seller["id"]], rng)
        record["markup"] = markups[n]
        listings.append(record)
    listings += _ambiguous_listings(7001 + len(listings), by_lang, random.Random(seed + 1))
    public_sellers = [{k: s[k] for k in ("id", "name", "joined", "location")} for s in sellers]
    return listings, public_sellers


def _ambiguous_listings(first_id: int, by_lang: dict[str, list[dict[str, Any]]], rng: random.Random) -> list[dict[str, Any]]:
    """The ambiguous pool (wildwatch.demo.ambiguous), after the others and from its own generator,
    so adding it left every earlier listing byte-identical."""
    listings = []
    items = [(lang, item) for lang in LANGS for item in AMBIGUOUS[lang]]
    for n, (lang, item) in enumerate(items):
        idx = first_id + n
        seller = rng.choice(by_lang[lang][BAD_SELLERS_PER_LANG:])
        currency = _currency(lang, rng)
        price = _price(item.price_cny, currency, rng)
        posted = dt.date(2026, 1, 3) + dt.timedelta(days=rng.randint(0, 320))
        listings.append({
            "id": idx, "lang": lang, "title": item.title, "description": item.description, "price": price,
            "currency": currency, "price_text": _price_text(price, currency, lang, rng), "seller_id": seller["id"],
            "category": item.category, "images": [f"/static/img/{idx}-1.jpg"], "posted_at": posted.isoformat(),
            "markup": ["jsonld", "microdata", "bare"][n % 3], "label": item.label, "species": list(item.species),
            "hard_negative": False,
        })
    return listings


def write_dataset(data_dir: Path = DEFAULT_DATA_DIR, seed: int = SEED) -> tuple[int, int]:
    """Write listings.jsonl and sellers.jsonl under ``data_dir``; returns (listings, sellers) counts."""
    listings, sellers = generate(seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in (("listings.jsonl", listings), ("sellers.jsonl", sellers)):
        with (data_dir / name).open("w", encoding="utf-8", newline="\n") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    logger.info("wrote %d listings and %d sellers to %s", len(listings), len(sellers), data_dir)
    return len(listings), len(sellers)


def main(argv: list[str] | None = None) -> None:
    """CLI entry: regenerate the demo marketplace fixtures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_DATA_DIR, help="output directory")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    write_dataset(args.out, args.seed)


if __name__ == "__main__":
    main()
