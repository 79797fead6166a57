"""Campaigns out, in the formats CERT-In and partner agencies exchange: STIX 2.1, MISP, CSV.

- **STIX 2.1** (built and checked with the ``stix2`` library): the producing unit as an
  ``identity``, each campaign as a ``campaign``, each indicator as an ``indicator`` with a
  STIX pattern and an ``indicates`` relationship. Wallets use OpenCTI's
  ``cryptocurrency-wallet`` and phones its ``phone-number`` observable types; UPI IDs are
  ``user-account`` objects of account type ``upi``. Ids are UUIDv5 of the content, so
  exporting the same campaign twice gives the same ids (partners de-duplicate on them).
- **MISP** event JSON (``{"Event": {..., "Attribute": [...]}}``) as MISP's "Add event from
  JSON" imports it; attribute types ``btc``, ``xmr``, ``phone-number``, ``email-src``,
  ``url``, ``domain``, and ``text`` with a comment for chains and UPI IDs MISP has no type for.
- **CSV** of indicators, every cell made inert for spreadsheets
  (:func:`nervecentre.exports.safety.neutralise`).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import stix2

from nervecentre.exports.safety import neutralise

_NAMESPACE = uuid.UUID("6f1c3b4e-2d7a-5c1e-9b8f-0a4d2e6c7b91")
_PATTERNS = {
    "btc": "[cryptocurrency-wallet:value = '{v}']",
    "eth": "[cryptocurrency-wallet:value = '{v}']",
    "xmr": "[cryptocurrency-wallet:value = '{v}']",
    "ltc": "[cryptocurrency-wallet:value = '{v}']",
    "trx": "[cryptocurrency-wallet:value = '{v}']",
    "upi": "[user-account:account_login = '{v}' AND user-account:account_type = 'upi']",
    "phone": "[phone-number:value = '{v}']",
    "email": "[email-addr:value = '{v}']",
    "url": "[url:value = '{v}']",
    "onion": "[domain-name:value = '{v}']",
}
_NAMES = {
    "btc": "Bitcoin address", "eth": "Ethereum address", "xmr": "Monero address",
    "ltc": "Litecoin address", "trx": "Tron address", "upi": "UPI ID", "phone": "Phone number",
    "email": "E-mail address", "url": "URL", "onion": "Tor onion service",
}  # fmt: skip
_MISP = {
    "btc": ("btc", "Financial fraud"), "xmr": ("xmr", "Financial fraud"),
    "eth": ("text", "Financial fraud"), "ltc": ("text", "Financial fraud"),
    "trx": ("text", "Financial fraud"), "upi": ("text", "Financial fraud"),
    "phone": ("phone-number", "Financial fraud"), "email": ("email-src", "Payload delivery"),
    "url": ("url", "Network activity"), "onion": ("domain", "Network activity"),
}  # fmt: skip


@dataclass(frozen=True)
class CampaignExport:
    """A campaign as exported: its number, name, span, demands and indicators."""

    id: int
    name: str
    first: datetime | None
    last: datetime | None
    messages: int
    demanded: dict[str, Decimal]
    indicators: Sequence[tuple[str, str, int]]  # kind, value, messages


def _id(kind: str, *parts: object) -> str:
    return f"{kind}--{uuid.uuid5(_NAMESPACE, '|'.join(str(p) for p in parts))}"


def _utc(moment: datetime | None) -> datetime:
    moment = moment or datetime(2000, 1, 1)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _describe(campaign: CampaignExport) -> str:
    asked = ", ".join(f"{amount} {currency}" for currency, amount in campaign.demanded.items())
    return f"{campaign.messages} complaint messages" + (
        f"; total demanded {asked}" if asked else ""
    )


def stix_bundle(campaigns: Sequence[CampaignExport], producer: str = "nervecentre") -> str:
    """A STIX 2.1 bundle (JSON text) of the campaigns and their indicators."""
    identity = stix2.Identity(
        id=_id("identity", "producer", producer),
        name=producer,
        identity_class="organization",
        created=_utc(None),
        modified=_utc(None),
    )
    objects: list[object] = [identity]
    for campaign in campaigns:
        start = _utc(campaign.first)
        sdo = stix2.Campaign(
            id=_id("campaign", campaign.id, campaign.name),
            name=campaign.name,
            description=_describe(campaign),
            created_by_ref=identity.id,
            created=start,
            modified=_utc(campaign.last),
            first_seen=start,
            last_seen=_utc(campaign.last),
            labels=["sextortion"],
        )
        objects.append(sdo)
        for kind, value, count in campaign.indicators:
            indicator = stix2.Indicator(
                id=_id("indicator", kind, value),
                name=f"{_NAMES[kind]} {value}",
                description=f"Seen in {count} complaint message(s) of {campaign.name}",
                pattern=_PATTERNS[kind].format(v=_quote(value)),
                pattern_type="stix",
                valid_from=start,
                created=start,
                modified=start,
                created_by_ref=identity.id,
                indicator_types=["malicious-activity"],
                labels=[kind],
            )
            objects.append(indicator)
            objects.append(
                stix2.Relationship(
                    id=_id("relationship", indicator.id, sdo.id),
                    relationship_type="indicates",
                    source_ref=indicator.id,
                    target_ref=sdo.id,
                    created=start,
                    modified=start,
                    created_by_ref=identity.id,
                )
            )
    bundle = stix2.Bundle(objects=objects, id=_id("bundle", *(c.id for c in campaigns)))
    return str(bundle.serialize(pretty=True))


def misp_event(campaign: CampaignExport, *, org: str = "nervecentre") -> dict[str, object]:
    """A MISP event (the ``{"Event": ...}`` object) for one campaign."""
    attributes = []
    for kind, value, count in campaign.indicators:
        kind_name, category = _MISP[kind]
        attributes.append(
            {
                "uuid": str(uuid.uuid5(_NAMESPACE, f"misp|{kind}|{value}")),
                "type": kind_name,
                "category": category,
                "value": value,
                "to_ids": kind not in ("email", "url"),
                "distribution": "5",
                "comment": f"{_NAMES[kind]}; in {count} complaint message(s)",
            }
        )
    return {
        "Event": {
            "uuid": str(uuid.uuid5(_NAMESPACE, f"misp-event|{campaign.id}|{campaign.name}")),
            "info": f"Sextortion campaign {campaign.name}: {_describe(campaign)}",
            "date": _utc(campaign.first).date().isoformat(),
            "threat_level_id": "2",
            "analysis": "1",
            "distribution": "0",
            "published": False,
            "Orgc": {"name": org},
            "Tag": [{"name": "tlp:amber"}, {"name": 'misp-galaxy:financial-fraud="Sextortion"'}],
            "Attribute": attributes,
        }
    }


def misp_json(campaigns: Sequence[CampaignExport]) -> str:
    """MISP events as JSON: one event object, or a list of them for several campaigns."""
    events = [misp_event(c) for c in campaigns]
    return json.dumps(events[0] if len(events) == 1 else events, indent=2, ensure_ascii=False)


def indicators_csv(rows: Sequence[tuple[str, str, int, int]]) -> str:
    """CSV of (kind, value, messages, campaigns), safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "value", "messages", "campaigns"])
    for kind, value, messages, campaigns in rows:
        writer.writerow([neutralise(kind), neutralise(value), messages, campaigns])
    return out.getvalue()
