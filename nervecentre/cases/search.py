"""The case list: a query from the web or the API, run over the cases a user may see.

:func:`parse_query` turns query-string parameters into a :class:`CaseQuery`, refusing bad
values with a message an analyst understands; :func:`search_cases` runs it, always inside
the user's need-to-know, and audits it. Text search works on words, through each backend's
full-text index (migration ``0004_search``): every word must occur somewhere in the case,
the last one of a phrase may be the start of a word ('sal' finds 'Salim'), and a value that
reads as an identifier ('098765-43210') also finds its normalised form (+919876543210).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
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
    case,
    cast,
    false,
    func,
    intersect,
    literal,
    literal_column,
    or_,
    select,
    union,
)
from sqlalchemy import text as _sql
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from nervecentre import law, places, types
from nervecentre.cases import vocab
from nervecentre.cases.models import Case, Charge, District, Unit
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.errors import InvalidValue
from nervecentre.security import audit
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import AccessGrant, CaseRestrictionUser, User, UserUnit
from nervecentre.security.roles import can
from nervecentre.store.db import Database

SORTS: tuple[str, ...] = (
    "fir_at", "-fir_at", "fir_number", "-fir_number",
    "district", "-district", "status", "-status",
)  # fmt: skip
MAX_PER_PAGE = 200
MAX_TEXT = 200
MAX_PAGE = 1_000_000
# More words than this add little but cost a full-text lookup each.
MAX_TERMS = 8
# Below this many charges, a section filter is the place to start looking.
_FEW_CHARGES = 20_000

_FILTERS = ("text", "district", "police_station", "unit", "status", "section")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"\d{1,9}")
# NUL and other control characters: PostgreSQL refuses NUL in text, and none belongs in a query.
_CONTROL = dict.fromkeys([*range(32), 127], " ")


@dataclass(frozen=True)
class CaseQuery:
    """What the case list asks for: filters, free text, sort order and page."""

    text: str = ""
    district: str = ""
    police_station: str = ""
    unit: str = ""
    status: str = ""
    section: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "-fir_at"
    page: int = 1
    per_page: int = 50

    def as_params(self) -> dict[str, str]:
        """The fields that differ from the defaults, as query-string parameters."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                out[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    @property
    def filtered(self) -> bool:
        """Whether any filter or text narrows the list (sort and page do not)."""
        return any(getattr(self, n) for n in _FILTERS) or bool(self.date_from or self.date_to)


@dataclass
class CaseRow:
    """One line of the case list."""

    id: int
    case_key: str
    fir_number: str
    fir_year: int
    fir_at: datetime
    police_station_code: str
    police_station: str
    district_code: str
    district: str
    unit_code: str
    status: str
    status_label: str
    crime_heads: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)


@dataclass
class CasePage:
    """One page of results, the total over all pages, and the query that made it."""

    rows: list[CaseRow]
    total: int
    page: int
    per_page: int
    query: CaseQuery

    @property
    def pages(self) -> int:
        """How many pages the total fills (at least 1, so an empty list still has a page)."""
        return max(1, math.ceil(self.total / self.per_page))


# ---- parsing --------------------------------------------------------------------------


def _invalid(name: str, raw: str, message: str) -> InvalidValue:
    return InvalidValue(message, kind=name, value=raw)


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:37] + "...")


def _place(name: str, raw: str, district: str, station: bool) -> str:
    try:
        found = places.unit(raw, district=district or None)
    except InvalidValue as exc:
        raise _invalid(name, raw, str(exc)) from None
    if station and found.kind != "police_station":
        kind = vocab.label("unit_kind", found.kind).lower()
        raise _invalid(name, raw, f"{found.name} ({found.code}) is a {kind}, not a police station")
    return found.code


def _status(raw: str) -> str:
    terms = vocab.vocabulary("case_status")
    wanted = raw.strip().casefold()
    for term in terms.values():
        if wanted in (term.code, term.label.casefold()):
            return term.code
    raise _invalid("status", raw, f"unknown status {_shown(raw)}; one of: {', '.join(terms)}")


def _date(name: str, raw: str) -> date:
    text = raw.strip()
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise _invalid(name, raw, f"{name} {_shown(raw)} is not a date; write it as YYYY-MM-DD")


def _int(name: str, raw: str, low: int, high: int) -> int:
    text = raw.strip()
    if not _INT.fullmatch(text) or not low <= int(text) <= high:
        raise _invalid(
            name, raw, f"{name} {_shown(raw)} must be a whole number from {low} to {high}"
        )
    return int(text)


def _section_refs(raw: str) -> tuple[list[law.SectionRef], bool]:
    """The sections a filter names, and whether it named no act ('370': any act's 370)."""
    try:
        return [law.parse_section(raw)], False
    except InvalidValue as exc:
        bare = []
        for code in law.LAWS:
            try:
                bare.append(law.parse_section(raw, default_law=code))
            except InvalidValue:
                continue
        if not bare:
            raise _invalid("section", raw, str(exc)) from None
        return bare, True


def _section_keys(section: str) -> frozenset[str]:
    """The charge section keys a section filter matches, IPC <-> BNS equivalents included."""
    return law.search_keys_for(_section_refs(section)[0])


def _section(raw: str) -> str:
    refs, bare = _section_refs(raw)
    # Canonical, so that as_params() round-trips: 'IPC 370(4)', or bare '370'.
    return str(refs[0]).split(" ", 1)[1] if bare else str(refs[0])


def _clean_text(raw: str) -> str:
    """Free text as searched: control characters out, spaces collapsed, at most MAX_TEXT."""
    return " ".join(raw.translate(_CONTROL).split())[:MAX_TEXT].strip()


def parse_query(params: Mapping[str, str]) -> CaseQuery:
    """A CaseQuery from query-string parameters; blank means no filter, bad values raise.

    Raises InvalidValue with ``kind`` set to the parameter's name and a message for the
    analyst ("unknown status 'foo'; one of: …").
    """

    def get(name: str) -> str:
        value = params.get(name)
        return "" if value is None else str(value)

    text = _clean_text(get("text") or get("q"))
    district = get("district").strip()
    if district:
        try:
            district = places.district(district).code
        except InvalidValue as exc:
            raise _invalid("district", get("district"), str(exc)) from None
    station, unit, status, section = (get(n).strip() for n in _FILTERS[2:])
    date_from = _date("date_from", get("date_from")) if get("date_from").strip() else None
    date_to = _date("date_to", get("date_to")) if get("date_to").strip() else None
    if date_from and date_to and date_from > date_to:
        raise _invalid(
            "date_from", get("date_from"), f"date_from {date_from} is after date_to {date_to}"
        )
    sort = get("sort").strip() or CaseQuery.sort
    if sort not in SORTS:
        raise _invalid("sort", sort, f"unknown sort {_shown(sort)}; one of: {', '.join(SORTS)}")
    page = get("page")
    per_page = get("per_page")
    return CaseQuery(
        text=text,
        district=district,
        police_station=_place("police_station", station, district, True) if station else "",
        unit=_place("unit", unit, district, False) if unit else "",
        status=_status(status) if status else "",
        section=_section(section) if section else "",
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=_int("page", page, 1, MAX_PAGE) if page.strip() else 1,
        per_page=_int("per_page", per_page, 1, MAX_PER_PAGE) if per_page.strip() else 50,
    )


# ---- text search ----------------------------------------------------------------------

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


def _term_case_ids(dialect: str, term: _Term, tsquery: str) -> _Ids:
    """Ids of cases where the term occurs: in the case, a non-protected person, an identifier."""
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
    if not parts:
        return select(Case.id).where(false())
    return parts[0] if len(parts) == 1 else union(*parts)


# SQLite's full-text tables (migration 0004_search): the table, its FTS5 table and column.
_INDEXED = (
    ("cases", "search_cases", "body"),
    ("persons", "search_persons", "name"),
    ("person_aliases", "search_aliases", "alias"),
)


def _mark(table: str) -> str:
    return f"(SELECT last_id FROM search_state WHERE tbl = '{table}')"


def _refresh(session: Session, *, rebuild: bool = False) -> bool:
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
        return _refresh(session, rebuild=rebuild)


def _text_filter(
    session: Session, dialect: str, text: str, bounded: bool
) -> ColumnElement[bool] | None:
    """A WHERE clause on Case for free text (None for no text; never true for noise like '--').

    ``bounded``: the query starts from the user's units, so the matches are only looked up
    (a plain IN, which PostgreSQL hashes), not fetched one by one from an array of ids.
    """
    text = _clean_text(text)
    if not text:
        return None
    terms = _terms(text)
    if not terms:
        return false()
    tsqueries = _tsqueries(session, terms) if dialect != "sqlite" else [""] * len(terms)
    matches = [_term_case_ids(dialect, t, q) for t, q in zip(terms, tsqueries, strict=True)]
    if dialect == "sqlite":
        return and_(*(Case.id.in_(m) for m in matches))
    # PostgreSQL: one set of ids; two '= ANY' on one index scan can cost their product.
    found = matches[0] if len(matches) == 1 else intersect(*matches)
    return Case.id.in_(found) if bounded else _member(dialect, Case.id, found)


# ---- running a query ------------------------------------------------------------------


def _unit_bound(user: User) -> bool:
    return can(user, "case.view") and not can(user, "case.view_all")


def visible_conditions(session: Session, user: User) -> list[ColumnElement[bool]]:
    """``visible_cases_filter(user)`` and, for unit-bound users, a superset that indexes find.

    The filter alone makes both databases test every case (its branches are correlated
    subqueries). ANDing in the user's units and granted or named cases, as literal lists
    (grants in any state: a superset is enough), lets them start from the unit and
    primary-key indexes instead. The filter still decides what is visible.
    """
    where = [visible_cases_filter(user)]
    if _unit_bound(user):
        mine = AccessGrant.grantee_id == user.id
        units = session.scalars(
            union(
                select(UserUnit.unit_code).where(UserUnit.user_id == user.id),
                select(AccessGrant.unit_code).where(mine, AccessGrant.unit_code.is_not(None)),
            )
        ).all()
        cases = session.scalars(
            union(
                select(AccessGrant.case_id).where(mine, AccessGrant.case_id.is_not(None)),
                select(CaseRestrictionUser.case_id).where(CaseRestrictionUser.user_id == user.id),
            )
        ).all()
        hint = [Case.unit_code.in_(sorted(units))] if units else []
        hint += [Case.id.in_(sorted(cases))] if cases else []
        # One branch alone lets SQLite answer from the covering unit index, no OR to merge.
        where.append(or_(*hint) if len(hint) > 1 else hint[0] if hint else false())
    return where


def _filters(
    session: Session, query: CaseQuery, *, bounded: bool, walk: bool = False
) -> list[ColumnElement[bool]]:
    """The query's conditions. ``bounded``: start from the user's units (on SQLite, their
    indexes are hidden from the planner); ``walk``: the plan walks the FIR-date index."""
    dialect = session.get_bind().dialect.name
    hidden = bounded and dialect == "sqlite"

    def col(c: Any) -> Any:
        return no_index(c) if hidden else c

    where: list[ColumnElement[bool]] = []
    for value, column in (
        (query.district, Case.district_code),
        (query.police_station, Case.police_station_code),
        (query.unit, Case.unit_code),
        (query.status, Case.status),
    ):
        if value:
            where.append(col(column) == value)
    if query.date_from:
        where.append(col(Case.fir_at) >= datetime.combine(query.date_from, time.min))
    if query.date_to:
        end = datetime.combine(query.date_to + timedelta(days=1), time.min)
        where.append(col(Case.fir_at) < end)
    text = _text_filter(session, dialect, query.text, bounded)
    if text is not None:
        where.append(text)
    if query.section:
        keys = sorted(_section_keys(query.section))
        charged = select(Charge.case_id).where(Charge.section_key.in_(keys))
        # Start from the section's charges when they are few or all there is to go by;
        # else probe the charges of the cases the other conditions find.
        few = select(func.count()).select_from(charged.limit(_FEW_CHARGES).subquery())
        if (session.scalar(few) or 0) < _FEW_CHARGES or not (where or hidden or walk):
            where.append(Case.id.in_(charged))
        else:
            where.append(charged.where(Charge.case_id == Case.id).exists())
    return where


def no_index(expr: Any) -> Any:
    """``expr`` unchanged, but hidden from SQLite's planner (its no-op unary +), so that it
    starts from the filters instead of walking an index in sort order. SQLite only."""
    return UnaryExpression(expr, operator=operators.custom_op("+"))


def _order(session: Session, sort: str, unindexed: bool) -> list[Any]:
    """ORDER BY terms; ``unindexed`` keeps SQLite from walking an index in sort order."""
    key = sort.lstrip("-")
    columns: list[Any]
    if key == "fir_at":
        columns = [Case.fir_at]
    elif key == "fir_number":
        # Year, then number as a number: '9' before '10' (numbers are stored without zeros).
        columns = [Case.fir_year, func.length(Case.fir_number), Case.fir_number]
    elif key == "district":
        names = session.execute(select(District.code).order_by(District.name, District.code))
        rank = {code: i for i, code in enumerate(names.scalars())}
        columns = [case(rank, value=Case.district_code, else_=len(rank))]
    else:
        rank = {code: i for i, code in enumerate(vocab.codes("case_status"))}
        columns = [case(rank, value=Case.status, else_=len(rank))]
    if unindexed:
        columns = [no_index(c) for c in columns]
    columns.append(Case.id)
    return [c.desc() for c in columns] if sort.startswith("-") else columns


def _check(query: CaseQuery) -> None:
    if query.sort not in SORTS:
        raise InvalidValue(f"unknown sort {query.sort!r}; one of: {', '.join(SORTS)}", kind="sort")
    if not 1 <= query.per_page <= MAX_PER_PAGE:
        raise InvalidValue(
            f"per_page must be from 1 to {MAX_PER_PAGE}", kind="per_page", value=query.per_page
        )
    if not 1 <= query.page <= MAX_PAGE:
        raise InvalidValue(f"page must be from 1 to {MAX_PAGE}", kind="page", value=query.page)


def _page_ids(
    session: Session, db: Database, user: User, query: CaseQuery, where: list[Any], total: int
) -> list[int]:
    """The ids of one page, by a plan chosen from the total we already know.

    Walking the FIR-date index until a page is full reads about (offset + limit) *
    all / total cases: cheap when matches are dense, a scan of everything when they are
    rare. Then starting from the filters (``where``) and sorting what they find is better.
    """
    offset = (query.page - 1) * query.per_page
    sqlite = db.dialect == "sqlite"
    walk = False
    if sqlite and query.sort.lstrip("-") == "fir_at":
        everything = session.scalar(select(func.max(Case.id))) or 0
        walk = (offset + query.per_page) * everything < total * total
    if walk:
        where = [visible_cases_filter(user), *_filters(session, query, bounded=False, walk=True)]
    ids = (
        select(Case.id)
        .where(*where)
        .order_by(*_order(session, query.sort, sqlite and not walk))
        .limit(query.per_page)
        .offset(offset)
    )
    return list(session.scalars(ids))


def _heads(value: str) -> list[str]:
    out = []
    for code in filter(None, value.split(",")):
        try:
            out.append(law.crime_head(code).name)
        except InvalidValue:
            out.append(code)
    return out


def _rows(session: Session, ids: list[int]) -> list[CaseRow]:
    """The rows for these ids, in this order, with station and district names and sections."""
    if not ids:
        return []
    station = aliased(Unit, name="station")
    columns = (
        *(Case.id, Case.case_key, Case.fir_number, Case.fir_year, Case.fir_at),
        *(Case.police_station_code, station.name, Case.district_code, District.name),
        *(Case.unit_code, Case.status, Case.crime_heads),
    )
    found = session.execute(
        select(*columns)
        .join(station, station.code == Case.police_station_code)
        .join(District, District.code == Case.district_code)
        .where(Case.id.in_(ids))
    )
    sections: dict[int, list[str]] = {i: [] for i in ids}
    charges = select(Charge.case_id, Charge.section_key).where(Charge.case_id.in_(ids))
    for case_id, key in session.execute(charges.order_by(Charge.case_id, Charge.id)):
        if key not in sections[case_id]:
            sections[case_id].append(key)
    rows: dict[int, CaseRow] = {}
    for r in found:
        label, heads = vocab.label("case_status", r.status), _heads(r.crime_heads)
        rows[r.id] = CaseRow(
            r.id, r.case_key, r.fir_number, r.fir_year, r.fir_at, r.police_station_code, r[6],
            r.district_code, r[8], r.unit_code, r.status, label, heads, sections[r.id],
        )  # fmt: skip
    return [rows[i] for i in ids]


def search_cases(
    db: Database,
    user: User,
    query: CaseQuery,
    *,
    ip: str | None = None,
    audit_search: bool = True,
) -> CasePage:
    """One page of the cases ``user`` may see that match ``query``, and their total.

    Rows and total both stay inside need-to-know. A query with any filter or text is
    audited (``search``) unless ``audit_search`` is False.
    """
    _check(query)
    # Unit-bound users' cases are found from their units (a few thousand at most), not
    # from a filter's index that may hold most of the registry.
    bounded = _unit_bound(user)
    offset = (query.page - 1) * query.per_page
    with db.session() as session:
        if _clean_text(query.text):
            _refresh(session)
        where = [*visible_conditions(session, user), *_filters(session, query, bounded=bounded)]
        count = select(func.count()).select_from(Case).where(*where)
        if _clean_text(query.text):
            # Finding the text's matches is the costly part: do it once, for the page and
            # the total together (a window count), starting from the matches.
            page = (
                select(Case.id, func.count().over())
                .where(*where)
                .order_by(*_order(session, query.sort, db.dialect == "sqlite"))
                .limit(query.per_page)
                .offset(offset)
            )
            found = session.execute(page).all()
            ids = [i for i, _ in found]
            total = found[0][1] if found else (session.scalar(count) or 0) if offset else 0
        else:
            total = session.scalar(count) or 0
            ids = _page_ids(session, db, user, query, where, total) if offset < total else []
        rows = _rows(session, ids)
        if audit_search and query.filtered:
            detail = {"query": query.as_params(), "total": total}
            audit.record(session, user, "search", "case", None, detail, ip=ip)
    return CasePage(rows, total, query.page, query.per_page, query)
