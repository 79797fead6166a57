"""Controlled vocabularies (statuses, roles, event kinds…) loaded from data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from nervecentre.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class Term:
    """One code of a vocabulary, with the label people see."""

    code: str
    label: str
    next: tuple[str, ...] = ()
    protected: bool = False


@cache
def _load() -> dict[str, dict[str, Term]]:
    text = resources.files("nervecentre.cases").joinpath("data/vocabularies.yaml").read_text()
    raw: dict[str, dict[str, dict[str, Any]]] = yaml.safe_load(text)
    return {
        name: {
            code: Term(
                code=code,
                label=str(spec["label"]),
                next=tuple(spec.get("next", ())),
                protected=bool(spec.get("protected", False)),
            )
            for code, spec in terms.items()
        }
        for name, terms in raw.items()
    }


def vocabulary(name: str) -> dict[str, Term]:
    """All terms of a vocabulary, by code."""
    try:
        return _load()[name]
    except KeyError:
        raise InvalidValue(f"unknown vocabulary {name!r}") from None


def codes(name: str) -> tuple[str, ...]:
    """The codes of a vocabulary, in declared order."""
    return tuple(vocabulary(name))


def check(name: str, code: str) -> str:
    """Return ``code`` if it belongs to the vocabulary, else raise a clear InvalidValue."""
    terms = vocabulary(name)
    if code not in terms:
        allowed = ", ".join(terms)
        raise InvalidValue(
            f"{code!r} is not a valid {name.replace('_', ' ')} (expected one of: {allowed})",
            kind=name,
            value=code,
        )
    return code


def label(name: str, code: str | None) -> str:
    """The label shown for a code ('' for none)."""
    if not code:
        return ""
    term = vocabulary(name).get(code)
    return term.label if term else code


def can_move(status_from: str, status_to: str) -> bool:
    """Whether the case-status lifecycle allows this step."""
    return status_from == status_to or status_to in vocabulary("case_status")[status_from].next


@cache
def _protected_roles() -> frozenset[str]:
    return frozenset(code for code, term in vocabulary("person_role").items() if term.protected)


def protected_role(role: str) -> bool:
    """Whether people in this role (victims) are stored encrypted and shown by code only."""
    return role in _protected_roles()  # (asked several times for every person written)
