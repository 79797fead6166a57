"""CLI commands of the secret key: ``keygen``, ``key show`` and ``key rotate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from nervecentre.cli._common import DatabaseOption, console, database, err_console, friendly_errors

key_app = typer.Typer(
    help="The secret key of victims' fields: where it is, its fingerprint, rotation."
)


@key_app.command("show")
@friendly_errors
def key_show(db: DatabaseOption = None) -> None:
    """Show where the key is looked for, its fingerprint and the database's, reading only.

    Exits with 78 when the key is missing or is not the database's key.

    Example: nervecentre key show
    """
    from nervecentre.security.fields import short
    from nervecentre.security.keys import key_status

    handle = database(db, migrate=False)
    status = key_status(handle)
    shown = short(status.fingerprint) if status.fingerprint else "(no key there)"
    console.print(f"Key:      {escape(status.location)}\n          fingerprint {shown}")
    stored = short(status.stored) if status.stored else "(none recorded yet)"
    console.print(f"Database: {escape(handle.safe_url)}\n          fingerprint {stored}")
    if status.unbound_fields:
        console.print(
            f"{status.unbound_fields:,} fields were written before fields were bound to their "
            "rows: `nervecentre key rotate` rewrites them"
        )
    if not status.matches:
        err_console.print("[bold red]error:[/] this is not the database's key")
        raise typer.Exit(78)


@key_app.command("rotate")
@friendly_errors
def key_rotate(
    to: Annotated[
        Path | None,
        typer.Option(help="Write the new key to this new file (else it replaces the key file)"),
    ] = None,
    old_key: Annotated[
        list[Path] | None,
        typer.Option(help="Another key file whose fields the database holds (repeat for several)"),
    ] = None,
    db: DatabaseOption = None,
) -> None:
    """Re-encrypt every victim's fields under a new key, in one transaction.

    The new key replaces the key file (NERVECENTRE_SECRET_KEY_FILE), which running servers
    read on their next use; the old key is kept beside it as secret.key.retired-…: backups
    made before the rotation need it, so keep it with them, away from this machine. With
    the key in NERVECENTRE_SECRET_KEY, name a file for the new key with --to, then set the
    variable to it and restart the servers. On any failure nothing changes.

    Older versions kept a key in the directory a command ran from, so some victims may be
    encrypted under a second key: name its file with --old-key and the rotation reads them
    with it, leaving the whole database under the one new key.

    Example: nervecentre key rotate --old-key ~/elsewhere/nervecentre-data/secret.key
    """
    from nervecentre.cli._access_audit import operator
    from nervecentre.security.fields import key_from_file, short
    from nervecentre.security.rotation import rotate

    also = [key_from_file(path.absolute()) for path in old_key or []]
    handle = database(db)
    done = rotate(handle, actor=operator(), to=to.absolute() if to else None, also=also)
    r = done.rotation
    console.print(
        f"Re-encrypted {r.fields:,} fields of {r.people:,} people "
        f"({r.unbound:,} from before fields were bound to their rows, {r.recovered:,} read "
        f"with an --old-key) and re-keyed {r.identifiers:,} blind indexes."
    )
    if r.stranded:
        console.print(
            f"[yellow]warning:[/] {r.stranded:,} blind indexes could not be re-keyed (no "
            "victim's contact holds their value): records imported from now on will not "
            "link to them"
        )
    console.print(
        f"New key:  {escape(str(done.key_file))} (fingerprint {short(r.new_fingerprint)})"
    )
    if done.retired:
        console.print(
            f"Old key:  {escape(str(done.retired))}: keep it with the backups made before now "
            "(they need it), away from this machine, then delete it here."
        )
    elif to:
        console.print(
            "Point NERVECENTRE_SECRET_KEY_FILE (or NERVECENTRE_SECRET_KEY) at the new key "
            "for every command and server now: the old key no longer opens this database."
        )


def register(app: typer.Typer) -> None:
    """Add the key commands to the app."""
    app.add_typer(key_app, name="key")

    @app.command()
    def keygen() -> None:
        """Print a new random secret key (for NERVECENTRE_SECRET_KEY or a key file).

        A new database makes its own key file; this is for keys kept elsewhere, such as a
        secrets manager that sets NERVECENTRE_SECRET_KEY.

        Example: (umask 077; nervecentre keygen > /etc/nervecentre/secret.key)
        """
        from nervecentre.security.fields import new_key

        console.print(new_key())
