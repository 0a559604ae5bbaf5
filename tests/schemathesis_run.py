"""One schemathesis pass over every operation of a loaded schema (the pytest plugin's lazy
fixtures break on pytest 9, so we drive hypothesis ourselves)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection, positive_data_acceptance


def run_all_operations(schema: Any, *, examples: int) -> tuple[list[str], list[str]]:
    """Generated valid and invalid input for each operation: (failures, operation labels called)."""
    failures: list[str] = []
    calls: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            calls.append(case.operation.label)
            case.call_and_validate(excluded_checks=[ignored_auth, negative_data_rejection, positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # collect all, report together
            failures.append(f"{operation.label}: {exc}")
    return failures, calls
