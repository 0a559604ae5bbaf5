"""The listing filters shared by /v1/listings, /v1/export and /v1/stats."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.schemas import SafeStr, UtcDatetime
from core.species import UnknownSpecies, resolve_species, species_catalog
from core.errors import InputError
from core.langs import LANG_ALIASES, LANGS, canonical_lang
from store.models import ListingSpecies
from store.queries import ListingFilter

__all__ = ["ListingFilterDep", "MAX_ID", "resolve_lang", "resolve_species_name"]

MAX_ID = 2**63 - 1
_MAX_PRICE = 1e15


def resolve_lang(value: str | None) -> str | None:
    """``en``, ``zh-Hans`` or ``zh-Hant`` (region tags such as ``zh-CN`` and ``zh-HK`` as aliases); else a 422."""
    lang = canonical_lang(value)
    if lang is not None and lang not in LANGS:
        aliases = ", ".join(f"{alias}={canonical}" for alias, canonical in LANG_ALIASES.items())
        raise InputError(f"unknown lang {value!r}: use one of {', '.join(LANGS)} (aliases: {aliases})")
    return lang


def resolve_species_name(value: str | None, factory: sessionmaker[Session]) -> str | None:
    """The English name of a species typed in any of its three scripts or any case; else a 422 naming
    the closest ones.  Species stored by an older lexicon count as known (looked up only then)."""
    if value is None or not value.strip():
        return None
    try:
        return resolve_species(value, species_catalog())
    except UnknownSpecies:
        pass
    wanted = value.strip().lower()  # stored names are the classifier's lower-case English names
    with factory() as session:
        # an index probe on the hot path; the full list only for the error message
        if session.scalar(select(ListingSpecies.species).where(ListingSpecies.species == wanted).limit(1)):
            return wanted
        stored = session.scalars(select(ListingSpecies.species).distinct()).all()
    try:
        return resolve_species(value, species_catalog(stored))
    except UnknownSpecies as exc:
        raise InputError(f"{exc} (GET /v1/species lists them)") from exc


async def listing_filter(
    request: Request,
    flagged: Annotated[bool | None, Query(description="Only listings flagged (true) or not flagged (false).")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False)] = None,
    species: Annotated[SafeStr | None, Query(
        max_length=64, description="A species by any of its names in `GET /v1/species`, any case: `pangolin`, "
        "`Pangolin`, `穿山甲`.  An unknown name is a 422 naming the closest ones.")] = None,
    marketplace: Annotated[SafeStr | None, Query(max_length=255, description="Marketplace host.")] = None,
    seller_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    lang: Annotated[SafeStr | None, Query(
        max_length=16, description="`en`, `zh-Hans` (Simplified) or `zh-Hant` (Traditional); `zh-CN`, `zh-HK`, "
        "`zh-TW` are accepted as aliases.")] = None,
    review_status: Annotated[
        Literal["confirmed", "dismissed", "escalated", "unreviewed"] | None,
        Query(description="Moderator decision; `unreviewed` for none yet."),
    ] = None,
    first_seen_from: Annotated[UtcDatetime | None, Query(description="ISO 8601; no zone means UTC.")] = None,
    first_seen_to: Annotated[UtcDatetime | None, Query()] = None,
    last_seen_from: Annotated[UtcDatetime | None, Query()] = None,
    last_seen_to: Annotated[UtcDatetime | None, Query()] = None,
    min_price: Annotated[float | None, Query(ge=0, le=_MAX_PRICE, allow_inf_nan=False)] = None,
    max_price: Annotated[float | None, Query(ge=0, le=_MAX_PRICE, allow_inf_nan=False)] = None,
    q: Annotated[
        SafeStr | None,
        Query(max_length=200, description="Free text; Simplified and Traditional Chinese match each other."),
    ] = None,
) -> ListingFilter:
    """Query parameters -> ListingFilter (async: pure computation, no thread hop)."""
    return ListingFilter(
        flagged=flagged,
        species=resolve_species_name(species, request.app.state.session_factory),
        marketplace=marketplace,
        seller_id=seller_id,
        lang=resolve_lang(lang),
        review_status=review_status,
        min_score=min_score,
        max_score=max_score,
        first_seen_from=first_seen_from,
        first_seen_to=first_seen_to,
        last_seen_from=last_seen_from,
        last_seen_to=last_seen_to,
        min_price=None if min_price is None else Decimal(str(min_price)),
        max_price=None if max_price is None else Decimal(str(max_price)),
        q=q,
    )


ListingFilterDep = Annotated[ListingFilter, Depends(listing_filter)]
