"""The supervisors' and admins' screens: users, passwords and locks, grants and restrictions,
API tokens. Every form is CSRF-checked, follows the roles and need-to-know, and is audited."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.errors import PermissionDenied
from nervecentre.security import audit, grants, tokens, users
from nervecentre.security.roles import can, role_names
from nervecentre.security.throttle import LoginThrottle
from nervecentre.security.users import AuthenticationFailed
from tests.security.conftest import PASSWORD, UNIT_A, UNIT_B, World
from tests.web.conftest import sign_in

SignedIn = Callable[[str], tuple[TestClient, str]]
ROLES = ["admin", "sup", "inv", "ana", "view"]
REASON = "joint probe with the Palghar AHTU"
XSS = "<script>alert('x1')</script>"
SECRET = re.compile(r"nct_[A-Za-z0-9_-]{20,}")


def _case_key(world: World, case_id: int) -> str:
    with world.db.session() as s:
        return str(s.scalar(select(Case.case_key).where(Case.id == case_id)))


def _me(client: TestClient, token: str) -> Response:
    return client.get("/api/me", headers={"Authorization": f"Bearer {token}"})


def _assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(" in html


# --- Who may open and post what ------------------------------------------------------------


@pytest.mark.parametrize("role", role_names())
def test_every_page_and_form_for_every_role(role: str, world: World, signed_in: SignedIn) -> None:
    # One user of each role in the permission matrix, in unit A (where case A is).
    user = users.create_user(world.db, f"r-{role}", PASSWORD, role, actor="test", units=[UNIT_A])
    client, csrf = signed_in(user.username)
    manage, grant = can(user, "user.manage"), can(user, "access.grant")
    assert client.get("/admin/users").status_code == (200 if manage else 403)
    assert client.get("/access").status_code == (200 if grant else 403)
    assert client.get("/tokens").status_code == 200  # everyone has their own tokens
    assert 'action="/account/password"' in client.get("/account").text  # and their password

    forms: list[tuple[str, dict[str, str], bool, int]] = [
        ("/admin/users/inv-b/unlock", {}, manage, 303),
        ("/admin/users/inv-b/password/generate", {}, manage, 200),
        (
            "/admin/users/inv-b/password",
            {"password": "a new long phrase", "confirm": "a new long phrase"},
            manage,
            303,
        ),
        ("/admin/throttle/clear", {"address": "10.9.9.9"}, manage, 303),
        (
            "/access/grants/case",
            {"grantee": "inv-b", "case": str(world.case_a), "reason": REASON},
            grant,
            303,
        ),
        (
            "/access/grants/unit",
            {"grantee": "inv-b", "unit": UNIT_A, "reason": REASON},
            grant,
            303,
        ),
        (
            "/access/restrictions",
            {"case": str(world.case_a), "users": "inv", "reason": REASON},
            grant,
            303,
        ),
        ("/tokens", {"name": "my script"}, True, 200),
        ("/tokens", {"username": "inv-b", "name": "someone else's"}, manage, 200),
    ]
    for path, data, allowed, ok in forms:
        response = client.post(path, data={"csrf_token": csrf, **data})
        assert response.status_code == (ok if allowed else 403), (role, path, response.text)


def test_the_navigation_offers_only_what_the_role_may_open(
    world: World, signed_in: SignedIn
) -> None:
    for role in ROLES:
        client, _ = signed_in(role)
        home = client.get("/").text
        user = world.user(role)
        assert ('href="/admin/users"' in home) == can(user, "user.manage"), role
        assert ('href="/access"' in home) == can(user, "access.grant"), role
        assert 'href="/tokens"' in home, role


def test_changes_without_csrf_are_refused_and_change_nothing(
    world: World, signed_in: SignedIn
) -> None:
    admin, _ = signed_in("admin")
    grant = grants.grant_case(world.db, "test", "inv-b", world.case_a, REASON)
    _record, _token = tokens.create_token(world.db, "inv", "nightly", actor="test")
    grants.restrict_case(world.db, "test", world.case_a, ["inv"], REASON)
    before = audit.find(world.db, limit=1)[0].id
    for path, data in [
        ("/admin/users/inv/unlock", {}),
        ("/admin/users/inv/password", {"password": "x" * 20, "confirm": "x" * 20}),
        ("/admin/users/inv/password/generate", {}),
        ("/admin/throttle/clear", {"address": "10.0.0.1"}),
        ("/access/grants/case", {"grantee": "view", "case": str(world.case_b), "reason": REASON}),
        ("/access/grants/unit", {"grantee": "view", "unit": UNIT_B, "reason": REASON}),
        (f"/access/grants/{grant.id}/revoke", {"reason": REASON}),
        ("/access/restrictions", {"case": str(world.case_b), "users": "inv", "reason": REASON}),
        (f"/access/restrictions/{world.case_a}/lift", {"reason": REASON}),
        ("/tokens", {"username": "admin", "name": "forged"}),
        (f"/tokens/{_record.id}/revoke", {}),
    ]:
        assert admin.post(path, data=data).status_code == 403, path
        assert admin.post(path, data={**data, "csrf_token": "forged"}).status_code == 403, path
    assert audit.find(world.db, limit=1)[0].id == before  # nothing happened, nothing logged
    assert grants.list_grants(world.db, "inv-b")[0].id == grant.id
    sign_in(fresh(admin), "inv")  # the password is unchanged


def fresh(client: TestClient) -> TestClient:
    """Another client of the same app, nobody signed in."""
    return TestClient(client.app, client=("127.0.0.1", 50000), follow_redirects=False)


# --- Users: the add form, passwords, locks, the throttle -----------------------------------


def test_the_add_user_form_defaults_to_the_least_privileged_role(signed_in: SignedIn) -> None:
    admin, csrf = signed_in("admin")
    page = admin.get("/admin/users").text
    form = page[page.index('action="/admin/users"') :]
    checked = re.findall(r'<input type="radio" name="role" value="(\w+)"[^>]*\bchecked\b', form)
    assert checked == ["viewer"]
    assert "<legend>Role" in form  # an explicit, labelled choice with each role's meaning
    response = admin.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "newbie", "password": "a long enough phrase"},
    )
    assert response.status_code == 422  # no role sent: refused, never a silent default
    assert "role" in response.text


def test_an_admin_resets_a_password_and_the_user_signs_in_with_it(
    world: World, signed_in: SignedIn, client: TestClient
) -> None:
    admin, csrf = signed_in("admin")
    mismatch = admin.post(
        "/admin/users/inv/password",
        data={"csrf_token": csrf, "password": "brand new phrase", "confirm": "brand new phrasf"},
    )
    assert mismatch.status_code == 422 and "do not match" in mismatch.text
    short = admin.post(
        "/admin/users/inv/password", data={"csrf_token": csrf, "password": "x", "confirm": "x"}
    )
    assert short.status_code == 422 and "too short" in short.text
    ok = admin.post(
        "/admin/users/inv/password",
        data={"csrf_token": csrf, "password": "brand new phrase", "confirm": "brand new phrase"},
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/admin/users")
    assert "brand new phrase" not in admin.get(ok.headers["location"]).text
    sign_in(client, "inv", "brand new phrase")
    entry = audit.find(world.db, action="user.update", target_id="inv")[0]
    assert entry.actor == "admin" and "brand new" not in entry.detail

    generated = admin.post("/admin/users/inv/password/generate", data={"csrf_token": csrf})
    assert generated.status_code == 200
    found = re.search(r'id="generated-password"[^>]*value="([^"]+)"', generated.text)
    assert found, generated.text
    sign_in(fresh(admin), "inv", found.group(1))
    assert found.group(1) not in admin.get("/admin/users").text  # shown once only
    assert found.group(1) not in audit.find(world.db, limit=1)[0].detail


def test_an_admin_lifts_a_lockout_and_sees_it_audited(
    world: World, signed_in: SignedIn, client: TestClient
) -> None:
    for _ in range(world.db.settings.login_max_failures):
        with pytest.raises(AuthenticationFailed):
            users.authenticate(world.db, "inv", "wrong password here")
    with pytest.raises(AuthenticationFailed, match="locked"):
        users.authenticate(world.db, "inv", PASSWORD)
    admin, csrf = signed_in("admin")
    page = admin.get("/admin/users").text
    assert "locked until" in page and 'action="/admin/users/inv/unlock"' in page
    assert admin.post("/admin/users/inv/unlock", data={"csrf_token": csrf}).status_code == 303
    assert 'action="/admin/users/inv/unlock"' not in admin.get("/admin/users").text
    sign_in(client, "inv")
    entry = audit.find(world.db, action="user.update", target_id="inv", actor="admin")[0]
    assert entry.details.get("lock") == "lifted"


def test_disabling_asks_for_confirmation_and_enabling_restores(
    world: World, signed_in: SignedIn, client: TestClient
) -> None:
    admin, csrf = signed_in("admin")
    page = admin.get("/admin/users").text
    assert re.search(r'<details class="confirm"><summary>Disable', page)
    assert admin.post("/admin/users/inv/disable", data={"csrf_token": csrf}).status_code == 303
    assert not world.user("inv").active
    assert admin.post("/admin/users/inv/enable", data={"csrf_token": csrf}).status_code == 303
    sign_in(client, "inv")
    assert [e.action for e in audit.find(world.db, target_id="inv", limit=2)] == [
        "auth.login.success",
        "user.enable",
    ]


def test_an_admin_clears_a_throttled_address(world: World, signed_in: SignedIn) -> None:
    throttle = LoginThrottle(world.db, world.db.settings.login_ip_max_failures)
    for _ in range(throttle.max_failures):
        throttle.failed("10.20.30.40")
    assert throttle.retry_after("10.20.30.40") > 0
    admin, csrf = signed_in("admin")
    page = admin.get("/admin/users").text
    assert "10.20.30.40" in page
    bad = admin.post("/admin/throttle/clear", data={"csrf_token": csrf, "address": XSS})
    assert bad.status_code == 422
    _assert_inert(bad.text)
    response = admin.post(
        "/admin/throttle/clear", data={"csrf_token": csrf, "address": "10.20.30.40"}
    )
    assert response.status_code == 303
    assert throttle.retry_after("10.20.30.40") == 0
    entry = audit.find(world.db, action="auth.throttle.clear")[0]
    assert (entry.actor, entry.target_type, entry.target_id) == ("admin", "address", "10.20.30.40")


# --- Grants and restrictions ----------------------------------------------------------------


def test_a_supervisor_grants_and_revokes_a_case_through_the_page(
    world: World, signed_in: SignedIn
) -> None:
    sup, csrf = signed_in("sup")
    other, _ = signed_in("inv-b")
    assert other.get(f"/cases/{world.case_a}").status_code == 404
    response = sup.post(
        "/access/grants/case",
        data={
            "csrf_token": csrf,
            "grantee": "inv-b",
            "case": _case_key(world, world.case_a),
            "days": "7",
            "reason": REASON,
        },
    )
    assert response.status_code == 303, response.text
    assert other.get(f"/cases/{world.case_a}").status_code == 200
    (grant,) = grants.list_grants(world.db, "inv-b")
    assert grant.expires_at is not None and grant.granted_by == "sup"
    page = sup.get("/access").text
    assert REASON in page and f'action="/access/grants/{grant.id}/revoke"' in page
    entry = audit.find(world.db, action="access.grant")[0]
    assert entry.actor == "sup" and entry.details["reason"] == REASON

    revoked = sup.post(
        f"/access/grants/{grant.id}/revoke", data={"csrf_token": csrf, "reason": "probe closed"}
    )
    assert revoked.status_code == 303
    assert other.get(f"/cases/{world.case_a}").status_code == 404
    entry = audit.find(world.db, action="access.revoke")[0]
    assert entry.actor == "sup" and entry.details["reason"] == "probe closed"
    again = sup.post(f"/access/grants/{grant.id}/revoke", data={"csrf_token": csrf})
    assert again.status_code == 409 and "already revoked" in again.text


def test_a_unit_grant_with_bad_input_shows_the_errors(world: World, signed_in: SignedIn) -> None:
    sup, csrf = signed_in("sup")
    base = {"csrf_token": csrf, "grantee": "inv-b", "unit": UNIT_A, "reason": REASON}
    for data, status, message in [
        ({**base, "reason": "short"}, 422, "at least 10 characters"),
        ({**base, "days": "soon"}, 422, "whole number of days"),
        ({**base, "days": "0"}, 422, "whole number of days"),
        ({**base, "grantee": "nobody-here"}, 404, "no user named"),
        ({**base, "grantee": "sup"}, 403, "themselves"),
        ({**base, "unit": UNIT_B}, 403, "only your own units"),
    ]:
        response = sup.post("/access/grants/unit", data=data)
        assert response.status_code == status, (data, response.text)
        assert message in response.text and 'role="alert"' in response.text
    assert grants.list_grants(world.db, "inv-b") == []
    ok = sup.post("/access/grants/unit", data={**base, "days": "14"})
    assert ok.status_code == 303
    assert [g.unit_code for g in grants.list_grants(world.db, "inv-b")] == [UNIT_A]


def test_need_to_know_holds_on_the_access_page(world: World, signed_in: SignedIn) -> None:
    hidden = grants.grant_case(world.db, "test", "inv", world.case_b, "Palghar-only grant")
    key_b = _case_key(world, world.case_b)
    sup, csrf = signed_in("sup")
    page = sup.get("/access").text
    assert "Palghar-only grant" not in page and key_b not in page
    for ref in (str(world.case_b), key_b, "999999"):
        response = sup.post(
            "/access/grants/case",
            data={"csrf_token": csrf, "grantee": "view", "case": ref, "reason": REASON},
        )
        assert response.status_code == 404, ref
        # The same answer for another unit's case as for a missing one: nothing is confirmed.
        assert f"no case '{ref}'" in html.unescape(response.text)
    assert grants.list_grants(world.db, "view") == []
    revoke = sup.post(f"/access/grants/{hidden.id}/revoke", data={"csrf_token": csrf})
    assert revoke.status_code == 404
    assert grants.list_grants(world.db, "inv")[0].id == hidden.id  # still live
    grants.restrict_case(world.db, "test", world.case_b, ["inv-b"], "accused is a colleague")
    for path in ("/access/restrictions", f"/access/restrictions/{world.case_b}/lift"):
        data = {"csrf_token": csrf, "case": str(world.case_b), "users": "sup", "reason": REASON}
        assert sup.post(path, data=data).status_code == 404, path
    assert grants.restricted_to(world.db, world.case_b) == ["inv-b"]
    assert "accused is a colleague" not in sup.get("/access").text
    admin, _ = signed_in("admin")
    page = admin.get("/access").text  # admins oversee every grant and restriction
    assert "Palghar-only grant" in page and "accused is a colleague" in page


def test_a_supervisor_restricts_a_case_and_lifts_it(world: World, signed_in: SignedIn) -> None:
    sup, csrf = signed_in("sup")
    viewer, _ = signed_in("view")
    response = sup.post(
        "/access/restrictions",
        data={
            "csrf_token": csrf,
            "case": str(world.case_a),
            "users": ["inv", "sup"],
            "reason": REASON,
        },
    )
    assert response.status_code == 303, response.text
    assert grants.restricted_to(world.db, world.case_a) == ["inv", "sup"]
    assert viewer.get(f"/cases/{world.case_a}").status_code == 404
    page = sup.get("/access").text
    assert REASON in page and f'action="/access/restrictions/{world.case_a}/lift"' in page
    assert re.search(r'<details class="confirm"><summary>Lift', page)
    short = sup.post(f"/access/restrictions/{world.case_a}/lift", data={"csrf_token": csrf})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    lifted = sup.post(
        f"/access/restrictions/{world.case_a}/lift",
        data={"csrf_token": csrf, "reason": "internal inquiry closed"},
    )
    assert lifted.status_code == 303
    assert viewer.get(f"/cases/{world.case_a}").status_code == 200
    actions = [e.action for e in audit.find(world.db, actor="sup", target_id=world.case_a)]
    assert actions[:2] == ["case.unrestrict", "case.restrict"]


# --- API tokens -----------------------------------------------------------------------------


def test_a_user_creates_uses_and_revokes_their_own_token(
    world: World, signed_in: SignedIn, client: TestClient
) -> None:
    inv, csrf = signed_in("inv")
    tokens.create_token(world.db, "admin", "admin's own script", actor="test")
    created = inv.post("/tokens", data={"csrf_token": csrf, "name": "nightly export", "days": "30"})
    assert created.status_code == 200
    secret = SECRET.search(created.text)
    assert secret and 'id="new-token"' in created.text and "not shown again" in created.text
    assert _me(client, secret.group(0)).json()["username"] == "inv"
    page = inv.get("/tokens").text
    assert "nightly export" in page and secret.group(0) not in page
    assert "admin's own script" not in page.replace("&#39;", "'")  # only one's own
    (record,) = tokens.list_tokens(world.db, "inv")
    assert record.expires_at is not None
    assert inv.post(f"/tokens/{record.id}/revoke", data={"csrf_token": csrf}).status_code == 303
    assert _me(client, secret.group(0)).status_code == 401
    assert [e.action for e in audit.find(world.db, actor="inv", target_id="inv", limit=2)] == [
        "token.revoke",
        "token.create",
    ]
    admins = tokens.list_tokens(world.db, "admin")[0]
    assert inv.post(f"/tokens/{admins.id}/revoke", data={"csrf_token": csrf}).status_code == 403
    assert tokens.list_tokens(world.db, "admin")[0].revoked_at is None


def test_an_admin_manages_everyones_tokens(world: World, signed_in: SignedIn) -> None:
    record, _ = tokens.create_token(world.db, "inv", "inv's importer", actor="test")
    admin, csrf = signed_in("admin")
    page = admin.get("/tokens").text
    assert "importer" in page and 'name="username"' in page
    data = {"csrf_token": csrf, "username": "ana", "name": "analysis notebook", "days": "7"}
    assert admin.post("/tokens", data={**data, "scope": "everything"}).status_code == 422
    made = admin.post("/tokens", data={**data, "scope": "read-write"})
    assert made.status_code == 200 and SECRET.search(made.text) and "read-write" in made.text
    (ana,) = tokens.list_tokens(world.db, "ana")
    assert (ana.name, ana.scope) == ("analysis notebook", "read-write")
    assert admin.post(f"/tokens/{record.id}/revoke", data={"csrf_token": csrf}).status_code == 303
    assert tokens.list_tokens(world.db, "inv")[0].revoked_at is not None
    entry = audit.find(world.db, action="token.revoke")[0]
    assert (entry.actor, entry.target_id) == ("admin", "inv")
    bad = admin.post("/tokens", data={"csrf_token": csrf, "username": "ana", "name": ""})
    assert bad.status_code == 422 and 'role="alert"' in bad.text


# --- Hostile text ---------------------------------------------------------------------------


def test_markup_in_names_and_reasons_renders_inert(world: World, signed_in: SignedIn) -> None:
    users.create_user(world.db, "evil", PASSWORD, "viewer", actor="test", display_name=XSS)
    grants.grant_case(world.db, "test", "evil", world.case_a, f"reason {XSS}")
    grants.restrict_case(world.db, "test", world.case_a, ["evil", "inv"], f"because {XSS}")
    tokens.create_token(world.db, "evil", f"script {XSS}", actor="test")
    admin, csrf = signed_in("admin")
    for path in ("/admin/users", "/access", "/tokens"):
        page = admin.get(path)
        assert page.status_code == 200, path
        _assert_inert(page.text)
    for path, data in [
        ("/access/grants/case", {"grantee": "evil", "case": XSS, "reason": REASON}),
        ("/access/grants/unit", {"grantee": XSS, "unit": UNIT_A, "reason": REASON}),
        ("/tokens", {"username": "evil", "name": XSS * 10}),
        ("/admin/users", {"username": XSS, "password": PASSWORD, "role": "viewer"}),
    ]:
        response = admin.post(path, data={"csrf_token": csrf, **data})
        assert response.status_code in (404, 422), (path, response.text)
        _assert_inert(response.text)


# --- Your own password ----------------------------------------------------------------------


def test_everyone_changes_their_own_password(
    world: World, signed_in: SignedIn, client: TestClient
) -> None:
    inv, csrf = signed_in("inv")
    other, _ = signed_in("inv")  # the same user on another computer
    assert 'href="/account"' in inv.get("/").text
    new = "a fresh long passphrase"
    for data, message in [
        ({"current": "not my password", "password": new, "confirm": new}, "current password"),
        ({"current": PASSWORD, "password": new, "confirm": new + "!"}, "do not match"),
        ({"current": PASSWORD, "password": "short", "confirm": "short"}, "too short"),
    ]:
        refused = inv.post("/account/password", data={"csrf_token": csrf, **data})
        assert refused.status_code == 422 and message in refused.text, data
        assert 'role="alert"' in refused.text and new not in refused.text
    assert inv.post("/account/password", data={"current": PASSWORD}).status_code == 403  # CSRF
    done = inv.post(
        "/account/password",
        data={"csrf_token": csrf, "current": PASSWORD, "password": new, "confirm": new},
    )
    assert done.status_code == 303
    assert "was changed" in inv.get(done.headers["location"]).text  # this session goes on
    assert other.get("/account").status_code == 303  # the other one was signed out
    sign_in(client, "inv", new)
    entry = audit.find(world.db, action="user.update", target_id="inv")[0]
    assert entry.actor == "inv" and entry.details["password"] == "changed"


def test_a_token_never_makes_a_token_wider_than_itself(
    world: World, client: TestClient, token_for: Callable[[str], dict[str, str]]
) -> None:
    _record, narrow = tokens.create_token(world.db, "inv", "reader", actor="test")  # read-only
    headers = {"Authorization": f"Bearer {narrow}"}
    wide = client.post("/tokens", data={"name": "escalate", "scope": "read-write"}, headers=headers)
    assert wide.status_code == 403 and "read-only" in wide.text
    assert [t.name for t in tokens.list_tokens(world.db, "inv")] == ["reader"]
    # Nor even a token as narrow as itself: a fresh one would outlive its own expiry.
    same = client.post("/tokens", data={"name": "another reader"}, headers=headers)
    assert same.status_code == 403 and "changes nothing" in same.text  # refused at the edge
    assert [t.name for t in tokens.list_tokens(world.db, "inv")] == ["reader"]
    with pytest.raises(PermissionDenied):
        tokens.create_token(
            world.db,
            "inv",
            "x",
            actor=tokens.authenticate_token(world.db, narrow),
            scope="read-write",
        )
