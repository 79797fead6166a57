"""API token scopes, read from ``data/token_scopes.yaml``: what a token may do at most.

A token's user acts with their role, narrowed by the token's scope: ``roles.can`` checks
both, so every permission check in the library applies the scope without knowing of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from nervecentre.errors import ConfigError, InvalidValue
from nervecentre.security.roles import matrix


@dataclass(frozen=True)
class Scope:
    """A scope: its name, what it is for, and the permissions it lets a token use."""

    name: str
    description: str
    permissions: frozenset[str]
    changes: bool = True  # False: every state-changing API request is refused at the edge


@dataclass(frozen=True)
class _Scopes:
    default: str
    scopes: dict[str, Scope]


@cache
def _load() -> _Scopes:
    text = resources.files("nervecentre.security").joinpath("data/token_scopes.yaml").read_text()
    data = yaml.safe_load(text)
    known = frozenset(matrix().permissions)
    found: dict[str, Scope] = {}
    for name, spec in data["scopes"].items():
        listed = spec["permissions"]
        allowed = known if listed == "all" else frozenset(str(p) for p in listed)
        if allowed - known:
            raise ConfigError(
                f"token scope {name!r} names unknown permissions: {sorted(allowed - known)}"
            )
        changes = spec.get("changes", True)
        if not isinstance(changes, bool):
            raise ConfigError(f"token scope {name!r}: 'changes' must be true or false")
        description = " ".join(str(spec["description"]).split())
        found[str(name)] = Scope(str(name), description, allowed, changes)
    default = str(data["default"])
    if default not in found:
        raise ConfigError(f"the default token scope {default!r} is not declared")
    return _Scopes(default, found)


def scope_names() -> list[str]:
    """Every scope, in the order the YAML gives (narrowest first)."""
    return list(_load().scopes)


def default_scope() -> str:
    """The scope of a token made without naming one."""
    return _load().default


def get_scope(name: str) -> Scope:
    """The scope called ``name``; InvalidValue listing the scopes otherwise."""
    found = _load().scopes.get(name.strip().lower())
    if found is None:
        raise InvalidValue(
            f"unknown token scope {name!r}; expected one of {', '.join(scope_names())}",
            kind="scope",
            value=name,
        )
    return found
