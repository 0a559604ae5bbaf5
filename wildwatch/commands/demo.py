"""`wildwatch demo`: the whole pipeline on the bundled demo marketplace (what `make run` runs)."""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from core.errors import CrawlError, InputError
from core.settings import get_settings
from store.apikeys import create_api_key
from store.db import Store, session_scope
from store.models import ImageLink, Listing
from store.runs import crawl_summary, get_crawl_run
from wildwatch.commands.options import DbOption
from wildwatch.runtime import open_store
from wildwatch.scoring import load_classifier, score_stored

if TYPE_CHECKING:
    from wildwatch.demo.server import DemoServer


def demo(
    market_port: Annotated[int, typer.Option(help="Port of the demo marketplace on 127.0.0.1.")] = 8088,
    bazaar_port: Annotated[int | None, typer.Option(
        help="Port of the second demo marketplace (re-posts of the first one's photos) on 127.0.0.1 "
             "(default: the next port after --market-port, or any free one).")] = None,
    host: Annotated[str | None, typer.Option(help="API bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="API port (default 8000).")] = None,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API afterwards until Ctrl-C.")] = True,
    db: DbOption = None,
) -> None:
    """Serve the demo marketplace, crawl it, score it, summarise, then serve the API."""
    from crawler.run import run_crawl
    from wildwatch.crawls import CrawlRequest, open_crawl_run, plan_crawl, summary_line
    from wildwatch.demo.server import make_server

    console = Console(stderr=True, soft_wrap=True)  # never break the curl line a user copies
    settings = get_settings()
    if db:
        settings = settings.model_copy(update={"database_url": db})
    api_host = host or settings.api.host
    api_port = port or settings.api.port
    check_port_free("127.0.0.1", market_port, "the demo marketplace", "--market-port or make run MARKET_PORT=…")
    if serve:
        check_port_free(api_host, api_port, "the API", "--port or make run PORT=…")
    console.print(f"[bold]1/5[/] database: {settings.database_url}")
    store = open_store(settings=settings)
    console.print(f"[bold]2/5[/] starting the demo marketplace on http://127.0.0.1:{market_port}/")
    try:
        market = make_server("127.0.0.1", market_port).start()
    except OSError as exc:
        raise CrawlError(f"cannot start the demo marketplace on port {market_port}: {exc} (try --market-port)") from exc
    try:
        bazaar = _start_bazaar(market_port, bazaar_port)
    except OSError as exc:
        market.stop()
        raise CrawlError(f"cannot start the second demo marketplace on port {bazaar_port}: {exc} "
                         "(try --bazaar-port)") from exc
    try:
        for site in (market, bazaar):
            console.print(f"[bold]3/5[/] crawling {site.url}/ with the generic spider (robots.txt obeyed; photos "
                          "fetched) …")
            plan = plan_crawl(settings, CrawlRequest(url=site.url + "/", overrides={"AUTOTHROTTLE_ENABLED": False}))
            with session_scope(store.sessions) as session:
                run_id, site_id, _ = open_crawl_run(session, plan)
            spec = plan.spec(settings, database_url=store.url, run_id=run_id, site_id=site_id)
            if site is market:
                summary = run_crawl(spec, store=store)
            else:  # Scrapy's reactor does not restart: the second crawl runs in a child, as the nightly's do
                subprocess.run([sys.executable, "-m", "wildwatch.nightly.worker", spec.model_dump_json()], check=False)
                with session_scope(store.sessions) as session:
                    summary = crawl_summary(get_crawl_run(session, run_id))
            typer.echo(summary_line(summary), err=True)
        model = load_classifier(settings.classifier.model_path, settings.classifier.models_dir)
        console.print(f"[bold]4/5[/] scoring with model {model.version} …")
        scoring = score_stored(store, model, batch_size=settings.classifier.batch_size)
        console.print(f"      scored {scoring.scored} new or changed listings")
        _print_summary(store, console)
        with session_scope(store.sessions) as session:
            _, key = create_api_key(session, role="analyst", name="demo analyst (make run)", actor="demo")
        base = f"http://{api_host}:{api_port}"
        console.print(f"[bold]5/5[/] demo analyst API key (shown once): [green]{key}[/]")
        console.print(f'      curl -H "Authorization: Bearer {key}" "{base}/v1/listings?flagged=true"')
        console.print(f"      API docs: {base}/docs   health: {base}/healthz   review: {base}/review")
        if serve:
            import uvicorn

            from api.app import create_app
            from wildwatch.commands.serve import serving_settings, warn_if_exposed

            settings = serving_settings(settings, api_host, api_port)
            warn_if_exposed(settings)
            app = create_app(settings, engine=store.engine, model=model)
            console.print(f"serving on {base} — press Ctrl-C to stop")
            uvicorn.run(app, host=api_host, port=api_port, log_level="warning")
    finally:
        market.stop()
        bazaar.stop()
        store.close()


def check_port_free(host: str, port: int, what: str, hint: str) -> None:
    """Refuse (one line) a port something already listens on, before the demo crawls anything.

    SO_REUSEADDR as uvicorn and http.server set it: a port left in TIME_WAIT counts as free,
    one with a listener does not.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise InputError(f"port {port} on {host} is not free for {what} ({reason}); choose another with {hint}") from exc


def _start_bazaar(market_port: int, bazaar_port: int | None) -> DemoServer:
    """The second demo marketplace on ``bazaar_port``, else the port after the first one's, else any free port."""
    from wildwatch.demo.server import make_bazaar_server

    if bazaar_port is not None:
        return make_bazaar_server("127.0.0.1", bazaar_port).start()
    try:
        return make_bazaar_server("127.0.0.1", market_port + 1 if market_port else 0).start()
    except OSError:
        return make_bazaar_server("127.0.0.1", 0).start()


def _print_summary(store: Store, console: Console) -> None:
    with session_scope(store.sessions) as session:
        total = session.scalar(select(func.count()).select_from(Listing)) or 0
        flagged = session.scalar(select(func.count()).select_from(Listing).where(Listing.flagged.is_(True))) or 0
        linked = (session.scalar(select(func.count()).select_from(ImageLink)) or 0) // 2  # stored both ways
        top = session.execute(
            select(Listing.id, Listing.score, Listing.species, Listing.title)
            .where(Listing.flagged.is_(True))
            .order_by(Listing.score.desc(), Listing.id)
            .limit(5)
        ).all()
    console.print(f"[bold]{total}[/] listings stored, [bold red]{flagged}[/] flagged as likely wildlife trade, "
                  f"[bold]{linked}[/] pairs of photos linked (the same photo on two listings)")
    table = Table("id", "score", "species", "title", title="Top 5 flagged")
    for listing_id, score, species, title in top:
        table.add_row(str(listing_id), f"{score:.3f}", (species or "").replace(";", ", "), title[:60])
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(demo)
