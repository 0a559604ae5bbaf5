"""The species an analyst can filter on, in three scripts, with how many listings name each."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentKey, SessionDep
from api.errors import ERROR_RESPONSES
from api.schemas import SpeciesOut
from core.species import species_catalog
from store.stats import species_counts

router = APIRouter(prefix="/v1", tags=["stats"], responses=ERROR_RESPONSES)


@router.get("/species", response_model=list[SpeciesOut])
def list_species(session: SessionDep, key: CurrentKey) -> list[SpeciesOut]:
    """Every species the `species` filter accepts (lexicon order, then any only stored data names),
    with its names in English, Simplified and Traditional Chinese and its listing counts."""
    counts = species_counts(session)
    return [
        SpeciesOut(name=entry.name, en=entry.en, zh_hans=entry.zh_hans, zh_hant=entry.zh_hant,
                   scientific=list(entry.scientific), listings=counts.get(entry.name, (0, 0))[0],
                   flagged=counts.get(entry.name, (0, 0))[1])
        for entry in species_catalog(counts)
    ]
