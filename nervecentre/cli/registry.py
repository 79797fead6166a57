"""CLI commands of the case registry: init, demo, generate, import, export, summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from nervecentre.cli._common import (
    CliTable,
    Col,
    DatabaseOption,
    console,
    database,
    err_console,
    friendly_errors,
    progress_bar,
)
from nervecentre.settings import Settings, load_settings


def _print_summary(db_url: str | None) -> None:
    from nervecentre import law
    from nervecentre.cases.stats import summarise

    db = database(db_url)
    s = summarise(db)
    s.by_crime_head = [(law.crime_head(code).name, n) for code, n in s.by_crime_head]
    console.print(
        f"[bold]{s.cases:,} cases[/], {s.people:,} person records, "
        f"{s.identifiers:,} distinct identifiers; FIRs {s.first_fir} – {s.last_fir}; "
        f"{s.arrested:,} people arrested."
    )
    for title, rows, cols in (
        ("Cases by status", s.by_status, ("Status", "Cases")),
        ("Cases by district", s.by_district, ("District", "Cases")),
        ("Cases by crime head", s.by_crime_head, ("Crime head", "Cases")),
        ("People by role", s.by_role, ("Role", "Records")),
        ("Victims rescued", s.rescued, ("Age", "Sex", "Victims")),
    ):
        *names, count = cols
        table = CliTable(
            *names,
            Col(count, keep=True, justify="right"),
            title=title,
            title_justify="left",
            show_edge=False,
        )
        for row in rows:
            table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
        console.print(table)


def _import(
    db_url: str | None,
    file: Path,
    mapping: str,
    dry_run: bool,
    rejects: Path | None,
    encoding: str | None,
    as_user: str | None = None,
) -> int:
    from nervecentre.cli._access_audit import operator
    from nervecentre.imports import import_register
    from nervecentre.imports.checking import database_to_check
    from nervecentre.imports.run import count_rows
    from nervecentre.security.roles import require
    from nervecentre.security.users import get_user

    # A dry run neither creates nor upgrades the database: it reads it as it is.
    check = database_to_check(db_url, load_settings()) if dry_run else None
    db = check.db if check else database(db_url)
    user = None
    if as_user is None:
        console.print(
            "Importing with the installation's own authority (every unit, no need-to-know), "
            f"audited as {escape(operator())}."
        )
    else:
        user = get_user(db, as_user)
        require(user, "import.run")
        units = ", ".join(user.unit_codes) or "none"
        console.print(
            f"Importing as {escape(user.username)} ({user.role}; units: {escape(units)}): "
            f"only cases they may create or change are written; audited as them "
            f"(run by {escape(operator())})."
        )
    with progress_bar() as progress:
        task = progress.add_task(f"Importing {file.name}", total=count_rows(file))

        def opened(register: object) -> None:
            total = getattr(register, "total_rows", None)
            if total is not None:
                progress.update(task, total=total)

        try:
            report = import_register(
                db,
                file,
                mapping,
                dry_run=dry_run,
                rejects_path=rejects,
                encoding=encoding,
                actor=operator(),
                user=user,
                on_open=opened,
                progress=lambda n: progress.advance(task, n),
            )
        except KeyboardInterrupt as stopped:
            # What the batches committed before Ctrl-C, and how to finish the import.
            for note in getattr(stopped, "__notes__", ()):
                err_console.print(f"[yellow]{escape(note)}[/]")
            raise
        # The total was an estimate (line breaks in cells, blank rows): end on the true count.
        progress.update(task, total=report.rows_read, completed=report.rows_read)
    verb = "would be" if dry_run else "were"
    console.print(
        f"{report.rows_read:,} rows read: {report.cases_created:,} cases {verb} created, "
        f"{report.cases_updated:,} updated, {report.cases_unchanged:,} unchanged, "
        f"[red]{report.rejected_rows:,} rejected[/]."
    )
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    lost = [c for c in report.ignored_columns if c.matters]
    for column in lost:
        console.print(f"[yellow]warning:[/] {escape(column.message)}")
    empty = [c.name for c in report.ignored_columns if not c.matters]
    if empty:
        console.print(f"Empty columns not in the mapping: {escape(', '.join(empty))}.")
    if report.rejects:
        table = CliTable(
            "Row", "Column", "Value", "Reason", title="Rejected rows", title_justify="left"
        )
        for r in report.rejects[:25]:
            table.add_row(str(r.row), escape(r.column), escape(r.value), escape(r.reason))
        console.print(table)
        if len(report.rejects) > 25:
            console.print(f"… and {len(report.rejects) - 25:,} more.")
    if report.rejects_file:
        console.print(
            f"Rejected rows written to [bold]{escape(str(report.rejects_file))}[/] "
            "(fix them there and import that file)."
        )
    if check is not None:
        if check.note:
            console.print(f"Note: {escape(check.note)}.")
        wrote = "" if check.temporary else "; ".join(report.dry_run_wrote)
        console.print(
            "[bold]Dry run:[/] no case was written"
            + (f"; it wrote {escape(wrote)}." if wrote else ", nor anything else.")
        )
        check.close()
    return report.rejected_rows + len(lost)


def register(app: typer.Typer) -> None:
    """Add the registry commands to the app."""

    @app.command()
    @friendly_errors
    def init(db: DatabaseOption = None) -> None:
        """Create or upgrade the database schema and load reference data (districts, units).

        Safe to run again: it only applies migrations that are missing.
        """
        handle = database(db)
        console.print(f"Database ready at {handle.safe_url}")

    @app.command("import")
    @friendly_errors
    def import_(
        file: Annotated[Path, typer.Argument(help="Register to import: .xlsx, .xls, .ods or .csv")],
        mapping: Annotated[
            str, typer.Option(help="Mapping name (shipped) or path to a mapping YAML file")
        ] = "demo-register",
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Check everything and report, but write nothing")
        ] = False,
        rejects: Annotated[
            Path | None,
            typer.Option(
                help="Where to write rejected rows (default: FILE.rejects.csv beside the file)"
            ),
        ] = None,
        encoding: Annotated[
            str | None, typer.Option(help="Text encoding of a CSV (default UTF-8), e.g. cp1252")
        ] = None,
        strict: Annotated[
            bool,
            typer.Option(
                help="Exit with status 1 when any row was rejected or a column holding data "
                "was not imported"
            ),
        ] = False,
        as_user: Annotated[
            str | None,
            typer.Option(
                "--as",
                metavar="USERNAME",
                help="Import for this user: only cases of their own or granted units, not "
                "restricted, are created or changed (the other rows are rejected); the audit "
                "log names them",
            ),
        ] = None,
        as_installation: Annotated[
            bool,
            typer.Option(
                "--as-installation",
                help="Import with the installation's own authority instead (every unit, "
                "restricted cases too); the audit log names the operator",
            ),
        ] = False,
        db: DatabaseOption = None,
    ) -> None:
        """Import a case register (XLSX or CSV) through a column mapping, for a user.

        Say whose authority it runs under: --as USERNAME (that user's need-to-know) or
        --as-installation (every unit). Every row is validated; rejected rows are listed
        with row, column, value and reason and written to a rejects file. Re-importing the
        same register updates cases instead of duplicating them, and keeps what was added or
        edited by hand in nervecentre (the report lists every case and person whose edited
        fields it kept). Rows are committed in batches: an import that stops keeps what it
        committed, and importing the same register again finishes it. Every case written
        is audited.

        Example: nervecentre import register.xlsx --as a.patil --dry-run
        """
        if (as_user is None) == (not as_installation):
            raise typer.BadParameter(
                "say whose authority the import runs under: --as USERNAME (that user's "
                "need-to-know) or --as-installation (every unit), not both",
                param_hint="--as / --as-installation",
            )
        rejected = _import(db, file, mapping, dry_run, rejects, encoding, as_user)
        if strict and rejected:
            raise typer.Exit(1)

    @app.command()
    @friendly_errors
    def generate(
        out: Annotated[Path, typer.Option(help="Folder to write into")] = Path("synthetic"),
        cases: Annotated[int, typer.Option(min=1, help="How many cases")] = 2000,
        seed: Annotated[int, typer.Option(help="Same seed, same data")] = 1,
        fmt: Annotated[str, typer.Option("--format", help="xlsx or csv")] = "xlsx",
        bad_rows: Annotated[int, typer.Option(min=0, help="Deliberately bad rows to include")] = 0,
    ) -> None:
        """Write a synthetic FIR register and its ground-truth file (no real people).

        The ground truth (true identity and network of every person record) goes to a
        separate file, never into the database.

        Example: nervecentre generate --cases 100000 --format csv --out /tmp/synth
        """
        from nervecentre.synth import SynthConfig, write_dataset

        if fmt not in ("xlsx", "csv"):
            raise typer.BadParameter("--format must be xlsx or csv")
        with progress_bar() as progress:
            task = progress.add_task("Generating", total=cases)
            paths = write_dataset(
                out,
                SynthConfig(cases=cases, seed=seed, bad_rows=bad_rows),
                fmt=fmt,
                progress=lambda n: progress.advance(task, n),
            )
        console.print(f"Register: {paths.register}\nGround truth: {paths.truth}")

    @app.command()
    @friendly_errors
    def demo(
        cases: Annotated[int | None, typer.Option(help="Cases to generate (default 2000)")] = None,
        seed: Annotated[int | None, typer.Option(help="Seed of the synthetic data")] = None,
        db: DatabaseOption = None,
    ) -> None:
        """Set up the database, load the synthetic demo dataset and show what was loaded.

        The demo register (with a few deliberately bad rows) is written to DATA_DIR/demo and
        imported through the same path a real register takes.
        """
        from nervecentre.synth import SynthConfig, write_dataset

        settings: Settings = load_settings()
        config = SynthConfig(
            cases=cases or settings.demo_cases, seed=seed or settings.demo_seed, bad_rows=5
        )
        with progress_bar() as progress:
            task = progress.add_task("Generating demo data", total=config.cases)
            paths = write_dataset(
                settings.data_dir / "demo",
                config,
                fmt="xlsx",
                progress=lambda n: progress.advance(task, n),
            )
        console.print(f"Demo register written to {paths.register}")
        _import(db, paths.register, "demo-register", False, None, None)
        _print_summary(db)

    @app.command()
    @friendly_errors
    def summary(
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
        db: DatabaseOption = None,
    ) -> None:
        """Show headline figures: cases by status, district and crime head, people, rescues."""
        if as_json:
            from nervecentre.cases.stats import summarise

            console.print_json(json.dumps(summarise(database(db)).as_dict()))
        else:
            _print_summary(db)

    @app.command()
    @friendly_errors
    def export(
        fmt: Annotated[str, typer.Argument(help="csv, json or ftm (FollowTheMoney JSON lines)")],
        output: Annotated[
            Path, typer.Option("--output", "-o", help="File (json, ftm) or folder (csv)")
        ],
        db: DatabaseOption = None,
    ) -> None:
        """Export the registry (audited). Victims appear only by their pseudonymous code.

        csv: one file per table in a folder; json: one document; ftm: FollowTheMoney
        entities as JSON lines, to open in Aleph-compatible tools.

        Example: nervecentre export ftm -o cases.ftm.json
        """
        from nervecentre.cli._access_audit import operator
        from nervecentre.exports import run_export

        handle = database(db)
        with progress_bar() as progress:
            task = progress.add_task(f"Exporting {fmt}", total=None)
            stats = run_export(
                handle, fmt, output, actor=operator(), progress=lambda n: progress.advance(task, n)
            )
        console.print(f"Exported {stats} to {output}")

    @app.command()
    def settings() -> None:
        """List every setting, its environment variable, default and meaning."""
        # The default under the name leaves the meaning room to read at 80 columns.
        table = CliTable(Col("Variable\n  default", keep=True), "Meaning", show_lines=True)
        for name, default, help_text in Settings.describe():
            table.add_row(f"{name}\n  {escape(default or '(empty)')}", escape(help_text))
        console.print(table)
