"""VICS JSON hash lists: both versions, hostile files, versions, removals, export round trip.

Every hash here is random: no list is derived from real material.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from nervecentre.errors import InputFileError, NotFound
from nervecentre.hashing.models import HashEntry, HashSet, HashSetVersion
from nervecentre.hashing.sets import export_hashset, hashset_versions, import_hashset, list_hashsets
from nervecentre.store.db import Database

rnd = random.Random(7)
V2 = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"
V1 = "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media"


def media(i: int, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "MediaID": i,
        "Category": i % 5,
        "MD5": f"{rnd.getrandbits(128):032X}",
        "SHA1": f"{rnd.getrandbits(160):040X}",
        "IsPrecategorized": "true",
    }
    item.update(extra)
    return item


def write(path: Path, items: list[Any], *, version: str = "2.0", bom: bool = False) -> Path:
    key, url = ("@odata.context", V2) if version == "2.0" else ("odata.metadata", V1)
    data = json.dumps({key: url, "value": items}).encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def entries(db: Database, name: str = "vic", *, live: bool = True) -> list[HashEntry]:
    with db.session() as s:
        query = select(HashEntry).join(HashSet).where(HashSet.name == name)
        if live:
            query = query.where(HashEntry.removed_version.is_(None))
        return list(s.scalars(query.order_by(HashEntry.id)))


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_vics_2_0_imports_every_field(db: Database, tmp_path: Path) -> None:
    items = [media(1, PhotoDNA="QUJD", MediaSize=2835, Comments="synthetic"), media(2)]
    report = import_hashset(
        db,
        write(tmp_path / "v2.json", items),
        name="vic",
        source="test authority",
        classification="restricted",
    )
    assert (report.format, report.format_version) == ("vics", "VICS 2.0")
    assert (report.entries_read, report.added, report.rejected) == (2, 2, 0)
    first = entries(db)[0]
    assert first.external_id == "1" and first.key == "id:1"
    assert first.md5 == items[0]["MD5"].lower() and first.sha1 == items[0]["SHA1"].lower()
    assert first.photodna == "QUJD" and first.precategorized is True
    assert first.description == "synthetic" and json.loads(first.extra or "") == {"MediaSize": 2835}
    assert (first.added_version, first.seen_version, first.removed_version) == (1, 1, None)
    [info] = list_hashsets(db)
    assert (info.name, info.source, info.classification, info.entries) == (
        "vic",
        "test authority",
        "restricted",
        2,
    )


def test_vics_1_x_with_bom_and_the_case_wrapper(db: Database, tmp_path: Path) -> None:
    flat = write(tmp_path / "v1.json", [media(1), media(2)], version="1.3", bom=True)
    assert import_hashset(db, flat, name="vic").format_version == "VICS 1.3"
    wrapped = tmp_path / "cases.json"
    wrapped.write_text(
        json.dumps(
            {
                "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases",
                "value": [{"CaseID": "c1", "Media": [media(3), media(4)]}, {"Media": [media(5)]}],
            }
        )
    )
    report = import_hashset(db, wrapped, name="vic")
    assert (report.added, report.entries_now) == (3, 5)


def test_hostile_entries_are_rejected_one_by_one(db: Database, tmp_path: Path) -> None:
    items = [
        media(1),
        media(2, MD5=12345),
        media(3, Category="abc"),
        media(4, MD5="XYZ" * 10 + "AB"),
        media(5, SHA1="ABCDEF"),
        "not an object",
        {"Category": 1},
        media(8, PhotoDNA=17),
        media(9, Category=99),
        media(10, IsPrecategorized="maybe"),
        media(1, Category=2),
        media(11, MediaID=[1]),
        media(12, Comments="nul \x00 inside"),
        media(13, PhotoDNA="QUJD" * 2000),
    ]
    report = import_hashset(db, write(tmp_path / "bad.json", items), name="vic")
    assert (report.entries_read, report.added, report.rejected) == (14, 2, 12)
    reasons = [str(r) for r in report.rejections]
    assert reasons[0] == "entry 2: MD5 must be a hex string, not a number"
    assert "entry 3: Category must be a whole number, not 'abc'" in reasons
    assert any(r.startswith("entry 4: MD5 is not hexadecimal") for r in reasons)
    assert any(r.startswith("entry 5: SHA1 must have 40 hex digits, not 6") for r in reasons)
    assert "entry 6: entry is not a JSON object" in reasons
    assert any(r.startswith("entry 7: no hash") for r in reasons)
    assert "entry 11: duplicate of entry 1 (id:1)" in reasons
    assert "entry 13: Comments contains a NUL character" in reasons
    assert "entry 14: PhotoDNA is longer than 4096 characters" in reasons
    assert report.warnings == ["category 99 is not a known VICS category; kept as-is"]
    assert [e.category for e in entries(db)] == [1, 99]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n", "blank"),
        (b'{"value":[{"MediaID":1,"MD5":"', "not valid VICS JSON after 0 entries"),
        (b"[1, 2]", "top level must be an object"),
        (b'{"odata.metadata":"x","items":[]}', "no 'value' list"),
        (b'{"value": 5}', "'value' must be a list"),
        (b'\xff\xfe{\x00"\x00', "UTF-16"),
        ('{"value":[{"MediaID":1,"Comments":"caf\xe9"}]}'.encode("latin-1"), "UTF8"),
        (b'{"value":[{"MD5":"' + b"a" * 32 + b'","Series":"\\udfff"}]}', "not valid UTF-8"),
    ],
)
def test_unreadable_files_raise_a_clear_error(
    db: Database, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message):
        import_hashset(db, path, name="vic")
    assert count(db, HashSet) == 0


def test_a_file_failing_midway_leaves_the_database_unchanged(db: Database, tmp_path: Path) -> None:
    good = write(tmp_path / "good.json", [media(i) for i in range(1, 4)])
    import_hashset(db, good, name="vic")
    text = json.dumps({"@odata.context": V2, "value": [media(i) for i in range(3, 500)]})
    truncated = tmp_path / "truncated.json"
    truncated.write_text(text[: len(text) - 300])
    with pytest.raises(InputFileError, match=r"after \d+ entries"):
        import_hashset(db, truncated, name="vic")
    assert (count(db, HashEntry), count(db, HashSetVersion)) == (3, 1)
    with pytest.raises(InputFileError, match="not valid"):
        import_hashset(db, truncated, name="other")
    assert [s.name for s in list_hashsets(db)] == ["vic"]


def test_reimport_updates_never_duplicates_and_versions_count(db: Database, tmp_path: Path) -> None:
    items = [media(i) for i in range(1, 6)]
    path = write(tmp_path / "a.json", items)
    import_hashset(db, path, name="vic")
    again = import_hashset(db, path, name="vic")
    assert (again.version, again.added, again.updated, again.unchanged) == (2, 0, 0, 5)
    items[0]["Category"] = 3
    items.append(media(6))
    third = import_hashset(db, write(tmp_path / "b.json", items), name="vic")
    assert (third.added, third.updated, third.unchanged, third.entries_now) == (1, 1, 4, 6)
    rows = {e.external_id: e for e in entries(db)}
    assert rows["1"].category == 3
    assert (rows["1"].added_version, rows["1"].seen_version) == (1, 3)
    assert rows["6"].added_version == 3
    assert [v.number for v in hashset_versions(db, "vic")] == [1, 2, 3]
    assert count(db, HashEntry) == 6


def test_entries_without_id_are_identified_by_their_strongest_hash(
    db: Database, tmp_path: Path
) -> None:
    sha = f"{rnd.getrandbits(256):064x}"
    items = [{"MD5": "A" * 32, "SHA256": sha}, {"MD5": "B" * 32}, {"SHA256": sha.upper()}]
    report = import_hashset(db, write(tmp_path / "noid.json", items), name="vic")
    assert (report.added, report.rejected) == (2, 1)
    assert sorted(e.key for e in entries(db)) == ["md5:" + "b" * 32, "sha256:" + sha]
    assert str(report.rejections[0]) == f"entry 3: duplicate of entry 1 (sha256:{sha})"


def test_removal_entries_and_replace_mode(db: Database, tmp_path: Path) -> None:
    items = [media(i) for i in range(1, 6)]
    import_hashset(db, write(tmp_path / "a.json", items), name="vic")
    removal = [{"MediaID": 2, "Deleted": True}, {"MediaID": 99, "Deleted": "true"}]
    report = import_hashset(db, write(tmp_path / "del.json", removal), name="vic")
    assert (report.removed, report.removals_unknown, report.entries_now) == (1, 1, 4)
    removed = [e for e in entries(db, live=False) if e.external_id == "2"]
    assert removed[0].removed_version == 2
    full = import_hashset(db, write(tmp_path / "full.json", items[:2]), name="vic", replace=True)
    # Entry 2 comes back (counted as updated); 3, 4 and 5 are not in the full list.
    assert (full.updated, full.unchanged, full.removed, full.entries_now) == (1, 1, 3, 2)
    assert sorted(e.external_id or "" for e in entries(db)) == ["1", "2"]


def test_strict_mode_imports_nothing_when_an_entry_is_bad(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", [media(1), media(2, MD5=5)])
    with pytest.raises(InputFileError, match="nothing imported"):
        import_hashset(db, path, name="vic", strict=True)
    assert count(db, HashEntry) == 0


def test_a_file_of_only_bad_entries_is_refused(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", [media(1, MD5=1), media(2, MD5=2)])
    with pytest.raises(InputFileError, match="no valid entry among 2"):
        import_hashset(db, path, name="vic")


def test_export_vics_round_trips(db: Database, tmp_path: Path) -> None:
    items = [
        media(
            1,
            PhotoDNA="QUJD",
            MediaFiles=[{"FileName": "x\\y\t\u0000.jpg"}],
            Comments="tab\there\nnew line, back\\slash, \u0939\u093f\u0902",
        ),
        media(2, PDQ=f"{rnd.getrandbits(256):064x}"),
        {"MD5": "C" * 32, "Category": 9},
    ]
    import_hashset(db, write(tmp_path / "a.json", items), name="vic")
    out = io.StringIO()
    assert export_hashset(db, "vic", "vics", out) == 3
    exported = json.loads(out.getvalue())
    assert exported["@odata.context"].startswith("http://github.com/VICSDATAMODEL")
    assert exported["value"][0]["MediaFiles"] == [{"FileName": "x\\y\t\u0000.jpg"}]
    assert exported["value"][0]["MD5"] == items[0]["MD5"]
    back = tmp_path / "back.json"
    back.write_text(out.getvalue())
    import_hashset(db, back, name="copy")
    fields = (
        "key",
        "category",
        "md5",
        "sha1",
        "sha256",
        "pdq",
        "photodna",
        "precategorized",
        "description",
        "extra",
    )

    def snapshot(name: str) -> list[tuple[Any, ...]]:
        return [tuple(getattr(e, f) for f in fields) for e in entries(db, name)]

    assert snapshot("copy") == snapshot("vic")


def test_export_of_an_unknown_set_names_the_known_ones(db: Database, tmp_path: Path) -> None:
    import_hashset(db, write(tmp_path / "a.json", [media(1)]), name="vic")
    with pytest.raises(NotFound, match=r"no hash set named 'nope' \(known: vic\)"):
        export_hashset(db, "nope", "csv", io.StringIO())
