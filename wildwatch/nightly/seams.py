"""The nightly's seam over ``wildwatch.alerts``: what the alert stage calls (tests pass their own)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

from core.secrets import secret_box
from core.settings import Settings
from store.db import Store

__all__ = ["AlertsSeam", "ModuleAlerts", "count_of", "default_alerts"]


class AlertsSeam(Protocol):
    """What the alert stage needs from ``wildwatch.alerts`` (tests pass their own)."""

    def enqueue_alerts(self, session: Any, listing_ids: list[int]) -> Any: ...
    def send_due(self, store: Store) -> Any: ...
    def send_digest(self, store: Store) -> Any: ...



class ModuleAlerts:
    """The seam over ``wildwatch.alerts``: its outbox, its send pass, and the digest pass."""

    def __init__(self, module: Any, settings: Settings) -> None:
        self.module = module
        alerts = settings.alerts
        self.options = {"timeout": alerts.webhook_timeout, "lease": timedelta(seconds=alerts.lease_seconds),
                        "box": secret_box(settings)}
        self.top = alerts.digest_top

    def enqueue_alerts(self, session: Any, listing_ids: list[int]) -> Any:
        return self.module.enqueue_alerts(session, listing_ids)

    def send_due(self, store: Store) -> Any:
        return self.module.send_due(store, **self.options)

    def send_digest(self, store: Store) -> Any:
        return self.module.send_due(store, digest=True, top=self.top, **self.options)


def default_alerts(settings: Settings) -> AlertsSeam:
    """The real alerts module behind the seam the runner calls."""
    import wildwatch.alerts as alerts

    return ModuleAlerts(alerts, settings)


def count_of(value: Any) -> int:
    """Counts from the alerts module, whether it returns a number, a list or an object."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, list | tuple | set):
        return len(value)
    for attr in ("sent", "count", "enqueued", "delivered"):
        if isinstance(getattr(value, attr, None), int):
            return int(getattr(value, attr))
    return 0
