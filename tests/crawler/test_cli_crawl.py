"""``nervecentre crawl``: the JSON-lines contract, clear errors, and resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.crawler.models import CrawlFinding, CrawlJob
from nervecentre.crawler.synthweb import SynthServer, SynthWeb, running
from nervecentre.store.db import Database
from tests.crawler.conftest import deadline, load_hashset, planted

REQUIRED = {
    "page": {"url"},
    "match": {"page_url", "media_url", "sha256", "pdq", "matches"},
    "keyword": {"page_url", "keyword"},
    "error": {"url", "error"},
    "summary": {"pages", "media", "matches", "errors", "seconds"},
}


@pytest.fixture(scope="module")
def small_server() -> Iterator[SynthServer]:
    """Two sites without traps: quick to crawl whole."""
    with running(SynthWeb(seed=8, sites=2, pages=16, traps=False)) as server:
        yield server


def _env(db: Database) -> dict[str, str]:
    return {
        "NERVECENTRE_DATABASE_URL": db.url,
        "NERVECENTRE_DATA_DIR": str(db.settings.data_dir),
        "NERVECENTRE_CRAWL_TIMEOUT_SECONDS": "10",
    }


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_json_lines_contract(db: Database, tmp_path: Path, small_server: SynthServer) -> None:
    load_hashset(db, small_server, tmp_path)
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("# a comment\nAMBER lantern\nvelvet kestrel\n", encoding="utf-8")
    base = small_server.bases[0]
    result = CliRunner().invoke(
        app,
        [
            "crawl",
            f"{base}/",
            f"{base}/no-such-page",
            "--hashset",
            "synthetic",
            "--max-pages",
            "100",
            "--max-depth",
            "6",
            "--keywords",
            str(keywords),
            "--json",
        ],
        env=_env(db),
    )
    assert result.exit_code == 0, result.output
    lines = _lines(result.stdout)
    for line in lines:
        assert line["type"] in REQUIRED and REQUIRED[line["type"]] <= set(line), line
    assert lines[-1]["type"] == "summary" and [x["type"] for x in lines].count("summary") == 1
    matches = [x for x in lines if x["type"] == "match"]
    for match in matches:
        for m in match["matches"]:
            assert {"hashset", "signal", "distance"} <= set(m)
            assert m["signal"] in {"md5", "sha1", "sha256", "pdq"}
    assert {m["media_url"] for m in matches} == planted(small_server)
    summary = lines[-1]
    assert summary["matches"] == len(matches) and summary["pages"] == 2 * (16 + 1)
    assert any(x["type"] == "error" and x["url"].endswith("/no-such-page") for x in lines)
    words = {x["keyword"] for x in lines if x["type"] == "keyword"}
    assert words == {"AMBER lantern", "velvet kestrel"}


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["ftp://example.org/", "--hashset", "synthetic"], 65, "only http and https"),
        (["http://", "--hashset", "synthetic"], 65, "not a URL to crawl"),
        (["http://127.0.0.1:9/", "--hashset", "no-such-set"], 69, "no-such-set"),
        (["crawl-me", "--hashset", "synthetic"], 65, "not a URL to crawl"),
    ],
)
def test_clear_errors(db: Database, argv: list[str], code: int, message: str) -> None:
    result = CliRunner().invoke(app, ["crawl", *argv], env=_env(db))
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CrawlJob)) == 0


def test_resume_unknown_job(db: Database) -> None:
    result = CliRunner().invoke(app, ["crawl", "resume", "999"], env=_env(db))
    assert result.exit_code == 69 and "no crawl job 999" in result.output


def test_help_names_the_contract() -> None:
    result = CliRunner().invoke(app, ["crawl", "run", "--help"])
    assert result.exit_code == 0
    for option in (
        "--hashset",
        "--max-pages",
        "--max-depth",
        "--same-host",
        "--keywords",
        "--json",
    ):
        assert option in result.output


def test_resume_after_kill_finds_the_rest_and_duplicates_nothing(
    db: Database, tmp_path: Path
) -> None:
    """Kill -9 a crawl part-way, resume it: every planted image found once, none twice."""
    web = SynthWeb(seed=9, sites=2, pages=30, traps=False)
    with running(web) as server:
        load_hashset(db, server, tmp_path)
        env = {**os.environ, **_env(db), "NERVECENTRE_CRAWL_HOST_DELAY_MS": "15"}
        argv = [sys.executable, "-m", "nervecentre", "crawl"]
        argv += [f"{b}/" for b in server.bases]
        argv += ["--hashset", "synthetic", "--max-pages", "200", "--json"]
        before: list[dict[str, Any]] = []
        with (
            deadline(60),
            subprocess.Popen(
                argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
            ) as process,
        ):
            assert process.stdout is not None
            for line in process.stdout:
                before.append(json.loads(line))
                if sum(e["type"] == "match" for e in before) >= 3:
                    process.send_signal(signal.SIGKILL)
                    break
            process.wait()
            before.extend(json.loads(line) for line in process.stdout.read().splitlines())
        assert before[-1]["type"] != "summary", "the crawl ended before it could be killed"
        job = next(e["job"] for e in before if e["type"] == "match")
        with db.session() as s:
            assert s.get(CrawlJob, job).state == "running"
        result = CliRunner().invoke(app, ["crawl", "resume", str(job), "--json"], env=_env(db))
        assert result.exit_code == 0, result.output
        after = _lines(result.stdout)
        expected = planted(server)
    first = [e["media_url"] for e in before if e["type"] == "match"]
    second = [e["media_url"] for e in after if e["type"] == "match"]
    assert not set(first) & set(second), "a finding was reported twice"
    # A finding committed in the instant before the kill may not have been printed yet.
    assert set(first) | set(second) <= expected
    with db.session() as s:
        urls = s.scalars(select(CrawlFinding.media_url).where(CrawlFinding.job_id == job)).all()
        state, runs = s.execute(
            select(CrawlJob.state, CrawlJob.runs).where(CrawlJob.id == job)
        ).one()
    assert sorted(urls) == sorted(expected)
    assert (state, runs) == ("finished", 2)
    assert after[-1]["matches"] == len(expected)


def test_synthweb_listens_on_loopback_only() -> None:
    result = CliRunner().invoke(app, ["synthweb", "--host", "0.0.0.0"])
    assert result.exit_code == 65 and "loopback only" in result.output


def test_human_output(db: Database, tmp_path: Path, small_server: SynthServer) -> None:
    load_hashset(db, small_server, tmp_path)
    seed = small_server.bases[1] + "/page/3"
    result = CliRunner().invoke(
        app, ["crawl", seed, "-s", "synthetic", "--max-depth", "0"], env=_env(db)
    )
    assert result.exit_code == 0, result.output
    assert "crawl job 1" in result.stderr
    assert "Job 1: 1 pages" in result.stdout
    found = [e for e in planted(small_server) if e.startswith(small_server.bases[1])]
    page_media = {
        small_server.bases[1] + path
        for site, page, path, spec in small_server.web.page_media()
        if site == 1 and page == 3 and spec.entry is not None
    }
    assert len(page_media) == 2 and page_media <= set(found)
    assert result.stdout.count("match ") == len(page_media)
