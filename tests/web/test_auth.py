"""Sign-in, sessions, CSRF, throttling and the security headers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from nervecentre.security import audit
from nervecentre.security.models import WebSession
from nervecentre.store.base import utcnow
from tests.security.conftest import PASSWORD, World
from tests.web.conftest import csrf_of, sign_in

SignedIn = Callable[[str], tuple[TestClient, str]]


def _post_login(client: TestClient, username: str, password: str, nxt: str = "/") -> object:
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(page.text),
            "next": nxt,
        },
    )


def test_pages_need_sign_in(client: TestClient) -> None:
    response = client.get("/cases?q=x")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcases%3Fq%3Dx"
    api = client.get("/api/cases")
    assert api.status_code == 401
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["status"] == 401


def test_sign_in_sets_a_strict_cookie_and_is_audited(client: TestClient, world: World) -> None:
    response = _post_login(client, "inv", PASSWORD, "/cases")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == "/cases"  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    assert "nc_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/").status_code == 200
    entry = audit.find(world.db, action="auth.login.success")[0]
    assert entry.actor == "inv" and entry.ip == "127.0.0.1"


def test_wrong_password_is_refused_and_audited(client: TestClient, world: World) -> None:
    response = _post_login(client, "inv", "not the password at all")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "wrong username or password" in response.text.lower()  # type: ignore[attr-defined]
    assert client.get("/").status_code == 303
    assert audit.find(world.db, action="auth.login.failure")[0].target_id == "inv"


def test_login_without_its_form_token_is_refused(client: TestClient) -> None:
    response = client.post("/login", data={"username": "inv", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/").status_code == 303


def test_open_redirect_is_not_followed(app_for: Callable[..., TestClient]) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = _post_login(app_for(), "inv", PASSWORD, target)
        assert response.headers["location"] == "/", target  # type: ignore[attr-defined]


def test_account_locks_after_repeated_failures(client: TestClient) -> None:
    for _ in range(5):
        _post_login(client, "ana", "wrong wrong wrong")
    response = _post_login(client, "ana", PASSWORD)
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "locked" in response.text  # type: ignore[attr-defined]


def test_one_address_guessing_many_users_must_wait(client: TestClient) -> None:
    for i in range(20):
        _post_login(client, f"nobody{i}", "wrong wrong wrong")
    response = _post_login(client, "inv", PASSWORD)
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert int(response.headers["retry-after"]) > 0  # type: ignore[attr-defined]


def test_one_valid_account_does_not_reset_the_throttle_for_the_others(
    client: TestClient,
) -> None:
    """19 failures, a success, 19 failures ...: the address's count is not cleared."""
    codes = []
    for i in range(19):
        codes.append(_post_login(client, f"nobody{i}", "wrong wrong wrong").status_code)  # type: ignore[attr-defined]
    codes.append(_post_login(client, "inv", PASSWORD).status_code)  # type: ignore[attr-defined]
    client.cookies.clear()
    codes.append(_post_login(client, "nobody19", "wrong wrong wrong").status_code)  # type: ignore[attr-defined]
    codes.append(_post_login(client, "nobody20", "wrong wrong wrong").status_code)  # type: ignore[attr-defined]
    assert codes == [401] * 19 + [303, 401, 429], codes


def test_one_account_guessed_from_many_addresses_must_wait(
    app_for: Callable[..., TestClient],
) -> None:
    codes = [
        _post_login(app_for(f"127.0.3.{i}"), "ana", f"guess number {i}").status_code  # type: ignore[attr-defined]
        for i in range(11)
    ]
    # The account lockout (5 in a row) answers 401 "locked"; the window's limit (10) 429.
    assert codes == [401] * 10 + [429], codes
    assert _post_login(app_for("127.0.3.99"), "inv", PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_the_throttle_is_shared_by_every_server_process(
    app_for: Callable[..., TestClient],
) -> None:
    """Two app instances over one database stand for two server processes."""
    first, second = app_for("127.0.0.9"), app_for("127.0.0.9")
    for i in range(10):
        _post_login(first, f"nobody{i}", "wrong wrong wrong")
        _post_login(second, f"nobody{i}", "wrong wrong wrong")
    assert _post_login(first, "inv", PASSWORD).status_code == 429  # type: ignore[attr-defined]
    assert _post_login(second, "inv", PASSWORD).status_code == 429  # type: ignore[attr-defined]
    other = app_for("127.0.0.10")  # another address is not held back
    assert _post_login(other, "inv", PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_sign_out_ends_the_session(signed_in: SignedIn, world: World) -> None:
    client, csrf = signed_in("inv")
    cookie = client.cookies.get("nc_session")
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert audit.find(world.db, action="auth.logout")[0].actor == "inv"
    client.cookies.set("nc_session", cookie or "")
    assert client.get("/").status_code == 303  # the old cookie no longer works


def test_logout_needs_the_csrf_token(signed_in: SignedIn) -> None:
    client, _csrf = signed_in("inv")
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/").status_code == 200


def test_idle_and_old_sessions_end(signed_in: SignedIn, world: World) -> None:
    client, _ = signed_in("inv")
    with world.db.session() as s:
        s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert client.get("/").status_code == 303
    client, _ = signed_in("inv")
    with world.db.session() as s:
        s.execute(
            update(WebSession)
            .where(WebSession.ended_at.is_(None))
            .values(created_at=utcnow() - timedelta(hours=13))
        )
    assert client.get("/").status_code == 303


def test_disabled_user_loses_their_session(signed_in: SignedIn, world: World) -> None:
    from nervecentre.security import users

    client, _ = signed_in("view")
    users.disable_user(world.db, "view", actor="test")
    assert client.get("/").status_code == 303


def test_a_password_reset_signs_out_browsers_and_stops_tokens(
    signed_in: SignedIn, token_for: Callable[[str], dict[str, str]], world: World
) -> None:
    from nervecentre.security import users

    client, _ = signed_in("inv")
    headers = token_for("inv")
    assert client.get("/").status_code == 200
    assert client.get("/api/me", headers=headers).status_code == 200
    users.set_password(world.db, "inv", "a brand new passphrase", actor=world.users["admin"])
    assert client.get("/").status_code == 303
    assert client.get("/api/me", headers=headers).status_code == 401


def test_a_read_only_token_reads_and_changes_nothing(client: TestClient, world: World) -> None:
    from nervecentre.security import tokens

    _record, token = tokens.create_token(world.db, "inv", "reports", actor="test")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/cases", headers=headers).status_code == 200
    assert client.get(f"/api/cases/{world.case_a}", headers=headers).status_code == 200
    refused = client.patch(
        f"/api/cases/{world.case_a}", headers=headers, json={"occurrence_place": "Kasara"}
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "read-only" in refused.json()["detail"]
    me = client.get("/api/me", headers=headers).json()
    assert "case.view" in me["permissions"] and "case.edit" not in me["permissions"]


def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for path in ("/login", "/api/openapi.json"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_forged_cookie_is_ignored(client: TestClient) -> None:
    client.cookies.set("nc_session", "x" * 43)
    assert client.get("/").status_code == 303
    client.cookies.set("nc_session", "' OR 1=1 --")
    assert client.get("/").status_code == 303


def test_sign_in_page_helper_works(client: TestClient) -> None:
    assert sign_in(client, "admin")


def test_the_api_schema_and_docs_need_sign_in(
    client: TestClient, signed_in: SignedIn, token_for: Callable[[str], dict[str, str]]
) -> None:
    for path in ("/api/openapi.json", "/api/docs", "/api/nothing-here"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["content-type"] == "application/problem+json"
        assert "paths" not in response.text
    assert client.post("/api/cases/1/charges/1").status_code == 401  # a wrong method too
    bad = client.get("/api/docs", headers={"Authorization": "Bearer nct_forged"})
    assert bad.status_code == 401 and "unknown API token" in bad.json()["detail"]
    assert client.get("/api/openapi.json", headers=token_for("view")).json()["paths"]
    browser, _ = signed_in("view")
    assert browser.get("/api/openapi.json").status_code == 200
    assert browser.get("/api/docs").status_code == 404  # there is no docs page (CDN)


def test_the_schema_documents_errors_as_problem_details(
    client: TestClient, token_for: Callable[[str], dict[str, str]]
) -> None:
    schema = client.get("/api/openapi.json", headers=token_for("view")).json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"400", "401", "403", "422", "default"} <= set(responses), (path, method)
            for status, response in responses.items():
                if status == "default" or int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], status


def test_api_date_times_carry_their_zone(
    client: TestClient, token_for: Callable[[str], dict[str, str]], world: World
) -> None:
    """Register times are IST (+05:30, as in the JSON export); system times are UTC (Z)."""
    headers = token_for("admin")
    row = client.get("/api/cases", headers=headers).json()["rows"][0]
    assert row["fir_at"].endswith("+05:30"), row["fir_at"]
    case = client.get(f"/api/cases/{world.case_a}", headers=headers).json()
    assert case["fir_at"].endswith("+05:30") and case["created_at"].endswith("Z")
    assert case["events"] and all(e["at"].endswith("+05:30") for e in case["events"])
    entry = client.get("/api/audit?limit=1", headers=headers).json()[0]
    assert entry["at"].endswith("Z"), entry["at"]
    schema = client.get("/api/openapi.json", headers=headers).json()["components"]["schemas"]
    assert schema["CaseRow"]["properties"]["fir_at"]["format"] == "date-time"
