"""`wildwatch subscribe` and `wildwatch alerts`: alert rules and delivering the outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.species import UnknownSpecies, resolve_species, species_catalog
from core.secrets import secret_box
from core.settings import get_settings
from store.alerts import (
    SubscriptionHealth,
    SubscriptionIn,
    create_subscription,
    delivery_counts,
    enqueue_deliveries,
    flagged_listing_ids,
    list_deliveries,
    list_subscriptions,
    reseal_secrets,
    subscription_health,
)
from store.db import session_scope
from store.models import ListingSpecies
from wildwatch.alerts import SendCounts, retry_failed, send_due
from wildwatch.alerts.notify import validate_apprise_url
from wildwatch.commands.options import AllowPrivateOption, DbOption, check_public_address
from core.errors import InputError
from wildwatch.runtime import Store, open_store

alerts_app = typer.Typer(help="Deliver queued alerts and inspect deliveries.", no_args_is_help=True)


def subscribe(
    webhook: Annotated[str | None, typer.Option("--webhook", help="POST signed JSON to this URL.")] = None,
    secret: Annotated[str | None, typer.Option(
        "--secret", envvar="WILDWATCH_WEBHOOK_SECRET", show_envvar=True,
        help="HMAC-SHA256 secret for --webhook (better: the environment variable, or --secret-file).",
    )] = None,
    secret_file: Annotated[Path | None, typer.Option(
        "--secret-file", help="Read the webhook secret from this file (first line).", dir_okay=False,
    )] = None,
    apprise_url: Annotated[
        str | None, typer.Option("--apprise", help="An apprise URL: wecombot://, dingtalk://, slack://, mailto://...")
    ] = None,
    min_score: Annotated[float | None, typer.Option("--min-score", min=0.0, max=1.0, help="Only scores >= this.")] = None,
    species: Annotated[list[str] | None, typer.Option("--species", help="Only these species (repeatable).")] = None,
    marketplace: Annotated[list[str] | None, typer.Option("--marketplace", help="Only these hosts (repeatable).")] = None,
    seller: Annotated[list[int] | None, typer.Option("--seller", help="Seller watchlist: seller ids (repeatable).")] = None,
    digest: Annotated[bool, typer.Option("--digest", help="One nightly message with the top listings.")] = False,
    name: Annotated[str | None, typer.Option("--name", help="Who the subscription is for.")] = None,
    backfill: Annotated[bool, typer.Option("--backfill", help="Also alert the listings flagged already that match "
                                           "(sent by the next `wildwatch alerts send`).")] = False,
    allow_private: AllowPrivateOption = False,
    db: DbOption = None,
) -> None:
    """Subscribe to alerts for flagged listings; prints only the new subscription's id.

    Webhook secrets are stored encrypted with a key derived from WILDWATCH_SECRET_KEY.
    """
    if (webhook is None) == (apprise_url is None):
        raise InputError("give exactly one of --webhook URL or --apprise URL")
    if secret_file is not None:
        secret = read_secret_file(secret_file)
    if webhook is not None and not secret:
        raise InputError("--webhook needs a secret: --secret-file PATH, WILDWATCH_WEBHOOK_SECRET or --secret "
                         "(receivers verify the signature with it)")
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        raise InputError("--webhook must be an http:// or https:// URL")
    if webhook is not None:
        check_public_address(webhook, allow_private=allow_private, what="send alerts there")
    try:
        if apprise_url is not None:
            validate_apprise_url(apprise_url)
        store = open_store(db)
        try:
            with session_scope(store.sessions) as session:
                spec = SubscriptionIn(
                    channel="webhook" if webhook else "apprise", target=webhook or apprise_url or "",
                    secret=secret if webhook else None, name=name, min_score=min_score,
                    species=species_names(session, species or []), marketplaces=marketplace or (),
                    seller_ids=seller or (), mode="digest" if digest else "immediate",
                )
                subscription = create_subscription(session, spec, box=secret_box(get_settings()))
                subscription_id = subscription.id
                already = flagged_listing_ids(session, subscription)
                queued = enqueue_deliveries(session, already, subscription_ids={subscription_id}) if backfill else 0
        finally:
            store.close()
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if backfill:
        typer.echo(f"queued {queued} alerts for listings flagged already (deliver with `wildwatch alerts send`)",
                   err=True)
    elif already:
        typer.echo(f"note: {len(already)} listings flagged already match; alerts cover listings flagged from now "
                   "on (subscribe with --backfill to be alerted about those too)", err=True)
    typer.echo(subscription_id)


def species_names(session: Session, typed: list[str]) -> list[str]:
    """The English names of species typed in any script or case (a subscription to an unknown
    species could never fire: InputError naming the closest known ones)."""
    if not typed:
        return []
    stored = session.scalars(select(ListingSpecies.species).distinct()).all()
    catalog = species_catalog(stored)
    try:
        return list(dict.fromkeys(resolve_species(value, catalog) for value in typed))
    except UnknownSpecies as exc:
        raise InputError(str(exc)) from exc


def read_secret_file(path: Path) -> str:
    """The secret in ``path``: its first line, without the newline (one readable error otherwise)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise InputError(f"cannot read the secret file {path}: {reason}") from exc
    secret = text.splitlines()[0].strip() if text.strip() else ""
    if not secret:
        raise InputError(f"the secret file {path} is empty")
    return secret


def _report(counts: SendCounts, store: Store) -> None:
    """What a pass did, what waits now, and which subscriptions fail or have deliveries in flight."""
    with session_scope(store.sessions) as session:
        totals = delivery_counts(session)
        health = subscription_health(session)
    typer.echo(
        f"this pass: {counts.sent} deliveries sent in {counts.messages} messages, {counts.failed} failed; "
        f"now pending {totals['pending']} (of which retrying {totals['retrying']}), in flight {totals['sending']}, "
        f"failed {totals['failed']}, sent {totals['sent']}"
    )
    for line in health_lines(health):
        typer.echo(line)


def health_lines(health: list[SubscriptionHealth]) -> list[str]:
    """One line per subscription failing or with deliveries in flight (shared with `wildwatch status`)."""
    lines = []
    for sub in health:
        if sub.failing:
            lines.append(
                f"failing: subscription #{sub.subscription_id} {sub.target if sub.channel == 'webhook' else sub.channel}"
                f": {sub.retrying} retrying, {sub.failed} failed; last error: {(sub.last_error or '')[:160]}"
            )
        if sub.in_flight:
            lease = f"{sub.lease_until:%Y-%m-%d %H:%M:%S} UTC" if sub.lease_until else "its lease ends"
            lines.append(
                f"in flight: subscription #{sub.subscription_id}: {sub.in_flight} claimed by a sender "
                f"(resent after {lease} if that sender died)"
            )
    return lines


@alerts_app.command("send")
def send(
    digest: Annotated[bool, typer.Option("--digest", help="Also send digest subscriptions (the nightly run).")] = False,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Listings per digest message.")] = None,
    db: DbOption = None,
) -> None:
    """Deliver every due alert once; failures stay pending with their next attempt time (exit 0)."""
    store = open_store(db, create=False)
    try:
        _report(send_due(store, digest=digest, top=top), store)
    finally:
        store.close()


@alerts_app.command("retry")
def retry(
    digest: Annotated[bool, typer.Option("--digest", help="Also send digest subscriptions.")] = False,
    db: DbOption = None,
) -> None:
    """Make every failed delivery due now and send it (run after fixing the receiver)."""
    store = open_store(db, create=False)
    try:
        revived, counts = retry_failed(store, digest=digest)
        if not revived:
            typer.echo("nothing to retry: no delivery has failed", err=True)
        else:
            typer.echo(f"retrying {revived} deliveries whose last attempt failed", err=True)
        _report(counts, store)
    finally:
        store.close()


@alerts_app.command("rotate-secrets")
def rotate_secrets(db: DbOption = None) -> None:
    """Re-encrypt stored webhook secrets with the current WILDWATCH_SECRET_KEY.

    After changing the key, set the old one as WILDWATCH_PREVIOUS_SECRET_KEY, run this, then
    remove it.  Secrets still stored in plain text are encrypted too.
    """
    store = open_store(db)
    try:
        with session_scope(store.sessions) as session:
            count, unreadable = reseal_secrets(session, secret_box(get_settings()))
    finally:
        store.close()
    typer.echo(f"re-encrypted {count} webhook secret(s) with the current key", err=True)
    if unreadable:
        raise InputError(f"{len(unreadable)} subscription(s) ({', '.join(map(str, unreadable))}) have a secret no "
                         "known key opens: set WILDWATCH_PREVIOUS_SECRET_KEY to the key that sealed them, or "
                         "subscribe again with a new secret")


@alerts_app.command("list")
def list_command(
    problems: Annotated[bool, typer.Option("--problems", help="Only deliveries whose last attempt failed.")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    db: DbOption = None,
) -> None:
    """Recent deliveries with their status, attempts and last error."""
    store = open_store(db, create=False)
    table = Table("id", "delivery_id", "subscription", "listing", "status", "attempts", "next attempt", "last error")
    with session_scope(store.sessions) as session:
        for row in list_deliveries(session, problems_only=problems, limit=limit):
            table.add_row(
                str(row.id), row.delivery_id, str(row.subscription_id), str(row.listing_id), row.status,
                str(row.attempts), f"{row.next_attempt_at:%Y-%m-%d %H:%M:%S}" if row.status != "sent" else "",
                (row.last_error or "")[:80],
            )
    Console().print(table)


@alerts_app.command("subscriptions")
def subscriptions(db: DbOption = None) -> None:
    """List subscriptions, tab-separated, with the full webhook URL (apprise: only the scheme)."""
    store = open_store(db, create=False)
    try:
        with session_scope(store.sessions) as session:
            rows = list_subscriptions(session)
            failing = {h.subscription_id: h for h in subscription_health(session) if h.failing}
    finally:
        store.close()
    if not rows:
        typer.echo("no subscriptions (wildwatch subscribe --webhook URL ...)", err=True)
    typer.echo("id\tname\tchannel\ttarget\tmode\tmin_score\tspecies\tmarketplaces\tsellers\tstate")
    for sub in rows:
        # an apprise URL carries its tokens in the host and path: only the scheme is shown
        target = sub.target if sub.channel == "webhook" else sub.target.split("://", 1)[0] + "://…"
        state = "inactive" if not sub.active else "failing" if sub.id in failing else "ok"
        typer.echo("\t".join([
            str(sub.id), sub.name or "", sub.channel, target, sub.mode,
            "" if sub.min_score is None else f"{sub.min_score:g}", ",".join(sub.species),
            ",".join(sub.marketplaces), ",".join(map(str, sub.seller_ids)), state,
        ]))


def register(app: typer.Typer) -> None:
    app.command()(subscribe)
    app.add_typer(alerts_app, name="alerts")
