"""CLI commands of need-to-know and the audit log: ``grant …`` and ``audit …``.

Registered by :mod:`nervecentre.cli.security`; split out only to keep modules small.
"""

from __future__ import annotations

import getpass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy import select

from nervecentre.cli._common import (
    CliTable,
    Col,
    DatabaseOption,
    console,
    database,
    err_console,
    friendly_errors,
)
from nervecentre.errors import NotFound
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database

grant_app = typer.Typer(help="Need-to-know: grant a case or unit, revoke, restrict cases.")
audit_app = typer.Typer(help="The tamper-evident audit log: verify the chain, show entries.")

UsernameArg = Annotated[str, typer.Argument(help="Username, e.g. a.patil")]
ReasonOption = Annotated[
    str, typer.Option("--reason", "-r", help="Why (at least 10 characters; it is audited)")
]
DaysOption = Annotated[
    int | None, typer.Option("--days", min=1, help="Expire after this many days (default never)")
]


def operator() -> str:
    """The audit name of whoever runs the command: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


def _case_id(db: Database, case: str) -> int:
    from nervecentre.cases.models import Case

    with db.session() as session:
        query = select(Case.id).where(
            Case.id == int(case) if case.isdigit() else Case.case_key == case
        )
        found = session.scalar(query)
    if found is None:
        raise NotFound(f"no case {case!r} (give its id or its case key)")
    return int(found)


@grant_app.command("case")
@friendly_errors
def grant_case(
    username: UsernameArg,
    case: Annotated[str, typer.Argument(help="Case id or case key")],
    reason: ReasonOption,
    days: DaysOption = None,
    db: DatabaseOption = None,
) -> None:
    """Let a user see one case outside their units.

    Example: nervecentre grant case a.patil 4711 --reason "joint probe with Palghar" --days 30
    """
    from nervecentre.security.grants import grant_case as grant

    handle = database(db)
    expires = utcnow() + timedelta(days=days) if days else None
    made = grant(handle, operator(), username, _case_id(handle, case), reason, expires_at=expires)
    console.print(f"Grant {made.id}: {escape(username)} may see case {made.case_id}.")


@grant_app.command("unit")
@friendly_errors
def grant_unit(
    username: UsernameArg,
    unit: Annotated[str, typer.Argument(help="Unit code, e.g. MH-PAL-AHTU")],
    reason: ReasonOption,
    days: DaysOption = None,
    db: DatabaseOption = None,
) -> None:
    """Let a user see every case of another unit.

    Example: nervecentre grant unit a.patil MH-PAL-AHTU --reason "covering leave" --days 14
    """
    from nervecentre.security.grants import grant_unit as grant

    expires = utcnow() + timedelta(days=days) if days else None
    made = grant(database(db), operator(), username, unit, reason, expires_at=expires)
    console.print(f"Grant {made.id}: {escape(username)} may see cases of {made.unit_code}.")


@grant_app.command("list")
@friendly_errors
def grant_list(
    username: Annotated[str | None, typer.Argument(help="Only this user's grants")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include revoked and expired")] = False,
    db: DatabaseOption = None,
) -> None:
    """List access grants (live ones unless --all).

    Example: nervecentre grant list a.patil
    """
    from nervecentre.security.grants import list_grants

    table = CliTable(
        Col("Id", keep=True), Col("User", keep=True), "Access to", Col("By", keep=True),
        "Reason", Col("Expires", keep=True), Col("Revoked", keep=True),
    )  # fmt: skip
    for g in list_grants(database(db), username, active_only=not all_):
        target = f"case {g.case_id}" if g.case_id else f"unit {g.unit_code}"
        table.add_row(
            str(g.id), escape(g.grantee.username), target, escape(g.granted_by),
            escape(g.reason), f"{g.expires_at:%Y-%m-%d}" if g.expires_at else "never",
            f"{g.revoked_at:%Y-%m-%d}" if g.revoked_at else "",
        )  # fmt: skip
    console.print(table)


@grant_app.command("revoke")
@friendly_errors
def grant_revoke(
    grant_id: Annotated[int, typer.Argument(help="Grant id (see grant list)")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why (audited)")] = "",
    db: DatabaseOption = None,
) -> None:
    """End a grant now.

    Example: nervecentre grant revoke 12 --reason "probe closed"
    """
    from nervecentre.security.grants import revoke_grant

    revoke_grant(database(db), operator(), grant_id, reason)
    console.print(f"Grant {grant_id} revoked.")


@grant_app.command("restrict")
@friendly_errors
def grant_restrict(
    case: Annotated[str, typer.Argument(help="Case id or case key")],
    user: Annotated[list[str], typer.Option("--user", "-u", help="A user who may see it")],
    reason: ReasonOption,
    db: DatabaseOption = None,
) -> None:
    """Restrict a case to the named users (and admins), whatever their units or grants.

    Example: nervecentre grant restrict 4711 -u a.patil -u s.more --reason "accused is staff"
    """
    from nervecentre.security.grants import restrict_case

    handle = database(db)
    names = restrict_case(handle, operator(), _case_id(handle, case), user, reason)
    console.print(f"Case {escape(case)} restricted to {escape(', '.join(names))} and admins.")


@grant_app.command("unrestrict")
@friendly_errors
def grant_unrestrict(
    case: Annotated[str, typer.Argument(help="Case id or case key")],
    reason: ReasonOption,
    db: DatabaseOption = None,
) -> None:
    """Lift a case's restriction.

    Example: nervecentre grant unrestrict 4711 --reason "departmental inquiry closed"
    """
    from nervecentre.security.grants import unrestrict_case

    handle = database(db)
    unrestrict_case(handle, operator(), _case_id(handle, case), reason)
    console.print(f"Case {escape(case)} is no longer restricted.")


@audit_app.command("verify")
@friendly_errors
def audit_verify(
    expect: Annotated[
        str | None,
        typer.Option(help="ENTRY_ID:HASH[:MAC] kept offline (as `audit checkpoint` printed it)"),
    ] = None,
    checkpoints: Annotated[
        Path | None,
        typer.Option(help="Checkpoint file to check against (default: the configured one)"),
    ] = None,
    db: DatabaseOption = None,
) -> None:
    """Verify the hash chain against the checkpoints; exit 1 listing every entry altered,
    deleted, reordered, put beyond the head, back-dated or cut off.

    Example: nervecentre audit verify --expect 1042:9f86d08…
    """
    from nervecentre.security.audit_checkpoint import parse_line
    from nervecentre.security.audit_verify import verify

    handle = database(db)
    expected = parse_line(handle.settings, expect) if expect is not None else None
    result = verify(handle, expect=expected, checkpoints=checkpoints)
    if not result.ok:
        where = f"at entry {result.first_bad_id}" if result.first_bad_id else "in its checkpoints"
        err_console.print(
            f"[bold red]audit log damaged {where}:[/] {escape(result.problem)} "
            f"({result.entries_checked:,} entries before it are intact)"
        )
        for problem in result.problems[1:]:
            err_console.print(f"  also: {escape(problem.text)}")
        if result.more_problems:
            err_console.print(f"  and {result.more_problems:,} more problems")
        raise typer.Exit(1)
    file = Path(result.checkpoint_file)
    console.print(
        f"Audit log intact: {result.entries_checked:,} entries, "
        f"{result.anchors_checked:,} checkpoints agree. Head:"
    )
    console.print(f"{result.last_id}:{result.last_hash}", soft_wrap=True)
    if not file.exists():
        err_console.print(
            f"No checkpoint file at {escape(str(file))} yet: without one a cut-off tail goes "
            "unseen. Run `nervecentre audit checkpoint` regularly (e.g. daily from cron)."
        )


@audit_app.command("tail")
@friendly_errors
def audit_tail(
    lines: Annotated[int, typer.Option("-n", "--lines", min=1, help="How many entries")] = 20,
    actor: Annotated[str, typer.Option(help="Only this user's entries")] = "",
    action: Annotated[str, typer.Option(help="Only this action, e.g. victim.reveal")] = "",
    since: Annotated[str, typer.Option(help="From this day, YYYY-MM-DD (UTC)")] = "",
    until: Annotated[str, typer.Option(help="To this day, YYYY-MM-DD (UTC)")] = "",
    text: Annotated[str, typer.Option(help="Text in the user, target or detail")] = "",
    db: DatabaseOption = None,
) -> None:
    """Show the newest audit entries, oldest first (the read is audited).

    Example: nervecentre audit tail -n 50 --action victim.reveal --since 2026-12-01
    """
    from nervecentre.security.audit_view import AuditFilter, read_log

    filters = AuditFilter.parse(actor=actor, action=action, since=since, until=until, text=text)
    table = CliTable(
        *(Col(name, keep=name in ("Id", "At (UTC)", "Action"))
          for name in ("Id", "At (UTC)", "Actor", "Action", "Target", "Detail", "IP")),
    )  # fmt: skip
    for e in reversed(read_log(database(db), operator(), filters, limit=lines)):
        target = f"{e.target_type} {e.target_id}".strip()
        table.add_row(
            str(e.id), f"{e.at:%Y-%m-%d %H:%M:%S}", escape(e.actor), e.action, escape(target),
            escape(e.detail_text), escape(e.ip or ""),
        )  # fmt: skip
    console.print(table)


@audit_app.command("checkpoint")
@friendly_errors
def audit_checkpoint(db: DatabaseOption = None) -> None:
    """Record the chain head, sign it, append it to the checkpoint file and print it.

    `audit verify` checks the file by default; keep the printed line offline as well
    (register book, write-once media): `audit verify --expect LINE` checks against it.

    Example: nervecentre audit checkpoint | lp
    """
    from nervecentre.security.audit_checkpoint import checkpoint

    made = checkpoint(database(db), operator())
    console.print(made.line, soft_wrap=True)
    err_console.print(f"Written to {escape(str(made.file))}.")
