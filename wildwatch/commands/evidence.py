"""`wildwatch evidence`: signed case packages (WACZ) for enforcement agencies, the signing key, and
verification that needs nothing but the package (no database)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from core.errors import InputError
from core.evidence.keys import SignatureError, load_or_create_key, parse_public_key, public_key_pem
from core.evidence.package import TimestampConfig
from core.evidence.verify import PackageInvalid, verify_package
from core.settings import get_settings
from store.db import session_scope
from store.evidence import export_case
from store.evidence.render import LANGUAGES
from store.images import ImageStore
from store.snapshots import SnapshotStore
from wildwatch.commands.options import DbOption
from wildwatch.runtime import open_store

evidence_app = typer.Typer(help="Signed evidence packages (WACZ) for a case, and their verification.",
                           no_args_is_help=True)


@evidence_app.command("export")
def export(
    listing_ids: Annotated[list[int] | None, typer.Argument(help="Listing ids to put in the package.",
                                                            show_default=False)] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The package to write (CASE.wacz).")] = Path(),
    seller: Annotated[int | None, typer.Option("--seller", help="Also every listing of this seller.")] = None,
    lang: Annotated[str, typer.Option(
        "--lang", help="Language shown first in case/index.html: en, zh-Hans, zh-Hant.")] = "en",
    db: DbOption = None,
) -> None:
    """Write one signed WACZ with every stored version of the listings (and the seller's), and their case file."""
    if output == Path():
        raise InputError("--output CASE.wacz is required")
    if not listing_ids and seller is None:
        raise InputError("give listing ids, --seller SELLER_ID, or both")
    if lang not in LANGUAGES:
        raise InputError(f"--lang must be one of {', '.join(LANGUAGES)}")
    if not output.parent.resolve().is_dir():
        raise InputError(f"{output.parent} is not a directory")
    settings = get_settings()
    key = load_or_create_key(settings.evidence_key_path)
    tsa_url = settings.evidence.tsa_url
    stamp = TimestampConfig(tsa_url, settings.evidence.tsa_timeout) if tsa_url else None
    store = open_store(db)
    try:
        with session_scope(store.sessions) as session:
            result = export_case(session, SnapshotStore(settings.crawler.snapshot_dir),
                                 ImageStore(settings.images.dir), output,
                                 listing_ids=listing_ids or [], seller_id=seller, key=key,
                                 actor=f"cli:{getpass.getuser()}", via="cli", lang=lang, timestamp=stamp)
    finally:
        store.close()
    typer.echo(f"wrote {output}: {result.listings} listings, {result.pages} pages, {result.records} records, "
               f"{result.photos} photos, signed by {result.fingerprint}", err=True)


@evidence_app.command("key")
def key() -> None:
    """Print the installation's public signing key and its fingerprint (the key is made on first use)."""
    signing = load_or_create_key(get_settings().evidence_key_path)
    typer.echo(public_key_pem(signing.public), nl=False)
    typer.echo(f"fingerprint: {signing.fingerprint}")
    typer.echo(f"key id: {signing.key_id}")


@evidence_app.command("verify")
def verify(
    package: Annotated[Path, typer.Argument(help="The .wacz package to check.")],
    key: Annotated[str | None, typer.Option("--key", help="Expected public key: a PEM file, or the key itself "
                                                           "(PEM or base64).")] = None,
) -> None:
    """Check every file, every WARC record and the signature of a package (no database needed)."""
    if not package.is_file():
        raise InputError(f"{package}: no such file")
    expected = None
    if key is not None:
        text = Path(key).read_text(encoding="utf-8") if Path(key).is_file() else key
        try:
            expected = parse_public_key(text)
        except SignatureError as exc:
            raise InputError(f"--key: {exc}") from exc
    try:
        result = verify_package(package, expected_key=expected)
    except PackageInvalid as exc:
        typer.echo(f"invalid: {exc}")
        raise typer.Exit(1) from None
    typer.echo(result.summary())


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
