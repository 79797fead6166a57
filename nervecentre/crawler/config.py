"""What a crawl job runs with: its seeds, scope, hash sets, keywords and network settings.

The defaults of the network settings are the ``crawl_*`` settings (nervecentre.settings);
a job stores the whole :class:`CrawlConfig` as JSON, so a resumed job runs exactly as it began
and its evidence names the settings it was gathered under.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from nervecentre.crawler.fetched import FetchOptions
from nervecentre.crawler.urls import check_seed
from nervecentre.errors import ConfigError, InvalidValue
from nervecentre.security.destinations import Reach, seed_reach
from nervecentre.settings import Settings

ROBOTS_MODES = ("obey", "record")


@dataclass(frozen=True)
class CrawlConfig:
    """Everything a crawl job needs to run, and to be resumed, the same way."""

    seeds: tuple[str, ...]
    hashsets: tuple[str, ...]
    max_pages: int = 1000
    max_depth: int = 10
    same_host: bool = False
    keywords: tuple[str, ...] = ()
    robots: str = "obey"
    fetch: FetchOptions = field(default_factory=FetchOptions)
    host_delay: float = 0.0  # seconds between the starts of two requests to one host
    max_page_bytes: int = 10 * 1024 * 1024
    max_media_bytes: int = 32 * 1024 * 1024
    retries: int = 3
    calendar_budget: int = 24  # pages of one date-shaped URL pattern per host
    pdq_threshold: int | None = None

    def __post_init__(self) -> None:
        if self.robots not in ROBOTS_MODES:
            raise ConfigError(f"robots must be obey or record, not {self.robots!r}")
        if not self.seeds:
            raise InvalidValue("give at least one seed URL", kind="url")
        if not self.hashsets:
            raise InvalidValue("give at least one hash set (--hashset NAME)", kind="hashset")
        for proxy in (self.fetch.proxy, self.fetch.onion_proxy):
            check_proxy(proxy)
        if self.max_pages < 1 or self.max_depth < 0:
            raise InvalidValue("--max-pages must be at least 1 and --max-depth at least 0")

    @property
    def seed_hosts(self) -> frozenset[str]:
        """Hosts of the seeds (with their ports): the scope of --same-host."""
        return frozenset(s.split("/", 3)[2] for s in self.seeds)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, stored with the job."""
        return dataclasses.asdict(self)

    def digest(self) -> str:
        """SHA-256 of the settings as stored: evidence names the settings by it."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode()).hexdigest()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlConfig:
        """The inverse of :meth:`to_dict`."""
        values = dict(data)
        for name in ("seeds", "hashsets", "keywords"):
            values[name] = tuple(values.get(name, ()))
        fetch = dict(values.get("fetch", {}))
        # A job saved before crawls were kept off non-public addresses: its seeds' only.
        fetch["reach"] = tuple(fetch.get("reach") or seed_reach(values["seeds"]))
        values["fetch"] = FetchOptions(**fetch)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


PROXY_SCHEMES = ("socks5", "socks4", "http")


def check_proxy(proxy: str | None) -> None:
    """InvalidValue unless ``proxy`` is empty or scheme://host:port of a kind we speak."""
    if not proxy:
        return
    parts = urlsplit(proxy)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname or port is None:
        raise InvalidValue(
            f"a proxy is socks5://host:port, socks4://host:port or http://host:port, not {proxy!r}",
            kind="proxy",
        )


def canonical_json(data: Any) -> str:
    """Sorted, compact JSON: the same bytes for the same data."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def build_config(
    settings: Settings,
    seeds: list[str],
    hashsets: list[str],
    *,
    max_pages: int = 1000,
    max_depth: int = 10,
    same_host: bool = False,
    keywords: list[str] | None = None,
    robots: str | None = None,
    **overrides: Any,
) -> CrawlConfig:
    """A job's configuration from the settings, the command's options and any overrides."""
    fetch = FetchOptions(
        user_agent=settings.crawl_user_agent,
        concurrency=max(1, settings.crawl_concurrency),
        host_concurrency=max(1, settings.crawl_host_concurrency),
        timeout=float(max(1, settings.crawl_timeout_seconds)),
        response_seconds=float(max(1, settings.crawl_response_seconds)),
        max_redirects=settings.crawl_max_redirects,
        proxy=settings.crawl_proxy or None,
        onion_proxy=settings.crawl_onion_proxy or None,
        verify_tls=bool(settings.crawl_verify_tls),
        http2=bool(settings.crawl_http2),
    )
    fetch = dataclasses.replace(fetch, **overrides.pop("fetch", {}))
    if fetch.reach is None:  # the operator's networks, and what the seeds themselves name
        configured = tuple(p.strip() for p in settings.crawl_allowed_networks.split(",") if p)
        canonical_seeds = [check_seed(s) for s in seeds]
        reach = (*configured, *seed_reach(canonical_seeds))
        Reach(reach)  # a bad entry fails here, naming the setting
        fetch = dataclasses.replace(fetch, reach=tuple(dict.fromkeys(reach)))
    defaults: dict[str, Any] = {
        "host_delay": settings.crawl_host_delay_ms / 1000,
        "max_page_bytes": settings.crawl_max_page_bytes,
        "max_media_bytes": settings.crawl_max_media_bytes,
    }
    return CrawlConfig(
        seeds=tuple(dict.fromkeys(check_seed(s) for s in seeds)),
        hashsets=tuple(dict.fromkeys(hashsets)),
        max_pages=max_pages,
        max_depth=max_depth,
        same_host=same_host,
        keywords=tuple(keywords or ()),
        robots=robots or settings.crawl_robots,
        fetch=fetch,
        **(defaults | overrides),
    )
