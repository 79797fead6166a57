"""CLI commands of the hash engine (``hash``, ``hashset``, ``match``).

Output contracts other tools rely on: ``--json`` prints one JSON object per line on stdout;
progress bars and messages go to stderr. ``match`` exits 0 whether or not files matched.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from nervecentre.cli._common import DatabaseOption, console, database, err_console, friendly_errors

if TYPE_CHECKING:
    from nervecentre.hashing.match import FileResult
    from nervecentre.hashing.sets import ImportReport


class ImportFormat(StrEnum):
    """Formats ``hashset import`` reads."""

    auto = "auto"
    vics = "vics"
    csv = "csv"


class ExportFormat(StrEnum):
    """Formats ``hashset export`` writes."""

    vics = "vics"
    csv = "csv"


PathsArgument = Annotated[
    list[Path],
    typer.Argument(help="Files or directories (walked recursively).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per file per line.")]


def _line(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _progress(total: int, label: str) -> Progress:
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=total < 50 or not err_console.is_terminal,
    )


def _hashed(paths: list[Path], label: str) -> Iterator[Any]:
    """Part A's parallel hashing of every file under ``paths``, with a progress bar."""
    from nervecentre.hashing import hash_many, iter_files

    # A missing or unreadable file is reported in its own result (error), not fatal.
    files = list(iter_files(paths))
    with _progress(len(files), label) as progress:
        task = progress.add_task(label, total=len(files))
        for hashes in hash_many(files):
            yield hashes
            progress.advance(task)


def _short(value: str | None, size: int = 16) -> str:
    return "" if not value else (value if len(value) <= size else value[:size] + "…")


def _print_report(report: ImportReport) -> None:
    console.print(
        f"[bold]{escape(report.hashset)}[/] version {report.version} "
        f"({report.format_version}): {report.entries_read:,} entries read, "
        f"{report.added:,} added, {report.updated:,} updated, {report.unchanged:,} unchanged, "
        f"{report.removed:,} removed, [red]{report.rejected:,} rejected[/]; "
        f"{report.entries_now:,} entries in the set now."
    )
    if report.removals_unknown:
        console.print(f"{report.removals_unknown:,} removal entries named no live entry.")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    if report.rejections:
        console.print(f"First {len(report.rejections)} of {report.rejected:,} rejected entries:")
        for rejection in report.rejections:
            console.print(f"  {escape(str(rejection))}")


def _print_matches(results: list[FileResult]) -> None:
    table = Table(
        "File",
        "Hash set",
        "Entry",
        "Category",
        "Signal",
        "Distance",
        "Variant",
        title="Matches",
        title_justify="left",
    )
    for result in results:
        for m in result.matches:
            table.add_row(
                escape(result.hashes.path),
                escape(m.hashset),
                escape(m.entry),
                "" if m.category is None else str(m.category),
                m.signal,
                str(m.distance),
                m.variant or "",
            )
    if table.row_count:
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add the hash-engine commands to the app."""
    hashset = typer.Typer(
        help="Hash sets: known-material hash lists (Project VIC / VICS JSON, CSV).",
        no_args_is_help=True,
    )
    app.add_typer(hashset, name="hashset")

    @app.command("hash")
    @friendly_errors
    def hash_command(paths: PathsArgument, as_json: JsonOption = False) -> None:
        """Hash files in memory: MD5, SHA-1, SHA-256, and PDQ with its quality for images.

        Nothing is written anywhere and no database is needed.

        Example: [bold]nervecentre hash seized/ photo.jpg --json[/]
        """
        for h in _hashed(paths, "Hashing"):
            if as_json:
                _line(h.to_dict())
                continue
            console.print(
                f"[bold]{escape(h.path)}[/]  {h.media_type or ''}  {h.size:,} bytes", soft_wrap=True
            )
            for label, value in (("md5", h.md5), ("sha1", h.sha1), ("sha256", h.sha256)):
                console.print(f"  {label:<7}{value}", soft_wrap=True)
            if h.pdq:
                console.print(f"  pdq    {h.pdq} (quality {h.quality})", soft_wrap=True)
            if h.error:
                console.print(f"  [red]error[/]  {escape(h.error)}", soft_wrap=True)

    @hashset.command("import")
    @friendly_errors
    def import_command(
        file: Annotated[Path, typer.Argument(help="VICS JSON or CSV hash list.")],
        name: Annotated[str, typer.Option("--name", "-n", help="Hash set to import into.")],
        fmt: Annotated[ImportFormat, typer.Option("--format", "-f", help="File format.")] = (
            ImportFormat.auto
        ),
        source: Annotated[str | None, typer.Option(help="Who supplied the list.")] = None,
        classification: Annotated[
            str | None, typer.Option(help="Handling classification, e.g. 'restricted'.")
        ] = None,
        description: Annotated[str | None, typer.Option(help="What the set is.")] = None,
        issued: Annotated[
            str | None, typer.Option(help="Date the list was issued (YYYY-MM-DD).")
        ] = None,
        replace: Annotated[
            bool, typer.Option(help="The file is the whole set: entries it lacks are removed.")
        ] = False,
        strict: Annotated[bool, typer.Option(help="Import nothing if any entry is bad.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
        db: DatabaseOption = None,
    ) -> None:
        """Import a hash list as the next version of a hash set (created if new).

        Re-importing updates entries (same MediaID/id, else same hash) and never duplicates
        them. The import is one transaction: if it fails, nothing changes.

        Example: [bold]nervecentre hashset import vics.json --name projectvic --source "VIC"[/]
        """
        from nervecentre.errors import InvalidValue
        from nervecentre.hashing.sets import import_hashset

        try:
            issued_on = date.fromisoformat(issued) if issued else None
        except ValueError:
            raise InvalidValue(f"--issued must be a date like 2025-06-30, not {issued!r}") from None
        report = import_hashset(
            database(db),
            file,
            name=name,
            fmt=fmt.value,
            source=source,
            classification=classification,
            description=description,
            issued_on=issued_on,
            replace=replace,
            strict=strict,
        )
        if as_json:
            _line(report.to_dict())
        else:
            _print_report(report)

    @hashset.command("list")
    @friendly_errors
    def list_command(
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per set.")] = False,
        db: DatabaseOption = None,
    ) -> None:
        """List the hash sets with their source, version and live entry count.

        Example: [bold]nervecentre hashset list[/]
        """
        from nervecentre.hashing.sets import list_hashsets

        sets = list_hashsets(database(db))
        if as_json:
            for info in sets:
                _line(info.to_dict())
            return
        table = Table(
            "Name", "Source", "Classification", "Version", "Entries", "Last file", "Updated (UTC)"
        )
        for s in sets:
            table.add_row(
                escape(s.name),
                escape(s.source),
                escape(s.classification),
                str(s.version),
                f"{s.entries:,}",
                escape(s.last_file),
                s.updated_at.strftime("%Y-%m-%d %H:%M"),
            )
        console.print(table if sets else "No hash sets yet: import one with `hashset import`.")

    @hashset.command("show")
    @friendly_errors
    def show_command(
        name: Annotated[str, typer.Argument(help="Hash set.")],
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per version.")] = (
            False
        ),
        db: DatabaseOption = None,
    ) -> None:
        """Show every version (import) of a hash set: its file, and what it changed.

        Example: [bold]nervecentre hashset show projectvic --json[/]
        """
        from nervecentre.hashing.sets import hashset_versions, version_to_dict

        versions = hashset_versions(database(db), name)
        if as_json:
            for v in versions:
                _line(version_to_dict(v))
            return
        table = Table(
            "Version",
            "Imported (UTC)",
            "File",
            "Added",
            "Updated",
            "Removed",
            "Rejected",
            title=escape(name),
            title_justify="left",
        )
        for v in versions:
            table.add_row(
                str(v.number),
                v.imported_at.strftime("%Y-%m-%d %H:%M"),
                escape(v.filename),
                f"{v.added:,}",
                f"{v.updated:,}",
                f"{v.removed:,}",
                f"{v.rejected:,}",
            )
        console.print(table)

    @hashset.command("export")
    @friendly_errors
    def export_command(
        name: Annotated[str, typer.Argument(help="Hash set to export.")],
        fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")],
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
        ] = None,
        include_removed: Annotated[
            bool, typer.Option(help="Also write removed entries, flagged as removed.")
        ] = False,
        db: DatabaseOption = None,
    ) -> None:
        """Export a hash set as VICS 2.0 JSON or CSV (live entries only by default).

        Example: [bold]nervecentre hashset export projectvic --format csv -o projectvic.csv[/]
        """
        from nervecentre.hashing.sets import export_hashset

        count = export_hashset(
            database(db), name, fmt.value, output, include_removed=include_removed
        )
        if output is not None:
            err_console.print(f"{count:,} entries written to {escape(str(output))}")

    @app.command("match")
    @friendly_errors
    def match_command(
        paths: PathsArgument,
        hashsets: Annotated[
            list[str], typer.Option("--hashset", "-s", help="Hash set to match (repeatable).")
        ],
        threshold: Annotated[
            int | None,
            typer.Option(
                min=0,
                max=256,
                help="Largest PDQ distance that counts as a match "
                "(default: the pdq_threshold setting, 31).",
            ),
        ] = None,
        dihedral: Annotated[
            bool, typer.Option(help="Also match the 8 rotations and flips of each image.")
        ] = False,
        as_json: JsonOption = False,
        db: DatabaseOption = None,
    ) -> None:
        """Match files against hash sets by MD5, SHA-1, SHA-256 and PDQ (within --threshold).

        Exits 0 whether or not anything matched; read the output (or --json) for the matches.
        PDQ hashes below the pdq_min_quality setting (50) are not matched: low_quality is true.

        Example: [bold]nervecentre match seized/ --hashset projectvic --json > matches.jsonl[/]
        """
        from nervecentre.hashing.match import Matcher

        matcher = Matcher.from_db(database(db), hashsets, threshold=threshold)
        variants = _variants if dihedral else None
        results: list[FileResult] = []
        counts = {"files": 0, "matched": 0, "low": 0, "errors": 0}
        for result in matcher.results(_hashed(paths, "Matching"), variants=variants):
            counts["files"] += 1
            counts["matched"] += bool(result.matches)
            counts["low"] += result.low_quality
            counts["errors"] += result.hashes.error is not None
            if as_json:
                _line(result.to_dict())
            elif result.matches:
                results.append(result)
        if not as_json:
            _print_matches(results)
            console.print(
                f"{counts['files']:,} files: [bold]{counts['matched']:,} matched[/], "
                f"{counts['low']:,} with a low-quality PDQ (not matched), "
                f"{counts['errors']:,} with errors; {len(matcher):,} entries in "
                f"{', '.join(dict.fromkeys(hashsets))} at PDQ threshold {matcher.threshold}."
            )


def _variants(hashes: Any) -> dict[str, str] | None:
    """The other 7 dihedral PDQ hashes of an image file (decoded again, in memory)."""
    from nervecentre.errors import NervecentreError
    from nervecentre.hashing import dihedral_pdq

    if hashes.pdq is None:
        return None
    try:
        data = Path(hashes.path).read_bytes()
        return {k: v for k, v in dihedral_pdq(data).items() if k != "orig"}
    except (OSError, NervecentreError):
        return None
