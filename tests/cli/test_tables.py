"""CLI tables never cut what they exist to show: names and paths survive 80 columns."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from nervecentre.cli._common import CliTable, Col
from nervecentre.cli.main import app
from nervecentre.security import users
from nervecentre.security.tokens import create_token
from nervecentre.settings import Settings
from nervecentre.store.db import Database
from tests.cli.tables import column, on_one_line, uncut
from tests.security.conftest import FAST

runner = CliRunner()
LONG_USER = "inspector.rajeshwari-deshmukh-venkataraman.cyber-cell.thane-rural"[:64]
LONG_TOKEN = "nightly export of every Thane Rural register to the state data centre"


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(users, "hasher", lambda: FAST)


def _env(db: Database) -> dict[str, str]:
    return {
        "NERVECENTRE_DATABASE_URL": db.url,
        "NERVECENTRE_DATA_DIR": str(db.settings.data_dir),
        "COLUMNS": "80",
    }


def test_settings_show_every_name_and_default_whole() -> None:
    result = runner.invoke(app, ["settings"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    described = Settings.describe()
    assert [n for n, _, _ in described if not on_one_line(result.output, n)] == []
    assert [n for n, d, _ in described if not on_one_line(result.output, d or "(empty)")] == []
    assert uncut(result.output)


def test_user_list_and_token_list_keep_long_names(db: Database) -> None:
    users.create_user(db, LONG_USER, "correct horse battery", "investigator", actor="test")
    create_token(db, LONG_USER, LONG_TOKEN, actor="test")
    listed = runner.invoke(app, ["user", "list"], env=_env(db))
    assert listed.exit_code == 0, listed.output
    assert LONG_USER in column(listed.output, 0)
    assert uncut(listed.output)
    tokens = runner.invoke(app, ["token", "list"], env=_env(db))
    assert tokens.exit_code == 0, tokens.output
    assert LONG_USER in column(tokens.output, 1)
    assert LONG_TOKEN.replace(" ", "") in column(tokens.output, 2).replace(" ", "")
    assert tokens.output.count("…") == 1  # the token's prefix, marked as such
    assert max(len(line) for line in tokens.output.splitlines()) <= 80


@pytest.mark.parametrize("width", [20, 40, 80])
def test_one_line_columns_fold_rather_than_crop_when_the_terminal_is_narrow(width: int) -> None:
    table = CliTable(Col("Name", keep=True), Col("Code", keep=True), "Meaning")
    name, code = "a-very-long-name-that-cannot-fit-on-one-line", "UNIT-0123456789"
    table.add_row(name, code, "what it means, in words that wrap")
    out = io.StringIO()
    Console(file=out, width=width).print(table)
    text = out.getvalue()
    assert name in column(text, 0) and code in column(text, 1)
    assert uncut(text)
    assert max(len(line) for line in text.splitlines()) <= width
