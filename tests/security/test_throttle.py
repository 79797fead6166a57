"""The per-address login throttle: a sliding window kept in the database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from nervecentre.security.throttle import LoginFailure, LoginThrottle
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database


def test_an_address_waits_until_its_failures_leave_the_window(db: Database) -> None:
    throttle = LoginThrottle(db, 3, timedelta(minutes=10))
    start = utcnow()
    for minute in range(3):
        assert throttle.retry_after("10.0.0.1", now=start + timedelta(minutes=minute)) == 0
        throttle.failed("10.0.0.1", now=start + timedelta(minutes=minute))
    wait = throttle.retry_after("10.0.0.1", now=start + timedelta(minutes=3))
    assert 7 * 60 <= wait <= 7 * 60 + 1  # the first failure leaves the window at minute 10
    assert throttle.retry_after("10.0.0.2", now=start + timedelta(minutes=3)) == 0
    assert throttle.retry_after("10.0.0.1", now=start + timedelta(minutes=10, seconds=1)) == 0


def test_success_clears_and_old_failures_are_forgotten(db: Database) -> None:
    throttle = LoginThrottle(db, 2, timedelta(minutes=10))
    start = utcnow() - timedelta(hours=1)
    throttle.failed("10.0.0.1", now=start)
    throttle.failed("10.0.0.3", now=start)
    throttle.failed("10.0.0.1")  # removes what is older than the window
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LoginFailure)) == 1
    throttle.failed("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") > 0
    throttle.succeeded("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == 0


def test_zero_turns_it_off_and_long_addresses_are_cut(db: Database) -> None:
    off = LoginThrottle(db, 0)
    off.failed("10.0.0.1")
    assert off.retry_after("10.0.0.1") == 0
    on = LoginThrottle(db, 1)
    on.failed("x" * 500)  # never longer than an IPv6 address in the table
    assert on.retry_after("x" * 500) > 0
