"""What of a protected person (a victim) may leave the registry in an export: one place for it.

Victims appear only by their pseudonymous code. Their name, address and contact live only in
encrypted columns, which exports never read; their birth date is left out too (with the
district it can single a child out), and so are their identifiers and aliases, because a
victim's phone number or nickname is as identifying as a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, FromClause, false, or_
from sqlalchemy.sql.sqltypes import LargeBinary

from nervecentre.cases.people import IdentifierUse, Person

#: Person fields emptied for protected people in every export.
BLANKED_FOR_PROTECTED = ("name", "address", "date_of_birth")


def exportable_columns(table: FromClause) -> list[Any]:
    """The columns of a table an export may carry: never binary ones, which hold cipher text."""
    return [
        c
        for c in table.columns
        if not isinstance(c.type, LargeBinary) and not c.name.endswith("_enc")
    ]


def public_person(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A person row as exports show it: for protected people, no name, address or birth date."""
    out = {k: v for k, v in row.items() if not k.endswith("_enc")}
    if out.get("protected"):
        for key in BLANKED_FOR_PROTECTED:
            if key in out:
                out[key] = None if key == "date_of_birth" else ""
    return out


def shown_name(person: Mapping[Any, Any]) -> str:
    """The name exports show: the code for protected people (or when no name is known)."""
    if person.get("protected"):
        return str(person["code"])
    return str(person.get("name") or person["code"])


def uses_with_people() -> FromClause:
    """identifier_uses outer-joined to the person each use belongs to (for :func:`visible_use`)."""
    return IdentifierUse.__table__.outerjoin(Person.__table__, Person.id == IdentifierUse.person_id)


def visible_use() -> ColumnElement[bool]:
    """Identifier uses an export may include: case-level ones and those of unprotected people."""
    return or_(IdentifierUse.person_id.is_(None), Person.protected == false())
