"""schemathesis with the moderator key (tests/api runs analyst and admin): the operations whose
behaviour depends on the role, and a sample of the rest, with generated valid and invalid input."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection, positive_data_acceptance

from tests.faults.tally import note
from tests.security.conftest import SecureWorld

EXAMPLES = max(10, int(os.environ.get("WILDWATCH_FUZZ_EXAMPLES", "100")) // 10)


def test_moderator_role_no_server_errors_no_schema_violations(world: SecureWorld) -> None:
    loaded = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    loaded.config.headers = {"Authorization": f"Bearer {world.keys['moderator']}"}
    failures: list[str] = []
    calls: list[str] = []
    for result in loaded.exclude(method="DELETE").get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            calls.append(case.operation.label)
            case.call_and_validate(excluded_checks=[ignored_auth, negative_data_rejection, positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # collect all, report together
            failures.append(f"{operation.label}: {exc}")
    note("security/schemathesis_moderator_calls", len(calls))
    assert not failures, "\n\n".join(failures)
    assert {"POST /v1/listings/{listing_id}/reviews", "GET /v1/alerts/deliveries"} <= set(calls)
