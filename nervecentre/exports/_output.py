"""Where exports go: written under a temporary name beside the target, moved into place at the end.

A failed or interrupted export therefore never leaves a half-written file where the user
expects a finished one, and an earlier export at the same path stays intact until the new
one is complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from nervecentre.errors import InputFileError


@dataclass
class ExportStats:
    """What an export wrote; ``str()`` gives the one-line summary the CLI prints."""

    format: str
    cases: int = 0
    people: int = 0
    rows: int = 0
    files: int = 0
    entities: int = 0
    schemata: Counter[str] = field(default_factory=Counter)
    rejected_values: int = 0
    invalid_entities: int = 0

    def __str__(self) -> str:
        parts = [f"{self.cases:,} cases", f"{self.people:,} people"]
        if self.format == "csv":
            parts.append(f"{self.rows:,} rows in {self.files} files")
        if self.format == "ftm":
            parts.append(f"{self.entities:,} entities")
            if self.rejected_values:
                parts.append(f"{self.rejected_values:,} values FtM rejected (kept in notes)")
            if self.invalid_entities:
                parts.append(f"{self.invalid_entities:,} invalid entities left out")
        return ", ".join(parts)


def _parent(output: Path) -> Path:
    parent = output.parent
    if not parent.is_dir():
        raise InputFileError(f"cannot write {output}: the folder {parent} does not exist")
    return parent


def _write_error(output: Path, exc: OSError) -> InputFileError:
    return InputFileError(f"cannot write {output}: {exc.strerror or exc}")


@contextmanager
def atomic_file(output: Path) -> Iterator[TextIO]:
    """A UTF-8 text handle whose content replaces ``output`` only if the block succeeds."""
    parent = _parent(output)
    if output.is_dir():
        raise InputFileError(f"{output} is a folder; give the name of a file to write")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{output.name}.", suffix=".part")
    except OSError as exc:
        raise _write_error(output, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        Path(tmp).replace(output)
    except BaseException as exc:
        with suppress(FileNotFoundError):
            Path(tmp).unlink()
        if isinstance(exc, OSError):
            raise _write_error(output, exc) from exc
        raise


@contextmanager
def atomic_folder(output: Path, names: Collection[str]) -> Iterator[Path]:
    """A fresh folder that replaces ``output`` only if the block succeeds.

    An existing ``output`` is replaced only when it holds nothing but files named in
    ``names`` (an earlier export), so pointing an export at a home folder cannot wipe it.
    """
    parent = _parent(output)
    if output.exists():
        if not output.is_dir():
            raise InputFileError(f"{output} is a file; this export writes a folder")
        stray = sorted(p.name for p in output.iterdir() if p.name not in names)
        if stray:
            shown = ", ".join(stray[:3]) + (" …" if len(stray) > 3 else "")
            raise InputFileError(
                f"{output} already holds other files ({shown}); choose a new or empty folder"
            )
    try:
        tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{output.name}.", suffix=".part"))
    except OSError as exc:
        raise _write_error(output, exc) from exc
    try:
        yield tmp
        if output.exists():
            old = parent / f".{output.name}.{uuid.uuid4().hex}.old"
            output.replace(old)
            tmp.replace(output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.replace(output)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _write_error(output, exc) from exc
        raise
