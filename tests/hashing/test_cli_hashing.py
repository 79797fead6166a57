"""The hash-engine CLI: JSON-lines contracts, exit codes, help with examples, no tracebacks.

Images are synthetic shapes drawn here; hash lists are made from them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.hashing import hash_file
from nervecentre.store.db import Database
from tests.cli.tables import column, uncut

runner = CliRunner()
COMMANDS = [
    ["hash"],
    ["match"],
    ["hashset", "import"],
    ["hashset", "list"],
    ["hashset", "show"],
    ["hashset", "export"],
]


def env(db: Database) -> dict[str, str]:
    return {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}


def picture(path: Path, seed: int, size: tuple[int, int] = (320, 240)) -> Path:
    """Random rectangles and ellipses over a gradient: plenty of detail for PDQ."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 255, size[0], dtype=np.uint8)
    base = np.stack([np.tile(ramp, (size[1], 1))] * 3, axis=-1)
    img = Image.fromarray(
        base[:, :, :] // 2 + rng.integers(0, 60, (size[1], size[0], 3), dtype=np.uint8)
    )
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, size[0] - 40)), int(rng.integers(0, size[1] - 40))
        box = (x0, y0, x0 + int(rng.integers(20, 120)), y0 + int(rng.integers(20, 100)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.rectangle if rng.random() < 0.5 else draw.ellipse)(box, fill=colour)
    img.save(path)
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, Path]:
    files = tmp_path / "files"
    files.mkdir()
    known = picture(files / "known.png", 1)
    other = picture(files / "other.png", 2)
    with Image.open(known) as img:
        img.resize((240, 180)).save(files / "known-small.jpg", quality=85)
    Image.new("RGB", (200, 200), (128, 128, 128)).save(files / "flat.png")
    (files / "notes.txt").write_text("not an image")
    listing = tmp_path / "list.csv"
    with listing.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "md5", "pdq", "category"])
        for number, path in enumerate([known, picture(tmp_path / "elsewhere.png", 3)], 1):
            h = hash_file(path)
            writer.writerow([f"K{number}", h.md5, h.pdq, 1])
    return {"files": files, "list": listing, "other": other}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and "Usage" in result.output


def test_hash_prints_json_lines_without_a_database(corpus: dict[str, Path], tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["hash", str(corpus["files"]), "--json"],
        env={"NERVECENTRE_DATA_DIR": str(tmp_path / "none")},
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(x["path"]).name for x in lines] == [
        "flat.png",
        "known-small.jpg",
        "known.png",
        "notes.txt",
        "other.png",
    ]
    assert all(len(x["md5"]) == 32 and len(x["sha256"]) == 64 for x in lines)
    assert lines[3]["pdq"] is None and lines[2]["quality"] >= 50
    assert not (tmp_path / "none").exists()
    table = runner.invoke(app, ["hash", str(corpus["other"])])
    assert table.exit_code == 0 and "other.png" in table.stdout


def test_import_list_export_and_match(
    db: Database, corpus: dict[str, Path], tmp_path: Path
) -> None:
    e = env(db)
    imported = runner.invoke(
        app,
        [
            "hashset",
            "import",
            str(corpus["list"]),
            "--name",
            "local",
            "--source",
            "test unit",
            "--issued",
            "2025-06-30",
        ],
        env=e,
    )
    assert imported.exit_code == 0, imported.output
    assert "2 added" in imported.stdout
    listed = runner.invoke(app, ["hashset", "list", "--json"], env=e)
    [info] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (info["name"], info["entries"], info["issued_on"]) == ("local", 2, "2025-06-30")
    exported = runner.invoke(app, ["hashset", "export", "local", "--format", "csv"], env=e)
    assert exported.stdout.splitlines()[0] == "id,md5,sha1,sha256,pdq,category,description"
    out = tmp_path / "out.json"
    vics = runner.invoke(app, ["hashset", "export", "local", "-f", "vics", "-o", str(out)], env=e)
    assert vics.exit_code == 0 and len(json.loads(out.read_text())["value"]) == 2
    shown = runner.invoke(app, ["hashset", "show", "local"], env=e)
    assert shown.exit_code == 0 and "Imported" in shown.stdout
    [version] = map(
        json.loads,
        runner.invoke(app, ["hashset", "show", "local", "--json"], env=e).stdout.splitlines(),
    )
    assert (version["filename"], version["added"]) == ("list.csv", 2)
    assert len(version["file_sha256"]) == 64

    matched = runner.invoke(
        app, ["match", str(corpus["files"]), "--hashset", "local", "--json"], env=e
    )
    assert matched.exit_code == 0, matched.output
    results = {Path(x["path"]).name: x for x in map(json.loads, matched.stdout.splitlines())}
    assert set(results) == {"flat.png", "known-small.jpg", "known.png", "notes.txt", "other.png"}
    for result in results.values():
        assert {"path", "md5", "sha256", "pdq", "quality", "error", "matches"} <= set(result)
    signals = {m["signal"]: m for m in results["known.png"]["matches"]}
    assert signals["md5"]["distance"] == 0 and signals["pdq"]["distance"] == 0
    assert signals["md5"]["entry"] == "K1" and signals["md5"]["category"] == 1
    [small] = results["known-small.jpg"]["matches"]
    assert (small["hashset"], small["entry"], small["signal"]) == ("local", "K1", "pdq")
    assert 0 < small["distance"] <= 31
    assert results["other.png"]["matches"] == []
    assert results["flat.png"]["low_quality"] is True and results["flat.png"]["matches"] == []
    assert results["notes.txt"]["pdq"] is None

    strict = runner.invoke(
        app,
        ["match", str(corpus["files"]), "-s", "local", "-s", "local", "--threshold", "0"],
        env=e,
    )
    assert strict.exit_code == 0
    assert "1 matched" in strict.stdout and "1 with a low-quality PDQ" in strict.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["match", "{files}", "--hashset", "nope"], 69, "no hash set named 'nope'"),
        (
            ["match", "{files}", "--hashset", "local", "--threshold", "300"],
            2,
            "less than or equal to 256",
        ),
        (
            ["match", "{files}", "--hashset", "local", "--threshold", "-1"],
            2,
            "greater than or equal to 0",
        ),
        (["hashset", "import", "/no/such.csv", "--name", "x"], 66, "no such file"),
        (["hashset", "import", "{list}", "--name", "x", "--issued", "June"], 65, "--issued"),
        (["hashset", "import", "{list}", "--name", "x", "--format", "xml"], 2, "xml"),
        (["hashset", "export", "nope", "--format", "csv"], 69, "no hash set named"),
    ],
)
def test_user_errors_exit_non_zero_with_a_message(
    db: Database, corpus: dict[str, Path], args: list[str], code: int, message: str
) -> None:
    argv = [a.format(files=corpus["files"], list=corpus["list"]) for a in args]
    result = runner.invoke(app, argv, env=env(db))
    assert result.exit_code == code, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_dihedral_finds_a_rotated_copy_and_names_the_variant(
    db: Database, corpus: dict[str, Path], tmp_path: Path
) -> None:
    e = env(db)
    assert (
        runner.invoke(
            app, ["hashset", "import", str(corpus["list"]), "-n", "local"], env=e
        ).exit_code
        == 0
    )
    rotated = tmp_path / "rotated.png"
    with Image.open(corpus["files"] / "known.png") as img:
        img.transpose(Image.Transpose.ROTATE_90).save(rotated)
    plain = runner.invoke(app, ["match", str(rotated), "-s", "local", "--json"], env=e)
    assert json.loads(plain.stdout)["matches"] == []
    turned = runner.invoke(
        app, ["match", str(rotated), "-s", "local", "--json", "--dihedral"], env=e
    )
    [hit] = json.loads(turned.stdout)["matches"]
    assert (hit["entry"], hit["signal"]) == ("K1", "pdq")
    assert hit["variant"] in {"rot90", "rot270"} and hit["distance"] <= 31


def _unreadable_inputs(corpus: dict[str, Path], tmp_path: Path) -> tuple[list[str], list[str]]:
    """A missing file and a folder holding a symlink loop, beside the readable corpus."""
    looped = tmp_path / "looped"
    looped.mkdir()
    (looped / "loop").symlink_to(looped / "loop")
    missing = tmp_path / "no-such-photo.jpg"
    return [str(missing), str(corpus["files"]), str(looped)], [str(missing), str(looped / "loop")]


def test_hash_names_unreadable_inputs_on_stderr_and_exits_66(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    argv, unreadable = _unreadable_inputs(corpus, tmp_path)
    result = runner.invoke(app, ["hash", *argv, "--json"])
    assert result.exit_code == 66, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 7  # every input, the unreadable ones too: --json stays complete
    failed = {x["path"]: x["error"] for x in lines if not x["sha256"]}
    assert set(failed) == set(unreadable)
    assert failed[unreadable[0]] == "cannot read: No such file or directory"
    stderr = " ".join(result.stderr.split())
    for path in unreadable:
        assert f"{path}: {failed[path]}" in stderr
    assert "2 of 7 inputs could not be read" in stderr
    assert "notes.txt" not in stderr  # not an image, but read: not an error

    plain = runner.invoke(app, ["hash", unreadable[0]])
    assert plain.exit_code == 66 and plain.stdout == ""
    assert "No such file or directory" in plain.stderr
    readable = runner.invoke(app, ["hash", str(corpus["files"])])
    assert readable.exit_code == 0 and readable.stderr == ""


def test_match_names_unreadable_inputs_and_exits_66(
    db: Database, corpus: dict[str, Path], tmp_path: Path
) -> None:
    e = env(db)
    assert (
        runner.invoke(app, ["hashset", "import", str(corpus["list"]), "-n", "x"], env=e).exit_code
        == 0
    )
    argv, unreadable = _unreadable_inputs(corpus, tmp_path)
    wrong = runner.invoke(app, ["match", unreadable[0], "--hashset", "x"], env=e)
    assert wrong.exit_code == 66, wrong.output
    assert f"{unreadable[0]}: cannot read: No such file or directory" in wrong.stderr
    assert "1 could not be read" in " ".join(wrong.stdout.split())

    both = runner.invoke(app, ["match", *argv, "--hashset", "x", "--json"], env=e)
    assert both.exit_code == 66
    results = [json.loads(line) for line in both.stdout.splitlines()]
    assert len(results) == 7 and sum(bool(r["matches"]) for r in results) == 2
    assert {r["path"] for r in results if not r["sha256"]} == set(unreadable)
    assert all(path in both.stderr for path in unreadable)

    fine = runner.invoke(app, ["match", str(corpus["files"]), "--hashset", "x"], env=e)
    assert fine.exit_code == 0 and fine.stderr == ""
    assert "0 could not be read" in " ".join(fine.stdout.split())


@pytest.mark.parametrize("command", ["hash", "match"])
def test_exit_statuses_are_documented_in_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "0 when every input was read" in text and "66 when some could not be read" in text
    assert "66" in runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output


def test_tables_keep_paths_and_names_whole_at_80_columns(
    db: Database, corpus: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    e = {**env(db), "COLUMNS": "80"}
    deep = tmp_path / "evidence-2025-0417" / "seized-laptop-hdd-partition-2" / "users-documents"
    deep.mkdir(parents=True)
    target = deep / "holiday-photograph-original-resolution.png"
    target.write_bytes((corpus["files"] / "known.png").read_bytes())
    name = "thane-rural-cyber-cell-known-material-list-2025"
    source = "National Cyber Crime Reporting Portal, shared by the state nodal officer"
    imported = runner.invoke(
        app, ["hashset", "import", str(corpus["list"]), "-n", name, "--source", source], env=e
    )
    assert imported.exit_code == 0, imported.output

    matched = runner.invoke(app, ["match", str(target), "-s", name], env=e)
    assert matched.exit_code == 0, matched.output
    assert str(target) in column(matched.stdout, 0)
    assert name in column(matched.stdout, 1)
    assert uncut(matched.stdout)
    assert max(len(line) for line in matched.stdout.splitlines()) <= 80

    listed = runner.invoke(app, ["hashset", "list"], env=e)
    assert listed.exit_code == 0, listed.output
    assert name in column(listed.stdout, 0)
    assert source.replace(" ", "") in column(listed.stdout, 1).replace(" ", "")
    assert uncut(listed.stdout)
    shown = runner.invoke(app, ["hashset", "show", name], env=e)
    assert "list.csv" in column(shown.stdout, 2) and uncut(shown.stdout)
