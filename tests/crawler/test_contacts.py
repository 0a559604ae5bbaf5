import pytest

from crawler.contacts import Contact, extract_contacts, normalize_contact_text


def pairs(text: str) -> list[tuple[str, str]]:
    return [(c.kind, c.value) for c in extract_contacts(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # WeChat and its disguises
        ("加微信: abc_123 详聊", [("wechat", "abc_123")]),
        ("微信号：Ivory_Seller88", [("wechat", "ivory_seller88")]),
        ("威信 hello123", [("wechat", "hello123")]),
        ("薇信 hello123", [("wechat", "hello123")]),
        ("VX abc12345", [("wechat", "abc12345")]),
        ("vx：abc12345", [("wechat", "abc12345")]),
        ("V信 zhang-san1", [("wechat", "zhang-san1")]),
        ("wx:ABCdef99", [("wechat", "abcdef99")]),
        ("➕V：Wildlife_88", [("wechat", "wildlife_88")]),
        ("+v wildlife_88", [("wechat", "wildlife_88")]),
        ("加v wildlife_88", [("wechat", "wildlife_88")]),
        ("wechat: tusk_trader", [("wechat", "tusk_trader")]),
        ("WeChat ID tusk_trader", [("wechat", "tusk_trader")]),
        ("微\u200b信 abc_123", [("wechat", "abc_123")]),
        ("ＶＸ：ａｂｃ１２３４", [("wechat", "abc1234")]),
        ("薇信 13812345678", [("wechat", "13812345678")]),
        ("13812345678 微信同号", [("phone", "+8613812345678"), ("wechat", "13812345678")]),
        # QQ
        ("QQ 123456789", [("qq", "123456789")]),
        ("qq:12345", [("qq", "12345")]),
        ("扣扣：88888", [("qq", "88888")]),
        ("企鹅 12345 67890", [("qq", "1234567890")]),
        ("企鵝號 1234567", [("qq", "1234567")]),
        ("QQ：８８６６１２３４", [("qq", "88661234")]),
        # WhatsApp
        ("WhatsApp +852 9123 4567", [("whatsapp", "+85291234567")]),
        ("whatsapp: 852-9123-4567", [("whatsapp", "+85291234567")]),
        ("WA 91234567", [("whatsapp", "91234567")]),
        ("Whats App +44 7700 900123", [("whatsapp", "+447700900123")]),
        ("whatsapp 6612 3456", [("whatsapp", "66123456")]),
        # Line
        ("Line ID: ivory.hk", [("line", "ivory.hk")]),
        ("LINE：@Tusk_Seller", [("line", "tusk_seller")]),
        ("line: abcd1234", [("line", "abcd1234")]),
        # Telegram
        ("Telegram: @rhino_horn", [("telegram", "rhino_horn")]),
        ("TG @pangolin99", [("telegram", "pangolin99")]),
        ("tg: pangolin99", [("telegram", "pangolin99")]),
        ("t.me/ivory_store", [("telegram", "ivory_store")]),
        ("https://t.me/Ivory_Store", [("telegram", "ivory_store")]),
        ("飞机 @scale_shop", [("telegram", "scale_shop")]),
        ("電報：scale_shop", [("telegram", "scale_shop")]),
        # Phones: CN mobile, HK, Macao, spacing and separators
        ("13812345678", [("phone", "+8613812345678")]),
        ("电话 138 1234 5678", [("phone", "+8613812345678")]),
        ("手机：138-1234-5678", [("phone", "+8613812345678")]),
        ("138.1234.5678", [("phone", "+8613812345678")]),
        ("+86 138 1234 5678", [("phone", "+8613812345678")]),
        ("0086-13812345678", [("phone", "+8613812345678")]),
        ("(+86) 13812345678", [("phone", "+8613812345678")]),
        ("+852 9123 4567", [("phone", "+85291234567")]),
        ("852-2345-6789", [("phone", "+85223456789")]),
        ("+853 6612 3456", [("phone", "+85366123456")]),
        ("電話：9123 4567", [("phone", "91234567")]),
        ("Tel: 2345 6789", [("phone", "23456789")]),
        ("１３８１２３４５６７８", [("phone", "+8613812345678")]),
        ("138 1234 5678 / 139 8765 4321", [("phone", "+8613812345678"), ("phone", "+8613987654321")]),
        ("138 1234 5678 139 8765 4321", [("phone", "+8613812345678"), ("phone", "+8613987654321")]),
        # written-out digits
        ("联系 一三八 一二三四 五六七八", [("phone", "+8613812345678")]),
        ("一三八一二三四五六七八", [("phone", "+8613812345678")]),
        ("壹叁捌壹贰叁肆伍陆柒捌", [("phone", "+8613812345678")]),
        ("幺三八 幺二三四 五六七八", [("phone", "+8613812345678")]),
        ("call one three eight one two three four five six seven eight", [("phone", "+8613812345678")]),
        ("ONE-THREE-EIGHT-1234-5678", [("phone", "+8613812345678")]),
        ("QQ 八八六六一二三四", [("qq", "88661234")]),
        ("扣扣 eight eight six six one two", [("qq", "886612")]),
        # several kinds in one text keep their order
        (
            "QQ 1234567890 tel 13912345678 WeChat: tusk_trader",
            [("qq", "1234567890"), ("phone", "+8613912345678"), ("wechat", "tusk_trader")],
        ),
    ],
)
def test_extract_contacts(text: str, expected: list[tuple[str, str]]) -> None:
    assert pairs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "价格 100 200 300",
        "蛇皮 一条 五十元",
        "Buy 2 get 1 free, size 10 12 14",
        "订单号 20240101123456",
        "尺寸 12345",
        "Posted 2026-11-25 10:30",
        "xwxabcdef",
        "The line was long",
        "The QQ group is closed",
        "a @mention on twitter",
        "一二三四",
    ],
)
def test_no_contacts(text: str) -> None:
    assert extract_contacts(text) == []


def test_duplicates_collapse() -> None:
    assert extract_contacts("微信 abc_123，再说一次 微信：ABC_123") == [Contact("wechat", "abc_123")]


def test_normalize_contact_text_converts_written_digits() -> None:
    assert normalize_contact_text("一三八 一二三四") == "138 1234"
    assert normalize_contact_text("ｏｎｅ two three four five") == "12345"
