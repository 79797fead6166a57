"""Editing people and the identifiers that link them; victims stay encrypted throughout.

A person in a protected role (victims) is stored as imports store them: name, address and
contact encrypted, ``Person.name`` empty, a pseudonymous code shown instead. Their audit
entries say *that* a protected field changed, never what it says.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecentre import places
from nervecentre.cases import vocab
from nervecentre.cases.changes import mark_edited, record_change, writing
from nervecentre.cases.forms import (
    Form,
    code_field,
    codes_field,
    date_field,
    datetime_field,
    form_value,
    int_field,
    local_now,
    text_field,
)
from nervecentre.cases.models import Event, EventParticipant
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.errors import Conflict, InvalidValue
from nervecentre.imports.people import clean_name, parse_identifier
from nervecentre.security import audit
from nervecentre.security.access import require_case, require_person
from nervecentre.security.fields import FieldCipher
from nervecentre.security.keys import bound_cipher
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from nervecentre.types import KINDS, Value, normalise

PERSON_UPDATE_FIELDS: tuple[str, ...] = (
    "name", "aliases", "gender", "age", "date_of_birth", "age_band", "nationality",
    "home_state", "address", "contact",
)  # fmt: skip
PERSON_FIELDS: tuple[str, ...] = ("role", *PERSON_UPDATE_FIELDS, "accused_roles")
IDENTIFIER_FIELDS: tuple[str, ...] = ("kind", "value", "person_id")
EVENT_FIELDS: tuple[str, ...] = ("kind", "at", "place", "description", "person_ids")
#: Encrypted for protected people; what audit entries show instead of their values.
SECRET_FIELDS: tuple[str, ...] = ("name", "address", "contact")
PROTECTED = "(protected)"
# Aliases are names too: kept out of a protected person's audit entries like the name.
_HIDDEN = (*SECRET_FIELDS, "aliases")
_COUNTRY = re.compile(r"[A-Z]{2}")


def _name(raw: str) -> str:
    if not raw:
        raise InvalidValue("Name is required")
    return clean_name(raw)


def _aliases(raw: str) -> list[str]:
    return list(dict.fromkeys(a for a in (clean_name(p) for p in raw.split(",")) if a))


def _nationality(raw: str) -> str:
    code = raw.upper()
    if code and not _COUNTRY.fullmatch(code):
        raise InvalidValue("Nationality should be a two-letter country code such as IN, NP or BD")
    return code


def _home_state(raw: str) -> str:
    return places.state(raw).code if raw else ""


_PARSERS = {
    "name": _name,
    "aliases": _aliases,
    "gender": code_field("gender", "Gender"),
    "age": int_field("Age", 0, 120),
    "date_of_birth": date_field("Date of birth"),
    "age_band": code_field("age_band", "Age band"),
    "nationality": _nationality,
    "home_state": _home_state,
    "address": text_field("Address", 400),
    "contact": text_field("Contact", 400),
}
_DEFAULTS: dict[str, Any] = {
    "name": None, "aliases": [], "gender": "unknown", "age": None, "date_of_birth": None,
    "age_band": "unknown", "nationality": "", "home_state": "", "address": "", "contact": "",
}  # fmt: skip


def _band(age: int) -> str:
    return "minor" if age < 18 else "adult"


def _person_values(form: Form, current: Mapping[str, Any]) -> dict[str, Any]:
    """Every person field after this form: current values overlaid with the parsed ones."""
    values = dict(current)
    for key, parse in _PARSERS.items():
        form.apply(key, parse, values)
    if values["name"] is None:
        form.error("name", "Name is required")
    values["gender"] = values["gender"] or "unknown"
    age, band = values["age"], values["age_band"] or "unknown"
    if age is not None and (band == "unknown" or ("age_band" not in form and "age" in form)):
        band = _band(age)
    elif age is not None and band != _band(age) and ("age" in form or "age_band" in form):
        shown = vocab.label("age_band", band)
        form.error("age_band", f"Age band {shown} does not agree with the age {age}")
    values["age_band"] = band
    return values


def _shown(values: Mapping[str, Any], protected: bool) -> dict[str, Any]:
    """Person fields as an audit entry may show them: never a protected person's secrets."""
    hidden = _HIDDEN if protected else ("contact",)
    return {k: form_value(values[k]) for k in PERSON_UPDATE_FIELDS if k not in hidden}


def add_person(
    db: Database, user: User, case_id: int, data: Mapping[str, str], *, ip: str | None = None
) -> int:
    """Add a person to a case in a role; victims are encrypted. Returns the person's id.

    A non-protected person's contact is read as identifiers (phones, e-mails…) of the case,
    which is how records sharing a phone become linked.
    """
    require(user, "case.edit")
    require(user, "person.edit")
    with writing(db) as session:
        case = require_case(session, user, case_id)
        form = Form(data, PERSON_FIELDS)
        values: dict[str, Any] = {"accused_roles": []}
        form.apply("role", code_field("person_role", "Role", required=True), values)
        form.apply("accused_roles", codes_field("accused_role"), values)
        values.update(_person_values(form, {**_DEFAULTS, **values}))
        role = values.get("role")
        if role is None:
            form.error("role", "Role is required")
        protected = bool(role) and vocab.protected_role(str(role))
        if values["accused_roles"] and role != "accused" and form.ok("role"):
            form.error("accused_roles", "Only the accused have accused roles (recruiter, …)")
        if protected and values["aliases"]:
            form.error(
                "aliases",
                "Aliases of a protected person would be stored unencrypted; write them in"
                " the name instead (e.g. 'Rina Das @ Rinu')",
            )
        contacts: list[tuple[Value, str]] = []
        if protected and values["contact"] and form.ok("contact"):
            contacts = _readable_contacts(values["contact"])
        elif values["contact"] and form.ok("contact"):
            try:
                contacts = [
                    (parse_identifier(p.strip()), p.strip())
                    for p in values["contact"].split(",")
                    if p.strip()
                ]
            except InvalidValue as exc:
                form.error("contact", f"Contact: {exc}")
        form.check()
        cipher = bound_cipher(session, db.settings)
        # A reference of its own: re-importing the register must never overwrite this record.
        ref = f"{case.case_key}#{role}-entered-{secrets.token_hex(8)}"
        person = Person(
            code=cipher.pseudonym("V" if protected else "P", ref),
            source_ref=ref,
            protected=protected,
            **{k: values[k] for k in ("gender", "date_of_birth", "age", "age_band")},
            **{k: values[k] for k in ("nationality", "home_state")},
            **({} if protected else {"name": values["name"], "address": values["address"]}),
        )
        person.aliases = [PersonAlias(alias=a) for a in values["aliases"]]
        session.add(person)
        session.flush()
        if protected:  # encrypted once the row has its id: each value is bound to its row
            for key in SECRET_FIELDS:
                setattr(person, f"{key}_enc", _encrypted(cipher, person, key, values[key]))
        accused_roles = ",".join(values["accused_roles"])
        session.add(
            CaseRole(case_id=case.id, person_id=person.id, role=role, accused_roles=accused_roles)
        )
        for value, raw in contacts:
            if protected:  # linked by blind index only: the contact itself is encrypted
                value, raw = _blind(cipher, value), ""
            use_identifier(session, value, raw, case.id, person.id)
        case.updated_at = utcnow()
        session.flush()
        after = {**_shown(values, protected), "role": role, "accused_roles": accused_roles}
        if protected:
            after.update((k, PROTECTED) for k in SECRET_FIELDS if values[k])
        else:
            after["identifiers"] = [v.display for v, _ in contacts]
        detail = {
            "case_key": case.case_key,
            "case_id": case.id,
            "code": person.code,
            "protected": protected,
            **audit.diff({}, after),
        }
        audit.record(session, user, "person.create", "person", person.id, detail, ip=ip)
        return person.id


def _readable_contacts(contact: str) -> list[tuple[Value, str]]:
    """The phones, e-mails… a protected person's free-text contact names (the rest skipped)."""
    found = []
    for part in (p.strip() for p in contact.split(",")):
        try:
            found.append((parse_identifier(part), part))
        except InvalidValue:
            continue  # 'c/o the shelter, Thane' is contact text, not an identifier
    return found


def _blind(cipher: FieldCipher, value: Value) -> Value:
    """A protected person's identifier as stored: the keyed blind index, nothing readable."""
    return Value(value.kind, cipher.blind_index(value.kind, value.value), "")


def _encrypted(cipher: FieldCipher, person: Person, key: str, text: str) -> bytes | None:
    """A protected person's ``key`` (name, address, contact) as stored, bound to its row."""
    return cipher.encrypt(text, "persons", f"{key}_enc", person.id)


def _decrypted(cipher: FieldCipher, person: Person, key: str) -> str:
    return cipher.decrypt(getattr(person, f"{key}_enc"), "persons", f"{key}_enc", person.id)


def _current(person: Person, cipher: FieldCipher) -> dict[str, Any]:
    # Decrypted only to tell whether a protected field changed; nothing leaves this module.
    secrets_ = (
        {k: _decrypted(cipher, person, k) for k in SECRET_FIELDS}
        if person.protected
        else {"name": person.name, "address": person.address, "contact": ""}
    )
    aliases = [a.alias for a in sorted(person.aliases, key=lambda a: a.id)]
    return {
        **secrets_,
        "aliases": aliases,
        **{k: getattr(person, k) for k in ("gender", "age", "date_of_birth", "age_band")},
        **{k: getattr(person, k) for k in ("nationality", "home_state")},
    }


def update_person(
    db: Database, user: User, person_id: int, data: Mapping[str, str], *, ip: str | None = None
) -> int:
    """Change the fields sent (only those); a protected person's secrets are re-encrypted.

    The audit entry records *that* a protected name, address, contact or alias list changed
    (as '(protected)' before and after), never the values.
    """
    require(user, "person.edit")
    with writing(db) as session:
        person = require_person(session, user, person_id)
        form = Form(data, PERSON_UPDATE_FIELDS)
        cipher = bound_cipher(session, db.settings)
        current = _current(person, cipher)
        values = _person_values(form, current)
        protected = person.protected
        if not protected and values["contact"]:
            form.error(
                "contact",
                "Only protected people keep a contact field; record the phone numbers and"
                " e-mail addresses of others as identifiers of their case",
            )
        if protected and values["aliases"] and "aliases" in form:
            form.error("aliases", "Aliases of a protected person would be stored unencrypted")
        form.check()
        change = audit.diff(_shown(current, protected), _shown(values, protected))
        secret_changes = [k for k in SECRET_FIELDS if protected and values[k] != current[k]]
        hidden_changes = [k for k in _HIDDEN if protected and values[k] != current[k]]
        for key in hidden_changes:
            change["before"][key] = change["after"][key] = PROTECTED
        if not change["after"]:
            return person.id
        if protected:
            for key in secret_changes:
                setattr(person, f"{key}_enc", _encrypted(cipher, person, key, values[key]))
        else:
            person.name, person.address = values["name"], values["address"]
        for key in ("gender", "age", "date_of_birth", "age_band", "nationality", "home_state"):
            setattr(person, key, values[key])
        kept = set(values["aliases"])
        for alias in [a for a in person.aliases if a.alias not in kept]:
            person.aliases.remove(alias)
        had = {a.alias for a in person.aliases}
        person.aliases += [PersonAlias(alias=a) for a in values["aliases"] if a not in had]
        mark_edited(person, (k for k in PERSON_UPDATE_FIELDS if values[k] != current[k]))
        session.flush()
        detail = {"code": person.code, **change}
        audit.record(session, user, "person.update", "person", person.id, detail, ip=ip)
        return person.id


# --- events and identifiers ------------------------------------------------------------


def _identifier_kind(raw: str) -> str:
    kind = raw.casefold()
    if kind and kind not in KINDS:
        raise InvalidValue(f"Kind {raw[:20]!r} is not a kind of identifier ({', '.join(KINDS)})")
    return kind


def parse_identifier_field(kind: str, raw: str) -> Value:
    """An identifier of ``kind``, or detected ('upi:…' style prefixes too) when kind is blank."""
    if not raw:
        raise InvalidValue("Value is required")
    return normalise(kind, raw) if kind else parse_identifier(raw)


def use_identifier(
    session: Session, value: Value, raw: str, case_id: int, person_id: int | None
) -> tuple[int, bool]:
    """The Identifier row for (kind, value), made if new, and whether a sighting was added."""
    ident = session.scalars(
        select(Identifier).where(Identifier.kind == value.kind, Identifier.value == value.value)
    ).first()
    if ident is None:
        extra = json.dumps(dict(value.extra), sort_keys=True) if value.extra else ""
        ident = Identifier(kind=value.kind, value=value.value, display=value.display, extra=extra)
        session.add(ident)
        session.flush()
    owner = (
        IdentifierUse.person_id.is_(None)
        if person_id is None
        else IdentifierUse.person_id == person_id
    )
    seen = select(IdentifierUse.id).where(
        IdentifierUse.identifier_id == ident.id, IdentifierUse.case_id == case_id, owner
    )
    if session.scalar(seen) is not None:
        return ident.id, False
    session.add(
        IdentifierUse(identifier_id=ident.id, case_id=case_id, person_id=person_id, raw=raw[:300])
    )
    return ident.id, True


def add_identifier(
    db: Database, user: User, case_id: int, data: Mapping[str, str], *, ip: str | None = None
) -> int:
    """Record an identifier seen in a case (used by one of its people, if given).

    Returns the id of the Identifier row, shared by every case and person with the same
    normalised value; Conflict if the case (and person) already records it.
    """
    require(user, "case.edit")
    with writing(db) as session:
        case = require_case(session, user, case_id)
        form = Form(data, IDENTIFIER_FIELDS)
        values: dict[str, Any] = {"kind": "", "person_id": None}
        form.apply("kind", _identifier_kind, values)
        form.apply("person_id", int_field("Person", 1, 2**62), values)
        if "value" not in form:
            form.error("value", "Value is required")
        elif form.ok("kind"):
            form.apply("value", lambda raw: parse_identifier_field(values["kind"], raw), values)
        person_id: int | None = values["person_id"]
        person = None
        if person_id is not None:
            person = people_in_case(session, case.id, [person_id]).get(person_id)
            if person is None:
                form.error("person_id", f"person {person_id} has no part in case {case.case_key}")
        form.check()
        value: Value = values["value"]
        raw = form.values["value"]
        shown = value.display
        if person is not None and person.protected:
            # A victim's identifier is contact data: kept in their encrypted contact, and
            # stored for linking only as a blind index.
            cipher = bound_cipher(session, db.settings)
            contact = _decrypted(cipher, person, "contact")
            if raw not in [p.strip() for p in contact.split(",")]:
                joined = ", ".join(filter(None, [contact, raw]))
                person.contact_enc = _encrypted(cipher, person, "contact", joined)
            value, raw, shown = _blind(cipher, value), "", PROTECTED
        ident_id, added = use_identifier(session, value, raw, case.id, person_id)
        if not added:
            raise Conflict(f"{shown} is already recorded in case {case.case_key}")
        after = {
            "kind": value.kind,
            "value": shown,
            "person": person.shown_name if person else None,
        }
        record_change(session, user, case, "identifier.add", {}, after, ip, identifier_id=ident_id)
        return ident_id


def people_in_case(session: Session, case_id: int, ids: Iterable[int]) -> dict[int, Person]:
    """Those of ``ids`` who have a part in the case, by id."""
    query = (
        select(Person)
        .join(CaseRole, CaseRole.person_id == Person.id)
        .where(CaseRole.case_id == case_id, Person.id.in_(list(ids)))
    )
    return {p.id: p for p in session.scalars(query)}


def _ids(raw: str) -> list[int]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    bad = [p for p in parts if not p.isdigit()]
    if bad:
        raise InvalidValue(f"People: {bad[0][:20]!r} is not a person id")
    return list(dict.fromkeys(int(p) for p in parts))


def add_event(
    db: Database, user: User, case_id: int, data: Mapping[str, str], *, ip: str | None = None
) -> int:
    """Record an arrest, rescue, raid, hearing… with its people; returns the event's id."""
    require(user, "case.edit")
    with writing(db) as session:
        case = require_case(session, user, case_id)
        form = Form(data, EVENT_FIELDS)
        values: dict[str, Any] = {"place": "", "description": "", "person_ids": []}
        form.apply("kind", code_field("event_kind", "Kind of event", required=True), values)
        # Only hearings are scheduled ahead; the rest has happened when it is recorded.
        form.apply("at", datetime_field("Date and time", required=True, future=True), values)
        form.apply("place", text_field("Place", 400), values)
        form.apply("description", text_field("Description", 50_000), values)
        form.apply("person_ids", _ids, values)
        for key, label in (("kind", "Kind of event"), ("at", "Date and time")):
            if key not in form:
                form.error(key, f"{label} is required")
        at: datetime | None = values.get("at")
        if at and values.get("kind") != "hearing" and at > local_now() and form.ok("kind"):
            form.error("at", "Date and time is in the future (only hearings are scheduled ahead)")
        people = people_in_case(session, case.id, values["person_ids"])
        missing = [i for i in values["person_ids"] if i not in people]
        if missing:
            form.error("person_ids", f"person {missing[0]} has no part in case {case.case_key}")
        form.check()
        event = Event(
            case_id=case.id,
            kind=values["kind"],
            occurred_at=values["at"],
            place=values["place"],
            description=values["description"],
        )
        event.participants = [EventParticipant(person_id=i) for i in values["person_ids"]]
        session.add(event)
        session.flush()
        after = {
            "kind": values["kind"],
            "at": form_value(values["at"]),
            "place": values["place"],
            "description": values["description"],
            "participants": [people[i].shown_name for i in values["person_ids"]],
        }
        record_change(session, user, case, "event.add", {}, after, ip, event_id=event.id)
        return event.id
