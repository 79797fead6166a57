"""Exports of the registry: CSV, JSON and FollowTheMoney entities.

Every export shows victims only by their pseudonymous code (see :mod:`.privacy`), is read
from one consistent snapshot of the database, and appears at its path only when complete.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nervecentre.errors import InvalidValue
from nervecentre.exports._output import ExportStats
from nervecentre.exports.document import export_json
from nervecentre.exports.ftm import export_ftm
from nervecentre.exports.tables import export_csv
from nervecentre.store.db import Database

_EXPORTERS = {"csv": export_csv, "json": export_json, "ftm": export_ftm}

#: The formats :func:`run_export` knows.
FORMATS: tuple[str, ...] = tuple(_EXPORTERS)


def run_export(
    db: Database,
    fmt: str,
    output: Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> ExportStats:
    """Export the registry in ``fmt`` ('csv' folder, 'json' file, 'ftm' JSON-lines file)."""
    exporter = _EXPORTERS.get(fmt.strip().lower())
    if exporter is None:
        raise InvalidValue(
            f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}",
            kind="format",
            value=fmt,
        )
    return exporter(db, Path(output), progress)


__all__ = ["FORMATS", "ExportStats", "export_csv", "export_ftm", "export_json", "run_export"]
