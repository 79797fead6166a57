"""``nervecentre report``: monthly and annual reports as PDF or XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from nervecentre.cli._common import DatabaseOption, console, database, err_console, friendly_errors

HELP = """Monthly and annual reports (NCRB-style tables, charts, a cover) as PDF or XLSX.

The format follows the output file's suffix (.pdf or .xlsx). Figures count the cases \
registered in the period (FIR date), as they stand today. --share makes the version that \
leaves the centre: counts under 11 shown as "<11", with complementary cells hidden ("x") \
so that they cannot be worked out from the totals, and charts only from what the tables show. \
No report names a person.

Examples:

  nervecentre report annual --year 2025 -o annual-2025.pdf

  nervecentre report monthly --month 2026-11 --unit MH-THR-AHTU -o thane-ahtu-nov.xlsx

  nervecentre report monthly --month 2026-11 --unit "Thane Rural AHTU" --share --as sup -o out.pdf
"""

UnitOption = Annotated[
    str | None,
    typer.Option("--unit", help="Owning unit: code (MH-THR-AHTU) or name.", show_default=False),
]
ShareOption = Annotated[
    bool, typer.Option("--share", help="The version for outside: small cells suppressed.")
]
OutOption = Annotated[
    Path, typer.Option("--output", "-o", help="The file to write: .pdf or .xlsx.")
]
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Make it as this user: only the cases they may see (needs report.view; "
        "--share needs report.share). Default: the installation's own authority.",
        show_default=False,
    ),
]


def _run(
    kind: str,
    period: str,
    unit: str | None,
    shared: bool,
    output: Path,
    as_user: str | None,
    db_url: str | None,
) -> None:
    from nervecentre.cli._access_audit import operator
    from nervecentre.errors import InvalidValue
    from nervecentre.reports.render import write
    from nervecentre.reports.report import FORMATS, build_report, record
    from nervecentre.security.users import get_user

    if output.suffix.lower() not in FORMATS:
        raise InvalidValue(
            f"cannot tell the format from {output.name!r}: name the file .pdf or .xlsx",
            kind="output",
        )
    db = database(db_url)
    user = get_user(db, as_user) if as_user else None
    actor = user if user is not None else operator()
    who = user.username if user is not None else "the installation (every case)"
    err_console.print(f"Making the {kind} report {escape(period)} as {escape(who)}.")
    with console.status("computing tables and charts"):
        report = build_report(
            db,
            user,
            kind,
            period,
            unit=unit,
            shared=shared,
            actor=actor if isinstance(actor, str) else None,
        )
        fmt = write(report, output)
    record(db, report, fmt, actor)
    console.print(
        f"{escape(report.title)}: {report.cases:,} cases, {len(report.tables)} tables, "
        f"{len(report.charts)} charts{' (for sharing)' if shared else ''} -> {escape(str(output))}"
    )


def register(app: typer.Typer) -> None:
    """Add the ``report`` command group to ``app``."""
    group = typer.Typer(help=HELP, no_args_is_help=True, rich_markup_mode="rich")
    app.add_typer(group, name="report")

    @group.command("annual", help=HELP)
    @friendly_errors
    def annual(
        year: Annotated[int, typer.Option("--year", help="The year (YYYY).")],
        output: OutOption,
        unit: UnitOption = None,
        share: ShareOption = False,
        as_user: AsOption = None,
        db_url: DatabaseOption = None,
    ) -> None:
        _run("annual", str(year), unit, share, output, as_user, db_url)

    @group.command("monthly", help=HELP)
    @friendly_errors
    def monthly(
        month: Annotated[str, typer.Option("--month", help="The month (YYYY-MM).")],
        output: OutOption,
        unit: UnitOption = None,
        share: ShareOption = False,
        as_user: AsOption = None,
        db_url: DatabaseOption = None,
    ) -> None:
        _run("monthly", month, unit, share, output, as_user, db_url)
