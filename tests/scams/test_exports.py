"""Exports: a STIX 2.1 bundle that stix2 parses back, MISP event JSON, inert CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal

import stix2

from nervecentre.scams.exports import CampaignExport, indicators_csv, misp_json, stix_bundle
from tests.scams.messages import BTC, UPI

CAMPAIGN = CampaignExport(
    7, "Campaign 7", datetime(2026, 1, 5, 9), datetime(2026, 2, 1, 12), 140,
    {"BTC": Decimal("12.5"), "INR": Decimal("500000")},
    [("btc", BTC, 120), ("upi", UPI, 40), ("phone", "+919876543210", 12),
     ("url", "http://evil.example/pay?x='1'", 3), ("onion", "x" * 56 + ".onion", 1)],
)  # fmt: skip


def test_stix_bundle_parses_strictly_and_is_stable() -> None:
    text = stix_bundle([CAMPAIGN])
    bundle = stix2.parse(text, allow_custom=False)
    kinds = [o.type for o in bundle.objects]
    assert kinds.count("indicator") == 5 and kinds.count("relationship") == 5
    assert "campaign" in kinds and "identity" in kinds
    patterns = {o.pattern for o in bundle.objects if o.type == "indicator"}
    assert f"[cryptocurrency-wallet:value = '{BTC}']" in patterns
    assert "[url:value = 'http://evil.example/pay?x=\\'1\\'']" in patterns
    assert stix_bundle([CAMPAIGN]) == text  # same campaign, same ids


def test_misp_event_shape() -> None:
    event = json.loads(misp_json([CAMPAIGN]))["Event"]
    assert {"info", "date", "threat_level_id", "analysis", "distribution", "Attribute"} <= set(
        event
    )
    assert event["date"] == "2026-01-05"
    types = {a["value"]: (a["type"], a["category"]) for a in event["Attribute"]}
    assert types[BTC] == ("btc", "Financial fraud")
    assert types["+919876543210"] == ("phone-number", "Financial fraud")
    assert all(
        {"uuid", "type", "category", "value", "to_ids"} <= set(a) for a in event["Attribute"]
    )
    assert isinstance(json.loads(misp_json([CAMPAIGN, CAMPAIGN])), list)


def test_csv_is_inert_in_spreadsheets() -> None:
    text = indicators_csv([("email", "=HYPERLINK(\"http://x\")@evil.example", 1, 1),
                           ("phone", "+919876543210", 2, 1)])  # fmt: skip
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["kind", "value", "messages", "campaigns"]
    assert rows[1][1].startswith("'=") and rows[2][1] == "'+919876543210"
