"""Hostile text and HTML for the fuzz suites: invisible characters, bidi controls, emoji, mixed scripts."""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["ZERO_WIDTH", "BIDI", "EMOJI", "hostile_text", "hostile_html", "ENCODINGS"]

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u034f"]
BIDI = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
EMOJI = ["🐘", "🦏", "🐢", "🐯", "🦈", "👨‍👩‍👧", "🏳️‍🌈", "🇭🇰", "✋🏽", "🦷", "\ufe0f", "\U000e0067"]
_WORDS = ["象牙", "象 牙", "象\u200b牙", "穿山甲", "犀角", "玳瑁", "ivory", "i.v.o.r.y", "ＩＶＯＲＹ", "犀牛角",
          "¥", "HK$", "US$", "１２３", "1,280", "面议", "微信", "wx_", "<", ">", "&", "\"", "'", "\n", "\r\n",
          "\t", "\x00", "\x1b[31m", "\u2028", "\u2029", "e\u0301", "ﷺ", "ﾟ", "𠀀", "\ud7ff"]

#: Every codec a marketplace in our regions (or a hostile page) might declare.
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "gbk", "gb18030", "gb2312",
             "big5", "big5hkscs", "cp950", "hz", "iso-2022-jp", "shift_jis", "euc-jp", "euc-kr", "cp1252",
             "latin-1", "koi8-r", "cp1251", "iso-8859-7", "utf-7", "ascii", "mac-roman", "cp437", "tis-620"]

_PIECES = st.sampled_from(ZERO_WIDTH + BIDI + EMOJI + _WORDS)


def hostile_text(max_size: int = 300) -> st.SearchStrategy[str]:
    """Unicode text dense in the characters evaders and broken pages use."""
    return st.one_of(
        st.text(max_size=max_size),
        st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=max_size // 4).map("".join),
    )


_TAGS = st.sampled_from(["div", "p", "span", "h1", "a", "li", "ul", "table", "td", "script", "style", "meta",
                         "title", "noscript", "template", "svg", "math", "iframe", "form", "select", "textarea"])
_ATTRS = st.sampled_from(["", " class='price'", " itemprop='name'", " itemprop='price' content='x'",
                          " href='javascript:alert(1)'", " href='//evil.example/'", " src='data:,x'",
                          " itemscope itemtype='https://schema.org/Product'", " dir='rtl'", " lang='zh-HK'",
                          " content='0;url=file:///etc/passwd' http-equiv='refresh'", " onerror='alert(1)'"])


@st.composite
def hostile_html(draw: st.DrawFn, max_parts: int = 60) -> str:
    """Tag soup: unbalanced, nested, with JSON-LD fragments and hostile text between tags."""
    parts = []
    for _ in range(draw(st.integers(0, max_parts))):
        kind = draw(st.integers(0, 5))
        tag = draw(_TAGS)
        if kind == 0:
            parts.append(f"<{tag}{draw(_ATTRS)}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(draw(hostile_text(40)))
        elif kind == 3:
            parts.append('<script type="application/ld+json">' + draw(st.sampled_from([
                '{"@type":"Product","name":', '{"@type":"Product","name":"象牙","offers":{"price":"1e400"}}',
                '[{"@graph":[{"@type":"Product","name":{"@value":["x"]}}]}]', '{"@type":["Product",null]',
                '{"@type":"Product","offers":[{"price":null},{"price":"NaN","priceCurrency":"￥"}]}'])) + "</script>")
        elif kind == 4:
            parts.append(draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE", "&#0;", "&#x110000;",
                                               "&nbsp;", "&amp", "<?xml version='1.0' encoding='gbk'?>",
                                               "<meta charset='utf-16'>", "<base href='http://[::1'>"])))
        else:
            parts.append(f"<{tag}{draw(_ATTRS)}>{draw(hostile_text(30))}</{tag}>")
    return "".join(parts)
