"""Exports of the registry: CSV, JSON and FollowTheMoney entities.

Every export shows victims only by their pseudonymous code (see :mod:`.privacy`), is read
from one consistent snapshot of the database, appears at its path only when complete, and
is audited (``export``, naming who, the format, the path and what it holds): an export that
cannot be audited is removed again. :func:`run_export` is the one way to export.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from nervecentre.errors import InvalidValue
from nervecentre.exports._output import ExportStats
from nervecentre.exports.document import export_json
from nervecentre.exports.ftm import export_ftm
from nervecentre.exports.tables import export_csv
from nervecentre.security import audit
from nervecentre.store.db import Database

_EXPORTERS = {"csv": export_csv, "json": export_json, "ftm": export_ftm}

#: The formats :func:`run_export` knows.
FORMATS: tuple[str, ...] = tuple(_EXPORTERS)


def run_export(
    db: Database,
    fmt: str,
    output: Path,
    *,
    actor: audit.Actor,
    progress: Callable[[int], None] | None = None,
) -> ExportStats:
    """Export the registry in ``fmt`` ('csv' folder, 'json' file, 'ftm' JSON-lines file),
    and audit it as done by ``actor`` (a user, or a system actor such as ``cli:ana``)."""
    exporter = _EXPORTERS.get(fmt.strip().lower())
    if exporter is None:
        raise InvalidValue(
            f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}",
            kind="format",
            value=fmt,
        )
    path = Path(output)
    stats = exporter(db, path, progress)
    detail = {
        "format": stats.format,
        "output": str(path.absolute()),
        **{k: getattr(stats, k) for k in ("cases", "people", "rows", "files", "entities")},
    }
    try:
        audit.record(db, actor, "export", "export", None, detail)
    except BaseException:
        _discard(path)
        raise
    return stats


def _discard(path: Path) -> None:
    """Remove an export that could not be audited."""
    with suppress(FileNotFoundError):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


__all__ = ["FORMATS", "ExportStats", "export_csv", "export_ftm", "export_json", "run_export"]
