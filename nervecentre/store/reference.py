"""Loads reference data (districts, units) from the declarative place files into tables."""

from __future__ import annotations

from sqlalchemy import select

from nervecentre import places
from nervecentre.cases.models import District, Unit
from nervecentre.store.base import Store


def load_reference_data(db: Store) -> None:
    """Insert or update every district and unit; never deletes (cases may point at them)."""
    with db.session() as session:
        known_d = {d.code: d for d in session.scalars(select(District))}
        for d in places.districts():
            row = known_d.get(d.code) or District(code=d.code)
            row.name, row.state, row.range, row.kind = d.name, d.state, d.range, d.kind
            session.add(row)
        session.flush()
        known_u = {u.code: u for u in session.scalars(select(Unit))}
        for u in places.units():
            row_u = known_u.get(u.code) or Unit(code=u.code)
            row_u.name, row_u.kind, row_u.district_code = u.name, u.kind, u.district
            session.add(row_u)
