"""CLI commands of security: ``user``, ``token``, ``grant``, ``audit`` and ``demo-users``.

Whoever runs these already holds the database, so they act as a trusted operator; the
audit log names them ``cli:<login name>``. (``grant`` and ``audit`` live in ``_access_audit``.)
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from nervecentre.cli._access_audit import (
    UsernameArg,
    audit_app,
    grant_app,
)
from nervecentre.cli._access_audit import operator as _operator
from nervecentre.cli._common import (
    CliTable,
    Col,
    DatabaseOption,
    console,
    database,
    err_console,
    friendly_errors,
)
from nervecentre.store.base import utcnow

user_app = typer.Typer(help="Manage users: add, list, disable, change role or units.")
token_app = typer.Typer(help="API tokens for scripts: create (shown once), list, revoke.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
@friendly_errors
def user_add(
    username: UsernameArg,
    role: Annotated[str, typer.Option(help="admin, supervisor, investigator, analyst or viewer")],
    unit: Annotated[list[str] | None, typer.Option(help="Unit code (repeat for several)")] = None,
    display_name: Annotated[str, typer.Option(help="Full name shown in the app")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    db: DatabaseOption = None,
) -> None:
    """Add a user; the password is asked twice (or read from stdin for scripts).

    Example: nervecentre user add a.patil --role investigator --unit MH-THR-AHTU
    """
    from nervecentre.security.users import create_user

    handle = database(db)
    password = _read_password(password_stdin)
    user = create_user(
        handle,
        username,
        password,
        role,
        actor=_operator(),
        units=unit or [],
        display_name=display_name,
    )
    units = ", ".join(user.unit_codes) or "no units"
    console.print(f"Created {escape(user.username)} ({user.role}; {escape(units)}).")


@user_app.command("list")
@friendly_errors
def user_list(db: DatabaseOption = None) -> None:
    """List users with role, units, state and last login.

    Example: nervecentre user list
    """
    from nervecentre.security.users import list_users

    table = CliTable(
        Col("Username", keep=True), "Name", Col("Role", keep=True), "Units",
        Col("State", keep=True), Col("Last login", keep=True),
    )  # fmt: skip
    now = utcnow()
    for u in list_users(database(db)):
        locked = u.locked_until is not None and u.locked_until > now
        state = "disabled" if not u.active else "locked" if locked else "active"
        last = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"
        table.add_row(
            escape(u.username), escape(u.display_name), u.role, escape(", ".join(u.unit_codes)),
            state, last,
        )  # fmt: skip
    console.print(table)


@user_app.command("disable")
@friendly_errors
def user_disable(username: UsernameArg, db: DatabaseOption = None) -> None:
    """Disable an account: no more sign-ins or token use; its history stays.

    Example: nervecentre user disable a.patil
    """
    from nervecentre.security.users import disable_user

    disable_user(database(db), username, actor=_operator())
    console.print(f"Disabled {escape(username)}.")


@user_app.command("enable")
@friendly_errors
def user_enable(username: UsernameArg, db: DatabaseOption = None) -> None:
    """Enable an account again (also lifts a lockout).

    Example: nervecentre user enable a.patil
    """
    from nervecentre.security.users import enable_user

    enable_user(database(db), username, actor=_operator())
    console.print(f"Enabled {escape(username)}.")


@user_app.command("set-role")
@friendly_errors
def user_set_role(
    username: UsernameArg,
    role: Annotated[str, typer.Argument(help="The new role")],
    db: DatabaseOption = None,
) -> None:
    """Give a user another role.

    Example: nervecentre user set-role a.patil supervisor
    """
    from nervecentre.security.users import set_role

    user = set_role(database(db), username, role, actor=_operator())
    console.print(f"{escape(user.username)} is now {user.role}.")


@user_app.command("set-units")
@friendly_errors
def user_set_units(
    username: UsernameArg,
    units: Annotated[list[str], typer.Argument(help="Unit codes (replace the current ones)")],
    db: DatabaseOption = None,
) -> None:
    """Replace the units a user belongs to (their need-to-know).

    Example: nervecentre user set-units a.patil MH-THR-AHTU MH-THR-SHAHAPUR
    """
    from nervecentre.security.users import set_units

    user = set_units(database(db), username, units, actor=_operator())
    console.print(f"{escape(user.username)}: {escape(', '.join(user.unit_codes))}.")


@user_app.command("password")
@friendly_errors
def user_password(
    username: UsernameArg,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    db: DatabaseOption = None,
) -> None:
    """Reset a user's password (and lift a lockout).

    Example: nervecentre user password a.patil
    """
    from nervecentre.security.users import set_password

    handle = database(db)
    set_password(handle, username, _read_password(password_stdin), actor=_operator())
    console.print(f"Password of {escape(username)} changed.")


@token_app.command("create")
@friendly_errors
def token_create(
    username: UsernameArg,
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'nightly export'")],
    scope: Annotated[
        str | None,
        typer.Option(help="read-only (the default: reads, searches, exports) or read-write"),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days", min=1, help="Expire after this many days (default NERVECENTRE_API_TOKEN_DAYS)"
        ),
    ] = None,
    db: DatabaseOption = None,
) -> None:
    """Create an API token and print it once; only its SHA-256 is kept.

    A token is read-only unless --scope read-write, and never does more than the user's
    role allows; it expires after --days, or NERVECENTRE_API_TOKEN_DAYS (90) days.

    Example: nervecentre token create a.patil --name "nightly export" --days 30
    """
    from nervecentre.security.tokens import create_token

    record, token = create_token(
        database(db), username, name, actor=_operator(), scope=scope, days=days
    )
    until = (
        f"expires {record.expires_at:%Y-%m-%d %H:%M} UTC" if record.expires_at else "never expires"
    )
    err_console.print(
        f"Token {record.id} for {escape(username)} ({record.scope}; {until}); copy it now, it "
        "is not shown again:"
    )
    console.print(token, soft_wrap=True)


@token_app.command("list")
@friendly_errors
def token_list(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens")] = None,
    db: DatabaseOption = None,
) -> None:
    """List API tokens (never their values).

    Example: nervecentre token list a.patil
    """
    from nervecentre.security.tokens import list_tokens, token_state

    table = CliTable(
        Col("Id", keep=True), Col("User", keep=True), "Name", Col("Starts", keep=True),
        Col("Scope", keep=True), Col("Expires", keep=True), Col("Last used", keep=True),
    )  # fmt: skip
    now = utcnow()
    for t in list_tokens(database(db), username):
        state = token_state(t, now=now)
        if state == "revoked":
            expires = f"revoked {t.revoked_at:%Y-%m-%d}"
        else:
            expires = f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "never"
            expires = f"expired {expires}" if state == "expired" else expires
        last = f"{t.last_used_at:%Y-%m-%d}" if t.last_used_at else "never"
        table.add_row(
            str(t.id), escape(t.user.username), escape(t.name), t.prefix + "…", t.scope,
            expires, last,
        )  # fmt: skip
    console.print(table)


@token_app.command("revoke")
@friendly_errors
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Token id (see token list)")],
    db: DatabaseOption = None,
) -> None:
    """Revoke an API token at once.

    Example: nervecentre token revoke 3
    """
    from nervecentre.security.tokens import revoke_token

    revoke_token(database(db), token_id, actor=_operator())
    console.print(f"Token {token_id} revoked.")


def register(app: typer.Typer) -> None:
    """Add the security commands to the app."""
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(grant_app, name="grant")
    app.add_typer(audit_app, name="audit")

    @app.command("demo-users")
    @friendly_errors
    def demo_users(
        seed: Annotated[int | None, typer.Option(help="Demo seed (default the setting)")] = None,
        db: DatabaseOption = None,
    ) -> None:
        """Create one demo account per role and print their passwords (demo only!).

        The passwords derive from the demo seed, so anyone can work them out: never run
        this on a real installation.

        Example: nervecentre demo-users
        """
        from nervecentre.security.demo import create_demo_users

        # Plain lines, not a table: a password must never be wrapped or cut by the terminal.
        console.print("[bold]Demo accounts (synthetic data only):[/]")
        for u in create_demo_users(database(db), seed):
            units = "every unit" if u.role == "admin" else f"{len(u.units)} Thane Rural units"
            console.print(f"  {u.username:<20} {u.password}  ({u.role}; {units})", soft_wrap=True)
        err_console.print("[yellow]Demo passwords are public: never use them in production.[/]")
