"""ZIP bombs are refused before a reader inflates them: registers (XLSX) and the checker."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nervecentre.cases.models import Case
from nervecentre.errors import InputFileError
from nervecentre.imports import import_register
from nervecentre.security.archives import check_archive
from nervecentre.store.db import Database
from tests.imports.registers import row, write_xlsx


def _inflate(source: Path, target: Path, size: int) -> Path:
    """The register with a cell of ``size`` bytes that packs to almost nothing."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as out:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"Lodge near bus stand", b"A" * size, 1)
            out.writestr(info.filename, data, zipfile.ZIP_DEFLATED)
    return target


def test_a_register_that_is_a_zip_bomb_is_refused_and_nothing_imported(
    db: Database, tmp_path: Path
) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", [row(1)])
    bomb = _inflate(good, tmp_path / "bomb.xlsx", 40 * 1024 * 1024)
    assert bomb.stat().st_size < 200_000
    with pytest.raises(InputFileError, match=r"bomb\.xlsx: refused: .*ZIP bomb"):
        import_register(db, bomb)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    import_register(db, good)  # the same register, honestly packed, imports
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1


def test_the_caps(tmp_path: Path) -> None:
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("small.xml", b"A" * 900_000)  # small parts may pack as well as they can
        out.writestr("noise.bin", random.Random(1).randbytes(2_000_000))
    check_archive(plain, "plain.zip")
    with pytest.raises(InputFileError, match="inflate to"):
        check_archive(plain, "plain.zip", max_unpacked=1_000_000)
    not_zip = tmp_path / "x.csv"
    not_zip.write_text("a,b\n")
    check_archive(not_zip, "x.csv")  # its own reader says what is wrong with it
