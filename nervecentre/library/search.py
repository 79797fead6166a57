"""Full-text search of the library, with highlighted snippets, inside need-to-know.

Every word must occur (in the title or the text); a phrase in double quotes must occur as
written; a word ending in ``*`` is a prefix. Words are letters, digits and marks, so
Devanagari words ('मानव तस्करी') are whole. SQLite ranks with FTS5's BM25 (a title word
counts four times); PostgreSQL with ``ts_rank`` over the same words ('simple' parser).

On SQLite the user's kept visibility mask (:mod:`nervecentre.library.access`) is checked
inside the ranking statement, so BM25 is computed for visible documents only; the ranked ids
are kept per query and mask while the ``library`` generation stays, so a repeated or paged
search costs array lookups and the snippets of one page.

On PostgreSQL each document's visibility is held in the full-text index beside its words
(migration ``0025_pg_library_access``), so the ranking statement reads and ranks the
visible matches only; its ranked ids and snippets are kept per query and user while the
``library``, ``cases`` and ``access`` counters stay (:mod:`nervecentre.library._pg`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup
from sqlalchemy import Connection, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from nervecentre.library import _fts5, _pg
from nervecentre.library.access import (
    FIRST_EXPIRY,
    generations,
    kept_mask,
    read_mask_later,
    visible_in_sql,
)
from nervecentre.library.models import LibraryDocument
from nervecentre.security import audit
from nervecentre.security.access import visibility
from nervecentre.security.models import User
from nervecentre.security.roles import can, require
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from nervecentre.store.generations import Kept

MAX_QUERY = 200
MAX_TERMS = 8
PER_PAGE = 20
START, STOP = "\x02", "\x03"  # highlight markers: control characters no stored text holds
_CONTROL = dict.fromkeys([*range(32), 127], " ")
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_SNIPPET_WORDS = 24
# PostgreSQL: the stored tsvector of migration 0020_library (title and text, GIN-indexed).
_PG_DOCUMENT = "library_documents.search_vector"


@dataclass(frozen=True)
class Hit:
    """A document found: its rank score (higher is better) and a highlighted snippet."""

    document: int
    title: str
    path: str
    score: float
    snippet: str  # text with START/STOP around matched words; see :func:`snippet_html`
    kind: str = ""
    court: str = ""
    decided_on: date | None = None
    outcome: str = ""

    def snippet_html(self) -> Markup:
        return snippet_html(self.snippet)

    def as_json(self) -> dict[str, Any]:
        """The CLI's and API's shape: the snippet as HTML with <mark> around matches."""
        return {
            "document": self.document,
            "title": self.title,
            "path": self.path,
            "score": round(self.score, 4),
            "snippet": str(self.snippet_html()),
        }


def snippet_html(marked: str) -> Markup:
    """Escaped text with ``<mark>`` where the markers were (safe in any page)."""
    escaped = html.escape(marked, quote=True)
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704


@dataclass(frozen=True)
class Terms:
    """A parsed query: each term's words, and whether it is a prefix."""

    phrases: tuple[tuple[str, bool], ...]

    def fts5(self) -> str:
        """As an FTS5 query: quoted phrases (FTS5 tokenises them as it did the text)."""
        return " AND ".join(
            '"' + text.replace('"', '""') + '"' + ("*" if prefix else "")
            for text, prefix in self.phrases
        )


def parse_query(raw: str) -> Terms:
    """The query's terms; control characters out, at most MAX_TERMS of MAX_QUERY characters."""
    text = unicodedata.normalize("NFC", raw.translate(_CONTROL))[:MAX_QUERY]
    phrases: list[tuple[str, bool]] = []
    for m in _TERM.finditer(text):
        quoted, word = m.group(1), m.group(2)
        chunk = quoted if quoted is not None else word
        prefix = quoted is None and chunk.endswith("*")
        words = _words(chunk)
        if words:
            # A prefix of one or two letters would match half the library.
            phrases.append((" ".join(words), prefix and len(words[-1]) >= 3))
    return Terms(tuple(dict.fromkeys(phrases))[:MAX_TERMS])


def _words(text: str) -> list[str]:
    out, word = [], []
    for ch in text + " ":
        if unicodedata.category(ch)[0] in "LNM":
            word.append(ch)
        elif word:
            out.append("".join(word).lower())
            word = []
    return out


def _sqlite_search(
    db: Database, user: User, terms: Terms, limit: int, offset: int
) -> list[Hit] | None:
    """SQLite: one read of the counters, then kept answers where they are exact."""
    with db.engine.connect() as conn:
        gens = generations(conn)
        if gens is None:
            return None
        mask = kept_mask(db, user, gens)
        marks = (START, STOP, _SNIPPET_WORDS)
        match = terms.fts5()
        if mask is None:
            # None kept (a new user, or the library, cases or access changed): this search
            # checks its ranked ids in SQL while the mask is read in the background.
            read_mask_later(db, user, gens)
            visible = visible_in_sql(conn, user)
            found = _fts5.page_checked(conn, match, visible, offset, limit, marks)
        else:
            scope = 0 if bool(mask[1:].all()) else (user.id or -1)
            found = _fts5.page(conn, match, gens[0], mask, scope, offset, limit, marks)
        return _hits(conn, found, gens[0])


_HIT_ROWS: Kept[tuple[int, int], Any] = Kept(50_000)


def _hits(conn: Connection, found: list[tuple[int, float, str]], gen: int | None) -> list[Hit]:
    """Hits of the ids found; on SQLite their rows are kept per library generation."""
    rows: dict[int, Any] = {}
    if gen is not None:
        for doc_id, _, _ in found:
            if (row := _HIT_ROWS.get(conn.engine, (gen, doc_id))) is not None:
                rows[doc_id] = row
    missing = [f[0] for f in found if f[0] not in rows]
    if missing:
        for row in conn.execute(select(*_HIT_COLUMNS).where(D.id.in_(missing))):
            rows[row.id] = row
            if gen is not None:
                _HIT_ROWS.put(conn.engine, (gen, row.id), row)
    return [_hit(rows[i], score, snippet) for i, score, snippet in found if i in rows]


def _pg_tsquery(terms: Terms) -> Any:
    parts: list[Any] = []
    for i, (text, prefix) in enumerate(terms.phrases):
        p: Any = bindparam(f"t{i}", text)
        if prefix:
            words = text.split()
            q = func.to_tsquery(
                literal_column("'simple'::regconfig"),
                bindparam(f"p{i}", " <-> ".join(f"'{w}'" for w in words) + ":*"),
            )
        else:
            q = func.phraseto_tsquery(literal_column("'simple'::regconfig"), p)
        parts.append(q)
    query: Any = parts[0]
    for q in parts[1:]:
        query = query.op("&&")(q)
    return query


def _pg_search(db: Database, user: User, terms: Terms, limit: int, offset: int) -> list[Hit]:
    """PostgreSQL: one read of the counters, then a kept ranking or one ranking statement
    whose index scan holds the user's need-to-know (:mod:`nervecentre.library._pg`)."""
    with db.engine.connect() as conn:
        gens = generations(conn)  # before what it covers is read
        view_all = can(user, "case.view_all")
        key = None if gens is None else (gens, terms.fts5(), 0 if view_all else (user.id or -1))
        with Session(conn) as session:
            expiry = {"user_id": user.id, "now": utcnow()}
            found = _pg.page(
                conn,
                _pg_tsquery(terms),
                key,
                lambda: _pg.user_keys(visibility(session, user)),
                lambda: None if view_all else session.scalar(FIRST_EXPIRY, expiry),
                offset,
                limit,
                (START, STOP, _SNIPPET_WORDS),
            )
        return _hits(conn, found, None if gens is None else gens[0])


D = LibraryDocument
# A hit's columns: never the text, which may run to megabytes.
_HIT_COLUMNS = (D.id, D.title, D.path, D.filename, D.kind, D.court, D.decided_on, D.outcome)


def _hit(doc: Any, score: float, snippet: str) -> Hit:
    where = doc.path or doc.filename
    return Hit(
        doc.id, doc.title, where, score, snippet, doc.kind, doc.court, doc.decided_on, doc.outcome
    )


def search(
    db: Database,
    user: User,
    query: str,
    *,
    limit: int = PER_PAGE,
    offset: int = 0,
    ip: str | None = None,
    audit_search: bool = True,
) -> list[Hit]:
    """The documents ``user`` may see that match ``query``, best first, with snippets.

    Audited (``library.search``, with the query and how many hits) unless ``audit_search``
    is False.
    """
    require(user, "library.view")
    terms = parse_query(query)
    if not terms.phrases:
        return []
    hits = (
        _sqlite_search(db, user, terms, limit, offset)
        if db.dialect == "sqlite"
        else _pg_search(db, user, terms, limit, offset)
    )
    if hits is None:  # a SQLite database from before the library's counter
        with db.engine.connect() as conn:
            visible = visible_in_sql(conn, user)
            found = _fts5.page_checked(
                conn, terms.fts5(), visible, offset, limit, (START, STOP, _SNIPPET_WORDS)
            )
            hits = _hits(conn, found, None)
    if audit_search:
        detail = {"query": query[:MAX_QUERY], "hits": len(hits), "offset": offset}
        audit.record(db, user, "library.search", "document", None, detail, ip=ip)
    return hits
