"""Species tagging: the right English common names, and none for harmless look-alikes."""

from __future__ import annotations

import pytest

import classifier


@pytest.mark.parametrize(
    ("text", "species"),
    [
        # Simplified
        ("老料象牙手镯", ["elephant ivory"]),
        ("犀角杯 包老", ["rhino horn"]),
        ("穿山甲片 500克", ["pangolin"]),
        ("虎骨酒", ["tiger"]),
        ("金钱豹皮", ["leopard"]),
        ("鹤顶红雕件", ["helmeted hornbill"]),
        ("玳瑁手镯", ["hawksbill turtle"]),
        ("海龟标本", ["sea turtle"]),
        ("金钱鳘鱼胶", ["totoaba"]),
        ("野生熊胆粉", ["bear bile"]),
        ("羚羊角粉", ["saiga"]),
        ("排翅 一斤", ["shark fin"]),
        ("非洲灰鹦鹉幼鸟", ["african grey parrot"]),
        ("蓝黄金刚鹦鹉", ["macaw"]),
        ("葵花凤头鹦鹉", ["cockatoo"]),
        ("辐射陆龟苗", ["radiated tortoise"]),
        ("印度星龟", ["star tortoise"]),
        ("懒猴宠物", ["slow loris"]),
        ("狨猴活体", ["primate"]),
        ("象牙 and 犀牛角", ["elephant ivory", "rhino horn"]),
        # Traditional
        ("象牙手鐲", ["elephant ivory"]),
        ("鶴頂紅吊墜", ["helmeted hornbill"]),
        ("熊膽粉", ["bear bile"]),
        ("非洲灰鸚鵡", ["african grey parrot"]),
        # English
        ("Antique carved ivory bangle", ["elephant ivory"]),
        ("rhino horn cup", ["rhino horn"]),
        ("Pangolin scales 1kg", ["pangolin"]),
        ("hornbill casque", ["helmeted hornbill"]),
        ("slow loris baby", ["slow loris"]),
        # evasion tricks
        ("象 * 牙 手镯", ["elephant ivory"]),
        ("西牛角", ["rhino horn"]),
        ("🐘🦷", ["elephant ivory"]),
        ("i.v.o.r.y carving", ["elephant ivory"]),
        # new species, in three scripts
        ("麝香 一颗", ["musk deer"]),
        ("熊掌 一对", ["bear paw"]),
        ("砗磲手串", ["giant clam"]),
        ("硨磲 原料", ["giant clam"]),
        ("干海马 一斤", ["seahorse"]),
        ("黄唇鱼肚", ["totoaba"]),
        ("金錢鰵 花膠", ["totoaba"]),
        ("猛犸牙 手串", ["mammoth ivory"]),
        # the other ivories, in three scripts: each its own species, not elephant ivory
        ("海象牙 手串", ["walrus ivory"]),
        ("walrus tusk carving", ["walrus ivory"]),
        ("河马牙 原料", ["hippo ivory"]),
        ("河馬牙 擺件", ["hippo ivory"]),
        ("hippopotamus ivory carving", ["hippo ivory"]),
        ("hippo teeth, pair", ["hippo ivory"]),
        ("抹香鲸牙 一颗", ["sperm whale ivory"]),
        ("抹香鯨牙 雕刻", ["sperm whale ivory"]),
        ("sperm whale tooth", ["sperm whale ivory"]),
        ("独角鲸牙 整支", ["narwhal ivory"]),
        ("獨角鯨牙 一支", ["narwhal ivory"]),
        ("一角鲸牙", ["narwhal ivory"]),
        ("narwhal tusk", ["narwhal ivory"]),
        ("deer musk pod", ["musk deer"]),
        ("dried seahorses", ["seahorse"]),
        ("giant clam shell", ["giant clam"]),
        ("helmeted hornbill casque", ["helmeted hornbill"]),
        # descriptions and Cantonese
        ("大笨象嘅牙 手鈪", ["elephant ivory"]),
        ("big cat bone wine", ["tiger"]),
        ("scaly anteater scales", ["pangolin"]),
        # evasions: radicals, confusables, leetspeak, misspellings, pinyin
        ("⻁⻣酒", ["tiger"]),
        ("Ivоry carving", ["elephant ivory"]),
        ("t1ger b0ne", ["tiger"]),
        ("pangolian scales", ["pangolin"]),
        ("xiangya 手串", ["elephant ivory"]),
        ("chuanshanjia 鳞片", ["pangolin"]),
        ("代帽 手镯 私聊", ["hawksbill turtle"]),
        ("岱瑁 发簪 包真", ["hawksbill turtle"]),
        # mammoth offered as cover for elephant ivory
        ("猛犸牙手镯 非洲料 人字纹", ["elephant ivory", "mammoth ivory"]),
        # hard negatives: no species
        ("仿象牙树脂手镯", []),
        ("象牙白乳胶漆", []),
        ("象牙果雕件", []),
        ("美甲片 穿戴甲", []),
        ("虎皮鹦鹉一对", []),
        ("虎皮青椒做法", []),
        ("豹纹睡衣", []),
        ("仿玳瑁眼镜框", []),
        ("海龟汤 桌游", []),
        ("鱼翅瓜 10斤", []),
        ("鲨鱼夹", []),
        ("猴头菇 干货", []),
        ("太平猴魁", []),
        ("Tiger Balm 30g", []),
        ("ivory white wedding dress", []),
        ("faux ivory bangle", []),
        ("tortoiseshell acetate frames", []),
        ("leopard print dress", []),
        ("Rhino 3D software", []),
        ("Hungry Hippos game", []),
        ("walrus plush toy", []),
        ("narwhal", []),
        ("", []),
        # word sense and everyday homophones
        ("Blush Ivory porcelain vase", []),
        ("ivory leather handbag", []),
        ("象牙球 仙人球", []),
        ("鹤顶红 金鱼", []),
        ("犀牛盾 手机壳", []),
        ("System76 Pangolin laptop", []),
        ("带帽卫衣 包邮", []),
        ("西郊 公寓 价格", []),
        ("比别家还贵", []),
        ("白麝香 香水", []),
        ("海马体 证件照", []),
    ],
)
def test_tag_species(text: str, species: list[str]) -> None:
    assert classifier.tag_species(text) == species


FEATURES = [name for name, _ in classifier.features.EVIDENCE_FEATURES]
NON_OFFER = "non-offer context without an offer"


@pytest.mark.parametrize(
    ("text", "feature", "present"),
    [
        # negation both ways: a denied look-alike is an authenticity claim ...
        ("象牙手镯 唔系仿 价钱私讯", "evidence x authenticity claim", True),
        ("ivory carving, not resin", "evidence x authenticity claim", True),
        ("real tiger tooth necklace. not lion, not replica. $750", "evidence x authenticity claim", True),
        ("real tiger tooth necklace. not lion, not replica. $750", "imitation cue in scope", False),
        # ... a denied species lowers ("legal, not totoaba"), in Chinese too
        ("fish maw, farmed. legal, not totoaba.", "species denied", True),
        ("牛骨手串 不是象牙", "species denied", True),
        ("非洲的象牙 手镯", "species denied", False),
        # imitation cues, in scope or elsewhere in a lot
        ("faux ivory resin figurine", "harmless sense or exclusion", True),
        ("estate lot 。 carved ivory elephant, resin buddha", "imitation cue elsewhere", True),
        ("estate lot 。 carved ivory elephants and an ivory letter opener, lamps, books", "merchandise cue elsewhere", True),
        ("estate lot 。 carved ivory elephants and an ivory letter opener, lamps, books", "merchandise cue in scope", False),
        # words sellers use about the real thing are not lowering cues
        ("玳瑁手镯 纹路清晰", "imitation cue in scope", False),
        ("hawksbill bangle with lovely patterns", "merchandise cue in scope", False),
        # the idiom is not a bear paw
        ("鱼和熊掌不可兼得", "species term", False),
        # weak words only add to a species already named
        ("white plastic chair", "weak words with other evidence", False),
        ("old bangle, white plastic, african material", "weak words with other evidence", True),
        # non-offer context lowers only a listing that offers nothing (no price, contact or sale word)
        ("my grandmother's ivory brooch, the only thing i have left of her", NON_OFFER, True),
        ("elephant ivory carvings from the qing dynasty on display at the met", NON_OFFER, True),
        ("奶奶留下的象牙手镯 请问合法吗", NON_OFFER, True),
        ("故宫展出的犀角杯", NON_OFFER, True),
        ("海关截获犀牛角 嫌疑人被捕", NON_OFFER, True),
        ("court fines dealer £18,000 for selling carved ivory", NON_OFFER, True),  # a fine is no asking price
        ("my grandmother's ivory brooch, $50, dm me", NON_OFFER, False),
        ("inherited carved ivory elephants, offers over £200", NON_OFFER, False),
        ("奶奶留下的象牙手镯 价格私聊", NON_OFFER, False),
        ("出 奶奶留下的象牙手镯", NON_OFFER, False),
        ("inherited my grandmother's carved ivory fan, selling to a good home", NON_OFFER, False),
        ("selling carved ivory is illegal, report it to the police", NON_OFFER, True),  # news talks about selling
        ("博物馆展出过的象牙雕件 包邮", NON_OFFER, False),
        # "museum quality" is a seller's grade, not a museum
        ("museum quality carved ivory figure", NON_OFFER, False),
        ("馆藏级 象牙雕件", NON_OFFER, False),
    ],
)
def test_evidence(shipped_model: classifier.Model, text: str, feature: str, present: bool) -> None:
    vector = shipped_model.analyzer.analyze_batch([text])[0].evidence.vector
    assert (vector[FEATURES.index(feature)] > 0) is present, dict(zip(FEATURES, vector))


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [""],
        ["", ""],
        ["象牙手镯,包真!!", "ivory_bangle -- pre-ban...", "___", "a", "。 。", "🐘🐘 象牙 🦏", "—…·~※"],
        ["no punctuation", "无标点"],
        ["nul\x00inside", "x"],  # not normalised text, but the batch still splits where the regex does
    ],
)
def test_punctuation_to_spaces_is_the_regex_text_by_text(shipped_model: classifier.Model, texts: list[str]) -> None:
    """The tokenizer's input: each run of punctuation, symbols or underscores is one space, as the
    regex made it text by text (the batch is done in numpy)."""
    from classifier.features import _PUNCT_RE

    assert shipped_model.analyzer._punctuation_to_spaces(texts) == [_PUNCT_RE.sub(" ", t) for t in texts]
