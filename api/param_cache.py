"""Remember what FastAPI works out about a parameter's declaration instead of working it out per request.

For every query, header and cookie parameter of every request, FastAPI (0.165) asks again
whether its type is a sequence, a Json field or a parameter model, and what its aliases are:
typing introspection whose answer depends only on the declaration, which never changes once
the app is built.  For the listing page's 20 parameters that was a quarter of the time the
event loop spent on a request (py-spy ``--gil``, 1M listings, 2026-12-07).  The helpers are
wrapped with caches keyed by the declaration object (kept alive by the cache, so its ``id`` is
never reused); what they return and every error FastAPI raises stay the same.  A FastAPI without
these helpers is left alone.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Any

from fastapi.dependencies import utils

__all__ = ["cache_param_introspection"]

#: Declarations remembered per helper before the cache starts over (tests build many apps).
_MAX_ENTRIES = 10_000

_lock = threading.Lock()


def _by_identity(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function(obj, **options)`` remembered per ``(id(obj), options)``; ``obj`` is kept alive with its answer."""
    answers: dict[Hashable, tuple[Any, Any]] = {}

    @functools.wraps(function)
    def cached(obj: Any, *args: Any, **options: Any) -> Any:
        if args:  # a call this cache was not written for (another FastAPI): answered uncached
            return function(obj, *args, **options)
        key: Hashable = (id(obj), *sorted(options.items())) if options else id(obj)
        hit = answers.get(key)
        if hit is not None and hit[0] is obj:
            return hit[1]
        answer = function(obj, **options)
        if len(answers) >= _MAX_ENTRIES:
            answers.clear()
        answers[key] = (obj, answer)
        return answer

    cached.__wrapped_by_param_cache__ = True  # type: ignore[attr-defined]
    return cached


#: The helpers of ``fastapi.dependencies.utils`` that depend only on their first argument (a
#: ModelField or an annotation).  ``_get_param_aliases`` returns a list its callers only read.
_HELPERS = ("_get_param_model", "_get_param_aliases", "_is_json_field", "field_annotation_is_sequence")


def cache_param_introspection() -> None:
    """Wrap FastAPI's per-parameter helpers with caches (once per process; idempotent)."""
    with _lock:
        for name in _HELPERS:
            helper = getattr(utils, name, None)
            if helper is None or getattr(helper, "__wrapped_by_param_cache__", False):
                continue
            setattr(utils, name, _by_identity(helper))
