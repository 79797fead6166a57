"""CLI of Arachnid's loop: ``crawl networks``, ``crawl leads``, ``crawl recheck``, ``crawl notice``
and ``nervecentre worker`` (re-checks on a schedule, until stopped)."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from nervecentre.cli._common import DatabaseOption, console, database, err_console, friendly_errors


def _line(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _recheck(db: Any, hours: float, as_json: bool) -> dict[str, int]:
    from nervecentre.cli._access_audit import operator
    from nervecentre.crawler.recheck import Outcome, recheck

    def show(result: Outcome) -> None:
        if as_json:
            _line(result.to_dict())
        elif result.outcome != "present":
            colour = "green" if result.outcome == "removed" else "yellow"
            console.print(
                f"finding {result.finding_id}: [{colour}]{result.outcome}[/] "
                f"({escape(result.detail)})"
            )

    counts = recheck(db, actor=operator(), interval=timedelta(hours=hours), emit=show)
    if as_json:
        _line({"type": "summary", **counts})
    else:
        console.print(
            f"{counts['checked']:,} findings checked: {counts['present']:,} still served, "
            f"[green]{counts['removed']:,} removed[/], {counts['unreachable']:,} unreachable."
        )
    return counts


HoursOption = Annotated[
    float,
    typer.Option(
        "--every", min=0, help="Hours between two checks of one finding (0: check all now)."
    ),
]


def register(crawl_app: typer.Typer, app: typer.Typer) -> None:
    """Add the leads, notice and re-check commands (and ``worker``)."""

    @crawl_app.command("networks")
    @friendly_errors
    def networks_command(
        path: Annotated[Path, typer.Argument(help="iptoasn TSV, or CSV of networks.")],
        name: Annotated[str, typer.Option("--name", "-n", help="Dataset name.")] = "default",
        db: DatabaseOption = None,
    ) -> None:
        """Import who runs which IP ranges (offline), to group findings by provider.

        Formats: iptoasn.com's ip2asn-combined.tsv (range_start, range_end, AS number,
        country, AS description), or a CSV with a header: network (CIDR) or first,last;
        provider; and optionally asn, country, region (an Indian state), abuse_contact.
        Importing a dataset again replaces it. A bad line stops with its number; nothing
        is written.

        Example: [bold]nervecentre crawl networks ip2asn-combined.tsv --name iptoasn[/]
        """
        from nervecentre.cli._access_audit import operator
        from nervecentre.crawler.networks import import_blocks

        count = import_blocks(database(db), path, dataset=name, actor=operator())
        console.print(f"{count:,} network ranges imported as [bold]{escape(name)}[/].")

    @crawl_app.command("leads")
    @friendly_errors
    def leads_command(
        by: Annotated[
            str, typer.Option("--by", help="Group by provider, host or country.")
        ] = "provider",
        as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
        db: DatabaseOption = None,
    ) -> None:
        """Findings grouped by the party responsible, the host or the jurisdiction.

        Each group: findings, how many are still served and removed, the hosts, the first
        finding and the median hours to removal (from the notice sent, else the finding).
        Providers come from `crawl networks`.

        Example: [bold]nervecentre crawl leads --by country --json[/]
        """
        from nervecentre.crawler.leads import GROUPINGS, leads
        from nervecentre.errors import InvalidValue

        if by not in GROUPINGS:
            raise InvalidValue(f"--by must be one of {', '.join(GROUPINGS)}, not {by!r}")
        groups = [g.to_dict() for g in leads(database(db), by)]
        if as_json:
            for group in groups:
                _line({"type": "lead", "by": by, **group})
            return
        table = Table(title=f"Findings by {by}")
        for column in (by, "findings", "still served", "removed", "median h to removal"):
            table.add_column(column, justify="left" if column == by else "right")
        for g in groups:
            median = g["median_hours_to_removal"]
            table.add_row(
                escape(g["key"]),
                str(g["findings"]),
                str(g["still_served"]),
                str(g["removed"]),
                "-" if median is None else f"{median:g}",
            )
        console.print(table if groups else "No findings yet: run nervecentre crawl first.")

    @crawl_app.command("recheck")
    @friendly_errors
    def recheck_command(
        every: HoursOption = 24.0,
        as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
        db: DatabaseOption = None,
    ) -> None:
        """Check again every finding not yet removed whose last check is older than --every.

        Fetches each media URL, hashes what is served in memory (nothing is kept) and
        records present, removed (404/410/451, or other content) or unreachable; three
        unreachable checks in a row count as a removal, dated to the first. With --json,
        one line per check and a summary last.

        Example: [bold]nervecentre crawl recheck --every 24 --json[/]
        """
        _recheck(database(db), every, as_json)

    @crawl_app.command("notice")
    @friendly_errors
    def notice_command(
        provider: Annotated[str, typer.Argument(help="Provider, as `crawl leads` names it.")],
        output: Annotated[
            Path | None, typer.Option("-o", "--output", help="Write the notice to this file.")
        ] = None,
        unit: Annotated[str, typer.Option(help="Who the notice is from.")] = "the cyber crime unit",
        sent: Annotated[
            int | None, typer.Option("--sent", help="Record notice N as sent (now) instead.")
        ] = None,
        db: DatabaseOption = None,
    ) -> None:
        """Make a takedown notice for a provider's findings still served, or record one sent.

        The notice (plain text) lists URLs, pages, servers, first-found times and SHA-256
        of each finding, never the material; it is kept with its hash. Marking it sent
        starts the clock of the time to removal.

        An output file named *.pdf gets the notice as PDF (its text and the text's SHA-256).

        Example: [bold]nervecentre crawl notice "Example Hosting" -o notice.txt[/] (or
        notice.pdf), then [bold]nervecentre crawl notice "Example Hosting" --sent 1[/]
        """
        from nervecentre.cli._access_audit import operator
        from nervecentre.crawler.notices import make_notice, mark_sent

        db_ = database(db)
        if sent is not None:
            done = mark_sent(db_, sent, actor=operator())
            console.print(f"Notice {done.id} to {escape(done.provider)} recorded as sent.")
            return
        notice = make_notice(db_, provider, actor=operator(), unit=unit)
        if output is None:
            sys.stdout.write(notice.text)
        elif output.suffix.lower() == ".pdf":
            from nervecentre.crawler.evidence_report import notice_export

            output.write_bytes(notice_export(db_, notice.id).content)
            err_console.print(f"Notice {notice.id} written to {escape(str(output))} (PDF).")
        else:
            output.write_text(notice.text, encoding="utf-8")
            err_console.print(f"Notice {notice.id} written to {escape(str(output))}.")
        err_console.print(
            f"notice {notice.id}, SHA-256 {notice.sha256}; record it sent with --sent {notice.id}"
        )

    @crawl_app.command("report")
    @friendly_errors
    def report_command(
        output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
        finding: Annotated[
            int | None, typer.Option("--finding", help="The report of this finding.")
        ] = None,
        host: Annotated[
            str | None, typer.Option("--host", help="The report of every finding on this host.")
        ] = None,
        notice: Annotated[
            int | None, typer.Option("--notice", help="Notice N (as made) as PDF instead.")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="pdf or json.")] = "pdf",
        db: DatabaseOption = None,
    ) -> None:
        """Export an evidence report (per finding or per host) as PDF or JSON, or a notice
        as PDF; prints the file's SHA-256. Reports are audited with it.

        Example: [bold]nervecentre crawl report --host 127.0.0.1:8300 -o host.pdf[/]
        """
        from nervecentre.cli._access_audit import operator
        from nervecentre.crawler.evidence_report import evidence_report, notice_export
        from nervecentre.errors import InvalidValue

        if [finding, host, notice].count(None) != 2:
            raise InvalidValue("give one of --finding, --host or --notice")
        if fmt not in ("pdf", "json"):
            raise InvalidValue("--format is pdf or json", kind="format", value=fmt)
        db_ = database(db)
        if notice is not None:
            made = notice_export(db_, notice)
        else:
            made = evidence_report(db_, actor=operator(), fmt=fmt, finding_id=finding, host=host)
        output.write_bytes(made.content)
        err_console.print(f"{escape(str(output))}: SHA-256 {made.sha256}")

    @app.command("worker")
    @friendly_errors
    def worker_command(
        every: HoursOption = 24.0,
        poll: Annotated[
            float, typer.Option("--poll", min=1, help="Seconds between two looks for due work.")
        ] = 300.0,
        once: Annotated[
            bool, typer.Option("--once", help="Do the due work once, then stop.")
        ] = False,
        db: DatabaseOption = None,
    ) -> None:
        """Run the Crawler's background work until stopped: scheduled crawls (and those a
        stopped worker left running), and re-checks of findings.

        Everything it needs is in the database, so a worker stopped (or a machine restarted)
        picks up where it was; several workers, here or on other machines, share the work.

        Example: [bold]nervecentre worker --every 24[/] (in a service manager)
        """
        from nervecentre.cli._access_audit import operator
        from nervecentre.crawler.worker import run_round

        db_ = database(db)
        while True:
            done = run_round(db_, operator(), every=timedelta(hours=every))
            counts = done.rechecks
            console.print(
                f"{counts.get('checked', 0):,} findings checked "
                f"({counts.get('removed', 0):,} removed); "
                f"scheduled crawls run: {len(done.started):,}, carried on: "
                f"{len(done.carried_on):,}."
            )
            if once:
                return
            time.sleep(poll)
