"""Entry point of the ``nervecentre`` command: builds the Typer app from capability modules."""

from __future__ import annotations

import typer

from nervecentre.cli import hashing, registry, security, web

app = typer.Typer(
    name="nervecentre",
    help=(
        "nervecentre: the nerve centre for cyber-crime and anti-trafficking units.\n\n"
        "Cases from every unit in one registry, spreadsheet import with validation, "
        "hash matching of known material, and exports to the tools analysts use. "
        "Everything runs offline. Start with `nervecentre demo`."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
)

registry.register(app)
hashing.register(app)
security.register(app)
web.register(app)


def main() -> None:
    """Run the command line."""
    app()
