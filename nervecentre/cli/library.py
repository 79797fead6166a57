"""CLI of the case-study library: ``library add``, ``search``, ``similar``, ``link``, ``unlink``
and ``restrict``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from nervecentre.cli._common import (
    UNREADABLE_EXIT,
    CliTable,
    Col,
    DatabaseOption,
    console,
    database,
    friendly_errors,
    progress_bar,
)
from nervecentre.security.models import User
from nervecentre.store.db import Database

library_app = typer.Typer(
    help="The case-study library: judgments, charge-sheets, case studies and SOPs.",
    no_args_is_help=True,
)

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="USERNAME",
        help="Act as this user (their permissions and need-to-know; the audit log names "
        "them). Default: the installation's own authority, audited as the operator.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line, best first")]


def _user(db: Database, as_user: str | None) -> User:
    from nervecentre.cli._access_audit import operator
    from nervecentre.security.users import get_user

    if as_user:
        return get_user(db, as_user)
    # The installation's own authority: every document and case, audited as the operator.
    return User(username=operator(), role="admin", active=True)


@library_app.command("add")
@friendly_errors
def add(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (PDF, DOCX, TXT)")],
    case: Annotated[
        str | None,
        typer.Option("--case", metavar="FIR", help="Link to this case: its case key or FIR/year"),
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Title (default: the document's first line)")
    ] = None,
    as_user: AsOption = None,
    db: DatabaseOption = None,
) -> None:
    """Add documents to the library: text extracted, described, stored once, indexed.

    Folders are read recursively for .pdf, .docx and .txt files. Each file's court, date,
    sections of law, outcome and modus operandi are read from its text. A file that cannot
    be read (corrupt, encrypted, not UTF-8, too large) is reported and the others go on;
    the exit status is then 66. Scanned PDFs are OCR'd where Tesseract is installed.

    Examples:
      nervecentre library add judgments/ --as a.patil
      nervecentre library add judgment.pdf --case MH-THR-SHAHAPUR/2023/41 --title "State v. X"
    """
    from nervecentre.cli._access_audit import operator
    from nervecentre.library.ingest import add_paths, files_in

    handle = database(db)
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise typer.BadParameter(f"no such file or folder: {missing[0]}", param_hint="PATH")
    actor: User | str = _user(handle, as_user) if as_user else operator()
    files = list(files_in(paths))
    with progress_bar() as progress:
        task = progress.add_task("Adding", total=len(files))
        results = add_paths(
            handle, files, actor=actor, case=case, title=title,
            progress=lambda _: progress.advance(task),
        )  # fmt: skip
    table = CliTable(Col("Id", keep=True), Col("Status", keep=True), "File", "Title / error")
    for r in results:
        colour = {"added": "green", "duplicate": "yellow"}.get(r.status, "red")
        table.add_row(
            str(r.document_id or ""), f"[{colour}]{r.status}[/]", escape(r.path),
            escape(r.title if r.status != "error" else r.message),
        )  # fmt: skip
    console.print(table)
    counts = {s: sum(r.status == s for r in results) for s in ("added", "duplicate", "error")}
    console.print(
        f"{counts['added']} added, {counts['duplicate']} already in the library, "
        f"{counts['error']} could not be read."
    )
    if counts["error"]:
        raise typer.Exit(UNREADABLE_EXIT)


@library_app.command("search")
@friendly_errors
def search_command(
    query: Annotated[str, typer.Argument(help='Words; "a phrase"; a prefix*')],
    limit: Annotated[int, typer.Option(min=1, max=500, help="Hits to show")] = 20,
    as_json: JsonOption = False,
    as_user: AsOption = None,
    db: DatabaseOption = None,
) -> None:
    """Search the library's full text (English, Hindi, Marathi), best first, with snippets.

    Every word must occur; quote a phrase; end a word with * for a prefix. Only documents
    the user may see are found. With --json, one line per hit:
    {"document", "title", "path", "score", "snippet"} (the snippet is HTML, matches in <mark>).

    Examples:
      nervecentre library search "massage parlour" thane
      nervecentre library search "मानव तस्करी" --json --as a.patil
    """
    from nervecentre.library.search import search

    handle = database(db)
    hits = search(handle, _user(handle, as_user), query, limit=limit)
    if as_json:
        for hit in hits:
            typer.echo(json.dumps(hit.as_json(), ensure_ascii=False))
        return
    if not hits:
        console.print("No documents found.")
        return
    for hit in hits:
        snippet = escape(hit.snippet).replace("\x02", "[bold yellow]").replace("\x03", "[/]")
        console.print(f"[bold]{hit.document}[/]  {escape(hit.title)}  [dim]{hit.score:.2f}[/]")
        console.print(f"    [dim]{escape(hit.path)}[/]")
        console.print(f"    {snippet}\n")


@library_app.command("similar")
@friendly_errors
def similar_command(
    case: Annotated[
        str | None, typer.Option("--case", metavar="FIR", help="A case key or FIR/year")
    ] = None,
    document: Annotated[
        int | None, typer.Option("--document", metavar="ID", help="A library document id")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Results to show")] = 10,
    as_json: JsonOption = False,
    as_user: AsOption = None,
    db: DatabaseOption = None,
) -> None:
    """Judgments and cases like a case or a document, best first, and why.

    Compares sections of law (IPC and BNS equivalents alike), modus operandi, route
    (states and districts) and words. With --json, one line per result:
    {"kind", "id", "title", "score", "why", "outcome"}.

    Examples:
      nervecentre library similar --case MH-THR-SHAHAPUR/2023/41
      nervecentre library similar --document 12 --json
    """
    from nervecentre.library.ingest import find_case
    from nervecentre.library.similar import similar

    if (case is None) == (document is None):
        raise typer.BadParameter("give --case FIR or --document ID (one of them)")
    handle = database(db)
    user = _user(handle, as_user)
    case_id = None
    if case is not None:
        with handle.session() as session:
            case_id = find_case(session, case, user).id
    found = similar(handle, user, case_id=case_id, document_id=document, limit=limit)
    if as_json:
        for item in found:
            typer.echo(json.dumps(item.as_json(), ensure_ascii=False))
        return
    table = CliTable(
        Col("Kind", keep=True), Col("Id", keep=True), "Title", Col("Score", keep=True), "Why"
    )
    for item in found:
        table.add_row(
            item.kind, str(item.id), escape(item.title), f"{item.score:.2f}",
            escape("\n".join(item.reasons)),
        )  # fmt: skip
    console.print(table if found else "Nothing similar found.")


DocumentArgument = Annotated[int, typer.Argument(metavar="ID", help="A library document id")]
CaseOption = Annotated[str, typer.Option("--case", metavar="FIR", help="A case key or FIR/year")]


def _say(changed: object) -> None:
    from nervecentre.library.manage import Changed

    assert isinstance(changed, Changed)
    state = "restricted" if changed.restricted else "not restricted"
    console.print(f"Document {changed.document_id}: {escape(changed.message)} ({state}).")


@library_app.command("link")
@friendly_errors
def link_command(
    document: DocumentArgument,
    case: CaseOption,
    as_user: AsOption = None,
    db: DatabaseOption = None,
) -> None:
    """Link a document to a case: whoever may see the case may then read the document.

    Example:
      nervecentre library link 12 --case MH-TNE-PS01/2024/123 --as a.patil
    """
    from nervecentre.library.manage import link

    handle = database(db)
    _say(link(handle, _user(handle, as_user), document, case))


@library_app.command("unlink")
@friendly_errors
def unlink_command(
    document: DocumentArgument,
    case: CaseOption,
    as_user: AsOption = None,
    db: DatabaseOption = None,
) -> None:
    """Unlink a document from a case (a link made by mistake, or to the wrong case).

    A document linked to no case is read by everyone with library access, so unlinking the
    last case restricts it (then only users who see every case read it; `library restrict
    ID --open` opens it to all).

    Example:
      nervecentre library unlink 12 --case 123/2024 --as a.patil
    """
    from nervecentre.library.manage import unlink

    handle = database(db)
    _say(unlink(handle, _user(handle, as_user), document, case))


@library_app.command("restrict")
@friendly_errors
def restrict_command(
    document: DocumentArgument,
    open_: Annotated[
        bool,
        typer.Option(
            "--open",
            help="Open it to everyone who may read the library instead (needs case.view_all)",
        ),
    ] = False,
    as_user: AsOption = None,
    db: DatabaseOption = None,
) -> None:
    """Restrict a document: linked to no case, it is then read only by users who see every
    case. A linked document is read by the users of its cases either way.

    Examples:
      nervecentre library restrict 12
      nervecentre library restrict 12 --open --as supervisor
    """
    from nervecentre.library.manage import restrict

    handle = database(db)
    _say(restrict(handle, _user(handle, as_user), document, not open_))


def register(app: typer.Typer) -> None:
    """Add the ``library`` commands to the main app."""
    app.add_typer(library_app, name="library")
