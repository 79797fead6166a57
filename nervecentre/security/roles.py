"""Roles and permissions, read from ``data/permissions.yaml``: the matrix is data, not code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Protocol

import yaml

from nervecentre.errors import ConfigError, InvalidValue, PermissionDenied


class Principal(Protocol):
    """Anything that acts with a role: a :class:`~nervecentre.security.models.User`."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def active(self) -> bool: ...


@dataclass(frozen=True)
class Role:
    """A role, what it is for, and the permissions it holds."""

    name: str
    description: str
    permissions: frozenset[str]


@dataclass(frozen=True)
class Matrix:
    """Every permission (with its meaning) and every role, in the order the YAML gives."""

    permissions: dict[str, str]
    roles: dict[str, Role]


@cache
def matrix() -> Matrix:
    """The permission matrix shipped with nervecentre, validated once."""
    text = resources.files("nervecentre.security").joinpath("data/permissions.yaml").read_text()
    # libyaml's loader where built (every process reads this file once, the CLI included).
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    permissions = {str(k): str(v) for k, v in data["permissions"].items()}
    roles: dict[str, Role] = {}
    for name, spec in data["roles"].items():
        granted = frozenset(str(p) for p in spec["permissions"])
        unknown = granted - permissions.keys()
        if unknown:
            raise ConfigError(f"role {name!r} names unknown permissions: {sorted(unknown)}")
        roles[str(name)] = Role(str(name), str(spec["description"]), granted)
    return Matrix(permissions, roles)


def role_names() -> list[str]:
    """Every role, most powerful first."""
    return list(matrix().roles)


def check_role(role: str) -> str:
    """``role`` if it exists; InvalidValue listing the roles otherwise."""
    if role not in matrix().roles:
        raise InvalidValue(
            f"unknown role {role!r}; expected one of {', '.join(role_names())}",
            kind="role",
            value=role,
        )
    return role


def permissions_of(role: str) -> frozenset[str]:
    """The permissions a role holds."""
    return matrix().roles[check_role(role)].permissions


def can(user: Principal, permission: str) -> bool:
    """Whether ``user`` holds ``permission`` (a disabled user holds none)."""
    if permission not in matrix().permissions:
        # A typo in a permission name must fail loudly, never silently deny or allow.
        raise InvalidValue(f"unknown permission {permission!r}", kind="permission")
    return (
        bool(user.active)
        and permission in permissions_of(user.role)
        and _scope_allows(user, permission)
    )


def _scope_allows(user: Principal, permission: str) -> bool:
    # An API token's scope (security.scopes) narrows what its user's role allows.
    scope = getattr(user, "scope", None)
    return scope is None or permission in scope.permissions


def require(user: Principal, permission: str) -> None:
    """Raise PermissionDenied, saying what is missing, unless ``user`` holds ``permission``."""
    if not can(user, permission):
        if not user.active:
            raise PermissionDenied(f"user {user.username!r} is disabled")
        scope = getattr(user, "scope", None)
        if scope is not None and permission not in scope.permissions:
            raise PermissionDenied(
                f"this API token is {scope.name}: it does not allow {permission}"
            )
        meaning = matrix().permissions[permission].rstrip(".")
        raise PermissionDenied(
            f"{user.username} ({user.role}) lacks the {permission} permission: {meaning}"
        )


def render_markdown() -> str:
    """The matrix as a Markdown table (roles as columns), as docs/security.md shows it."""
    m = matrix()
    head = "| permission | " + " | ".join(m.roles) + " | meaning |"
    rule = "|---|" + "---|" * len(m.roles) + "---|"
    rows = [
        f"| `{perm}` | "
        + " | ".join("✓" if perm in r.permissions else "·" for r in m.roles.values())
        + f" | {meaning} |"
        for perm, meaning in m.permissions.items()
    ]
    return "\n".join([head, rule, *rows])
