"""Payments: transaction exports and rates read offline, totals as a lower bound in coins and ₹."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from nervecentre.errors import InputFileError
from nervecentre.scams import payments
from nervecentre.store.db import Database
from tests.scams.messages import BTC, BTC2, write


def test_explorer_csv_in_satoshis_with_sends(tmp_path: Path) -> None:
    path = write(
        tmp_path / "w.csv",
        "Tx Hash,Date (UTC),Value (sat),Type\n"
        "aa01,2026-03-01 10:00:00,1500000,received\n"
        "aa02,2026-03-02T09:00:00Z,2500000,received\n"
        "aa03,1772700000,4000000,sent\n",
    )
    found = payments.read_payments(path, BTC)
    assert [p.amount for p in found] == [Decimal("0.015"), Decimal("0.025"), Decimal("-0.04")]
    assert found[0].chain == "BTC" and found[0].address == BTC
    assert found[2].at == datetime(2026, 3, 5, 8, 40)


def test_node_json_and_esplora(tmp_path: Path) -> None:
    listing = [
        {"address": BTC2, "category": "receive", "amount": 0.1, "txid": "t1", "time": 1772400000},
        {"address": BTC2, "category": "send", "amount": -0.05, "txid": "t2", "time": 1772500000},
    ]
    found = payments.read_payments(write(tmp_path / "n.json", json.dumps(listing)))
    assert [(p.txid, p.amount) for p in found] == [("t1", Decimal("0.1")), ("t2", Decimal("-0.05"))]
    esplora = [
        {"txid": "e1", "status": {"confirmed": True, "block_time": 1772400000},
         "vin": [], "vout": [{"scriptpubkey_address": BTC, "value": 2000000},
                             {"scriptpubkey_address": BTC2, "value": 5}]},
        {"txid": "e2", "status": {"confirmed": False}, "vin": [], "vout": []},
    ]  # fmt: skip
    [one] = payments.read_payments(write(tmp_path / "e.json", json.dumps(esplora)), BTC)
    assert (one.txid, one.amount) == ("e1", Decimal("0.02"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b\n1,2\n", "needs a transaction id, a date and an amount"),
        ("txid,date,amount\nx,2026-01-01,abc\n", "row 2: not an amount"),
        ("txid,date,amount,address\nx,2026-01-01,1,bc1qnotanaddress\n", "not a valid address"),
        ("[{", "not valid JSON"),
    ],
)
def test_bad_exports_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        payments.read_payments(write(tmp_path / "bad.csv", content), BTC)


def test_totals_are_received_only_valued_at_the_rate_of_the_day(
    db: Database, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "w.csv",
        "txid,date,amount,address\n"
        f"t1,2026-03-01,0.5,{BTC}\n"
        f"t2,2026-03-04,0.25,{BTC}\n"  # rate of 03-03 (one day back)
        f"t3,2026-05-01,0.1,{BTC}\n"  # no rate within a week: unvalued
        f"t4,2026-03-05,-0.7,{BTC}\n"  # money out is not subtracted
        f"t5,2026-03-01,1,{BTC2}\n",  # another wallet, not asked for
    )
    assert payments.store_payments(db, payments.read_payments(path), "w.csv") == (5, 0)
    assert payments.store_payments(db, payments.read_payments(path), "w.csv") == (0, 5)
    rates = write(tmp_path / "r.csv", "date,inr\n2026-03-01,5000000\n2026-03-03,6000000\n")
    assert payments.store_rates(db, "btc", payments.read_rates(rates), "r.csv") == 2
    with db.session() as session:
        result = payments.totals(session, [("btc", BTC)])
    [wallet] = result.wallets
    assert wallet.received == Decimal("0.85") and wallet.payments == 3 and wallet.unvalued == 1
    assert wallet.inr == Decimal("0.5") * 5000000 + Decimal("0.25") * 6000000
    assert result.coins == {"BTC": Decimal("0.85")} and result.inr == Decimal(4000000)


def test_rate_lookup_goes_back_a_week_at_most() -> None:
    rates = {date(2026, 1, 1): Decimal(1)}
    assert payments.rate_on(rates, date(2026, 1, 8)) == Decimal(1)
    assert payments.rate_on(rates, date(2026, 1, 9)) is None
