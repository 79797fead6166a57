"""The case list's filter and sort columns in memory: exact counts in microseconds.

A case-list search must count every case its filters keep. SQLite counts by visiting each
match: 12-40 ms when most of an analyst's 20,000 cases match a section or a word, most of
a request's time (PostgreSQL, as much or more). This index holds, per case, what the list
filters on (unit, district, police station, status, FIR date) as numpy arrays, each sort
order as a permutation, and per law section the cases charged under it (read when first
asked for); a search is then a few vector operations over them, whatever the filters.

It is used only while it is exact. Migration ``0010_data_generations`` (SQLite;
``0023_pg_generations`` on PostgreSQL) keeps a counter that triggers move whenever one of those
columns changes anywhere; the index remembers the
counter it was read at, and every search reads the counter first: if it moved, the search
runs in SQL as before while the index is read again. Nothing here decides what a user may
see: :func:`visibility <nervecentre.security.access.visibility>` does, as for SQL; free text
is still matched by the full-text index, and only its case ids come here.

Each snapshot also keeps what recent searches read, exact by the same rule: the cases a
free-text search matched, under a second counter (``text``, migration ``0011_kept_answers``)
that moves whenever what a word finds may change, and the rows of the pages shown (they
hold only columns the ``cases`` counter covers, and no person).

Both backends use it: on PostgreSQL the counters move as a transaction commits
(:mod:`nervecentre.store.generations`), and free text is matched by its GIN indexes.
"""

from __future__ import annotations

import calendar
import logging
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import CompoundSelect, Connection, Engine, Select, Text, cast, func, literal, select
from sqlalchemy import text as _sql
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.errors import NervecentreError
from nervecentre.search.fulltext import term_matches
from nervecentre.search.query import CaseRow, sort_columns
from nervecentre.security.access import Visibility
from nervecentre.store.db import Database
from nervecentre.store.generations import generation

__all__ = ["CaseIndex", "Snapshot", "case_ids", "index_for", "seconds", "warm"]

# Up to this many cases the index is read in the request that finds it stale (tens of
# milliseconds); beyond, in a thread of its own while searches run in SQL.
SYNC_READ_MAX = 20_000
# After a read, wait this many times its duration before the next (an edit every second
# must not keep a core busy reading the registry).
_PAUSE_FACTOR = 4.0
# Visibility masks kept per snapshot (one per user, roughly).
_SEEN_MAX = 256
# A page is first looked for among at least this many cases in sort order.
_PAGE_AHEAD = 4_096
# Case-list rows kept per snapshot (100 pages of 50; about 1.3 KB a row, 7 MB).
_ROWS_MAX = 5_000
# Free-text answers kept per snapshot, as case positions, all of them together (16 MB).
_TEXT_POSITIONS_MAX = 4_000_000

_log = logging.getLogger(__name__)
_CASES = (
    "SELECT id, unit_code, district_code, police_station_code, status, fir_at FROM cases"
    " ORDER BY id"
)
_C = Case.__table__.c
# A section's cases as one string of ids, per backend.
_SECTION = {
    "sqlite": _sql("SELECT group_concat(case_id) FROM charges WHERE section_key = :key"),
    "postgresql": _sql(
        "SELECT string_agg(case_id::text, ',') FROM charges WHERE section_key = :key"
    ),
}
_BACKENDS = frozenset(_SECTION)
_Bools = npt.NDArray[np.bool_]
_Ints = npt.NDArray[np.int64]
_Positions = npt.NDArray[np.int32]


def _generation(conn: Connection | Session, name: str = "cases") -> int | None:
    return generation(conn, name)  # None: a database from before migration 0010, no index


def _parse(joined: str | None) -> _Ints:
    """Ids the database joined with commas (group_concat, string_agg): one string, not a
    row per id, is the cheapest way to fetch tens of thousands of them."""
    return np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.empty(0, np.int64)


def case_ids(session: Session, ids: Select[Any] | CompoundSelect[Any]) -> _Ints:
    """The ids a statement selects (its first column), as an array."""
    column = next(iter(ids.subquery().c))
    if session.get_bind().dialect.name == "postgresql":
        joined = func.string_agg(cast(column, Text), literal(","))
    else:
        joined = func.group_concat(column)
    return _parse(session.execute(select(joined)).scalar())


def _encode(values: list[str]) -> tuple[dict[str, int], npt.NDArray[np.int32]]:
    codes: dict[str, int] = {}
    out = np.fromiter((codes.setdefault(v, len(codes)) for v in values), np.int32, len(values))
    return codes, out


def seconds(at: datetime) -> int:
    """A naive UTC date-time as the index's seconds since 1970."""
    return calendar.timegm(at.timetuple())


@dataclass
class Snapshot:
    """The columns as they were at ``generation``; sort orders and sections filled lazily."""

    generation: int
    ids: _Ints  # ascending; every other array is indexed like it
    columns: dict[str, tuple[dict[str, int], npt.NDArray[np.int32]]]
    fir_at: _Ints  # seconds since 1970 (whole seconds: date filters fall on midnight)
    orders: dict[str, _Ints] = field(default_factory=dict)
    sections: dict[str, _Ints] = field(default_factory=dict)
    seen: dict[Visibility, _Bools] = field(default_factory=dict)
    # (text generation, search text) -> positions of the cases matching every term.
    texts: dict[tuple[int, str], _Positions] = field(default_factory=dict)
    text_positions: int = 0  # held in ``texts``, all entries together
    # The case list's rows shown from this snapshot, by case id (read-only: shared).
    rows: dict[int, CaseRow] = field(default_factory=dict)

    def keep_rows(self, rows: dict[int, CaseRow]) -> None:
        if len(self.rows) + len(rows) > _ROWS_MAX:
            self.rows = {}  # a new dict: a search reading the old one keeps its rows
        self.rows.update(rows)

    def positions(self, ids: Any) -> _Ints:
        """Where these case ids are in the arrays (ids not in the index left out)."""
        wanted = np.asarray(ids, dtype=np.int64)
        if not len(wanted) or not len(self.ids):
            return np.empty(0, np.int64)
        at = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        found: _Ints = at[self.ids[at] == wanted]
        return found

    def among(self, ids: Any) -> _Bools:
        return self.at(self.positions(ids))

    def at(self, positions: Any) -> _Bools:
        mask = np.zeros(len(self.ids), np.bool_)
        mask[positions] = True
        return mask

    def equal(self, column: str, value: str) -> _Bools:
        codes, values = self.columns[column]
        code = codes.get(value)
        if code is None:
            return np.zeros(len(self.ids), np.bool_)
        equal: _Bools = values == code
        return equal

    def visible(self, seen: Visibility) -> _Bools:
        """The cases ``seen`` keeps, as its SQL condition does (listed restrictions only).

        Kept per visibility (a value: the same units, cases and restrictions give the same
        cases), so a user's searches share it until the data or their access changes.
        """
        found = self.seen.get(seen)
        if found is None:
            found = self._visible(seen)
            found.flags.writeable = False  # shared: searches combine it into new arrays
            if len(self.seen) >= _SEEN_MAX:
                self.seen.clear()
            self.seen[seen] = found
        return found

    def _visible(self, seen: Visibility) -> _Bools:
        if seen.everything:
            return np.ones(len(self.ids), np.bool_)
        mask = np.zeros(len(self.ids), np.bool_)
        if seen.units:
            codes, units = self.columns["unit_code"]
            allowed = np.zeros(len(codes) + 1, np.bool_)
            allowed[[codes[u] for u in seen.units if u in codes]] = True
            mine = allowed[units]
            mine[self.positions(seen.restricted or ())] = False
            mask |= mine
        mask[self.positions(seen.cases)] = True
        return mask

    def page(
        self, mask: _Bools, order: _Ints, descending: bool, offset: int, limit: int, total: int
    ) -> list[int]:
        """Ids of the cases in ``mask`` from ``offset`` on, in ``order`` (ascending
        positions) or its reverse; ``total`` is how many ``mask`` holds."""
        if descending:
            order = order[::-1]
        need = offset + limit
        # Matches spread evenly would fill the page within need * len / total positions:
        # look at twice that first (an early page of a common filter reads a few thousand,
        # not every case), and at everything only when those were not enough.
        ahead = min(len(order), max(_PAGE_AHEAD, 2 * need * len(order) // max(total, 1)))
        chosen = np.flatnonzero(mask[order[:ahead]])
        if len(chosen) < need and ahead < len(order):
            chosen = np.flatnonzero(mask[order])
        return [int(i) for i in self.ids[order[chosen[offset:need]]]]


class CaseIndex:
    """The index of one database; :meth:`snapshot` gives it only when it is exact."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._reading = False
        self._not_before = 0.0
        self.reads = 0  # completed reads, for tests and diagnostics

    def snapshot(self, session: Session, max_cases: int) -> Snapshot | None:
        """The index as of the database's current generation, or None (search in SQL):
        also while it is being read, and when the registry has more than ``max_cases``."""
        generation = _generation(session) if max_cases else None
        if generation is None:
            return None
        snap = self._snapshot
        if snap is not None and snap.generation == generation:
            return snap if len(snap.ids) <= max_cases else None
        cases = session.execute(_sql("SELECT max(id) FROM cases")).scalar() or 0
        if cases > max_cases:
            return None
        if cases <= SYNC_READ_MAX:
            self._read()
        else:
            self._read_later()
        snap = self._snapshot
        return snap if snap is not None and snap.generation == generation else None

    def _read_later(self) -> None:
        with self._lock:
            if self._reading or time.monotonic() < self._not_before:
                return
            self._reading = True
        threading.Thread(target=self._read, args=(True,), daemon=True).start()

    def _read(self, claimed: bool = False) -> None:
        """Read the columns; kept only if nothing changed while reading."""
        if not claimed:
            with self._lock:
                if self._reading:
                    return
                self._reading = True
        started = time.monotonic()
        try:
            with self.engine.connect() as conn:
                before = _generation(conn)
                # The driver's own cursor: 100,000 rows as plain tuples, nothing on top.
                raw = conn.connection.driver_connection
                rows = raw.execute(_CASES).fetchall() if raw is not None and before else None
                if before is not None and rows is not None and _generation(conn) == before:
                    self._snapshot = self._columns(before, rows)
                    self.reads += 1
        finally:
            elapsed = time.monotonic() - started
            with self._lock:
                self._reading = False
                self._not_before = time.monotonic() + _PAUSE_FACTOR * elapsed

    @staticmethod
    def _columns(generation: int, rows: Sequence[Any]) -> Snapshot:
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        names = ("unit_code", "district_code", "police_station_code", "status")
        columns = {n: _encode([r[i + 1] for r in rows]) for i, n in enumerate(names)}
        # As SQLAlchemy stores them ('2024-03-05 14:30:00[.ffffff]'), to whole seconds.
        at = np.array([r[5] for r in rows], dtype="datetime64[s]").astype(np.int64)
        return Snapshot(generation, ids, columns, at)

    def order(self, session: Session, snap: Snapshot, key: str) -> _Ints | None:
        """Positions in a sort key's ascending order, exactly as SQL sorts (ties by id);
        read when first asked for (None: the data moved on meanwhile)."""
        found = snap.orders.get(key)
        if found is not None:
            return found
        ordered = select(_C.id).order_by(*sort_columns(session, key), _C.id)
        ids = np.fromiter(session.scalars(ordered), np.int64)
        if _generation(session) != snap.generation or len(ids) != len(snap.ids):
            return None
        found = snap.orders[key] = snap.positions(ids)
        return found

    def section(self, session: Session, snap: Snapshot, key: str) -> _Ints | None:
        """Positions of the cases charged under a section key (None: the data moved on)."""
        found = snap.sections.get(key)
        if found is not None:
            return found
        dialect = session.get_bind().dialect.name
        ids = _parse(session.execute(_SECTION[dialect], {"key": key}).scalar())
        if _generation(session) != snap.generation:
            return None
        found = snap.positions(ids)
        snap.sections[key] = found
        return found

    def matching(self, session: Session, snap: Snapshot, text: str, *, keep: bool) -> _Bools:
        """The cases that free text matches (every term), by the full-text index.

        Each answer is kept, for ``keep`` (no refresh of the full-text index pending in this
        session), under the text generation it was read at: the same search again, or its
        next page, reads no index while nothing that decides its matches has changed.
        """
        generation = _generation(session, "text") if keep else None
        key = (generation or 0, text)
        found = snap.texts.get(key) if generation is not None else None
        if found is not None:
            return snap.at(found)
        mask = np.ones(len(snap.ids), np.bool_)
        dialect = session.get_bind().dialect.name
        for matches in term_matches(session, dialect, text) or ():
            mask &= snap.among(case_ids(session, matches))
        if generation is not None and _generation(session, "text") == generation:
            positions = np.flatnonzero(mask).astype(np.int32)
            if snap.text_positions + len(positions) > _TEXT_POSITIONS_MAX:
                snap.texts.clear()
                snap.text_positions = 0
            snap.texts[key] = positions
            snap.text_positions += len(positions)
        return mask


_INDEXES: weakref.WeakKeyDictionary[Engine, CaseIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def index_for(session: Session) -> CaseIndex | None:
    """The case index of the session's database (None on a backend it does not know)."""
    engine = session.get_bind().engine
    if engine.dialect.name not in _BACKENDS:
        return None
    with _INDEXES_LOCK:
        found = _INDEXES.get(engine)
        if found is None:
            found = _INDEXES[engine] = CaseIndex(engine)
    return found


def warm(db: Database) -> None:
    """Start reading the index now (a server process starting), not at the first search.

    A database that cannot be read yet is left to the first search, which says why.
    """
    try:
        with db.session() as session:
            index = index_for(session)
            if index is not None:
                index.snapshot(session, db.settings.case_index_max_cases)
    except (SQLAlchemyError, NervecentreError) as exc:
        _log.warning("case index not read at start: %s", exc)
