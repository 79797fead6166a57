"""Scheduled crawls and re-checks under the worker, in simulated time, across restarts."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.crawler.config import CrawlConfig, build_config
from nervecentre.crawler.models import CrawlFinding, CrawlJob, CrawlSchedule, CrawlUrl
from nervecentre.crawler.schedule import add_schedule, claim_due, list_schedules
from nervecentre.crawler.synthweb import SynthServer, SynthWeb, running
from nervecentre.crawler.worker import run_round
from nervecentre.errors import InvalidValue
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from nervecentre.web.app import create_app
from tests.crawler.conftest import FAST, load_hashset, planted


def _config(db: Database, server: SynthServer) -> CrawlConfig:
    return build_config(db.settings, [f"{server.bases[0]}/"], ["synthetic"], fetch=FAST)


def _state(db: Database, job: int) -> tuple[str, int | None]:
    with db.session() as s:
        row = s.get(CrawlJob, job)
        assert row is not None
        return row.state, row.schedule_id


def test_a_schedule_runs_when_due_and_again_a_period_later(db: Database, tmp_path: Path) -> None:
    with running(SynthWeb(seed=31, sites=1, pages=10, traps=False)) as server:
        load_hashset(db, server, tmp_path)
        t0 = utcnow()
        schedule = add_schedule(db, "site a", _config(db, server), 24, "test", first_run=t0)
        first = run_round(db, "test", now=t0)
        assert len(first.started) == 1 and not first.carried_on
        assert _state(db, first.started[0]) == ("finished", schedule)
        with db.session() as s:
            found = s.scalars(
                select(CrawlFinding.media_url).where(CrawlFinding.job_id == first.started[0])
            ).all()
        assert sorted(found) == sorted(planted(server))
        assert run_round(db, "test", now=t0 + timedelta(hours=23)).started == []
        later = run_round(db, "test", now=t0 + timedelta(hours=25))
        # A day later: the findings are re-checked (still served) and the crawl runs again.
        assert later.rechecks["checked"] == len(found) == later.rechecks["present"]
        assert len(later.started) == 1 and later.started != first.started
        (listed,) = list_schedules(db)
        assert listed.last_job_id == later.started[0]
        assert listed.next_run_at == t0 + timedelta(hours=49)


def test_a_due_run_is_claimed_once(db: Database, tmp_path: Path) -> None:
    with running(SynthWeb(seed=32, sites=1, pages=3, traps=False)) as server:
        load_hashset(db, server, tmp_path)
        t0 = utcnow()
        add_schedule(db, "once", _config(db, server), 6, "test", first_run=t0)
    assert len(claim_due(db, "worker one", now=t0)) == 1
    assert claim_due(db, "worker two", now=t0) == []  # the first worker's claim won
    assert len(claim_due(db, "worker two", now=t0 + timedelta(hours=6))) == 1


def test_a_restarted_worker_carries_on_the_run_it_left(db: Database, tmp_path: Path) -> None:
    with running(SynthWeb(seed=33, sites=1, pages=10, traps=False)) as server:
        load_hashset(db, server, tmp_path)
        t0 = utcnow()
        add_schedule(db, "restart", _config(db, server), 24, "test", first_run=t0)
        (job,) = claim_due(db, "worker", now=t0)  # ... and the worker stops right there
        assert _state(db, job)[0] == "running"
        again = run_round(db, "test", now=t0 + timedelta(minutes=5))
        assert again.carried_on == [job] and again.started == []
        assert _state(db, job)[0] == "finished"
        with db.session() as s:
            found = s.scalars(select(CrawlFinding.media_url).where(CrawlFinding.job_id == job))
            assert sorted(found) == sorted(planted(server))


def test_bad_schedules_are_refused(db: Database) -> None:
    config = build_config(db.settings, ["http://127.0.0.1:9/"], ["x"])
    add_schedule(db, "a", config, 1, "test")
    with pytest.raises(InvalidValue, match="exists already"):
        add_schedule(db, "a", config, 1, "test")
    with pytest.raises(InvalidValue, match="more than 0"):
        add_schedule(db, "b", config, 0, "test")
    with db.session() as s:
        assert len(s.scalars(select(CrawlSchedule)).all()) == 1


def test_schedule_cli_and_worker_once(db: Database, tmp_path: Path) -> None:
    env = {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}
    with running(SynthWeb(seed=34, sites=1, pages=4, traps=False)) as server:
        load_hashset(db, server, tmp_path)
        runner = CliRunner()
        seed = f"{server.bases[0]}/"
        result = runner.invoke(
            app,
            ["crawl", "schedule", "cli", seed, "--hashset", "synthetic", "--every", "12"],
            env=env,
        )
        assert result.exit_code == 0, result.output
        bad = runner.invoke(
            app, ["crawl", "schedule", "nope", seed, "--hashset", "no-such-set"], env=env
        )
        assert bad.exit_code != 0 and "Traceback" not in bad.output
        listed = runner.invoke(app, ["crawl", "schedules", "--json"], env=env)
        assert '"name": "cli"' in listed.stdout and '"every_hours": 12.0' in listed.stdout
        worker = runner.invoke(app, ["worker", "--once"], env=env)
        assert worker.exit_code == 0, worker.output
        assert "scheduled crawls run: 1" in worker.output
    (row,) = list_schedules(db)
    assert row.last_job_id is not None and _state(db, row.last_job_id)[0] == "finished"


def test_serve_runs_the_worker_when_asked(db: Database, tmp_path: Path) -> None:
    with running(SynthWeb(seed=35, sites=1, pages=3, traps=False)) as server:
        load_hashset(db, server, tmp_path)
        add_schedule(db, "in serve", _config(db, server), 24, "test")
        served = Database(dataclasses.replace(db.settings, crawl_worker_in_serve=1))
        try:
            with TestClient(create_app(db=served)):
                for _ in range(300):  # the worker's first round starts with the server
                    (row,) = list_schedules(db)
                    if row.last_job_id and _state(db, row.last_job_id)[0] == "finished":
                        break
                    time.sleep(0.2)
        finally:
            served.dispose()
    assert row.last_job_id is not None and _state(db, row.last_job_id)[0] == "finished"


def test_a_run_stopped_after_its_last_url_is_marked_finished(db: Database) -> None:
    config = build_config(db.settings, ["http://127.0.0.1:9/"], ["x"])
    add_schedule(db, "ended", config, 24, "test")
    (job,) = claim_due(db, "worker")
    with db.session() as s:  # every URL done, the job not yet marked finished
        s.execute(update(CrawlUrl).where(CrawlUrl.job_id == job).values(state="done"))
    run_round(db, "test", now=utcnow() + timedelta(minutes=1))
    assert _state(db, job)[0] == "finished"
