"""UI text in English, Simplified Chinese and Traditional Chinese (labels; listing text is never translated)."""

from __future__ import annotations

import re
from functools import lru_cache

from classifier.lexicon import load_lexicon

__all__ = ["LANGUAGES", "STRINGS", "evidence_parts", "pick_language", "species_name", "translator"]

LANGUAGES = {"en": "English", "zh-Hans": "简体中文", "zh-Hant": "繁體中文"}

# key: (English, Simplified, Traditional)
_TABLE: dict[str, tuple[str, str, str]] = {
    "app": ("WildWatch review", "WildWatch 审核", "WildWatch 審核"),
    "login": ("Sign in", "登录", "登入"),
    "logout": ("Sign out", "退出", "登出"),
    "api_key": ("API key (moderators review; analysts read the reports)", "API 密钥（审核员审核；分析员查看报告）",
                "API 金鑰（審核員審核；分析員查看報告）"),
    "login_failed": ("That key is not a valid WildWatch key.", "该密钥不是有效的 WildWatch 密钥。",
                     "該金鑰不是有效的 WildWatch 金鑰。"),
    "queue": ("Queue", "待审队列", "待審佇列"),
    "view_flagged": ("Flagged", "已标记", "已標記"),
    "view_uncertain": ("Uncertain (teach the model)", "不确定（帮助模型学习）", "不確定（幫助模型學習）"),
    "view_escalated": ("Escalated", "已升级", "已升級"),
    "alerts": ("Alerts", "告警", "警報"),
    "empty_queue": ("Nothing left to review here.", "此处没有待审内容。", "此處沒有待審內容。"),
    "priority": ("Priority", "优先级", "優先級"),
    "score": ("Score", "评分", "評分"),
    "uncertain": ("uncertain", "不确定", "不確定"),
    "species": ("Species", "物种", "物種"),
    "price": ("Price", "价格", "價格"),
    "seller": ("Seller", "卖家", "賣家"),
    "seller_history": ("{listings} listings, {flagged} flagged, {confirmed} confirmed, {dismissed} dismissed",
                       "{listings} 条商品，{flagged} 条被标记，{confirmed} 条确认，{dismissed} 条排除",
                       "{listings} 件商品，{flagged} 件被標記，{confirmed} 件確認，{dismissed} 件排除"),
    "first_seen": ("First seen", "首次发现", "首次發現"),
    "last_seen": ("Last seen", "最近发现", "最近發現"),
    "title": ("Title", "标题", "標題"),
    "description": ("Description", "描述", "描述"),
    "original": ("Original", "原文", "原文"),
    "normalised": ("Normalised", "规范化", "規範化"),
    "evidence": ("Evidence", "证据", "證據"),
    "snapshot": ("Page snapshot", "页面快照", "頁面快照"),
    "photos": ("Photos", "图片", "圖片"),
    "enlarge": ("Click to enlarge", "点击放大", "點擊放大"),
    "same_photo_as": ("Same photo as", "相同图片", "相同圖片"),
    "photo_distance": ("{d} of 256 bits apart", "相差 {d}/256 位", "相差 {d}/256 位"),
    "source": ("Open on marketplace", "在平台上打开", "在平台上開啟"),
    "download_evidence": ("Download evidence (signed WACZ)", "下载证据包（已签名 WACZ）", "下載證據包（已簽署 WACZ）"),
    "model": ("Model", "模型", "模型"),
    "decision": ("Decision", "决定", "決定"),
    "confirmed": ("Confirm trafficking", "确认为非法贸易", "確認為非法貿易"),
    "dismissed": ("Dismiss (false positive)", "排除（误报）", "排除（誤報）"),
    "escalated": ("Escalate", "升级处理", "升級處理"),
    "reason": ("Reason", "理由", "理由"),
    "note": ("Note (optional)", "备注（可选）", "備註（可選）"),
    "bulk_seller": ("Apply to all {n} flagged, unreviewed listings of this seller",
                    "应用于该卖家全部 {n} 条已标记未审核商品", "套用於該賣家全部 {n} 件已標記未審核商品"),
    "save": ("Save decision", "保存决定", "儲存決定"),
    "saved": ("Decision saved for listing #{id}.", "已保存商品 #{id} 的决定。", "已儲存商品 #{id} 的決定。"),
    "saved_bulk": ("Decision saved for {n} listings.", "已保存 {n} 条商品的决定。", "已儲存 {n} 件商品的決定。"),
    "shortcuts": (("Keys: c confirm · d dismiss · e escalate · 1–5 reason (saves) · n note · j/k next/previous · "
                  "Enter open · u/f/x views · z undo"),
                  "快捷键：c 确认 · d 排除 · e 升级 · 1–5 选择理由（并保存）· n 备注 · j/k 下/上一条 · Enter 打开 · u/f/x 切换视图 · z 撤销",
                  "快捷鍵：c 確認 · d 排除 · e 升級 · 1–5 選擇理由（並儲存）· n 備註 · j/k 下/上一件 · Enter 開啟 · u/f/x 切換檢視 · z 撤銷"),
    "previous_reviews": ("Earlier decisions", "以往决定", "以往決定"),
    "prior_decision": ("Relist of a reviewed listing", "已审核商品的重新上架", "已審核商品的重新上架"),
    "prior_decision_text": ("The same seller's listing with {via} was {decision} on {when}:",
                            "同一卖家{via}的商品已于 {when} 被{decision}：",
                            "同一賣家{via}的商品已於 {when} 被{decision}："),
    "prior.confirmed": ("confirmed", "确认", "確認"),
    "prior.dismissed": ("dismissed", "排除", "排除"),
    "via.same_text": ("the same text", "相同文字", "相同文字"),
    "via.near_identical_text": ("near-identical text", "几乎相同文字", "幾乎相同文字"),
    "deliveries": ("Alert deliveries", "告警投递", "警報投遞"),
    "status": ("Status", "状态", "狀態"),
    "attempts": ("Attempts", "尝试次数", "嘗試次數"),
    "next_attempt": ("Next attempt", "下次尝试", "下次嘗試"),
    "last_error": ("Last error", "最近错误", "最近錯誤"),
    "problems": ("Deliveries with problems", "投递异常", "投遞異常"),
    "no_problems": ("No failed deliveries.", "没有失败的投递。", "沒有失敗的投遞。"),
    "back": ("Back to queue", "返回队列", "返回佇列"),
    "csrf_failed": ("The form expired; please try again.", "表单已过期，请重试。", "表單已過期，請重試。"),
    "priority_badge": ("Priority {value}", "优先级 {value}", "優先級 {value}"),
    "priority_help": ("Queue order: score × species severity (CITES Appendix I = 3, II = 2, other = 1)",
                      "队列顺序：评分 × 物种严重程度（CITES 附录一 = 3，附录二 = 2，其他 = 1）",
                      "佇列順序：評分 × 物種嚴重程度（CITES 附錄一 = 3，附錄二 = 2，其他 = 1）"),
    "score_badge": ("score {score} / threshold {threshold}", "评分 {score} / 阈值 {threshold}",
                    "評分 {score} / 閾值 {threshold}"),
    "score_help": ("The model flags a listing when its score reaches the threshold",
                   "评分达到阈值时模型会标记该商品", "評分達到閾值時模型會標記該商品"),
    "contacts": ("Contact handles", "联系方式", "聯絡方式"),
    "linked_sellers": ("Linked sellers", "关联卖家", "關聯賣家"),
    "linked_via": ("shares {what}", "共用 {what}", "共用 {what}"),
    "shared_photos": ("{n} photos", "{n} 张图片", "{n} 張圖片"),
    "hops": ("{n} steps away", "相隔 {n} 层", "相隔 {n} 層"),
    "seller_page": ("Seller", "卖家", "賣家"),
    "seller_listings": ("Listings of this seller", "该卖家的商品", "該賣家的商品"),
    "seller_profile": ("Seller's page on the marketplace", "卖家在平台上的主页", "賣家在平台上的主頁"),
    "none": ("None found.", "未发现。", "未發現。"),
    "undo": ("Undo", "撤销", "撤銷"),
    "undo_help": ("within a minute", "一分钟内可撤销", "一分鐘內可撤銷"),
    "undone": ("Decision undone for {n} listing(s); they are back in the queue.", "已撤销 {n} 条商品的决定，已放回队列。",
               "已撤銷 {n} 件商品的決定，已放回佇列。"),
    "undo_too_late": ("Nothing to undo: only your last decision, within a minute, can be undone.",
                      "无可撤销：只能在一分钟内撤销您的上一个决定。", "無可撤銷：只能在一分鐘內撤銷您的上一個決定。"),
    "undone_mark": ("undone", "已撤销", "已撤銷"),
    "page_of": ("Page {page} of {pages} · {total} listings", "第 {page} / {pages} 页 · 共 {total} 条",
                "第 {page} / {pages} 頁 · 共 {total} 件"),
    "newer": ("← Previous page", "← 上一页", "← 上一頁"),
    "older": ("Next page →", "下一页 →", "下一頁 →"),
    # Evidence labels: the classifier's reasons read "term (label)"
    "ev.description": ("description: {}", "描述：{}", "描述：{}"),
    "ev.sounds like": ("sounds like: {}", "谐音：{}", "諧音：{}"),
    "ev.code word": ("code word: {}", "暗语：{}", "暗語：{}"),
    "ev.pinyin initials": ("pinyin initials: {}", "拼音首字母：{}", "拼音首字母：{}"),
    "ev.with": ("with: {}", "伴随：{}", "伴隨：{}"),
    "ev.trade term": ("trade term", "交易用语", "交易用語"),
    "ev.off-platform contact": ("off-platform contact", "站外联系方式", "站外聯絡方式"),
    "ev.authenticity claim": ("authenticity claim", "声称正品", "聲稱正品"),
    "ev.learned": ("learned word {}", "模型学到的词 {}", "模型學到的詞 {}"),
    # Reasons
    "reason.protected_species": ("Protected species offered", "出售受保护物种", "出售受保護物種"),
    "reason.code_words": ("Trade code words", "交易暗语", "交易暗語"),
    "reason.price_and_contact": ("Price and off-platform contact", "标价并引导私下联系", "標價並引導私下聯絡"),
    "reason.repeat_seller": ("Known repeat seller", "惯犯卖家", "慣犯賣家"),
    "reason.not_wildlife": ("Not wildlife", "非野生动物制品", "非野生動物製品"),
    "reason.legal_or_farmed": ("Legal or farmed source", "合法或养殖来源", "合法或養殖來源"),
    "reason.replica_or_artwork": ("Replica or artwork", "仿制品或艺术品", "仿製品或藝術品"),
    "reason.news_or_education": ("News or education", "新闻或科普", "新聞或科普"),
    "reason.needs_expert": ("Needs a species expert", "需要物种专家", "需要物種專家"),
    "reason.legal_question": ("Legal question", "法律问题", "法律問題"),
    "reason.large_operation": ("Possible large operation", "疑似大型团伙", "疑似大型團夥"),
    "reason.other": ("Other (see note)", "其他（见备注）", "其他（見備註）"),
}

STRINGS: dict[str, dict[str, str]] = {
    lang: {key: values[i] for key, values in _TABLE.items()} for i, lang in enumerate(LANGUAGES)
}


def pick_language(requested: str | None, cookie: str | None, accept_language: str) -> str:
    """The UI language: an explicit choice, then the cookie, then the browser's preference."""
    for choice in (requested, cookie):
        if choice in LANGUAGES:
            return choice
    for part in accept_language.lower().split(","):
        tag = part.split(";")[0].strip()
        if tag.startswith(("zh-tw", "zh-hk", "zh-mo", "zh-hant")):
            return "zh-Hant"
        if tag.startswith("zh"):
            return "zh-Hans"
        if tag.startswith("en"):
            return "en"
    return "en"


@lru_cache(maxsize=1)
def _species_names() -> dict[str, tuple[str, str, str]]:
    """English common name -> (English, Simplified, Traditional), from the shipped lexicon."""
    names = {}
    for entry in load_lexicon(tables=False)["species"]:
        name = entry["name"]
        names[name] = (entry["en"] or name, entry["zh_hans"] or name, entry["zh_hant"] or entry["zh_hans"] or name)
    return names


def species_name(name: str, lang: str) -> str:
    """A species as the UI's language names it (the classifier reports English common names)."""
    names = _species_names().get(name)
    return names[list(LANGUAGES).index(lang)] if names else name


_REASON = re.compile(r"^(?P<term>.*) \((?P<label>[^()]*)\)$", re.S)


def evidence_parts(reason: str, lang: str) -> tuple[str, str]:
    """(term as the listing wrote it, translated label) of a classifier reason such as
    ``穿山甲片 (pangolin)``, ``老虎油 (code word: tiger)`` or ``ivory (+0.42)``; the label is
    empty for a reason of another shape."""
    match = _REASON.match(reason)
    if match is None:
        return reason, ""
    term, label = match["term"], match["label"].strip()
    t = translator(lang)
    if label.startswith(("+", "-")):
        return term, t("ev.learned").format(label)
    kind, sep, species = label.partition(": ")
    if sep and f"ev.{kind}" in STRINGS[lang]:
        return term, t(f"ev.{kind}").format(species_name(species, lang))
    if f"ev.{label}" in STRINGS[lang]:
        return term, t(f"ev.{label}")
    return term, species_name(label, lang)


def translator(lang: str):  # type: ignore[no-untyped-def]
    """``t(key, **values)`` for templates; an unknown key shows itself (visible, never a crash)."""
    strings = STRINGS[lang]

    def t(key: str, **values: object) -> str:
        text = strings.get(key, key)
        return text.format(**values) if values else text

    return t
