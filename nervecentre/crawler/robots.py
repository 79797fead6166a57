"""robots.txt: read once per host, recorded with the job, honoured when the job says so.

Following RFC 9309: a missing file (4xx) allows everything; a server error or an unreachable
host disallows everything while honouring (the site may be down, not permissive). Whatever
the mode, the file as read (or the failure) is kept as evidence of what the site asked.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.robotparser import RobotFileParser

from nervecentre.crawler.fetch import Fetcher

MAX_ROBOTS_BYTES = 512 * 1024


@dataclass(slots=True)
class Robots:
    """One host's rules."""

    host: str
    status: int | None
    text: str | None
    parser: RobotFileParser | None
    disallow_all: bool = False
    allow_all: bool = False  # no rule disallows anything: no URL need be checked

    def allows(self, url: str, agent: str) -> bool:
        """Whether the rules let ``agent`` fetch ``url``."""
        if self.disallow_all:
            return False
        return self.allow_all or self.parser is None or self.parser.can_fetch(agent, url)

    def record(self, job_id: int) -> dict[str, object]:
        """The row kept for the job."""
        return {
            "job_id": job_id,
            "host": self.host,
            "robots_status": self.status,
            "robots_sha256": hashlib.sha256(self.text.encode()).hexdigest() if self.text else None,
            "robots_txt": self.text,
        }


class RobotsCache:
    """Each host's robots.txt, fetched at most once per run (concurrent askers wait for it)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self.hosts: dict[str, Robots] = {}
        self._pending: dict[str, asyncio.Future[Robots]] = {}

    async def get(
        self, host: str, scheme: str, pace: Callable[[], Awaitable[None]] | None = None
    ) -> tuple[Robots, bool]:
        """The host's rules, and whether this call fetched them (so they are recorded once).

        ``pace`` is awaited just before the request, as for any other request to the host.
        """
        if host in self.hosts:
            return self.hosts[host], False
        if host in self._pending:
            return await self._pending[host], False
        future: asyncio.Future[Robots] = asyncio.get_running_loop().create_future()
        self._pending[host] = future
        if pace is not None:
            await pace()
        robots = await self._fetch(host, scheme)
        self.hosts[host] = robots
        future.set_result(robots)
        del self._pending[host]
        return robots, True

    async def _fetch(self, host: str, scheme: str) -> Robots:
        fetched = await self.fetcher.fetch(f"{scheme}://{host}/robots.txt", MAX_ROBOTS_BYTES)
        status = fetched.status
        if fetched.error is not None and (status is None or status >= 500):
            return Robots(host, status, None, None, disallow_all=True)
        if status is None or status >= 400:
            return Robots(host, status, None, None)
        text = fetched.body.decode("utf-8", errors="replace")
        parser = RobotFileParser()
        parser.parse(text.splitlines())
        return Robots(host, status, text, parser, allow_all=_allows_everything(parser))


def _allows_everything(parser: RobotFileParser) -> bool:
    """Whether no rule of any group disallows anything (``Disallow:`` with no path allows).

    Read from the parser's groups (not in its documented API): where they are missing the
    answer is False, and every URL is checked as before.
    """
    groups = getattr(parser, "entries", None)
    if groups is None or not hasattr(parser, "default_entry"):
        return False
    default = parser.default_entry
    groups = [*groups, *([default] if default is not None else [])]
    rules = [rule for group in groups for rule in getattr(group, "rulelines", [None])]
    return all(getattr(rule, "allowance", False) is True for rule in rules)
