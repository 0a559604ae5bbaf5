import pytest

from crawler.urls import canonicalize_url, same_site, site_key


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme/host case, default ports, fragments, empty path
        ("HTTP://Example.COM/Item/1", "http://example.com/Item/1"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a#reviews", "https://example.com/a"),
        ("  https://example.com/a \n", "https://example.com/a"),
        ("https://exa\u200bmple.com/a", "https://example.com/a"),
        ("//www.example.com/a", "https://www.example.com/a"),
        ("https://user:pw@example.com/a", "https://example.com/a"),
        ("https://example.com./a", "https://example.com/a"),
        # query sorting and tracking parameters
        ("https://example.com/s?b=2&a=1", "https://example.com/s?a=1&b=2"),
        ("https://example.com/i?id=1&utm_source=x&utm_medium=y&utm_campaign=z", "https://example.com/i?id=1"),
        (
            "https://item.taobao.com/item.htm?id=123&spm=a1z10.1-c.w4004&scm=1007",
            "https://item.taobao.com/item.htm?id=123",
        ),
        ("https://example.com/i?id=1&from=timeline&isappinstalled=0", "https://example.com/i?id=1"),
        ("https://example.com/i?id=1&fbclid=abc&gclid=def&msclkid=g", "https://example.com/i?id=1"),
        ("https://example.com/i?id=1&share_token=x&shareId=y&sharer_uid=z", "https://example.com/i?id=1"),
        ("https://example.com/i?id=1&ref=home&ref_src=twsrc", "https://example.com/i?id=1"),
        ("https://example.com/i?id=1&_t=1700000000000", "https://example.com/i?id=1"),
        ("https://example.com/i?id=1&_=1700000000", "https://example.com/i?id=1"),
        ("https://example.com/i?id=1&t=1700000000", "https://example.com/i?id=1"),
        ("https://example.com/i?id=1&t=shirts", "https://example.com/i?id=1&t=shirts"),
        ("https://example.com/s?q=ivory&page=2", "https://example.com/s?page=2&q=ivory"),
        ("https://example.com/s?q=", "https://example.com/s?q="),
        ("https://example.com/p;jsessionid=ABC123?id=1", "https://example.com/p?id=1"),
        # mobile hosts collapse to the registrable host; www is kept
        ("https://m.example.com/item/1", "https://example.com/item/1"),
        ("https://mobile.example.com/item/1", "https://example.com/item/1"),
        ("https://wap.example.com/item/1", "https://example.com/item/1"),
        ("https://h5.m.example.com/item/1", "https://example.com/item/1"),
        ("https://m.shop.example.com/item/1", "https://shop.example.com/item/1"),
        ("https://m.example.co.uk/x", "https://example.co.uk/x"),
        ("https://m.co.uk/x", "https://m.co.uk/x"),
        ("https://m.baobei.example/item/1", "https://baobei.example/item/1"),
        ("https://www.example.com/item/1", "https://www.example.com/item/1"),
        ("https://mall.example.com/item/1", "https://mall.example.com/item/1"),
        # index pages
        ("https://example.com/shop/index.html", "https://example.com/shop/"),
        ("https://example.com/index.htm", "https://example.com/"),
        ("https://example.com/index.html?x=1", "https://example.com/?x=1"),
        ("https://example.com/index.php", "https://example.com/index.php"),
        # percent-encoding and IDNA
        ("https://example.com/a%7eb", "https://example.com/a~b"),
        ("https://example.com/%e8%b1%a1", "https://example.com/%E8%B1%A1"),
        ("https://example.com/象牙?q=手镯", "https://example.com/%E8%B1%A1%E7%89%99?q=%E6%89%8B%E9%95%AF"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("http://例子.测试/", "http://xn--fsqu00a.xn--0zwm56d/"),
        ("http://BÜCHER.example/", "http://xn--bcher-kva.example/"),
        # loopback and IP hosts keep their ports
        ("http://127.0.0.1:8000/item/1?utm_source=x", "http://127.0.0.1:8000/item/1"),
        ("http://LOCALHOST:8000/", "http://localhost:8000/"),
        ("http://[::1]:8000/x", "http://[::1]:8000/x"),
        # non-HTTP and garbage pass through without raising
        ("", ""),
        ("mailto:a@example.com", "mailto:a@example.com"),
        ("http://[bad", "http://[bad"),
    ],
)
def test_canonicalize_url(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "HTTP://M.Example.COM:80/a/index.html?b=2&a=1&utm_source=x&spm=1.2#frag",
        "https://example.com/象牙 手镯?q=a+b&q=c",
        "https://example.com/a%2Fb?x=%20",
        "http://wap.example.com/p;jsessionid=abc?x=1 2",
    ],
)
def test_canonicalize_url_is_idempotent(url: str) -> None:
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://m.example.com/a", "https://www.example.com/b", True),
        ("https://example.com/a", "http://www.example.com/b", True),
        ("https://wap.example.com/a", "https://mobile.example.com/b", True),
        ("https://shop.example.com/a", "https://example.com/b", False),
        ("https://a.example.com/", "https://b.example.com/", False),
        ("https://example.com/", "https://example.org/", False),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b", True),
        ("http://127.0.0.1:8000/a", "http://localhost:8000/b", False),
        ("", "", False),
        ("not a url", "https://example.com", False),
    ],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same


def test_site_key_drops_mobile_and_www() -> None:
    assert site_key("https://M.Example.com/x") == site_key("https://www.example.com/y") == "example.com"
