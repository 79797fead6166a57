"""Every route, walked from the app's own route table: a record out of sight answers exactly
as a record that does not exist, lists never name one, and a read-only token changes nothing.

A new route fails :func:`test_every_route_is_classified` until it is added below, to a probe
(its id parameters are then tried hidden and missing, its lists searched for the hidden
records' marks) or to :data:`EXEMPT` with the reason it cannot leak.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import BaseRoute

from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole
from nervecentre.graph.charts import save_chart
from nervecentre.library.ingest import add_bytes
from nervecentre.scams.models import ScamMessage
from nervecentre.scams.service import import_complaints
from nervecentre.security import audit, tokens
from nervecentre.security.models import AuditEntry
from tests.library.test_library import JUDGMENT
from tests.scams.messages import scam_email, write
from tests.security.conftest import World

SignIn = Callable[[str], tuple[TestClient, str]]
Token = Callable[[str], dict[str, str]]
MISSING = 987_654_321  # an id no record has
OTHER_UNIT = "MH-PAL-TALASARI"  # a unit like case B's, without cases

# Marks only case B's records carry: no answer to unit A's investigator may contain one.
MARKS = ("CANARYDOC", "CANARYCHART", "CANARYSCAM", "salim2@ybl", "43002", "BOISAR/2023/2")


def _routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, through FastAPI's lazily included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods or ()):
                yield method, prefix + route.path
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]


def all_routes() -> list[tuple[str, str]]:
    from nervecentre.api import router as api_router
    from nervecentre.web.pages import router as pages_router

    return sorted(set(_routes([*api_router.routes, *pages_router.routes])))


# Routes that name no record of a case and list none: why each cannot leak one.
EXEMPT: dict[tuple[str, str], str] = {
    ("GET", "/login"): "the sign-in form, before any user",
    ("POST", "/login"): "signs in; names no record",
    ("POST", "/logout"): "signs out",
    ("GET", "/api/openapi.json"): "the schema: routes, not records",
    ("GET", "/api/me"): "the caller's own account",
    ("GET", "/account"): "the caller's own account",
    ("POST", "/account/password"): "the caller's own password",
    ("GET", "/tokens"): "the caller's own tokens",
    ("POST", "/tokens"): "makes a token for the caller",
    ("POST", "/tokens/{token_id}/revoke"): "tokens are users', not cases' (tests/security)",
    ("GET", "/admin/users"): "user.manage: users, not cases",
    ("POST", "/admin/users"): "user.manage",
    ("POST", "/admin/users/{username}/password"): "user.manage",
    ("POST", "/admin/users/{username}/password/generate"): "user.manage",
    ("POST", "/admin/users/{username}/{change}"): "user.manage",
    ("POST", "/admin/throttle/clear"): "user.manage: addresses, not cases",
    ("GET", "/import"): "the caller's own uploads",
    ("POST", "/import"): "case writes go through case_writes (tests/imports/test_import_access)",
    ("POST", "/import/confirm"): "as above",
    ("GET", "/cases/new"): "an empty form",
    ("POST", "/cases/new"): "FIR clashes: tests/cases (jurisdiction)",
    ("POST", "/api/cases"): "FIR clashes: tests/cases (jurisdiction)",
    ("POST", "/api/library/documents"): "links only to visible cases (tests/library)",
    ("POST", "/api/scams/complaints"): "attaches only to visible cases (tests/scams)",
    # The crawler's records belong to no case: crawl.view sees all of them (docs/crawler.md).
    ("GET", "/crawl"): "crawler: no case records",
    ("GET", "/crawl/jobs/{job_id}"): "crawler: no case records",
    ("GET", "/crawl/findings/{finding_id}"): "crawler: no case records",
    ("GET", "/crawl/leads"): "crawler: no case records",
    ("GET", "/crawl/notices"): "crawler: no case records",
    ("POST", "/crawl/notices"): "crawler: no case records",
    ("POST", "/crawl/notices/{notice_id}/sent"): "crawler: no case records",
    ("GET", "/api/crawl/jobs"): "crawler: no case records",
    ("GET", "/api/crawl/jobs/{job_id}"): "crawler: no case records",
    ("GET", "/api/crawl/findings/{finding_id}"): "crawler: no case records",
    ("GET", "/api/crawl/leads"): "crawler: no case records",
    ("GET", "/api/crawl/notices"): "crawler: no case records",
    ("POST", "/api/crawl/notices"): "crawler: no case records",
    ("POST", "/api/crawl/notices/{notice_id}/sent"): "crawler: no case records",
    ("GET", "/crawl/hosts/{host}/report"): "crawler: no case records",
    ("GET", "/api/crawl/hosts/{host}/report"): "crawler: no case records",
    ("GET", "/library/add"): "an empty form",
    (
        "POST",
        "/library/add",
    ): "links only to visible cases, as the API (tests/web/test_library_pages)",
    ("GET", "/scams/upload"): "an empty form",
    (
        "POST",
        "/scams/upload",
    ): "attaches only to visible cases, as the API (tests/web/test_scam_upload)",
}

# Lists and searches: each query is asked, and no answer may carry a mark of case B.
# (The audit log first: the walk's own searches are the caller's, and theirs to read.)
LISTS: dict[tuple[str, str], list[str]] = {
    ("GET", "/api/audit"): ["", "?text=Boisar", "?target_type=case"],
    ("GET", "/admin/audit"): [""],
    ("GET", "/admin/audit.csv"): [""],
    ("GET", "/api/audit/verify"): [""],
    ("GET", "/"): [""],
    ("GET", "/cases"): ["", "?q=Boisar", "?q=salim2", "?q=43002", "?unit=MH-PAL-BOISAR"],
    ("GET", "/api/cases"): ["", "?q=Boisar", "?q=salim2@ybl", "?unit=MH-PAL-BOISAR"],
    ("GET", "/api/dashboard"): [""],
    ("GET", "/api/resolve/queue"): [""],
    ("GET", "/api/resolve/decisions"): [""],
    ("GET", "/resolve/review"): [""],
    ("GET", "/resolve/decisions"): [""],
    ("GET", "/api/scams/campaigns"): [""],
    ("GET", "/api/scams/messages"): [""],
    ("GET", "/api/scams/indicators"): ["", "?kind=upi", "?kind=email"],
    ("GET", "/scams"): [""],
    ("GET", "/scams/messages"): [""],
    ("GET", "/scams/indicators"): ["", "?kind=upi"],
    ("GET", "/api/library/search"): ["?q=CANARYDOC", "?q=bravo", "?q=judgment"],
    ("GET", "/api/library/documents"): [""],
    ("GET", "/library"): ["", "?q=CANARYDOC", "?q=bravo"],
    ("GET", "/api/reports/table"): [
        "?year=2023",
        "?year=2023&unit=MH-PAL-BOISAR",
        "?year=2023&by=unit",
        "?year=2023&by=district",
    ],
    ("GET", "/reports"): ["", "?year=2023", "?year=2023&unit=MH-PAL-BOISAR"],
    ("GET", "/reports/download"): ["?year=2023&format=csv", "?year=2023&unit=MH-PAL-BOISAR"],
    ("GET", "/access"): [""],
    ("GET", "/network"): [""],
}

# Routes whose query names a record: each probe is asked with {hidden} and with {missing}.
QUERIES: dict[tuple[str, str], list[str]] = {
    ("GET", "/api/resolve/explain"): ["?a={person}&b={person_a}", "?a={person_a}&b={person}"],
    ("GET", "/resolve/pair"): ["?a={person}&b={person_a}", "?a={person_a}&b={person}"],
    ("GET", "/api/graph/neighbourhood"): ["?node=case:{case}", "?node=person:{person}"],
    ("GET", "/api/graph/path"): [
        "?a=case:{case_a}&b=case:{case}", "?a=person:{person}&b=case:{case_a}",
    ],
    ("GET", "/network"): ["?node=case:{case}", "?node=person:{person}"],
    ("GET", "/library/similar"): ["?case={case}", "?document={document}"],
    ("GET", "/api/reports/cases"): ["?row=0&col=0&year=2023&unit={unit}"],
    ("GET", "/reports/cases"): ["?row=0&col=0&year=2023&unit={unit}"],
}  # fmt: skip

# Routes whose body names a record: each body is sent with {hidden} and with {missing}.
BODIES: dict[tuple[str, str], list[dict[str, str]]] = {
    ("POST", "/access/grants/case"): [
        {"grantee": "ana", "case": "{case}", "reason": "joint probe with Palghar", "days": "3"},
        {"grantee": "ana", "case": "{case_key}", "reason": "joint probe with Palghar"},
    ],
    ("POST", "/access/grants/unit"): [
        {"grantee": "ana", "unit": "{unit}", "reason": "joint probe with Palghar"},
    ],
    ("POST", "/access/restrictions"): [
        {"case": "{case}", "users": "sup", "reason": "the accused is a colleague"},
        {"case": "{case_key}", "users": "sup", "reason": "the accused is a colleague"},
    ],
    ("POST", "/api/resolve/decisions"): [
        {"person_a": "{person}", "person_b": "{person_a}", "verdict": "same"},
    ],
    ("POST", "/resolve/decisions"): [
        {"a": "{person}", "b": "{person_a}", "verdict": "same", "back": "pair"},
        {"a": "{person_a}", "b": "{person}", "verdict": "same", "back": "pair"},
    ],
}

# Path parameters: which of case B's records each names.
PARAMS = {
    "case_id": "case",
    "person_id": "person",
    "chart_id": "chart",
    "document_id": "document",
    "campaign_id": "campaign",
    "message_id": "message",
    "charge_id": "charge",
    "part": None,  # a word, kept as is
    "decision_id": "decision",
    "grant_id": "grant",
    "notice_id": "notice",  # (exempt from the walk: crawler records; kept for the token test)
    "job_id": "notice",
    "finding_id": "notice",
    "username": "username",  # (user pages: exempt from the walk; kept for the CSRF test)
    "change": "change",
    "token_id": "grant",
}


@dataclass
class Hidden:
    """Case B's records (out of sight for unit A), and their missing twins."""

    ids: dict[str, int | str]

    def fill(self, template: str, *, missing: bool) -> str:
        def one(match: re.Match[str]) -> str:
            kind = match.group(1)
            if kind.endswith("_a"):
                return str(self.ids[kind])
            return self.value(kind, missing=missing)

        return re.sub(r"\{(\w+)\}", one, template)

    def value(self, kind: str, *, missing: bool) -> str:
        if kind.endswith("_a"):
            return str(self.ids[kind])
        if kind in ("username", "change"):
            return str(self.ids[kind])
        if kind in ("unit", "case_key"):
            return (
                {"unit": OTHER_UNIT, "case_key": "MH-PAL-BOISAR/2023/9"}[kind]
                if missing
                else str(self.ids[kind])
            )
        return str(MISSING if missing else self.ids[kind])


def _scene(world: World, tmp_path: Path) -> Hidden:
    with world.db.session() as s:
        key_b = s.scalar(select(Case.case_key).where(Case.id == world.case_b))
        person_b = s.scalar(select(CaseRole.person_id).where(CaseRole.case_id == world.case_b))
        person_a = s.scalar(select(CaseRole.person_id).where(CaseRole.case_id == world.case_a))
        charge_b = s.execute(select(Case).where(Case.id == world.case_b)).scalar_one().charges[0].id
    doc = add_bytes(
        world.db, f"{JUDGMENT}\nbravo CANARYDOC".encode(), "b.txt", actor="t", case=key_b,
        title="CANARYDOC judgment",
    )  # fmt: skip
    write(
        tmp_path / "b" / "b.eml",
        scam_email("Meena", message_id="<b@x>", subject="CANARYSCAM", wallet="salim2@ybl")
        .as_bytes(),
    )  # fmt: skip
    import_complaints(world.db, [tmp_path / "b"], operator="t", case=key_b)
    with world.db.session() as s:
        message, campaign = s.execute(select(ScamMessage.id, ScamMessage.campaign_id)).one()
    chart = save_chart(
        world.db, world.user("admin"), world.case_b, "CANARYCHART",
        {"nodes": [{"id": f"case:{world.case_b}", "x": 0, "y": 0}]},
    )  # fmt: skip
    return Hidden(
        {
            "case": world.case_b, "case_a": world.case_a, "person": int(person_b or 0),
            "person_a": int(person_a or 0), "chart": chart, "document": doc.document_id or 0,
            "campaign": int(campaign or 0), "message": int(message), "charge": charge_b,
            "decision": MISSING - 1, "grant": MISSING - 2, "notice": MISSING - 3,
            "unit": "MH-PAL-BOISAR", "case_key": str(key_b), "username": "ana",
            "change": "disable",
        }
    )  # fmt: skip


def _path_probe(path: str) -> str | None:
    """The path with {kind} placeholders for its id parameters, or None if it takes none."""
    names = re.findall(r"\{(\w+)\}", path)
    if not names:
        return None
    out = path
    for name in names:
        kind = PARAMS.get(name, "?")
        if kind == "?":
            return "?" + name
        out = out.replace("{" + name + "}", "{" + kind + "}" if kind else "events")
    return out


def test_every_route_is_classified() -> None:
    """A new route must be probed here or exempted with a reason."""
    unclassified = []
    for route in all_routes():
        if route in EXEMPT or route in LISTS or route in QUERIES or route in BODIES:
            continue
        probe = _path_probe(route[1])
        if probe is None or probe.startswith("?"):
            unclassified.append(route)
    assert not unclassified, f"classify these routes in {__name__}: {unclassified}"
    stale = [r for r in (*EXEMPT, *LISTS, *QUERIES, *BODIES) if r not in all_routes()]
    assert not stale, f"routes no longer in the app: {stale}"


def _main(text: str) -> str:
    """A page's own content (the masthead and its form tokens are the same on every page)."""
    found = re.search(r"<main.*?</main>", text, re.S)
    return found.group(0) if found else text


def _normal(text: str, value: str) -> str:
    return re.sub(rf"(?<![\w.=-]){re.escape(value)}(?!\w|\.\d)", "{ID}", text)


def _first_difference(a: str, b: str) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"{a[max(0, at - 150) : at + 150]!r}\n   / missing {b[max(0, at - 150) : at + 150]!r}"


def _ask(
    client: TestClient,
    method: str,
    url: str,
    headers: dict[str, str],
    csrf: str,
    body: dict[str, str] | None = None,
) -> Any:
    if method == "GET":
        return client.get(url, headers=headers if url.startswith("/api/") else None)
    if url.startswith("/api/"):
        return client.request(method, url, headers=headers, json=body or {})
    return client.request(method, url, data={"csrf_token": csrf, **(body or {})})


def _fill_body(hidden: Hidden, body: dict[str, str], *, missing: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in body.items():
        filled = hidden.fill(value, missing=missing)
        out[key] = int(filled) if filled.isdigit() and value.startswith("{") else filled
    return out


def _probes(route: tuple[str, str]) -> Iterator[tuple[str, dict[str, str] | None]]:
    path = route[1]
    probe = _path_probe(path)
    if probe:
        yield probe, None
    for query in QUERIES.get(route, []):
        yield path + query, None
    for body in BODIES.get(route, []):
        yield path, body


def _walk(hidden: Hidden, client: TestClient, csrf: str, headers: dict[str, str]) -> list[str]:
    problems: list[str] = []
    for (method, path), queries in LISTS.items():
        for query in queries:
            response = _ask(client, method, path + query, headers, csrf)
            leaked = [m for m in MARKS if m in response.text and m not in query]
            if leaked:
                problems.append(f"{method} {path}{query}: {response.status_code} shows {leaked}")
    for method, path in all_routes():
        if (method, path) in EXEMPT:
            continue
        for probe, body in _probes((method, path)):
            kinds = [
                k for k in re.findall(r"\{(\w+)\}", probe + str(body or "")) if not k.endswith("_a")
            ]
            answers = []
            for missing in (False, True):
                url = hidden.fill(probe, missing=missing)
                sent = _fill_body(hidden, body, missing=missing) if body else None
                response = _ask(client, method, url, headers, csrf, sent)
                answers.append((response.status_code, _main(response.text)))
                leaked = [m for m in MARKS if m in response.text and m not in url + str(sent)]
                if leaked and not missing:
                    problems.append(f"{method} {url} {sent or ''}: shows {leaked}")
            # Each id (hidden and missing) reads {ID} in both answers, which must then agree.
            pairs = [(hidden.value(k, missing=False), hidden.value(k, missing=True)) for k in kinds]
            if any(k == "unit" for k in kinds):
                pairs.append(("Boisar", "Talasari"))
            for index, (status, text) in enumerate(answers):
                for value in {v for pair in pairs for v in pair if not v.startswith("{")}:
                    text = _normal(text, value)
                answers[index] = (status, text)
            if answers[0] != answers[1]:
                problems.append(
                    f"{method} {probe} {body or ''}: hidden {answers[0][0]} / missing "
                    f"{answers[1][0]}: {_first_difference(answers[0][1], answers[1][1])}"
                )
    return problems


@pytest.mark.parametrize("username", ["inv", "sup", "ana"])
def test_out_of_sight_answers_as_missing(
    world: World, tmp_path: Path, signed_in: SignIn, token_for: Token, username: str
) -> None:
    """Unit A's users ask for each of case B's records, and for ids that name nothing."""
    hidden = _scene(world, tmp_path)
    client, csrf = signed_in(username)
    problems = _walk(hidden, client, csrf, token_for(username))
    assert not problems, "\n".join(problems)


def _visible(world: World, hidden: Hidden) -> Hidden:
    """Case A's records, visible to every user of the world (so only the scope refuses)."""
    ids = dict(hidden.ids)
    ids.update(case=world.case_a, person=hidden.ids["person_a"])
    return Hidden(ids)


def _state(world: World) -> tuple[int, list[Any]]:
    """The newest audit entry and every case's last change."""
    with world.db.session() as s:
        newest = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
        return int(newest or 0), list(s.scalars(select(Case.updated_at).order_by(Case.id)))


@pytest.mark.parametrize("username", ["admin", "inv"])
def test_a_read_only_token_changes_nothing_on_any_route(
    world: World, tmp_path: Path, client: TestClient, username: str
) -> None:
    """Every state-changing API route refuses a read-only token (403) before it runs."""
    visible = _visible(world, _scene(world, tmp_path))
    _record, token = tokens.create_token(world.db, username, "ro", actor="test", scope="read-only")
    headers = {"Authorization": f"Bearer {token}"}
    # Pages take a bearer token too (and skip CSRF for it): they are walked as well.
    unsafe = [(m, p) for m, p in all_routes() if m != "GET" and p not in ("/login", "/logout")]
    assert len(unsafe) > 40
    answers = {}
    before = _state(world)
    for method, path in unsafe:
        url = visible.fill(_path_probe(path) or path, missing=False)
        bodies = BODIES.get((method, path)) or [{}]
        for body in bodies:
            sent = _fill_body(visible, body, missing=False)
            if path.startswith("/api/"):
                response = client.request(method, url, headers=headers, json=sent)
            else:
                response = client.request(method, url, headers=headers, data=sent)
            answers[f"{method} {url}"] = (response.status_code, response.text)
    wrong = {
        k: (v[0], v[1][-200:]) for k, v in answers.items() if v[0] != 403 or "read-only" not in v[1]
    }
    assert not wrong, wrong
    assert _state(world) == before


def test_every_state_changing_route_needs_the_csrf_token(
    world: World, tmp_path: Path, signed_in: SignIn
) -> None:
    """A signed-in browser's POST without the session's CSRF token changes nothing (403)."""
    visible = _visible(world, _scene(world, tmp_path))
    client, _csrf = signed_in("admin")
    before = _state(world)
    unsafe = [(m, p) for m, p in all_routes() if m != "GET" and p not in ("/login", "/logout")]
    wrong = {}
    for method, path in unsafe:
        url = visible.fill(_path_probe(path) or path, missing=False)
        for body in BODIES.get((method, path)) or [{}]:
            sent = _fill_body(visible, body, missing=False)
            if path.startswith("/api/"):
                response = client.request(method, url, json=sent)
            else:
                response = client.request(method, url, data=sent, files={"x": ("x.txt", b"x")})
            if response.status_code != 403:
                wrong[f"{method} {url}"] = (response.status_code, response.text[-300:])
    assert not wrong, wrong
    assert _state(world)[0] == before[0]  # not even an audit entry


def test_explaining_a_pair_is_audited(world: World, token_for: Token, client: TestClient) -> None:
    """The explanation compares two records' names, phones and births (a victim's too)."""
    with world.db.session() as s:
        a, b = s.scalars(
            select(CaseRole.person_id).where(CaseRole.case_id == world.case_a).limit(2)
        ).all()
    before = _state(world)[0]
    answer = client.get(f"/api/resolve/explain?a={a}&b={b}", headers=token_for("ana"))
    assert answer.status_code == 200
    [entry] = [e for e in audit.find(world.db, actor="ana", limit=5) if e.id > before]
    assert (entry.action, entry.target_id) == ("person.view", str(a))
    assert entry.details == {"other_person": b, "via": "resolve.explain"}
