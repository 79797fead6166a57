"""Settings declared once, with defaults and help, read from ``NERVECENTRE_*`` variables.

A value can also come from a TOML config file named by ``NERVECENTRE_CONFIG``; the
environment wins over the file, and an explicit argument (e.g. ``--database``) wins over both.
Bad values fail loudly with a :class:`ConfigError` naming the variable.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from nervecentre.errors import ConfigError

ENV_PREFIX = "NERVECENTRE_"


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


def _xdg(variable: str, fallback: str) -> Path:
    # The XDG base directories (absolute by the spec: a relative value is ignored).
    value = os.environ.get(variable, "")
    if value.startswith("/"):
        return Path(value)
    try:
        return Path.home() / fallback
    except (RuntimeError, KeyError):  # no HOME and no password entry (some containers)
        raise ConfigError(
            f"no home folder to keep {fallback} in: set {ENV_PREFIX}DATA_DIR and "
            f"{ENV_PREFIX}SECRET_KEY_FILE (or {variable})"
        ) from None


def default_data_dir() -> Path:
    """Where the database and the evidence files live unless told: ~/.local/share/nervecentre."""
    return _xdg("XDG_DATA_HOME", ".local/share") / "nervecentre"


def default_key_file() -> Path:
    """Where the secret key lives unless told: ~/.config/nervecentre/secret.key, apart from
    the data, so that a copy of the data directory decrypts nothing."""
    return _xdg("XDG_CONFIG_HOME", ".config") / "nervecentre" / "secret.key"


def _computed(default: Any, shown: str, help: str) -> Any:
    # A default worked out as settings load (the home folder), shown in docs as ``shown``.
    return field(default_factory=default, metadata={"help": help, "shown": shown})


@dataclass(frozen=True)
class Settings:
    """Every tunable of nervecentre, with its default and what it is for."""

    data_dir: Path = _computed(
        default_data_dir,
        "$XDG_DATA_HOME/nervecentre",
        "Directory holding the SQLite database and the evidence file store (an absolute "
        "path; default ~/.local/share/nervecentre). It never holds the secret key.",
    )
    database_url: str = _setting(
        "",
        "SQLAlchemy URL of the database; empty means SQLite at DATA_DIR/nervecentre.db. "
        "Production uses PostgreSQL, e.g. postgresql+psycopg://user@host/nervecentre.",
    )
    secret_key: str = _setting(
        "",
        "Key for field-level encryption of victim identities "
        "(AES-256-GCM; 32 bytes, url-safe base64; `nervecentre keygen` prints one). "
        "Empty means the key in SECRET_KEY_FILE.",
    )
    secret_key_file: Path = _computed(
        default_key_file,
        "$XDG_CONFIG_HOME/nervecentre/secret.key",
        "File holding the secret key when SECRET_KEY is empty (an absolute path; default "
        "~/.config/nervecentre/secret.key, apart from the data). Created (mode 600) with a "
        "new database; refused while group or others may read it.",
    )
    import_batch_size: int = _setting(
        5000, "Rows written per database round trip during spreadsheet import."
    )
    import_workers: int = _setting(
        0,
        "Processes that validate register rows during large imports; 0 means one per core "
        "(up to 4). Small files are always validated in the importing process.",
    )
    max_import_rows: int = _setting(
        2_000_000, "Largest register (rows) an import accepts before refusing the file."
    )
    max_upload_bytes: int = _setting(
        512 * 1024 * 1024, "Largest file (bytes) an import or evidence upload accepts."
    )
    upload_quota_user_bytes: int = _setting(
        1024 * 1024 * 1024,
        "Most bytes of uploaded registers one user may have waiting to be imported (checked, "
        "not yet confirmed or cancelled); an upload that would pass it is refused.",
    )
    upload_quota_total_bytes: int = _setting(
        4 * 1024 * 1024 * 1024,
        "Most bytes of uploaded registers waiting to be imported on this server, all users "
        "together; an upload that would pass it is refused.",
    )
    upload_max_age_minutes: int = _setting(
        60,
        "Minutes an uploaded register may wait (after its upload or check) before it is "
        "removed unimported; the next upload, check or server start removes it.",
    )
    demo_seed: int = _setting(1, "Seed of the synthetic demo dataset (same seed, same data).")
    demo_cases: int = _setting(2000, "Number of cases in the synthetic demo dataset.")
    pdq_threshold: int = _setting(31, "Largest PDQ Hamming distance counted as a match.")
    pdq_min_quality: int = _setting(50, "PDQ hashes below this quality are not matched.")
    max_image_pixels: int = _setting(
        89_478_485, "Largest image (pixels) decoded for hashing; bigger is a decompression bomb."
    )
    allowed_networks: str = _setting(
        "127.0.0.0/8,::1/128",
        "Comma-separated CIDR networks allowed to reach the web app and API; "
        "every other address gets 403 before any page runs.",
    )
    trusted_proxies: str = _setting(
        "",
        "Comma-separated CIDR networks of the reverse proxies in front of `nervecentre serve`: "
        "only requests from them have their X-Forwarded-For and X-Forwarded-Proto believed. "
        "Empty (the default) believes no proxy header: the connecting address is the client.",
    )
    login_max_failures: int = _setting(
        5, "Failed logins in a row that lock an account (0 turns lockout off)."
    )
    login_lockout_minutes: int = _setting(
        15, "Minutes an account stays locked after too many failed logins."
    )
    password_min_length: int = _setting(
        12, "Shortest password accepted (never less than 12, whatever this says)."
    )
    web_host: str = _setting(
        "127.0.0.1", "Address `nervecentre serve` listens on (keep it on the centre's network)."
    )
    web_port: int = _setting(8000, "Port `nervecentre serve` listens on.")
    web_workers: int = _setting(
        0,
        "Server processes of `nervecentre serve`; 0 means one per CPU core (up to 4). Each "
        "process answers requests on its own core; sessions, the login throttle and the "
        "audit chain live in the database, so they share everything that matters.",
    )
    session_idle_minutes: int = _setting(
        30, "Minutes without a request after which a signed-in session ends."
    )
    session_max_hours: int = _setting(
        12, "Hours after sign-in at which a session ends, however active (one shift)."
    )
    cookie_secure: str = _setting(
        "auto",
        "Mark the session cookie Secure: 'auto' (when the request came over HTTPS), "
        "'always' (behind a TLS proxy) or 'never'.",
    )
    case_index_max_cases: int = _setting(
        2_000_000,
        "On SQLite, the case list counts and pages from an in-memory index of its filter "
        "columns (about 40 bytes a case per server process) up to this many cases; 0 turns "
        "it off, and searches then count in SQL (slower at 100,000 cases, same results).",
    )
    login_ip_max_failures: int = _setting(
        20,
        "Failed logins from one address within 10 minutes before it must wait (429); a "
        "success clears only the failures of the account that signed in, never the others'.",
    )
    login_account_max_failures: int = _setting(
        10,
        "Failed logins for one username within 10 minutes, from any addresses, before "
        "sign-ins to it must wait (429); 0 turns this off (the lockout still applies).",
    )
    api_token_days: int = _setting(
        90,
        "Days an API token lasts when whoever makes it names no other expiry (`token create "
        "--days`); 0 means such tokens never expire.",
    )
    audit_checkpoint_file: str = _setting(
        "",
        "File `nervecentre audit checkpoint` appends the signed chain head to, and `audit "
        "verify` checks by default; never inside DATA_DIR (keep it on other media: another "
        "host, write-once storage). Empty means DATA_DIR-audit-checkpoints.txt beside DATA_DIR.",
    )
    # --- The Crawler (docs/crawler.md) ---
    crawl_robots: str = _setting(
        "obey",
        "What the crawler does with robots.txt, which it always reads and records: 'obey' "
        "(skip what it disallows) or 'record' (fetch anyway, as a warrant may require).",
    )
    crawl_user_agent: str = _setting(
        "nervecentre-crawler/0.1", "User-Agent header the crawler sends (and robots.txt reads)."
    )
    crawl_concurrency: int = _setting(64, "Requests the crawler has in flight at once, in all.")
    crawl_host_concurrency: int = _setting(8, "Requests the crawler has in flight to one host.")
    crawl_host_delay_ms: int = _setting(
        0, "Milliseconds between the starts of two requests to one host (politeness)."
    )
    crawl_timeout_seconds: int = _setting(
        20, "Seconds the crawler waits to connect, and for each read of a response."
    )
    crawl_response_seconds: int = _setting(
        60, "Seconds one response may take in all, however steadily its bytes trickle in."
    )
    crawl_max_redirects: int = _setting(10, "Redirects the crawler follows for one URL.")
    crawl_max_page_bytes: int = _setting(
        10 * 1024 * 1024, "Largest page (bytes, decoded) the crawler reads; bigger is cut off."
    )
    crawl_max_media_bytes: int = _setting(
        32 * 1024 * 1024, "Largest image (bytes, decoded) the crawler reads; bigger is cut off."
    )
    crawl_proxy: str = _setting(
        "",
        "Proxy for every crawler request: socks5://host:port (host names resolved by the "
        "proxy), socks4://, or http://host:port. Empty: connect directly.",
    )
    crawl_onion_proxy: str = _setting(
        "socks5://127.0.0.1:9050",
        "Proxy for .onion addresses only: Tor's SOCKS port. Empty: .onion URLs are errors.",
    )
    crawl_allowed_networks: str = _setting(
        "",
        "Non-public networks (CIDR list) the crawler may reach besides its seeds' own "
        "addresses, e.g. a lab network. Loopback, private, link-local (cloud metadata) and "
        "reserved addresses are refused otherwise, whatever a crawled page links to.",
    )
    crawl_verify_tls: int = _setting(
        0,
        "1: the crawler refuses servers whose TLS certificate does not verify. 0 (default): "
        "the crawler sends nothing secret, and material on a misconfigured server is still "
        "material; the certificate's SHA-256 is kept in the evidence either way.",
    )
    crawl_http2: int = _setting(
        1,
        "1: HTTPS requests without a proxy offer HTTP/2 (httpx with h2; HTTP/1.1 if the server "
        "declines). 0: every request is HTTP/1.1 (aiohttp).",
    )
    crawl_lease_seconds: int = _setting(
        60,
        "Seconds a crawl worker's hold on the URLs it is fetching lasts unless renewed: when a "
        "worker dies, other workers sharing its job take its URLs after this long.",
    )
    crawl_worker_in_serve: int = _setting(
        0,
        "1: `nervecentre serve` also runs the Crawler's worker (scheduled crawls, re-checks, "
        "shared crawl jobs) in each server process. 0: run `nervecentre worker` separately.",
    )

    def __post_init__(self) -> None:
        # A relative folder would be a different one in every working directory: a database
        # (or a key) per place a command was run from.
        for name in ("data_dir", "secret_key_file"):
            if not getattr(self, name).is_absolute():
                raise ConfigError(
                    f"{ENV_PREFIX}{name.upper()}={str(getattr(self, name))!r} must be an "
                    "absolute path (a relative one depends on the working directory)"
                )
        # A mistyped CIDR would silently lock everyone out (or let everyone in): fail at load.
        from nervecentre.security.network import parse_networks

        parse_networks(self.allowed_networks)
        parse_networks(self.trusted_proxies, ENV_PREFIX + "TRUSTED_PROXIES")
        if self.cookie_secure not in ("auto", "always", "never"):
            raise ConfigError(
                f"NERVECENTRE_COOKIE_SECURE={self.cookie_secure!r}: use auto, always or never"
            )
        if not self.session_idle_minutes or not self.session_max_hours:
            raise ConfigError("session lifetimes must be at least 1 (minute / hour)")

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the explicit one, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'nervecentre.db').absolute()}"

    @property
    def files_dir(self) -> Path:
        """Root of the content-addressed evidence store."""
        return self.data_dir / "files"

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(environment variable, default, help) for every setting, for docs and ``--help``."""
        return [
            (
                ENV_PREFIX + f.name.upper(),
                str(f.metadata.get("shown", f.default)),
                str(f.metadata["help"]),
            )
            for f in fields(cls)
        ]


def _coerce(name: str, kind: Any, raw: Any) -> Any:
    try:
        if kind in (int, "int"):
            if isinstance(raw, bool):
                raise ValueError
            value = int(raw)
            if value < 0:
                raise ValueError
            return value
        if kind in (Path, "Path"):
            return Path(str(raw)).expanduser()
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {getattr(kind, '__name__', kind)}"
        ) from None


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the config file, then the environment, then explicit overrides."""
    values: dict[str, Any] = {}
    config = os.environ.get(ENV_PREFIX + "CONFIG")
    known = {f.name: f for f in fields(Settings)}
    if config:
        path = Path(config)
        try:
            loaded = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        section = loaded.get("nervecentre", loaded)
        for key, raw in section.items():
            if key not in known:
                raise ConfigError(f"unknown setting {key!r} in {path}")
            values[key] = raw
    for name in known:
        raw = os.environ.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    for key in values:
        if key not in known:
            raise ConfigError(f"unknown setting {key!r}")
    coerced = {k: _coerce(k, known[k].type, v) for k, v in values.items()}
    return dataclasses.replace(Settings(), **coerced)
