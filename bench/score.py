"""Throughput benchmark: WildWatch scoring vs a naive baseline, on one core, in the same run.

20,000 synthetic listings of ~150 characters (zh-Hans, zh-Hant, en mix; 80% ordinary goods, 10%
look-alikes, 10% with wildlife-trade fragments — see MIX) are scored by
(a) the shipped model (`Model.score_batch`, batches of 2,000) and (b) a naive baseline:
`jieba.lcut` + `TfidfVectorizer` + `LogisticRegression`, no normalisation, trained on the same seed data.
Also reports model load time, CPU-time throughput (steadier when other jobs share the machine) and a
worst case where every listing carries trade fragments. The process pins itself to one core.

Run: `.venv/bin/python bench/score.py [--n 20000] [--json OUT]`
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _one_core() -> None:
    """Pin this process (and so its children) to one core: only when run as the benchmark itself, since
    importing ``make_listings`` must not pin another benchmark's whole-process runs."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


if __name__ == "__main__":
    _one_core()

import jieba  # noqa: E402
import opencc  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import classifier  # noqa: E402

# Fragments for synthetic listings. "Ordinary" goods make up most of a real marketplace; the
# wildlife-trade and look-alike fragments are there so the scorer's slow paths (reasons, own words)
# run as often as they would in a crawl that targets collectibles and traditional medicine.
ZH_ORDINARY = [
    "全新正品", "二手iPhone 13", "九成新", "自用闲置", "价格可小刀", "同城面交", "实物拍摄", "有意者留言", "羽绒服女款",
    "机械键盘", "婴儿推车", "普洱茶饼", "和田玉手镯", "南红玛瑙", "沉香手串", "顺丰包邮", "品相完美", "适合送礼",
    "宜家书桌", "小米电饭煲", "儿童自行车", "耐克运动鞋", "尺寸见图", "支持验货", "不议价", "包装完好", "送朋友很合适",
]
ZH_LOOKALIKE = ["仿象牙树脂手镯", "牦牛角梳子", "虎皮鹦鹉一对", "太平猴魁新茶", "猴头菇干货", "象牙白乳胶漆", "美甲片穿戴甲", "鱼翅瓜"]
ZH_TRADE = ["老料象牙手镯", "包真可验货", "私聊微信", "穿山甲片", "鹤顶红吊坠", "犀角杯", "海外回流", "支持鉴定", "懂的来"]
EN_ORDINARY = [
    "used iPhone 12", "good condition", "free shipping", "like new", "collection only", "jade bangle",
    "mechanical keyboard", "kids bike", "rice cooker", "size M", "smoke free home", "original box", "fast dispatch",
]
EN_LOOKALIKE = ["faux ivory resin", "Tiger Balm 30g", "leopard print dress", "ivory white dress", "ox horn comb"]
EN_TRADE = ["Antique carved ivory bangle", "pre-ban", "DM for price", "rhino horn cup", "ship worldwide", "hand raised"]
#: (ordinary, look-alike, trade) shares of listings.
MIX = (0.8, 0.1, 0.1)


def make_listings(n: int, seed: int = 7, mix: tuple[float, float, float] = MIX) -> tuple[list[str], list[str]]:
    """n listings of ~150 characters (title ~20 + description ~130), 45% zh-Hans, 25% zh-Hant, 30% en."""
    rng = random.Random(seed)
    s2hk = opencc.OpenCC("s2hk")
    titles, descriptions = [], []
    for _ in range(n):
        kind = rng.random()
        r = rng.random()
        zh = r < 0.7
        ordinary, lookalike, trade = (ZH_ORDINARY, ZH_LOOKALIKE, ZH_TRADE) if zh else (EN_ORDINARY, EN_LOOKALIKE, EN_TRADE)
        extra = [] if kind < mix[0] else lookalike if kind < mix[0] + mix[1] else trade

        def pick(extra: list[str] = extra, ordinary: list[str] = ordinary) -> str:
            return rng.choice(extra) if extra and rng.random() < 0.3 else rng.choice(ordinary)

        if zh:
            title = "".join(pick() for _ in range(3))[:20]
            desc = "，".join(pick() for _ in range(40))[:130]
            if r >= 0.45:
                title, desc = s2hk.convert(title), s2hk.convert(desc)
        else:
            title = " ".join(pick() for _ in range(2))[:30]
            desc = ". ".join(pick() for _ in range(20))[:120]
        titles.append(title)
        descriptions.append(desc)
    return titles, descriptions


class NaiveBaseline:
    """jieba.lcut + TfidfVectorizer + LogisticRegression, no normalisation."""

    def fit(self, texts: list[str], y: list[int]) -> NaiveBaseline:
        self.vec = TfidfVectorizer(tokenizer=jieba.lcut, lowercase=False, token_pattern=None)
        self.clf = LogisticRegression(max_iter=1000).fit(self.vec.fit_transform(texts), y)
        return self

    def score(self, texts: list[str]) -> list[float]:
        return list(self.clf.predict_proba(self.vec.transform(texts))[:, 1])


def timed(fn, repeats: int) -> tuple[float, float]:
    """Median (wall seconds, CPU seconds) over repeats; CPU time is steadier on a shared machine."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    jieba.setLogLevel(logging.WARNING)

    start = time.perf_counter()
    model = classifier.load_model()
    load_s = time.perf_counter() - start

    titles, descriptions = make_listings(args.n)
    texts = [classifier.join_listing(t, d) for t, d in zip(titles, descriptions)]
    mean_chars = statistics.mean(len(t) for t in texts)

    seed = pd.read_csv(REPO / "data" / "labeled" / "seed.csv", dtype=str, keep_default_na=False)
    train = seed[seed["split"] == "train"]
    baseline = NaiveBaseline().fit(
        [classifier.join_listing(t, d) for t, d in zip(train["title"], train["description"])],
        train["label"].astype(int).tolist(),
    )
    jieba.lcut("预热")  # load jieba's dictionary outside the timed region

    def run_model(ts: list[str], ds: list[str]) -> None:
        for i in range(0, len(ts), args.batch):
            model.score_batch(ts[i : i + args.batch], ds[i : i + args.batch])

    def run_baseline(xs: list[str]) -> None:
        for i in range(0, len(xs), args.batch):
            baseline.score(xs[i : i + args.batch])

    model_wall, model_cpu = timed(lambda: run_model(titles, descriptions), args.repeats)
    base_wall, base_cpu = timed(lambda: run_baseline(texts), args.repeats)
    # Worst case: every listing carries wildlife-trade fragments (all slow paths, most rows explained).
    worst_t, worst_d = make_listings(args.n // 4, seed=8, mix=(0.0, 0.0, 1.0))
    worst_wall, worst_cpu = timed(lambda: run_model(worst_t, worst_d), 1)
    flagged = sum(r.flagged for r in model.score_batch(titles[:2000], descriptions[:2000]))
    result = {
        "listings": args.n,
        "mix_ordinary_lookalike_trade": list(MIX),
        "mean_chars": round(mean_chars, 1),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "model_version": model.version,
        "model_load_s": round(load_s, 3),
        "wildwatch_listings_per_s": round(args.n / model_wall),
        "baseline_listings_per_s": round(args.n / base_wall),
        "speedup": round(base_wall / model_wall, 2),
        "wildwatch_listings_per_cpu_s": round(args.n / model_cpu),
        "baseline_listings_per_cpu_s": round(args.n / base_cpu),
        "speedup_cpu": round(base_cpu / model_cpu, 2),
        "worst_case_all_trade_listings_per_cpu_s": round(len(worst_t) / worst_cpu),
        "flagged_share_first_2000": round(flagged / 2000, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
