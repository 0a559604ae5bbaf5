"""Docs stay true: every setting and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import typer

from wildwatch.cli import COMMANDS, build_app, command_module
from core.settings import settings_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_configuration_doc_is_generated_from_the_settings() -> None:
    current = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert current == settings_markdown(), "run: python -m core.settings > docs/configuration.md"


def _command_names(typer_app: typer.Typer, prefix: str = "") -> list[str]:
    names = [prefix + (c.name or c.callback.__name__) for c in typer_app.registered_commands]  # type: ignore[union-attr]
    for group in typer_app.registered_groups:
        names += _command_names(group.typer_instance, f"{prefix}{group.name} ")  # type: ignore[arg-type]
    return names


def test_every_cli_command_is_in_the_readme_or_docs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md")
    )
    app = build_app(list({id(m): m for m in map(command_module, COMMANDS)}.values()))
    missing = [name for name in _command_names(app) if f"wildwatch {name}" not in text]
    assert not missing, f"undocumented commands: {missing}"
