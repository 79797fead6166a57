"""Free-text search over cases: words through each backend's full-text index.

Every word must occur somewhere in the case (its FIR, place, officer, crime heads and facts,
a person's name or alias, an identifier), the last one of a phrase may be the start of a
word ('sal' finds 'Salim'), and a value that reads as an identifier ('098765-43210') also
finds its normalised form (+919876543210). SQLite keeps FTS5 tables that
:func:`refresh_index` brings up to date (migration ``0004_search``); PostgreSQL indexes
expressions with GIN and is always current.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    and_,
    any_,
    cast,
    false,
    func,
    intersect,
    literal,
    literal_column,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy import text as _sql
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from nervecentre import law, types
from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.errors import InvalidValue
from nervecentre.store.db import Database

MAX_TEXT = 200
# More words than this add little but cost a full-text lookup each.
MAX_TERMS = 8
# Up to this many matches, SQLite fetches the matching cases one by one; beyond, it reads
# the user's cases from their units' index and looks each up among the matches.
_FEW_MATCHES = 5_000
# NUL and other control characters: PostgreSQL refuses NUL in text, and none belongs in a query.
_CONTROL = dict.fromkeys([*range(32), 127], " ")


def clean_text(raw: str) -> str:
    """Free text as searched: control characters out, spaces collapsed, at most MAX_TEXT."""
    return " ".join(raw.translate(_CONTROL).split())[:MAX_TEXT].strip()


def no_index(expr: Any) -> Any:
    """``expr`` unchanged, but hidden from SQLite's planner (its no-op unary +), so that it
    starts from the other conditions instead of this one's index. SQLite only."""
    return UnaryExpression(expr, operator=operators.custom_op("+"))


# The search index of migration 0004_search, seen from here: tables SQLite keeps (FTS5)…
_fts = MetaData()
_FTS_CASES = Table("search_cases", _fts, Column("rowid", Integer), Column("body", Text))
_FTS_PERSONS = Table("search_persons", _fts, Column("rowid", Integer), Column("name", Text))
_FTS_ALIASES = Table("search_aliases", _fts, Column("rowid", Integer), Column("alias", Text))
# …and, on PostgreSQL, the indexed expressions, which must be exactly the migration's.
_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")


def _tsvector(expr: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[Any]:
    return func.to_tsvector(_SIMPLE, expr)


def _case_document(c: Any) -> ColumnElement[Any]:
    def lit(s: str) -> ColumnElement[str]:
        return literal_column(f"'{s}'", String)

    text = (
        c.fir_number + lit("/") + cast(c.fir_year, Text) + lit(" ") + c.case_key + lit(" ")
        + c.occurrence_place + lit(" ") + c.investigating_officer + lit(" ")
        + c.crime_heads + lit(" ") + c.brief_facts
    )  # fmt: skip
    return _tsvector(text)


def _tokens(text: str) -> list[str]:
    """Words as both indexes see them: runs of letters, digits and marks, lower-cased."""
    out: list[str] = []
    word: list[str] = []
    for ch in text + " ":
        if unicodedata.category(ch)[0] in "LNM":
            word.append(ch)
        elif word:
            out.append("".join(word).lower())
            word = []
    return out


@dataclass(frozen=True)
class _Term:
    """One word or phrase of the text, and what else it stands for."""

    text: str
    tokens: tuple[str, ...]
    prefix: bool
    heads: tuple[str, ...]  # codes of the crime heads it names ('trafficking': HT)
    identifiers: frozenset[tuple[str, str]]  # (kind, value) it normalises to
    accounts: frozenset[str]  # bare bank account numbers (no IFSC given)


@cache
def _head_words() -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    return tuple(
        (h.code, tuple(_tokens(h.code)), tuple(_tokens(h.name))) for h in law.crime_heads()
    )


def _names_head(tokens: tuple[str, ...], name: tuple[str, ...]) -> bool:
    n = len(tokens)
    return any(
        name[i : i + n - 1] == tokens[:-1] and name[i + n - 1].startswith(tokens[-1])
        for i in range(len(name) - n + 1)
    )


def _identifiers(text: str) -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
    if not any(ch.isdigit() or ch in "@:./" for ch in text):
        return frozenset(), frozenset()
    found: set[tuple[str, str]] = set()
    accounts: set[str] = set()
    try:
        detected = types.detect(text)
        found.add((detected.kind, detected.value))
    except InvalidValue:
        pass
    for kind in types.KINDS:
        value = types.try_normalise(kind, text)
        if value is None:
            continue
        if kind == "bank_account" and value.value.startswith(":"):
            accounts.add(value.value)  # stored as IFSC:ACCOUNT; match the account part
        elif kind != "url" or "://" in text:  # 'a@b.c' is an e-mail, not http://a@b.c/
            found.add((value.kind, value.value))
    return frozenset(found), frozenset(accounts)


def _term(text: str) -> _Term | None:
    tokens = tuple(_tokens(text))
    idents, accounts = _identifiers(text)
    if not tokens and not idents:
        return None
    last = tokens[-1] if tokens else ""
    heads = tuple(
        code
        for code, code_tokens, name in _head_words()
        if tokens and (tokens == code_tokens or _names_head(tokens, name))
    )
    # A prefix of one or two letters matches half the index; numbers are meant exactly.
    prefix = len(last) >= 3 and not last.isdigit()
    return _Term(text, tokens, prefix, heads, idents, accounts)


def _terms(text: str) -> list[_Term]:
    """The text as terms that must all match: one term if it reads as an identifier."""
    whole = _term(text)
    if whole is None:
        return []
    if whole.identifiers or whole.accounts:
        return [whole]
    terms = [t for t in map(_term, dict.fromkeys(text.split())) if t is not None]
    return terms[:MAX_TERMS]


def _fts5(term: _Term) -> str:
    """An FTS5 query: the term as a quoted phrase (FTS5 tokenises it), OR the heads it names."""
    phrase = '"' + term.text.replace('"', '""') + '"' + ("*" if term.prefix else "")
    return " OR ".join([phrase, *(f'"{code}"' for code in term.heads)])


def _tsqueries(session: Session, terms: list[_Term]) -> list[str]:
    """A tsquery per term, its words parsed by PostgreSQL itself, as the index was."""
    texts = [t.text for t in terms] + [code for t in terms for code in t.heads]
    parsed = session.execute(
        select(*(cast(func.phraseto_tsquery(_SIMPLE, t), Text) for t in texts))
    ).one()
    phrases = dict(zip(texts, parsed, strict=True))
    out = []
    for term in terms:
        own = phrases[term.text] + (":*" if term.prefix and phrases[term.text] else "")
        parts = [p for p in (own, *(phrases[c] for c in term.heads)) if p]
        out.append(" | ".join(f"({p})" for p in parts))
    return out


_Ids = Select[Any] | CompoundSelect[Any]


def _member(dialect: str, column: InstrumentedAttribute[int], ids: _Ids) -> ColumnElement[bool]:
    """``column IN (ids)``. On PostgreSQL as ``= ANY(ARRAY(ids))``: its estimates for word
    matches are too rough to trust, and an array of ids always gets index lookups."""
    if dialect == "sqlite":
        return column.in_(ids)
    return column == any_(func.array(ids.scalar_subquery()))


def _term_parts(dialect: str, term: _Term, tsquery: str) -> list[Select[Any]]:
    """Ids of cases where the term occurs, in parts: in the case, a non-protected person's
    name or alias, an identifier (none for a term no index can find)."""
    parts: list[Select[Any]] = []
    if term.tokens and (dialect == "sqlite" or tsquery):
        if dialect == "sqlite":
            q = _fts5(term)
            in_cases = select(_FTS_CASES.c.rowid).where(_FTS_CASES.c.body.op("MATCH")(q))
            names = select(_FTS_PERSONS.c.rowid).where(_FTS_PERSONS.c.name.op("MATCH")(q))
            alias_ids = select(_FTS_ALIASES.c.rowid).where(_FTS_ALIASES.c.alias.op("MATCH")(q))
            aliases = select(PersonAlias.person_id).where(PersonAlias.id.in_(alias_ids))
        else:
            tsq = cast(literal(tsquery, Text), TSQUERY)  # parsed: a cast keeps the lexemes
            other = aliased(Case, name="search_case")
            in_cases = select(other.id).where(_case_document(other).op("@@")(tsq))
            names = select(Person.id).where(~Person.protected, _tsvector(Person.name).op("@@")(tsq))
            aliases = select(PersonAlias.person_id).where(
                _tsvector(PersonAlias.alias).op("@@")(tsq)
            )
        # Name hits are never protected people (their names are neither stored nor
        # indexed); aliases are stored for everyone, so those are checked.
        by_name = select(CaseRole.case_id).where(_member(dialect, CaseRole.person_id, names))
        by_alias = (
            select(CaseRole.case_id)
            .join(Person, Person.id == CaseRole.person_id)
            .where(_member(dialect, CaseRole.person_id, aliases), ~Person.protected)
        )
        parts += [in_cases, by_name, by_alias]
    matches = [and_(Identifier.kind == k, Identifier.value == v) for k, v in term.identifiers]
    matches += [
        and_(Identifier.kind == "bank_account", Identifier.value.endswith(a, autoescape=True))
        for a in term.accounts
    ]
    if matches:
        parts.append(
            select(IdentifierUse.case_id)
            .join(Identifier, Identifier.id == IdentifierUse.identifier_id)
            .where(or_(*matches))
        )
    return parts


def _ids(parts: list[Select[Any]], *, distinct: bool = True) -> _Ids:
    """The parts as one set of ids; ``distinct=False`` where only membership is asked."""
    if not parts:
        return select(Case.id).where(false())
    if len(parts) == 1:
        return parts[0]
    return union(*parts) if distinct else union_all(*parts)


# SQLite's full-text tables (migration 0004_search): the table, its FTS5 table and column.
_INDEXED = (
    ("cases", "search_cases", "body"),
    ("persons", "search_persons", "name"),
    ("person_aliases", "search_aliases", "alias"),
)


def _mark(table: str) -> str:
    return f"(SELECT last_id FROM search_state WHERE tbl = '{table}')"


def refresh(session: Session, *, rebuild: bool = False) -> bool:
    """Index on SQLite what changed: rows above each table's mark, and queued ones."""
    if session.get_bind().dialect.name != "sqlite":
        return False  # PostgreSQL maintains its indexes itself
    behind = " OR ".join(
        f"(SELECT coalesce(max(id), 0) FROM {table}) > {_mark(table)}" for table, _, _ in _INDEXED
    )
    stale = session.execute(_sql(f"SELECT EXISTS (SELECT 1 FROM search_queue) OR {behind}"))
    if not (rebuild or stale.scalar()):
        return False
    for table, fts, col in _INDEXED:
        # Table and column names are our own constants; nothing here comes from input.
        insert = f"INSERT INTO {fts}(rowid, {col}) SELECT id, doc FROM {fts}_docs WHERE doc <> ''"
        if rebuild:
            session.execute(_sql(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')"))
            session.execute(_sql(insert))
        else:
            queued = f"FROM search_queue WHERE tbl = '{table}'"
            # Forget the text the index holds for queued rows, then index them as they are
            # now (if they still are), and every row above the mark.
            session.execute(
                _sql(
                    f"INSERT INTO {fts}({fts}, rowid, {col}) "
                    f"SELECT 'delete', id, indexed {queued} AND indexed <> ''"
                )
            )
            session.execute(
                _sql(f"{insert} AND (id > {_mark(table)} OR id IN (SELECT id {queued}))")
            )
        session.execute(
            _sql(
                "UPDATE search_state SET last_id = max(last_id, "
                f"(SELECT coalesce(max(id), 0) FROM {table})) WHERE tbl = '{table}'"
            )
        )
    session.execute(_sql("DELETE FROM search_queue"))
    return True


def refresh_index(db: Database, *, rebuild: bool = False) -> bool:
    """Bring the full-text index up to date; True if there was anything to do.

    On SQLite, indexes the rows added or changed since the last time (PostgreSQL's indexes
    are always up to date). Text searches do it when needed; call it after an import so
    that the first search does not pay for it. ``rebuild`` indexes everything anew.
    """
    with db.session() as session:
        return refresh(session, rebuild=rebuild)


def _fewest(session: Session, terms: list[list[Select[Any]]]) -> int | None:
    """Index of the term with the fewest matches, if it has fewer than _FEW_MATCHES.

    Its parts are counted apart (capped, and their overlaps twice): SQLite computes a whole
    UNION before it stops at a LIMIT.
    """

    def capped(part: Select[Any]) -> Any:
        limited = part.limit(_FEW_MATCHES).subquery()
        return select(func.count()).select_from(limited).scalar_subquery()

    counts = session.execute(
        select(*(sum((capped(p) for p in parts), literal(0)) for parts in terms))
    ).one()
    fewest = min(range(len(counts)), key=lambda i: counts[i])
    return fewest if counts[fewest] < _FEW_MATCHES else None


def term_matches(session: Session, dialect: str, text: str) -> list[_Ids] | None:
    """Per word or phrase of the text, a statement of the ids of the cases it occurs in
    (ids may repeat); a case matches the text when it is in all of them. None for no text;
    noise like '--' gives one statement that finds nothing."""
    text = clean_text(text)
    if not text:
        return None
    terms = _terms(text)
    if not terms:
        return [_ids([])]
    tsqueries = _tsqueries(session, terms) if dialect != "sqlite" else [""] * len(terms)
    return [
        _ids(_term_parts(dialect, t, q), distinct=False)
        for t, q in zip(terms, tsqueries, strict=True)
    ]


def text_filter(
    session: Session, dialect: str, text: str, *, bounded: bool
) -> ColumnElement[bool] | None:
    """A WHERE clause on Case for free text (None for no text; never true for noise like '--').

    ``bounded``: the query starts from the user's units. On SQLite, each of the user's cases
    is then looked up among the matches, unless a term has few: its cases are fetched one by
    one. On PostgreSQL, the matches are only looked up (a plain IN, which it hashes), not
    fetched one by one from an array of ids.
    """
    text = clean_text(text)
    if not text:
        return None
    terms = _terms(text)
    if not terms:
        return false()
    tsqueries = _tsqueries(session, terms) if dialect != "sqlite" else [""] * len(terms)
    parts = [_term_parts(dialect, t, q) for t, q in zip(terms, tsqueries, strict=True)]
    if dialect == "sqlite":
        start = _fewest(session, parts) if bounded else -1
        return and_(
            *(
                (Case.id if start in (i, -1) else no_index(Case.id)).in_(_ids(p, distinct=False))
                for i, p in enumerate(parts)
            )
        )
    matches = [_ids(p) for p in parts]
    # PostgreSQL: one set of ids; two '= ANY' on one index scan can cost their product.
    found = matches[0] if len(matches) == 1 else intersect(*matches)
    return Case.id.in_(found) if bounded else _member(dialect, Case.id, found)
