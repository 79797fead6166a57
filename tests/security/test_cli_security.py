"""The security CLI through its runner: users, tokens, grants, audit, demo users."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from nervecentre.cli.main import app
from nervecentre.security import audit, tokens, users
from nervecentre.security.demo import demo_password
from nervecentre.security.roles import role_names
from nervecentre.store.db import Database
from tests.security.conftest import PASSWORD, UNIT_A, World, attacker

runner = CliRunner()
COMMANDS = [
    ["user", "add"], ["user", "list"], ["user", "disable"], ["user", "enable"],
    ["user", "set-role"], ["user", "set-units"], ["user", "password"],
    ["token", "create"], ["token", "list"], ["token", "revoke"],
    ["grant", "case"], ["grant", "unit"], ["grant", "list"], ["grant", "revoke"],
    ["grant", "restrict"], ["grant", "unrestrict"],
    ["audit", "verify"], ["audit", "tail"], ["audit", "checkpoint"], ["demo-users"],
]  # fmt: skip


def _env(db: Database) -> dict[str, str]:
    return {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and "Usage" in result.output


def test_user_lifecycle(db: Database) -> None:
    env = _env(db)
    add = runner.invoke(
        app,
        ["user", "add", "a.patil", "--role", "investigator", "--unit", UNIT_A,
         "--display-name", "A. Patil", "--password-stdin"],
        input=PASSWORD + "\n", env=env,
    )  # fmt: skip
    assert add.exit_code == 0, add.output
    assert "Created a.patil (investigator; MH-THR-SHAHAPUR)" in add.output
    assert users.authenticate(db, "a.patil", PASSWORD).display_name == "A. Patil"
    prompted = runner.invoke(
        app, ["user", "add", "b.more", "--role", "viewer"],
        input="another passphrase\nanother passphrase\n", env=env,
    )  # fmt: skip
    assert prompted.exit_code == 0, prompted.output
    listing = runner.invoke(app, ["user", "list"], env=env)
    assert "a.patil" in listing.output and "b.more" in listing.output
    assert runner.invoke(app, ["user", "set-role", "a.patil", "supervisor"], env=env).exit_code == 0
    assert users.get_user(db, "a.patil").role == "supervisor"
    assert runner.invoke(app, ["user", "disable", "b.more"], env=env).exit_code == 0
    assert not users.get_user(db, "b.more").active
    entry = audit.tail(db, 1)[0]
    assert entry.action == "user.disable" and entry.actor.startswith("cli")


@pytest.mark.parametrize(
    ("args", "stdin", "message", "code"),
    [
        (
            ["user", "add", "c.d", "--role", "viewer", "--password-stdin"],
            "short\n",
            "too short",
            65,
        ),
        (
            ["user", "add", "c.d", "--role", "king", "--password-stdin"],
            PASSWORD,
            "unknown role",
            65,
        ),
        (["user", "disable", "ghost"], "", "no user named", 69),
        (["grant", "case", "ghost", "1", "--reason", "a good reason"], "", "no case '1'", 69),
        (["grant", "unit", "ghost", UNIT_A, "--reason", "a good reason"], "", "no user", 69),
        (["audit", "verify", "--expect", "nonsense"], "", "ENTRY_ID:HASH", 65),
    ],
)
def test_errors_are_one_clear_line(
    db: Database, args: list[str], stdin: str, message: str, code: int
) -> None:
    result = runner.invoke(app, args, input=stdin, env=_env(db))
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output


def test_token_create_prints_it_once_and_revoke(world: World) -> None:
    env = _env(world.db)
    made = runner.invoke(
        app, ["token", "create", "ana", "--name", "nightly", "--days", "30"], env=env
    )
    assert made.exit_code == 0, made.output
    token = next(w for w in made.stdout.split() if w.startswith(tokens.TOKEN_PREFIX))
    assert tokens.authenticate_token(world.db, token).username == "ana"
    expires = tokens.list_tokens(world.db, "ana")[0].expires_at
    assert expires is not None and f"read-only; expires {expires:%Y-%m-%d}" in made.stderr
    listing = runner.invoke(app, ["token", "list"], env=env)
    assert "nightly" in listing.output and token not in listing.output
    assert "read-only" in listing.output and f"{expires:%Y-%m-%d}" in listing.output
    writer = runner.invoke(
        app, ["token", "create", "ana", "--name", "sync", "--scope", "read-write"], env=env
    )
    assert writer.exit_code == 0 and "read-write; expires" in writer.stderr, writer.output
    wrong = runner.invoke(app, ["token", "create", "ana", "--name", "x", "--scope", "all"], env=env)
    assert wrong.exit_code != 0 and "read-only, read-write" in wrong.output
    token_id = tokens.list_tokens(world.db, "ana")[-1].id
    assert runner.invoke(app, ["token", "revoke", str(token_id)], env=env).exit_code == 0
    with pytest.raises(users.AuthenticationFailed):
        tokens.authenticate_token(world.db, token)


def test_grants_and_restrictions(world: World) -> None:
    env = _env(world.db)
    from nervecentre.security.access import can_view_case

    inv = world.users["inv"]
    case = runner.invoke(
        app, ["grant", "case", "inv", str(world.case_b), "-r", "joint probe in Boisar"], env=env
    )
    assert case.exit_code == 0, case.output
    assert can_view_case(world.db, inv, world.case_b)
    listing = runner.invoke(app, ["grant", "list", "inv"], env=env)
    assert "joint probe" in listing.output
    revoke = runner.invoke(app, ["grant", "revoke", "1", "-r", "done"], env=env)
    assert revoke.exit_code == 0 and not can_view_case(world.db, inv, world.case_b)
    unit = runner.invoke(
        app, ["grant", "unit", "ana", "mh-pal-boisar", "-r", "covering leave"], env=env
    )
    assert unit.exit_code == 0 and can_view_case(world.db, world.users["ana"], world.case_b)
    key = "MH-THR-SHAHAPUR/2023/1"
    restrict = runner.invoke(
        app, ["grant", "restrict", key, "-u", "sup", "-r", "accused is staff"], env=env
    )
    assert restrict.exit_code == 0, restrict.output
    assert not can_view_case(world.db, inv, world.case_a)
    lift = runner.invoke(app, ["grant", "unrestrict", key, "-r", "inquiry closed now"], env=env)
    assert lift.exit_code == 0 and can_view_case(world.db, inv, world.case_a)


def test_audit_verify_tail_and_checkpoint(world: World) -> None:
    env = _env(world.db)
    written = len(audit.find(world.db, limit=1000))
    ok = runner.invoke(app, ["audit", "verify"], env=env)
    assert ok.exit_code == 0 and f"Audit log intact: {written} entries" in ok.output
    tail = runner.invoke(app, ["audit", "tail", "-n", "3"], env=env)
    assert tail.exit_code == 0 and "user.create" in tail.output and "inv-b" in tail.output
    point = runner.invoke(app, ["audit", "checkpoint"], env=env)
    # The head is the tail's own read (audited), one past what verify saw.
    assert point.exit_code == 0 and point.stdout.strip().startswith(f"{written + 1}:")
    expect = point.stdout.strip()
    assert runner.invoke(app, ["audit", "verify", "--expect", expect], env=env).exit_code == 0
    with attacker(world.db) as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone' WHERE id = 3"))
    bad = runner.invoke(app, ["audit", "verify"], env=env)
    assert bad.exit_code == 1
    assert "damaged at entry 3" in bad.output and "altered" in bad.output


def test_demo_users_one_per_role(db: Database) -> None:
    result = runner.invoke(app, ["demo-users"], env=_env(db))
    assert result.exit_code == 0, result.output
    assert "never use them in production" in result.output
    for role in role_names():
        password = demo_password(db.settings.demo_seed, f"demo-{role}")
        assert password in result.output
        assert users.authenticate(db, f"demo-{role}", password).role == role
    again = runner.invoke(app, ["demo-users"], env=_env(db))  # idempotent
    assert again.exit_code == 0 and len(users.list_users(db)) == len(role_names())
    assert (
        users.get_user(db, "demo-viewer").unit_codes
        and not users.get_user(db, "demo-admin").unit_codes
    )
