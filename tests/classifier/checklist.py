"""Behavioural test cases in the style of CheckList (Ribeiro et al., ACL 2020).

Templates and vocabulary here are written apart from the training generator (data/labeled/generate.py):
other item nouns, other sentences, other perturbations. Three kinds of test:

- MFT (minimum functionality): each species x language x plain offer is flagged with the right species;
  each kind of look-alike is not flagged;
- INV (invariance): neutral words or sentences, a lot of ordinary items around the offer, prices,
  contact handles, emoji, title and description swapped, Simplified <-> Traditional: the verdict of a
  flagged offer or an ordinary listing must not change;
- DIR (direction): an imitation cue or a denial lowers the score; an authenticity claim does not; non-offer
  context (a museum, the news, a campaign, an heirloom) lowers a post that offers nothing.

Non-offer context both ways (issue 12): it lowers a post with no offer evidence (DIR) and may not move an
offer below the threshold (INV), including the seller's boast "museum quality".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import opencc

_S2HK = opencc.OpenCC("s2hk")


@dataclass(frozen=True)
class Case:
    """One listing, what it should do, and the test (kind, name) it belongs to."""

    kind: str  # MFT, INV or DIR
    name: str
    title: str
    description: str
    expect: str  # "flag", "only" (flagged, that species alone), "pass", "none" (not flagged, no species), "lower", "not_lower"
    species: str = ""
    base: tuple[str, str] | None = field(default=None)  # for INV/DIR: the listing it was derived from


# species -> (Simplified item, Traditional/HK item, English item): plain names of what is offered.
OFFERS: dict[str, tuple[str, str, str]] = {
    "elephant ivory": ("象牙扇骨", "象牙麻將牌", "elephant ivory hair comb"),
    "mammoth ivory": ("猛犸牙 挂件", "猛獁牙 擺件", "mammoth ivory hair pin"),
    "walrus ivory": ("海象牙 烟嘴", "海象牙 印章", "walrus ivory cufflinks"),
    "hippo ivory": ("河马牙 原料一块", "河馬牙 雕件", "polished hippo tusk"),
    "sperm whale ivory": ("抹香鲸牙 一颗", "抹香鯨牙 擺件", "sperm whale tooth with scrimshaw"),
    "narwhal ivory": ("独角鲸牙 一支", "獨角鯨牙 擺設", "narwhal tusk, 4 feet"),
    "rhino horn": ("犀牛角 手串", "犀角 擺件", "rhino horn bangle"),
    "pangolin": ("穿山甲鳞片 一包", "穿山甲片 半斤", "pangolin scales, 1 bag"),
    "tiger": ("虎骨 一副", "虎爪 吊墜", "tiger bone set"),
    "leopard": ("豹皮 一张", "金錢豹皮 一張", "leopard skin throw"),
    "helmeted hornbill": ("鹤顶红 戒面", "鶴頂紅 手牌", "helmeted hornbill casque plaque"),
    "hawksbill turtle": ("玳瑁 发簪", "玳瑁 眼鏡框", "hawksbill shell hair pin"),
    "sea turtle": ("海龟壳 一只", "海龜 標本", "sea turtle shell mount"),
    "totoaba": ("金钱鳘 花胶", "黃唇魚 魚膠", "totoaba swim bladder"),
    "bear bile": ("熊胆粉 一瓶", "熊膽 一個", "bear bile powder vial"),
    "bear paw": ("熊掌 两只", "熊掌 一對", "dried bear paw"),
    "saiga": ("羚羊角 一根", "羚羊角 片", "saiga horn piece"),
    "shark fin": ("鱼翅 一斤", "魚翅 排翅", "dried shark fin pack"),
    "musk deer": ("麝香 一颗", "麝香仁 一克", "deer musk pod"),
    "giant clam": ("砗磲 原料", "硨磲 手串", "giant clam shell bowl"),
    "seahorse": ("干海马 一包", "海馬 乾貨", "dried seahorses pack"),
    "african grey parrot": ("非洲灰鹦鹉 一只", "非洲灰鸚鵡 BB", "african grey parrot baby"),
    "macaw": ("金刚鹦鹉 幼鸟", "金剛鸚鵡 一隻", "scarlet macaw chick"),
    "cockatoo": ("葵花凤头鹦鹉", "葵花鳳頭 一隻", "sulphur-crested cockatoo"),
    "radiated tortoise": ("辐射陆龟 一只", "輻射陸龜 苗", "radiated tortoise pair"),
    "star tortoise": ("印度星龟 苗", "星龜 一隻", "indian star tortoise"),
    "slow loris": ("蜂猴 一只", "懶猴 BB", "slow loris baby"),
    "primate": ("狨猴 宝宝", "松鼠猴 一隻", "baby capuchin monkey"),
}
OFFER_TEMPLATES = {
    "zh-Hans": [("{item}", "家里收拾出来的，价格私聊"), ("出 {item}", "懂行的来，同城可面交")],
    "zh-Hant": [("{item}", "有意PM，觀塘交收"), ("平讓 {item}", "舊嘢，識貨嘅嚟")],
    "en": [("{item} for sale", "Message me with offers."), ("{item}", "Genuine. Cash on collection.")],
}

# Look-alike kinds: (Simplified or Traditional or English listing, description).
LOOKALIKES: dict[str, tuple[str, str]] = {
    "ivory colour (zh)": ("象牙白 窗帘 一对", "遮光布，尺寸两米"),
    "ivory colour (en)": ("ivory wool blanket", "Soft, double size."),
    "ivory material word (en)": ("ivory porcelain teapot", "Bone china, no chips."),
    "ivory colour after a comma (en)": ("wool blanket, ivory", "Double size. DM to order, $45"),
    "ivory brand (en)": ("Ivory bar soap 3 pack", "Unopened."),
    "ivory place (en)": ("Ivory Coast cocoa, 500 g", "Fairtrade."),
    "imitation ivory (zh)": ("仿象牙 树脂 摆件", "工艺品，树脂做的"),
    "imitation ivory (en)": ("faux ivory resin napkin rings", "Set of six."),
    "vegetable ivory": ("tagua nut buttons", "Vegetable ivory, 20 pcs."),
    "bone look-alike (zh)": ("牦牛骨 手串", "牦牛骨雕刻，不是象牙"),
    "rhino software": ("Rhino 8 license", "CAD software, full version."),
    "rhino case": ("犀牛盾 保护壳", "手机壳，防摔"),
    "tiger brand (en)": ("Tiger Balm ointment", "Red, 19 g."),
    "tiger food (en)": ("tiger prawns 500 g", "Frozen, farmed."),
    "tiger os (en)": ("Mac OS X Tiger disc", "For PowerPC Macs."),
    "tiger budgie (zh)": ("虎皮鹦鹉 幼鸟", "自家繁殖，送笼子"),
    "tiger food (zh)": ("虎皮青椒 半成品", "家常菜，冷冻"),
    "leopard print": ("leopard print cushion", "Polyester cover."),
    "leopard gecko": ("leopard gecko juvenile", "Captive bred, eating well."),
    "pangolin laptop": ("System76 Pangolin", "Linux laptop, 16 GB."),
    "pangolin toy (zh)": ("穿山甲 毛绒玩具", "儿童玩偶，三十厘米"),
    "hornbill goldfish (zh)": ("鹤顶红 金鱼 三条", "观赏鱼，水族箱养的"),
    "tortoiseshell pattern": ("tortoiseshell acetate hair clip", "Large claw clip."),
    "hawksbill imitation (zh)": ("仿玳瑁 眼镜", "板材框，玳瑁色"),
    "sea turtle toy": ("sea turtle plush", "Soft toy, 25 cm."),
    "fish maw legal": ("cod fish maw", "Legal cod maw, not totoaba. 300 g."),
    "bear paw shape (zh)": ("熊掌 拖鞋", "毛绒，冬天穿"),
    "bear paw slippers (en)": ("bear paw slippers", "Fleece, size 6."),
    "bear bile lozenges (zh)": ("熊胆草珊瑚含片", "润喉，药店买的"),
    "saiga cold medicine (zh)": ("羚羊感冒片", "非处方药，两盒"),
    "shark fin melon (zh)": ("鱼翅瓜 两个", "自家菜园种的"),
    "shark fin antenna (en)": ("shark fin roof antenna", "Black, universal."),
    "musk perfume (en)": ("white musk perfume", "Eau de toilette, 60 ml."),
    "musk medicine (zh)": ("麝香保心丸", "中成药，没开封"),
    "musk grapes (zh)": ("麝香葡萄 一箱", "香甜，产地直发"),
    "seahorse photo studio (zh)": ("海马体 证件照", "拍照套餐券"),
    "seahorse car (zh)": ("海马汽车 脚垫", "海马M5 专用"),
    "seahorse charm (en)": ("seahorse keychain", "Enamel charm."),
    "parrot budgie (en)": ("budgie with cage", "Friendly, hand tame."),
    "monkey wrench (en)": ("monkey wrench 10 inch", "Adjustable."),
    "monkey tea (zh)": ("太平猴魁 一罐", "绿茶，今年新茶"),
    "mammoth toy (en)": ("woolly mammoth toy", "Plastic figure."),
    "walrus toy (en)": ("walrus bath toy", "Rubber, floats."),
    "hippo game (en)": ("Hungry Hippos game", "Complete set, all marbles."),
    "hippo toothbrush (zh)": ("河马 儿童牙刷", "软毛，卡通造型"),
    "narwhal cushion (zh)": ("独角鲸 抱枕", "毛绒，一米长"),
    "whale tooth replica (en)": ("whale tooth replica, cast resin", "Museum shop copy."),
    "teddy bear (en)": ("teddy bear, large", "Plush, 60 cm."),
    "car horn (en)": ("car horn relay kit", "12 V."),
    "shoehorn (en)": ("metal shoehorn", "Long handle."),
    "news (zh)": ("海关查获象牙制品", "新闻：嫌疑人已被刑拘"),
    "news (en)": ("Police seize rhino horn at airport", "Two arrested, officials said."),
    "question (zh)": ("穿山甲为什么被走私？", "想了解一下，求科普"),
    "conservation (en)": ("Adopt a pangolin kit", "Supports conservation, includes plush."),
    # Issue 12, round 5: shapes, colour phrases that overlap a term, finds, other materials.
    "shaped like a horn (zh)": ("犀角形状 保温杯", "不锈钢，全新，包邮"),
    "shaped like a tusk (en)": ("elephant tusk shaped door handles, pair", "Solid brass, $35"),
    "ivory colour overlapping a term (en)": ("antique ivory colored linen tablecloth", "Hand embroidered, $40"),
    "a find (en)": ("Farmers dig up mammoth tusk by the river", "Photos from the local paper."),
    "a find (zh)": ("工地挖出猛犸象牙", "考古队已经到场"),
    "stone carving (en)": ("elephant ivory look carving, soapstone", "From a market in Kenya, $20"),
}

# Chinese "not plastic" claims (issue 12, round 5): 係膠 in 唔係膠 sounds like 犀角 (rhino horn), so the pinyin
# channel read the claim as a species. An offer with the claim names only its own species; a listing that
# names none names none.
NOT_PLASTIC = {"zh-Hans": ["不是塑料", "不是塑胶"], "zh-Hant": ["唔係膠", "唔係塑膠", "不是塑膠"]}
NOT_PLASTIC_PLAIN = [("zh-Hant", "手鈪 一隻", "唔係膠，有意PM"), ("zh-Hant", "髮簪", "唔係塑膠，旺角交收"),
                     ("zh-Hans", "发簪 一支", "不是塑料，价格私聊"), ("zh-Hans", "手串", "不是塑胶，同城面交")]

ORDINARY: list[tuple[str, str, str]] = [
    ("zh-Hans", "二手 电饭煲", "用了一年，功能正常，自提"),
    ("zh-Hans", "儿童 滑板车", "八成新，可折叠"),
    ("zh-Hans", "和田玉 手镯", "带证书，圈口56"),
    ("zh-Hant", "二手 雪櫃", "雙門，旺角交收"),
    ("zh-Hant", "古董 銅香爐", "民國，有款"),
    ("en", "used road bike", "Aluminium frame, 54 cm."),
    ("en", "antique brass clock", "Working, 1920s."),
    ("en", "jade pendant", "Certified jadeite."),
]

# Perturbations: neutral sentences, lot fillers, prices, contact handles, emoji.
NEUTRAL = {"zh": ["搬家清理，东西比较多。", "周末都在家。", "拍照光线一般，实物更好看。"],
           "en": ["Moving house, lots to clear.", "Home most weekends.", "Photos don't do it justice."]}
LOT_FILLERS = {"zh": ["旧台灯", "一箱书", "搪瓷脸盆", "缝纫机"], "en": ["an old lamp", "a box of books", "a sewing machine", "garden chairs"]}
PRICES = {"zh": "￥380", "en": "$120"}
CONTACTS = {"zh": "微信 wx_abc123", "en": "WhatsApp +852 9123 4567"}
EMOJI = " 🔥✨👍"
IMITATION = {"zh": "树脂仿制品", "en": "resin replica"}
CLAIMS = {"zh": "包真，不是仿品", "en": "genuine, not a replica"}
DENIALS = {"zh-Hans": "不是{word}", "zh-Hant": "唔係{word}", "en": "not {word}"}
# A post that names the item and offers nothing, and the non-offer context added to it (display, news,
# advocacy, heirloom or question), one per base in turn.
NO_OFFER = {"zh-Hans": "随手拍的照片", "zh-Hant": "隨手影嘅相", "en": "Just a photo I took."}
CONTEXT_CUES = {
    "zh-Hans": ["在市博物馆展厅里看到的", "新闻：机场海关查获，两人被捕", "呼吁大家拒绝购买", "奶奶留下的，想问问合法吗"],
    "zh-Hant": ["喺博物館展覽見到", "新聞：機場海關截獲，兩人被捕", "呼籲大家拒絕購買", "嫲嫲留低嘅，留個紀念"],
    "en": ["seen on display at the national museum", "customs officials seized it, two men arrested",
           "say no to the wildlife trade", "my grandmother's, a keepsake I inherited"],
}
# The same kind of words beside an offer: the offer stays flagged.
OFFER_CONTEXT = {
    "zh-Hans": ["奶奶留下的", "曾在展览上展出", "博物馆级品相"],
    "zh-Hant": ["嫲嫲留低嘅", "以前喺展覽展出過", "博物館級"],
    "en": ["inherited from my grandmother", "once on display in a museum", "museum quality"],
}


def _lang_group(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def offers() -> list[tuple[str, str, str, str]]:
    """(lang, species, title, description) of every plain offer."""
    out = []
    for species, items in OFFERS.items():
        for lang, item in zip(("zh-Hans", "zh-Hant", "en"), items):
            for title, description in OFFER_TEMPLATES[lang]:
                out.append((lang, species, title.format(item=item), description))
    return out


def mft_cases() -> list[Case]:
    cases = [Case("MFT", f"offer {lang}", t, d, "flag", species) for lang, species, t, d in offers()]
    cases += [Case("MFT", "look-alike", t, d, "pass", "") for t, d in LOOKALIKES.values()]
    cases += [Case("MFT", "ordinary", t, d, "pass") for _, t, d in ORDINARY]
    return cases + not_plastic_cases()


def not_plastic_cases() -> list[Case]:
    """Each Chinese plain offer with a "not plastic" claim ("only": flagged with its species and no other),
    and listings that name no species with the claim ("none": not flagged, no species)."""
    cases = []
    for k, (lang, species, title, description) in enumerate(o for o in offers() if o[0] != "en"):
        claims = NOT_PLASTIC[lang]
        sep = "，"
        cases.append(Case("MFT", "not-plastic claim names no species", title, description + sep + claims[k % len(claims)],
                          "only", species))
    cases += [Case("MFT", "not-plastic claim names no species", t, d, "none") for _, t, d in NOT_PLASTIC_PLAIN]
    return cases


def inv_cases() -> list[Case]:
    """Each base listing (first offer template per species and language, and the ordinary ones) perturbed."""
    bases = [(lang, t, d, "flag") for lang, _, t, d in offers()[::2]]
    bases += [(lang, t, d, "pass") for lang, t, d in ORDINARY]
    cases = []
    for lang, title, description, expect in bases:
        g = _lang_group(lang)
        base = (title, description)
        joiner = "、" if g == "zh" else ", "
        lot = joiner.join(LOT_FILLERS[g][:2] + [title] + LOT_FILLERS[g][2:])
        variants = {
            "neutral sentence": (title, f"{NEUTRAL[g][0]} {description} {NEUTRAL[g][1]}"),
            "neutral words in title": (f"{title} {NEUTRAL[g][2]}", description),
            "lot listing": ("搬家清仓 一批东西" if g == "zh" else "House clearance, one lot", f"{lot}. {description}"),
            "price": (f"{title} {PRICES[g]}", description),
            "contact handle": (title, f"{description} {CONTACTS[g]}"),
            "emoji": (title + EMOJI, description),
            "title and description swapped": (description, title),
        }
        if expect == "flag":
            sep = "，" if g == "zh" else ", "
            for k, words in enumerate(OFFER_CONTEXT[lang]):
                variants[f"non-offer words beside an offer ({k + 1})"] = (title, description + sep + words)
        if lang == "zh-Hans":
            variants["Simplified to Traditional"] = (_S2HK.convert(title), _S2HK.convert(description))
        for name, (t, d) in variants.items():
            cases.append(Case("INV", name, t, d, expect, base=base))
    return cases


def dir_cases() -> list[Case]:
    cases = []
    for lang, species, title, description in offers()[::2]:
        g = _lang_group(lang)
        base = (title, description)
        sep = "，" if g == "zh" else ", "
        cases.append(Case("DIR", "imitation cue lowers", f"{title} {IMITATION[g]}", description, "lower", base=base))
        cases.append(Case("DIR", "authenticity claim does not lower", title, description + sep + CLAIMS[g], "not_lower",
                          base=base))
    items = {(species, lang): item for species, triple in OFFERS.items() for lang, item in zip(("zh-Hans", "zh-Hant", "en"), triple)}
    for k, ((species, lang), item) in enumerate(sorted(items.items())):
        base = (item, NO_OFFER[lang])
        sep = "，" if lang != "en" else " "
        cue = CONTEXT_CUES[lang][k % len(CONTEXT_CUES[lang])]
        described = f"{NO_OFFER[lang]}{sep}{cue[0].upper() + cue[1:] if lang == 'en' else cue}"
        cases.append(Case("DIR", "non-offer context lowers a no-offer post", item, described, "lower", base=base))
    for lang, word, title, description in [
        ("zh-Hans", "象牙", "牛骨手串", "像象牙一样白，便宜出"),
        ("zh-Hant", "犀角", "牛角杯 舊嘢", "好似犀角，平讓"),
        ("en", "ivory", "bone bangle, ivory look", "Cow bone, cheap."),
        ("en", "totoaba", "fish maw, dried", "Farmed croaker maw, totoaba-like size."),
    ]:
        base = (title, description)
        denial = DENIALS[lang].format(word=word)
        sep = "，" if lang != "en" else ", "
        cases.append(Case("DIR", "denial lowers", title, description + sep + denial, "lower", base=base))
    return cases
