"""Every command is documented: it has --help text, and the README or docs mention it."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.main import get_command
from typer.testing import CliRunner

from nervecentre.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[str]:
    group = get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    return sorted(group.commands)


def test_every_command_is_in_the_docs() -> None:
    text = (ROOT / "README.md").read_text() + "".join(
        p.read_text() for p in (ROOT / "docs").glob("*.md")
    )
    missing = [name for name in _commands() if f"nervecentre {name}" not in text]
    assert not missing, f"undocumented commands: {missing}"


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for name in _commands():
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage" in result.output and len(result.output) > 200, name
