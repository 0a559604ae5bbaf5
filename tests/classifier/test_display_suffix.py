"""A Chinese word ending in 展 names an exhibition (回顾展, 巡展, 个展): a display cue, like 博物馆, that lowers
a listing offering nothing; 展 in other words (发展, 展示, 展销, 参展) is not one."""

from __future__ import annotations

import pytest

import classifier
from classifier.features import _suffix_pattern
from classifier.lexicon import load_lexicon


@pytest.fixture(scope="module")
def pattern():  # type: ignore[no-untyped-def]
    compiled = _suffix_pattern(load_lexicon(tables=False)["keeping_suffixes"])
    assert compiled is not None
    return compiled


@pytest.mark.parametrize("text", ["清代牙雕回顾展", "犀角巡展 第二站", "书画联展于周六举行", "个展。", "文物展"])
def test_an_exhibition_word_is_a_cue(pattern, text: str) -> None:  # type: ignore[no-untyped-def]
    assert pattern.search(text)


@pytest.mark.parametrize("text", ["经济发展", "工作进展", "实物展示", "展销会", "参展作品", "开展活动", "大鹏展翅",
                                  "展柜货", "展 会", "展"])
def test_zhan_in_other_words_is_not(pattern, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not pattern.search(text)


NOTICES = ["象牙雕刻个展 周末对市民开放", "玳瑁工艺联展 欢迎参观指导", "犀角器物收藏巡展 下站杭州"]
OFFERS = ["实物展示 老象牙手镯 包真 私聊", "穿山甲片 展开图见详情 一斤起 微信", "个展结束 犀角杯 出让 3800元"]


def test_notices_are_lowered_and_offers_are_not(shipped_model: classifier.Model) -> None:
    notices = shipped_model.score_batch(NOTICES, [""] * len(NOTICES))
    offers = shipped_model.score_batch(OFFERS, [""] * len(OFFERS))
    assert [v.flagged for v in notices] == [False] * len(NOTICES), [round(v.score, 3) for v in notices]
    assert [v.flagged for v in offers] == [True] * len(OFFERS), [round(v.score, 3) for v in offers]
