"""SQLite's side of library search: FTS5 ranked ids, need-to-know inside the ranking query.

FTS5 ranks every match (BM25) whatever the LIMIT, and that is what a search costs. With the
user's visibility mask bound as a blob, ``substr(mask, rowid + 1, 1) = x'01'`` is checked in
the WHERE clause, before BM25 is computed: a user who sees half the library pays half the
ranking, in one statement, with no rows fetched only to be dropped. A user who sees every
document ranks as FTS5 does by itself (``ORDER BY rank``).

The ids fetched and the snippets made are kept per (library generation, query, user's mask):
paging and repeating a search cost array lookups, and snippets only for rows not shown
before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from nervecentre.store.generations import Kept

_Ids = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
_RANKED_SQL = (
    "SELECT rowid, rank FROM search_library WHERE search_library MATCH ? ORDER BY rank LIMIT ?"
)
# The weights are migration 0020_library's 'rank' setting (a title word counts four times).
# substr() of a blob is a byte at an offset: a mask check costs no Python call per row.
_VISIBLE_RANKED_SQL = (
    "SELECT rowid, bm25(search_library, 4.0, 1.0) AS r FROM search_library "
    "WHERE search_library MATCH ? AND substr(?, rowid + 1, 1) = x'01' ORDER BY r LIMIT ?"
)
_SNIPPET_SQL = (
    "SELECT rowid, snippet(search_library, 1, ?, ?, '…', ?) FROM search_library "
    "WHERE search_library MATCH ? AND rowid IN ({ids})"
)
_FIRST_MIN = 40  # ids fetched by a first search: the next page comes free of a new ranking
_MORE = 2_000  # then this many, then every match
_SNIPPETS_KEPT = 2_000  # per query


@dataclass
class _Ranked:
    ids: _Ids
    scores: npt.NDArray[np.float64]
    complete: bool
    mask: Mask | None  # the mask the ids were filtered by; None: not filtered
    snippets: dict[int, str] = field(default_factory=dict)


_KEPT: Kept[tuple[int, str, int], _Ranked] = Kept(2_048)


def _raw(conn: Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    """Rows of a statement on the DBAPI connection itself: these run on every search, and
    SQLAlchemy's result objects cost more than SQLite does for a small page."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _fetch(conn: Connection, match: str, n: int, mask: Mask | None) -> _Ranked:
    """The best ``n`` (-1: all) matches, of those ``mask`` lets through when there is one."""
    if mask is None:
        rows = _raw(conn, _RANKED_SQL, (match, n))
    else:
        rows = _raw(conn, _VISIBLE_RANKED_SQL, (match, mask.view(np.uint8).tobytes(), n))
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    scores = np.fromiter((-r[1] for r in rows), np.float64, len(rows))
    return _Ranked(ids, scores, n < 0 or len(rows) < n, mask)


def _snippets(
    conn: Connection, match: str, ranked: _Ranked, docs: list[int], marks: tuple[str, str, int]
) -> None:
    missing = [doc for doc in docs if doc not in ranked.snippets]
    if not missing:
        return
    if len(ranked.snippets) > _SNIPPETS_KEPT:
        ranked.snippets = {}
    sql = _SNIPPET_SQL.format(ids=",".join(str(d) for d in missing))  # ints from the index
    start, stop, words = marks
    for doc, text in _raw(conn, sql, (start, stop, words, match)):
        ranked.snippets[doc] = text or ""


def page(
    conn: Connection,
    match: str,
    gen: int,
    mask: Mask,
    scope: int,
    offset: int,
    limit: int,
    marks: tuple[str, str, int],
) -> list[tuple[int, float, str]]:
    """(id, score, snippet) of one page of the hits ``mask`` (a user's, kept while exact)
    lets through, best first. ``scope``: whose mask it is (0: one that lets every document
    through, whoever holds it)."""
    want = offset + limit
    key = (gen, match, scope)
    filtered = None if scope == 0 else mask
    ranked = _KEPT.get(conn.engine, key)
    if ranked is None or ranked.mask is not filtered:
        ranked = _fetch(conn, match, max(2 * want, _FIRST_MIN), filtered)
        _KEPT.put(conn.engine, key, ranked)
    if len(ranked.ids) < want and not ranked.complete:
        known = ranked.snippets
        ranked = _fetch(conn, match, _MORE if want <= _MORE // 2 else -1, filtered)
        ranked.snippets = known
        _KEPT.put(conn.engine, key, ranked)
    chosen = [
        (int(ranked.ids[i]), float(ranked.scores[i]))
        for i in range(offset, min(want, len(ranked.ids)))
    ]
    _snippets(conn, match, ranked, [doc for doc, _ in chosen], marks)
    return [(doc, score, ranked.snippets.get(doc, "")) for doc, score in chosen]


Visible = Callable[[_Ids], Mask]


def page_checked(
    conn: Connection,
    match: str,
    visible: Visible,
    offset: int,
    limit: int,
    marks: tuple[str, str, int],
) -> list[tuple[int, float, str]]:
    """As :func:`page` for a user whose mask is not read yet: ranked ids checked by
    ``visible`` (a query), more fetched while too few pass. Nothing is kept."""
    want = offset + limit
    for n in (max(3 * want, 60), _MORE, -1):
        ranked = _fetch(conn, match, n, None)
        shown = np.flatnonzero(visible(ranked.ids))
        if len(shown) >= want or ranked.complete:
            break
    chosen = [(int(ranked.ids[i]), float(ranked.scores[i])) for i in shown[offset:want]]
    _snippets(conn, match, ranked, [doc for doc, _ in chosen], marks)
    return [(doc, score, ranked.snippets.get(doc, "")) for doc, score in chosen]


def by_mask(mask: Mask) -> Visible:
    """Which of some ids a user's mask lets them see."""

    def visible(ids: _Ids) -> Mask:
        inside = ids < len(mask)
        keep = np.zeros(len(ids), dtype=np.bool_)
        keep[inside] = mask[ids[inside]]
        return keep

    return visible
