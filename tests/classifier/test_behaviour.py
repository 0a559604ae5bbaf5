"""Behavioural suite (CheckList): pass-rate floors per test kind, and a table of every test.

Floors (issue 12): >= 98 % on minimum-functionality and invariance tests, >= 95 % on direction tests.
The table is printed at the end of the run; failing cases are listed in the assertion message.
"""

from __future__ import annotations

from collections import defaultdict
import pytest

import classifier

from . import checklist

FLOORS = {"MFT": 0.98, "INV": 0.98, "DIR": 0.95}
#: DIR tests compare scores; a claim "does not lower" if it costs at most this much.
TOLERANCE = 0.005
_RESULTS: dict[tuple[str, str], list[bool]] = defaultdict(list)


def _run(model: classifier.Model, cases: list[checklist.Case], *, record: bool = True) -> list[tuple[checklist.Case, bool, str]]:
    results = model.score_batch([c.title for c in cases], [c.description for c in cases])
    bases = sorted({c.base for c in cases if c.base is not None})
    base_results = dict(zip(bases, model.score_batch([b[0] for b in bases], [b[1] for b in bases])))
    out = []
    for case, result in zip(cases, results):
        if case.expect == "flag":
            ok = result.flagged and (not case.species or case.species in result.species)
        elif case.expect == "only":
            ok = result.flagged and result.species == (case.species,)
        elif case.expect == "pass":
            ok = not result.flagged
        elif case.expect == "none":
            ok = not result.flagged and not result.species
        else:
            before = base_results[case.base].score  # type: ignore[index]
            ok = result.score < before if case.expect == "lower" else result.score >= before - TOLERANCE
            if case.expect == "lower" and before < 0.01:
                ok = result.score <= before
        if case.kind == "INV":
            ok = ok and result.flagged == base_results[case.base].flagged  # type: ignore[index]
        if record:
            _RESULTS[(case.kind, case.name)].append(ok)
        out.append((case, ok, f"{case.title} | {case.description} -> {result.score:.3f} {result.species}"))
    return out


def table_lines() -> list[str]:
    """The pass-rate table (printed by conftest's pytest_terminal_summary)."""
    if not _RESULTS:
        return []
    lines = ["Behavioural suite (CheckList)                  cases  passed  rate"]
    for kind in ("MFT", "INV", "DIR"):
        rows = {name: r for (k, name), r in sorted(_RESULTS.items()) if k == kind}
        total = sum(len(r) for r in rows.values())
        passed = sum(sum(r) for r in rows.values())
        for name, r in rows.items():
            lines.append(f"  {kind} {name:<40} {len(r):>5}  {sum(r):>6}  {sum(r) / len(r):.3f}")
        if total:
            lines.append(f"{kind} total (floor {FLOORS[kind]:.0%}){'':<27} {total:>5}  {passed:>6}  {passed / total:.3f}")
    return lines


@pytest.mark.parametrize(
    ("kind", "make"),
    [("MFT", checklist.mft_cases), ("INV", checklist.inv_cases), ("DIR", checklist.dir_cases)],
)
def test_pass_rate(shipped_model: classifier.Model, kind: str, make) -> None:  # type: ignore[no-untyped-def]
    outcomes = _run(shipped_model, make())
    rate = sum(ok for _, ok, _ in outcomes) / len(outcomes)
    failures = [f"{case.name}: {text}" for case, ok, text in outcomes if not ok]
    assert rate >= FLOORS[kind], f"{kind} pass rate {rate:.3f} < {FLOORS[kind]}\n" + "\n".join(failures[:40])


def test_not_plastic_claim_names_no_species(shipped_model: classifier.Model) -> None:
    """唔係膠 / 不是塑料 ("not plastic") is a claim, never a species: 係膠 sounds like 犀角 (rhino horn), and
    model 2026.12.07-1 tagged the demo's hawksbill hairpin "…唔係膠" as rhino horn too. No floor: every case."""
    outcomes = _run(shipped_model, checklist.not_plastic_cases(), record=False)  # the MFT table has them
    failures = [text for _, ok, text in outcomes if not ok]
    assert not failures, "\n".join(failures)


def test_suite_is_not_the_training_data(seed_df) -> None:  # type: ignore[no-untyped-def]
    """The suite's listings are written apart from the generator: none is a training row."""
    seen = set(zip(seed_df["title"], seed_df["description"]))
    cases = checklist.mft_cases() + checklist.inv_cases() + checklist.dir_cases()
    assert not [c for c in cases if (c.title, c.description) in seen]
