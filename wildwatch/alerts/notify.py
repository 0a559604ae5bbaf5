"""Other channels through apprise (WeCom, DingTalk, Slack, email ...): one URL per subscription."""

from __future__ import annotations

import logging

from core.errors import AlertError

__all__ = ["notify_apprise", "validate_apprise_url"]


def validate_apprise_url(url: str) -> None:
    """Raise ValueError when apprise does not understand ``url`` (checked at subscribe time)."""
    import apprise  # slow to import: only when a subscription uses it

    if apprise.Apprise.instantiate(url) is None:
        raise ValueError(f"apprise cannot use this URL: {url.split('://', 1)[0]}://…")


def notify_apprise(url: str, title: str, body: str) -> None:
    """Send one message; raises AlertError with apprise's own complaint when it is not delivered."""
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise AlertError("apprise rejected the subscription URL")
    with apprise.LogCapture(level=logging.WARNING) as captured:
        delivered = notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
        problems = captured.getvalue().strip()
    if not delivered:
        raise AlertError(f"apprise could not deliver: {problems.splitlines()[-1] if problems else 'unknown error'}")
