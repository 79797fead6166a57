"""CSV hash lists: flexible headers, hostile cells and files, removals, export round trip."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from sqlalchemy import select

from nervecentre.errors import InputFileError
from nervecentre.hashing.models import HashEntry, HashSet
from nervecentre.hashing.sets import export_hashset, import_hashset
from nervecentre.store.db import Database

rnd = random.Random(11)


def hexes(bits: int) -> str:
    return f"{rnd.getrandbits(bits):0{bits // 4}x}"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def keys(db: Database, name: str = "list") -> list[str]:
    with db.session() as s:
        query = (
            select(HashEntry.key)
            .join(HashSet)
            .where(HashSet.name == name, HashEntry.removed_version.is_(None))
        )
        return sorted(s.scalars(query))


def test_header_is_case_insensitive_and_extra_columns_warn(db: Database, tmp_path: Path) -> None:
    md5, pdq = hexes(128), hexes(256)
    text = f"ID,MD5,PDQ,Category,Notes,Description\nA-1,{md5.upper()},{pdq},2,x,a bridge\n"
    report = import_hashset(db, write(tmp_path / "l.csv", text), name="list")
    assert (report.format, report.added, report.rejected) == ("csv", 1, 0)
    assert report.warnings == ["columns ignored: Notes"]
    with db.session() as s:
        entry = s.scalars(select(HashEntry)).one()
    assert (entry.key, entry.md5, entry.pdq, entry.category, entry.description) == (
        "id:A-1",
        md5,
        pdq,
        2,
        "a bridge",
    )


def test_semicolon_tab_bom_and_blank_lines(db: Database, tmp_path: Path) -> None:
    a, b = hexes(160), hexes(160)
    report = import_hashset(
        db, write(tmp_path / "l.csv", f"sha1;category\n{a};1\n\n{b};\n", "utf-8-sig"), name="list"
    )
    assert (report.entries_read, report.added) == (2, 2)
    tab = write(tmp_path / "t.tsv", f"sha256\tid\n{hexes(256)}\t7\n")
    assert import_hashset(db, tab, name="list", fmt="csv").added == 1
    assert keys(db) == sorted(["sha1:" + a, "sha1:" + b, "id:7"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,category,description\n1,2,x\n", "names no hash column"),
        ("md5,MD5\nab,cd\n", "appears twice"),
        (
            "md5\n" + "a" * 32 + "\x00\n",
            "no valid entry among 1, nothing imported; 1 rejected, first: entry 2: MD5",
        ),
    ],
)
def test_bad_headers_and_files_raise(db: Database, tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        import_hashset(db, write(tmp_path / "l.csv", text), name="list")


def test_non_utf8_names_the_line(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes(b"md5,description\n" + b"a" * 32 + b",ok\n" + b"b" * 32 + b",caf\xe9\n")
    with pytest.raises(InputFileError, match="not UTF-8 text near line"):
        import_hashset(db, path, name="list")
    assert keys(db) == []


def test_bad_cells_are_rejected_with_their_line(db: Database, tmp_path: Path) -> None:
    rows = [
        f"1,{hexes(128)},,1",
        "2,xyz,,1",
        f"3,{hexes(128)}00,,1",
        f"4,,{hexes(256)},-1",
        f"5,,{hexes(252)},1",
        "6,,,3",
        f"1,{hexes(128)},,1",
    ]
    text = "id,md5,pdq,category\n" + "\n".join(rows) + "\n"
    report = import_hashset(db, write(tmp_path / "l.csv", text), name="list")
    assert (report.added, report.rejected) == (1, 6)
    assert [str(r) for r in report.rejections] == [
        "entry 3: MD5 must have 32 hex digits, not 3: xyz",
        f"entry 4: MD5 must have 32 hex digits, not 34: {rows[2][2:36]}",
        "entry 5: Category must be a whole number, not '-1'",
        "entry 6: PDQ must have 64 hex digits, not 63: " + rows[4][3:43] + "…",
        "entry 7: no hash (MD5, SHA-1, SHA-256, PDQ or PhotoDNA)",
        "entry 8: duplicate of entry 2 (id:1)",
    ]


def test_removed_column_marks_entries_removed(db: Database, tmp_path: Path) -> None:
    a, b = hexes(128), hexes(128)
    import_hashset(db, write(tmp_path / "1.csv", f"md5\n{a}\n{b}\n"), name="list")
    report = import_hashset(db, write(tmp_path / "2.csv", f"md5,removed\n{a},yes\n"), name="list")
    assert (report.removed, report.entries_now) == (1, 1)
    assert keys(db) == ["md5:" + b]


def test_csv_export_round_trips_and_neutralises_formulas(db: Database, tmp_path: Path) -> None:
    text = (
        "id,md5,sha1,sha256,pdq,category,description\n"
        f'1,{hexes(128)},{hexes(160)},{hexes(256)},{hexes(256)},1,"=HYPERLINK(""x"")"\n'
        f'2,{hexes(128)},,,,,"two, with comma"\n'
    )
    import_hashset(db, write(tmp_path / "l.csv", text), name="list")
    out = io.StringIO()
    assert export_hashset(db, "list", "csv", out) == 2
    assert "'=HYPERLINK" in out.getvalue()
    assert out.getvalue().splitlines()[0] == "id,md5,sha1,sha256,pdq,category,description"
    import_hashset(db, write(tmp_path / "back.csv", out.getvalue()), name="copy")
    with db.session() as s:

        def rows(name: str) -> list[tuple[object, ...]]:
            query = select(HashEntry).join(HashSet).where(HashSet.name == name)
            return [
                (e.key, e.md5, e.sha1, e.sha256, e.pdq, e.category, e.description)
                for e in s.scalars(query.order_by(HashEntry.key))
            ]

        assert rows("copy") == rows("list")
        assert rows("list")[0][-1] == '=HYPERLINK("x")'


def test_export_with_removed_entries_flags_them(db: Database, tmp_path: Path) -> None:
    a, b = hexes(128), hexes(128)
    import_hashset(db, write(tmp_path / "1.csv", f"md5\n{a}\n{b}\n"), name="list")
    import_hashset(db, write(tmp_path / "2.csv", f"md5,removed\n{a},true\n"), name="list")
    out = io.StringIO()
    export_hashset(db, "list", "csv", out, include_removed=True)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith(",removed")
    assert sorted(line.split(",")[-1] for line in lines[1:]) == ["false", "true"]
    vics = io.StringIO()
    export_hashset(db, "list", "vics", vics, include_removed=True)
    assert vics.getvalue().count('"Deleted":true') == 1
