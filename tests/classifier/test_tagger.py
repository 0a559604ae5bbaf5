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
        ("鹤顶红雕件", ["hornbill"]),
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
        ("鶴頂紅吊墜", ["hornbill"]),
        ("熊膽粉", ["bear bile"]),
        ("非洲灰鸚鵡", ["african grey parrot"]),
        # English
        ("Antique carved ivory bangle", ["elephant ivory"]),
        ("rhino horn cup", ["rhino horn"]),
        ("Pangolin scales 1kg", ["pangolin"]),
        ("hornbill casque", ["hornbill"]),
        ("slow loris baby", ["slow loris"]),
        # evasion tricks
        ("象 * 牙 手镯", ["elephant ivory"]),
        ("西牛角", ["rhino horn"]),
        ("🐘🦷", ["elephant ivory"]),
        ("i.v.o.r.y", ["elephant ivory"]),
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
        ("", []),
    ],
)
def test_tag_species(text: str, species: list[str]) -> None:
    assert classifier.tag_species(text) == species


@pytest.mark.parametrize(
    ("text", "term", "kind"),
    [
        # a denied look-alike word is an authenticity claim, not negative context
        ("唔系仿 价钱私讯", "唔系仿", "trade"),
        ("唔系胶", "唔系胶", "trade"),
        ("非人工合成", "非人工合成", "trade"),
        # words sellers use about the real thing are not negative context
        ("纹路清晰", None, "negative"),
        ("golden colour", None, "negative"),
        ("old recipe", None, "negative"),
        # the idiom is not a bear paw
        ("鱼和熊掌不可兼得", "鱼和熊掌", "exclusion"),
        ("仿玳瑁 眼镜", "仿玳瑁", "exclusion"),
    ],
)
def test_context_words(shipped_model: classifier.Model, text: str, term: str | None, kind: str) -> None:
    hits = shipped_model.analyzer.analyze_batch([text])[0].hits
    of_kind = [hit.term for hit in hits if hit.kind == kind]
    assert (term in of_kind) if term else not of_kind, hits
