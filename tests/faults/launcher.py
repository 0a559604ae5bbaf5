"""Client side of the pre-forking launcher (``tests.faults.zygote``): spawn, wait, kill -9."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["Launcher", "ROOT"]

ROOT = Path(__file__).resolve().parents[2]


class Launcher:
    """One zygote process; every call is bounded in time."""

    def __init__(self, *, startup_timeout: float = 180.0) -> None:
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.zygote"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
        )
        self.children: set[int] = set()
        self._selector = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)
        ready = self._read(startup_timeout)
        if not ready.get("ready"):
            raise RuntimeError(f"launcher did not start: {ready}")

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        if not self._selector.select(timeout):
            raise TimeoutError("launcher did not answer in time")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("launcher exited")
        return json.loads(line)

    def _call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = self._read(timeout)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def spawn(self, argv: list[str], *, env: dict[str, str], log: Path) -> int:
        """Start ``wildwatch <argv>`` in a new session; returns its pid."""
        pid = self._call({"op": "spawn", "argv": argv, "env": env, "log": str(log)}, 30)["pid"]
        self.children.add(pid)
        return pid

    def wait(self, pid: int, timeout: float) -> int | None:
        """The exit code, or None if still running after ``timeout`` seconds."""
        rc = self._call({"op": "wait", "pid": pid, "timeout": timeout}, timeout + 30)["rc"]
        if rc is not None:
            self.children.discard(pid)
        return rc

    def kill(self, pid: int) -> int | None:
        """SIGKILL the child's whole process group and reap it."""
        rc = self._call({"op": "kill", "pid": pid}, 40)["rc"]
        self.children.discard(pid)
        return rc

    def run(self, argv: list[str], *, env: dict[str, str], log: Path, timeout: float) -> int:
        """Run to completion (bounded); a child still running at the deadline is killed and fails."""
        pid = self.spawn(argv, env=env, log=log)
        rc = self.wait(pid, timeout)
        if rc is None:
            self.kill(pid)
            raise TimeoutError(f"wildwatch {' '.join(argv)} did not finish in {timeout}s; log: {log}")
        return rc

    def close(self) -> None:
        for pid in list(self.children):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)
        self._selector.close()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
