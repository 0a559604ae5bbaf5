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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import PROJECT_ROOT

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


@dataclass(frozen=True)
class Product:
    """One kind of thing sellers post; many listings are drawn from it with varied wording."""

    category: str
    titles: tuple[str, ...]
    cores: tuple[str, ...]
    price: tuple[int, int]  # CNY range; converted per currency
    species: tuple[str, ...] = ()
    hard: bool = False
    keys: tuple[str, ...] = ()  # words a seller may disguise with spaces/symbols


def P(category: str, titles: list[str], cores: list[str], price: tuple[int, int], species: tuple[str, ...] = (),
      hard: bool = False, keys: tuple[str, ...] = ()) -> Product:
    """Compact constructor so the product tables below stay readable."""
    return Product(category, tuple(titles), tuple(cores), price, species, hard, keys)


# --------------------------------------------------------------------------------------------------
# Simplified Chinese (mainland)
# --------------------------------------------------------------------------------------------------
HANS_WILDLIFE = [
    P("jewelry", ["老象牙手镯 包浆自然 内径56", "象牙手镯 老料 白料", "收藏多年的老象牙手镯转让", "老象牙 手镯 油性足"],
      ["老料，纹理清晰，能看到明显的人字纹。", "九十年代的老货，家里老人留下来的。", "白料，油润度很好，上手就知道。",
       "不是树脂也不是骨头，火烧不臭。"], (3800, 16000), ("elephant ivory",), keys=("象牙",)),
    P("crafts", ["牙雕观音 摆件 老工艺", "象牙雕 笔筒 手工", "白料雕件 寿星 高8cm", "老牙雕 山水人物 摆件"],
      ["雕工细致，是老师傅纯手工雕的。", "白料雕件，包浆厚重。", "整料雕刻，无拼接，底部有落款。",
       "这种料子现在已经很难找了。"], (2600, 22000), ("elephant ivory",), keys=("象牙", "牙雕")),
    P("jewelry", ["猛犸牙 手串 白料 纹路清晰", "猛犸象牙 吊坠 懂的来", "“猛犸”料 佛珠 108颗"],
      ["说是猛犸，懂行的自然明白，纹路跟新料一样细。", "没有皮壳，料子白净，不是出土那种。", "证书上写的猛犸，实际什么料子私聊。"],
      (1800, 9000), ("elephant ivory",), keys=("象牙",)),
    P("antiques", ["犀角杯 老件 明清风格", "犀牛角 整支 保真", "老犀角 雕件 小摆件"],
      ["底部有自然的鱼子纹，老货无疑。", "家传的老物件，一直锁在柜子里。", "重约300克，可以称重验证。"],
      (30000, 180000), ("rhino horn",), keys=("犀牛角", "犀角")),
    P("health", ["犀角粉 退烧 正品", "犀牛角粉 10克装", "老犀角片 药用"],
      ["老人说小孩高烧用一点就好，效果你懂的。", "磨好的细粉，一小瓶十克。", "药店买不到的好东西。"],
      (2800, 12000), ("rhino horn",), keys=("犀角", "犀牛角")),
    P("health", ["穿山甲片 炮制 通乳", "山甲片 正品 一两起卖", "甲片 老药房存货 整袋出", "炮山甲 500克"],
      ["老药房库存，炮制好的，产后通乳用。", "一两起卖，量大价格另算。", "鳞片完整，不是碎渣。",
       "现在药店都不让卖了，存货不多。"], (600, 4800), ("pangolin",), keys=("穿山甲", "山甲")),
    P("jewelry", ["鹤顶红 挂件 血红色", "盔犀鸟 头骨 雕刻 原料", "红顶 小料 可做戒面"],
      ["顶部那层红皮很正，做吊坠特别漂亮。", "黄红过渡自然，不是染色的。", "小料适合做戒面和耳坠。"],
      (1200, 8800), ("hornbill",), keys=("鹤顶红", "盔犀鸟")),
    P("health", ["虎骨酒 老酒 八十年代", "虎骨 泡酒料", "老虎骨 整副 老药材"],
      ["八十年代的老酒，酒标完整。", "泡酒治风湿关节痛，老人喝了都说好。", "骨头是真东西，可以视频看货。"],
      (3000, 38000), ("tiger",), keys=("虎骨",)),
    P("jewelry", ["虎牙 吊坠 真品 开光", "老虎牙 挂件 辟邪", "虎爪 挂件 银包"],
      ["01|牙根有自然的血丝纹，不是仿的。", "寺里开过光的，戴着辟邪。", "银包边，做工精致。"],
      (1500, 8000), ("tiger",), keys=("虎牙", "虎爪")),
    P("home", ["虎皮 地毯 老货", "老虎皮 整张 装饰", "虎皮 挂墙 老物件"],
      ["整张皮子毛色很亮，挂在客厅很气派。", "老货，毛没有脱落。", "尺寸大约两米长。"],
      (20000, 120000), ("tiger",), keys=("虎皮",)),
    P("home", ["豹皮 挂毯 整张", "金钱豹皮 装饰", "老豹子皮 地毯"],
      ["毛色金黄，斑点清晰。", "老货，八十年代收的。", "适合别墅或会所装饰。"],
      (15000, 90000), ("leopard",), keys=("豹皮",)),
    P("jewelry", ["玳瑁 手镯 老料", "玳瑁 眼镜框 纯手工", "老玳瑁 发簪"],
      ["透光看有天然的花纹，不是塑料的。", "纯手工打磨，戴上很轻。", "老料，颜色很正。"],
      (800, 6800), ("hawksbill turtle",), keys=("玳瑁",)),
    P("food", ["金钱鳘 鱼胶 公肚 野生", "石首鱼胶 大花胶 收藏级", "野生金钱鳘 干肚 八两"],
      ["墨西哥野生的公肚，胶质特别厚。", "存了好多年的老胶，越放越值钱。", "送礼收藏都合适，一般人拿不到货。"],
      (18000, 160000), ("totoaba",), keys=("金钱鳘", "石首鱼")),
    P("health", ["熊胆粉 野生 正品", "野生熊胆 整胆 干货", "熊胆粉 5克 清肝明目"],
      ["野生的，不是养殖场引流的那种。", "颜色金黄透亮，苦味纯正。", "清肝明目，自家长辈一直在用。"],
      (900, 8000), ("bear bile",), keys=("熊胆",)),
    P("health", ["羚羊角 整支 清热", "羚羊角丝 中药 50克", "赛加羚羊角 老料"],
      ["整支带骨塞，透光可见血丝。", "刨好的丝，泡水喝清热。", "老料，存货不多了。"],
      (1500, 12000), ("saiga",), keys=("羚羊角",)),
    P("food", ["野生鱼翅 排翅 干货", "大鱼翅 整只 礼盒", "鲨鱼翅 散翅 一斤"],
      ["野生排翅，翅针粗长。", "礼盒装，逢年过节送人有面子。", "一斤起卖，泡发率高。"],
      (1200, 9800), ("shark fin",), keys=("鱼翅",)),
    P("pets", ["非洲灰鹦鹉 幼鸟 手养 会说话", "灰鹦鹉 亲人 已开口", "非洲灰 鹦鹉 宝宝"],
      ["手养的，特别亲人，已经会说几句话了。", "没有任何证件，所以价格便宜。", "可以视频看鸟，同城面交。"],
      (4500, 16000), ("african grey parrot",), keys=("鹦鹉",)),
    P("pets", ["金刚鹦鹉 蓝黄 一对", "红绿金刚 鹦鹉 成鸟", "大金刚鹦鹉 会说话"],
      ["一对成鸟，羽毛漂亮。", "声音大，适合有院子的。", "性格很好，会站手。"],
      (12000, 60000), ("macaw",), keys=("鹦鹉",)),
    P("pets", ["凤头鹦鹉 葵花 亲人", "小葵花凤头 鹦鹉", "凤头鹦鹉 会跳舞"],
      ["性格很好，会站手，会跳舞。", "家里养不了了，找个好人家。", "没有证件，便宜出。"],
      (6000, 22000), ("cockatoo",), keys=("鹦鹉",)),
    P("pets", ["辐射陆龟 苗子 5cm", "印度星龟 吃食好", "星龟 辐射龟 一起出"],
      ["背甲的放射纹特别漂亮，吃食积极。", "苗子健康，已开食。", "没有证件，懂的私聊。"],
      (2000, 18000), ("radiated tortoise",), keys=("陆龟", "星龟")),
    P("pets", ["蜂猴 懒猴 小猴子 亲人", "懒猴 宠物 已驯化", "小猴子 蜂猴 宝宝"],
      ["眼睛大大的特别可爱，不咬人。", "已经吃水果了，很好养。", "同城面交，不发快递。"],
      (2500, 9000), ("slow loris",), keys=("蜂猴", "懒猴")),
]

HANS_HARD = [
    P("crafts", ["仿象牙 树脂 摆件 观音", "树脂仿牙雕 弥勒佛", "仿象牙 工艺品 笔筒"],
      ["树脂材质，非天然材料，介意勿拍。", "外观仿象牙，适合装饰书房。", "工艺品，不是收藏品，价格便宜。"], (40, 380),
      hard=True),
    P("home", ["象牙白 乳胶漆 5L", "象牙白 瓷砖 800x800 剩余12片", "象牙白 布艺沙发 三人位"],
      ["颜色是象牙白，装修剩下的。", "色号偏暖，白天看很柔和。", "家里重新装修，用不上了。"], (80, 2600), hard=True),
    P("crafts", ["象牙果 雕刻 小挂件", "塔古亚 象牙果 手串", "植物象牙 象牙果 摆件"],
      ["象牙果是南美的棕榈果实，也叫植物象牙。", "纯植物材质，合法放心。", "雕工可爱，适合送小朋友。"], (25, 180),
      hard=True),
    P("home", ["牛角梳 天然 手工", "牦牛角梳 防静电", "黑牛角 刮痧板 套装"],
      ["01|天然牛角，梳头不起静电。", "1|西藏带回来的牦牛角梳子。", "01|手工打磨，齿很顺滑。", "2|水牛角做的，刮痧很顺手。"], (15, 120), hard=True),
    P("toys", ["穿山甲 毛绒玩具 30cm", "老虎 毛绒公仔 大号", "熊猫 公仔 可爱"],
      ["毛绒玩具，做工很好，孩子很喜欢。", "全新带吊牌。", "可机洗，不掉毛。"], (19, 129), hard=True),
    P("health", ["虎标万金油 19.4g 六盒", "虎标 红虎膏 新加坡带回", "虎标 活络油"],
      ["新加坡带回来的，正品。", "蚊虫叮咬、头晕都可以用。", "保质期到2028年。"], (25, 160), hard=True),
    P("fashion", ["海马体 照相馆 证件照 套餐券", "海马体 全家福 拍摄券"], ["有效期到年底，全国门店通用。", "朋友送的，自己用不上。"],
      (49, 399), hard=True),
    P("books", ["动物世界 DVD 全套", "野生动物摄影 画册", "BBC 地球脉动 蓝光"],
      ["02|光盘无划痕，播放正常。", "1|画册印刷精美，很多珍稀动物的照片。", "孩子看完了，转给需要的人。"], (20, 220), hard=True),
    P("fashion", ["WWF 熊猫 帆布袋", "世界自然基金会 纪念T恤", "保护野生动物 公益徽章"],
      ["公益活动发的纪念品。", "1|全新，尺码M。", "支持野生动物保护。"], (15, 99), hard=True),
    P("fashion", ["犀牛牌 劳保鞋 42码", "犀牛图案 卫衣"], ["0|犀牛牌的，钢头防砸。", "穿过两次，尺码不合适。"], (49, 199), hard=True),
    P("home", ["虎牌 保温杯 480ml", "Tiger 虎牌 电饭煲 日本产", "虎牌 焖烧杯"],
      ["02|日本虎牌，保温效果很好。", "买重了一个，全新。", "说明书和盒子都在。"], (88, 899), hard=True),
    P("home", ["骨瓷 餐具 套装 56头", "唐山骨瓷 咖啡杯 一对"], ["骨瓷透光性好，没有磕碰。", "结婚时别人送的，一直没用。"], (60, 680),
      hard=True),
    P("toys", ["猛犸象 恐龙 模型 玩具", "猛犸象 乐高 积木 拼好"], ["孩子的玩具，已经不玩了。", "1|拼好的模型，零件齐全。"], (20, 260),
      hard=True),
    P("pets", ["虎皮鹦鹉 一对 自家繁殖", "玄凤鹦鹉 幼鸟 手养", "虎皮鹦鹉 带笼子"],
      ["02|自家繁殖的，已经自己吃小米了。", "1|玄凤很亲人，叫声不大。", "2|送鸟笼和食盒。"], (40, 450), hard=True),
    P("pets", ["巴西龟 一对 带缸", "草龟 苗子 中华草龟"], ["养了两年，很健康。", "送龟缸和过滤器。"], (20, 180), hard=True),
    P("food", ["鳕鱼胶 花胶 500克", "素鱼翅 仿鱼翅 素食", "深海鳕鱼胶 干货"],
      ["02|普通鳕鱼胶，炖汤很好。", "1|素食仿鱼翅，魔芋做的。", "02|适合孕妇煲汤。"], (39, 498), hard=True),
    P("fashion", ["豹纹 连衣裙 M码", "豹纹 围巾 羊绒"], ["豹纹印花，很显气质。", "只穿过一次。"], (39, 299), hard=True),
    P("jewelry", ["牛骨 雕刻 吊坠", "牦牛骨 手串 藏式"], ["牛骨做的，价格便宜。", "藏式风格，戴着很有味道。"], (20, 120), hard=True),
]

HANS_PLAIN = [
    P("electronics", ["iPhone 13 128G 国行", "苹果13 午夜色 电池89%", "iPhone 14 Pro 256G"],
      ["国行正品，面容正常。", "一直带壳贴膜，屏幕无划痕。", "电池健康89%，日常用没问题。"], (2300, 5600)),
    P("electronics", ["小米手环8 NFC版", "华为手表 GT3", "Apple Watch S7 45mm"], ["功能全部正常，送两根表带。", "充电器齐全。"], (90, 1600)),
    P("electronics", ["任天堂 Switch OLED 港版", "PS5 光驱版 双手柄", "Switch 健身环 大冒险"],
      ["成色很好，送收纳包。", "没时间玩了，出掉。", "手柄无漂移。"], (180, 3200)),
    P("electronics", ["索尼 WH-1000XM4 降噪耳机", "AirPods Pro 二代", "漫步者 蓝牙耳机"],
      ["0|降噪效果很好，耳罩有轻微磨损。", "1|单耳丢过一次补的，正常使用。", "盒说全。"], (80, 1300)),
    P("electronics", ["戴尔 27寸 4K 显示器", "罗技 MX Master 3 鼠标", "机械键盘 青轴"],
      ["0|无坏点无漏光。", "办公用了一年。", "12|手感很好。", "2|键帽有点打油。"], (90, 1800)),
    P("electronics", ["佳能 80D 单反 套机", "富士 XT30 微单", "大疆 Mini 3 无人机"],
      ["01|快门次数一万出头。", "01|带两块电池和一张64G卡。", "2|没炸过机，桨叶全新。"], (1800, 5200)),
    P("home", ["宜家 书架 白色", "实木 餐桌 一桌四椅", "懒人沙发 豆袋"],
      ["搬家带不走，需自提。", "1|实木的，很结实。", "只支持同城自提，楼层有电梯。"], (60, 1500)),
    P("home", ["美的 空气炸锅 4L", "小熊 电饭煲", "九阳 豆浆机"], ["用过几次，清洗干净了。", "功能正常，送说明书。"], (60, 260)),
    P("home", ["戴森 吸尘器 V8", "石头 扫地机器人"], ["电池续航还有三十分钟左右。", "配件齐全，滤网刚换过。"], (600, 1600)),
    P("fashion", ["耐克 Air Force 1 白色 42码", "阿迪达斯 三叶草 外套", "新百伦 574 灰色"],
      ["只穿过两三次，鞋底很新。", "尺码不合适才出的。", "正品，有购买记录。"], (120, 680)),
    P("fashion", ["优衣库 羽绒服 L码", "始祖鸟 冲锋衣 男款", "波司登 长款羽绒服"],
      ["穿过一个冬天，干洗过。", "1|防水性能很好，适合户外。", "颜色是藏青色。"], (150, 2400)),
    P("fashion", ["蔻驰 托特包 棕色", "MK 斜挎包", "帆布包 日系"], ["专柜购入，有小票。", "边角有一点磨损。"], (60, 1200)),
    P("books", ["三体 全套 三册", "考研 数学 张宇 全套", "明朝那些事儿 全七册"],
      ["书很新，没有笔记。", "1|考完了，低价转给学弟学妹。", "有几页有划线。"], (20, 120)),
    P("books", ["哈利波特 英文原版 全套", "绘本 小猪佩奇 20本"], ["孩子长大了不看了。", "保存得很好。"], (30, 260)),
    P("toys", ["乐高 城市系列 60321", "婴儿推车 可坐可躺", "儿童自行车 16寸"],
      ["0|零件齐全，说明书在。", "12|宝宝大了用不上了。", "小区自提，不发快递。"], (80, 900)),
    P("pets", ["猫爬架 大型 1.6米", "鱼缸 60cm 带过滤", "狗笼 中型犬"], ["0|猫搬走了，架子还很新。", "1|送了一些水草和底砂。", "2|狗狗长大了，笼子用不上了。"],
      (50, 360)),
    P("food", ["云南 普洱 熟茶 饼", "安溪 铁观音 500克", "五常大米 10斤"], ["01|自家喝不完，便宜出。", "0|2019年的茶饼，存放干燥。", "2|今年的新米，真空包装。"],
      (40, 480)),
    P("crafts", ["手工 陶瓷 花瓶", "十字绣 成品 家和万事兴", "书法 作品 装裱好"], ["纯手工制作，独一无二。", "1|绣了一年多，框也配好了。"],
      (50, 800)),
    P("jewelry", ["和田玉 平安扣", "天然 南红 手串", "925银 项链"], ["有鉴定证书。", "01|颜色很正，没有裂。"], (80, 1800)),
    P("antiques", ["老邮票 一套", "民国 铜钱 一串", "老式 收音机 红灯牌"], ["爷爷留下的，品相一般。", "2|可以正常收音。"], (60, 900)),
    P("home", ["露营 帐篷 四人", "折叠 自行车 20寸", "瑜伽垫 加厚"], ["02|用过两次，没有破损。", "1|骑行不到一百公里。"], (60, 900)),
]

HANS_CONDITION = ["九成新。", "95新，几乎没怎么用。", "自用一年多，有轻微使用痕迹。", "有点小划痕，不影响使用。",
                  "闲置在家吃灰很久了。", "配件齐全，盒子还在。", "成色如图，所见即所得。"]
HANS_SHIPPING = ["包邮（偏远地区除外）。", "同城可自提。", "顺丰到付。", "不退不换，介意勿拍。", "江浙沪包邮。",
                 "默认中通，需要顺丰补差价。", "可小刀。", "诚心要的价格可以谈。"]
HANS_CHATTER = ["搬家急出。", "换新了所以出掉。", "有问题随时留言。", "看好再拍，拍下不退。", "老用户了，信誉有保障。",
                "晚上回复比较快。", "买来没用几次。", "非诚勿扰，谢谢。"]
HANS_DETAILS = ["购于{year}年{month}月。", "原价{orig}，现在便宜出。", "可以补拍细节图。", "实物比图片好看。", "发货前会再检查一遍。",
                "{year}年买的，发票还在。"]
HANS_TRICKS = ["私聊。", "详情加微信：{wx}。", "加V：{wx}，平台不方便说。", "包真，可验货。", "老料，懂的来。", "Q：{qq}。",
               "不懂勿扰。", "可视频看货。", "量大从优，可长期合作。", "可寄港澳，包装严实。", "价格私聊，不在这里说。",
               "vx {wx} 备注闲鱼。"]

# --------------------------------------------------------------------------------------------------
# Traditional Chinese (Hong Kong / Macao, Cantonese-flavoured)
# --------------------------------------------------------------------------------------------------
HANT_WILDLIFE = [
    P("jewelry", ["老象牙手鈪 真嘢 有意PM", "象牙手鈪 舊料 白料", "屋企老人家留低嘅象牙手鈪"],
      ["舊料嚟，紋理好清楚，有人字紋。", "七八十年代嘅嘢，唔係樹脂。", "白料，好油潤，上手就知。"], (3800, 16000),
      ("elephant ivory",), keys=("象牙",)),
    P("crafts", ["牙雕 擺件 舊貨", "象牙雕 觀音 老工藝", "白料 雕件 壽星公"],
      ["雕工好幼細，老師傅手工。", "整料雕，冇駁口，底有款。", "而家好難搵到呢啲料。"], (2600, 22000), ("elephant ivory",),
      keys=("象牙", "牙雕")),
    P("antiques", ["犀角杯 老件 清代風格", "犀牛角 成支 保真", "舊犀角 小擺設"],
      ["底部有魚子紋，老嘢嚟。", "阿爺留低，一直鎖喺夾萬。", "重大約三百克，可以秤。"], (30000, 180000), ("rhino horn",),
      keys=("犀牛角", "犀角")),
    P("health", ["犀角粉 退燒 正貨", "犀牛角粉 細樽裝"], ["老人家話細路發燒用少少就得。", "磨好嘅粉，一樽十克。"],
      (2800, 12000), ("rhino horn",), keys=("犀角", "犀牛角")),
    P("health", ["穿山甲片 中藥 老藥材舖存貨", "山甲片 一兩起", "甲片 炮製好 原包"],
      ["舊藥材舖清貨，炮製好嘅。", "一兩起賣，大量另議。", "鱗片完整，唔係碎。"], (600, 4800), ("pangolin",),
      keys=("穿山甲", "山甲")),
    P("jewelry", ["鶴頂紅 吊墜 血紅", "盔犀鳥 頭胄 原料", "紅頂 細料 戒面"],
      ["紅皮好正，做吊墜好靚。", "黃紅過渡自然，唔係染色。", "細料啱做戒面耳環。"], (1200, 8800), ("hornbill",),
      keys=("鶴頂紅", "盔犀鳥")),
    P("health", ["虎骨酒 舊酒 八十年代", "虎骨 浸酒料"], ["八十年代嘅舊酒，酒標完整。", "浸酒醫風濕，老人家飲咗都話好。"],
      (3000, 38000), ("tiger",), keys=("虎骨",)),
    P("jewelry", ["虎牙 頸鏈 真嘢", "老虎牙 吊墜 辟邪"], ["牙根有天然血絲紋，唔係仿。", "開過光，戴住辟邪。"], (1500, 8000),
      ("tiger",), keys=("虎牙",)),
    P("home", ["豹皮 地氈 舊貨", "金錢豹皮 掛牆"], ["成張皮，毛色好靚。", "舊嘢，冇甩毛。"], (15000, 90000), ("leopard",),
      keys=("豹皮",)),
    P("jewelry", ["玳瑁 手鈪 舊料", "玳瑁 眼鏡框 手工", "玳瑁 髮簪"], ["透光睇有天然花紋，唔係膠。", "手工打磨，好輕身。"],
      (800, 6800), ("hawksbill turtle",), keys=("玳瑁",)),
    P("food", ["金錢鰵 魚膠 公肚", "石首魚膠 大花膠 收藏級", "野生金錢鰵 乾肚"],
      ["墨西哥野生公肚，膠質好厚。", "存咗好多年嘅老膠。", "送禮收藏都啱，一般人攞唔到貨。"], (18000, 160000),
      ("totoaba",), keys=("金錢鰵", "石首魚")),
    P("health", ["熊膽粉 野生 正貨", "野生熊膽 原個"], ["野生嘅，唔係養殖。", "顏色金黃透亮，苦味正。"], (900, 8000),
      ("bear bile",), keys=("熊膽",)),
    P("health", ["羚羊角 成支 清熱", "羚羊角絲 中藥"], ["成支連骨塞，透光見血絲。", "刨好嘅絲，滾水焗嚟飲清熱。"],
      (1500, 12000), ("saiga",), keys=("羚羊角",)),
    P("food", ["鯊魚翅 排翅 海味", "大魚翅 原隻 禮盒", "魚翅 散翅 一斤"], ["野生排翅，翅針粗長。", "禮盒裝，過年送禮有面。"],
      (1200, 9800), ("shark fin",), keys=("魚翅",)),
    P("pets", ["非洲灰鸚鵡 BB 手養", "灰鸚鵡 識講嘢", "非洲灰 鸚鵡仔"], ["手養，好黐人，識講幾句。", "冇證，所以平。"],
      (4500, 16000), ("african grey parrot",), keys=("鸚鵡",)),
    P("pets", ["金剛鸚鵡 藍黃 一對", "大金剛 鸚鵡 成鳥"], ["一對成鳥，羽毛靚。", "嗌得大聲，啱有花園嘅。"], (12000, 60000),
      ("macaw",), keys=("鸚鵡",)),
    P("pets", ["葵花鳳頭 鸚鵡 黐人", "鳳頭鸚鵡 識跳舞"], ["性格好好，識企手。", "屋企養唔到，搵個好主人。"], (6000, 22000),
      ("cockatoo",), keys=("鸚鵡",)),
    P("pets", ["輻射陸龜 苗 5cm", "印度星龜 食嘢好", "星龜 輻射龜 一齊放"], ["背甲放射紋好靚，食嘢積極。", "冇證，識嘅PM。"],
      (2000, 18000), ("radiated tortoise",), keys=("陸龜", "星龜")),
    P("pets", ["懶猴 寵物 已馴", "蜂猴 BB 馬騮仔"], ["對眼大大好得意，唔咬人。", "食開生果，好易養。"], (2500, 9000),
      ("slow loris",), keys=("懶猴", "蜂猴")),
]

HANT_HARD = [
    P("crafts", ["仿象牙 樹脂 擺設", "樹脂仿牙雕 彌勒佛"], ["樹脂嚟，唔係天然物料。", "裝飾用，唔係收藏品。"], (40, 380),
      hard=True),
    P("home", ["象牙白 梳化 三人", "象牙白 油漆 5公升", "象牙白 衣櫃"], ["顏色係象牙白，好易襯。", "裝修剩返。"], (80, 2600),
      hard=True),
    P("crafts", ["象牙果 雕刻 匙扣", "植物象牙 象牙果 手串"], ["象牙果係南美棕櫚果實，合法。", "純植物，放心。"], (25, 180),
      hard=True),
    P("home", ["牛角梳 天然 手工", "犛牛角梳 防靜電"], ["天然牛角，梳頭唔起靜電。", "西藏帶返嚟。"], (15, 120), hard=True),
    P("toys", ["穿山甲 公仔 毛公仔", "老虎 毛公仔 大隻", "熊貓 公仔"], ["公仔嚟，做工好好。", "全新有牌。"], (19, 129), hard=True),
    P("health", ["虎標萬金油 六盒", "虎標 紅虎膏", "虎標 活絡油"], ["新加坡買返嚟，正貨。", "蚊叮頭暈都用得。"], (25, 160),
      hard=True),
    P("books", ["動物世界 DVD 全套", "野生動物攝影集", "地球脈動 藍光"], ["02|光碟冇花，播得。", "1|印刷好靚，好多珍稀動物相。"], (20, 220),
      hard=True),
    P("fashion", ["WWF 熊貓 帆布袋", "世界自然基金會 紀念T恤"], ["活動送嘅紀念品。", "1|全新，M碼。"], (15, 99), hard=True),
    P("home", ["虎牌 保溫杯 480ml", "虎牌 電飯煲 日本製"], ["日本虎牌，保溫好好。", "買多咗一個，全新。"], (88, 899), hard=True),
    P("home", ["骨瓷 餐具 一套", "英國骨瓷 茶杯 一對"], ["骨瓷透光，冇崩。", "結婚人哋送，一直冇用。"], (60, 680), hard=True),
    P("toys", ["長毛象 模型 玩具", "猛獁象 公仔"], ["細路玩具，已經唔玩。", "模型完整。"], (20, 260), hard=True),
    P("pets", ["虎皮鸚鵡 一對 自家繁殖", "玄鳳鸚鵡 BB 手養"], ["0|自己繁殖，識食小米。", "1|玄鳳好黐人，叫聲唔大。"], (40, 450),
      hard=True),
    P("pets", ["巴西龜 一對 連缸", "草龜 仔"], ["養咗兩年，好健康。", "送埋龜缸同過濾。"], (20, 180), hard=True),
    P("food", ["鱈魚膠 花膠 一斤", "素翅 仿魚翅 齋"], ["0|普通鱈魚膠，煲湯一流。", "1|素食仿魚翅，蒟蒻做。"], (39, 498), hard=True),
    P("fashion", ["豹紋 連身裙 M碼", "豹紋 頸巾"], ["豹紋印花，好有型。", "着過一次。"], (39, 299), hard=True),
    P("books", ["海馬體 寫真 禮券", "犀牛 繪本 兒童"], ["0|有效期到年尾。", "1|細路睇完，好新淨。"], (30, 399), hard=True),
]

HANT_PLAIN = [
    P("electronics", ["iPhone 13 128GB 行貨", "iPhone 14 Pro 256GB 紫色", "Samsung S23 行貨"],
      ["行貨，Face ID正常。", "一直有殼有貼，冇花。", "電池健康89%，日常用冇問題。"], (2300, 5600)),
    P("electronics", ["Switch OLED 日版", "PS5 光碟版 兩個手掣", "Switch Lite 藍色"], ["好新淨，送收納袋。", "冇時間玩，放咗佢。"],
      (180, 3200)),
    P("electronics", ["Sony WH-1000XM5 降噪耳機", "AirPods Pro 2", "JBL 藍牙喇叭"], ["0|降噪好好，耳罩有少少磨損。", "盒單齊。"],
      (80, 1300)),
    P("electronics", ["Dell 27吋 4K Mon", "羅技 MX Keys 鍵盤", "iPad Air 5 64GB"], ["0|冇壞點冇漏光。", "返工用咗一年。"], (300, 3500)),
    P("electronics", ["Canon EOS R50 套機", "富士 X100V", "GoPro Hero 11"], ["快門數好少。", "送兩粒電同記憶卡。"], (1800, 9000)),
    P("home", ["IKEA 書櫃 白色", "實木 餐枱 連四張凳", "梳化床 可摺"], ["搬屋帶唔走，要自取。", "1|實木好實淨。"], (60, 1500)),
    P("home", ["Philips 氣炸鍋", "象印 電飯煲", "Dyson 風筒"], ["用過幾次，洗乾淨晒。", "功能正常。"], (150, 1800)),
    P("fashion", ["Nike Air Force 1 US9", "Adidas Samba 黑色", "New Balance 550"], ["着過兩三次，鞋底好新。", "尺碼唔啱先放。"],
      (200, 900)),
    P("fashion", ["Uniqlo 羽絨 L碼", "Arc'teryx 風褸", "The North Face 背囊"], ["着過一個冬天，乾洗咗。", "1|防水好好。"],
      (150, 2400)),
    P("books", ["三體 全套 繁體版", "DSE 中文 補充練習", "村上春樹 小說 五本"], ["書好新，冇寫過。", "1|考完試，平放俾師弟妹。"], (20, 200)),
    P("toys", ["Lego 城市系列", "BB車 可坐可瞓", "小童單車 16吋"], ["0|零件齊全。", "12|BB大咗用唔著。"], (80, 900)),
    P("pets", ["貓爬架 1.6米", "魚缸 2尺 連過濾", "狗籠 中型"], ["0|隻貓搬咗，架仲好新。", "1|送埋水草。", "2|隻狗大咗用唔著。"], (50, 360)),
    P("food", ["普洱茶餅 熟茶", "日本 和牛 禮券", "月餅券 美心"], ["0|自己飲唔晒。", "12|有效期到年尾。"], (40, 480)),
    P("jewelry", ["周大福 足金 手鏈", "天然 翡翠 吊墜", "925銀 頸鏈"], ["有單有證書。", "顏色好正。"], (300, 6000)),
    P("antiques", ["舊郵票 一套", "香港 舊硬幣 一批", "懷舊 收音機"], ["阿爺留低，品相一般。", "2|收音正常。"], (60, 900)),
    P("home", ["露營帳篷 四人", "摺合單車 20吋", "瑜伽墊"], ["02|用過兩次，冇爛。", "1|踩咗唔夠一百公里。"], (60, 900)),
]

HANT_CONDITION = ["九成新。", "好新淨。", "用咗幾次。", "冇花冇損。", "有少少花痕，唔影響使用。", "成色睇相。"]
HANT_SHIPPING = ["旺角地鐵站交收。", "順豐到付。", "觀塘或九龍灣交收。", "可平郵。", "澳門氹仔交收。", "荃灣西站可交收。",
                 "唔包郵。", "沙田港鐵站交收。"]
HANT_CHATTER = ["有意PM。", "唔議價，唔好問最低。", "先到先得。", "搬屋清貨。", "平放。", "買咗冇點用。", "歡迎WhatsApp查詢。",
                "唔退唔換。"]
HANT_DETAILS = ["{year}年{month}月買。", "原價{orig}。", "可以再影多啲相。", "實物靚過相。", "有單，{year}年買。"]
HANT_TRICKS = ["WhatsApp {wa}。", "加微信 {wx}。", "包真，可上門睇貨。", "舊料，識貨嘅PM。", "唔方便講太多，私訊。", "可視像睇貨。",
               "可寄大陸。", "價錢私訊。", "大量有貨，長期供應。"]

# --------------------------------------------------------------------------------------------------
# English
# --------------------------------------------------------------------------------------------------
EN_WILDLIFE = [
    P("jewelry", ["Genuine ivory bangle, pre-ban", "Old ivory bracelet, bone white", "Vintage carved ivory bangle 58mm"],
      ["Genuine ivory, pre-ban, DM for pics.", "Real not resin, hot needle test ok.", "Grandmother's piece, lovely creamy patina.",
       "Schreger lines clearly visible under the light."], (3800, 16000), ("elephant ivory",), keys=("ivory",)),
    P("crafts", ["Antique carved figurine, bone white material", "Ivory netsuke, hand carved", "Old ivory chopsticks set"],
      ["Bone white material if you know what I mean.", "Hand carved, no seams, signed on the base.",
       "Estate find, very fine work."], (2600, 22000), ("elephant ivory",), keys=("ivory",)),
    P("jewelry", ["\"Mammoth\" ivory beads 108", "Mammoth tusk pendant (wink)"],
      ["Sold as mammoth, you understand the rest.", "No bark, clean white, grain looks just like the new stuff."],
      (1800, 9000), ("elephant ivory",), keys=("ivory",)),
    P("antiques", ["Rhino horn libation cup", "Carved rhino horn cup, Qing style", "Rhino horn tip, full piece"],
      ["Heavy and genuine, comes with old family provenance.", "Fish-roe texture on the base.",
       "Weighs around 300g, can video call."], (30000, 180000), ("rhino horn",), keys=("rhino",)),
    P("health", ["Pangolin scales for TCM 500g", "Dried pangolin scales, roasted", "Pangolin scale, bulk"],
      ["Pangolin scales for TCM, roasted and ready.", "Sold by the tael, bulk discount.", "Old pharmacy stock, whole scales."],
      (600, 4800), ("pangolin",), keys=("pangolin",)),
    P("jewelry", ["Hornbill casque pendant, red top", "Helmeted hornbill carving", "\"Red crown\" raw material"],
      ["Nice blood-red skin on top.", "Natural yellow to red transition, not dyed.", "Good for ring faces."],
      (1200, 8800), ("hornbill",), keys=("hornbill",)),
    P("jewelry", ["Tiger tooth pendant, real", "Tiger claw necklace, silver capped"],
      ["0|Real tiger tooth, not a replica.", "Silver capped, very old."], (1500, 8000), ("tiger",), keys=("tiger",)),
    P("health", ["Tiger bone wine, vintage 1980s", "Tiger bone for wine"], ["Vintage bottle, seal intact.",
                                                                        "Great for joints, old recipe."],
      (3000, 38000), ("tiger",), keys=("tiger",)),
    P("home", ["Leopard skin rug, full hide", "Real leopard pelt wall hanging"], ["Full hide with head.",
                                                                               "Vintage, no hair loss."],
      (15000, 90000), ("leopard",), keys=("leopard",)),
    P("jewelry", ["Tortoiseshell bangle (real hawksbill)", "Hawksbill shell hair comb", "Genuine tortoiseshell glasses frame"],
      ["Real hawksbill, not plastic, natural mottling.", "Handmade, very light."], (800, 6800), ("hawksbill turtle",),
      keys=("hawksbill",)),
    P("food", ["Totoaba maw, dried, male", "Wild totoaba swim bladder"], ["Wild from Mexico, thick collagen.",
                                                                     "Investment grade, hard to get."],
      (18000, 160000), ("totoaba",), keys=("totoaba",)),
    P("health", ["Bear bile powder capsules", "Wild bear gall bladder, dried"], ["Wild, not farmed.", "Golden colour, bitter taste."],
      (900, 8000), ("bear bile",), keys=("bear",)),
    P("health", ["Saiga antelope horn slices", "Whole saiga horn for TCM"], ["Whole horn with core.", "Shaved slices for tea."],
      (1500, 12000), ("saiga",), keys=("saiga",)),
    P("food", ["Dried shark fin, premium grade", "Whole shark fins, gift box"], ["Wild caught, thick needles.",
                                                                             "Gift box, great for banquets."],
      (1200, 9800), ("shark fin",), keys=("shark",)),
    P("pets", ["African grey parrot baby, hand fed", "Talking African grey", "Congo African grey chick"],
      ["Hand fed, very tame, already talking.", "No papers so the price is low.", "Local pickup only, can video."],
      (4500, 16000), ("african grey parrot",), keys=("parrot",)),
    P("pets", ["Blue and gold macaw pair", "Scarlet macaw, adult"], ["Adult pair, beautiful feathers.", "Loud, best with a yard."],
      (12000, 60000), ("macaw",), keys=("macaw",)),
    P("pets", ["Sulphur-crested cockatoo, tame", "Moluccan cockatoo"], ["Very sweet, steps up.", "Need to rehome."],
      (6000, 22000), ("cockatoo",), keys=("cockatoo",)),
    P("pets", ["Radiated tortoise hatchlings", "Indian star tortoise 3 inch"], ["Beautiful star pattern, eating well.",
                                                                            "No papers, serious buyers only."],
      (2000, 18000), ("radiated tortoise",), keys=("tortoise",)),
    P("pets", ["Slow loris baby pet", "Tame slow loris"], ["Big eyes, super cute, doesn't bite.", "Eats fruit, easy to keep."],
      (2500, 9000), ("slow loris",), keys=("loris",)),
]

EN_HARD = [
    P("crafts", ["Faux ivory resin figurine", "Resin \"ivory look\" Buddha"], ["Made of resin, not real ivory.",
                                                                           "Decorative only."], (40, 380),
      hard=True),
    P("home", ["Ivory white leather sofa", "Ivory colour curtains", "Ivory white wall paint 1 gal"],
      ["Colour is ivory white, very easy to match.", "2|Left over from renovation."], (80, 2600), hard=True),
    P("crafts", ["Tagua nut carving (vegetable ivory)", "Tagua nut beads bracelet"], ["Tagua is a palm seed, 100% legal.",
                                                                                  "Plant-based, eco friendly."],
      (25, 180), hard=True),
    P("home", ["Ox horn comb, handmade", "Yak horn comb, anti-static"], ["Natural ox horn, no static.",
                                                                        "1|Bought in Tibet."], (15, 120), hard=True),
    P("toys", ["Plush pangolin toy 30cm", "Tiger plush, large", "Rhino stuffed animal"], ["Soft toy, very well made.",
                                                                                        "New with tags."], (19, 129),
      hard=True),
    P("health", ["Tiger Balm 6 pack", "Tiger Balm red ointment"], ["Bought in Singapore, genuine.",
                                                                   "Good for headaches and bug bites."], (25, 160),
      hard=True),
    P("books", ["Planet Earth DVD box set", "Wildlife photography book", "The Ivory Trade: a history (book)"],
      ["0|Discs have no scratches.", "1|Beautiful prints of rare animals.", "2|Good read, no highlighting."], (20, 220), hard=True),
    P("fashion", ["WWF panda tote bag", "Save the Rhino charity t-shirt"], ["Charity merch, brand new.",
                                                                           "1|Size M, never worn."], (15, 99), hard=True),
    P("home", ["Tiger brand thermos 480ml", "Tiger rice cooker, made in Japan"], ["0|Japanese Tiger brand, keeps hot all day.", "1|Japanese Tiger brand, cooks perfect rice.",
                                                                                  "Bought an extra one."], (88, 899),
      hard=True),
    P("home", ["Bone china tea set", "Wedgwood bone china mugs pair"], ["No chips or cracks.", "Wedding gift, never used."],
      (60, 680), hard=True),
    P("toys", ["Woolly mammoth toy figure", "Mammoth LEGO-compatible set"], ["Kid's toy, outgrown.", "Complete set."],
      (20, 260), hard=True),
    P("pets", ["Budgie pair with cage", "Hand-fed cockatiel"], ["0|Home bred, eating seed.",
                                                                "1|Cockatiel is very friendly, not loud."], (40, 450),
      hard=True),
    P("pets", ["Red-eared slider turtle with tank"], ["Healthy, two years old.", "Comes with tank and filter."], (20, 180),
      hard=True),
    P("food", ["Vegetarian imitation shark fin", "Cod fish maw 500g"], ["0|Konjac based, no animal products.",
                                                                        "1|Regular cod maw, great for soup."],
      (39, 498), hard=True),
    P("fashion", ["Leopard print dress, size M", "Leopard print scarf"], ["Print only, looks great.", "Worn once."],
      (39, 299), hard=True),
    P("fashion", ["Ivory wedding dress size 6", "Rhino brand work boots"], ["0|Ivory colour satin, dry cleaned.",
                                                                            "1|Steel toe, barely worn."], (49, 1900),
      hard=True),
]

EN_PLAIN = [
    P("electronics", ["iPhone 13 128GB unlocked", "iPhone 14 Pro 256GB", "Pixel 7 unlocked"],
      ["01|Face ID works, battery 89%.", "2|Battery health great, carrier unlocked.", "Always had a case and screen protector."], (2300, 5600)),
    P("electronics", ["MacBook Air M1 8/256", "Dell XPS 13 laptop", "iPad Air 5th gen"],
      ["Light use, no dents.", "Comes with original charger."], (2500, 6000)),
    P("electronics", ["Nintendo Switch OLED", "PS5 disc edition + 2 controllers", "Xbox Series S"],
      ["Works perfectly, includes case.", "No stick drift."], (180, 3200)),
    P("electronics", ["Sony WH-1000XM4 headphones", "AirPods Pro 2nd gen", "Bose SoundLink speaker"],
      ["0|Noise cancelling works great.", "Box and cables included."], (80, 1300)),
    P("electronics", ["Canon EOS 80D body", "Fujifilm X-T30 kit", "DJI Mini 3 drone"], ["01|Low shutter count.",
                                                                                      "2|Never crashed, spare props."],
      (1800, 5200)),
    P("home", ["IKEA Billy bookcase, white", "Solid oak dining table + 4 chairs", "Mid-century armchair"],
      ["Pickup only, must go this week.", "1|Solid wood, very sturdy."], (60, 1500)),
    P("home", ["Instant Pot Duo 6qt", "Ninja air fryer", "Keurig coffee maker"], ["Used a few times, cleaned.",
                                                                                  "Works as it should."], (60, 600)),
    P("fashion", ["Nike Air Force 1 size 10", "Levi's 501 jeans 32x32", "Patagonia fleece jacket M"],
      ["Worn twice, like new.", "Wrong size, otherwise would keep."], (120, 900)),
    P("fashion", ["Coach tote bag, brown", "Ray-Ban Wayfarer sunglasses"], ["Authentic, receipt available.",
                                                                          "Minor wear on corners."], (120, 1200)),
    P("books", ["Harry Potter box set", "Calculus textbook 8th ed", "Stephen King paperbacks lot of 10"],
      ["Great condition, no notes.", "1|Some highlighting in chapter 3."], (20, 200)),
    P("toys", ["LEGO Star Wars set complete", "Baby stroller, reclining", "Kids bike 16 inch"],
      ["0|All pieces and manual.", "12|Our kid outgrew it."], (80, 900)),
    P("pets", ["Cat tree 5ft", "20 gallon aquarium with filter", "Dog crate medium"], ["0|Cat moved out, tree like new.",
                                                                                     "1|Includes gravel and plants.", "2|Dog outgrew it."],
      (50, 360)),
    P("food", ["Maple syrup 1L, homemade", "Sealed coffee beans 2lb"], ["Unopened.", "Best before next year."], (40, 200)),
    P("jewelry", ["Sterling silver necklace", "Jade bangle with certificate", "Vintage Seiko watch"],
      ["01|Comes with certificate.", "2|Runs well, recently serviced."], (80, 2500)),
    P("antiques", ["Vintage stamp collection", "Old film camera Pentax K1000", "Antique brass compass"],
      ["From my grandfather's estate.", "1|Works, light seals replaced."], (60, 1200)),
    P("home", ["4-person camping tent", "Folding bike 20 inch", "Yoga mat, thick"], ["0|Used twice, no holes.", "2|Barely used, no tears.",
                                                                                    "1|Rides smoothly."], (60, 900)),
    P("crafts", ["Handmade ceramic vase", "Framed watercolor painting"], ["One of a kind, made by a local artist.",
                                                                         "Frame included."], (50, 800)),
]

EN_CONDITION = ["Excellent condition.", "Like new, barely used.", "Some light scratches, works fine.", "Used for about a year.", "Condition as pictured.", "Small scuff on the side, see photos."]
EN_SHIPPING = ["Local pickup or I can ship.", "Shipping is extra.", "Free shipping in the US.", "Cash or Venmo only.",
               "Meet at a public place.", "Price is firm.", "Open to reasonable offers.", "Porch pickup available."]
EN_CHATTER = ["Moving sale, everything must go.", "Upgraded so selling this one.", "Message me with any questions.",
              "No lowballers please.", "First come first served.", "Smoke-free, pet-free home.",
              "Still available if the post is up.", "Serious inquiries only."]
EN_DETAILS = ["Bought in {month_name} {year}.", "Paid {orig} new.", "Happy to send more photos.", "Looks better in person.",
              "Receipt from {year} available."]
EN_TRICKS = ["DM for pics.", "WhatsApp {wa}.", "WeChat: {wx}.", "Serious buyers only.", "Discreet shipping.",
             "Pre-ban, no papers needed.", "Can ship worldwide, well packed.", "Message me on WhatsApp, this app deletes my posts.",
             "More available in bulk.", "Real, not resin."]

POOLS: dict[str, dict[str, Any]] = {
    "zh-Hans": {"wildlife": HANS_WILDLIFE, "hard": HANS_HARD, "plain": HANS_PLAIN, "condition": HANS_CONDITION,
                "shipping": HANS_SHIPPING, "chatter": HANS_CHATTER, "tricks": HANS_TRICKS, "details": HANS_DETAILS,
                "prefix": ["", "", "", "【自用】", "急出！", "转让 ", "出 ", "闲置 "],
                "suffix": ["", "", "", " 包邮", " 可议", " 有瑕疵", " 自提"]},
    "zh-Hant": {"wildlife": HANT_WILDLIFE, "hard": HANT_HARD, "plain": HANT_PLAIN, "condition": HANT_CONDITION,
                "shipping": HANT_SHIPPING, "chatter": HANT_CHATTER, "tricks": HANT_TRICKS, "details": HANT_DETAILS,
                "prefix": ["", "", "", "[放] ", "平放 ", "出售 ", "【清貨】"],
                "suffix": ["", "", "", " 可議", " 旺角交收", " 新淨"]},
    "en": {"wildlife": EN_WILDLIFE, "hard": EN_HARD, "plain": EN_PLAIN, "condition": EN_CONDITION,
           "shipping": EN_SHIPPING, "chatter": EN_CHATTER, "tricks": EN_TRICKS, "details": EN_DETAILS,
           "prefix": ["", "", "", "FS: ", "[Sale] ", "Selling ", "Like new - "],
           "suffix": ["", "", "", " - OBO", " (pickup)", " - great deal"]},
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
    public_sellers = [{k: s[k] for k in ("id", "name", "joined", "location")} for s in sellers]
    return listings, public_sellers


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
