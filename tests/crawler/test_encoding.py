import pytest

from crawler.encoding import DecodedBody, decode_body, normalize_encoding_name

SIMPLIFIED = "出售象牙手镯，纯天然，价格面议。联系微信。穿山甲鳞片批发，犀牛角杯子，老货保真。"
TRADITIONAL = "出售象牙手鐲，純天然，價格面議。聯絡WhatsApp。穿山甲鱗片批發，犀牛角杯，老貨保真。香港九龍交收"
HKSCS = "啱啱到貨，嘢好靚"  # Cantonese characters only in Big5-HKSCS


def page(text: str, head: str = "") -> str:
    return f"<html><head>{head}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "expected_text"),
    [
        (page(SIMPLIFIED).encode("utf-8"), None, "utf_8", SIMPLIFIED),
        (page(SIMPLIFIED).encode("utf-8"), "text/html; charset=UTF-8", "utf_8", SIMPLIFIED),
        (b"\xef\xbb\xbf" + page(SIMPLIFIED).encode("utf-8"), None, "utf_8", SIMPLIFIED),
        (b"\xef\xbb\xbf" + page(SIMPLIFIED).encode("utf-8"), "text/html; charset=gbk", "utf_8", SIMPLIFIED),
        (page(SIMPLIFIED).encode("gbk"), "text/html; charset=gbk", "gb18030", SIMPLIFIED),
        (page(SIMPLIFIED).encode("gb2312"), "text/html; charset=GB2312", "gb18030", SIMPLIFIED),
        (page(SIMPLIFIED, '<meta charset="gbk">').encode("gbk"), None, "gb18030", SIMPLIFIED),
        (
            page(SIMPLIFIED, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk"),
            None,
            "gb18030",
            SIMPLIFIED,
        ),
        (page(SIMPLIFIED).encode("gbk"), None, "gb18030", SIMPLIFIED),
        (page(TRADITIONAL).encode("big5"), "text/html; charset=big5", "big5hkscs", TRADITIONAL),
        (page(TRADITIONAL).encode("big5"), None, "big5hkscs", TRADITIONAL),
        (page(HKSCS, '<meta charset="big5">').encode("big5hkscs"), None, "big5hkscs", HKSCS),
        # mislabeled: the declaration lies, the bytes win
        (page(SIMPLIFIED).encode("gbk"), "text/html; charset=utf-8", "gb18030", SIMPLIFIED),
        (page(TRADITIONAL, '<meta charset="gb2312">').encode("big5"), None, "big5hkscs", TRADITIONAL),
        (page(SIMPLIFIED, '<meta charset="big5">').encode("gbk"), None, "gb18030", SIMPLIFIED),
        (page(SIMPLIFIED, '<meta charset="utf-8">').encode("gb18030"), None, "gb18030", SIMPLIFIED),
        (page(SIMPLIFIED, '<meta charset="gbk">').encode("utf-8"), None, "utf_8", SIMPLIFIED),
        (page(SIMPLIFIED).encode("utf-8"), "text/html; charset=iso-8859-1", "utf_8", SIMPLIFIED),
        (page(SIMPLIFIED).encode("gbk"), "text/html; charset=iso-8859-1", "gb18030", SIMPLIFIED),
        (page(TRADITIONAL).encode("big5"), "text/html; charset=windows-1252", "big5hkscs", TRADITIONAL),
        # header beats meta when both are plausible
        (
            page("Café £5", '<meta charset="utf-8">').encode("cp1252"),
            "text/html; charset=iso-8859-1",
            "cp1252",
            "Café £5",
        ),
        (page("Café crème brûlée £5").encode("cp1252"), "text/html; charset=latin-1", "cp1252", "Café crème brûlée £5"),
        (page("plain ascii").encode("ascii"), None, "ascii", "plain ascii"),
        # too little text to doubt a declaration that decodes: one accented letter stays itself (it reads
        # as 辰 in Big5, a common character, which used to override the header)
        (page("ò").encode("gb18030"), "text/html; charset=gb18030", "gb18030", "ò"),
        (page("naïve").encode("gb18030"), "text/html; charset=gbk", "gb18030", "naïve"),
        # byte-order marks, UTF-32's included (it begins with UTF-16's little-endian mark)
        (page(SIMPLIFIED).encode("utf-32"), None, "utf_32_le", SIMPLIFIED),
        (page("00").encode("utf-32"), "text/html; charset=utf-32", "utf_32_le", "00"),
        (b"\x00\x00\xfe\xff" + page(SIMPLIFIED).encode("utf-32-be"), None, "utf_32_be", SIMPLIFIED),
        (page(TRADITIONAL).encode("utf-16"), None, "utf_16_le", TRADITIONAL),
        (b"\xfe\xff" + page(TRADITIONAL).encode("utf-16-be"), "text/html; charset=gbk", "utf_16_be", TRADITIONAL),
        (b"\xff\xfe" + ("\x00" + page("x")).encode("utf-16-le"), None, "utf_16_le", "\x00<html>"),
        # short texts still resolve
        (page(TRADITIONAL[:8]).encode("big5"), None, "big5hkscs", TRADITIONAL[:8]),
        (page(SIMPLIFIED[:8]).encode("gbk"), None, "gb18030", SIMPLIFIED[:8]),
    ],
)
def test_decode_body(body: bytes, content_type: str | None, encoding: str, expected_text: str) -> None:
    decoded = decode_body(body, content_type)
    assert decoded.encoding == encoding
    assert expected_text in decoded.text
    assert decoded.confident


def test_empty_body() -> None:
    assert decode_body(b"") == DecodedBody("", "utf_8", True)


@pytest.mark.parametrize(
    "body",
    [bytes(range(256)) * 4, b"\xff\xfe\xfd" * 100, b"<html>\x81\x00\xfe</html>", b"\x00" * 50],
)
def test_garbage_is_decoded_without_raising(body: bytes) -> None:
    decoded = decode_body(body, "text/html; charset=nonsense")
    assert isinstance(decoded.text, str)


def test_undecodable_garbage_is_not_confident() -> None:
    assert decode_body(bytes(range(256)) * 4).confident is False


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("big5", "big5hkscs"),
        ("Big5-HKSCS", "big5hkscs"),
        ("utf8", "utf_8"),
        ("UTF-8", "utf_8"),
        ("iso-8859-1", "cp1252"),
        ("'utf-8'", "utf_8"),
        ("no-such-charset", None),
        (None, None),
        ("", None),
    ],
)
def test_normalize_encoding_name(label: str | None, codec: str | None) -> None:
    assert normalize_encoding_name(label) == codec


@pytest.mark.parametrize(
    ("name", "content_type", "encoding", "needle"),
    [
        ("gbk_page.html", None, "gb18030", "出售穿山甲片"),
        ("gbk_page.html", "text/html", "gb18030", "鎔字测试"),
        ("big5_page.html", None, "big5hkscs", "象牙麻將"),
        ("mislabeled_big5_as_gb2312.html", None, "big5hkscs", "只限澳門面交"),
        ("mislabeled_gbk_as_utf8.html", "text/html; charset=utf-8", "gb18030", "广州药材行"),
        ("jsonld_product.html", "text/html; charset=utf-8", "utf_8", "天然象牙手镯"),
    ],
)
def test_fixture_pages(page_bytes, name: str, content_type: str | None, encoding: str, needle: str) -> None:
    decoded = decode_body(page_bytes(name), content_type)
    assert decoded.encoding == encoding
    assert needle in decoded.text


TITLE = "犀角杯 老货 传承"
TITLE_HK = "犀角杯 老貨 傳承"


def _damaged(title: str, text: str, encoding: str, junk: bytes = b"\xff", head: str = "") -> bytes:
    """A page in ``encoding`` with ``junk`` bytes after the title's middle word and the text's end."""
    body = page(f"{title}。{text}", head).encode(encoding)
    middle, last = title.split()[1].encode(encoding), text[-4:].encode(encoding)
    return body.replace(middle, middle + junk, 1).replace(last, last + junk, 1)


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "replaced"),
    [
        # declared UTF-8 with a few bad bytes: stays UTF-8 (was read as cp1251 before)
        (_damaged(TITLE, SIMPLIFIED, "utf-8"), "text/html; charset=utf-8", "utf_8", 2),
        (_damaged(TITLE, SIMPLIFIED, "utf-8", head='<meta charset="utf-8">'), None, "utf_8", 2),
        (_damaged(TITLE, SIMPLIFIED, "utf-8", b"\x80\xc3"), "text/html; charset=UTF-8", "utf_8", 4),
        # undeclared: detection prefers damaged UTF-8/GB18030/Big5 over any single-byte code page
        (_damaged(TITLE, SIMPLIFIED, "utf-8"), None, "utf_8", 2),
        (_damaged(TITLE, SIMPLIFIED, "gbk"), "text/html; charset=gbk", "gb18030", 2),
        (_damaged(TITLE, SIMPLIFIED, "gbk"), None, "gb18030", 2),
        (_damaged(TITLE_HK, TRADITIONAL, "big5"), "text/html; charset=big5", "big5hkscs", 2),
        (_damaged(TITLE_HK, TRADITIONAL, "big5"), None, "big5hkscs", 2),
        # a lying declaration still loses when it fails on most of the bytes
        (page(f"{TITLE}。{SIMPLIFIED}").encode("gbk"), "text/html; charset=utf-8", "gb18030", 0),
    ],
)
def test_a_few_bad_bytes_do_not_change_the_encoding(body: bytes, content_type: str | None, encoding: str,
                                                    replaced: int) -> None:
    decoded = decode_body(body, content_type)
    assert (decoded.encoding, decoded.replaced) == (encoding, replaced)
    assert "犀角杯" in decoded.text and "老" in decoded.text
    assert not any("\u0400" <= char <= "\u04ff" for char in decoded.text)  # no Cyrillic mojibake


def test_replacement_characters_the_page_itself_contains_are_not_counted() -> None:
    assert decode_body(page("象牙 \ufffd 手镯").encode(), "text/html; charset=utf-8").replaced == 0
