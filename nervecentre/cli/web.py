"""CLI command ``serve``: the web UI and REST API on the centre's network."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from nervecentre.cli._common import DatabaseOption, console, database, friendly_errors
from nervecentre.settings import ENV_PREFIX, load_settings


def server_processes(setting: int) -> int:
    """How many processes serve the web app: the setting, or one per core (up to 4) for 0."""
    return setting or min(os.cpu_count() or 1, 4)


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
        workers: Annotated[
            int | None,
            typer.Option(
                min=0,
                max=64,
                help="Server processes (default NERVECENTRE_WEB_WORKERS; 0: one per core, up to 4)",
            ),
        ] = None,
        db: DatabaseOption = None,
    ) -> None:
        """Serve the web UI and the REST API (OpenAPI at /api/openapi.json).

        Only addresses in NERVECENTRE_ALLOWED_NETWORKS may connect (default: this machine).
        Every script, style and font is served by the app itself: it works offline.

        Several processes (--workers) serve more analysts at once; each opens the database
        itself, and sessions, the login throttle and the audit chain are shared through it.

        Example: nervecentre serve --host 10.20.0.5 --port 8000 --workers 2
        """
        import uvicorn

        from nervecentre.web import create_app
        from nervecentre.web.processes import FACTORY, serve_processes, supported

        settings = load_settings()
        handle = database(db)
        host = host or settings.web_host
        port = port or settings.web_port
        count = server_processes(settings.web_workers if workers is None else workers)
        shown = f" ({count} processes)" if count > 1 else ""
        console.print(f"nervecentre on [bold]http://{host}:{port}/[/]{shown} (Ctrl-C stops it)")
        console.print(f"Allowed networks: {settings.allowed_networks}")
        if settings.trusted_proxies:
            console.print(f"Proxy headers believed from: {settings.trusted_proxies}")
        # uvicorn believes X-Forwarded-* from loopback by default; the app decides instead,
        # trusting only NERVECENTRE_TRUSTED_PROXIES (web.middleware.ProxyHeaders).
        options: dict[str, Any] = {
            "log_level": "warning",
            "access_log": False,
            "proxy_headers": False,
            "forwarded_allow_ips": "",
        }
        if count == 1:
            uvicorn.run(create_app(db=handle), host=host, port=port, **options)
            return
        # Each process builds the app from the environment: name the same database there.
        os.environ[ENV_PREFIX + "DATABASE_URL"] = handle.url
        os.environ[ENV_PREFIX + "DATA_DIR"] = str(handle.settings.data_dir)
        handle.dispose()
        if supported():
            serve_processes(host, port, count, options)
        else:  # one socket shared by every process (uvicorn's own supervisor)
            uvicorn.run(FACTORY, factory=True, workers=count, host=host, port=port, **options)
