"""Full-text search of the library, with highlighted snippets, inside need-to-know.

Every word must occur (in the title or the text); a phrase in double quotes must occur as
written; a word ending in ``*`` is a prefix. Words are letters, digits and marks, so
Devanagari words ('मानव तस्करी') are whole. SQLite ranks with FTS5's BM25 (a title word
counts four times); PostgreSQL with ``ts_rank`` over the same words ('simple' parser).

On SQLite the ranked ids of a query are kept while the ``library`` generation stays, and
a hit is checked against the user's kept visibility mask (:mod:`nervecentre.library.access`),
so a repeated or paged search costs array lookups and the snippets of one page.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from markupsafe import Markup
from sqlalchemy import Float, bindparam, cast, func, literal_column, select
from sqlalchemy import text as _sql
from sqlalchemy.orm import Session

from nervecentre.library.access import visible_documents_filter, visible_mask
from nervecentre.library.models import LibraryDocument
from nervecentre.security import audit
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database
from nervecentre.store.generations import Kept, generation

MAX_QUERY = 200
MAX_TERMS = 8
PER_PAGE = 20
# Ranked ids fetched at first; a query whose visible hits run out fetches all the rest.
_FIRST_FETCH = 400
START, STOP = "\x02", "\x03"  # highlight markers: control characters no stored text holds
_CONTROL = dict.fromkeys([*range(32), 127], " ")
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_SNIPPET_WORDS = 24
# PostgreSQL: exactly the expression migration 0020_library indexes (GIN), or no index is used.
_PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, "
    "left(library_documents.title || ' ' || library_documents.text, 500000))"
)


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


@dataclass
class _Ranked:
    ids: np.ndarray[Any, np.dtype[np.int64]]
    scores: np.ndarray[Any, np.dtype[np.float64]]
    complete: bool


_RANKED: Kept[tuple[int, str, int], _Ranked] = Kept(512)
_SNIPPETS: Kept[tuple[int, str, int], str] = Kept(20_000)


def _ranked(session: Session, match: str, gen: int, want: int) -> _Ranked:
    engine = session.get_bind().engine
    for fetch in (_FIRST_FETCH, -1):
        key = (gen, match, fetch)
        kept = _RANKED.get(engine, key)
        if kept is None:
            rows = session.execute(
                _sql(
                    "SELECT rowid, rank FROM search_library WHERE search_library MATCH :q "
                    "ORDER BY rank LIMIT :n"
                ),
                {"q": match, "n": fetch},
            ).all()
            kept = _Ranked(
                np.fromiter((r[0] for r in rows), np.int64, len(rows)),
                np.fromiter((-r[1] for r in rows), np.float64, len(rows)),
                fetch == -1 or len(rows) < fetch,
            )
            _RANKED.put(engine, key, kept)
        if kept.complete or len(kept.ids) >= want:
            return kept
    raise AssertionError("the second fetch is complete")


def _sqlite_snippets(session: Session, match: str, gen: int, ids: list[int]) -> dict[int, str]:
    engine = session.get_bind().engine
    out: dict[int, str] = {}
    missing = []
    for doc in ids:
        kept = _SNIPPETS.get(engine, (gen, match, doc))
        if kept is None:
            missing.append(doc)
        else:
            out[doc] = kept
    if missing:
        marks = ",".join(str(int(i)) for i in missing)  # ints from the index, not input
        rows = session.execute(
            _sql(
                f"SELECT rowid, snippet(search_library, 1, :a, :b, '…', {_SNIPPET_WORDS}) "
                f"FROM search_library WHERE search_library MATCH :q AND rowid IN ({marks})"
            ),
            {"q": match, "a": START, "b": STOP},
        ).all()
        for doc, text in rows:
            out[doc] = text or ""
            _SNIPPETS.put(engine, (gen, match, doc), out[doc])
    return out


def _sqlite_search(
    session: Session, user: User, terms: Terms, mask: np.ndarray[Any, Any], limit: int, offset: int
) -> list[tuple[int, float, str]]:
    gen = generation(session, "library") or 0
    match = terms.fts5()
    want = offset + limit
    ranked = _ranked(session, match, gen, want * 4)
    ids = ranked.ids
    inside = ids < len(mask)
    keep = np.zeros(len(ids), dtype=np.bool_)
    keep[inside] = mask[ids[inside]]
    if keep.sum() < want and not ranked.complete:
        ranked = _ranked(session, match, gen, 1 << 62)
        ids = ranked.ids
        inside = ids < len(mask)
        keep = np.zeros(len(ids), dtype=np.bool_)
        keep[inside] = mask[ids[inside]]
    chosen = np.flatnonzero(keep)[offset:want]
    docs = [int(ids[i]) for i in chosen]
    snippets = _sqlite_snippets(session, match, gen, docs)
    return [(int(ids[i]), float(ranked.scores[i]), snippets.get(int(ids[i]), "")) for i in chosen]


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


def _pg_search(
    session: Session, user: User, terms: Terms, limit: int, offset: int
) -> list[tuple[int, float, str]]:
    tsq = _pg_tsquery(terms)
    vector: Any = literal_column(_PG_DOCUMENT)
    score = cast(func.ts_rank(vector, tsq), Float)
    ranked = (
        select(LibraryDocument.id, score.label("score"))
        .where(vector.op("@@")(tsq), visible_documents_filter(user))
        .order_by(score.desc(), LibraryDocument.id)
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    options = (
        f"StartSel={START}, StopSel={STOP}, MaxWords={_SNIPPET_WORDS}, MinWords=8, "
        "MaxFragments=2, FragmentDelimiter=…"
    )
    headline = func.ts_headline(
        literal_column("'simple'::regconfig"),
        func.left(LibraryDocument.text, 200_000),
        tsq,
        options,
    )
    rows = session.execute(
        select(ranked.c.id, ranked.c.score, headline)
        .join(LibraryDocument, LibraryDocument.id == ranked.c.id)
        .order_by(ranked.c.score.desc(), ranked.c.id)
    ).all()
    return [(r[0], float(r[1]), r[2] or "") for r in rows]


def _hit(doc: LibraryDocument, score: float, snippet: str) -> Hit:
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
    with db.session() as session:
        mask = visible_mask(session, user)
        if mask is not None:
            found = _sqlite_search(session, user, terms, mask, limit, offset)
        else:
            found = _pg_search(session, user, terms, limit, offset)
        docs = {
            d.id: d
            for d in session.scalars(
                select(LibraryDocument).where(LibraryDocument.id.in_([f[0] for f in found]))
            )
        }
        hits = [_hit(docs[i], score, snippet) for i, score, snippet in found if i in docs]
    if audit_search:
        detail = {"query": query[:MAX_QUERY], "hits": len(hits), "offset": offset}
        audit.record(db, user, "library.search", "document", None, detail, ip=ip)
    return hits
