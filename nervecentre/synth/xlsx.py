"""Saving an openpyxl workbook so that the same rows give byte-identical files.

openpyxl stamps the save time into docProps/core.xml and every zip entry; both are
replaced here by a fixed moment, which is all that varies between two saves.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

FIXED = "2000-01-01T00:00:00Z"
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def save_reproducibly(book: Any, path: Path) -> None:
    """Save ``book`` to ``path`` with fixed timestamps."""
    temporary = path.with_name(path.name + ".partial")
    book.save(temporary)
    try:
        with (
            zipfile.ZipFile(temporary) as source,
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "docProps/core.xml":
                    data = _STAMP.sub(rb"\g<1>" + FIXED.encode() + rb"\g<2>", data)
                entry = zipfile.ZipInfo(item.filename, date_time=(2000, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(entry, data)
    finally:
        temporary.unlink(missing_ok=True)
