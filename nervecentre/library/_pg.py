"""PostgreSQL's side of library search: need-to-know inside the index, answers kept.

Migration ``0025_pg_library_access`` holds each document's access keys
(``search_access``) in the full-text GIN index beside its tsvector; a search tests the
user's keys (:func:`user_keys`) with ``&&`` in the same index scan as its words, so the
heap rows of documents the user may not see are never read and ``ts_rank`` runs on visible
matches only. A user who sees everything ranks as the bare full-text query does.

The ranked ids and the snippets made are kept per (``library``, ``cases`` and ``access``
counters, query, user), as SQLite keeps them (:mod:`nervecentre.library._fts5`), and only
until the first of the user's grants expires: a repeated or paged search reads one row of
counters and the snippets of rows not shown before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Float, Text, bindparam, cast, func, literal_column, select
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY

from nervecentre.library.models import LibraryDocument
from nervecentre.security.access import Visibility
from nervecentre.store.base import utcnow
from nervecentre.store.generations import Kept

D = LibraryDocument
VECTOR: Any = literal_column("library_documents.search_vector")
ACCESS: Any = literal_column("library_documents.search_access")
_NO_JIT = sql_text("SET LOCAL jit = off")
_FIRST_MIN = 40  # ids fetched by a first search: the next page comes free of a new ranking
_MORE = 2_000  # then this many, then every match
_SNIPPETS_KEPT = 2_000  # per query


def user_keys(seen: Visibility) -> list[str] | None:
    """The keys a document's ``search_access`` must share one of for ``seen`` to include it;
    None: every document (``case.view_all``)."""
    if seen.everything:
        return None
    return ["*", *(f"u:{unit}" for unit in seen.units), *(f"c:{case}" for case in seen.cases)]


def visible_condition(keys: list[str] | None) -> Any:
    """The WHERE clause of :func:`user_keys`' documents (None: no condition)."""
    if keys is None:
        return None
    return ACCESS.op("&&")(bindparam("access_keys", keys, type_=ARRAY(Text)))


@dataclass
class _Ranked:
    ids: npt.NDArray[np.int64]  # arrays, not lists: a deep page keeps every match's id
    scores: npt.NDArray[np.float64]
    complete: bool
    until: datetime | None  # when the first of the user's grants expires
    snippets: dict[int, str] = field(default_factory=dict)


_KEPT: Kept[tuple[tuple[int, ...], str, int], _Ranked] = Kept(2_048)


def _fetch(
    conn: Connection, tsq: Any, keys: list[str] | None, n: int, until: datetime | None
) -> _Ranked:
    """The best ``n`` (-1: all) matches the keys let through, in one statement."""
    score = cast(func.ts_rank(VECTOR, tsq), Float)
    statement = select(D.id, score).where(VECTOR.op("@@")(tsq))
    condition = visible_condition(keys)
    if condition is not None:
        statement = statement.where(condition)
    statement = statement.order_by(score.desc(), D.id)
    if n >= 0:
        statement = statement.limit(n)
    # A search is short: compiling its plan (PostgreSQL's JIT, on by default above a cost
    # that ts_rank over many rows passes) takes longer than running it.
    conn.execute(_NO_JIT)
    rows = conn.execute(statement).all()
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    scores = np.fromiter((r[1] for r in rows), np.float64, len(rows))
    return _Ranked(ids, scores, n < 0 or len(rows) < n, until)


def _snippets(
    conn: Connection, tsq: Any, ranked: _Ranked, docs: list[int], marks: tuple[str, str, int]
) -> None:
    missing = [doc for doc in docs if doc not in ranked.snippets]
    if not missing:
        return
    if len(ranked.snippets) > _SNIPPETS_KEPT:
        ranked.snippets = {}
    start, stop, words = marks
    options = (
        f"StartSel={start}, StopSel={stop}, MaxWords={words}, MinWords=8, "
        "MaxFragments=2, FragmentDelimiter=…"
    )
    headline = func.ts_headline(
        literal_column("'simple'::regconfig"), func.left(D.text, 200_000), tsq, options
    )
    for doc, text in conn.execute(select(D.id, headline).where(D.id.in_(missing))):
        ranked.snippets[int(doc)] = str(text or "")


def page(
    conn: Connection,
    tsq: Any,
    key: tuple[tuple[int, ...], str, int] | None,
    keys: Callable[[], list[str] | None],
    until: Callable[[], datetime | None],
    offset: int,
    limit: int,
    marks: tuple[str, str, int],
) -> list[tuple[int, float, str]]:
    """(id, score, snippet) of one page of the matches the user's keys let through, best
    first.

    ``key``: (counters, query, scope) under which the ranking is kept, None to keep nothing
    (a database without the counters). ``keys`` gives the user's :func:`user_keys` and
    ``until`` when their first grant expires (a ranking is kept until then); both are read
    only when a ranking is."""
    want = offset + limit
    ranked = _KEPT.get(conn.engine, key) if key is not None else None
    if ranked is not None and ranked.until is not None and utcnow() >= ranked.until:
        ranked = None
    user_keys_: list[str] | None = None
    if ranked is None or (len(ranked.ids) < want and not ranked.complete):
        user_keys_ = keys()
    if ranked is None:
        ranked = _fetch(conn, tsq, user_keys_, max(2 * want, _FIRST_MIN), until())
        if key is not None:
            _KEPT.put(conn.engine, key, ranked)
    if len(ranked.ids) < want and not ranked.complete:
        known, expires = ranked.snippets, ranked.until
        ranked = _fetch(conn, tsq, user_keys_, _MORE if want <= _MORE // 2 else -1, expires)
        ranked.snippets = known
        if key is not None:
            _KEPT.put(conn.engine, key, ranked)
    chosen = [
        (int(ranked.ids[i]), float(ranked.scores[i]))
        for i in range(offset, min(want, len(ranked.ids)))
    ]
    _snippets(conn, tsq, ranked, [doc for doc, _ in chosen], marks)
    return [(doc, score, ranked.snippets.get(doc, "")) for doc, score in chosen]
