"""SQLite's side of library search: FTS5 ranked ids kept per query, filtered by a mask.

FTS5 ranks every match (BM25) whatever the LIMIT, and each row it returns in rank order
costs a seek of its own, so a page asks for few more ids than it needs: as many as the
user's share of visible documents says, then more only if they ran out. The ids fetched
and the snippets made are kept per (library generation, query): paging and repeating a
search cost array lookups, and snippets only for rows not shown before.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from nervecentre.store.generations import Kept

_Ids = npt.NDArray[np.int64]
_RANKED_SQL = (
    "SELECT rowid, rank FROM search_library WHERE search_library MATCH ? ORDER BY rank LIMIT ?"
)
_SNIPPET_SQL = (
    "SELECT rowid, snippet(search_library, 1, ?, ?, '…', ?) FROM search_library "
    "WHERE search_library MATCH ? AND rowid IN ({ids})"
)
# Fetch sizes after the first: then every match.
_MORE = (2_000, -1)
_FIRST_MAX = 400
_SNIPPETS_KEPT = 2_000  # per query


@dataclass
class _Ranked:
    ids: _Ids
    scores: npt.NDArray[np.float64]
    complete: bool
    snippets: dict[int, str] = field(default_factory=dict)


_KEPT: Kept[tuple[int, str], _Ranked] = Kept(2_048)


def _raw(conn: Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    """Rows of a statement on the DBAPI connection itself: these run on every search, and
    SQLAlchemy's result objects cost more than SQLite does for a small page."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _fetch(conn: Connection, match: str, n: int) -> _Ranked:
    rows = _raw(conn, _RANKED_SQL, (match, n))
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    scores = np.fromiter((-r[1] for r in rows), np.float64, len(rows))
    return _Ranked(ids, scores, n < 0 or len(rows) < n)


Visible = Callable[[_Ids], npt.NDArray[np.bool_]]


def by_mask(mask: npt.NDArray[np.bool_]) -> Visible:
    """Which of some ids a user's mask lets them see."""

    def visible(ids: _Ids) -> npt.NDArray[np.bool_]:
        inside = ids < len(mask)
        keep = np.zeros(len(ids), dtype=np.bool_)
        keep[inside] = mask[ids[inside]]
        return keep

    return visible


def page(
    conn: Connection,
    match: str,
    gen: int,
    visible: Visible,
    share: float,
    offset: int,
    limit: int,
    marks: tuple[str, str, int],
) -> list[tuple[int, float, str]]:
    """(id, score, snippet) of one page of visible hits, best first."""
    engine = conn.engine
    key = (gen, match)
    want = offset + limit
    ranked = _KEPT.get(engine, key)
    if ranked is None:
        share = max(share, 0.01)
        first = min(_FIRST_MAX, max(want + 5, math.ceil(want / share * 1.3)))
        ranked = _fetch(conn, match, first)
        _KEPT.put(engine, key, ranked)
    shown = np.flatnonzero(visible(ranked.ids))
    for more in _MORE:
        if len(shown) >= want or ranked.complete:
            break
        if more > 0 and more <= len(ranked.ids):
            continue
        known = ranked.snippets
        ranked = _fetch(conn, match, more)
        ranked.snippets = known
        _KEPT.put(engine, key, ranked)
        shown = np.flatnonzero(visible(ranked.ids))
    chosen = [(int(ranked.ids[i]), float(ranked.scores[i])) for i in shown[offset:want]]
    missing = [doc for doc, _ in chosen if doc not in ranked.snippets]
    if missing:
        if len(ranked.snippets) > _SNIPPETS_KEPT:
            ranked.snippets = {}
        sql = _SNIPPET_SQL.format(ids=",".join(str(d) for d in missing))  # ints from the index
        start, stop, words = marks
        rows: Any = _raw(conn, sql, (start, stop, words, match))
        for doc, text in rows:
            ranked.snippets[doc] = text or ""
    return [(doc, score, ranked.snippets.get(doc, "")) for doc, score in chosen]
