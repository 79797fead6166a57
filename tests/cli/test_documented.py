"""Every command is documented: it has --help text, and the README or docs mention it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.security import users
from nervecentre.store.db import Database
from tests.security.conftest import FAST

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


def test_readme_account_examples_run_against_the_demo_accounts(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's user and token examples name accounts that `demo-users` creates."""
    monkeypatch.setattr(users, "hasher", lambda: FAST)
    env = {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}
    runner = CliRunner()
    assert runner.invoke(app, ["demo-users"], env=env).exit_code == 0
    examples = [
        shlex.split(line.split("#", 1)[0])[1:]
        for line in (ROOT / "README.md").read_text().splitlines()
        if re.match(r"nervecentre (user|token|grant) ", line)
    ]
    assert examples
    for argv in examples:
        result = runner.invoke(app, argv, env=env)
        assert result.exit_code == 0, (argv, result.output)
