"""Leads: findings grouped by host, by the party responsible, or by jurisdiction.

The party responsible for a server is looked up in the imported delegation dataset
(:mod:`nervecentre.crawler.networks`) by the address the server answered from; a finding whose
address is in no range is grouped under ``unknown provider`` (import a dataset to resolve it).
Each group counts findings still served and removed, and the time to removal — from the
finding, or from the first notice sent for it when there is one — with its median, the figure
Project Arachnid reports.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from nervecentre.crawler.lead_models import CrawlNotice
from nervecentre.crawler.models import CrawlFinding
from nervecentre.crawler.networks import Block, Directory
from nervecentre.store.db import Database

GROUPINGS = ("provider", "host", "country")
UNKNOWN = "unknown provider"


@dataclass(frozen=True, slots=True)
class Finding:
    """A finding as leads see it: where, who runs it, since when, whether it is gone."""

    id: int
    job_id: int
    page_url: str
    media_url: str
    host: str
    server_ip: str | None
    sha256: str
    hashset: str
    entry: str
    signal: str
    distance: int
    found_at: datetime
    removed_at: datetime | None
    noticed_at: datetime | None
    network: Block | None

    @property
    def provider(self) -> str:
        """Who runs the server's network (or ``unknown provider``)."""
        return self.network.provider if self.network else UNKNOWN

    @property
    def country(self) -> str:
        """The network's country, with the region (an Indian state) where the dataset has it."""
        if self.network is None or not self.network.country:
            return "unknown"
        region = self.network.region
        return f"{self.network.country} / {region}" if region else self.network.country

    def hours_to_removal(self) -> float | None:
        """Hours from the notice (or, without one, the finding) to the removal."""
        if self.removed_at is None:
            return None
        start = self.noticed_at or self.found_at
        return max(0.0, (self.removed_at - start).total_seconds() / 3600)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for ``--json`` and the API."""
        return {
            "finding": self.id,
            "job": self.job_id,
            "page_url": self.page_url,
            "media_url": self.media_url,
            "host": self.host,
            "server_ip": self.server_ip,
            "provider": self.provider,
            "asn": self.network.asn if self.network else None,
            "country": self.country,
            "sha256": self.sha256,
            "hashset": self.hashset,
            "entry": self.entry,
            "signal": self.signal,
            "distance": self.distance,
            "found_at": self.found_at.isoformat() + "Z",
            "removed_at": self.removed_at.isoformat() + "Z" if self.removed_at else None,
            "noticed_at": self.noticed_at.isoformat() + "Z" if self.noticed_at else None,
        }


@dataclass(slots=True)
class Lead:
    """One group of findings."""

    key: str
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The group's figures, for ``--json``, the API and the page."""
        hours = [h for f in self.findings if (h := f.hours_to_removal()) is not None]
        live = [f for f in self.findings if f.removed_at is None]
        contacts = {f.network.abuse_contact for f in self.findings if f.network}
        return {
            "key": self.key,
            "findings": len(self.findings),
            "still_served": len(live),
            "removed": len(self.findings) - len(live),
            "hosts": sorted({f.host for f in self.findings}),
            "first_found": min(f.found_at for f in self.findings).isoformat() + "Z",
            "median_hours_to_removal": round(statistics.median(hours), 1) if hours else None,
            "abuse_contacts": sorted(c for c in contacts if c),
        }


def _noticed(db: Database) -> dict[int, datetime]:
    """Each finding's first notice recorded as sent."""
    first: dict[int, datetime] = {}
    with db.session() as session:
        rows = session.execute(
            select(CrawlNotice.findings, CrawlNotice.sent_at).where(
                CrawlNotice.sent_at.is_not(None)
            )
        )
        for ids, sent in rows:
            for finding_id in json.loads(ids):
                if sent is not None and (finding_id not in first or sent < first[finding_id]):
                    first[int(finding_id)] = sent
    return first


def findings(db: Database, directory: Directory | None = None) -> list[Finding]:
    """Every finding with who runs its server, oldest first."""
    directory = directory if directory is not None else Directory.load(db)
    noticed = _noticed(db)
    f = CrawlFinding
    query = select(
        f.id, f.job_id, f.page_url, f.media_url, f.host, f.server_ip, f.sha256, f.hashset,
        f.entry, f.signal, f.distance, f.found_at, f.removed_at,
    ).order_by(f.found_at, f.id)  # fmt: skip
    with db.session() as session:
        rows = session.execute(query).all()
    return [
        Finding(
            id=r.id,
            job_id=r.job_id,
            page_url=r.page_url,
            media_url=r.media_url,
            host=r.host,
            server_ip=r.server_ip,
            sha256=r.sha256,
            hashset=r.hashset,
            entry=r.entry,
            signal=r.signal,
            distance=r.distance,
            found_at=r.found_at,
            removed_at=r.removed_at,
            noticed_at=noticed.get(r.id),
            network=directory.lookup(r.server_ip),
        )
        for r in rows
    ]


def leads(db: Database, by: str = "provider") -> list[Lead]:
    """Findings grouped ``by`` provider, host or country; most findings still served first."""
    if by not in GROUPINGS:
        raise ValueError(f"group by one of {', '.join(GROUPINGS)}, not {by!r}")
    groups: dict[str, Lead] = defaultdict(lambda: Lead(""))
    for item in findings(db):
        key = item.provider if by == "provider" else item.host if by == "host" else item.country
        lead = groups[key]
        lead.key = key
        lead.findings.append(item)
    return sorted(
        groups.values(),
        key=lambda g: (-sum(f.removed_at is None for f in g.findings), -len(g.findings), g.key),
    )
