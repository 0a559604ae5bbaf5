"""``case/index.html``: the case file as a page an officer can read, in English, Simplified and
Traditional Chinese (the reader's language first; listing text is shown as captured, never translated).

Everything from the listings is escaped (autoescape): a hostile title stays text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

__all__ = ["LANGUAGES", "render_case_html"]

LANGUAGES = ("en", "zh-Hans", "zh-Hant")

# key: (English, Simplified, Traditional)
_LABELS: dict[str, tuple[str, str, str]] = {
    "heading": ("Evidence package", "证据包", "證據包"),
    "created": ("Created", "生成时间", "產生時間"),
    "signed_by": ("Signed with key", "签名密钥", "簽署金鑰"),
    "exported_by": ("Exported by", "导出人", "匯出人"),
    "listings": ("Listings", "商品", "商品"),
    "listing": ("Listing", "商品", "商品"),
    "title": ("Title", "标题", "標題"),
    "price": ("Price", "价格", "價格"),
    "marketplace": ("Marketplace", "平台", "平台"),
    "score": ("Score (threshold)", "评分（阈值）", "評分（閾值）"),
    "model": ("Model", "模型", "模型"),
    "species": ("Species", "物种", "物種"),
    "reasons": ("Reasons", "依据", "依據"),
    "review": ("Review", "审核", "審核"),
    "first_seen": ("First seen", "首次发现", "首次發現"),
    "last_seen": ("Last seen", "最近发现", "最近發現"),
    "versions": ("Versions and page captures", "版本与页面存档", "版本與頁面存檔"),
    "version": ("Version", "版本", "版本"),
    "fetched": ("Fetched", "抓取时间", "抓取時間"),
    "pruned": ("page no longer kept (retention)", "页面已按保留策略删除", "頁面已按保留政策刪除"),
    "photos": ("Photos (bytes in archive/data.warc.gz under their URL)", "图片（原始文件存于 archive/data.warc.gz，按网址检索）",
               "圖片（原始檔案存於 archive/data.warc.gz，按網址檢索）"),
    "size": ("Size", "尺寸", "尺寸"),
    "seller": ("Seller", "卖家", "賣家"),
    "sellers": ("Sellers, contact handles and linked sellers", "卖家、联系方式与关联卖家",
                "賣家、聯絡方式與關聯賣家"),
    "contacts": ("Contact handles", "联系方式", "聯絡方式"),
    "linked": ("Linked sellers (shared contacts)", "关联卖家（共用联系方式）", "關聯賣家（共用聯絡方式）"),
    "reviews": ("Reviews", "审核记录", "審核記錄"),
    "undone": ("undone by the moderator", "已被审核员撤销", "已被審核員撤銷"),
    "audit": ("Audit trail", "操作记录", "操作記錄"),
    "none": ("none", "无", "無"),
    "verify_heading": ("How to verify this package", "如何核验本证据包", "如何核驗本證據包"),
    "verify_text": (
        "Every file in this package is listed with its SHA-256 in datapackage.json; datapackage-digest.json "
        "holds the SHA-256 of that list, signed with the Ed25519 key above. Run "
        "`wildwatch evidence verify` on the .wacz file (or see docs/evidence.md for doing it with "
        "sha256sum and openssl). Page captures and photos are WARC records in archive/data.warc.gz; "
        "any WARC tool or replayweb.page opens them.",
        "本包内每个文件的 SHA-256 均列于 datapackage.json；datapackage-digest.json 记录该清单的 SHA-256，"
        "并以上述 Ed25519 密钥签名。可对 .wacz 文件运行 `wildwatch evidence verify`（或按 docs/evidence.md "
        "使用 sha256sum 与 openssl 核验）。页面存档与图片为 archive/data.warc.gz 中的 WARC 记录，任何 WARC 工具或 "
        "replayweb.page 均可打开。",
        "本包內每個檔案的 SHA-256 均列於 datapackage.json；datapackage-digest.json 記錄該清單的 SHA-256，"
        "並以上述 Ed25519 金鑰簽署。可對 .wacz 檔案執行 `wildwatch evidence verify`（或按 docs/evidence.md "
        "使用 sha256sum 與 openssl 核驗）。頁面存檔與圖片為 archive/data.warc.gz 中的 WARC 記錄，任何 WARC 工具或 "
        "replayweb.page 均可開啟。"),
}

_templates = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"), autoescape=True,
                         undefined=StrictUndefined)


def _labels(lang: str) -> dict[str, str]:
    column = LANGUAGES.index(lang)
    return {key: values[column] for key, values in _LABELS.items()}


def render_case_html(case: dict[str, Any], lang: str = "en") -> str:
    """The summary page of a case document, with ``lang`` (en, zh-Hans, zh-Hant) first."""
    first = lang if lang in LANGUAGES else "en"
    order = [first] + [other for other in LANGUAGES if other != first]
    sections = [{"lang": code, "t": _labels(code)} for code in order]
    return _templates.get_template("case.html.jinja").render(case=case, sections=sections, lang=first,
                                                             names={"en": "English", "zh-Hans": "简体中文",
                                                                    "zh-Hant": "繁體中文"})
