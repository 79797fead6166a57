"""The permission matrix: every role against every permission, and the docs that show it."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervecentre.errors import InvalidValue, PermissionDenied
from nervecentre.security import roles
from nervecentre.security.models import User

# Written out independently of permissions.yaml on purpose: changing who may do what must
# be a deliberate change in two places. Roles: Admin, Supervisor, Investigator, aNalyst, Viewer,
# aUditor.
EXPECTED = {
    "case.view":      "ASINV",
    "case.view_all":  "A",
    "case.create":    "ASI",
    "case.edit":      "ASI",
    "person.view":    "ASINV",
    "person.edit":    "ASI",
    "victim.reveal":  "ASI",
    "import.run":     "ASI",
    "export.run":     "ASIN",
    "audit.view":     "ASU",
    "audit.view_all": "AU",
    "user.manage":    "A",
    "access.grant":   "AS",
    "hashset.manage": "AS",
    "match.run":      "ASIN",
    "report.view":    "ASINVU",
    "report.share":   "AS",
    "resolve.run":    "AS",
    "resolve.decide": "ASIN",
    "crawl.view":     "ASIN",
    "crawl.notice":   "ASI",
    "library.view":   "ASINV",
    "library.add":    "ASIN",
    "scam.view":      "ASINV",
    "scam.import":    "ASIN",
    "chart.save":     "ASIN",
}  # fmt: skip
LETTER = {
    "admin": "A", "supervisor": "S", "investigator": "I", "analyst": "N", "viewer": "V",
    "auditor": "U",
}  # fmt: skip


def _user(role: str, active: bool = True) -> User:
    return User(username=f"u-{role}", role=role, active=active)


def test_the_yaml_declares_exactly_these_roles_and_permissions() -> None:
    assert roles.role_names() == list(LETTER)
    assert set(roles.matrix().permissions) == set(EXPECTED)


@pytest.mark.parametrize("role", list(LETTER))
@pytest.mark.parametrize("permission", list(EXPECTED))
def test_every_role_against_every_permission(role: str, permission: str) -> None:
    expected = LETTER[role] in EXPECTED[permission]
    user = _user(role)
    assert roles.can(user, permission) is expected
    if expected:
        roles.require(user, permission)
    else:
        with pytest.raises(PermissionDenied, match=permission.replace(".", r"\.")):
            roles.require(user, permission)


def test_disabled_users_can_do_nothing() -> None:
    user = _user("admin", active=False)
    assert not any(roles.can(user, p) for p in EXPECTED)
    with pytest.raises(PermissionDenied, match="disabled"):
        roles.require(user, "case.view")


def test_denial_message_is_clear() -> None:
    with pytest.raises(PermissionDenied) as info:
        roles.require(_user("viewer"), "victim.reveal")
    assert str(info.value).startswith("u-viewer (viewer) lacks the victim.reveal permission")
    assert info.value.http_status == 403


def test_unknown_permissions_and_roles_fail_loudly() -> None:
    with pytest.raises(InvalidValue, match="unknown permission"):
        roles.can(_user("admin"), "case.veiw")
    with pytest.raises(InvalidValue, match="unknown role 'root'"):
        roles.check_role("root")


def test_docs_show_the_matrix_from_the_yaml() -> None:
    doc = (
        Path(__file__)
        .resolve()
        .parents[2]
        .joinpath("docs", "security.md")
        .read_text(encoding="utf-8")
    )
    assert roles.render_markdown() in doc, "regenerate the matrix in docs/security.md"
