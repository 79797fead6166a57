"""Editing cases from web forms and the API: check, validate every field, write and audit.

Each function checks the permission, then need-to-know (a case the user cannot see is
NotFound, as everywhere), then validates *all* fields before writing anything, so a form
can show every problem at once. The change and its audit entry commit together or not at
all. People are edited in :mod:`nervecentre.cases.edit_people`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from nervecentre import law, places
from nervecentre.cases import vocab
from nervecentre.cases.changes import mark_edited, record_change, writing
from nervecentre.cases.forms import (
    EARLIEST_YEAR,
    Form,
    code_field,
    datetime_field,
    form_value,
    int_field,
    text_field,
)
from nervecentre.cases.jurisdiction import check_duplicate, require_place
from nervecentre.cases.models import Case, CaseLink, Charge
from nervecentre.cases.records import case_key
from nervecentre.errors import Conflict, InvalidValue, NotFound
from nervecentre.imports.cells import fir_number as _fir_number
from nervecentre.security import audit
from nervecentre.security.access import open_case, require_case
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database

CASE_FIELDS: tuple[str, ...] = (
    "fir_number", "fir_year", "police_station_code", "unit_code", "fir_at",
    "info_received_at", "info_mode", "occurred_from", "occurred_to", "occurrence_place",
    "brief_facts", "crime_heads", "status", "investigating_officer",
)  # fmt: skip
CHARGE_FIELDS: tuple[str, ...] = ("section", "stage")


def _station(raw: str) -> places.Unit:
    if not raw:
        raise InvalidValue("Police station is required")
    unit = places.unit(raw)
    if unit.kind != "police_station":
        kind = vocab.label("unit_kind", unit.kind).lower()
        raise InvalidValue(f"{unit.name} is an {kind}, not a police station")
    return unit


def _unit(raw: str) -> str | None:
    return places.unit(raw).code if raw else None


def _fir(raw: str) -> tuple[str, int | None]:
    if not raw:
        raise InvalidValue("FIR number is required")
    return _fir_number(raw)


def _crime_heads(raw: str) -> str:
    codes = [law.crime_head(p.strip()).code for p in re.split(r"[,;]", raw) if p.strip()]
    return ",".join(dict.fromkeys(codes))


_CASE_PARSERS: dict[str, Callable[[str], Any]] = {
    "fir_number": _fir,
    "fir_year": int_field("FIR year", EARLIEST_YEAR, 2100),
    "police_station_code": _station,
    "unit_code": _unit,
    "fir_at": datetime_field("FIR date", required=True),
    "info_received_at": datetime_field("Information received"),
    "info_mode": code_field("info_mode", "Mode of information"),
    "occurred_from": datetime_field("Occurrence from"),
    "occurred_to": datetime_field("Occurrence to"),
    "occurrence_place": text_field("Place of occurrence", 400),
    "brief_facts": text_field("Brief facts", 50_000),
    "crime_heads": _crime_heads,
    "status": code_field("case_status", "Status"),
    "investigating_officer": text_field("Investigating officer", 160),
}
_REQUIRED = {
    "fir_number": "FIR number",
    "police_station_code": "Police station",
    "fir_at": "FIR date",
}
_BLANK: dict[str, Any] = {
    **dict.fromkeys(CASE_FIELDS),
    **dict.fromkeys(("occurrence_place", "brief_facts", "crime_heads"), ""),
    "investigating_officer": "",
}
# (earlier, later, field blamed when both were sent, message)
_ORDER = (
    ("info_received_at", "fir_at", "info_received_at", "Information received is after the FIR"),
    ("occurred_from", "occurred_to", "occurred_to", "Occurrence ends before it starts"),
    ("occurred_from", "fir_at", "occurred_from", "Occurrence starts after the FIR was registered"),
)


def _current(case: Case) -> dict[str, Any]:
    return {k: getattr(case, k) for k in (*CASE_FIELDS, "district_code")}


def _case_values(form: Form, current: Mapping[str, Any]) -> dict[str, Any]:
    """Every case field after this form: current values overlaid with the parsed ones."""
    values = {**_BLANK, **current}
    for key, parse in _CASE_PARSERS.items():
        form.apply(key, parse, values)
    for key, label in _REQUIRED.items():
        if values.get(key) is None:
            form.error(key, f"{label} is required")
    if values.get("status") is None:
        if current:
            form.error("status", "Status is required")
        values["status"] = current.get("status") or "registered"
    slash = None
    if isinstance(values.get("fir_number"), tuple):
        values["fir_number"], slash = values["fir_number"]
    station = values.get("police_station_code")
    if isinstance(station, places.Unit):
        values["police_station_code"], values["district_code"] = station.code, station.district
    if values.get("unit_code") is None:
        values["unit_code"] = values.get("police_station_code")
    fir_at: datetime | None = values.get("fir_at")
    if values.get("fir_year") is None and form.ok("fir_year"):
        values["fir_year"] = slash or (fir_at.year if fir_at else None)
    year = values.get("fir_year")
    if slash and year and slash != year and form.ok("fir_number", "fir_year"):
        form.error("fir_number", f"FIR number names the year {slash}, but the FIR year is {year}")
    sent = "fir_at" in form or "fir_year" in form
    if sent and fir_at and year and fir_at.year != year and form.ok("fir_at", "fir_year"):
        form.error(
            "fir_at" if "fir_year" not in form else "fir_year",
            f"FIR year {year} does not agree with the FIR date ({fir_at:%d/%m/%Y})",
        )
    for early, late, blame, message in _ORDER:
        _check_order(form, values, early, late, blame, message)
    if "status" in form and current and form.ok("status"):
        before, after = current["status"], values["status"]
        if not vocab.can_move(before, after):
            steps = vocab.vocabulary("case_status")[before].next
            allowed = ", ".join(vocab.label("case_status", s) for s in steps) or "none (final)"
            form.error(
                "status",
                f"Status cannot go from {vocab.label('case_status', before)} to "
                f"{vocab.label('case_status', after)}; next steps: {allowed}",
            )
    return values


def _check_order(
    form: Form, values: Mapping[str, Any], early: str, late: str, blame: str, message: str
) -> None:
    """``values[early] <= values[late]``, checked only when the form sent either field.

    The problem goes on the field sent when only one was, else on ``blame``.
    """
    a, b = values.get(early), values.get(late)
    if a is None or b is None or a <= b or not form.ok(early, late):
        return
    if early in form and late in form:
        form.error(blame, message)
    elif early in form or late in form:
        form.error(early if early in form else late, message)


def _case_strings(values: Mapping[str, Any]) -> dict[str, str]:
    return {k: form_value(values.get(k)) for k in CASE_FIELDS}


def create_case(db: Database, user: User, data: Mapping[str, str], *, ip: str | None = None) -> int:
    """Register a new FIR; returns its id. Conflict if the FIR is already registered."""
    require(user, "case.create")
    form = Form(data, CASE_FIELDS)
    values = _case_values(form, {})
    form.check()
    with writing(db) as session:
        # The place first: a refused user must not learn whether the FIR already exists.
        require_place(session, user, values["unit_code"], values["police_station_code"])
        check_duplicate(session, user, values, None)
        key = case_key(values["police_station_code"], values["fir_year"], values["fir_number"])
        case = Case(case_key=key, **{k: values[k] for k in (*CASE_FIELDS, "district_code")})
        # Entered by hand: a register that lists the same FIR later does not overwrite it.
        mark_edited(case, (k for k in CASE_FIELDS if k in form))
        session.add(case)
        session.flush()
        detail = {"case_key": key, **audit.diff({}, _case_strings(values))}
        audit.record(session, user, "case.create", "case", case.id, detail, ip=ip)
        return case.id


def update_case(
    db: Database, user: User, case_id: int, data: Mapping[str, str], *, ip: str | None = None
) -> int:
    """Change the fields sent (only those); status steps must follow the lifecycle."""
    require(user, "case.edit")
    with writing(db) as session:
        case = require_case(session, user, case_id)
        form = Form(data, CASE_FIELDS)
        current = _current(case)
        values = _case_values(form, current)
        form.check()
        key = case_key(values["police_station_code"], values["fir_year"], values["fir_number"])
        unit, station = values["unit_code"], values["police_station_code"]
        require_place(
            session,
            user,
            unit if unit != case.unit_code else None,
            station if station != case.police_station_code else None,
        )
        if key != case.case_key:
            check_duplicate(session, user, values, case.id)
        change = audit.diff(_case_strings(current), _case_strings(values))
        if not change["after"]:
            return case.id
        for name in (*CASE_FIELDS, "district_code"):
            setattr(case, name, values[name])
        mark_edited(case, change["after"])
        case.case_key = key
        case.updated_at = utcnow()
        session.flush()
        detail = {"case_key": key, **change}
        audit.record(session, user, "case.update", "case", case.id, detail, ip=ip)
        return case.id


def case_form_data(
    db: Database, user: User, case_id: int, *, ip: str | None = None
) -> dict[str, str]:
    """A case's current values as form strings for its edit form; every field is shown, so
    the read is audited (``case.view``, through :func:`open_case`).

    :func:`update_case` accepts them back unchanged, writing nothing.
    """
    require(user, "case.edit")
    return _case_strings(_current(open_case(db, user, case_id, ip=ip)))


# --- charges, events, identifiers, links --------------------------------------------------


def _section(raw: str, penal_code: str) -> law.SectionRef:
    if not raw:
        raise InvalidValue("Section is required")
    # A bare number ('370') is read in the penal code in force when the offence began.
    return law.parse_section(raw, default_law=penal_code)


def add_charge(
    db: Database, user: User, case_id: int, data: Mapping[str, str], *, ip: str | None = None
) -> int:
    """Charge a case under a section ('IPC 370(3)', 'BNS 143') at a stage; returns its id."""
    require(user, "case.edit")
    with writing(db) as session:
        case = require_case(session, user, case_id)
        form = Form(data, CHARGE_FIELDS)
        penal = law.penal_code_for(case.occurred_from or case.fir_at)
        values: dict[str, Any] = {"stage": "fir"}
        form.apply("section", lambda raw: _section(raw, penal), values)
        form.apply("stage", code_field("charge_stage", "Stage", required=True), values)
        if "section" not in form:
            form.error("section", "Section is required")
        form.check()
        ref: law.SectionRef = values["section"]
        stage: str = values["stage"]
        shown = f"{ref} ({vocab.label('charge_stage', stage)})"
        same = select(Charge.id).where(
            Charge.case_id == case.id,
            Charge.law == ref.law,
            Charge.section == ref.section,
            Charge.subsection == ref.subsection,
            Charge.stage == stage,
        )
        if session.scalar(same) is not None:
            raise Conflict(f"{shown} is already charged in case {case.case_key}")
        equivalent = ", ".join(str(e) for e in law.equivalents(ref))
        charge = Charge(
            case_id=case.id,
            law=ref.law,
            section=ref.section,
            subsection=ref.subsection,
            section_key=ref.key,
            stage=stage,
            equivalent=equivalent,
        )
        session.add(charge)
        session.flush()
        after = {"charge": shown, "equivalent": equivalent}
        record_change(session, user, case, "charge.add", {}, after, ip, charge_id=charge.id)
        return charge.id


def remove_charge(
    db: Database, user: User, case_id: int, charge_id: int, *, ip: str | None = None
) -> None:
    """Remove one charge from a case (NotFound if the case has no such charge)."""
    require(user, "case.edit")
    with writing(db) as session:
        case = require_case(session, user, case_id)
        charge = session.get(Charge, charge_id)
        if charge is None or charge.case_id != case.id:
            raise NotFound(f"case {case.case_key} has no charge {charge_id}")
        ref = law.SectionRef(charge.law, charge.section, charge.subsection)
        before = {
            "charge": f"{ref} ({vocab.label('charge_stage', charge.stage)})",
            "equivalent": charge.equivalent,
        }
        session.delete(charge)
        record_change(session, user, case, "charge.remove", before, {}, ip, charge_id=charge_id)


def link_cases(
    db: Database,
    user: User,
    case_id: int,
    other_case_id: int,
    kind: str = "related",
    note: str = "",
    *,
    ip: str | None = None,
) -> int:
    """Link a case to another (related, same accused…); both must be visible. Returns its id."""
    require(user, "case.edit")
    with writing(db) as session:
        case = require_case(session, user, case_id)
        other = require_case(session, user, other_case_id)
        form = Form({"kind": kind, "note": note}, ("kind", "note"))
        values: dict[str, Any] = {}
        form.apply("kind", code_field("case_link", "Kind of link", required=True), values)
        form.apply("note", text_field("Note", 400), values)
        if other.id == case.id:
            form.error("other_case_id", "a case cannot be linked to itself")
        form.check()
        same = select(CaseLink.id).where(
            CaseLink.case_id == case.id,
            CaseLink.other_case_id == other.id,
            CaseLink.kind == values["kind"],
        )
        if session.scalar(same) is not None:
            raise Conflict(f"case {case.case_key} is already linked to {other.case_key}")
        link = CaseLink(
            case_id=case.id, other_case_id=other.id, kind=values["kind"], note=values["note"]
        )
        session.add(link)
        case.updated_at = utcnow()
        session.flush()
        after = {"link": f"{other.case_key} ({values['kind']})", "note": values["note"]}
        detail = {
            "case_key": case.case_key,
            "link_id": link.id,
            "other_case_id": other.id,
            **audit.diff({}, after),
        }
        audit.record(session, user, "case.link", "case", case.id, detail, ip=ip)
        return link.id
