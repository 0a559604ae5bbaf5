from decimal import Decimal

import pytest

from crawler.prices import Price, normalize_currency, parse_price, parse_price_parts

D = Decimal


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        # Mainland China
        ("¥128", "128", "CNY"),
        ("￥128", "128", "CNY"),
        ("¥ 1,280.50", "1280.50", "CNY"),
        ("128元", "128", "CNY"),
        ("128 元", "128", "CNY"),
        ("RMB 99", "99", "CNY"),
        ("rmb99", "99", "CNY"),
        ("CNY 99.9", "99.9", "CNY"),
        ("人民币 88.8", "88.8", "CNY"),
        ("人民幣88", "88", "CNY"),
        ("售价：￥３８０元/两", "380", "CNY"),
        ("１２８０元", "1280", "CNY"),
        ("１，２８０元", "1280", "CNY"),
        ("50块", "50", "CNY"),
        ("1.2万", "12000", None),
        ("1.2万元", "12000", "CNY"),
        ("¥1.5萬", "15000", "CNY"),
        ("3千", "3000", None),
        ("3千元", "3000", "CNY"),
        ("2k", "2000", None),
        ("¥100-200", "100", "CNY"),
        ("100-200元", "100", "CNY"),
        ("100~200元", "100", "CNY"),
        ("¥ 1.5万-2万", "15000", "CNY"),
        ("¥100 至 ¥200", "100", "CNY"),
        # Hong Kong
        ("HK$1,280", "1280", "HKD"),
        ("HK$ 1,280", "1280", "HKD"),
        ("hk$80", "80", "HKD"),
        ("HKD 500", "500", "HKD"),
        ("500 HKD", "500", "HKD"),
        ("港幣 2,000", "2000", "HKD"),
        ("港币2000", "2000", "HKD"),
        ("2000港元", "2000", "HKD"),
        ("100蚊", "100", "HKD"),
        # Macao
        ("MOP 300", "300", "MOP"),
        ("MOP$300", "300", "MOP"),
        ("澳門幣300", "300", "MOP"),
        ("澳门币 300", "300", "MOP"),
        ("葡幣1000", "1000", "MOP"),
        # Taiwan, USD and others
        ("NT$300", "300", "TWD"),
        ("NT$ 2,000", "2000", "TWD"),
        ("新台幣 500", "500", "TWD"),
        ("US$10", "10", "USD"),
        ("USD 10.50", "10.50", "USD"),
        ("$5", "5", "USD"),
        ("$ 1,234.56", "1234.56", "USD"),
        ("＄５", "5", "USD"),
        ("10 美元", "10", "USD"),
        ("€12", "12", "EUR"),
        ("€12,50", "12.50", "EUR"),
        ("1.234,56 €", "1234.56", "EUR"),
        ("EUR 30", "30", "EUR"),
        ("£75", "75", "GBP"),
        ("£1,234.56", "1234.56", "GBP"),
        ("GBP 9.99", "9.99", "GBP"),
        ("S$20", "20", "SGD"),
        ("RM 45", "45", "MYR"),
        # Labels and noise around the number
        ("Price: $1,200 (negotiable)", "1200", "USD"),
        ("价格：128", "128", None),
        ("售價 HK$ 3,200 包郵", "3200", "HKD"),
        ("Now only HK$99!", "99", "HKD"),
        ("\u200b¥\u200b99", "99", "CNY"),
        ("128.00", "128.00", None),
        (".5", "0.5", None),
        # former vs current price
        ("原价¥200 现价¥150", "150", "CNY"),
        ("原價 HK$200，特價 HK$150", "150", "HKD"),
        ("Was $80, now $60", "60", "USD"),
        ("RRP £30 Our price £25", "25", "GBP"),
        ("市场价：¥999 ¥599", "599", "CNY"),
        ("¥599 原价¥999", "599", "CNY"),
    ],
)
def test_parse_price(text: str, amount: str, currency: str | None) -> None:
    assert parse_price(text) == Price(D(amount), currency)


@pytest.mark.parametrize(
    ("text", "default", "amount", "currency"),
    [
        ("$5", "HKD", "5", "HKD"),
        ("$5", "TWD", "5", "TWD"),
        ("$5", None, "5", "USD"),
        ("128元", "HKD", "128", "HKD"),  # in Hong Kong 元 is the Hong Kong dollar
        ("128元", "MOP", "128", "MOP"),
        ("128元", "USD", "128", "CNY"),
        ("128", "hkd", "128", "HKD"),
        ("US$5", "HKD", "5", "USD"),
        ("¥5", "HKD", "5", "CNY"),
    ],
)
def test_default_currency(text: str, default: str | None, amount: str, currency: str) -> None:
    assert parse_price(text, default_currency=default) == Price(D(amount), currency)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "面议",
        "面議",
        "价格面议",
        "价格私聊",
        "私聊",
        "电议",
        "詢價",
        "Call for price",
        "price on request",
        "POA",
        "QQ 12345678 面议",
        "abc",
        "¥",
        "HK$",
        "免费",
    ],
)
def test_no_price(text: str) -> None:
    assert parse_price(text) is None


def test_currency_marked_amount_beats_negotiable_words() -> None:
    assert parse_price("可议价 ¥100") == Price(D("100"), "CNY")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("12.50", "HKD", Price(D("12.50"), "HKD")),
        ("12.50", "hkd", Price(D("12.50"), "HKD")),
        (12.5, "RMB", Price(D("12.5"), "CNY")),
        (100, "CNY", Price(D("100"), "CNY")),
        (D("99.99"), "USD", Price(D("99.99"), "USD")),
        ("1,200", None, Price(D("1200"), None)),
        ("HK$1,200", None, Price(D("1200"), "HKD")),
        ("1200", "HK$", Price(D("1200"), "HKD")),
        ("1200", "¥", Price(D("1200"), "CNY")),
        ("1200", "MOP", Price(D("1200"), "MOP")),
        ("0", "USD", Price(D("0"), "USD")),
        (None, "USD", None),
        (True, "USD", None),
        (float("nan"), "USD", None),
        (float("inf"), "USD", None),
        (-5, "USD", None),
        ("面议", "CNY", None),
        ("", "CNY", None),
    ],
)
def test_parse_price_parts(amount: object, currency: str | None, expected: Price | None) -> None:
    assert parse_price_parts(amount, currency) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("HK$", "HKD"),
        ("rmb", "CNY"),
        ("¥", "CNY"),
        ("usd", "USD"),
        ("澳門幣", "MOP"),
        ("NT$", "TWD"),
        ("XYZ", "XYZ"),
        ("??", None),
    ],
)
def test_normalize_currency(value: str, code: str | None) -> None:
    assert normalize_currency(value) == code
