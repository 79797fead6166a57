"""Every read of case content and every export leaves an audit entry: the edit form, every
page and API route that shows one case or person, and the CLI exports."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import BaseRoute
from typer.testing import CliRunner

from nervecentre.cases import edit
from nervecentre.cases.people import CaseRole
from nervecentre.cli.main import app as cli
from nervecentre.exports import run_export
from nervecentre.security import audit, audit_verify
from nervecentre.security.models import AuditEntry
from tests.security.conftest import World

SignIn = Callable[[str], tuple[TestClient, str]]
Token = Callable[[str], dict[str, str]]
runner = CliRunner()


def _newest(world: World) -> AuditEntry:
    return audit.tail(world.db, 1)[0]


def test_the_edit_form_read_is_audited(world: World, signed_in: SignIn) -> None:
    client, _ = signed_in("inv")
    before = _newest(world).id
    page = client.get(f"/cases/{world.case_a}/edit")
    assert page.status_code == 200 and "Victims were brought" in page.text  # every field
    entry = _newest(world)
    assert entry.id > before and (entry.actor, entry.action) == ("inv", "case.view")
    assert entry.target_id == str(world.case_a) and entry.ip == "127.0.0.1"
    # An invisible case: 404, and the log says nothing was shown.
    assert client.get(f"/cases/{world.case_b}/edit").status_code == 404
    assert _newest(world).id == entry.id
    # The library call itself records it, whoever calls it.
    edit.case_form_data(world.db, world.user("sup"), world.case_a)
    assert (_newest(world).actor, _newest(world).target_id) == ("sup", str(world.case_a))


def _get_paths(routes: list[BaseRoute], prefix: str = "") -> Iterator[str]:
    """The paths of the GET routes among ``routes``, through included routers too."""
    for route in routes:
        if isinstance(route, APIRoute) and "GET" in (route.methods or ()):
            yield prefix + route.path
        included = getattr(route, "original_router", None)  # FastAPI's lazy include
        if included is not None:
            yield from _get_paths(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]


def _content_routes() -> list[str]:
    """Every GET route of the app that shows one case or one person."""
    from nervecentre.api import router as api_router
    from nervecentre.web.pages import router as pages_router

    paths = _get_paths([*api_router.routes, *pages_router.routes])
    return sorted(p for p in paths if re.search(r"\{(case_id|person_id)\}", p))


def test_every_route_showing_a_case_or_person_is_audited(
    world: World, signed_in: SignIn, token_for: Token
) -> None:
    with world.db.session() as s:
        person = s.scalars(
            select(CaseRole.person_id).where(CaseRole.case_id == world.case_a)
        ).first()
    routes = _content_routes()
    # The routes known today: a new one must be added here, audited.
    assert routes == [
        "/api/cases/{case_id}", "/api/cases/{case_id}/charts", "/api/cases/{case_id}/similar",
        "/api/people/{person_id}", "/api/people/{person_id}/entity",
        "/cases/{case_id}", "/cases/{case_id}/edit", "/people/{person_id}",
    ]  # fmt: skip
    client, _ = signed_in("inv")
    headers = token_for("inv")
    for path in routes:
        url = path.replace("{case_id}", str(world.case_a)).replace("{person_id}", str(person))
        before = _newest(world).id
        response = client.get(url, headers=headers if url.startswith("/api/") else None)
        assert response.status_code == 200, (url, response.text[:200])
        entries = audit.find(world.db, actor="inv", limit=5)
        new = [e for e in entries if e.id > before and e.action in ("case.view", "person.view")]
        assert new, f"{url} showed a record without an audit entry"


def test_cli_exports_are_audited(world: World, tmp_path: Path) -> None:
    env = {
        "NERVECENTRE_DATABASE_URL": world.db.url,
        "NERVECENTRE_DATA_DIR": str(world.db.settings.data_dir),
    }
    for fmt, name in (("csv", "csv-out"), ("json", "cases.json"), ("ftm", "cases.ftm")):
        out = tmp_path / name
        result = runner.invoke(cli, ["export", fmt, "-o", str(out)], env=env)
        assert result.exit_code == 0, result.output
        entry = _newest(world)
        assert entry.action == "export" and entry.actor.startswith("cli")
        assert entry.details["format"] == fmt and entry.details["output"] == str(out)
        assert entry.details["cases"] == 2
    assert audit_verify.verify(world.db).ok


def test_an_export_that_cannot_be_audited_is_removed(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(audit, "record", refuse)
    for fmt, out in (("json", tmp_path / "x.json"), ("csv", tmp_path / "folder")):
        with pytest.raises(OSError, match="disk full"):
            run_export(world.db, fmt, out, actor="test")
        assert not out.exists()
