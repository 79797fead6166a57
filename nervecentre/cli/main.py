"""Entry point of the ``nervecentre`` command: builds the Typer app from capability modules."""

from __future__ import annotations

import typer

from nervecentre import errors
from nervecentre.cli import (
    crawl,
    graph,
    hashing,
    keys,
    library,
    registry,
    report,
    resolve,
    scam,
    security,
    web,
)
from nervecentre.hashing.nodump import forbid_core_dumps


def _exit_statuses() -> str:
    """The exit statuses, from the error classes that carry them (declared once, there)."""
    codes = {0: "success", 1: "failure (e.g. rows rejected under --strict)", 2: "usage error"}
    for error in vars(errors).values():
        if isinstance(error, type) and issubclass(error, errors.NervecentreError):
            text = (error.__doc__ or "").strip().rstrip(".")
            codes.setdefault(error.exit_code, text[:1].lower() + text[1:])
    codes[errors.InputFileError.exit_code] += " (hash, match: some inputs could not be read)"
    codes[130] = "interrupted (Ctrl-C)"
    return "Exit status:\n" + "\n".join(
        f"  {code:>3}  {text}" for code, text in sorted(codes.items())
    )


app = typer.Typer(
    name="nervecentre",
    help=(
        "nervecentre: the nerve centre for cyber-crime and anti-trafficking units.\n\n"
        "Cases from every unit in one registry, spreadsheet import with validation, "
        "hash matching of known material, and exports to the tools analysts use. "
        "Everything runs offline. Start with `nervecentre demo`."
    ),
    epilog=_exit_statuses(),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
)

registry.register(app)
hashing.register(app)
crawl.register(app)
security.register(app)
keys.register(app)
resolve.register(app)
report.register(app)
scam.register(app)
graph.register(app)
web.register(app)
library.register(app)


def main() -> None:
    """Run the command line, in a process that leaves no core dump (it may hold media)."""
    forbid_core_dumps()
    app()
