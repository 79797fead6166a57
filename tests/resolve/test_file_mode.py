"""The file mode's contract: every record once, malformed input refused with nothing written."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.errors import InputFileError
from nervecentre.resolve.records import COLUMNS, read_records
from nervecentre.synth.person_lists import write_person_list

HEADER = ",".join(COLUMNS)


def _write(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_every_record_once_and_one_person_one_cluster(tmp_path: Path) -> None:
    source = _write(
        tmp_path / "in.csv",
        "a1,Mohd. Salim Shaikh @ Salu,,Rafiq Shaikh,M,34,,+91 98200 11223,,,Thane Rural,,u1",
        "a2,SHAIKH SALEEM,Salu,Rafik Sheikh,M,,1990-05-01,09820011223,,,Thane Rural,,u2",
        "b1,Sunita Devi,,,F,19,,,,,Palghar,,u3",
        "c1,Anil Patil,,Ramesh Patil,M,40,,98201 55555,,5 Station Road,Raigad,,u4",
        "c2,Sunil Patil,,Ramesh Patil,M,36,,98201 55555,,5 Station Road,Raigad,,u4",
    )
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["resolve", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["record_id"] for r in rows] == ["a1", "a2", "b1", "c1", "c2"]
    cluster = {r["record_id"]: r["cluster_id"] for r in rows}
    assert cluster["a1"] == cluster["a2"]
    # brothers on one household phone and address are two people
    assert cluster["c1"] != cluster["c2"]
    assert cluster["b1"] not in (cluster["a1"], cluster["c1"])


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("x1,,,,,,,,,,,,", "row 3, column name"),
        ("x1,Anil Patil,,,Q,,,,,,,,", "row 3, column gender"),
        ("x1,Anil Patil,,,M,forty,,,,,,,", "row 3, column age"),
        ("x1,Anil Patil,,,M,,31/12/1990,,,,,,", "row 3, column dob"),
        ("x1,Anil Patil,,,M,,,,,,,,,extra", "row 3: more cells"),
    ],
)
def test_a_malformed_row_is_named_and_nothing_is_written(
    tmp_path: Path, row: str, says: str
) -> None:
    source = _write(tmp_path / "in.csv", "ok1,Sunil Patil,,,M,30,,,,,,,", row)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["resolve", str(source), "-o", str(out)])
    assert result.exit_code == InputFileError.exit_code
    assert says in result.output
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv*"))


def test_duplicate_ids_missing_columns_and_binary_files_are_refused(tmp_path: Path) -> None:
    dup = _write(tmp_path / "dup.csv", "x,Anil Patil" + "," * 11, "x,Sunil Patil" + "," * 11)
    with pytest.raises(InputFileError, match="'x' repeats row 2"):
        read_records(dup)
    with pytest.raises(InputFileError, match="lacks name"):
        read_records(_write(tmp_path / "h.csv", "x1,Anil", header="record_id,full_name"))
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(InputFileError, match="binary"):
        read_records(binary)


def test_utf16_and_excel_bom_files_are_read(tmp_path: Path) -> None:
    text = HEADER + "\nx1,राजेश कुमार शर्मा,,,M,30,,,,,,,\n"
    for encoding in ("utf-16", "utf-8-sig"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        assert read_records(path)[0].name.tokens == ("rajesh", "kumar", "sharma")


def test_explain_shows_each_feature(tmp_path: Path) -> None:
    source = _write(
        tmp_path / "in.csv",
        "a1,Mohd. Salim Shaikh,,,M,34,,+91 98200 11223,,,Thane Rural,,u1",
        "a2,Salim Sheikh,,,M,35,,09820011223,,,Thane Rural,,u2",
    )
    result = CliRunner().invoke(app, ["resolve", str(source), "--explain", "a1", "a2", "--json"])
    assert result.exit_code == 0, result.output
    assert '"feature": "phone"' in result.output
    missing = CliRunner().invoke(app, ["resolve", str(source), "--explain", "a1", "zz"])
    assert missing.exit_code != 0 and "zz" in missing.output


def test_accuracy_on_a_synthetic_list_with_hard_negatives(tmp_path: Path) -> None:
    """Pairwise F1 on 300 people (namesakes, siblings, burner phones): a floor, not a target."""
    path = tmp_path / "people.csv"
    truth = write_person_list(path, 300, seed=11)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["resolve", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    predicted = {r["record_id"]: r["cluster_id"] for r in csv.DictReader(out.open())}
    assert predicted.keys() == truth.keys()

    def pairs(groups: list[object]) -> int:
        return sum(c * (c - 1) // 2 for c in Counter(groups).values())

    ids = sorted(truth)
    correct = pairs([(truth[i], predicted[i]) for i in ids])
    precision = correct / pairs([predicted[i] for i in ids])
    recall = correct / pairs([truth[i] for i in ids])
    assert precision > 0.75 and recall > 0.75, (precision, recall)


def test_a_father_and_his_namesake_son_stay_apart(tmp_path: Path) -> None:
    """'Ganesh Sunil Patil' carries his father's name as his middle name; 26 years apart."""
    source = _write(
        tmp_path / "in.csv",
        "f1,Sunil Patil,,Dattatray Patil,M,58,,98220 00001,,12 Ram Wadi,Raigad,,u1",
        "f2,Sunil D. Patil,,Dattatray Patil,M,57,,,,,Raigad,,u2",
        "s1,Ganesh Sunil Patil,,Sunil Patil,M,32,,98220 00001,,12 Ram Wadi,Raigad,,u3",
    )
    out = tmp_path / "out.csv"
    assert CliRunner().invoke(app, ["resolve", str(source), "-o", str(out)]).exit_code == 0
    cluster = {r["record_id"]: r["cluster_id"] for r in csv.DictReader(out.open())}
    assert cluster["f1"] == cluster["f2"] != cluster["s1"]
