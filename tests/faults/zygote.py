"""A pre-forking launcher: imports WildWatch once, then forks a real child per command.

Starting ``python -m wildwatch.cli`` costs seconds of imports on a busy 2-core machine; the
kill -9 loop needs dozens of processes.  Each child here is a real OS process (own pid, own
session) running ``wildwatch.cli.main`` with its own argv and environment, so ``kill -9`` on it
is exactly what an operator's OOM killer or power cut does.  Protocol: one JSON object per line
on stdin, one JSON answer per line on stdout.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any

import crawler.run  # noqa: F401  (pre-import: Scrapy, the spider, the pipeline)
import uvicorn  # noqa: F401
import wildwatch.cli
from api.app import create_app  # noqa: F401
from wildwatch.scoring import load_classifier  # noqa: F401
from core.settings import get_settings


def _spawn(argv: list[str], env: dict[str, str], log: str) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setsid()
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.environ.update(env)
        get_settings.cache_clear()
        sys.argv = ["wildwatch", *argv]
        try:
            wildwatch.cli.main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - report anything in the child's log, never return to the loop
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _wait(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def _handle(request: dict[str, Any]) -> dict[str, Any]:
    op = request["op"]
    if op == "spawn":
        return {"pid": _spawn(request["argv"], request.get("env", {}), request["log"])}
    if op == "wait":
        return {"rc": _wait(request["pid"], request.get("timeout", 0.0))}
    if op == "kill":
        try:
            os.killpg(request["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass
        return {"rc": _wait(request["pid"], 10.0)}
    raise ValueError(f"unknown op {op!r}")


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        try:
            answer = _handle(json.loads(line))
        except Exception as exc:  # noqa: BLE001 - the test reads the error
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
