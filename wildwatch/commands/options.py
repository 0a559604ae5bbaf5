"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import typer

from core.addresses import private_addresses
from core.errors import InputError

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: WILDWATCH_DATABASE_URL or var/wildwatch.db).", show_default=False),
]

AllowPrivateOption = Annotated[
    bool,
    typer.Option("--allow-private", help="Accept a URL whose host is a loopback, private, link-local or "
                 "cloud-metadata address (a warning is printed)."),
]


def check_public_address(url: str, *, allow_private: bool, what: str, note: str = "") -> None:
    """Refuse (InputError) a URL whose host resolves to a non-public address, unless ``allow_private``.

    Marketplaces and webhook receivers are on the public internet; a URL that names 127.0.0.1,
    10.x or 169.254.169.254 is a typo or an attempt to reach the host's own network (SSRF), so it
    takes an explicit flag, and then a warning says what was accepted.
    """
    host = urlsplit(url).hostname or ""
    try:
        found = private_addresses(url)
    except (OSError, UnicodeError) as exc:
        typer.echo(f"warning: cannot resolve {host} now ({exc}); its addresses are checked when it is used", err=True)
        return
    if not found:
        return
    shown = ", ".join(f"{address} ({kind})" for address, kind in found)
    if not allow_private:
        raise InputError(f"{url} points at {shown}, not a public address; pass --allow-private to {what} anyway")
    typer.echo(f"warning: {url} points at {shown}; accepted because of --allow-private{note}", err=True)
