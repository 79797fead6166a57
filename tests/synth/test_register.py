"""The register follows docs/register-format.md: the importer reads back exactly what was
generated, and refuses exactly the rows reported as bad."""

from __future__ import annotations

import csv
from pathlib import Path

from nervecentre import places
from nervecentre.imports.convert import RowConverter
from nervecentre.imports.mapping import load_mapping
from nervecentre.imports.readers import open_register
from nervecentre.synth import BAD_ROW_KINDS, SynthConfig, write_dataset
from nervecentre.synth.columns import COLUMNS
from tests.synth.conftest import Dataset

COMPARED = (
    "fir_number", "fir_year", "police_station_code", "district_code", "unit_code", "fir_at",
    "status", "info_received_at", "info_mode", "occurred_from", "occurred_to",
    "occurrence_place", "brief_facts", "crime_heads", "investigating_officer", "charges",
    "people", "events", "identifiers", "related_keys",
)  # fmt: skip


def _import(path: Path) -> tuple[list, dict[int, list]]:  # type: ignore[type-arg]
    mapping = load_mapping("demo-register")
    register = open_register(path, mapping)
    converter = RowConverter(mapping, register.columns)
    good, rejected, seen = [], {}, {}
    for number, row in register.rows:
        record, problems = converter.convert(row)
        if record is not None and record.key in seen and seen[record.key] == tuple(row):
            record, problems = None, ["duplicate"]
        if record is None:
            rejected[number] = problems
            continue
        seen[record.key] = tuple(row)
        good.append(record)
    return good, rejected


def test_header_is_the_documented_layout(dataset: Dataset) -> None:
    with dataset.paths.register.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == COLUMNS
    assert not dataset.paths.register.read_bytes().startswith(b"\xef\xbb\xbf")  # no BOM
    documented = Path(__file__).parents[2] / "docs" / "register-format.md"
    for column in COLUMNS:
        assert column.split(" / ")[0] in documented.read_text(encoding="utf-8")


def test_importer_reads_back_what_was_generated(dataset: Dataset) -> None:
    good, _ = _import(dataset.paths.register)
    assert len(good) == len(dataset.records)
    for got, want in zip(good, dataset.records, strict=True):
        for name in COMPARED:
            assert getattr(got, name) == getattr(want, name), (want.key, name)
        assert [(s.stage, s.place, s.state) for s in got.route] == [
            (s.stage, s.place, s.state) for s in want.route
        ]


def test_importer_refuses_exactly_the_bad_rows(dataset: Dataset) -> None:
    _, rejected = _import(dataset.paths.register)
    bad = dataset.paths.stats.bad
    assert len(bad) == 9
    assert sorted(rejected) == sorted(b.row for b in bad)
    assert len({b.reason for b in bad}) == 9  # nine different mistakes


def test_each_bad_row_breaks_the_column_it_names(tmp_path: Path) -> None:
    paths = write_dataset(tmp_path, SynthConfig(cases=80, seed=2, bad_rows=18), fmt="csv")
    with paths.register.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(paths.stats.bad) == 18 == 2 * len(BAD_ROW_KINDS)
    bad_rows = {b.row for b in paths.stats.bad}
    for bad in paths.stats.bad:
        # A bad row is a broken copy of the last good row above it (rows[0] is the header).
        source = max(n for n in range(2, bad.row) if n not in bad_rows)
        row, original = rows[bad.row - 1], rows[source - 1]
        position = COLUMNS.index(bad.column)
        if bad.reason.startswith("duplicate"):
            assert bad.reason == f"duplicate of row {source}"
            assert row == original
        else:
            changed = [
                COLUMNS[i] for i, (a, b) in enumerate(zip(row, original, strict=True)) if a != b
            ]
            assert bad.column in changed
            assert set(changed) <= {"Sr No", bad.column, "FIR No"}
            assert row[position] != original[position]
            assert row[0] == str(bad.row - 1)


def test_stations_and_units_exist(records: list) -> None:  # type: ignore[type-arg]
    known = {u.code: u for u in places.units()}
    for record in records:
        station = known[record.police_station_code]
        assert station.kind == "police_station"
        assert station.district == record.district_code
        unit = known[record.unit_code]
        assert unit.district == record.district_code
        assert unit.kind in ("police_station", "ahtu", "cyber_cell")
        assert places.unit(station.name, district=record.district_code) == station


def test_names_leave_the_person_list_grammar_alone(records: list) -> None:  # type: ignore[type-arg]
    for record in records:
        for person in record.people:
            for text in (person.name, *person.aliases):
                assert text and text == " ".join(text.split()).strip(" ,.-:")
                assert not any(c in text for c in ";@()[]\n"), text
                assert " - " not in text


def test_xlsx_register_imports_like_the_csv(tmp_path: Path) -> None:
    config = SynthConfig(cases=60, seed=8, bad_rows=3)
    xlsx = write_dataset(tmp_path / "x", config, fmt="xlsx")
    text = write_dataset(tmp_path / "c", config, fmt="csv")
    good_x, rejected_x = _import(xlsx.register)
    good_c, rejected_c = _import(text.register)
    assert sorted(rejected_x) == sorted(rejected_c) == sorted(b.row for b in xlsx.stats.bad)
    assert [r.key for r in good_x] == [r.key for r in good_c]
    assert [r.people for r in good_x] == [r.people for r in good_c]
