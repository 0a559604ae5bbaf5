"""kill -9 the crawler, the scorer, the alert sender and the API at seeded random moments.

Each round draws a delay from ``random.Random(seed)``, starts the real command, SIGKILLs its
process group at that moment, and checks that what is stored is consistent (nothing twice).
After the last round the command runs to completion and nothing may be missing.
``WILDWATCH_FAULT_SEEDS`` sets the rounds per component (default 8; 20 for the documented figures).
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from store.apikeys import create_api_key
from store.db import make_engine, make_session_factory, migrate, session_scope
from store.reviews import REASONS
from store.models import AlertDelivery, CrawlRun, Listing, ListingVersion, Review, Score, Snapshot
from store.snapshots import SnapshotStore, sha256_hex
from tests.crawler.sites.synthetic import SyntheticSite, item_path
from tests.faults.conftest import SEEDS
from tests.faults.launcher import Launcher
from tests.faults.tally import note
from tests.faults.world import CountingReceiver, count, fault_env, free_port, seed_listings

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

CRAWL_ITEMS = 30
SCORE_LISTINGS = 120
REASON = REASONS["escalated"][0]


def _kill_rounds(launcher: Launcher, argv: list[str], env: dict[str, str], log: Path, component: str,
                 delays: tuple[float, float], check) -> int:  # type: ignore[no-untyped-def]
    """SEEDS rounds of start + kill -9 at a seeded random delay; ``check()`` after each. Returns kills."""
    kills = 0
    for seed in range(SEEDS):
        delay = random.Random(f"{component}-{seed}").uniform(*delays)
        pid = launcher.spawn(argv, env=env, log=log)
        if launcher.wait(pid, delay) is None:  # still running at the chosen moment
            launcher.kill(pid)
            kills += 1
        check()
    note(f"faults/kill9/{component}", kills)
    note(f"faults/kill9/{component}/rounds", SEEDS)
    return kills


def test_crawler_killed_at_random_points_loses_and_duplicates_nothing(launcher: Launcher, tmp_path: Path) -> None:
    site = SyntheticSite(CRAWL_ITEMS, delay=0.1).start()
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    env = fault_env(tmp_path)
    argv = ["crawl", site.url + "/", "--db", db_url, "--resume", "--set", "WILDWATCH_STORE_BATCH=3",
            "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "--set", "AUTOTHROTTLE_START_DELAY=0.02",
            "--set", "AUTOTHROTTLE_MAX_DELAY=0.5"]
    engine = make_engine(db_url)
    migrate(engine)

    def check() -> None:
        with engine.connect() as conn:
            urls = list(conn.execute(select(Listing.url)).scalars())
            versions = conn.execute(select(func.count()).select_from(ListingVersion)).scalar_one()
            orphans = conn.execute(select(func.count()).select_from(Listing).where(Listing.snapshot_id.is_(None))).scalar_one()
            open_runs = conn.execute(
                select(func.count()).select_from(CrawlRun).where(CrawlRun.status != "completed")).scalar_one()
        assert len(urls) == len(set(urls))
        assert versions == len(urls)  # unchanged pages never add a version
        assert orphans == 0  # every stored listing has its evidence
        assert open_runs <= 1  # every round resumed the interrupted run instead of starting another

    try:
        kills = _kill_rounds(launcher, argv, env, tmp_path / "crawl.log", "crawl", (0.3, 2.5), check)
        rc = launcher.run(argv, env=env, log=tmp_path / "crawl.log", timeout=120)
        assert rc == 0, (tmp_path / "crawl.log").read_text()[-3000:]
        expected = {site.url + item_path(i) for i in range(CRAWL_ITEMS)}
        snapshots = SnapshotStore(tmp_path / "snapshots")
        with engine.connect() as conn:
            urls = list(conn.execute(select(Listing.url)).scalars())
            rows = conn.execute(select(Snapshot.sha256, Snapshot.path).join(Listing, Listing.snapshot_id == Snapshot.id)).all()
            run = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        lost, duplicated = expected - set(urls), len(urls) - len(set(urls))
        note("faults/lost", len(lost))
        note("faults/duplicated", duplicated)
        assert not lost and not duplicated
        assert run.status == "completed"
        assert all(sha256_hex(snapshots.read(path)) == sha for sha, path in rows)  # evidence intact on disk
        assert kills >= SEEDS // 2, "most rounds must actually kill a running crawl"
    finally:
        site.stop()
        engine.dispose()


def test_scorer_then_alert_sender_killed_at_random_points(launcher: Launcher, tmp_path: Path) -> None:
    receiver = CountingReceiver(delay=0.02).start()
    db_url = f"sqlite:///{tmp_path / 'score.db'}"
    engine = seed_listings(db_url, SCORE_LISTINGS, subscribe_to=receiver.url)
    env = fault_env(tmp_path, WILDWATCH_CLASSIFIER__BATCH_SIZE="4", WILDWATCH_ALERTS__LEASE_SECONDS="1")

    def check_scores() -> None:
        with engine.connect() as conn:
            pairs = conn.execute(select(Score.listing_id, Score.model_version)).all()
            unscored_flagged = conn.execute(
                select(func.count()).select_from(Listing).where(Listing.flagged.is_(True), Listing.score.is_(None))
            ).scalar_one()
        assert len(pairs) == len(set(pairs))  # one score per listing and model
        assert unscored_flagged == 0

    try:
        _kill_rounds(launcher, ["score", "--db", db_url], env, tmp_path / "score.log", "score", (0.05, 2.5),
                     check_scores)
        assert launcher.run(["score", "--db", db_url], env=env, log=tmp_path / "score.log", timeout=120) == 0
        flagged = count(engine, select(Listing.id).where(Listing.flagged.is_(True)).subquery())
        with engine.connect() as conn:
            queued = conn.execute(select(AlertDelivery.listing_id)).scalars().all()
        assert count(engine, select(Score.id).subquery()) == SCORE_LISTINGS
        assert 0 < flagged < SCORE_LISTINGS
        lost_alerts = flagged - len(set(queued))
        note("faults/lost", lost_alerts)
        note("faults/duplicated", len(queued) - len(set(queued)))
        assert lost_alerts == 0, f"{lost_alerts} flagged listings never got an alert queued"
        assert len(queued) == len(set(queued))

        def check_sent() -> None:
            with engine.connect() as conn:
                sent = set(conn.execute(select(AlertDelivery.delivery_id).where(AlertDelivery.status == "sent")).scalars())
            assert sent <= set(receiver.received)  # never marked sent without the receiver's 2xx

        kills = _kill_rounds(launcher, ["alerts", "send", "--db", db_url], env, tmp_path / "alerts.log", "alerts",
                             (0.05, 1.5), check_sent)
        time.sleep(1.1)  # the lease of deliveries claimed by a killed sender runs out
        assert launcher.run(["alerts", "send", "--db", db_url], env=env, log=tmp_path / "alerts.log", timeout=60) == 0
        with engine.connect() as conn:
            deliveries = conn.execute(select(AlertDelivery.delivery_id, AlertDelivery.status)).all()
        ids = {d for d, _ in deliveries}
        assert {s for _, s in deliveries} == {"sent"}
        assert set(receiver.received) == ids  # every alert arrived
        redelivered = sum(n - 1 for n in receiver.received.values())
        note("faults/alerts/redelivered_same_delivery_id", redelivered)
        assert redelivered <= kills  # at most the one in flight when each sender died; same delivery_id
        assert receiver.bad_signatures == 0
    finally:
        receiver.stop()
        engine.dispose()


def test_api_killed_at_random_points_loses_no_acknowledged_review(launcher: Launcher, tmp_path: Path) -> None:
    """Every review is stored exactly once: the one in flight at each kill is retried with its Idempotency-Key."""
    db_url = f"sqlite:///{tmp_path / 'api.db'}"
    engine = seed_listings(db_url, 10)
    with session_scope(make_session_factory(engine)) as session:
        key = create_api_key(session, role="moderator", name="fault moderator")[1]
        listing_ids = list(session.scalars(select(Listing.id)))
    env = fault_env(tmp_path, WILDWATCH_API__RATE_LIMIT_PER_MINUTE="0")
    acknowledged: list[str] = []
    in_doubt: list[str] = []
    retried = 0
    n = 0
    kills = 0
    port = free_port()
    argv = ["serve", "--db", db_url, "--host", "127.0.0.1", "--port", str(port)]
    headers = {"Authorization": f"Bearer {key}"}

    def post(client: httpx.Client, number: int, note_text: str) -> httpx.Response:
        return client.post(f"/v1/listings/{listing_ids[number % len(listing_ids)]}/reviews",
                           json={"decision": "escalated", "reason": REASON, "note": note_text},
                           headers={**headers, "Idempotency-Key": note_text.replace(" ", "-")})

    def start(client: httpx.Client) -> int:
        pid = launcher.spawn(argv, env=env, log=tmp_path / "api.log")
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    return pid
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "api.log").read_text()[-2000:]
            time.sleep(0.05)

    def retry_in_doubt(client: httpx.Client) -> None:
        nonlocal retried
        if in_doubt and in_doubt[-1] not in acknowledged:  # the client retries what it never heard back on
            number = int(in_doubt[-1].rsplit(" ", 1)[1])
            response = post(client, number, in_doubt[-1])
            assert response.status_code == 201, response.text
            acknowledged.append(in_doubt[-1])
            retried += response.headers.get("idempotent-replayed") == "true"

    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, trust_env=False) as client:
        for seed in range(SEEDS):
            pid = start(client)
            killer: threading.Timer | None = None
            try:
                retry_in_doubt(client)
                delay = random.Random(f"api-{seed}").uniform(0.05, 0.6)
                killer = threading.Timer(delay, launcher.kill, args=(pid,))
                killer.start()
                give_up = time.monotonic() + delay + 30
                while time.monotonic() < give_up:  # post reviews until the server dies under us
                    n += 1
                    note_text = f"round {seed} review {n}"
                    try:
                        response = post(client, n, note_text)
                    except httpx.TransportError:
                        in_doubt.append(note_text)  # in flight when the server died: stored or not
                        break
                    assert response.status_code == 201, response.text
                    acknowledged.append(note_text)
                killer.join()
                assert in_doubt and in_doubt[-1] == note_text, "the server outlived its kill"
                kills += 1
            finally:
                if killer is not None:
                    killer.cancel()
                    killer.join()  # the launcher's pipe is not shared between threads
                if pid in launcher.children:
                    launcher.kill(pid)
        pid = start(client)
        try:
            retry_in_doubt(client)
        finally:
            launcher.kill(pid)
    note("faults/kill9/api", kills)
    with engine.connect() as conn:
        notes = list(conn.execute(select(Review.note)).scalars())
    engine.dispose()
    lost = set(acknowledged) - set(notes)
    duplicated = len(notes) - len(set(notes))
    note("faults/lost", len(lost))
    note("faults/duplicated", duplicated)
    note("faults/kill9/api/in_doubt_already_stored", retried)
    assert acknowledged and not lost and not duplicated
    assert set(notes) == set(acknowledged) and set(in_doubt) <= set(acknowledged)
