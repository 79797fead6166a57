"""CLI command ``serve``: the web UI and REST API on the centre's network."""

from __future__ import annotations

from typing import Annotated

import typer

from nervecentre.cli._common import DatabaseOption, console, database, friendly_errors
from nervecentre.settings import load_settings


def register(app: typer.Typer) -> None:
    """Add the web commands to the app."""

    @app.command()
    @friendly_errors
    def serve(
        host: Annotated[
            str | None, typer.Option(help="Address to listen on (default NERVECENTRE_WEB_HOST)")
        ] = None,
        port: Annotated[
            int | None, typer.Option(help="Port (default NERVECENTRE_WEB_PORT, 8000)")
        ] = None,
        db: DatabaseOption = None,
    ) -> None:
        """Serve the web UI and the REST API (OpenAPI at /api/openapi.json).

        Only addresses in NERVECENTRE_ALLOWED_NETWORKS may connect (default: this machine).
        Every script, style and font is served by the app itself: it works offline.

        Example: nervecentre serve --host 10.20.0.5 --port 8000
        """
        import uvicorn

        from nervecentre.web import create_app

        settings = load_settings()
        handle = database(db)
        app = create_app(db=handle)
        host = host or settings.web_host
        port = port or settings.web_port
        console.print(f"nervecentre on [bold]http://{host}:{port}/[/] (Ctrl-C stops it)")
        console.print(f"Allowed networks: {settings.allowed_networks}")
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
