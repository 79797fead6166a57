"""The command line: help everywhere, clear errors, exit codes, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv

runner = CliRunner()


def _env(db: Database) -> dict[str, str]:
    return {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}


def test_every_command_has_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]
    groups = [g.name for g in app.registered_groups]
    assert {"init", "import", "demo", "export", "summary", "generate"} <= set(commands)
    for name in commands + groups:
        sub = runner.invoke(app, [str(name), "--help"])
        assert sub.exit_code == 0, (name, sub.output)
        assert "Usage" in sub.output and len(sub.output) > 200, name


def test_import_dry_run_then_real_then_summary(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "reg.csv", [row(1), row(2), row(3, **{"FIR Date": "99/99/2023"})])
    env = _env(db)
    dry = runner.invoke(app, ["import", str(path), "--as-installation", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "2 cases would be created" in dry.output and "Dry run" in dry.output
    real = runner.invoke(app, ["import", str(path), "--as-installation", "--strict"], env=env)
    assert real.exit_code == 1
    assert "2 cases were created" in real.output and "not a valid date" in real.output
    summary = runner.invoke(app, ["summary", "--json"], env=env)
    assert summary.exit_code == 0 and '"cases": 2' in summary.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "/no/such/file.csv", "--as-installation"], "no such file"),
        (["import", "{tmp}/empty.csv", "--as-installation"], "empty"),
        (["import", "{tmp}/reg.csv", "--as-installation", "--mapping", "nope"], "no mapping named"),
        (["export", "xml", "-o", "{tmp}/out"], "xml"),
    ],
)
def test_user_errors_are_one_clear_line_and_non_zero(
    db: Database, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    write_csv(tmp_path / "reg.csv", [row(1)])
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args], env=_env(db))
    assert result.exit_code not in (0, 1), result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    env = {
        "NERVECENTRE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "NERVECENTRE_DATA_DIR": str(tmp_path),
    }
    result = runner.invoke(app, ["summary"], env=env)
    assert result.exit_code == 74 and "cannot reach the database" in result.output
    bad = runner.invoke(app, ["summary"], env={**env, "NERVECENTRE_DATABASE_URL": "mysql://x/y"})
    assert bad.exit_code == 78 and "unsupported database" in bad.output
