"""The table definitions of ``data/tables.yaml``: measures, rates, tables, purposes.

Loaded and checked once; a typo in the file is an :class:`InputFileError` naming the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from nervecentre import law
from nervecentre.cases import vocab
from nervecentre.errors import InputFileError, InvalidValue

COUNTS = ("cases", "accused", "arrested", "victims")
SEXES = ("female", "male", "transgender", "unknown_or_age_unknown")
AGES = ("minor", "adult", "unknown")
CODES = ("IPC", "BNS", "SLL")
#: What puts a case in a period's count (facts.py dates each): registered in it; charge-
#: sheeted, closed by a final report, decided by a court, arrested or rescued during it; or
#: still pending investigation or trial at its end. Each count has its default.
WHENS = ("registered", "charge_sheeted", "final_report", "decided", "arrested", "rescued",
         "pending_investigation", "pending_trial")  # fmt: skip
_FILE = "tables.yaml"


@dataclass(frozen=True, slots=True)
class Measure:
    """What one column counts, and over which cases or people."""

    id: str
    label: str
    count: str
    status: frozenset[str] | None = None
    sex: str | None = None
    age: str | None = None
    rescued: bool | None = None
    code: str | None = None
    when: str = "registered"


@dataclass(frozen=True, slots=True)
class Rate:
    """A percentage of two measures: numerator / sum(denominator) x 100."""

    id: str
    label: str
    numerator: str
    denominator: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TableDef:
    """A declared table: its columns, its total column and, if fixed, what its rows are."""

    id: str
    title: str
    columns: tuple[str, ...]
    total: str | None = None
    rates: tuple[str, ...] = ()
    rows: str | None = None


@dataclass(frozen=True, slots=True)
class Purpose:
    """A purpose of trafficking and the crime heads and section keys that mark it."""

    code: str
    label: str
    heads: frozenset[str]
    sections: frozenset[str]


@dataclass(frozen=True, slots=True)
class Definitions:
    """Everything ``tables.yaml`` declares."""

    measures: dict[str, Measure]
    rates: dict[str, Rate]
    tables: dict[str, TableDef]
    purposes: tuple[Purpose, ...]
    breakdowns: dict[str, str]

    def table(self, table_id: str) -> TableDef:
        """The table with this id, or InvalidValue listing the known ones."""
        found = self.tables.get(table_id)
        if found is None:
            known = ", ".join(self.tables)
            raise InvalidValue(f"unknown table {table_id!r}; one of: {known}", kind="table")
        return found


def _fail(where: str, message: str) -> InputFileError:
    return InputFileError(f"{_FILE}: {where}: {message}")


def _keys(where: str, item: object, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(item, dict) or not required <= set(item) <= required | optional:
        raise _fail(where, f"needs keys {sorted(required)} (optional {sorted(optional)})")
    return item


def _statuses(where: str, value: object, named: dict[str, list[str]]) -> frozenset[str] | None:
    if value is None:
        return None
    codes = named.get(value) if isinstance(value, str) else value
    if not isinstance(codes, list):
        raise _fail(where, f"status {value!r} is neither a list nor a named group")
    for code in codes:
        if str(code) not in vocab.codes("case_status"):
            raise _fail(where, f"unknown case status {code!r}")
    return frozenset(str(c) for c in codes)


def _default_when(raw: dict[str, Any]) -> str:
    if raw["count"] == "arrested":
        return "arrested"
    return "rescued" if raw.get("rescued") else "registered"


def _measure(key: str, item: object, named: dict[str, list[str]]) -> Measure:
    where = f"measure {key}"
    raw = _keys(
        where, item, {"label", "count"}, {"status", "sex", "age", "rescued", "code", "when"}
    )
    checks = (
        ("count", COUNTS), ("sex", SEXES), ("age", AGES), ("code", CODES), ("when", WHENS)
    )  # fmt: skip
    for name, allowed in checks:
        if raw.get(name) is not None and raw[name] not in allowed:
            raise _fail(where, f"{name} must be one of {', '.join(allowed)}")
    if raw["count"] != "victims" and any(k in raw for k in ("sex", "age", "rescued")):
        raise _fail(where, "sex, age and rescued apply to victims only")
    when = str(raw.get("when") or _default_when(raw))
    if (raw["count"] == "arrested") != (when == "arrested") or (
        bool(raw.get("rescued")) != (when == "rescued")
    ):
        raise _fail(where, "arrests count when: arrested, rescued victims when: rescued")
    return Measure(
        key,
        str(raw["label"]),
        str(raw["count"]),
        _statuses(where, raw.get("status"), named),
        raw.get("sex"),
        raw.get("age"),
        raw.get("rescued"),
        raw.get("code"),
        when,
    )


def _section_key(where: str, text: str) -> str:
    try:
        return law.parse_section(text).key
    except InvalidValue as exc:
        raise _fail(where, str(exc)) from None


def _purpose(item: object) -> Purpose:
    raw = _keys("purpose", item, {"code", "label", "heads", "sections"}, set())
    where = f"purpose {raw['code']}"
    for head in raw["heads"]:
        try:
            law.crime_head(head)
        except InvalidValue as exc:
            raise _fail(where, str(exc)) from None
    keys: set[str] = set()
    for text in raw["sections"]:
        keys |= law.search_keys(law.parse_section(_section_key(where, text)))
    return Purpose(str(raw["code"]), str(raw["label"]), frozenset(raw["heads"]), frozenset(keys))


def _table(item: object, measures: dict[str, Measure], rates: dict[str, Rate]) -> TableDef:
    raw = _keys("table", item, {"id", "title", "columns"}, {"total", "rates", "rows"})
    where = f"table {raw['id']}"
    for name in [*raw["columns"], *([raw["total"]] if raw.get("total") else [])]:
        if name not in measures:
            raise _fail(where, f"unknown measure {name!r}")
    for name in raw.get("rates") or ():
        if name not in rates:
            raise _fail(where, f"unknown rate {name!r}")
    if raw.get("rows") not in (None, "purpose", "section"):
        raise _fail(where, "rows may be fixed to purpose or section only")
    return TableDef(
        str(raw["id"]),
        str(raw["title"]),
        tuple(raw["columns"]),
        raw.get("total"),
        tuple(raw.get("rates") or ()),
        raw.get("rows"),
    )


def parse(data: dict[str, Any]) -> Definitions:
    """Check and build the definitions from the parsed YAML."""
    named = {str(k): list(v) for k, v in (data.get("statuses") or {}).items()}
    measures = {k: _measure(k, v, named) for k, v in (data.get("measures") or {}).items()}
    rates: dict[str, Rate] = {}
    for key, item in (data.get("rates") or {}).items():
        raw = _keys(f"rate {key}", item, {"label", "numerator", "denominator"}, set())
        for name in [raw["numerator"], *raw["denominator"]]:
            if name not in measures:
                raise _fail(f"rate {key}", f"unknown measure {name!r}")
        rates[key] = Rate(key, str(raw["label"]), raw["numerator"], tuple(raw["denominator"]))
    tables = [_table(item, measures, rates) for item in data.get("tables") or ()]
    purposes = tuple(_purpose(item) for item in data.get("purposes") or ())
    if not purposes or purposes[-1].code != "other":
        raise _fail("purposes", "the last purpose must be 'other' (the catch-all)")
    return Definitions(
        measures,
        rates,
        {t.id: t for t in tables},
        purposes,
        {str(k): str(v) for k, v in (data.get("breakdowns") or {}).items()},
    )


@cache
def definitions() -> Definitions:
    """The shipped definitions, loaded once."""
    path = resources.files("nervecentre.reports").joinpath("data", _FILE)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputFileError(f"{_FILE} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise InputFileError(f"{_FILE} must hold a mapping at the top level")
    return parse(data)
