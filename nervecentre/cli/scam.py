"""CLI of the sextortion tracker: ``scam extract``, ``scam campaigns``, ``scam import``, exports.

Output contract (scripts rely on it), with ``--json``:

- ``scam extract``: one line per indicator, ``{"path", "message", "kind", "value"}``;
- ``scam campaigns``: one line per message, ``{"path", "message", "campaign"}``;

where ``message`` is the Message-ID (as its header writes it, angle brackets included), the
index of the message within an mbox (from 0), or null for plain text. A message that cannot
be read is reported on stderr, never on stdout; the exit status is then 66 (after every other
message was done).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from nervecentre.cli._common import (
    UNREADABLE_EXIT,
    DatabaseOption,
    console,
    database,
    err_console,
    friendly_errors,
)

SCAM_HELP = (
    "The sextortion tracker: complaints in (.eml, .mbox, Outlook .msg, pasted SMS or WhatsApp "
    "chat exports), validated indicators and campaigns out.\n\n"
    "PATH may be a file or a folder (walked recursively)."
)
EXIT_HELP = (
    "Exit status: 0 when every message was read; 66 when some could not be (each is named on "
    "stderr with the reason, and every other message was still processed); 69 for an unknown "
    "case or user; 77 when --as names a user who may not do this."
)
PathsArg = Annotated[
    list[Path], typer.Argument(help="Files or folders of complaints.", show_default=False)
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")]
MaxSizeOption = Annotated[
    int, typer.Option("--max-size", min=1, help="Largest message read, in MiB (larger: an error).")
]


def _line(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _error(item: Any) -> None:
    where = item.path if item.ref is None else f"{item.path} [{item.ref}]"
    err_console.print(f"[bold red]error:[/] {escape(where)}: {escape(item.error)}", soft_wrap=True)


def _warnings(message: Any) -> None:
    for warning in message.parsed.warnings:
        where = message.path if message.ref is None else f"{message.path} [{message.ref}]"
        err_console.print(f"[yellow]warning:[/] {escape(where)}: {escape(warning)}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the ``scam`` commands to the app."""
    scam_app = typer.Typer(help=SCAM_HELP, no_args_is_help=True, rich_markup_mode="rich")
    app.add_typer(scam_app, name="scam")

    @scam_app.command("extract", epilog=EXIT_HELP)
    @friendly_errors
    def extract_command(
        paths: PathsArg, as_json: JsonOption = False, max_size: MaxSizeOption = 25
    ) -> None:
        """Print the validated indicators of every message (nothing is stored).

        Wallets, UPI IDs, phones, e-mails, URLs and onion services; only values whose
        checksum or structure validates.

        Kinds: btc, eth, xmr, ltc, trx, upi, phone, email, url, onion. Values are normalised
        (phones in E.164, e-mails and UPI IDs lower-case, URLs re-fanged).

        Example: [bold]nervecentre scam extract complaints/ --json[/]
        """
        from nervecentre.scams.ingest import message_indicators
        from nervecentre.scams.sources import MessageError, read_messages

        failed = 0
        for item in read_messages(paths, max_bytes=max_size << 20):
            if isinstance(item, MessageError):
                failed += 1
                _error(item)
                continue
            found = message_indicators(item)
            if not as_json:
                _warnings(item)
                where = item.path if item.ref is None else f"{item.path} [{item.ref}]"
                console.print(f"[bold]{escape(where)}[/]: {len(found)} indicators", soft_wrap=True)
            for indicator in found:
                if as_json:
                    _line(
                        {
                            "path": item.path,
                            "message": item.ref,
                            "kind": indicator.kind,
                            "value": indicator.value,
                        }
                    )
                else:
                    console.print(f"  {indicator.kind:6} {escape(indicator.value)}", soft_wrap=True)
        if failed:
            raise typer.Exit(UNREADABLE_EXIT)

    @scam_app.command("campaigns", epilog=EXIT_HELP)
    @friendly_errors
    def campaigns_command(
        paths: PathsArg, as_json: JsonOption = False, max_size: MaxSizeOption = 25
    ) -> None:
        """Print each message's campaign (nothing is stored).

        Messages are grouped by the payment details they share and by their masked text.

        Campaign numbers are 0, 1, 2… in the order campaigns first appear in this run.

        Example: [bold]nervecentre scam campaigns complaints/ --json[/]
        """
        from nervecentre.scams.campaigns import Document, cluster
        from nervecentre.scams.ingest import racket_indicators
        from nervecentre.scams.masking import masked_message
        from nervecentre.scams.sources import MessageError, read_messages

        failed = 0
        keys: list[tuple[str, str | int | None]] = []
        documents: list[Document] = []
        for item in read_messages(paths, max_bytes=max_size << 20):
            if isinstance(item, MessageError):
                failed += 1
                _error(item)
                continue
            keys.append((item.path, item.ref))
            found = [(i.kind, i.value) for i in racket_indicators(item)]
            documents.append(Document(masked_message(item.parsed), found))
        labels = cluster(documents)
        if as_json:
            for (path, ref), label in zip(keys, labels, strict=True):
                _line({"path": path, "message": ref, "campaign": label})
        else:
            sizes: dict[int, int] = {}
            for label in labels:
                sizes[label] = sizes.get(label, 0) + 1
            for (path, ref), label in zip(keys, labels, strict=True):
                where = path if ref is None else f"{path} [{ref}]"
                console.print(f"campaign {label:>4}  {escape(where)}", soft_wrap=True)
            shared = sum(1 for size in sizes.values() if size > 1)
            console.print(
                f"{len(labels):,} messages in {len(sizes):,} campaigns "
                f"({shared:,} with more than one message)."
            )
        if failed:
            raise typer.Exit(UNREADABLE_EXIT)

    @scam_app.command("import", epilog=EXIT_HELP)
    @friendly_errors
    def import_command(
        paths: PathsArg,
        case: Annotated[
            str | None,
            typer.Option(
                "--case",
                metavar="FIR",
                help="Attach the complaints to this case "
                "(its case key, e.g. MH-THN-PS01-2024-0012).",
            ),
        ] = None,
        complainant: Annotated[
            int | None,
            typer.Option("--complainant", metavar="PERSON", help="The complainant's person id."),
        ] = None,
        as_user: Annotated[
            str | None,
            typer.Option(
                "--as",
                metavar="USERNAME",
                help="Import for this user (their "
                "permission and need-to-know for --case); the audit log names them.",
            ),
        ] = None,
        max_size: MaxSizeOption = 25,
        db: DatabaseOption = None,
    ) -> None:
        """Store complaints in the database, each message once, and regroup campaigns.

        The same message handed in by two victims is recognised; each file's SHA-256 is kept
        as evidence (and, with --case, the file becomes one of the case's documents).

        Without --as, the import runs with the installation's own authority and the audit log
        names the operator. Importing the same files again writes nothing new.

        Example: [bold]nervecentre scam import mails/ --case MH-THN-PS01-2024-0012 --as a.patil[/]
        """
        from rich.progress import Progress, SpinnerColumn, TextColumn

        from nervecentre.cli._access_audit import operator
        from nervecentre.scams.service import import_complaints

        handle = database(db)
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True
        ) as bar:
            task = bar.add_task("Importing complaints", total=None)
            count = [0]

            def step(item: object) -> None:
                count[0] += 1
                bar.update(task, description=f"Importing complaints: {count[0]:,} messages read")

            report = import_complaints(
                handle,
                paths,
                operator=operator(),
                username=as_user,
                case=case,
                complainant=complainant,
                max_bytes=max_size << 20,
                progress=step,
            )
        for item in report.errors:
            _error(item)
        console.print(
            f"{report.read:,} messages read: [bold]{report.new_messages:,} new[/], "
            f"{report.duplicates:,} already known (a new complaint each), "
            f"{report.already_imported:,} imported before; {report.indicators:,} indicators; "
            f"{report.campaigns:,} campaigns in all; [red]{len(report.errors):,} errors[/]."
        )
        if report.errors:
            raise typer.Exit(UNREADABLE_EXIT)

    @scam_app.command("export")
    @friendly_errors
    def export_command(
        fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="stix, misp or csv.")],
        campaigns: Annotated[
            list[int] | None,
            typer.Option("--campaign", "-c", help="Campaign number (repeatable; default all)."),
        ] = None,
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Write here (default: stdout).")
        ] = None,
        as_user: Annotated[
            str | None,
            typer.Option("--as", metavar="USERNAME", help="Export what this user may see."),
        ] = None,
        db: DatabaseOption = None,
    ) -> None:
        """Export campaigns as STIX 2.1, MISP event JSON, or CSV (audited).

        The CSV lists indicators and is safe to open in a spreadsheet.

        Example: [bold]nervecentre scam export stix --campaign 3 -o campaign-3.json[/]
        """
        from nervecentre.cli._access_audit import operator
        from nervecentre.scams.service import export
        from nervecentre.security.users import get_user

        handle = database(db)
        user = get_user(handle, as_user) if as_user else None
        text = export(handle, fmt, operator=operator(), user=user, campaign_ids=campaigns or [])
        if out is None:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        else:
            out.write_text(text, encoding="utf-8")
            err_console.print(f"written to {escape(str(out))}")

    @scam_app.command("payments")
    @friendly_errors
    def payments_command(
        file: Annotated[Path, typer.Argument(help="A block explorer's CSV or a node's JSON.")],
        address: Annotated[
            str | None,
            typer.Option("--address", help="The wallet, when the file does not name it."),
        ] = None,
        rates: Annotated[
            str | None,
            typer.Option(
                "--rates", metavar="COIN", help="FILE is a rate CSV (date, INR per COIN) instead."
            ),
        ] = None,
        as_user: Annotated[str | None, typer.Option("--as", metavar="USERNAME")] = None,
        db: DatabaseOption = None,
    ) -> None:
        """Import wallet transactions or exchange rates from offline exports.

        Campaign pages then show what their wallets received, in coins and rupees.

        Examples: [bold]nervecentre scam payments wallet.csv --address bc1q…[/];
        [bold]nervecentre scam payments btc-inr.csv --rates BTC[/]
        """
        from nervecentre.cli._access_audit import operator
        from nervecentre.scams.service import import_payments

        written, known = import_payments(
            database(db), file, operator=operator(), username=as_user, address=address,
            rates_for=rates,
        )  # fmt: skip
        what = "daily rates" if rates else "transactions"
        console.print(f"{written:,} {what} written, {known:,} already known.")

    @scam_app.command("synth")
    @friendly_errors
    def synth_command(
        out: Annotated[Path, typer.Argument(help="Folder to write the corpus into.")],
        messages: Annotated[int, typer.Option(min=1, help="How many messages.")] = 600,
        campaigns: Annotated[int, typer.Option(min=1, help="How many campaigns.")] = 24,
        seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 1,
    ) -> None:
        """Write a synthetic complaint corpus (invented people, random-byte wallets).

        For the demo, the tests and the benchmark: .eml, .mbox and WhatsApp/SMS .txt files
        with their truth in truth.jsonl.

        Example: [bold]nervecentre scam synth demo && nervecentre scam import demo[/]
        """
        from nervecentre.synth.complaints import ComplaintConfig, write_complaints

        written = write_complaints(
            out, ComplaintConfig(messages=messages, campaigns=campaigns, seed=seed)
        )
        console.print(f"{len(written):,} messages written under {escape(str(out))}.")
