"""Many files: walking directories deterministically, and hashing over every core.

``hash_many`` keeps a small window of work in flight (workers read their own files, so the
parent never holds image bytes), yields results in input order as they complete, and survives
a worker that dies inside a native decoder: that file is reported, the rest go on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from pathlib import Path
from typing import Protocol

from nervecentre.errors import NervecentreError
from nervecentre.hashing.digest import FileHashes, hash_file

log = logging.getLogger(__name__)

# Files per task: enough to amortise inter-process overhead, few enough for a smooth progress.
_BATCH = 4
# Batches in flight per worker: keeps every core busy past a slow file (results are small;
# the bytes stay in the workers, one file at a time).
_WINDOW = 4
# Fewer files than this are hashed in-process: starting workers costs more than it saves.
_SERIAL_BELOW = 8


def _on_walk_error(exc: OSError) -> None:
    log.warning("skipped %s: %s", exc.filename, exc.strerror or exc)


def iter_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    on_error: Callable[[OSError], None] | None = None,
) -> Iterator[Path]:
    """Yield the files named by ``paths``, walking directories depth-first in name order.

    Directories reached twice (through symlinks, including symlink loops) are walked once;
    FIFOs, sockets and devices inside directories are skipped. A path given explicitly that is
    not a directory is yielded as is, so that a missing file is reported by :func:`hash_file`.
    Unreadable directories go to ``on_error`` (default: a logged warning).
    """
    report = on_error or _on_walk_error
    seen: set[tuple[int, int]] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _walk(path, seen, report)
        else:
            yield path


def walk_inputs(paths: Iterable[str | os.PathLike[str]]) -> list[Path | FileHashes]:
    """The files under ``paths`` in walk order, each folder that could not be read in its place.

    Such a folder comes as a result of its own (empty digests, ``error`` saying why), so that
    callers report it like any unreadable file instead of silently hashing fewer files.
    """
    items: list[Path | FileHashes] = []

    def unlisted(exc: OSError) -> None:
        name = os.fsdecode(exc.filename) if exc.filename is not None else "?"
        items.append(
            FileHashes(name, 0, "", "", "", None, None, None, f"cannot read: {exc.strerror or exc}")
        )

    for path in iter_files(paths, on_error=unlisted):
        items.append(path)
    return items


def hash_inputs(
    items: Iterable[Path | FileHashes], *, workers: int | None = None, pdq: bool = True
) -> Iterator[FileHashes]:
    """Hash the files of :func:`walk_inputs` in order, passing its folder errors through."""
    pending = list(items)
    hashed = hash_many(
        (item for item in pending if isinstance(item, Path)), workers=workers, pdq=pdq
    )
    try:
        for item in pending:
            yield item if isinstance(item, FileHashes) else next(hashed)
    finally:
        hashed.close()


class _Outcome(Protocol):
    @property
    def error(self) -> str | None: ...
    @property
    def sha256(self) -> str | None: ...


def unread(hashes: _Outcome) -> bool:
    """True when the file (or folder) could not be read at all: it has no digests."""
    return hashes.error is not None and not hashes.sha256


def _entries(folder: Path, report: Callable[[OSError], None]) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        report(exc)
        return iter(())
    return iter(entries)


def _walk(
    root: Path, seen: set[tuple[int, int]], report: Callable[[OSError], None]
) -> Iterator[Path]:
    # An explicit stack, not recursion: hostile media can nest folders thousands deep.
    stack: list[Iterator[os.DirEntry[str]]] = []
    if _first_visit(root, seen, report):
        stack.append(_entries(root, report))
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        try:
            if entry.is_dir():
                if _first_visit(Path(entry.path), seen, report):
                    stack.append(_entries(Path(entry.path), report))
            elif entry.is_file():
                yield Path(entry.path)
        except OSError as exc:
            report(exc)


def _first_visit(
    folder: Path, seen: set[tuple[int, int]], report: Callable[[OSError], None]
) -> bool:
    try:
        info = folder.stat()
    except OSError as exc:
        report(exc)
        return False
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def default_workers() -> int:
    """Cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _hash_batch(paths: list[str], pdq: bool) -> list[FileHashes]:
    return [hash_file(path, pdq=pdq) for path in paths]


def _crashed(path: str, pdq: bool) -> FileHashes:
    # The digests need no decoder, so they are still computed here, in the parent.
    result = hash_file(path, pdq=False)
    if result.error is not None or not pdq:
        return result
    return FileHashes(
        result.path,
        result.size,
        result.md5,
        result.sha1,
        result.sha256,
        result.media_type,
        None,
        None,
        "image decoder crashed",
    )


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: workers start from a clean process, not a copy of a threaded parent. The
    # server (one per parent process, kept for later pools) imports the hashing stack once,
    # so each worker forks ready in milliseconds instead of importing numpy and Pillow again.
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", __name__])
    return context


class _NoWorkers(Exception):
    """Worker processes cannot start here (e.g. the main module cannot be re-imported)."""


def _ping() -> int:
    return os.getpid()


def _start_pool(count: int) -> ProcessPoolExecutor:
    """A pool whose workers are known to start, so that a later break means a crash."""
    pool = ProcessPoolExecutor(count, mp_context=_context())
    try:
        pool.submit(_ping).result()
    except BrokenProcessPool:
        pool.shutdown(wait=True, cancel_futures=True)
        raise _NoWorkers from None
    return pool


def _restart_pool(count: int) -> ProcessPoolExecutor:
    try:
        return _start_pool(count)
    except _NoWorkers:
        # They started before: rather stop than report every remaining file as a crash.
        raise NervecentreError("hashing worker processes no longer start") from None


def _isolated(paths: list[str], pdq: bool) -> list[FileHashes]:
    """Re-run a batch whose worker died, one file per fresh process, to find the culprit."""
    results = []
    for path in paths:
        pool = _restart_pool(1)
        try:
            results.extend(pool.submit(_hash_batch, [path], pdq).result())
        except BrokenProcessPool:
            results.append(_crashed(path, pdq))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return results


def hash_many(
    paths: Iterable[Path], *, workers: int | None = None, pdq: bool = True
) -> Generator[FileHashes, None, None]:
    """Hash files over ``workers`` processes (default: every core), yielding in input order.

    Lazy: files are read by the workers as the window advances, so memory stays bounded however
    many paths come in, and a caller can update a progress bar per result.
    """
    count = workers or default_workers()
    names = (os.fspath(path) for path in paths)
    head = list(islice(names, _SERIAL_BELOW))
    pending = chain(head, names)
    if count > 1 and len(head) >= _SERIAL_BELOW:
        try:
            yield from _parallel(pending, count, pdq)
            return
        except _NoWorkers:
            # Files already yielded came off the iterator; the rest are hashed here.
            log.warning("worker processes cannot start; hashing in this process")
    for name in pending:
        yield hash_file(name, pdq=pdq)


def _parallel(names: Iterator[str], count: int, pdq: bool) -> Iterator[FileHashes]:
    pool = _start_pool(count)
    window: deque[tuple[list[str], Future[list[FileHashes]]]] = deque()
    try:
        for batch in _batches(names):
            window.append((batch, pool.submit(_hash_batch, batch, pdq)))
            if len(window) >= count * _WINDOW:
                pool = yield from _drain_one(window, pool, count, pdq)
        while window:
            pool = yield from _drain_one(window, pool, count, pdq)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _batches(names: Iterator[str]) -> Iterator[list[str]]:
    while batch := list(islice(names, _BATCH)):
        yield batch


def _drain_one(
    window: deque[tuple[list[str], Future[list[FileHashes]]]],
    pool: ProcessPoolExecutor,
    count: int,
    pdq: bool,
) -> Generator[FileHashes, None, ProcessPoolExecutor]:
    # Yields the oldest batch's results and returns the pool to carry on with (a fresh one
    # when the old one broke), for use with "yield from".
    batch, future = window.popleft()
    try:
        results = future.result()
    except BrokenProcessPool:
        # A native decoder crashed a worker; every batch in flight is lost with it. Redo them
        # one file per process to name the culprit, then carry on with a fresh pool.
        pool.shutdown(wait=True, cancel_futures=True)
        lost = [(batch, future), *window]
        window.clear()
        pool = _restart_pool(count)
        for pending, done in lost:
            finished = done.done() and not done.cancelled() and done.exception() is None
            yield from done.result() if finished else _isolated(pending, pdq)
        return pool
    yield from results
    return pool
