"""Deterministic generator of the synthetic part of the WildWatch seed set (data/labeled/seed.csv).

Each *item concept* (one kind of thing offered, e.g. "老料象牙手镯" or "仿象牙树脂手镯") becomes one
``group``; every variant of it — other wording, Traditional script, evasion tricks — stays in that
group, and the train/validation/test split is a hash of the group, so near-duplicates never cross
splits. Hand-written rows come from ``handwritten.csv`` (own groups) and are appended unchanged.

Run: ``python data/labeled/generate.py`` (writes seed.csv next to this file; same output every run).
"""

from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

import opencc

HERE = Path(__file__).resolve().parent
SEED = 20261125

# ---------------------------------------------------------------------------------------------
# Positive item concepts (Simplified Chinese): species -> item noun phrases. The first element is the
# term we may disguise with an evasion trick.
ZH_POS: dict[str, list[tuple[str, str]]] = {
    "elephant ivory": [
        ("象牙", "老料象牙手镯"), ("象牙", "象牙雕件观音像"), ("象牙", "象牙筷子一双"), ("象牙", "象牙印章料"),
        ("象牙", "非洲象牙原牙一根"), ("象牙", "象牙手串108颗"), ("象牙", "象牙佛珠"), ("象牙", "象牙烟斗"),
        ("象牙", "象牙梳子"), ("象牙", "象牙麻将一副"), ("象牙", "象牙吊坠平安扣"), ("象牙", "象牙牙尖挂件"),
        ("牙雕", "清代牙雕笔筒"), ("象牙", "象牙碎料按克卖"),
    ],
    "rhino horn": [
        ("犀牛角", "犀牛角杯"), ("犀角", "犀角手串"), ("犀牛角", "犀牛角粉50克"), ("犀角", "亚犀角片"),
        ("犀角", "非犀整角"), ("犀角", "犀角雕件"), ("犀牛角", "犀牛角刮片"),
    ],
    "pangolin": [
        ("穿山甲", "穿山甲片500克"), ("穿山甲", "炮山甲 穿山甲 入药"), ("穿山甲", "穿山甲鳞片"), ("穿山甲", "穿山甲整皮"),
        ("穿山甲", "野生穿山甲活体"),
    ],
    "tiger": [
        ("虎骨", "虎骨酒 三十年"), ("虎骨", "虎骨一副"), ("虎皮", "虎皮毯"), ("虎爪", "虎爪挂件"), ("虎鞭", "虎鞭泡酒"),
        ("虎皮", "东北虎皮 整张"), ("虎牙", "真虎牙吊坠"),
    ],
    "leopard": [("豹皮", "金钱豹皮"), ("豹皮", "雪豹皮 整张"), ("豹骨", "豹骨泡酒"), ("豹牙", "豹牙吊坠")],
    "helmeted hornbill": [
        ("鹤顶红", "鹤顶红雕件"), ("鹤顶红", "鹤顶红戒面"), ("盔犀鸟", "盔犀鸟头骨"), ("鹤顶红", "鹤顶红吊坠 老料"),
        ("鹤顶红", "鹤顶红原料块"),
    ],
    "hawksbill turtle": [
        ("玳瑁", "玳瑁手镯"), ("玳瑁", "老玳瑁梳子"), ("玳瑁", "玳瑁标本"), ("玳瑁", "真玳瑁眼镜架"), ("玳瑁", "玳瑁原料片"),
    ],
    "sea turtle": [("海龟", "海龟标本"), ("海龟", "海龟壳 整只"), ("海龟", "新鲜海龟蛋"), ("海龟", "绿海龟标本摆件")],
    "totoaba": [("金钱鳘", "金钱鳘鱼胶"), ("黄唇鱼", "黄唇鱼花胶"), ("石首鱼", "石首鱼鱼肚"), ("金钱鳘", "公肚金钱鳘 十年陈")],
    "bear bile": [("熊胆", "野生熊胆粉"), ("熊胆", "熊胆汁"), ("熊胆", "黑熊胆 整个")],
    "bear paw": [("熊掌", "熊掌 冷冻"), ("熊掌", "野生熊掌一只"), ("熊掌", "干熊掌 礼盒")],
    "mammoth ivory": [("猛犸牙", "猛犸牙 雕件"), ("猛犸象牙", "猛犸象牙 原料块"), ("猛犸牙", "猛犸牙 手镯 带证书")],
    "musk deer": [("麝香", "天然麝香 整颗"), ("麝香", "麝香仁 按克卖"), ("林麝", "林麝 麝香囊"), ("麝香", "毛壳麝香")],
    "giant clam": [("砗磲", "白砗磲 佛珠"), ("砗磲", "砗磲 原料 大块"), ("砗磲", "金丝砗磲 吊坠"), ("砗磲", "砗磲贝壳 整只")],
    "seahorse": [("海马", "干海马 大只"), ("海马", "野生海马 泡酒"), ("海马", "三斑海马 干货")],
    "saiga": [("羚羊角", "羚羊角 整支"), ("羚羊角", "羚羊角粉"), ("羚羊角", "赛加羚羊角片"), ("羚羊角", "羚羊角丝 入药")],
    "shark fin": [("鱼翅", "鲨鱼翅 干货"), ("排翅", "排翅 一斤"), ("鱼翅", "天九翅"), ("鱼翅", "干鱼翅 批发"), ("散翅", "散翅 礼盒")],
    "african grey parrot": [("非洲灰鹦鹉", "非洲灰鹦鹉幼鸟"), ("非洲灰", "刚果灰 手养"), ("非洲灰鹦鹉", "非洲灰鹦鹉 会说话")],
    "macaw": [("金刚鹦鹉", "蓝黄金刚鹦鹉"), ("金刚鹦鹉", "绯红金刚鹦鹉幼鸟"), ("金刚鹦鹉", "紫蓝金刚鹦鹉 一只")],
    "cockatoo": [("凤头鹦鹉", "葵花凤头鹦鹉"), ("凤头鹦鹉", "戈芬氏凤头鹦鹉"), ("凤头鹦鹉", "米切尔凤头鹦鹉幼鸟")],
    "radiated tortoise": [("辐射陆龟", "辐射陆龟苗"), ("辐射龟", "马达加斯加辐射龟 成体")],
    "star tortoise": [("星龟", "印度星龟苗"), ("星龟", "缅甸星龟 一对")],
    "slow loris": [("懒猴", "懒猴宠物"), ("蜂猴", "蜂猴幼崽")],
    "primate": [("狨猴", "狨猴活体"), ("松鼠猴", "松鼠猴宝宝"), ("卷尾猴", "卷尾猴 亲人"), ("长臂猿", "长臂猿幼崽"), ("猕猴", "猕猴 小猴子")],
}
# Listings that name no species outright, only trade slang (positives the model must learn from context).
ZH_CODE_POS: list[tuple[str, str]] = [
    ("elephant ivory", "白料手镯 老料"), ("elephant ivory", "非料 牙牌"), ("elephant ivory", "老牙 手串 白货"),
    ("pangolin", "甲片 500克 入药"), ("pangolin", "山甲 炮甲 批发"), ("helmeted hornbill", "红顶 雕件 老料"),
    ("rhino horn", "老犀 杯 黑料"), ("totoaba", "公肚 鳘肚 十年"), ("tiger", "大猫骨 泡酒"),
    ("elephant ivory", "非洲料 镯子 油性好"), ("giant clam", "车渠 念珠 老货"), ("giant clam", "玉化贝壳 雕件料"),
    ("helmeted hornbill", "红料 雕牌 黄红分明"), ("elephant ivory", "象齿 料 白的"),
]
# Descriptions that never name the animal (the species is named by what it is).
ZH_DESC_POS: list[tuple[str, str]] = [
    ("elephant ivory", "大象的牙齿 雕的 小摆件"), ("elephant ivory", "象的牙 做的 印章"),
    ("rhino horn", "犀牛的角 刮的粉"), ("pangolin", "穿山甲的鳞片 炮制好的"), ("tiger", "大猫皮 整张 带头"),
]
ZH_POS_DESC = {
    "provenance": ["老料", "家里老人留下的", "海外回流", "清代老货", "包老包真", "纯天然无填充", "野生的", "正宗原产非洲",
                   "朋友从老挝带回来的", "缅甸过来的货", "早年收的", "传世老件"],
    "quality": ["油性好", "包浆浓厚", "血丝明显", "开片自然", "雕工精细", "品相完美", "克重{g}克", "尺寸见图", "无裂无修"],
    "trade": ["包真", "可验货", "支持鉴定", "假一赔十", "价格私聊", "诚心要的私聊", "量大从优", "一手货源", "急出", "低价出",
              "货源稳定", "支持复检", "懂货的来", "不是仿品", "非树脂", "绝对不是塑料"],
    "contact": ["加微信详聊", "加V", "vx私聊", "私信", "懂的来", "不方便明说", "看主页联系", "飞机联系", "扣扣联系", "留言我加你"],
    "ship": ["顺丰包邮", "货到付款", "包装隐蔽", "发快递不走物流", "同城可自取", "全国包邮"],
    "live": ["手养幼鸟", "已开食", "包活", "包健康", "可视频看货", "很亲人", "人工繁殖", "能上手"],
}
TITLE_PREFIX = ["", "", "【收藏】", "出", "转让", "低价出", "现货", "【包邮】", "自家", "闲置"]
TITLE_SUFFIX = ["", "", " 包真", " 老料", " 可验货", " 私聊", " 收藏级", " 诚心出"]
LIVE = {"african grey parrot", "macaw", "cockatoo", "radiated tortoise", "star tortoise", "slow loris", "primate"}

# Hard negatives (Simplified): item phrase + sentences that explain what it really is.
ZH_HARD_NEG: list[tuple[str, list[str]]] = [
    ("仿象牙树脂手镯", ["树脂材质", "仿象牙效果", "非动物制品"]),
    ("象牙白乳胶漆 5升", ["墙面漆", "色号象牙白", "环保无味"]),
    ("象牙白连衣裙", ["雪纺面料", "颜色象牙白", "S/M/L码"]),
    ("象牙果雕件 塔古亚", ["象牙果是植物种子", "俗称植物象牙", "手工雕刻"]),
    ("牛骨雕手串", ["牛骨材质", "非象牙", "仿古做旧"]),
    ("牦牛角梳子", ["天然牦牛角", "西藏特产", "防静电"]),
    ("水牛角梳 刮痧板", ["水牛角制作", "顺丰包邮"]),
    ("骆驼骨筷子 十双", ["骆驼骨材质", "高温消毒"]),
    ("亚克力麻将 象牙色", ["亚克力材质", "手感好", "颜色象牙色"]),
    ("象牙塔里的青春 小说", ["二手书", "九成新", "无笔记"]),
    ("象牙芒 新鲜芒果 5斤", ["海南象牙芒", "产地直发", "坏果包赔"]),
    ("仿犀角树脂杯 摆件", ["树脂工艺品", "仿古造型", "送礼佳品"]),
    ("犀牛软件 建模教程", ["Rhino 7 入门到精通", "视频课程", "永久有效"]),
    ("犀牛毛绒玩具", ["儿童玩偶", "30厘米", "PP棉填充"]),
    ("美甲片 穿戴甲 30片", ["可反复使用", "送胶", "款式见图"]),
    ("穿山甲毛绒公仔", ["保护野生动物", "可爱玩偶", "送孩子"]),
    ("穿山甲科普绘本", ["儿童科普", "讲述穿山甲的生活", "保护动物从我做起"]),
    ("虎皮鹦鹉 一对", ["自家繁殖", "常见宠物鸟", "送鸟笼"]),
    ("虎皮青椒 做法", ["家常菜谱", "下饭菜"]),
    ("虎标万金油", ["正品虎标", "清凉油", "新加坡产"]),
    ("布老虎 手工玩具", ["传统手工艺", "非遗布艺", "送宝宝"]),
    ("虎头鞋 婴儿", ["纯手工", "纯棉"]),
    ("豹纹睡衣 女", ["珊瑚绒", "豹纹图案", "保暖"]),
    ("豹纹守宫 幼体", ["人工繁殖的守宫", "合法宠物", "包活"]),
    ("雪豹毛绒公仔", ["高原文创", "公益款", "保护雪豹"]),
    ("红顶商人 胡雪岩 全集", ["历史小说", "二手图书", "品相好"]),
    ("鹤顶红 武侠小说", ["二手书", "武侠小说", "九成新"]),
    ("仿玳瑁眼镜框 板材", ["醋酸板材", "玳瑁色", "可配近视"]),
    ("玳瑁色发夹 鲨鱼夹", ["醋酸材质", "玳瑁纹", "大号"]),
    ("玳瑁猫 幼猫", ["自家猫生的", "已驱虫", "找领养"]),
    ("海龟汤 推理游戏卡牌", ["聚会桌游", "100张谜题"]),
    ("海龟毛绒玩偶", ["海洋馆同款", "玩偶", "抱枕"]),
    ("鳕鱼胶 花胶 500克", ["深海鳕鱼胶", "正规进口", "可查检疫证"]),
    ("熊猫玩偶 大号", ["成都熊猫基地文创", "毛绒玩具"]),
    ("熊掌饼干", ["零食", "儿童饼干"]),
    ("熊去氧胆酸片", ["处方药", "需凭处方", "正规药房"]),
    ("羚羊感冒片", ["非处方药", "正规药店", "保质期两年"]),
    ("鱼翅瓜 新鲜 10斤", ["农家种植", "可做甜品"]),
    ("素鱼翅 仿鱼翅", ["魔芋制作", "素食", "火锅食材"]),
    ("鲨鱼夹 发夹", ["大号抓夹", "多色可选"]),
    ("鲨鱼鳍天线 汽车", ["车顶装饰", "带信号", "免打孔"]),
    ("鲨鱼裤 打底裤", ["女款", "加绒", "显瘦"]),
    ("玄凤鹦鹉 幼鸟", ["人工繁殖", "常见宠物", "已开食"]),
    ("牡丹鹦鹉 一对", ["自家繁殖", "送笼子"]),
    ("鹦鹉鸟笼 大号", ["不锈钢", "送站杆"]),
    ("鹦鹉饲料 混合谷物", ["5斤装", "营养均衡"]),
    ("巴西龟 小乌龟", ["宠物龟", "送龟缸", "好养"]),
    ("草龟 中华草龟", ["养殖场", "有养殖证", "好养活"]),
    ("龟苓膏 家庭装", ["凉茶甜品", "清热"]),
    ("乌龟饲料", ["小颗粒", "增色"]),
    ("猴头菇 干货 500克", ["东北特产", "煲汤"]),
    ("太平猴魁 新茶", ["绿茶", "250克", "明前"]),
    ("金丝猴奶糖", ["经典零食", "喜糖"]),
    ("猴子毛绒玩具", ["长臂猴玩偶", "送孩子"]),
    ("猕猴桃 新鲜 5斤", ["徐香猕猴桃", "产地直发"]),
    ("海马体 证件照 套餐", ["照相馆", "精修", "当天取片"]),
    ("野生动物保护纪录片 DVD", ["象牙与犀牛角的故事", "讲述反盗猎", "正版光盘"]),
    ("拒绝象牙 公益徽章", ["公益义卖", "保护大象", "所得捐给保护组织"]),
    ("保护老虎 公益T恤", ["世界老虎日", "纯棉", "印花"]),
    ("象牙雕刻艺术史 图书", ["博物馆出版", "学术著作", "二手"]),
    ("穿山甲保护 宣传海报", ["公益宣传", "A2尺寸"]),
    ("猛犸象模型 恐龙玩具", ["塑料模型", "儿童"]),
    ("老虎机 游戏机", ["怀旧游戏机", "插电即玩"]),
    ("熊胆草珊瑚含片", ["不含熊胆", "润喉片"]),
    ("大象摆件 树脂", ["客厅装饰", "招财"]),
    ("大象牙膏 儿童", ["含氟牙膏", "草莓味"]),
    ("象牙球 多肉 小盆", ["仙人球品种", "新手好养", "带盆发货"]),
    ("鹤顶红 金鱼苗", ["观赏鱼", "红头", "十条起"]),
    ("犀牛盾 防摔壳", ["手机壳", "适用iPhone", "全新"]),
    ("熊掌 造型 抱枕", ["毛绒", "可爱", "送女友"]),
    ("麝香保心丸 家庭装", ["中成药", "药店购入", "未拆封"]),
    ("白麝香 香水", ["淡香水", "合成香精", "50ml"]),
    ("麝香葡萄 新鲜", ["阳光玫瑰", "一箱五斤"]),
    ("麝香痔疮膏", ["马应龙", "药店买的", "没用过"]),
    ("海马汽车 配件", ["海马M5", "原厂", "可安装"]),
    ("海马体 写真 套餐", ["照相馆", "精修五张"]),
    ("砗磲纹 树脂 手机壳", ["塑料", "仿贝壳纹路"]),
    ("带帽 卫衣 男款", ["加绒", "XL码"]),
    ("西郊 公寓 出租", ["精装修", "近地铁"]),
    ("鱼池 水泵 过滤", ["锦鲤鱼池用", "静音"]),
    ("牛骨 梳子", ["非象牙", "牛骨材质"]),
    ("不是象牙 是牛骨 手串", ["牛骨雕刻", "便宜出"]),
    ("亚克力 仿象牙 麻将", ["塑料", "全新一副"]),
    ("虎牙 矫正器", ["牙齿矫正", "隐形"]),
    ("泡酒料 人参 枸杞", ["药材泡酒", "配方", "一包"]),
    ("猛犸象 化石 模型", ["树脂复制品", "科普摆件"]),
]
ZH_EASY_NEG = [
    "二手iPhone 13 128G", "华为手机壳", "耐克运动鞋 42码", "宜家书桌", "小米电饭煲", "儿童自行车", "普洱茶饼 2015年",
    "和田玉手镯", "黄花梨手串", "紫砂壶 老料", "红木雕件 摆件", "蜜蜡吊坠", "翡翠手镯 A货", "沉香手串", "琥珀原石",
    "二手钢琴", "羽绒服 女", "机械键盘", "相机镜头", "婴儿推车", "古董铜钱 收藏", "邮票 收藏册", "老字画 收藏",
    "菩提子手串", "核桃 文玩", "南红玛瑙", "绿松石原矿", "珍珠项链", "银手镯 老银", "民国瓷器 花瓶",
]
ZH_NEG_DESC = ["九成新", "自用闲置", "顺丰包邮", "价格可小刀", "私聊", "可验货", "包邮", "支持验货", "收藏", "诚心要的私聊",
               "同城面交", "有意者留言", "实物拍摄", "老料", "包真"]

# ---------------------------------------------------------------------------------------------
# English
EN_POS: dict[str, list[str]] = {
    "elephant ivory": ["Antique carved ivory bangle", "Genuine elephant ivory netsuke", "Ivory chopsticks pair, old",
                        "Raw ivory tusk section", "Pre-ban ivory figurine", "Ivory prayer beads 108"],
    "rhino horn": ["Rhino horn libation cup", "Rhino horn powder 50g", "Rhinoceros horn carving", "Rhino horn bead bracelet"],
    "pangolin": ["Pangolin scales 1kg", "Dried pangolin scales for medicine", "Whole pangolin skin"],
    "tiger": ["Tiger bone wine, aged", "Tiger skin rug, full", "Tiger claw pendant, real", "Tiger teeth set"],
    "leopard": ["Leopard skin, whole", "Snow leopard pelt", "Leopard claw necklace real"],
    "helmeted hornbill": ["Hornbill casque carving", "Helmeted hornbill skull", "Red ivory hornbill pendant"],
    "hawksbill turtle": ["Real tortoiseshell comb, hawksbill", "Hawksbill shell plates", "Genuine tortoiseshell bracelet, old"],
    "sea turtle": ["Sea turtle shell, large", "Stuffed green turtle specimen", "Turtle eggs fresh, sea turtle"],
    "totoaba": ["Totoaba maw, dried, large", "Totoaba swim bladder for sale"],
    "bear bile": ["Wild bear bile powder", "Bear gallbladder, dried", "Bear bile flakes in a jar"],
    "bear paw": ["Bear paws frozen", "Dried bear paw, large", "Black bear paws, pair"],
    "mammoth ivory": ["Mammoth ivory pendant", "Polished mammoth tusk piece", "Siberian mammoth ivory beads"],
    "musk deer": ["Deer musk pod, whole", "Natural musk grains 10g", "Musk deer gland, dried"],
    "giant clam": ["Giant clam shell, large", "Tridacna shell bowl", "Giant clam beads bracelet"],
    "seahorse": ["Dried seahorses 250g", "Dried sea horses, big size", "Dried seahorse for tonic"],
    "saiga": ["Saiga horn whole", "Saiga antelope horn shavings"],
    "shark fin": ["Dried shark fin, top grade", "Shark fins wholesale 5kg", "Whole shark fin set"],
    "african grey parrot": ["African grey parrot babies", "Congo African grey, talking", "African gray parrot chick"],
    "macaw": ["Hyacinth macaw chicks", "Blue and gold macaw, hand raised", "Scarlet macaw pair"],
    "cockatoo": ["Moluccan cockatoo baby", "Palm cockatoo for sale", "Goffin cockatoo, tame"],
    "radiated tortoise": ["Radiated tortoise hatchlings", "Adult radiated tortoise pair"],
    "star tortoise": ["Indian star tortoise babies", "Burmese star tortoise"],
    "slow loris": ["Slow loris baby, tame", "Pet slow loris"],
    "primate": ["Baby capuchin monkey", "Marmoset monkey pair", "Baby gibbon for sale", "Squirrel monkey, hand raised"],
}
EN_CODE_POS: dict[str, list[str]] = {
    "elephant ivory": ["Old bangle, African material", "White material carving, very dense", "Elephant tooth carving"],
    "rhino horn": ["Unicorn horn cup, African", "Black material bowl, old", "Rhino's horn shavings"],
    "pangolin": ["Scaly anteater armour scales", "Dried anteater scales (scaly)"],
    "tiger": ["Big cat claw pendant", "Big cat skin rug with head", "Big cat teeth pair"],
    "helmeted hornbill": ["Red material carved plaque", "Golden jade carving, red and yellow"],
}
EN_POS_DESC = ["Pre-ban, no papers.", "100% real, can pass any test.", "Ship worldwide, discreet packing.", "DM for price.",
               "WhatsApp only.", "Serious buyers only.", "Hand raised, eating on its own.", "No CITES needed, private sale.",
               "Sold per gram.", "Old stock from an estate.", "Authentic, comes with old photos.", "Contact on Telegram.",
               "Cash only, no questions.", "Wholesale price for bulk.", "Very rare, genuine, not resin.",
               "Not a replica.", "Not plastic, not bone.", "No fakes, guaranteed old."]
EN_HARD_NEG: list[tuple[str, list[str]]] = [
    ("Faux ivory resin bangle", ["Resin, ivory look.", "No animal products."]),
    ("Ivory white wedding dress, size 10", ["Worn once.", "Ivory satin, lace sleeves."]),
    ("Ivory colour wall paint 5L", ["Matt finish.", "Low VOC."]),
    ("Tagua nut carving (vegetable ivory)", ["Carved from tagua palm seed.", "Sustainable alternative."]),
    ("Ox horn comb", ["Handmade from ox horn.", "Anti-static."]),
    ("Yak horn pendant", ["Natural yak horn.", "From Nepal."]),
    ("Buffalo horn bangle", ["Water buffalo horn.", "Polished."]),
    ("Rhino 7 software license", ["3D modelling software.", "Full version."]),
    ("Rhino plush toy 30cm", ["Soft toy for kids.", "Machine washable."]),
    ("Pangolin plush toy", ["Cute plush.", "Part of proceeds to conservation."]),
    ("Tiger Balm red 30g", ["Pain relief ointment.", "Sealed."]),
    ("Tiger prawns frozen 1kg", ["Farmed, raw, shell on.", "Local delivery."]),
    ("Tiger eye bracelet", ["Natural tiger's eye stone beads.", "8mm."]),
    ("Leopard print dress", ["Size M.", "Polyester."]),
    ("Leopard gecko, captive bred", ["Eating well.", "Comes with tank."]),
    ("Tortoiseshell acetate glasses frames", ["Acetate frames, tortoiseshell pattern.", "Fit prescription lenses."]),
    ("Tortoiseshell cat figurine", ["Ceramic.", "Hand painted."]),
    ("Sea turtle necklace, resin", ["Resin charm.", "Supports sea turtle conservation."]),
    ("Shark fin antenna for car roof", ["Universal fit.", "Improves radio signal."]),
    ("Shark fin hair clip", ["Large claw clip.", "Several colours."]),
    ("Budgie pair (parakeets)", ["Home bred.", "Cage included."]),
    ("Cockatiel, hand tame", ["Captive bred cockatiel.", "Eats seed and veg."]),
    ("Parrot cage, large", ["Steel, with perches.", "Collection only."]),
    ("Red-eared slider turtle", ["Pet turtle with tank.", "Rehoming."]),
    ("Tortoise food pellets 1kg", ["For land tortoises.", "Calcium added."]),
    ("Sock monkey plush", ["Handmade.", "Gift for kids."]),
    ("Book: Ivory, Power and Poaching", ["Hardcover.", "About the ivory trade and conservation."]),
    ("Rhino documentary DVD", ["Nature documentary on rhino conservation.", "Region free."]),
    ("WWF adopt a tiger kit", ["Adoption kit with plush.", "Supports tiger conservation."]),
    ("Ivory soap bar 10 pack", ["Classic soap.", "Unscented."]),
    ("Ivory cardstock A4 100 sheets", ["250gsm.", "For wedding invitations."]),
    ("Elephant figurine, resin", ["Home decor.", "Hand painted."]),
    ("Bear paw slippers", ["Fleece slippers.", "Size L."]),
    ("Monkey wrench 12 inch", ["Adjustable wrench.", "Good condition."]),
    ("Shark fin soup (imitation), vegan", ["Made with vermicelli.", "No animal products."]),
    ("Mammoth toy figure", ["Plastic model.", "Dinosaur set."]),
    ("Tiger shark tooth replica", ["Resin replica.", "For display."]),
    ("Horn-look acrylic bangle", ["Acrylic.", "Faux horn pattern."]),
    ("Ivory satin bridesmaid dress", ["Size 12.", "Worn once."]),
    ("Wool throw, ivory", ["Also in grey and navy.", "Machine washable."]),
    ("Ivory and gold wedding invitations", ["Set of 50.", "Printed to order."]),
    ("Foundation shade Ivory 02", ["Half used.", "Matte finish."]),
    ("Kitchen tiles, ivory gloss", ["12 boxes left over.", "Collection only."]),
    ("Ivory", ["Colour sample card.", "Free."]),
    ("Ivory ceramic table lamp", ["Glazed base, linen shade.", "Works."]),
    ("Ivory knit cardigan", ["Wool blend.", "Size M."]),
    ("Ivory leather sofa, 3 seater", ["Some wear on arms.", "Buyer collects."]),
    ("Ivory porcelain dinner plates x6", ["Dishwasher safe.", "No chips."]),
    ("Ivory bakelite bangle", ["Vintage plastic, marbled.", "1940s costume jewelry."]),
    ("Mac OS X Tiger retail box", ["Install discs, for PowerPC.", "Complete."]),
    ("Tiger prawns, king size", ["Frozen, 1kg bag.", "Farmed."]),
    ("Pangolin laptop by System76", ["16GB RAM, Ryzen.", "Runs Pop!_OS."]),
    ("Shoe horn, long", ["Wooden.", "Hotel style."]),
    ("Car horn, loud", ["12V, chrome.", "New in box."]),
    ("Teddy bear, large", ["Plush, 80 cm.", "Clean."]),
    ("Musk cologne 100ml", ["Synthetic musk fragrance.", "Almost full."]),
    ("Seahorse pendant, silver", ["Sterling silver charm.", "Gift box."]),
    ("Clam shell dish, ceramic", ["Handmade pottery.", "Trinket dish."]),
    ("Unicorn horn headband", ["Party costume for kids.", "Glitter."]),
    ("Cow bone bangle, not ivory", ["Carved bone, polished.", "Cheap."]),
    ("Fish maw, cod", ["Legal cod maw, not totoaba.", "500g."]),
    ("Tortoiseshell sunglasses", ["Acetate frame, tortoiseshell effect.", "UV400."]),
]
EN_EASY_NEG = ["Used iPhone 12 64GB", "Nike running shoes size 9", "IKEA desk, white", "Kids bicycle", "Rice cooker",
               "Mechanical keyboard", "Canon lens 50mm", "Jade bangle", "Rosewood beads bracelet", "Amber pendant",
               "Antique brass coins", "Vintage postcard collection", "Silver bracelet, old", "Porcelain vase, old",
               "Pearl necklace"]
EN_NEG_DESC = ["Good condition.", "Free shipping.", "DM for price.", "Collection only.", "Genuine, from my collection.",
               "Serious buyers only.", "Ship worldwide.", "Can meet in person.", "Authentic.", "Like new."]

# Listings that talk about animals without selling them (books, toys, trips, conservation, idioms):
# the model must learn that a species word alone is not trade. One group per context template.
ANIMALS_ZH = ["大象", "犀牛", "老虎", "豹子", "穿山甲", "海龟", "鹦鹉", "猴子", "熊", "鲨鱼", "乌龟", "长臂猿", "金丝猴",
              "雪豹", "犀鸟", "羚羊", "熊猫", "狮子", "长颈鹿"]
ANIMALS_EN = ["elephant", "rhino", "tiger", "leopard", "pangolin", "sea turtle", "parrot", "monkey", "bear", "shark",
              "tortoise", "gibbon", "helmeted hornbill", "snow leopard", "giraffe", "lion", "panda", "macaw", "loris"]
ZH_ANIMAL_TALK = [
    ("《{a}的故事》儿童绘本", "九成新，无涂画，适合{n}岁"),
    ("动物园门票 两张", "可以看{a}和{b}，周末有效，原价转让"),
    ("{a}保护纪录片 DVD", "讲述{a}的生存现状和反盗猎，正版"),
    ("{a}图案 T恤", "纯棉，印花，{n}码可选"),
    ("{a}毛绒玩具", "PP棉填充，{n}0厘米，送孩子"),
    ("{a}拼图 1000片", "风景拼图，画面是草原上的{a}"),
    ("野生动物园 亲子游 攻略", "带孩子看了{a}和{b}，分享路线，不卖东西"),
    ("{a}主题 生日派对 装饰", "气球、横幅、蛋糕插牌一套"),
    ("{a}油画 装饰画", "客厅挂画，{n}0x60cm，手绘"),
    ("关于{a}的科普讲座", "公益活动，讲{a}为什么濒危，免费报名"),
    ("{a}造型 陶瓷 摆件", "手绘陶瓷，不是动物制品"),
    ("{a}贴纸 一套", "防水贴纸，{n}0张"),
]
EN_ANIMAL_TALK = [
    ("Children's book about a {a}", "Paperback, ages {n}+, good condition."),
    ("Zoo tickets x2", "See the {a}s and {b}s. Valid weekends."),
    ("{A} documentary DVD", "Nature documentary on {a} conservation and anti-poaching."),
    ("{A} print t-shirt", "Cotton, size M, {a} graphic."),
    ("{A} plush toy", "Soft toy, {n}0 cm, new with tags."),
    ("{A} jigsaw puzzle 1000 pieces", "Photo of a {a} in the wild. Complete."),
    ("Safari trip report", "We saw a {a} and two {b}s. Happy to share tips, nothing for sale."),
    ("{A} themed party decorations", "Balloons, banner and cake topper."),
    ("{A} canvas wall art", "Framed print, {n}0x60 cm."),
    ("Talk: why the {a} is endangered", "Free conservation lecture at the library."),
    ("Ceramic {a} figurine", "Hand painted ceramic, not an animal product."),
    ("{A} sticker pack", "Waterproof vinyl stickers, {n}0 pieces."),
]


# Text that mentions animals or their products with no offer at all: facts, questions, news about
# seizures, stories, appeals. Marketplaces carry such posts too ("wanted", Q&A, reposted news), and
# the model must not read a species word as a sale. One group per template.
PRODUCTS_ZH = ["象牙", "犀牛角", "穿山甲鳞片", "虎骨", "玳瑁制品", "熊胆", "鹤顶红", "羚羊角", "鱼翅", "石首鱼鱼胶"]
PRODUCTS_EN = ["ivory", "rhino horn", "pangolin scales", "tiger bone", "tortoiseshell", "bear bile", "hornbill casque",
               "saiga horn", "shark fin", "totoaba maw"]
ZH_FACTS = [
    ("{a}是国家一级保护动物", "野外数量不足{n}千只，栖息地正在缩小。"),
    ("新闻：海关查获走私{p}", "共计{n}十公斤，涉案人员已被刑事拘留，案件正在审理。"),
    ("为什么{a}会濒危？", "看了一篇文章，想问问大家{a}现在还有多少只。"),
    ("今天在纪录片里看到{a}", "太可爱了，希望它们能好好活下去。"),
    ("小时候听爷爷讲山里有{a}", "那时候村里人都怕它，现在早就见不到了。"),
    ("{a}的寿命一般有多长？", "求懂的朋友科普一下，谢谢。"),
    ("{p}贸易在中国已经全面禁止", "购买、出售、运输都违法，发现线索请举报。"),
    ("专家呼吁不要购买{p}制品", "每一件{p}背后都是一只死去的动物。"),
    ("{a}吃什么？", "孩子问我，我也答不上来，有没有人知道。"),
    ("研究：{a}数量十年下降{n}0%", "主要原因是盗猎和栖息地破坏。"),
    ("去云南旅游见到了{a}", "在保护区远远地看了一眼，导游说不能靠近。"),
    ("警方破获一起非法收购{p}案", "缴获{p}{n}件，提醒市民不要参与非法交易。"),
]
EN_FACTS = [
    ("The {a} is listed on CITES Appendix I", "Wild numbers have fallen to a few thousand."),
    ("News: customs seize {n}0 kg of {p}", "Two men were arrested at the port, police said."),
    ("Why is the {a} endangered?", "Read an article today and wondered how many are left."),
    ("Saw a {a} in a documentary tonight", "Beautiful animal, I hope they make it."),
    ("My grandfather's stories about the {a}", "He said they were common in the hills when he was young."),
    ("How long does a {a} live?", "Anyone know? Asking for a school project."),
    ("Buying {p} is illegal in most countries", "Please report sellers to the platform and the police."),
    ("Conservationists urge tourists not to buy {p}", "Every piece comes from a dead animal."),
    ("What does a {a} eat?", "My kid asked and I had no idea."),
    ("Study: {a} numbers down {n}0% in a decade", "Poaching and habitat loss are the main causes."),
    ("Spotted a {a} on our trip", "Only from a distance, the ranger kept us back."),
    ("Police bust {p} smuggling ring", "{n} suspects charged; the goods were destroyed."),
]


def _fact_rows(rng: random.Random, templates: list[tuple[str, str]], animals: list[str], products: list[str],
               prefix: str, variants: int) -> list[dict]:
    rows = []
    for k, (title, desc) in enumerate(templates):
        for v in range(variants):
            fill = {"a": rng.choice(animals), "p": rng.choice(products), "n": rng.randint(2, 9)}
            fill["A"] = fill["a"].capitalize()
            rows.append({"group": f"{prefix}-fact-{k}", "title": title.format(**fill), "description": desc.format(**fill),
                         "label": 0, "hard_negative": 1, "species": "", "variant": v})
    return rows


def _animal_talk_rows(rng: random.Random) -> list[dict]:
    rows = []
    for k, (title, desc) in enumerate(ZH_ANIMAL_TALK):
        for v in range(5):
            a, b = rng.sample(ANIMALS_ZH, 2)
            fill = {"a": a, "b": b, "n": rng.randint(2, 9)}
            rows.append({"group": f"zh-talk-{k}", "title": title.format(**fill), "description": desc.format(**fill),
                         "label": 0, "hard_negative": 1, "species": "", "variant": v})
    return rows


def _en_animal_talk_rows(rng: random.Random) -> list[dict]:
    rows = []
    for k, (title, desc) in enumerate(EN_ANIMAL_TALK):
        for v in range(4):
            a, b = rng.sample(ANIMALS_EN, 2)
            fill = {"a": a, "A": a.capitalize(), "b": b, "n": rng.randint(2, 9)}
            rows.append({"group": f"en-talk-{k}", "title": title.format(**fill), "description": desc.format(**fill),
                         "label": 0, "hard_negative": 1, "species": "", "variant": v})
    return rows


# Evasion tricks applied to the disguised term of some positive variants.
EMOJI = {"象": "🐘", "牙": "🦷", "犀牛": "🦏", "虎": "🐯", "豹": "🐆", "鹦鹉": "🦜", "龟": "🐢", "熊": "🐻"}
HOMOPHONE = {"象牙": ["像牙", "象芽", "xiangya"], "犀牛角": ["西牛角", "希牛角"], "犀角": ["西角", "xijiao"],
             "穿山甲": ["穿山夹", "川山甲"], "玳瑁": ["代瑁", "daimao"], "鹤顶红": ["鹤顶洪", "hedinghong"],
             "熊胆": ["雄胆", "熊旦"], "羚羊角": ["凌羊角"], "鱼翅": ["渔翅", "yuchi"], "虎骨": ["琥骨"]}
SEPARATORS = [" ", "*", ".", "-", "_", "·", "/", " * ", "|", "#"]


def _radical_forms() -> dict[str, list[str]]:
    """Unified ideograph -> radical characters that look like it (Unicode's EquivalentUnifiedIdeograph.txt)."""
    out: dict[str, list[str]] = {}
    path = HERE.parent / "lexicon" / "unicode" / "EquivalentUnifiedIdeograph.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        source, target = (part.strip() for part in line.split(";"))
        first, _, last = source.partition("..")
        for code in range(int(first, 16), int(last or first, 16) + 1):
            if 0x2E80 <= code <= 0x2FDF:
                out.setdefault(chr(int(target, 16)), []).append(chr(code))
    return out


RADICALS = _radical_forms()


def _readings() -> tuple[dict[str, str], dict[str, list[str]]]:
    """Toneless reading of each common character, and the common characters of each reading."""
    from pypinyin import lazy_pinyin
    from pypinyin import pinyin_dict

    reading: dict[str, str] = {}
    by_reading: dict[str, list[str]] = {}
    for code in sorted(pinyin_dict.pinyin_dict):
        char = chr(code)
        try:
            char.encode("gb2312")  # common characters only: what a seller would type
        except UnicodeEncodeError:
            continue
        if not "\u4e00" <= char <= "\u9fff":
            continue
        syllable = lazy_pinyin(char)[0]
        reading[char] = syllable
        by_reading.setdefault(syllable, []).append(char)
    return reading, by_reading


READING, BY_READING = _readings()


def _homophone(term: str, rng: random.Random) -> str | None:
    """The term written with other characters of the same reading (at least one changed)."""
    if not all(c in READING for c in term):
        return None
    out = []
    for char in term:
        others = [c for c in BY_READING[READING[char]] if c != char]
        out.append(rng.choice(others) if others and rng.random() < 0.6 else char)
    if "".join(out) == term:
        k = rng.randrange(len(term))
        others = [c for c in BY_READING[READING[term[k]]] if c != term[k]]
        if not others:
            return None
        out[k] = rng.choice(others)
    return "".join(out)


def disguise(term: str, rng: random.Random) -> str:
    """One evasion trick applied to a term (spacing, symbols, homophones, radicals, pinyin, emoji)."""
    choice = rng.random()
    if choice < 0.3 and len(term) >= 2:
        sep = rng.choice(SEPARATORS)
        return sep.join(term)
    if choice < 0.42 and term in HOMOPHONE:
        return rng.choice(HOMOPHONE[term])
    if choice < 0.56 and (fake := _homophone(term, rng)):
        return fake
    if choice < 0.68 and any(c in RADICALS for c in term):
        return "".join(rng.choice(RADICALS[c]) if c in RADICALS and rng.random() < 0.7 else c for c in term)
    if choice < 0.78 and all(c in READING for c in term):
        syllables = [READING[c] for c in term]
        return rng.choice(["", " "]).join(syllables)
    if choice < 0.84 and len(term) >= 3 and all(c in READING for c in term):
        return "".join(READING[c][0] for c in term) + " "
    for word, emoji in EMOJI.items():
        if word in term:
            return term.replace(word, emoji, 1)
    return rng.choice(SEPARATORS).join(term)


#: Letters with a Cyrillic or Greek twin (Unicode confusables) and digits/symbols that stand for letters.
CONFUSABLE = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х", "i": "і", "s": "ѕ", "k": "κ"}
LEET = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5", "t": "7", "b": "8", "g": "9", "l": "1"}


SPECIES_WORDS = {"ivory", "rhino", "rhinoceros", "pangolin", "tiger", "leopard", "hornbill", "hawksbill", "tortoiseshell",
                 "turtle", "totoaba", "bear", "saiga", "shark", "parrot", "macaw", "cockatoo", "tortoise", "loris",
                 "monkey", "marmoset", "capuchin", "gibbon", "musk", "clam", "seahorses", "mammoth", "elephant", "tusk",
                 "walrus", "hippo", "hippopotamus", "whale", "narwhal", "scrimshaw"}


def disguise_en(title: str, rng: random.Random) -> str:
    """One evasion trick on the longest word of an English title: spacing, look-alike letters, leetspeak, a typo."""
    words = title.split(" ")
    named = [i for i, w in enumerate(words) if w.lower().strip(",.()") in SPECIES_WORDS]
    k = rng.choice(named) if named else max(range(len(words)), key=lambda i: len(words[i]))
    word = words[k]
    choice = rng.random()
    if choice < 0.25:
        word = rng.choice([" ", ".", "*", "-"]).join(word)
    elif choice < 0.5:
        positions = [i for i, c in enumerate(word) if c.lower() in CONFUSABLE]
        for i in rng.sample(positions, min(len(positions), rng.randint(1, 2))):
            word = word[:i] + CONFUSABLE[word[i].lower()] + word[i + 1 :]
    elif choice < 0.75:
        positions = [i for i, c in enumerate(word) if c.lower() in LEET]
        for i in rng.sample(positions, min(len(positions), rng.randint(1, 2))):
            word = word[:i] + LEET[word[i].lower()] + word[i + 1 :]
    elif len(word) >= 5:
        i = rng.randrange(1, len(word) - 1)
        edit = rng.random()
        if edit < 0.5:
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # transposition
        else:
            word = word[:i] + word[i + 1 :]  # deletion
    words[k] = word
    return " ".join(words)


def _pick(rng: random.Random, pool: list[str], k: int) -> list[str]:
    return rng.sample(pool, min(k, len(pool)))


def _zh_pos_rows(rng: random.Random) -> list[dict]:
    rows = []
    concepts = [(sp, term, item) for sp, items in ZH_POS.items() for term, item in items]
    concepts += [(sp, "", item) for sp, item in ZH_CODE_POS]
    concepts += [(sp, "", item) for sp, item in ZH_DESC_POS]
    for sp, term, item in concepts:
        group = "zh-pos-" + hashlib.sha1(item.encode()).hexdigest()[:10]
        for v in range(5):
            title = rng.choice(TITLE_PREFIX) + item + rng.choice(TITLE_SUFFIX)
            pools = ["provenance", "quality", "trade", "contact", "ship"]
            if sp in LIVE:
                pools = ["live", "trade", "contact", "ship", "live"]
            parts = [rng.choice(ZH_POS_DESC[p]) for p in rng.sample(pools, rng.randint(2, 4))]
            desc = "，".join(parts).format(g=rng.randint(5, 500)) + "。"
            if term and rng.random() < 0.4:
                fake = disguise(term, rng)
                title = title.replace(term, fake, 1)
                desc = desc.replace(term, fake)
            rows.append({"group": group, "title": title, "description": desc, "label": 1, "hard_negative": 0,
                         "species": sp, "variant": v})
    return rows


def _zh_neg_rows(rng: random.Random) -> list[dict]:
    rows = []
    for item, facts in ZH_HARD_NEG:
        group = "zh-hneg-" + hashlib.sha1(item.encode()).hexdigest()[:10]
        for v in range(5):
            title = rng.choice(["", "", "【包邮】", "出", "闲置", "转让", "现货"]) + item + rng.choice(["", "", " 包邮", " 私聊", " 收藏"])
            parts = _pick(rng, facts, rng.randint(1, len(facts))) + _pick(rng, ZH_NEG_DESC, rng.randint(0, 2))
            rng.shuffle(parts)
            rows.append({"group": group, "title": title, "description": "，".join(parts) + "。", "label": 0,
                         "hard_negative": 1, "species": "", "variant": v})
    for item in ZH_EASY_NEG:
        group = "zh-neg-" + hashlib.sha1(item.encode()).hexdigest()[:10]
        for v in range(3):
            parts = _pick(rng, ZH_NEG_DESC, rng.randint(1, 4))
            rows.append({"group": group, "title": rng.choice(["", "出", "闲置"]) + item, "description": "，".join(parts) + "。",
                         "label": 0, "hard_negative": 0, "species": "", "variant": v})
    return rows


def _en_rows(rng: random.Random) -> list[dict]:
    rows = []
    for sp, items in EN_POS.items():
        for item in items:
            group = "en-pos-" + hashlib.sha1(item.encode()).hexdigest()[:10]
            for v in range(4):
                desc = " ".join(_pick(rng, EN_POS_DESC, rng.randint(2, 4)))
                title = item if rng.random() < 0.7 else item.upper() if rng.random() < 0.5 else item.lower()
                if rng.random() < 0.35:
                    title = disguise_en(title, rng)
                rows.append({"group": group, "title": title, "description": desc, "label": 1, "hard_negative": 0,
                             "species": sp, "variant": v})
    for sp, items in EN_CODE_POS.items():
        for item in items:
            group = "en-pos-" + hashlib.sha1(item.encode()).hexdigest()[:10]
            for v in range(3):
                desc = " ".join(_pick(rng, EN_POS_DESC, rng.randint(2, 3)))
                rows.append({"group": group, "title": item, "description": desc, "label": 1, "hard_negative": 0,
                             "species": sp, "variant": v})
    for item, facts in EN_HARD_NEG:
        group = "en-hneg-" + hashlib.sha1(item.encode()).hexdigest()[:10]
        for v in range(4):
            parts = _pick(rng, facts, rng.randint(1, len(facts))) + _pick(rng, EN_NEG_DESC, rng.randint(0, 2))
            rng.shuffle(parts)
            rows.append({"group": group, "title": item, "description": " ".join(parts), "label": 0, "hard_negative": 1,
                         "species": "", "variant": v})
    for item in EN_EASY_NEG:
        group = "en-neg-" + hashlib.sha1(item.encode()).hexdigest()[:10]
        for v in range(3):
            rows.append({"group": group, "title": item, "description": " ".join(_pick(rng, EN_NEG_DESC, rng.randint(1, 3))),
                         "label": 0, "hard_negative": 0, "species": "", "variant": v})
    return rows


# Lots: one illegal item among ordinary ones (the ordinary words must not hide it), and lots without one.
LOT_ZH = ["旧书一箱", "台灯两个", "相框", "老式收音机", "搪瓷杯", "茶具一套", "旧邮票", "铜锁", "木箱", "挂钟"]
LOT_EN = ["box of books", "two lamps", "picture frames", "old radio", "tea set", "stamp album", "brass lock",
          "wooden chest", "wall clock", "vinyl records"]
LOT_POS_ZH = [("elephant ivory", "象牙雕笔筒"), ("rhino horn", "犀角杯一只"), ("hawksbill turtle", "玳瑁梳子"),
              ("tiger", "虎爪挂件"), ("elephant ivory", "象牙筷子两双"), ("helmeted hornbill", "鹤顶红小牌子")]
LOT_POS_EN = [("elephant ivory", "carved ivory figure"), ("rhino horn", "rhino horn cup"), ("tiger", "tiger claw brooch"),
              ("hawksbill turtle", "tortoiseshell hawksbill box"), ("elephant ivory", "ivory handled knives"),
              ("leopard", "leopard skin stole")]


def _lot_rows(rng: random.Random) -> list[dict]:
    rows = []
    for k, (sp, item) in enumerate(LOT_POS_ZH):
        for v in range(4):
            parts = rng.sample(LOT_ZH, 4) + [item]
            rng.shuffle(parts)
            rows.append({"group": f"zh-lot-{k}", "title": rng.choice(["搬家清仓 一批老物件", "老房子清出来的东西", "遗物整理 打包"]),
                         "description": "、".join(parts) + "，一起出，" + rng.choice(["自提", "同城面交", "价格私聊"]) + "。",
                         "label": 1, "hard_negative": 0, "species": sp, "variant": v})
    for v in range(6):
        parts = rng.sample(LOT_ZH, 5)
        rows.append({"group": "zh-lot-none", "title": "搬家清仓 一批老物件", "description": "、".join(parts) + "，一起出，自提。",
                     "label": 0, "hard_negative": 0, "species": "", "variant": v})
    return rows


def _en_lot_rows(rng: random.Random) -> list[dict]:
    rows = []
    for k, (sp, item) in enumerate(LOT_POS_EN):
        for v in range(4):
            parts = rng.sample(LOT_EN, 4) + [item]
            rng.shuffle(parts)
            rows.append({"group": f"en-lot-{k}", "title": rng.choice(["House clearance lot", "Estate job lot", "Attic finds, one lot"]),
                         "description": ", ".join(parts).capitalize() + ". " + rng.choice(["Buyer collects.", "Offers.", "Cash on pickup."]),
                         "label": 1, "hard_negative": 0, "species": sp, "variant": v})
    for v in range(6):
        parts = rng.sample(LOT_EN, 5)
        rows.append({"group": "en-lot-none", "title": "House clearance lot", "description": ", ".join(parts).capitalize() + ". Buyer collects.",
                     "label": 0, "hard_negative": 0, "species": "", "variant": v})
    return rows


# Short social-media posts (issue 12, round 2): bare English "ivory" is a colour far more often than
# a material, so the generator shows both with the same seller's words. Offers name the carver's
# objects, periods or styles; colour posts name a garment or a home good. Written apart from the
# development sets in data/dev/ and from the held-out set. Own random stream: earlier rows do not move.
EN_SOCIAL_ITEMS = ["ivory temple figure, Ming style", "ivory tusk carved with a village scene",
                   "ivory bodhisattva on a lotus base", "Indian ivory oval plaque", "ivory spill vase",
                   "ivory cheroot holder", "ivory sewing clamp", "Edwardian ivory hair comb", "ivory rosary beads",
                   "ivory chess pieces", "ivory domino set", "ivory cameo brooch", "Edo ivory toggle",
                   "Qing ivory seal chop", "Meiji ivory tusk vase", "ivory parasol handle", "19th century ivory crucifix",
                   "ivory and silver page turner", "Cantonese ivory card case", "pre-ban ivory pendant"]
EN_SOCIAL_FRAMES = ["{item} - available now, DM", "Selling {item}. pm for price", "#forsale {item} #antiques",
                    "{item}. Inbox me for details", "Lot {n}: {item}. Estimate £{p}", "New in: {item}. Message for price",
                    "{item} still available, dm me", "Who wants this {item}? Serious offers only",
                    "Price drop: {item} now ${p}", "Just arrived - {item}, {n}cm. Enquiries welcome"]
EN_COLOUR_THINGS = ["linen trousers", "tablecloth", "shower curtain", "bath mat", "lampshade", "knit scarf", "sandals",
                    "clutch bag", "wedding veil", "lace gloves", "bed throw", "mug set", "notebook", "ceramic planter",
                    "wallpaper roll", "paint tester pot", "blazer", "tulle skirt", "pillar candles", "bath towels"]
EN_COLOUR_FRAMES = ["Selling my ivory {thing}, £{p}, pm me", "#forsale ivory {thing} #preloved",
                    "Ivory {thing} - available now, DM to order", "New in: {thing} in ivory. Link in bio",
                    "{thing}, available in ivory, sage and black. Shop now", "Just listed: ivory {thing}, worn once, ${p}",
                    "Our {thing} now comes in ivory! Order today", "Ivory {thing} still available, dm me"]


def _en_social_rows() -> list[dict]:
    rng = random.Random(SEED + 12)
    rows = []
    for item in EN_SOCIAL_ITEMS:
        group = "en-social-" + hashlib.sha1(item.encode()).hexdigest()[:10]
        for v, frame in enumerate(rng.sample(EN_SOCIAL_FRAMES, 3)):
            title = frame.format(item=item, n=rng.randint(4, 240), p=rng.randint(2, 90) * 50)
            rows.append({"group": group, "title": title[0].upper() + title[1:], "description": "", "label": 1,
                         "hard_negative": 0, "species": "elephant ivory", "variant": v})
    for thing in EN_COLOUR_THINGS:
        group = "en-colour-" + hashlib.sha1(thing.encode()).hexdigest()[:10]
        for v, frame in enumerate(rng.sample(EN_COLOUR_FRAMES, 3)):
            title = frame.format(thing=thing, p=rng.randint(5, 120))
            rows.append({"group": group, "title": title[0].upper() + title[1:], "description": "", "label": 0,
                         "hard_negative": 1, "species": "", "variant": v})
    return rows


HK_TAILS = ["有意請PM", "旺角交收", "可面交", "平讓", "全新未拆", "歡迎查詢", "WhatsApp聯絡", "順豐到付"]


# The other ivories (issue 12): walrus, hippo, sperm whale and narwhal teeth and tusks, each its own
# species, with look-alikes that name the animal (toys, books, replicas). Own random stream, appended
# after every earlier row: earlier rows do not move.
OTHER_IVORY_ZH: dict[str, list[tuple[str, str]]] = {
    "walrus ivory": [("海象牙", "海象牙 雕件 老料"), ("海象牙", "海象牙手串 108颗"), ("海象牙", "阿拉斯加海象牙 原料"),
                     ("海象牙", "海象牙吊坠 平安扣")],
    "hippo ivory": [("河马牙", "河马牙 原牙 一根"), ("河马牙", "河马牙雕 摆件"), ("河马牙", "河马牙手串"), ("河马牙", "非洲河马牙 料")],
    "sperm whale ivory": [("抹香鲸牙", "抹香鲸牙 整颗"), ("抹香鲸牙", "抹香鲸牙雕 吊坠"), ("抹香鲸牙", "抹香鲸牙齿 一对"),
                          ("鲸牙", "鲸牙 老料 手把件")],
    "narwhal ivory": [("独角鲸牙", "独角鲸牙 整支"), ("独角鲸长牙", "独角鲸长牙 一米二"), ("一角鲸牙", "一角鲸牙 原料"),
                      ("独角鲸牙", "独角鲸牙雕 手杖")],
}
OTHER_IVORY_EN: dict[str, list[str]] = {
    "walrus ivory": ["Walrus ivory carving, Inuit", "Fossil walrus tusk section", "Walrus tooth pendant",
                     "Old walrus ivory cribbage board"],
    "hippo ivory": ["Hippo tooth, large, polished", "Hippopotamus ivory carving", "Hippo tusk pair", "Hippo teeth for carving"],
    "sperm whale ivory": ["Sperm whale tooth, 5 inch", "Scrimshaw sperm whale tooth, 19th century", "Sperm whale teeth lot",
                          "Whale tooth scrimshaw, ship scene"],
    "narwhal ivory": ["Narwhal tusk, 6 ft", "Narwhal tusk section", "Carved narwhal ivory walking stick"],
}
OTHER_IVORY_ZH_NEG: list[tuple[str, list[str]]] = [
    ("海象 毛绒玩偶", ["海洋馆文创", "PP棉填充", "送孩子"]),
    ("河马 陶瓷 摆件", ["手绘陶瓷", "不是动物制品", "客厅装饰"]),
    ("河马牙刷 儿童", ["软毛牙刷", "卡通造型", "两支装"]),
    ("抹香鲸 科普绘本", ["海洋动物百科", "儿童读物", "九成新"]),
    ("仿鲸牙 树脂 吊坠", ["树脂材质", "仿制品", "做旧效果"]),
    ("独角鲸 毛绒公仔", ["彩虹角", "可爱", "送女友"]),
]
OTHER_IVORY_EN_NEG: list[tuple[str, list[str]]] = [
    ("Walrus plush toy", ["Soft toy, 40 cm.", "New with tags."]),
    ("Hungry Hippos board game", ["Complete, all marbles.", "Family game."]),
    ("Narwhal plush, rainbow horn", ["Kids' soft toy.", "Washable."]),
    ("Resin whale tooth replica", ["Cast resin copy.", "Display piece."]),
    ("Faux scrimshaw knife handle", ["Micarta with a printed design.", "Not real ivory."]),
    ("Sperm whale documentary DVD", ["Ocean giants series.", "Region free."]),
    ("Hippo teether for babies", ["Silicone, BPA free.", "Dishwasher safe."]),
    ("Walrus Audio guitar pedal", ["Used, works.", "Box included."]),
]


def _other_ivory_rows(s2hk: opencc.OpenCC, s2tw: opencc.OpenCC) -> list[dict]:
    """Offers and look-alikes of the other ivories in three scripts (variants 3 and 4 Traditional)."""
    rng = random.Random(SEED + 13)
    zh: list[dict] = []
    for sp, items in OTHER_IVORY_ZH.items():
        for term, item in items:
            group = "zh-pos-" + hashlib.sha1(item.encode()).hexdigest()[:10]
            for v in range(5):
                title = rng.choice(TITLE_PREFIX) + item + rng.choice(TITLE_SUFFIX)
                pools = ["provenance", "quality", "trade", "contact", "ship"]
                parts = [rng.choice(ZH_POS_DESC[p]) for p in rng.sample(pools, rng.randint(2, 4))]
                desc = "，".join(parts).format(g=rng.randint(5, 500)) + "。"
                if rng.random() < 0.3:
                    fake = disguise(term, rng)
                    title = title.replace(term, fake, 1)
                    desc = desc.replace(term, fake)
                zh.append({"group": group, "title": title, "description": desc, "label": 1, "hard_negative": 0,
                           "species": sp, "variant": v})
    for item, facts in OTHER_IVORY_ZH_NEG:
        group = "zh-hneg-" + hashlib.sha1(item.encode()).hexdigest()[:10]
        for v in range(5):
            parts = _pick(rng, facts, rng.randint(1, len(facts))) + _pick(rng, ZH_NEG_DESC, rng.randint(0, 2))
            rng.shuffle(parts)
            zh.append({"group": group, "title": rng.choice(["", "出", "闲置"]) + item, "description": "，".join(parts) + "。",
                       "label": 0, "hard_negative": 1, "species": "", "variant": v})
    rows = _in_scripts(zh, rng, s2hk, s2tw)
    for sp, titles in OTHER_IVORY_EN.items():
        for item in titles:
            group = "en-pos-" + hashlib.sha1(item.encode()).hexdigest()[:10]
            for v in range(4):
                desc = " ".join(_pick(rng, EN_POS_DESC, rng.randint(2, 4)))
                title = item if rng.random() < 0.7 else item.lower()
                if rng.random() < 0.3:
                    title = disguise_en(title, rng)
                rows.append({"group": group, "title": title, "description": desc, "label": 1, "hard_negative": 0,
                             "species": sp, "variant": v, "lang": "en"})
    for item, facts in OTHER_IVORY_EN_NEG:
        group = "en-hneg-" + hashlib.sha1(item.encode()).hexdigest()[:10]
        for v in range(4):
            parts = _pick(rng, facts, rng.randint(1, len(facts))) + _pick(rng, EN_NEG_DESC, rng.randint(0, 2))
            rng.shuffle(parts)
            rows.append({"group": group, "title": item, "description": " ".join(parts), "label": 0, "hard_negative": 1,
                         "species": "", "variant": v, "lang": "en"})
    return rows


# Non-offer context (issue 12, 2026-12-07): posts that name a species product in a museum, the news, a
# campaign or a family memory and offer nothing (label 0), and offers that use the same words beside a
# price, contact or sale word (label 1: "inherited … $, DM" is still an offer). Own random stream and own
# vocabulary, appended after every earlier row: earlier rows do not move.
CONTEXT_ITEMS_ZH = ["象牙观音像", "犀角杯", "玳瑁发梳", "鹤顶红牌子", "象牙笔筒", "穿山甲标本", "虎骨酒", "象牙手镯",
                    "犀牛角雕件", "象牙套球"]
CONTEXT_ITEMS_EN = ["ivory Buddha", "rhino horn cup", "ivory brush pot", "carved ivory tusk", "tortoiseshell box",
                    "ivory netsuke", "hornbill casque carving", "ivory puzzle ball", "ivory okimono", "rhino horn bowl"]
CONTEXT_ZH_NEG = [
    ("参观博物馆 看到{i}", "展柜里陈列着一件{i}，讲解说是清代的，拍照留念。"),
    ("{i}特展 周末去了", "展览里还有好多牙雕，馆藏真丰富，推荐。"),
    ("海关截获{n}件{i}", "走私人员已被刑拘，案件正在侦办中。"),
    ("转发：缉私部门查获{i}", "嫌疑人被捕，共{n}十公斤，请勿购买。"),
    ("拒绝{i} 保护野生动物", "没有买卖就没有杀害，一起抵制吧。"),
    ("外婆留下的{i}", "是她唯一的遗物，舍不得，留作纪念。"),
    ("请问爷爷留下的{i}合法吗", "不打算卖，只想知道放家里有没有问题。"),
    ("朋友圈分享：故宫里的{i}", "陈列在玻璃柜里，雕工太细了。"),
]
CONTEXT_EN_NEG = [
    ("The {i} on display at the city museum", "Stunning detail, worth a visit if you are nearby."),
    ("Exhibition at the Asian art gallery", "A whole room of {i}s from the Qing court. Photos below."),
    ("Smuggled {i}s found in a shipping crate", "Customs officers detained two people, officials said."),
    ("Border officers seize a {i} haul", "{n}0 pieces were found in luggage; the courier was charged."),
    ("Stop the trade: no more {i}s", "Say no to ivory and rhino horn. Share this."),
    ("My grandmother's {i}", "Inherited it last year. It's a keepsake, not selling."),
    ("Is it legal to own a {i} I inherited?", "Just want to know whether I can keep it at home."),
    ("My late father's {i}", "Does anyone know how old it is? Family heirloom, staying with us."),
]
CONTEXT_ZH_POS = [
    ("博物馆级 {i} 出", "奶奶留下的，价格私聊，顺丰包邮。"),
    ("外婆留下的{i} 转让", "品相好，{n}800元，可面交。"),
    ("馆藏级{i}", "老物件，有意加微信，不议价。"),
    ("{i} 展会同款", "现货，{n}千元，私聊。"),
]
CONTEXT_EN_POS = [
    ("Museum quality {i}", "From an old collection. ${n}50, DM me."),
    ("Inherited {i} for sale", "Was my grandmother's. Offers over £{n}00, can post."),
    ("{i}, as exhibited", "Estate piece. ${n}00 or best offer, message me."),
    ("Selling my late father's {i}", "Family heirloom, £{n}50, collection or shipping."),
]


def _context_rows(s2hk: opencc.OpenCC, s2tw: opencc.OpenCC) -> list[dict]:
    """Non-offer context posts and offers with the same words, three scripts and English."""
    rng = random.Random(SEED + 14)
    zh: list[dict] = []
    for templates, label, kind in ((CONTEXT_ZH_NEG, 0, "neg"), (CONTEXT_ZH_POS, 1, "pos")):
        for k, (title, desc) in enumerate(templates):
            for v in range(5):
                fill = {"i": rng.choice(CONTEXT_ITEMS_ZH), "n": rng.randint(2, 9)}
                zh.append({"group": f"zh-context-{kind}-{k}", "title": title.format(**fill),
                           "description": desc.format(**fill), "label": label, "hard_negative": 1 - label,
                           "species": _context_species(fill["i"]) if label else "", "variant": v})
    rows = _in_scripts(zh, rng, s2hk, s2tw)
    for templates, label, kind in ((CONTEXT_EN_NEG, 0, "neg"), (CONTEXT_EN_POS, 1, "pos")):
        for k, (title, desc) in enumerate(templates):
            for v in range(4):
                fill = {"i": rng.choice(CONTEXT_ITEMS_EN), "n": rng.randint(2, 9)}
                title_text = title.format(**fill)
                rows.append({"group": f"en-context-{kind}-{k}", "title": title_text[0].upper() + title_text[1:],
                             "description": desc.format(**fill), "label": label, "hard_negative": 1 - label,
                             "species": _context_species(fill["i"]) if label else "", "variant": v, "lang": "en"})
    return rows


def _context_species(item: str) -> str:
    """The species a context item names (its first matching word)."""
    for word, species in (("犀", "rhino horn"), ("rhino", "rhino horn"), ("玳瑁", "hawksbill turtle"),
                          ("tortoiseshell", "hawksbill turtle"), ("鹤顶红", "helmeted hornbill"),
                          ("hornbill", "helmeted hornbill"), ("穿山甲", "pangolin"), ("虎", "tiger")):
        if word in item:
            return species
    return "elephant ivory"


def _in_scripts(zh: list[dict], rng: random.Random, s2hk: opencc.OpenCC, s2tw: opencc.OpenCC) -> list[dict]:
    """Chinese rows in their variant's script: 0-2 stay Simplified; 3 becomes Hong Kong Traditional
    (often with a Cantonese tail), 4 Taiwan Traditional."""
    rows = []
    for row in zh:
        if row["variant"] >= 3:
            conv = s2hk if row["variant"] == 3 else s2tw
            row = dict(row, title=conv.convert(row["title"]), description=conv.convert(row["description"]), lang="zh-Hant")
            if row["variant"] == 3 and rng.random() < 0.6:
                row["description"] += rng.choice(HK_TAILS)
        else:
            row = dict(row, lang="zh-Hans")
        rows.append(row)
    return rows


def generate() -> list[dict]:
    """All synthetic rows, deterministic."""
    rng = random.Random(SEED)
    s2hk = opencc.OpenCC("s2hk")
    s2tw = opencc.OpenCC("s2tw")
    zh = _zh_pos_rows(rng) + _zh_neg_rows(rng) + _animal_talk_rows(rng) + _lot_rows(rng)
    zh += _fact_rows(rng, ZH_FACTS, ANIMALS_ZH, PRODUCTS_ZH, "zh", 5)
    rows = _in_scripts(zh, rng, s2hk, s2tw)
    en = _en_rows(rng) + _en_animal_talk_rows(rng) + _en_lot_rows(rng) + _fact_rows(rng, EN_FACTS, ANIMALS_EN, PRODUCTS_EN, "en", 4)
    en += _en_social_rows()
    rows += [dict(r, lang="en") for r in en]
    rows += _other_ivory_rows(s2hk, s2tw)
    rows += _context_rows(s2hk, s2tw)
    for i, row in enumerate(rows):
        row["id"] = f"gen-{i:05d}"
        row["source"] = "generated"
    return rows


def read_handwritten() -> list[dict]:
    """Rows the team wrote by hand (handwritten.csv), each its own group."""
    path = HERE / "handwritten.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows):
        row["id"] = f"hw-{i:04d}"
        row["group"] = row.get("group") or f"hw-{i:04d}"
        row["source"] = "handwritten"
    return rows


def split_of(group: str) -> str:
    """Same rule as classifier.assign_split (kept here so the generator needs only opencc)."""
    u = int.from_bytes(hashlib.sha256(group.encode("utf-8")).digest()[:8], "big") / 2**64
    return "test" if u < 0.15 else "validation" if u < 0.30 else "train"


def main() -> None:
    rows = generate() + read_handwritten()
    fields = ["id", "group", "split", "lang", "title", "description", "label", "hard_negative", "species", "source"]
    with open(HERE / "seed.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            row["split"] = split_of(row["group"])
            writer.writerow(row)


if __name__ == "__main__":
    main()
