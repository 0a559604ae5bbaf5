"""Species names an analyst may type: the lexicon's English name and its names in three scripts.

Filters (`/v1/listings?species=`, `wildwatch subscribe --species`) take any of them, in any case,
and store or match the English common name the classifier emits.  An unknown name is an error that
names the closest known ones, never a filter that silently matches nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .lexicon import DEFAULT_LEXICON_DIR

__all__ = ["SpeciesName", "UnknownSpecies", "species_catalog", "resolve_species"]


@dataclass(frozen=True, slots=True)
class SpeciesName:
    """One species: ``name`` is what scores, filters and subscriptions carry."""

    name: str
    en: str
    zh_hans: str | None = None
    zh_hant: str | None = None
    scientific: tuple[str, ...] = ()

    def spellings(self) -> set[str]:
        """Every accepted spelling, folded for case-insensitive matching."""
        return {s.casefold() for s in (self.name, self.en, self.zh_hans, self.zh_hant) if s}


class UnknownSpecies(ValueError):
    """A species name nobody knows; ``suggestions`` are the closest known names."""

    def __init__(self, value: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"unknown species {value!r}{hint}")
        self.value = value
        self.suggestions = suggestions


@lru_cache(maxsize=4)
def _lexicon_species(directory: Path) -> tuple[SpeciesName, ...]:
    data = yaml.safe_load((directory / "species.yaml").read_text(encoding="utf-8"))
    return tuple(
        SpeciesName(name=entry["name"], en=entry.get("en") or entry["name"], zh_hans=entry.get("zh_hans"),
                    zh_hant=entry.get("zh_hant"), scientific=tuple(entry.get("scientific") or ()))
        for entry in data["species"]
    )


def species_catalog(extra: Iterable[str] = (), *, lexicon_dir: Path = DEFAULT_LEXICON_DIR) -> list[SpeciesName]:
    """The lexicon's species, then any ``extra`` names (species stored by an older lexicon) it lacks."""
    known = list(_lexicon_species(lexicon_dir))
    names = {entry.name for entry in known}
    known += [SpeciesName(name=name, en=name) for name in sorted(set(extra) - names) if name]
    return known


def resolve_species(value: str, catalog: Iterable[SpeciesName]) -> str:
    """The English name of the species ``value`` names in any script or case (UnknownSpecies otherwise)."""
    entries = list(catalog)
    wanted = value.strip().casefold()
    for entry in entries:
        if wanted in entry.spellings():
            return entry.name
    raise UnknownSpecies(value, close_species(wanted, entries))


def close_species(wanted: str, entries: list[SpeciesName], limit: int = 3) -> list[str]:
    """Names containing what was typed (``ivory``), then the most similar spellings (``pangolim``)."""
    found = [e.name for e in entries if wanted and any(wanted in s or s in wanted for s in e.spellings())]
    spelling_to_name = {s: e.name for e in entries for s in e.spellings()}
    for spelling in difflib.get_close_matches(wanted, list(spelling_to_name), n=limit * 2, cutoff=0.6):
        found.append(spelling_to_name[spelling])
    return list(dict.fromkeys(found))[:limit]
