"""The library CLI: JSON-lines contracts, per-file errors and exit codes, help with examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.library._pdf import write_pdf
from nervecentre.library.synth import docx_bytes
from nervecentre.store.db import Database
from tests.library.test_library import HINDI, JUDGMENT, case_key
from tests.library.test_similar import PLANTED
from tests.security.conftest import World

runner = CliRunner()


def env(db: Database) -> dict[str, str]:
    return {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}


@pytest.mark.parametrize("command", ["add", "search", "similar", "link", "unlink", "restrict"])
def test_help_teaches_with_examples(command: str) -> None:
    result = runner.invoke(app, ["library", command, "--help"], terminal_width=100)
    assert result.exit_code == 0
    assert "Example" in result.output and "nervecentre library " + command in result.output


def test_add_search_json_and_similar(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "j.pdf").write_bytes(write_pdf(JUDGMENT))
    (folder / "h.docx").write_bytes(docx_bytes(HINDI))
    for i, text in enumerate(PLANTED):
        (folder / f"p{i}.txt").write_text(text, encoding="utf-8")
    (folder / "locked.pdf").write_bytes(b"%PDF-1.7 \x00 broken")
    e = env(world.db)
    added = runner.invoke(app, ["library", "add", str(folder), "--as", "inv"], env=e)
    assert added.exit_code == 66, added.output  # one file could not be read; the rest went in
    assert "5 added, 0 already in the library, 1 could not be read." in added.output
    assert "corrupt PDF" in added.output
    again = runner.invoke(
        app, ["library", "add", str(folder / "j.pdf"), "--case", case_key(world, world.case_a),
              "--title", "State v. A-1 <b>"], env=e,
    )  # fmt: skip
    assert again.exit_code == 0 and "duplicate" in again.output

    found = runner.invoke(app, ["library", "search", "massage parlour", "--json"], env=e)
    assert found.exit_code == 0, found.output
    lines = [json.loads(line) for line in found.output.splitlines()]
    assert len(lines) == 1
    assert set(lines[0]) == {"document", "title", "path", "score", "snippet"}
    assert lines[0]["path"].endswith("j.pdf")
    assert "<mark>massage</mark>" in lines[0]["snippet"]
    hindi = runner.invoke(app, ["library", "search", "तस्करी", "--json", "--as", "view"], env=e)
    assert json.loads(hindi.output.splitlines()[0])["path"].endswith("h.docx")
    plain = runner.invoke(app, ["library", "search", "lodge"], env=e)
    assert plain.exit_code == 0 and "p0.txt" in plain.output

    similar = runner.invoke(
        app, ["library", "similar", "--case", case_key(world, world.case_a), "--json"], env=e
    )
    assert similar.exit_code == 0, similar.output
    rows = [json.loads(line) for line in similar.output.splitlines()]
    docs = [r for r in rows if r["kind"] == "document"]
    assert {r["title"][:12] for r in docs[:3]} == {p[:12] for p in PLANTED}
    assert any(r["kind"] == "case" for r in rows)  # case B: the same facts, another unit
    assert all({"kind", "id", "title", "score", "why"} <= set(r) for r in rows)
    by_doc = runner.invoke(app, ["library", "similar", "--document", str(docs[0]["id"])], env=e)
    assert by_doc.exit_code == 0 and "sections:" in by_doc.output


def test_clear_errors(world: World, tmp_path: Path) -> None:
    e = env(world.db)
    (tmp_path / "a.txt").write_text(JUDGMENT, encoding="utf-8")
    missing = runner.invoke(app, ["library", "add", str(tmp_path / "nope.pdf")], env=e)
    assert missing.exit_code == 2 and "no such file or folder" in missing.output
    no_case = runner.invoke(
        app, ["library", "add", str(tmp_path / "a.txt"), "--case", "999/1999"], env=e
    )
    assert no_case.exit_code == 69 and "no case with FIR" in no_case.output
    denied = runner.invoke(app, ["library", "add", str(tmp_path / "a.txt"), "--as", "view"], env=e)
    assert denied.exit_code == 77 and "library.add" in denied.output
    both = runner.invoke(app, ["library", "similar", "--case", "1/2023", "--document", "1"], env=e)
    assert both.exit_code == 2
    nothing = runner.invoke(app, ["library", "search", "zzzz"], env=e)
    assert nothing.exit_code == 0 and "No documents found." in nothing.output
    for result in (missing, no_case, denied, both):
        assert "Traceback" not in result.output
