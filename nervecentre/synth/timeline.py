"""When things happen in a case: occurrence, information, FIR, arrests, rescue, court.

Every time is a whole minute (registers write HH:MM) and every time obeys the order the
importer checks: occurrence before information, information before the FIR, arrests
after the FIR; nothing after the dataset's "as of" moment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from nervecentre.synth import _data
from nervecentre.synth._random import Weighted, below, between, pick

MINUTE = timedelta(minutes=1)
DAY_MINUTES = 24 * 60
COURT_TIMES = (time(11, 0), time(11, 30), time(12, 0), time(14, 30), time(15, 0))


@dataclass(slots=True)
class Timeline:
    """The fixed points of a case."""

    occurred_from: datetime
    occurred_to: datetime
    info_at: datetime
    fir_at: datetime
    raid_at: datetime | None


def _minutes(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(minutes=between(rng, low, high))


def make_timeline(
    rng: random.Random, day: date, hour: int, *, raid: bool, online: bool, remote_info: bool
) -> Timeline:
    """Times for a case whose FIR is registered on ``day`` around ``hour``."""
    fir_at = datetime(day.year, day.month, day.day, hour, below(rng, 60))
    raid_at = None
    if raid:
        raid_at = fir_at - _minutes(rng, 60, 360)
        info_at = raid_at - _minutes(rng, 90, 3 * DAY_MINUTES)
        # The register's occurrence period ends by the time the information came in.
        occurred_to = info_at - _minutes(rng, 0, 120)
        occurred_from = occurred_to - _minutes(rng, 3 * DAY_MINUTES, 400 * DAY_MINUTES)
    else:
        if remote_info:
            info_at = fir_at - _minutes(rng, 120, 15 * DAY_MINUTES)
        else:
            info_at = fir_at - _minutes(rng, 10, 240)
        back = 120 if online else 90
        occurred_from = info_at - _minutes(rng, DAY_MINUTES, back * DAY_MINUTES)
        span = int((info_at - occurred_from) / MINUTE)
        occurred_to = occurred_from + _minutes(rng, 0, min(span, pick(rng, (60, 600, span))))
    return Timeline(occurred_from, occurred_to, info_at, fir_at, raid_at)


class Lifecycle:
    """Case status by age, and the arrests, rescue and court dates that go with it."""

    def __init__(self, as_of: date) -> None:
        world = _data.world()
        self.as_of = datetime.combine(as_of, time(23, 59))
        self.brackets = [(float(b["upto"]), Weighted(b["weights"])) for b in world["status_by_age"]]

    def status(self, rng: random.Random, fir_at: datetime) -> str:
        """The status a case of this age has reached by the end of the period."""
        age = (self.as_of - fir_at).days / 365.25
        for upto, weights in self.brackets:
            if age <= upto:
                return str(weights.pick(rng))
        return str(self.brackets[-1][1].pick(rng))

    def arrest(self, rng: random.Random, t: Timeline, status: str) -> datetime | None:
        """When one accused was arrested (always after the FIR), or None if not (yet)."""
        if t.raid_at is not None and rng.random() < 0.7:
            at = t.fir_at + _minutes(rng, 15, 240)
        else:
            chance = {"registered": 0.15, "final_report": 0.2, "under_investigation": 0.45}
            if rng.random() >= chance.get(status, 0.85):
                return None
            at = t.fir_at + _minutes(rng, DAY_MINUTES, 200 * DAY_MINUTES)
        return at if at <= self.as_of else None

    def rescue(self, rng: random.Random, t: Timeline) -> datetime | None:
        """When the victims were rescued: in the raid, or in the weeks after the FIR."""
        if t.raid_at is not None:
            return t.raid_at
        if rng.random() < 0.2:
            return None
        at = t.fir_at + _minutes(rng, 6 * 60, 120 * DAY_MINUTES)
        return at if at <= self.as_of else None

    def court(
        self, rng: random.Random, t: Timeline, status: str
    ) -> tuple[datetime | None, datetime | None]:
        """(next hearing, verdict date) for cases that have reached court."""
        decided = status in ("convicted", "acquitted", "discharged")
        if status == "trial" or (status == "charge_sheeted" and rng.random() < 0.4):
            low = max(t.fir_at + timedelta(days=60), self.as_of - timedelta(days=150))
            if low >= self.as_of:
                return None, None
            day = (low + (self.as_of - low) * rng.random()).date()
            return datetime.combine(day, pick(rng, COURT_TIMES)), None
        if decided:
            low = t.fir_at + timedelta(days=365 if rng.random() < 0.8 else 90)
            if low >= self.as_of:
                low = t.fir_at + timedelta(days=1)
            day = (low + (self.as_of - low) * rng.random()).date()
            return None, datetime.combine(day, time())
        return None, None
