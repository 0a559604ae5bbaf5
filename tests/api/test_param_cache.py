"""FastAPI's per-parameter helpers, cached by api.param_cache, answer as they did uncached."""

from __future__ import annotations

from fastapi.dependencies import utils
from fastapi.routing import APIRoute

from api.param_cache import _HELPERS, cache_param_introspection
from tests.api.conftest import Api


def _fields(api: Api) -> list[object]:
    fields = []
    routes = list(api.client.app.routes)  # type: ignore[attr-defined]
    while routes:
        route = routes.pop()
        if hasattr(route, "original_router"):  # an included router
            routes.extend(route.original_router.routes)
        elif isinstance(route, APIRoute):
            pending = [route.dependant]
            while pending:
                dependant = pending.pop()
                fields.extend([*dependant.query_params, *dependant.header_params, *dependant.cookie_params,
                               *dependant.path_params])
                pending.extend(dependant.dependencies)
    return fields


def test_cached_helpers_answer_as_fastapi_does(api: Api) -> None:
    cache_param_introspection()
    cache_param_introspection()  # idempotent: wrapped once
    for name in _HELPERS:
        cached = getattr(utils, name)
        assert cached.__wrapped_by_param_cache__
        assert not getattr(cached.__wrapped__, "__wrapped_by_param_cache__", False)
    fields = _fields(api)
    assert len(fields) > 20
    for field in fields:
        for _ in range(2):  # computed, then remembered
            assert utils._get_param_model(field) == utils._get_param_model.__wrapped__(field)
            assert utils._is_json_field(field) == utils._is_json_field.__wrapped__(field)
            assert utils._get_param_aliases(field) == utils._get_param_aliases.__wrapped__(field)
            assert utils._get_param_aliases(field, convert_underscores=True) == \
                utils._get_param_aliases.__wrapped__(field, convert_underscores=True)
            annotation = field.field_info.annotation  # type: ignore[attr-defined]
            assert utils.field_annotation_is_sequence(annotation) == \
                utils.field_annotation_is_sequence.__wrapped__(annotation)


def test_query_parameters_still_validate_as_declared(api: Api) -> None:
    """A list, a bool and a bad value through the cached helpers: FastAPI's answers and errors."""
    assert api.get("/v1/listings", params={"flagged": "yes", "limit": 1}).status_code == 200
    response = api.get("/v1/listings", params={"flagged": "maybe"})
    assert response.status_code == 422
    assert "flagged" in response.text
    assert api.get("/v1/listings", params={"limit": 0}).status_code == 422
