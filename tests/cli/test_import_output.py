"""What `nervecentre import` says: every column left out, and a dry run that writes nothing."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.store.db import Database
from tests.imports.registers import HEADERS, row, write_csv

runner = CliRunner()
AS = "--as-installation"


def _env(db: Database) -> dict[str, str]:
    return {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_a_dry_run_against_no_database_creates_none(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    register = write_csv(tmp_path / "in" / "reg.csv", [row(1), row(2, Status="??")])
    before = _files(tmp_path)
    url = f"sqlite:///{tmp_path / 'data' / 'new.db'}"
    env = {"NERVECENTRE_DATABASE_URL": url, "NERVECENTRE_DATA_DIR": str(tmp_path / "data")}
    result = runner.invoke(app, ["import", str(register), AS, "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "1 cases would be created" in text
    assert "does not exist yet" in text and "checked against an empty one" in text
    assert "Rejected rows written" not in text
    assert "no case was written, nor anything else" in text
    assert _files(tmp_path) == before  # no database, no key, no rejects file
    assert not (tmp_path / "data").exists()


def test_a_dry_run_writes_no_rejects_file_unless_asked(db: Database, tmp_path: Path) -> None:
    register = write_csv(tmp_path / "reg.csv", [row(1), row(2, Status="??")])
    plain = runner.invoke(app, ["import", str(register), AS, "--dry-run"], env=_env(db))
    assert plain.exit_code == 0, plain.output
    assert not (tmp_path / "reg.rejects.csv").exists()
    assert "Dry run:" in plain.output and "Rejected rows written" not in plain.output
    asked = tmp_path / "out.csv"
    told = runner.invoke(
        app, ["import", str(register), AS, "--dry-run", "--rejects", str(asked)], env=_env(db)
    )
    assert told.exit_code == 0, told.output
    assert asked.is_file()
    assert f"the rejected rows, to {asked}" in " ".join(told.output.split())


def test_a_column_left_out_is_in_the_summary_and_fails_strict(db: Database, tmp_path: Path) -> None:
    headers = ["Victim Names" if h == "Victims" else h for h in HEADERS] + ["Empty"]
    rows = [{**row(n), "Victim Names": "Rina Das (F/16)"} for n in (1, 2)]
    register = write_csv(tmp_path / "reg.csv", rows, headers=headers)
    result = runner.invoke(app, ["import", str(register), AS, "--strict"], env=_env(db))
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "2 cases were created" in text and "0 rejected" in text
    assert (
        "column 'Victim Names' is not in the mapping (2 rows hold data there, not imported); "
        "did you mean 'Victims'?"
    ) in text
    assert "Empty columns not in the mapping: 'Empty'." in text


def test_the_rejects_table_shows_cells_as_they_were(db: Database, tmp_path: Path) -> None:
    bad = [row(1, **{"FIR No": "1/2019"}), row(2, Accused="Ravi [boss] (M/abc)")]
    register = write_csv(tmp_path / "reg.csv", bad)
    env = {**_env(db), "COLUMNS": "200"}
    result = runner.invoke(app, ["import", str(register), AS], env=env)
    assert result.exit_code == 0, result.output
    assert "1/2019" in result.output and "Ravi [boss] (M/abc)" in result.output
