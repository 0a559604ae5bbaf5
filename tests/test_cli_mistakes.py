"""Every user mistake is one short line and a documented exit code, never a traceback (the real
`wildwatch` command in its own process, as a user types it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

WILDWATCH = str(Path(sys.executable).with_name("wildwatch"))

MISTAKES = [
    # (arguments, exit code, words the one line must contain)
    (["nightly", "--foo"], 2, ["No such option: --foo"]),
    (["scor"], 2, ["No such command 'scor'", "Did you mean 'score'"]),
    (["score", "--input"], 2, ["'--input' requires an argument"]),
    (["score", "--output", "{tmp}/x.csv"], 2, ["--output needs --input"]),
    (["score", "--input", "{tmp}/missing.csv", "--output", "{tmp}/x.csv"], 2, ["no such file"]),
    (["status", "--db", "nonsense"], 2, ["not a database URL"]),
    (["status", "--db", "mysql://user:hunter2@db/x"], 2, ["unsupported database 'mysql'"]),
    (["status", "--db", "sqlite:///{tmp}/nonexistent/dir/x.db"], 4, ["no database at", "wildwatch init"]),
    (["export", "--output", "{tmp}/out.csv", "--db", "sqlite:///{tmp}/none.db"], 4, ["no database at"]),
    (["nightly", "--config", "{tmp}/missing.yaml"], 2, ["no config file at"]),
    (["sites", "disable", "nosuch"], 2, ["no site named 'nosuch'"]),
    (["sites", "add", "ftp://example.org/"], 2, ["not an http(s) URL"]),
    (["train", "--with-reviews", "--force"], 2, ["--force needs --reason"]),
    (["train", "--force", "--reason", "urgent"], 2, ["--force only applies with --with-reviews"]),
    (["sites", "remove", "nosuch"], 2, ["no site named 'nosuch'"]),
    (["subscribe", "--webhook", "http://127.0.0.1:9/h", "--allow-private", "--secret", "s", "--species", "unicorn"], 2,
     ["unknown species 'unicorn'"]),
    (["subscribe", "--webhook", "http://127.0.0.1:9/h", "--allow-private", "--secret", "s", "--species", "ivory"], 2,
     ["unknown species 'ivory'; did you mean 'elephant ivory', 'mammoth ivory'"]),
]


def _env(tmp: Path) -> dict[str, str]:
    return dict(os.environ) | {
        "WILDWATCH_DATABASE_URL": f"sqlite:///{tmp / 'wildwatch.db'}",
        "WILDWATCH_VAR_DIR": str(tmp / "var"),
        "WILDWATCH_CONFIG_FILE": str(tmp / "wildwatch.yaml"),
    }


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    subprocess.run([WILDWATCH, "init"], env=_env(tmp), check=True, capture_output=True, timeout=120)
    return tmp


@pytest.mark.parametrize(("args", "code", "words"), MISTAKES, ids=[" ".join(m[0]) for m in MISTAKES])
def test_a_mistake_is_one_line_and_an_exit_code(initialised: Path, args: list[str], code: int, words: list[str]) -> None:
    argv = [a.replace("{tmp}", str(initialised)) for a in args]
    result = subprocess.run([WILDWATCH, *argv], env=_env(initialised), capture_output=True, text=True, timeout=120)
    output = (result.stdout + result.stderr).strip()
    assert "Traceback" not in output, output
    assert len(output.splitlines()) <= 3, output
    assert result.returncode == code, output
    for word in words:
        assert word in output, output
    assert "hunter2" not in output, "a password never appears in an error"


def test_read_only_commands_create_no_database(tmp_path: Path) -> None:
    target = tmp_path / "not" / "here.db"
    for argv in (["status"], ["sites", "list"], ["apikey", "list"], ["alerts", "subscriptions"]):
        result = subprocess.run([WILDWATCH, *argv, "--db", f"sqlite:///{target}"], env=_env(tmp_path),
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 4, result.stderr
    assert not target.parent.exists()


def test_no_command_prints_the_help_and_no_error_line() -> None:
    """`wildwatch` alone is a request for help (exit 2, as click has it), not a mistake to report."""
    done = subprocess.run([WILDWATCH], capture_output=True, text=True, timeout=60, env=os.environ | {"COLUMNS": "200"})
    assert done.returncode == 2
    assert "Usage: wildwatch" in done.stdout and " score " in done.stdout
    assert "error" not in done.stderr.lower()
