"""ZIP-based inputs (XLSX, ODS, DOCX) checked before any reader inflates them.

A few hundred kilobytes of ZIP can declare gigabytes of XML; the spreadsheet and document
readers hold whole parts (shared strings, the document body) in memory, so one upload could
take the server down. Both readers used here (Python's ``zipfile`` and calamine's) stop at
a member's declared size, so checking the declared sizes bounds what they inflate.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

from nervecentre.errors import InputFileError

#: At most this much in all, unpacked (a register of a million rows is far smaller).
MAX_UNPACKED = 1024 * 1024 * 1024
#: A member over ``_SMALL`` bytes may inflate at most this many times (bombs: thousands).
MAX_RATIO = 200
_SMALL = 1024 * 1024
_MAX_MEMBERS = 10_000


def check_archive(
    source: Path | IO[bytes],
    name: str,
    *,
    max_unpacked: int = MAX_UNPACKED,
    max_ratio: int = MAX_RATIO,
) -> None:
    """Refuse (InputFileError) an archive that would inflate past the caps: a ZIP bomb.

    A file that is not a ZIP archive passes: its own reader says what is wrong with it.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if len(members) > _MAX_MEMBERS:
        raise InputFileError(f"{name}: refused: {len(members):,} parts in one archive")
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > max_unpacked or (info.file_size > _SMALL and ratio > max_ratio):
            raise InputFileError(
                f"{name}: refused: its part {info.filename!r} would inflate to "
                f"{info.file_size:,} bytes ({ratio:,.0f} times its packed size; "
                f"{total:,} bytes so far): a ZIP bomb, or far beyond any register or document"
            )
