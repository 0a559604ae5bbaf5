"""schemathesis with the moderator key (tests/api runs analyst and admin): the operations whose
behaviour depends on the role, and a sample of the rest, with generated valid and invalid input."""

from __future__ import annotations

import os

import schemathesis

from tests.faults.tally import note
from tests.schemathesis_run import run_all_operations
from tests.security.conftest import SecureWorld

EXAMPLES = max(10, int(os.environ.get("WILDWATCH_FUZZ_EXAMPLES", "100")) // 10)


def test_moderator_role_no_server_errors_no_schema_violations(world: SecureWorld) -> None:
    loaded = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    loaded.config.headers = {"Authorization": f"Bearer {world.keys['moderator']}"}
    failures, calls = run_all_operations(loaded.exclude(method="DELETE"), examples=EXAMPLES)
    note("security/schemathesis_moderator_calls", len(calls))
    assert not failures, "\n\n".join(failures)
    assert {"POST /v1/listings/{listing_id}/reviews", "GET /v1/alerts/deliveries"} <= set(calls)
