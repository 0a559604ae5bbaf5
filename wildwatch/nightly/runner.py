"""`wildwatch nightly`: crawl every enabled site, score, alert, prune, report — resumably.

Stages run in order and each persists its progress in ``nightly_runs`` (stage + state JSON)
in the same transaction as its effect, so a rerun after ``kill -9`` continues where the dead
run stopped:

- crawl: one child process per crawl target (a killed crawl resumes from what the store already holds);
- retrain: ``wildwatch train --with-reviews`` once ``moderation.retrain_after_reviews`` new decisions
  have accumulated (same gate; a promoted model scores tonight), see ``wildwatch.nightly.retrain``;
- score: ``score_stored`` only scores content the model has not scored (resumable by design), with
  the workers ``wildwatch score`` uses; the run's newly flagged listings are derived from the score
  history, not kept in memory;
- alert: enqueue (idempotent outbox, marked done in the same transaction) → send → digest;
- retention: prune old snapshots/skips by policy, merge the SQLite search index into one segment;
  report: HTML + JSON written atomically.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import WildwatchError
from core.settings import Settings
from store.alerts import subscription_health
from store.db import Store, session_scope
from store.nightly import (
    abandon_unfinished_runs,
    finish_nightly_run,
    get_nightly_run,
    newly_flagged_since,
    prune_skips,
    queue_sizes,
    save_progress,
    start_nightly_run,
    sync_subscriptions,
    unfinished_nightly_run,
)
from store.runs import mark_interrupted
from store.search import optimize_index
from store.sites import SiteSpec, enabled_sites, sync_sites
from wildwatch.config import OpsConfig
from wildwatch.crawls import CrawlRequest, open_crawl_run, plan_crawl
from wildwatch.lock import PgAdvisoryLock, RunLock
from wildwatch.nightly.metrics import NightlyMetrics
from wildwatch.nightly.seams import AlertsSeam, count_of, default_alerts
from wildwatch.nightly.stopping import StopFlag, Stopped, handle_signals, run_children

if TYPE_CHECKING:  # the classifier (scikit-learn) loads only when a model does
    from classifier.protocol import ScoringModel
from core.secrets import secret_box

logger = logging.getLogger(__name__)

__all__ = ["Nightly", "NightlyResult", "run_nightly", "STAGES"]

STAGES = ("crawl", "retrain", "score", "alert", "retention", "report", "done")


@dataclass
class NightlyResult:
    run_id: int
    status: str
    resumed: bool
    summary: dict[str, Any] = field(default_factory=dict)
    report_path: Path | None = None

class Nightly:
    """One invocation of the nightly (a new run or the resumption of an unfinished one)."""

    def __init__(
        self,
        *,
        settings: Settings,
        config: OpsConfig,
        store: Store,
        model_loader: Callable[[], ScoringModel],
        alerts: AlertsSeam,
        crawl_command: list[str] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.config = config
        self.store = store
        self.model_loader = model_loader
        self.alerts = alerts
        self.crawl_command = crawl_command or [sys.executable, "-m", "wildwatch.nightly.worker"]
        self.now = now
        self.stop = StopFlag()
        self.metrics = NightlyMetrics()
        self._model: ScoringModel | None = None
        self.deadline = time.monotonic() + config.nightly.run_budget_minutes * 60

    # -- run bookkeeping -------------------------------------------------------------------

    def _open_run(self) -> tuple[int, bool]:
        window = self.now() - timedelta(hours=self.config.nightly.resume_within_hours)
        with session_scope(self.store.sessions) as session:
            run = unfinished_nightly_run(session, started_after=window)
            abandoned = abandon_unfinished_runs(session, keep=run.id if run else None)
            if abandoned:
                logger.warning("abandoned %d unfinished nightly run(s) too old to resume", abandoned)
            if run is not None:
                logger.warning("resuming nightly run #%d at stage %s (it was %s)", run.id, run.stage, run.status)
                save_progress(session, run, status="running")
                return run.id, True
            self._sync_config(session)
            site_configs = {s.name: s for s in self.config.sites}
            targets = [
                {"key": str(site.id), "site_id": site.id, "site": site.name, "url": site.start_url,
                 "profile": site.profile_path, "status": "pending", "crawl_run_id": None, "attempts": 0,
                 "search_terms": list(site_configs[site.name].search_terms) if site.name in site_configs else []}
                for site in enabled_sites(session)
            ]
            run = start_nightly_run(session, state={"targets": targets, "site_seconds": {}})
            logger.info("nightly run #%d: %d site(s) to crawl", run.id, len(targets))
            return run.id, False

    def _sync_config(self, session: Any) -> None:
        sync_sites(session, [
            SiteSpec(s.name, s.url, str(s.profile) if s.profile else None, s.enabled) for s in self.config.sites
        ])
        if self.config.alerts.rules:
            sync_subscriptions(session, [rule.model_dump() for rule in self.config.alerts.rules],
                               box=secret_box(self.settings))

    def _state(self, run_id: int) -> tuple[str, dict[str, Any], datetime]:
        with session_scope(self.store.sessions) as session:
            run = get_nightly_run(session, run_id)
            return run.stage, dict(run.state or {}), run.started_at

    def _save(self, run_id: int, *, stage: str | None = None, state: dict[str, Any] | None = None,
              session: Any = None) -> None:
        if session is not None:
            save_progress(session, get_nightly_run(session, run_id), stage=stage, state=state)
            return
        with session_scope(self.store.sessions) as own:
            save_progress(own, get_nightly_run(own, run_id), stage=stage, state=state)

    def model(self) -> ScoringModel:
        if self._model is None:
            self._model = self.model_loader()
        return self._model

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> NightlyResult:
        """Hold the lock, then run (or resume) every remaining stage."""
        lock = RunLock(self.settings.var_dir / "nightly.lock")
        with lock, handle_signals(self.stop):
            pg_lock = PgAdvisoryLock(self.store.engine).acquire()
            try:
                return self._run_locked()
            finally:
                pg_lock.release()

    def _run_locked(self) -> NightlyResult:
        run_id, resumed = self._open_run()
        stage_runners: dict[str, Callable[[int], None]] = {
            "crawl": self._crawl_stage,
            "retrain": self._retrain_stage,
            "score": self._score_stage,
            "alert": self._alert_stage,
            "retention": self._retention_stage,
            "report": self._report_stage,
        }
        try:
            while True:
                stage, _, _ = self._state(run_id)
                if stage == "done":
                    break
                self.stop.check()
                started = time.monotonic()
                logger.info("nightly run #%d: stage %s", run_id, stage)
                stage_runners[stage](run_id)
                self.metrics.duration.labels(stage).set(time.monotonic() - started)
                self._save(run_id, stage=STAGES[STAGES.index(stage) + 1])
        except BaseException as exc:
            status = "interrupted" if isinstance(exc, Stopped | KeyboardInterrupt) else "failed"
            with session_scope(self.store.sessions) as session:
                run = get_nightly_run(session, run_id)
                state = dict(run.state or {})
                if status == "interrupted":
                    state.setdefault("interruptions", []).append(f"stopped by signal during {run.stage}")
                else:
                    state.setdefault("errors", []).append(f"{run.stage}: {type(exc).__name__}: {exc}")
                save_progress(session, run, status=status, state=state)
            self._write_metrics(completed=False)
            raise
        with session_scope(self.store.sessions) as session:
            run = get_nightly_run(session, run_id)
            result = NightlyResult(run_id, run.status, resumed, dict(run.summary or {}),
                                   Path(run.report_path) if run.report_path else None)
        self._write_metrics(completed=True)
        return result

    def _write_metrics(self, *, completed: bool) -> None:
        now = time.time()
        self.metrics.last_run.set(now)
        self.metrics.status.set(1 if completed else 0)
        if completed:
            self.metrics.last_success.set(now)
        try:
            self.metrics.write(self.settings.var_dir / "metrics" / "wildwatch.prom")
        except OSError as exc:
            logger.warning("cannot write the metrics textfile: %s", exc)

    # -- crawl -----------------------------------------------------------------------------

    def _site_budget(self, site_name: str) -> float:
        for site in self.config.sites:
            if site.name == site_name and site.budget_minutes:
                return site.budget_minutes * 60
        return self.config.nightly.site_budget_minutes * 60

    def _workers(self, site_name: str) -> int:
        for site in self.config.sites:
            if site.name == site_name and site.workers:
                return site.workers
        return self.config.nightly.crawl_workers

    def _max_pages(self, site_name: str) -> int:
        for site in self.config.sites:
            if site.name == site_name and site.max_pages is not None:
                return site.max_pages
        return self.config.nightly.max_pages_per_crawl or self.settings.crawler.max_pages

    def _crawl_stage(self, run_id: int) -> None:
        _, state, _ = self._state(run_id)
        for index in range(len(state.get("targets", []))):
            while self._crawl_next(run_id, index):
                pass
        self.stop.check()  # a stopped crawl left its target pending: do not move on to scoring
        self._crawl_metrics(run_id)

    def _crawl_next(self, run_id: int, index: int) -> bool:
        """Crawl target ``index`` once if it still needs it; True when it should be tried again."""
        self.stop.check()
        _, state, _ = self._state(run_id)
        target = state["targets"][index]
        if target["status"] in ("completed", "budget_exceeded", "failed"):
            return False
        used = float(state["site_seconds"].get(str(target["site_id"]), 0.0))
        budget = min(self._site_budget(target["site"]) - used, self.deadline - time.monotonic())
        if budget <= 0:
            target["status"] = "budget_exceeded"
            self._save(run_id, state=state)
            logger.warning("site %s: no budget left for %s", target["site"], target["url"])
            return False
        started = time.monotonic()
        outcome = self._crawl_target(run_id, state, target, budget)
        _, state, _ = self._state(run_id)
        state["targets"][index].update(outcome)
        key = str(target["site_id"])
        state["site_seconds"][key] = float(state["site_seconds"].get(key, 0.0)) + time.monotonic() - started
        self._save(run_id, state=state)
        return state["targets"][index]["status"] == "pending"

    def _crawl_target(self, run_id: int, state: dict[str, Any], target: dict[str, Any], budget: float) -> dict[str, Any]:
        workers = self._workers(target["site"])
        redis_url = self.config.nightly.redis_url if workers > 1 else None
        request = CrawlRequest(
            url=target["url"], profile=target.get("profile"), search_terms=list(target.get("search_terms") or []),
            max_search_terms=self.config.nightly.max_search_terms, max_pages=self._max_pages(target["site"]),
            redis_url=redis_url, redis_prefix=f"wildwatch:nightly-site-{target['site_id']}" if redis_url else None,
            overrides=dict(self.config.nightly.scrapy_settings),
        )
        attempts = int(target.get("attempts", 0)) + 1
        try:
            plan = plan_crawl(self.settings, request)
        except WildwatchError as exc:  # a broken profile fails its site, not the night
            logger.error("site %s: cannot crawl %s: %s", target["site"], target["url"], exc)
            return {"status": "failed", "attempts": attempts}
        with session_scope(self.store.sessions) as session:
            if target["crawl_run_id"] is None:
                # A new crawl: forget any crawl state an older, abandoned run left behind.
                shutil.rmtree(plan.job_dir, ignore_errors=True)
                if redis_url and plan.redis_prefix:
                    from crawler.run import clear_redis_prefix

                    clear_redis_prefix(redis_url, plan.redis_prefix)
                target["crawl_run_id"], _, _ = open_crawl_run(session, plan, site_id=target["site_id"],
                                                              nightly_run_id=run_id)
                save_progress(session, get_nightly_run(session, run_id), state=state)
            else:  # a crawl that failed (retried once), or the interrupted crawl of a resumed night
                logger.warning("%s crawl run #%d of %s", "retrying" if target.get("cause") else "resuming",
                               target["crawl_run_id"], target["url"])
        target["attempts"] = attempts
        spec = plan.spec(self.settings, database_url=self.store.url, run_id=target["crawl_run_id"],
                         site_id=target["site_id"])
        logger.info("crawling %s (site %s, %d worker(s), budget %.0fs)", target["url"], target["site"], workers, budget)
        commands = [[*self.crawl_command, spec.model_dump_json()] for _ in range(workers)]
        timed_out = run_children(commands, budget, stop=self.stop, grace_seconds=self.config.nightly.stop_grace_seconds)
        with session_scope(self.store.sessions) as session:
            status, cause = mark_interrupted(session, target["crawl_run_id"])
        if self.stop.set:
            return {"status": "pending", "attempts": attempts}
        if status == "completed":
            shutil.rmtree(plan.job_dir, ignore_errors=True)
            return {"status": "completed", "attempts": attempts, "cause": cause}
        if timed_out:
            return {"status": "budget_exceeded", "attempts": attempts}
        if attempts >= 2:
            logger.error("site %s failed: %s", target["site"], cause or status)
        return {"status": "failed" if attempts >= 2 else "pending", "attempts": attempts, "cause": cause or status}

    def _crawl_metrics(self, run_id: int) -> None:
        from store.nightly import nightly_crawl_runs

        _, state, _ = self._state(run_id)
        with session_scope(self.store.sessions) as session:
            for crawl_run, site in nightly_crawl_runs(session, run_id):
                name = site or "(none)"
                self.metrics.crawl_pages.labels(name).inc(crawl_run.pages_fetched)
                for kind in ("new", "updated", "unchanged"):
                    self.metrics.crawl_listings.labels(name, kind).inc(getattr(crawl_run, f"listings_{kind}"))
                self.metrics.crawl_errors.labels(name).inc(sum((crawl_run.errors or {}).values()))
        for target in state.get("targets", []):
            self.metrics.crawl_budget_hit.labels(target["site"]).set(int(target["status"] == "budget_exceeded"))

    # -- retrain ---------------------------------------------------------------------------

    def _retrain_stage(self, run_id: int) -> None:
        from wildwatch.nightly.retrain import retrain_if_due

        self.stop.check()
        outcome = retrain_if_due(self.settings, self.store, timeout=self.deadline - time.monotonic())
        if outcome.get("status") == "promoted":
            self._model = None  # tonight's scoring uses the promoted model
        _, state, _ = self._state(run_id)
        state["retrain"] = outcome
        if outcome.get("status") == "failed":
            state.setdefault("errors", []).append(f"retrain: {outcome.get('error')}")
        self._save(run_id, state=state)

    # -- score -----------------------------------------------------------------------------

    def _score_stage(self, run_id: int) -> None:
        from wildwatch.scoring import score_stored

        model = self.model()

        def progress(done: int, total: int) -> None:
            self.stop.check()  # each batch is committed before this runs: a safe point

        # As many worker processes as `wildwatch score` starts (one per usable core for enough listings).
        result = score_stored(self.store, model, batch_size=self.settings.classifier.batch_size, progress=progress,
                              workers=None)
        _, state, started_at = self._state(run_id)
        with session_scope(self.store.sessions) as session:
            newly = newly_flagged_since(session, started_at)
            state["newly_flagged"] = newly
            state["scored"] = int(state.get("scored", 0)) + result.scored
            state["model_version"] = model.version
            self._save(run_id, state=state, session=session)
        self.metrics.scored.set(state["scored"])
        self.metrics.newly_flagged.set(len(newly))
        logger.info("scored %d listings; %d newly flagged", result.scored, len(newly))

    # -- alert -----------------------------------------------------------------------------

    def _alert_stage(self, run_id: int) -> None:
        _, state, _ = self._state(run_id)
        alerts = state.setdefault("alerts", {})
        if not self.config.alerts.enabled:
            alerts["status"] = "disabled"
            self._save(run_id, state=state)
            return
        seam = self.alerts
        if not alerts.get("enqueued_done"):
            with session_scope(self.store.sessions) as session:
                enqueued = seam.enqueue_alerts(session, list(state.get("newly_flagged", [])))
                alerts["enqueued"] = count_of(enqueued)
                alerts["enqueued_done"] = True
                self._save(run_id, state=state, session=session)  # same transaction as the outbox rows
        self.stop.check()
        sent = seam.send_due(self.store)
        alerts["sent"] = int(alerts.get("sent", 0)) + count_of(sent)
        self._save(run_id, state=state)
        self.stop.check()
        if self.config.alerts.digest and not alerts.get("digest_done"):
            digest = seam.send_digest(self.store)
            alerts["digest"] = count_of(digest)
            alerts["digest_done"] = True
            self._save(run_id, state=state)
        with session_scope(self.store.sessions) as session:
            health = subscription_health(session)
        failing = [h for h in health if h.failing]
        alerts["failing"] = [{"subscription_id": h.subscription_id, "target": h.target if h.channel == "webhook"
                              else h.channel, "retrying": h.retrying, "failed": h.failed,
                              "last_error": (h.last_error or "")[:300]} for h in failing]
        alerts["in_flight"] = sum(h.in_flight for h in health)
        alerts["status"] = (f"failing ({len(failing)} subscription{'s' if len(failing) != 1 else ''})"
                            if failing else "ok")
        self._save(run_id, state=state)
        self.metrics.alerts_enqueued.set(alerts.get("enqueued", 0))
        self.metrics.alerts_sent.set(alerts.get("sent", 0))

    # -- retention -------------------------------------------------------------------------

    def _retention_stage(self, run_id: int) -> None:
        from store.retention import prune_snapshots
        from store.images import ImageStore, prune_images
        from store.snapshots import SnapshotStore

        policy = self.config.retention
        self.stop.check()
        with session_scope(self.store.sessions) as session:
            pruned = prune_snapshots(session, SnapshotStore(self.settings.crawler.snapshot_dir),
                                     older_than=timedelta(days=policy.snapshots_days), now=self.now())
            photos = prune_images(session, ImageStore(self.settings.images.dir),
                                  older_than=timedelta(days=policy.snapshots_days), now=self.now())
            skips = prune_skips(session, older_than=self.now() - timedelta(days=policy.crawl_skips_days))
        with session_scope(self.store.sessions) as session:
            # the day's crawl writes left FTS5 segments that every listing lookup reads: merge them
            search_index_optimized = optimize_index(session)
        reports = _prune_reports(self.settings.var_dir / "reports", keep=policy.reports_keep)
        _, state, _ = self._state(run_id)
        state["retention"] = {"snapshot_rows_deleted": pruned.rows_deleted, "snapshot_files_deleted": pruned.files_deleted,
                              "bytes_freed": pruned.bytes_freed, "crawl_skips_deleted": skips,
                              "photo_records_deleted": photos.records_deleted, "photos_deleted": photos.images_deleted,
                              "reports_deleted": reports, "search_index_optimized": search_index_optimized}
        self._save(run_id, state=state)

    # -- report ----------------------------------------------------------------------------

    def _report_stage(self, run_id: int) -> None:
        from wildwatch.reports import build_summary, write_report

        model_version = None
        with contextlib.suppress(WildwatchError):
            model_version = self.model().version
        with session_scope(self.store.sessions) as session:
            run = get_nightly_run(session, run_id)
            summary = build_summary(session, run, model_version=model_version,
                                    history_days=self.config.nightly.report_history_days, now=self.now())
            sizes = queue_sizes(session, model_version=model_version)
        for name in ("to_score", "alerts_pending", "alerts_failed", "review_backlog"):
            self.metrics.queue.labels(name).set(getattr(sizes, name))
        path = write_report(self.settings.var_dir / "reports", summary)
        with session_scope(self.store.sessions) as session:
            run = get_nightly_run(session, run_id)
            finish_nightly_run(session, run, summary=summary, report_path=str(path))
            # finish_nightly_run moved the stage to "done"; the loop's own save keeps it there.


def _prune_reports(root: Path, *, keep: int) -> int:
    if not root.is_dir():
        return 0
    runs = sorted((p for p in root.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name))
    removed = 0
    for old in runs[:-keep] if len(runs) > keep else []:
        shutil.rmtree(old, ignore_errors=True)
        removed += 1
    return removed

def run_nightly(
    *,
    settings: Settings,
    config: OpsConfig,
    store: Store,
    model_loader: Callable[[], ScoringModel],
    alerts: AlertsSeam | None = None,
    crawl_command: list[str] | None = None,
) -> NightlyResult:
    """Run or resume the nightly; raises AlreadyRunning at once when another run holds the lock."""
    return Nightly(settings=settings, config=config, store=store, model_loader=model_loader,
                   alerts=alerts or default_alerts(settings), crawl_command=crawl_command).run()

