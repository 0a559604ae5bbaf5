"""Generate and bulk-load N synthetic, already-scored listings (for benchmarks and load tests).

    python -m bench.gen_listings --db sqlite:///var/bench.db --rows 1000000

Listings mix Simplified Chinese, Traditional Chinese and English; about 8 % mention a traded
species and are flagged.  Search documents are built with the real tokenizer, applied once per
vocabulary word (segmenting a million generated sentences would measure jieba, not the store).
Prints the load rate (rows/s) on stderr and as JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import islice

from store.bulk import BulkListing, BulkSeller, deferred_indexes, load_listings, load_sellers
from store.db import make_engine, migrate
from store.search import get_tokenizer

logger = logging.getLogger(__name__)

MARKETPLACES = ["shop.example.cn", "hk.market.example", "en.bazaar.example", "mo.trade.example",
                "tw.auction.example", "global.classifieds.example"]
LANGS = [("zh-Hans", 0.45), ("zh-Hant", 0.25), ("en", 0.30)]
CURRENCY = {"zh-Hans": "CNY", "zh-Hant": "HKD", "en": "USD"}

#: species -> words per language (the signal a flagged listing carries)
SPECIES = {
    "elephant": {"zh-Hans": ["象牙", "象牙手镯", "猛犸象牙"], "zh-Hant": ["象牙", "象牙手鐲"], "en": ["ivory", "tusk"]},
    "pangolin": {"zh-Hans": ["穿山甲", "鳞片"], "zh-Hant": ["穿山甲", "鱗片"], "en": ["pangolin", "scales"]},
    "rhinoceros": {"zh-Hans": ["犀牛角", "犀角杯"], "zh-Hant": ["犀牛角", "犀角杯"], "en": ["rhino", "horn"]},
    "tiger": {"zh-Hans": ["虎骨", "老虎皮"], "zh-Hant": ["虎骨", "老虎皮"], "en": ["tiger", "bone"]},
    "hawksbill turtle": {"zh-Hans": ["玳瑁"], "zh-Hant": ["玳瑁"], "en": ["tortoiseshell"]},
    "helmeted hornbill": {"zh-Hans": ["鹤顶红"], "zh-Hant": ["鶴頂紅"], "en": ["hornbill", "casque"]},
    "saiga antelope": {"zh-Hans": ["羚羊角"], "zh-Hant": ["羚羊角"], "en": ["saiga"]},
    "bear": {"zh-Hans": ["熊胆"], "zh-Hant": ["熊膽"], "en": ["bear", "bile"]},
    "shark": {"zh-Hans": ["鱼翅"], "zh-Hant": ["魚翅"], "en": ["shark", "fin"]},
    "totoaba": {"zh-Hans": ["花胶", "鱼肚"], "zh-Hant": ["花膠", "魚肚"], "en": ["maw", "totoaba"]},
}
GENERIC = {
    "zh-Hans": ["手镯", "摆件", "雕刻", "收藏", "正品", "老料", "礼物", "玩具", "椅子", "茶具", "项链", "手机壳",
                "衣服", "鞋子", "花瓶", "药材", "包邮", "全新", "二手", "批发", "特价", "实木", "陶瓷", "手工"],
    "zh-Hant": ["手鐲", "擺件", "雕刻", "收藏", "正品", "老料", "禮物", "玩具", "椅子", "茶具", "項鍊", "手機殼",
                "衣服", "鞋子", "花瓶", "藥材", "包郵", "全新", "二手", "批發", "特價", "實木", "陶瓷", "手工"],
    "en": ["bangle", "carving", "antique", "collectible", "genuine", "gift", "toy", "chair", "teapot", "necklace",
           "phone", "case", "shirt", "shoes", "vase", "herbal", "free", "shipping", "new", "used", "wholesale",
           "sale", "wooden", "ceramic", "handmade", "vintage"],
}
NOW = datetime(2026, 11, 25, tzinfo=UTC)
#: Rows generated before each timed call of the loader (bounded memory: ~100 MB).
GENERATE_AHEAD = 100_000


@lru_cache(maxsize=None)
def _tokens(word: str) -> tuple[str, ...]:
    return tuple(get_tokenizer()(word))


def _document(words: list[str]) -> str:
    return " ".join(dict.fromkeys(token for word in words for token in _tokens(word)))


def generate_sellers(count: int, seed: int = 7) -> list[BulkSeller]:
    """``count`` sellers spread over the marketplaces."""
    rng = random.Random(seed)
    sellers = []
    for seller_id in range(1, count + 1):
        market = MARKETPLACES[seller_id % len(MARKETPLACES)]
        first = NOW - timedelta(days=rng.uniform(30, 400))
        sellers.append(BulkSeller(seller_id, market, f"https://{market}/u/{seller_id}", f"seller{seller_id}",
                                  first, first + timedelta(days=rng.uniform(0, 30))))
    return sellers


def generate_listings(rows: int, sellers: int, *, batch: int, seed: int = 11, start_id: int = 1) -> Iterator[list[BulkListing]]:
    """Batches of synthetic listings with ids ``start_id..start_id+rows-1``."""
    rng = random.Random(seed)
    species_names = list(SPECIES)
    langs, weights = zip(*LANGS, strict=True)
    out: list[BulkListing] = []
    for listing_id in range(start_id, start_id + rows):
        seller_id = rng.randint(1, sellers)
        market = MARKETPLACES[seller_id % len(MARKETPLACES)]
        lang = rng.choices(langs, weights)[0]
        words = rng.sample(GENERIC[lang], 4)
        flagged = rng.random() < 0.08
        species: list[str] = []
        if flagged:
            species = [rng.choice(species_names)]
            words = [rng.choice(SPECIES[species[0]][lang])] + words
        separator = " " if lang == "en" else ""
        title = separator.join(words[:3])
        description = " ".join(words[3:]) + f" #{listing_id}"
        first = NOW - timedelta(seconds=rng.uniform(0, 365 * 86400))
        last = min(NOW, first + timedelta(days=rng.uniform(0, 30)))
        score = rng.uniform(0.6, 1.0) if flagged else rng.uniform(0.0, 0.5)
        review = rng.choice(["confirmed", "dismissed", "escalated", None, None, None]) if flagged else None
        out.append(
            BulkListing(
                id=listing_id, url=f"https://{market}/item/{listing_id}", marketplace=market, seller_id=seller_id,
                title=title, description=description, price=Decimal(rng.randint(5, 50_000)),
                currency=CURRENCY[lang], lang=lang, first_seen=first, last_seen=last, score=round(score, 4),
                flagged=flagged, species=species, reasons=[f"term: {words[0]}"] if flagged else [],
                model_version="bench-1", review_status=review, tokens=_document(words),
            )
        )
        if len(out) >= batch:
            yield out
            out = []
    if out:
        yield out


def load(url: str, rows: int, *, batch: int = 20_000, sellers: int | None = None) -> dict[str, float]:
    """Create (migrate) the store at ``url`` and load ``rows`` listings; returns timings."""
    engine = make_engine(url)
    migrate(engine)
    seller_count = sellers or max(10, rows // 10)
    load_sellers(engine, generate_sellers(seller_count))
    for word in {w for lang in GENERIC.values() for w in lang} | {
        w for table in SPECIES.values() for words in table.values() for w in words
    }:
        _tokens(word)
    generated = 0.0
    total = 0
    batches = generate_listings(rows, seller_count, batch=batch)
    # Generated a few batches ahead, outside the timed load: the loader overlaps formatting one
    # batch with streaming the previous one, and generation must not hide inside that overlap.
    ahead = max(1, GENERATE_AHEAD // batch)
    start = time.perf_counter()
    with deferred_indexes(engine):
        while True:
            pause = time.perf_counter()
            chunks = list(islice(batches, ahead))
            generated += time.perf_counter() - pause
            if not chunks:
                break
            total += load_listings(engine, chunks)
            logger.info("loaded %d listings", total)
        logger.info("rebuilding indexes")
    inserted = time.perf_counter() - start - generated
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # VACUUM sets PostgreSQL's visibility map, which index-only scans need
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    engine.dispose()
    return {
        "rows": total,
        "load_seconds": round(inserted, 2),
        "rows_per_second": round(total / inserted) if inserted else 0,
        "generate_seconds": round(generated, 2),
        "rows_per_second_including_generation": round(total / (inserted + generated)) if inserted else 0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an EMPTY store (created/migrated).")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    result = load(args.db, args.rows, batch=args.batch)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
