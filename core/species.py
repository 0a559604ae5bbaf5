"""The species catalogue: each species' English name, its names in three scripts and its CITES appendix.

Filters (`/v1/listings?species=`, `wildwatch subscribe --species`) take any of them, in any case,
and store or match the English common name the classifier emits.  An unknown name is an error that
names the closest known ones, never a filter that silently matches nothing.  The review queue ranks
listings by the species' CITES appendix, read from the same entries.

The catalogue is the lexicon's ``species.yaml`` (``data/lexicon``), read here on the floor so the
store, the API and the CLI share it; the classifier reads its own copy of the lexicon.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

__all__ = ["LEXICON_DIR", "SpeciesName", "UnknownSpecies", "species_catalog", "resolve_species", "severity"]

#: The lexicon the shipped classifier is trained with (``classifier.lexicon.DEFAULT_LEXICON_DIR``).
LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicon"
#: A ``cites`` field starts with the appendix that covers most of the species' trade ("I (…); others II").
_APPENDIX = re.compile(r"(III|II|I)\b")
_SEVERITY = {"I": 3, "II": 2, "III": 1}


@dataclass(frozen=True, slots=True)
class SpeciesName:
    """One species: ``name`` is what scores, filters and subscriptions carry."""

    name: str
    en: str
    zh_hans: str | None = None
    zh_hant: str | None = None
    scientific: tuple[str, ...] = ()
    cites: str | None = None

    @property
    def severity(self) -> int:
        """3 for CITES Appendix I, 2 for Appendix II, 1 for III, unlisted or unknown."""
        found = _APPENDIX.match(self.cites or "")
        return _SEVERITY[found.group(1)] if found else 1

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
                    zh_hant=entry.get("zh_hant"), scientific=tuple(entry.get("scientific") or ()),
                    cites=entry.get("cites"))
        for entry in data["species"]
    )


def species_catalog(extra: Iterable[str] = (), *, lexicon_dir: Path = LEXICON_DIR) -> list[SpeciesName]:
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


@lru_cache(maxsize=4)
def _severities(directory: Path) -> dict[str, int]:
    return {entry.name: entry.severity for entry in _lexicon_species(directory)}


def severity(species: Sequence[str], *, lexicon_dir: Path = LEXICON_DIR) -> int:
    """The worst CITES appendix among ``species`` as 3 (I), 2 (II) or 1 (anything else, unknown names too)."""
    table = _severities(lexicon_dir)
    return max((table.get(name, 1) for name in species), default=1)
