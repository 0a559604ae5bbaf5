"""The shipped model: flags trade, spares look-alikes, explains itself, survives junk, loads safely."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import skops.io as sio

import classifier
from classifier.persist import ARRAYS_FILE, MODEL_FILE, SKOPS_FILE, SKOPS_FORMAT

POSITIVES = [
    # Simplified
    ("老料象牙手镯 包真", "包老包真，可验货，价格私聊"),
    ("出 犀角杯", "海外回流，支持鉴定，加微信详聊"),
    ("穿山甲片 500克", "野生的，量大从优，顺丰包邮"),
    ("鹤顶红吊坠", "老料，雕工精细，懂的来"),
    ("非洲灰鹦鹉幼鸟", "手养，已开食，包活，可视频看货"),
    # Traditional (HK / TW)
    ("老料象牙手鐲", "包真，可驗貨，有意請PM"),
    ("犀牛角粉 50克", "海外回流，價格私聊，順豐包郵"),
    # English
    ("Antique carved ivory bangle", "Pre-ban, no papers. DM for price."),
    ("Rhino horn cup, genuine", "100% real, can pass any test. Ship worldwide, discreet."),
    ("Baby slow loris, tame", "Hand raised, eating on its own. WhatsApp only."),
    # code words only
    ("白料手镯 老料", "懂的来，私聊，包真"),
    ("甲片 500克 入药", "一手货源，量大从优，加V"),
    # spacing / homophone / emoji tricks
    ("象 * 牙手串", "老料，包真，私聊"),
    ("西牛角杯", "包老，可验货，vx私聊"),
    ("🐘🦷手镯", "包真，懂的来"),
    # short titles, no seller phrasing, symbols inside words
    ("虎骨 两块", "泡酒用"),
    ("老虎牙 挂绳", "保平安"),
    ("熊胆粉 小瓶", "长辈留下的"),
    ("玳瑁 手镯", "海边带回来的"),
    ("犀|牛|角 小块", "老的"),
    ("Tiger claw pendant", "Real claw, silver cap."),
    ("Mammoth ivory carving", "Certified mammoth, very white."),
]
HARD_NEGATIVES = [
    ("仿象牙树脂手镯", "树脂材质，非动物制品，包邮"),
    ("象牙白乳胶漆 5升", "色号象牙白，环保无味"),
    ("象牙果雕件", "植物种子雕刻，俗称植物象牙"),
    ("牦牛角梳子", "天然牦牛角，包邮"),
    ("犀牛毛绒玩具", "儿童玩偶，PP棉"),
    ("虎标万金油", "正品，清凉油"),
    ("海马体 证件照", "精修，当天取片"),
    ("穿山甲科普绘本", "保护野生动物，儿童科普"),
    ("美甲片 穿戴甲", "送胶，款式见图"),
    ("虎皮鹦鹉 一对", "自家繁殖，送鸟笼"),
    ("仿玳瑁眼镜框", "醋酸板材，玳瑁色"),
    ("玳瑁色 鲨鱼夹", "塑料，大号"),
    ("猛犸象 恐龙模型", "塑料玩具"),
    ("熊胆草珊瑚含片", "药店买多了"),
    ("Tortoiseshell acetate sunglasses", "Plastic frame, like new."),
    ("Faux ivory resin bangle", "Resin, ivory look. No animal products."),
    ("Tiger Balm red 30g", "Pain relief ointment. Sealed."),
    ("Ox horn comb", "Handmade from ox horn."),
    ("Book: Ivory, Power and Poaching", "Hardcover, about the ivory trade and conservation."),
]


@pytest.mark.parametrize(("title", "description"), POSITIVES)
def test_flags_trade(shipped_model: classifier.Model, title: str, description: str) -> None:
    (result,) = shipped_model.score_batch([title], [description])
    assert result.flagged, result
    assert result.score >= shipped_model.threshold
    assert result.reasons


@pytest.mark.parametrize(("title", "description"), HARD_NEGATIVES)
def test_spares_hard_negatives(shipped_model: classifier.Model, title: str, description: str) -> None:
    (result,) = shipped_model.score_batch([title], [description])
    assert not result.flagged, result


def test_result_contract(shipped_model: classifier.Model) -> None:
    results = shipped_model.score_batch(["老料象 牙手鐲", "二手iPhone"], ["包真，私聊", "九成新"])
    assert len(results) == 2
    hit, miss = results
    assert isinstance(hit, classifier.ScoreResult)
    assert 0.0 <= miss.score <= hit.score <= 1.0
    assert hit.species == ("elephant ivory",)
    assert any("象 牙手鐲" in r or "象 牙" in r for r in hit.reasons), hit.reasons  # the listing's own words
    assert miss.species == () and not miss.flagged
    assert isinstance(shipped_model.version, str) and shipped_model.version
    assert 0.0 < shipped_model.threshold < 1.0


BAD_ROWS = [
    ("", ""),
    (None, None),
    (float("nan"), 3),
    ("象牙" * 500_000, "x" * 1_000_000),  # ~2 MB of text
    ("\ud800\udfff lone surrogates \udc80", "ok"),
    (b"\xff\xfe\xfd not utf-8", b"\xe8\xb1\xa1\xe7\x89\x99"),
    ("\x00\x01\x02", "\u200b\u200b"),
    ("🐘" * 1000, ""),
]


@pytest.mark.parametrize(("title", "description"), BAD_ROWS)
def test_bad_rows_never_raise(shipped_model: classifier.Model, title: object, description: object) -> None:
    (result,) = shipped_model.score_batch([title], [description])  # type: ignore[list-item]
    assert 0.0 <= result.score <= 1.0
    assert isinstance(result.flagged, bool)


def test_empty_and_uneven_batches(shipped_model: classifier.Model) -> None:
    assert shipped_model.score_batch([], []) == []
    assert len(shipped_model.score_batch(["a", "b"], ["c"])) == 2


@pytest.mark.parametrize("enabled", [True, False])
def test_scoring_leaves_the_garbage_collector_as_it_found_it(
    shipped_model: classifier.Model, enabled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """score_batch pauses the cyclic collector while it scores; afterwards it is on again only if it was."""
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        shipped_model.score_batch(["象牙手镯"], ["包真，私聊"])
        assert gc.isenabled() is enabled

        def fail(texts: object) -> None:
            assert not gc.isenabled()
            raise RuntimeError("half way")

        monkeypatch.setattr(shipped_model.analyzer, "analyze_batch", fail)
        with pytest.raises(RuntimeError):
            shipped_model.score_batch(["象牙手镯"], ["包真，私聊"])
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_junk_scores_like_empty(shipped_model: classifier.Model) -> None:
    empty, junk = shipped_model.score_batch(["", None], ["", None])  # type: ignore[list-item]
    assert empty.score == junk.score


def test_save_load_roundtrip(small_model: classifier.Model, tmp_path: Path) -> None:
    target = classifier.save_model(small_model, tmp_path)
    assert (target / MODEL_FILE).is_file()
    card = json.loads((target / "model_card.json").read_text(encoding="utf-8"))
    assert card["threshold"] == pytest.approx(small_model.threshold)
    assert (target / "model_card.md").read_text(encoding="utf-8").startswith("# WildWatch classifier")
    loaded = classifier.load_model(models_dir=tmp_path)
    assert loaded.version == small_model.version == target.name
    texts = (["老料象牙手镯", "二手iPhone", "Tiger Balm"], ["包真", "", ""])
    assert [r.score for r in loaded.score_batch(*texts)] == [r.score for r in small_model.score_batch(*texts)]


def test_find_latest_prefers_promoted(small_model: classifier.Model, tmp_path: Path) -> None:
    first = classifier.save_model(small_model, tmp_path)
    second = classifier.save_model(small_model, tmp_path)
    assert second.name > first.name
    assert classifier.find_latest_model(tmp_path) == second
    classifier.promote(tmp_path, first.name)
    assert classifier.find_latest_model(tmp_path) == first


def test_no_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(classifier.ModelLoadError, match="no trained model"):
        classifier.load_model(models_dir=tmp_path)


def test_rejects_non_skops_file(tmp_path: Path) -> None:
    (tmp_path / SKOPS_FILE).write_bytes(b"\x80\x04not a model")
    with pytest.raises(classifier.ModelLoadError, match="not a skops"):
        classifier.load_model(tmp_path)


def test_rejects_pickle_disguised_as_model(tmp_path: Path) -> None:
    import pickle

    (tmp_path / SKOPS_FILE).write_bytes(pickle.dumps({"format": SKOPS_FORMAT}))
    with pytest.raises(classifier.ModelLoadError):
        classifier.load_model(tmp_path)


def test_rejects_untrusted_types(tmp_path: Path) -> None:
    from sklearn.preprocessing import FunctionTransformer

    sio.dump({"format": SKOPS_FORMAT, "f": FunctionTransformer(func=json.loads)}, tmp_path / SKOPS_FILE)
    with pytest.raises(classifier.ModelLoadError, match="do not trust"):
        classifier.load_model(tmp_path)


def test_rejects_foreign_skops_file(tmp_path: Path) -> None:
    sio.dump({"hello": [1, 2, 3]}, tmp_path / SKOPS_FILE)
    with pytest.raises(classifier.ModelLoadError, match="not a WildWatch"):
        classifier.load_model(tmp_path)


def test_shipped_model_is_plain_files() -> None:
    """JSON and a numpy archive without pickles: nothing in the shipped model can run code."""
    path = classifier.find_latest_model()
    assert json.loads((path / MODEL_FILE).read_text(encoding="utf-8"))["format"] == classifier.model.FORMAT
    with zipfile.ZipFile(path / ARRAYS_FILE) as zf:
        assert all(name.endswith(".npy") for name in zf.namelist())
    assert not (path / SKOPS_FILE).exists()


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        # unweighted, the lone low-scoring positive is not worth the false positive below it
        (None, 0.7),
        # weighted x3 (a hand-written row), it is: the threshold drops below it
        ([1, 1, 1, 1, 3, 1], 0.2),
    ],
)
def test_threshold_weights_rows(weights: list[float] | None, expected: float) -> None:
    y = [1, 1, 0, 0, 1, 0]
    proba = [0.9, 0.8, 0.6, 0.5, 0.3, 0.1]
    threshold = classifier.train.choose_threshold(y, proba, min_precision=0.0, sample_weight=weights)
    assert threshold == pytest.approx(expected)


# Issue 12: one ordinary word must not erase evidence; negation runs both ways.
NO_ERASING = [
    ("Real tiger tooth necklace", "Got this from my uncle. Not lion, not replica. $750"),
    ("Estate sale lot", "Two carved ivory elephants and an ivory letter opener, lamps, books, picture frames."),
    ("Vintage hawksbill bangle", "Translucent amber with lovely patterns, 1950s. Message me."),
    ("老料象牙手镯", "家里长辈的，台灯、旧书、相框一起出，价格私聊"),
]


@pytest.mark.parametrize(("title", "description"), NO_ERASING)
def test_ordinary_words_do_not_erase_evidence(shipped_model: classifier.Model, title: str, description: str) -> None:
    (result,) = shipped_model.score_batch([title], [description])
    assert result.flagged, result


@pytest.mark.parametrize(
    ("title", "description"),
    [
        ("Fish maw, farmed", "Legal, not totoaba. Cod maw, 500 g."),
        ("Royal Worcester Blush Ivory vase", "Hand painted, gilt rim, porcelain."),
        ("象牙球 仙人球", "多肉植物，好养，包邮"),
        ("鹤顶红 金鱼 两条", "观赏鱼，自家繁殖，包邮"),
        ("System76 Pangolin laptop", "Ryzen 7, 32 GB RAM. $900"),
        ("带帽卫衣 黑色", "纯棉，包邮，价格私聊"),
    ],
)
def test_word_sense_and_denials(shipped_model: classifier.Model, title: str, description: str) -> None:
    (result,) = shipped_model.score_batch([title], [description])
    assert not result.flagged, result


# Issue 12 round 2: bare English "ivory" is a colour unless the carver's own words are near it.
@pytest.mark.parametrize(
    ("title", "description", "flagged"),
    [
        ("Ivory cable knit jumper, sizes 8-16", "New in! Shop now, DM to order", False),
        ("Restocked: ivory candle, 300g soy wax", "Shop link in bio", False),
        ("Vintage Ivory Snow laundry box, 1960s", "Great for display. $20", False),
        ("Sofa cushions, available in ivory and sage", "DM for price", False),
        ("Meiji period ivory okimono of a fisherman", "Signed. Enquiries welcome", True),
        ("Qing ivory brush pot, 14cm", "Available, DM for price", True),
        ("Ivory tea caddy, Georgian, silver mounts", "Price on request", True),
    ],
)
def test_english_ivory_word_sense(shipped_model: classifier.Model, title: str, description: str, flagged: bool) -> None:
    (result,) = shipped_model.score_batch([title], [description])
    assert result.flagged is flagged, result


# Issue 12 round 3: English tweets. Everyday seller words and "elephants" do not turn bare "ivory"
# (slang) into an offer; "<thing> in ivory" is a colour; carved animals and rings confirm it.
@pytest.mark.parametrize(
    ("title", "description", "flagged"),
    [
        ("A soft pure ivory with warm undertones, my new favourite paint", "", False),
        ("Rare live footage: elephants at the river. Worth more than ivory", "", False),
        ("Elephants keep dying for their ivory 🐘", "", False),
        ("Retro toaster in ivory, barely used, £15 collect", "", False),
        ("Smugglers jailed after customs find ivory in crates of cashew nuts", "", False),
        ("Vintage ivory elephant figure with howdah, $95", "", True),
        ("Old ivory ring with a carved rose, size M. DM", "", True),
        ("Hand carved mammoth beads, 10mm, strand of 40. $70", "", True),
        ("Antique carved ivory puzzle ball, Canton. DM for price", "", True),
    ],
)
def test_english_ivory_tweets(shipped_model: classifier.Model, title: str, description: str, flagged: bool) -> None:
    (result,) = shipped_model.score_batch([title], [description])
    assert result.flagged is flagged, result


# A comma does not end the word-sense window when the term is all its clause holds: that clause is an
# attribute of the item beside it ("Wool throw, ivory"). A clause with other words is its own phrase.
@pytest.mark.parametrize(
    ("title", "description", "flagged"),
    [
        ("Wool throw, ivory", "DM to buy, $40", False),
        ("Ivory, wool throw", "$30, collection only", False),
        ("Cotton cushion cover | ivory", "DM to order, £12", False),
        ("Carved ivory, elephant, antique, $500", "", True),
        ("Ivory, Meiji period, signed", "DM for price", True),
        ("Old ivory, not plastic", "DM for price", True),
        ("Estate job lot", "Picture frames, tortoiseshell hawksbill box, brass lock, two lamps. Buyer collects.", True),
    ],
)
def test_word_sense_window_crosses_commas(
    shipped_model: classifier.Model, title: str, description: str, flagged: bool
) -> None:
    (result,) = shipped_model.score_batch([title], [description])
    assert result.flagged is flagged, result


@pytest.mark.parametrize(
    ("text", "harmless"),
    [
        ("Wool throw, ivory", True),  # the colour's clause holds only "ivory": the window reaches "throw"
        ("Sofa cushion / ivory", True),
        ("Natural musk, perfume oil", True),
        ("Wool throw. Ivory", False),  # a sentence end still ends it
        ("Picture frames, tortoiseshell hawksbill box", False),  # an item in a lot: "frames" is another item's
        ("Old ivory, not plastic", False),  # a negated harmless word is a claim, not the harmless sense
    ],
)
def test_word_sense_window_scope(shipped_model: classifier.Model, text: str, harmless: bool) -> None:
    """The evidence stage itself: the harmless-sense feature fires exactly when the window reaches a harmless word."""
    names = [name for name, _ in classifier.features.EVIDENCE_FEATURES]
    (analysis,) = shipped_model.analyzer.analyze_batch([text])
    assert (analysis.evidence.vector[names.index("harmless sense or exclusion")] > 0) is harmless, analysis.evidence


def test_threshold_stays_above_evidence_free_scores() -> None:
    """Training passes the best score a listing without evidence can reach: the threshold stays above it."""
    y = [1, 1, 0, 1, 0]
    proba = [0.9, 0.8, 0.6, 0.3, 0.1]
    assert classifier.train.choose_threshold(y, proba, min_precision=0.0) == pytest.approx(0.2)
    assert classifier.train.choose_threshold(y, proba, min_precision=0.0, above=0.5) == pytest.approx(0.7)


def test_monotone_guarantee_holds(shipped_model: classifier.Model) -> None:
    """Without evidence, no words can reach the threshold (the context stage is bounded)."""
    monotone = shipped_model.card["monotone"]
    assert monotone["no_evidence_stays_below_threshold"]
    assert monotone["no_evidence_margin"] + monotone["context_bound"] < monotone["threshold_margin"]
    weights = shipped_model.card["evidence_weights"]
    signs = dict(classifier.features.EVIDENCE_FEATURES)
    assert all(weights[name] * sign >= 0 for name, sign in signs.items())


def test_mammoth_policy(tmp_path: Path) -> None:
    """Mammoth ivory is flagged by default; the setting stops flagging it alone, not as cover for elephant ivory."""
    path = classifier.find_latest_model()
    rows = (["Mammoth ivory netsuke", "猛犸牙手镯"], ["Carved from mammoth tusk, with certificate. $300", "非洲料，人字纹，私聊"])
    default = classifier.load_model(path).score_batch(*rows)
    off = classifier.load_model(path, flag_mammoth_ivory=False).score_batch(*rows)
    assert default[0].flagged and default[0].species == ("mammoth ivory",)
    assert not off[0].flagged and off[0].score == default[0].score and off[0].species == ("mammoth ivory",)
    assert default[1].flagged and off[1].flagged
    assert set(off[1].species) == {"elephant ivory", "mammoth ivory"}


def test_card_reproduces_on_heldout_set(shipped_model: classifier.Model) -> None:
    """`wildwatch evaluate --input data/labeled/heldout.csv` prints the model card's held-out figures."""
    from wildwatch.commands.model import read_labeled_csv

    heldout = read_labeled_csv(Path(__file__).resolve().parents[2] / "data" / "labeled" / "heldout.csv")
    metrics = classifier.evaluate(shipped_model, heldout)
    card = shipped_model.card["metrics"]["heldout"]
    assert metrics["overall"]["f1"] == card["overall"]["f1"]
    assert {k: v["f1"] for k, v in metrics["by_language"].items()} == {k: v["f1"] for k, v in card["by_language"].items()}
