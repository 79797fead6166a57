"""Demo accounts, one per role, with passwords derived from the demo seed.

Deterministic passwords are acceptable ONLY because the demo is synthetic and local: anyone
who knows the seed knows them. A production installation must never create these users.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from nervecentre import places
from nervecentre.errors import NotFound
from nervecentre.security.roles import role_names
from nervecentre.security.users import create_user, get_user, set_password, set_role, set_units
from nervecentre.store.db import Database

DEMO_DISTRICT = "MH-THR"  # Thane Rural: the resource centre's own district.
DEMO_ACTOR = "demo"


@dataclass(frozen=True)
class DemoUser:
    """A demo account and its password (printed for the demo, never stored in clear)."""

    username: str
    role: str
    password: str
    units: tuple[str, ...]


def demo_password(seed: int, username: str) -> str:
    """The demo password of ``username`` for ``seed``: stable, 24 characters."""
    digest = hashlib.sha256(f"nervecentre-demo:{seed}:{username}".encode()).digest()
    chars = base64.b32encode(digest).decode("ascii").lower()
    return f"demo-{chars[:6]}-{chars[6:12]}-{chars[12:18]}"


def create_demo_users(db: Database, seed: int | None = None) -> list[DemoUser]:
    """Create (or reset) ``demo-<role>`` for every role; non-admins belong to Thane Rural.

    Everyone but the admin sees only Thane Rural's cases, which shows need-to-know at work.
    """
    seed = db.settings.demo_seed if seed is None else seed
    units = tuple(u.code for u in places.units(district=DEMO_DISTRICT))
    made: list[DemoUser] = []
    for role in role_names():
        username = f"demo-{role}"
        password = demo_password(seed, username)
        own = () if role == "admin" else units
        try:
            get_user(db, username)
        except NotFound:
            create_user(
                db,
                username,
                password,
                role,
                actor=DEMO_ACTOR,
                units=own,
                display_name=f"Demo {role.title()} (synthetic)",
            )
        else:
            set_password(db, username, password, actor=DEMO_ACTOR)
            set_role(db, username, role, actor=DEMO_ACTOR)
            set_units(db, username, own, actor=DEMO_ACTOR)
        made.append(DemoUser(username, role, password, own))
    return made
