"""Converts register rows to case records, in this process or on worker processes.

A large register is converted on a few worker processes, chunk by chunk and in order, while
the importing process writes; a small one here, where starting workers would cost more. The
workers end with the importing process, however it ends (even killed), so that none is left
holding the database's files open.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import suppress
from datetime import date
from itertools import islice

from nervecentre.cases.records import CaseRecord
from nervecentre.cases.writer import person_code
from nervecentre.imports._wire import Packed, Unpacker, pack
from nervecentre.imports.convert import Problem, RowConverter
from nervecentre.imports.mapping import Mapping
from nervecentre.imports.readers import Cell, Register
from nervecentre.security.fields import FieldCipher, cipher_for
from nervecentre.settings import Settings

#: (row number, cells, the record or None, the problems) for each non-blank row.
Converted = tuple[int, list[Cell], CaseRecord | None, list[Problem]]
Chunk = list[tuple[int, list[Cell]]]
#: Rows sent to a worker at a time.
CHUNK = 250
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# How often a worker looks whether its importing process is still there (where prctl is not).
_WATCH_SECONDS = 1.0
_worker: RowConverter | None = None
_cipher: FieldCipher | None = None


def _init_worker(
    mapping: Mapping, columns: dict[str, int], today: date, settings: Settings | None = None
) -> None:
    global _worker, _cipher
    _worker = RowConverter(mapping, columns, today)
    _cipher = cipher_for(settings) if settings is not None else None


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


def _start_worker(parent: int, *args: object) -> None:
    """A conversion worker's start: it ends with the importing process, however that ends.

    A worker outliving a killed import would hold the database's files open for ever (it
    waits on a queue nobody writes to). On Linux the kernel kills it (PR_SET_PDEATHSIG);
    elsewhere, and should that fail, a thread sees its parent change and ends it.
    """
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent was gone before the kernel could be told
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()
    _init_worker(*args)  # type: ignore[arg-type]


def _convert_rows(rows: list[list[Cell]]) -> list[tuple[CaseRecord | None, list[Problem]]]:
    assert _worker is not None
    return [_worker.convert(row) for row in rows]


def _convert_packed(rows: list[list[Cell]]) -> list[tuple[Packed | None, list[Problem]]]:
    assert _cipher is not None
    out: list[tuple[Packed | None, list[Problem]]] = []
    for record, problems in _convert_rows(rows):
        if record is not None:
            # Deriving the people's codes here takes that work off the writing process.
            for person in record.people:
                person.code = person_code(_cipher, person)
        out.append((None if record is None else pack(record), problems))
    return out


def _chunked(rows: Iterable[tuple[int, list[Cell]]]) -> Iterator[Chunk]:
    # any(row) settles nearly every row at its first cell; a 0 is still a value.
    it = (r for r in rows if any(r[1]) or any(c is not None and c != "" for c in r[1]))
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def convert_here(register: Register, mapping: Mapping, today: date) -> Iterator[Converted]:
    """Convert the register's rows in this process."""
    _init_worker(mapping, register.columns, today)
    for chunk in _chunked(register.rows):
        converted = _convert_rows([row for _, row in chunk])
        for (number, row), result in zip(chunk, converted, strict=True):
            yield number, row, *result


def convert_parallel(
    register: Register,
    mapping: Mapping,
    today: date,
    settings: Settings,
    workers: int,
    ahead: int,
) -> Iterator[Converted]:
    """Convert on worker processes, in order, with at most ``ahead`` chunks in flight."""
    # fork: workers only run pure conversion code (never the inherited database connection),
    # and unlike spawn/forkserver it works from scripts without an `if __name__` guard.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(os.getpid(), mapping, register.columns, today, settings),
    ) as pool:
        # The rows stay here and the records come back as plain tuples: pickling them object
        # by object would cost as much as converting them.
        window: deque[tuple[Chunk, Future[list[tuple[Packed | None, list[Problem]]]]]]
        window = deque()
        unpack = Unpacker().unpack

        def done() -> Iterator[Converted]:
            chunk, future = window.popleft()
            for (number, row), (packed, problems) in zip(chunk, future.result(), strict=True):
                yield number, row, None if packed is None else unpack(packed), problems

        for chunk in _chunked(register.rows):
            window.append((chunk, pool.submit(_convert_packed, [row for _, row in chunk])))
            if len(window) >= ahead:
                yield from done()
        while window:
            yield from done()


def conversion_workers(settings_workers: int, expected_rows: int) -> int:
    """How many processes convert rows: none for small files, where start-up would dominate."""
    if expected_rows < 5000:
        return 1
    return settings_workers or min(os.cpu_count() or 1, 4)
