"""The CLI imports a command's module only when that command runs, and its table names every command."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import typer

import wildwatch.commands
from wildwatch.cli import COMMANDS, SUMMARIES, build_app, command_module


def _top_level_names(app: typer.Typer) -> list[str]:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]
    return names + [str(g.name) for g in app.registered_groups]


def test_the_table_names_exactly_what_each_module_registers() -> None:
    for info in pkgutil.iter_modules(wildwatch.commands.__path__):
        module = importlib.import_module(f"wildwatch.commands.{info.name}")
        if not hasattr(module, "register"):
            continue
        registered = _top_level_names(build_app([module]))
        assert sorted(registered) == sorted(name for name, mod in COMMANDS.items() if mod == info.name), info.name


def test_each_summary_is_the_first_paragraph_of_its_commands_help() -> None:
    """`wildwatch --help` lists SUMMARIES; each must say what the command's own help says."""
    assert list(SUMMARIES) == list(COMMANDS)
    for name in COMMANDS:
        command = typer.main.get_group(build_app([command_module(name)])).commands[name]
        assert SUMMARIES[name] == inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0], name


def test_root_help_lists_every_command_and_imports_none() -> None:
    code = (
        "import sys\n"
        "from wildwatch.cli import main\n"
        "try:\n"
        "    sys.argv = ['wildwatch', '--help']\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('wildwatch.commands.', 'core.settings'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=os.environ | {"COLUMNS": "200"})
    assert out.stdout.splitlines()[-1] == "[]"
    for name in COMMANDS:
        assert f" {name} " in out.stdout, name


def test_starting_the_cli_imports_no_command_module() -> None:
    code = (
        "import sys, wildwatch.cli\n"
        "loaded = [m for m in sys.modules if m.startswith(('wildwatch.commands.', 'store', 'api', 'crawler', "
        "'classifier', 'sqlalchemy', 'scrapy', 'fastapi', 'pandas', 'sklearn', 'core.settings', 'pydantic'))]\n"
        "print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_loads_no_settings_and_no_command() -> None:
    code = (
        "import sys\n"
        "from wildwatch.cli import main\n"
        "try:\n"
        "    sys.argv = ['wildwatch', '--version']\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('wildwatch.commands.', 'core.settings', 'pydantic'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"
    assert out.stdout.splitlines()[0].startswith("wildwatch ")


def test_scoring_a_small_file_imports_only_what_scoring_needs(tmp_path: Path) -> None:
    """Start-up time of `wildwatch score` (bench/score_cli.py, "ready"): training, secrets sealing,
    the store, pandas and scikit-learn stay out of it."""
    source = tmp_path / "in.csv"
    source.write_text("id,title,description\n1,象牙手镯,私聊\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from wildwatch.cli import main\n"
        f"sys.argv = ['wildwatch', 'score', '--input', {str(source)!r}, '--output', {str(tmp_path / 'out.csv')!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = ('classifier.train', 'classifier.feedback', 'cryptography', 'multiprocessing', 'pandas', 'sklearn',\n"
        "         'scipy', 'skops', 'sqlalchemy', 'store.')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy) or m == 'rjieba'))\n"
        "import gc, os, threading\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10_000)\n"
        "tasks = f'/proc/{os.getpid()}/task'\n"
        "print(len(os.listdir(tasks)) if os.path.isdir(tasks) else threading.active_count())"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.splitlines()[-3] == "[]"
    # The loaded model is frozen out of garbage collection (kept_for_life), and collection is back on.
    assert out.stdout.splitlines()[-2] == "True True"
    # No OpenBLAS thread pool: the process scored a small file in its one thread.
    assert out.stdout.splitlines()[-1] == "1"
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("\n") == 2
