"""The per-address login throttle: a sliding window kept in the database."""

from __future__ import annotations

import threading
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from nervecentre.security import users
from nervecentre.security.models import LoginFailure
from nervecentre.security.throttle import LoginThrottle, TooManyAttempts
from nervecentre.security.users import AuthenticationFailed
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
    throttle.succeeded("10.0.0.1", "")
    assert throttle.retry_after("10.0.0.1") == 0


def test_zero_turns_it_off_and_long_addresses_are_cut(db: Database) -> None:
    off = LoginThrottle(db, 0)
    off.failed("10.0.0.1")
    assert off.retry_after("10.0.0.1") == 0
    on = LoginThrottle(db, 1)
    on.failed("x" * 500)  # never longer than an IPv6 address in the table
    assert on.retry_after("x" * 500) > 0


def test_a_success_clears_only_that_accounts_own_failures(db: Database) -> None:
    """One valid account must not reset the address's count while it sprays the others."""
    throttle = LoginThrottle(db, 20, timedelta(minutes=10), account_max_failures=0)
    for i in range(19):
        assert throttle.retry_after("10.0.0.1", f"other{i}") == 0
        throttle.failed("10.0.0.1", f"other{i}")
    throttle.succeeded("10.0.0.1", "mine")
    assert throttle.retry_after("10.0.0.1", "other19") == 0
    throttle.failed("10.0.0.1", "other19")
    throttle.succeeded("10.0.0.1", "mine")
    assert throttle.retry_after("10.0.0.1", "other20") > 0  # 20 failures in the window
    assert throttle.retry_after("10.0.0.1", "mine") > 0
    # The account's own slips from this address are forgiven by its success.
    own = LoginThrottle(db, 3, timedelta(minutes=10), account_max_failures=0)
    own.failed("10.0.0.2", "typist")
    own.failed("10.0.0.2", "typist")
    own.succeeded("10.0.0.2", "Typist ")
    own.failed("10.0.0.2", "typist")
    own.failed("10.0.0.2", "typist")
    assert own.retry_after("10.0.0.2", "typist") == 0


def test_one_account_guessed_from_many_addresses_must_wait(db: Database) -> None:
    throttle = LoginThrottle(db, 20, timedelta(minutes=10), account_max_failures=4)
    start = utcnow()
    for i in range(4):
        at = start + timedelta(minutes=i)
        assert throttle.retry_after(f"10.0.1.{i}", "a.patil", now=at) == 0
        throttle.failed(f"10.0.1.{i}", "A.Patil", now=at)
    wait = throttle.retry_after("10.0.2.1", "a.patil", now=start + timedelta(minutes=4))
    assert 6 * 60 <= wait <= 6 * 60 + 1  # until the first failure leaves the window
    assert throttle.retry_after("10.0.2.1", "b.more", now=start + timedelta(minutes=4)) == 0
    # Its success elsewhere does not clear what other addresses tried against it.
    throttle.succeeded("10.0.9.9", "a.patil")
    assert throttle.retry_after("10.0.2.1", "a.patil", now=start + timedelta(minutes=4)) > 0
    assert throttle.retry_after("10.0.2.1", "a.patil", now=start + timedelta(minutes=11)) == 0


def test_lifting_a_lock_also_forgets_the_usernames_failures(db: Database, tmp_path: Path) -> None:
    from tests.security.conftest import make_world

    world = make_world(db, tmp_path)
    throttle = LoginThrottle(db, 20, timedelta(minutes=10), account_max_failures=2)
    throttle.failed("10.0.1.1", "inv")
    throttle.failed("10.0.1.2", "inv")
    assert throttle.retry_after("10.0.1.3", "inv") > 0
    users.enable_user(world.db, "inv", actor="test")
    assert throttle.retry_after("10.0.1.3", "inv") == 0


def test_guesses_sent_at_once_get_no_more_tries_than_the_limit(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve wrong passwords sent at the same moment from one address, limit three. Each
    request used to check the count, then spend its Argon2 time, then count its failure:
    all twelve checked an empty count and all twelve got a guess. An attempt is now counted
    as it is admitted, in the same locked transaction as the check."""
    from tests.security.conftest import make_world

    make_world(db, tmp_path)
    throttle = LoginThrottle(db, 3, timedelta(minutes=10), account_max_failures=0)
    sent = 12
    all_checked = threading.Barrier(sent, timeout=2)
    authenticate = users.authenticate
    guessed: list[str] = []

    def wait_then_authenticate(*args: Any, **kwargs: Any) -> Any:
        with suppress(threading.BrokenBarrierError):  # refused ones never get here: go on
            all_checked.wait()
        guessed.append(args[1])
        return authenticate(*args, **kwargs)

    monkeypatch.setattr(users, "authenticate", wait_then_authenticate)
    refused: list[TooManyAttempts] = []
    failed: list[AuthenticationFailed] = []

    def guess(k: int) -> None:
        try:
            users.sign_in(db, "inv", f"guess-{k}", throttle=throttle, ip="10.6.6.6")
        except TooManyAttempts as exc:
            refused.append(exc)
        except AuthenticationFailed as exc:
            failed.append(exc)

    threads = [threading.Thread(target=guess, args=(k,)) for k in range(sent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert (len(guessed), len(failed), len(refused)) == (3, 3, sent - 3)
    assert throttle.retry_after("10.6.6.6") > 0
