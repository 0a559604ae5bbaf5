"""Normalisation: script, width, case and the evasion tricks sellers use."""

from __future__ import annotations

import pytest

import classifier
from classifier.normalize import MAX_CHARS, clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Traditional (Taiwan and Hong Kong variants) -> Simplified
        ("象牙手鐲", "象牙手镯"),
        ("鶴頂紅雕件", "鹤顶红雕件"),
        ("熊膽粉 衞生", "熊胆粉卫生"),
        ("穿山甲片 綫上交收", "穿山甲片线上交收"),
        # full-width -> half-width, case
        ("ＩＶＯＲＹ　Ｂａｎｇｌｅ", "ivory bangle"),
        ("Rhino HORN", "rhino horn"),
        # spaces and symbols inside words
        ("象 牙", "象牙"),
        ("象*牙手镯", "象牙手镯"),
        ("犀.牛.角", "犀牛角"),
        ("穿-山-甲", "穿山甲"),
        ("鹤 · 顶 · 红", "鹤顶红"),
        ("i v o r y", "ivory"),
        ("i.v.o.r.y carving", "ivory carving"),
        ("犀/牛/角 整支", "犀牛角整支"),
        ("舊犀~角", "旧犀角"),
        ("象♪牙", "象牙"),
        ("虎&骨", "虎骨"),
        ("i~v~o~r~y", "ivory"),
        ("象牙。犀角", "象牙。犀角"),
        # homophones, pinyin, look-alikes
        ("西牛角杯", "犀牛角杯"),
        ("穿山夹", "穿山甲"),
        ("代瑁手镯", "玳瑁手镯"),
        ("iv0ry netsuke", "ivory netsuke"),
        # Unicode confusables (Cyrillic о, Greek ο), CJK radicals (Supplement and Kangxi)
        ("Ivоry bracelet", "ivory bracelet"),
        ("ΙVΟRY", "ivory"),
        ("⻁⻣酒", "虎骨酒"),
        ("象⽛手镯", "象牙手镯"),
        # leetspeak for any lexicon word, not per word; ordinary digits stay
        ("1v0ry carving", "ivory carving"),
        ("t1ger b0ne", "tiger bone"),
        ("b3ar bile", "bear bile"),
        ("p@ngolin", "pangolin"),
        ("iphone13 128gb", "iphone13 128gb"),
        # misspellings of lexicon words (one edit, 5+ letters), but never of real words
        ("ivroy figurine", "ivory figurine"),
        ("pangolian scales", "pangolin scales"),
        ("rhinocerous horn", "rhinoceros horn"),
        ("tortiseshell comb", "tortoiseshell comb"),
        ("lords of macao", "lords of macao"),
        # toneless pinyin stays as written: the pinyin channel matches it (test_tagger)
        ("xiangya手串", "xiangya手串"),
        # emoji substitutions
        ("🐘🦷手镯", "象牙手镯"),
        ("🦏角杯", "犀牛角杯"),
        # zero-width characters
        ("象\u200b牙", "象牙"),
        # things that must stay as they are
        ("仿象牙树脂手镯", "仿象牙树脂手镯"),
        ("收藏，包邮。", "收藏包邮。"),
        ("", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert classifier.normalize_text(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["老料象 牙手鐲，包真可驗貨！", "Genuine  I.V.O.R.Y  bangle 🐘", "西牛角 杯 xiangya", "ｖｘ：ａｂｃ 鶴*頂*紅", "a" * 50],
)
def test_slow_and_fast_paths_agree(raw: str) -> None:
    """The offsets path (used for reasons) must produce exactly the fast path's text."""
    normalizer = classifier.model.TextAnalyzer(classifier.load_lexicon()).normalizer
    original, normalized, spans = normalizer.normalize_with_offsets(raw)
    assert normalized == normalizer.normalize(raw)
    assert original == raw
    assert len(spans) == len(normalized)
    assert all(0 <= a <= b <= len(raw) for a, b in spans)


def test_batch_equals_single() -> None:
    normalizer = classifier.model.TextAnalyzer(classifier.load_lexicon()).normalizer
    texts = ["象 牙", "鶴頂紅\n雕件", "", "IVORY", "line1\nline2"]
    assert normalizer.normalize_batch(texts) == [normalizer.normalize(t) for t in texts]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (float("nan"), ""),
        (b"\xe8\xb1\xa1\xe7\x89\x99", "象牙"),
        (b"\xff\xfe bad", "\ufffd\ufffd bad"),
        ("\ud800 lone surrogate", "? lone surrogate"),
        (12, "12"),
    ],
)
def test_clean_text(value: object, expected: str) -> None:
    assert clean_text(value) == expected


def test_huge_text_is_capped() -> None:
    assert len(clean_text("象" * (MAX_CHARS * 3))) == MAX_CHARS


def test_leetspeak_and_spaced_letters_match_the_plain_patterns(shipped_model: classifier.Model) -> None:
    """The fast passes (a leet pattern run only on candidate runs; a spaced-letter pattern that starts
    with a letter class) rewrite exactly what the plain patterns rewrite, on random evasive strings."""
    import random
    import re

    from classifier.normalize import _SYMBOL

    normalizer = shipped_model.analyzer.normalizer
    assert normalizer._leet_re is not None
    plain_spaced = re.compile(rf"(?<![a-z0-9])(?:(?:[a-z] ){{2,}}[a-z]|[a-z]({_SYMBOL})(?:[a-z]\1)+[a-z]+)(?![a-z0-9])")
    letters_only = lambda m: re.sub(r"[^a-z]", "", m.group())  # noqa: E731
    rng = random.Random(16)
    alphabet = list("aeiorvyz") + list(normalizer._leet) + list("0289 .~-_,象牙。!?\x00")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert normalizer._leet_sub(text) == normalizer._leet_re.sub(normalizer._unleet, text), text
        assert normalizer._spaced_latin_re.sub(letters_only, text) == plain_spaced.sub(letters_only, text), text


def test_separators_between_cjk_characters_match_the_plain_pattern(shipped_model: classifier.Model) -> None:
    """The numpy pass drops exactly what the separator pattern drops, on random strings of CJK characters,
    separators, sentence ends, emoji and the unassigned CJK code points (both CJK and separators)."""
    import random

    normalizer = shipped_model.analyzer.normalizer
    rng = random.Random(16)
    alphabet = list("象牙犀角ab1 *-_.·|/~,、。!?\x00\u3400\u9fff\uf900\u33ff\ua000♪🐘\U00020000")
    for k in range(20_000):
        text = "".join(rng.choice(alphabet + (["\ufaff"] if k % 2 else [])) for _ in range(rng.randint(0, 24)))
        assert normalizer._drop_cjk_separators(text) == normalizer._cjk_sep_re.sub("", text), text
