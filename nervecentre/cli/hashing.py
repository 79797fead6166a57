"""CLI commands of the hash engine (``hash``, ``hashset``, ``match``).

Output contracts other tools rely on: ``--json`` prints one JSON object per line on stdout;
progress bars and messages go to stderr. ``hash`` and ``match`` exit 0 when every input was
read (whether or not files matched) and 66 when some could not be: each is named on stderr.
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

from nervecentre.cli._common import (
    UNREADABLE_EXIT,
    CliTable,
    Col,
    DatabaseOption,
    console,
    database,
    err_console,
    friendly_errors,
)

if TYPE_CHECKING:
    from nervecentre.hashing.digest import FileHashes
    from nervecentre.hashing.match import FileResult, Hashes
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


EXIT_HELP = (
    "Exit status: 0 when every input was read, {what}; "
    f"{UNREADABLE_EXIT} when some could not be read (each is named on stderr with the reason, "
    "the others are still {done}); 2 for a usage error."
)


class _Reads:
    """Counts the inputs that could not be read, naming each on stderr as it comes."""

    def __init__(self) -> None:
        self.total = 0
        self.failed = 0

    def check(self, hashes: Hashes) -> bool:
        """Count one result; True when it was read."""
        from nervecentre.hashing.walk import unread

        self.total += 1
        if not unread(hashes):
            return True
        self.failed += 1
        err_console.print(
            f"[bold red]error:[/] {escape(hashes.path)}: {escape(hashes.error or '')}",
            soft_wrap=True,
        )
        return False

    def finish(self) -> None:
        """Exit with the unreadable-input status when anything could not be read."""
        if self.failed:
            err_console.print(
                f"[bold red]error:[/] {self.failed:,} of {self.total:,} inputs could not be read."
            )
            raise typer.Exit(UNREADABLE_EXIT)


def _hashed(paths: list[Path], label: str) -> Iterator[FileHashes]:
    """Part A's parallel hashing of every file under ``paths``, with a progress bar."""
    from nervecentre.hashing.walk import hash_inputs, walk_inputs

    # A missing or unreadable file or folder comes as its own result (error), not fatal.
    items = walk_inputs(paths)
    with _progress(len(items), label) as progress:
        task = progress.add_task(label, total=len(items))
        for hashes in hash_inputs(items):
            yield hashes
            progress.advance(task)


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
    table = CliTable(
        "File",
        Col("Hash set", keep=True),
        Col("Entry", keep=True),
        Col("Category", keep=True, justify="right"),
        Col("Signal", keep=True),
        Col("Distance", keep=True, justify="right"),
        Col("Variant", keep=True),
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

    @app.command("hash", epilog=EXIT_HELP.format(what="even with image problems", done="hashed"))
    @friendly_errors
    def hash_command(paths: PathsArgument, as_json: JsonOption = False) -> None:
        """Hash files in memory: MD5, SHA-1, SHA-256, and PDQ with its quality for images.

        Nothing is written anywhere and no database is needed. --json prints a line
        for every input, an unreadable one too (empty digests, the reason in error).

        Example: [bold]nervecentre hash seized/ photo.jpg --json[/]
        """
        reads = _Reads()
        for h in _hashed(paths, "Hashing"):
            read = reads.check(h)
            if as_json:
                _line(h.to_dict())
                continue
            if not read:
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
        reads.finish()

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
        table = CliTable(
            Col("Name", keep=True),
            "Source",
            "Classification",
            Col("Version", keep=True, justify="right"),
            Col("Entries", keep=True, justify="right"),
            "Last file",
            Col("Updated (UTC)", keep=True),
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
        table = CliTable(
            Col("Version", keep=True, justify="right"),
            Col("Imported (UTC)", keep=True),
            "File",
            Col("Added", keep=True, justify="right"),
            Col("Updated", keep=True, justify="right"),
            Col("Removed", keep=True, justify="right"),
            Col("Rejected", keep=True, justify="right"),
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

    @app.command(
        "match", epilog=EXIT_HELP.format(what="whether or not anything matched", done="matched")
    )
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

        Read the output (or --json) for the matches. PDQ hashes below the
        pdq_min_quality setting (50) are not matched: low_quality is true. --json prints
        a line for every input, an unreadable one too (empty digests, the reason in error).

        Example: [bold]nervecentre match seized/ --hashset projectvic --json > matches.jsonl[/]
        """
        from nervecentre.hashing.match import Matcher

        matcher = Matcher.from_db(database(db), hashsets, threshold=threshold)
        variants = _variants if dihedral else None
        results: list[FileResult] = []
        reads = _Reads()
        counts = {"matched": 0, "low": 0, "other": 0}
        hashed = _hashed(paths, "Matching")
        for result in matcher.results(hashed, variants=variants, exact=_exact):
            read = reads.check(result.hashes)
            counts["matched"] += bool(result.matches)
            counts["low"] += result.low_quality
            counts["other"] += read and result.hashes.error is not None
            if as_json:
                _line(result.to_dict())
            elif result.matches:
                results.append(result)
        if not as_json:
            _print_matches(results)
            console.print(
                f"{reads.total:,} files: [bold]{counts['matched']:,} matched[/], "
                f"{counts['low']:,} with a low-quality PDQ (not matched), "
                f"{counts['other']:,} without a PDQ (not a decodable image: exact hashes only), "
                f"[red]{reads.failed:,} could not be read[/]; {len(matcher):,} entries in "
                f"{escape(', '.join(dict.fromkeys(hashsets)))} at PDQ threshold "
                f"{matcher.threshold}."
            )
        reads.finish()


def _exact(hashes: Any) -> Any:
    """The reference's PDQ of a file whose estimate lies near the threshold: the file is read
    again and decoded whole; kept as it was if it changed meanwhile or cannot be read."""
    from nervecentre.hashing.digest import hash_file

    again = hash_file(hashes.path, exact=True)
    return again if again.error is None and again.sha256 == hashes.sha256 else hashes


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
