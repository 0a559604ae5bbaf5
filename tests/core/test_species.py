"""The species catalogue on the floor: the classifier's lexicon, with each species' CITES appendix."""

from __future__ import annotations

from classifier.lexicon import DEFAULT_LEXICON_DIR, load_lexicon
from core.species import LEXICON_DIR, SpeciesName, resolve_species, severity, species_catalog


def test_catalogue_reads_the_lexicon_the_classifier_trains_with() -> None:
    assert LEXICON_DIR == DEFAULT_LEXICON_DIR
    assert {entry.name for entry in species_catalog()} == {entry["name"] for entry in load_lexicon(tables=False)["species"]}


def test_every_species_states_its_appendix() -> None:
    """A new species without a readable ``cites`` would sink to the bottom of the review queue."""
    unread = [e.name for e in species_catalog() if e.severity == 1 and not (e.cites or "").startswith(("III", "not"))]
    assert unread == []


def test_severity_reads_the_leading_appendix() -> None:
    def appendix(cites: str) -> int:
        return SpeciesName(name="x", en="x", cites=cites).severity

    assert [appendix(c) for c in ("I", "I (others II)", "II (Himalayan populations I)", "III (Canada)",
                                  "I or II (every primate)", "not listed (extinct)", "")] == [3, 3, 2, 1, 3, 1, 1]
    assert severity(["walrus ivory", "pangolin"]) == 3 and severity(["no such species"]) == 1


def test_names_resolve_in_any_script() -> None:
    assert resolve_species("穿山甲", species_catalog()) == "pangolin"
