"""'paid' edges: who paid whom in imported transactions, under need-to-know.

Case 21 (unit A) has an accused with wallet A and a victim with wallet V; case 22 (unit B) an
accused with wallet B and a victim with wallet V2. Transactions join them, and an unknown
wallet X. Victims' wallets are protected (blind index): never shown by value to anyone.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from nervecentre.errors import InputFileError
from nervecentre.graph import build_graph
from nervecentre.graph.exports import gexf, graphml, i2, neo4j
from nervecentre.graph.model import LinkGraph
from nervecentre.imports import import_register
from nervecentre.scams import payments
from nervecentre.security.users import create_user
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv
from tests.security.conftest import PASSWORD, World, make_world

W_A = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
W_B = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
W_V = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
W_V2 = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
W_X = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
ETH = "0x52908400098527886E0F7030069857D2E4169EE7"  # EIP-55 test vectors (mixed case)
ETH_X = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
TRANSFERS = f"""txid,date,from,to,amount
t1,2024-03-01,{W_V},{W_A},0.5
t2,2024-03-02,{W_A},{W_B},0.3
t3,2024-03-03,{W_V2},{W_B},0.2
t4,2024-03-04,{W_A},{W_X},0.1
t5,2024-03-05,{W_X},{W_B},0.05
t7,2024-03-07,{W_V},{W_B},0.02
"""


def _world(db: Database, tmp_path: Path) -> World:
    world = make_world(db, tmp_path)
    rows = [
        row(
            21,
            Accused=f"Salim Shaikh (M/34) - {W_A}",
            Victims=f"Rina Das (F/16) - {W_V}",
            Arrests="",
        ),
        row(
            22,
            **{"District": "Palghar", "Police Station": "Boisar"},
            Accused=f"Prakash Gawade (M/52) - {W_B}",
            Victims=f"Mou Roy (F/19) - {W_V2}",
            Arrests="",
        ),
    ]
    report = import_register(db, write_csv(tmp_path / "wallets.csv", rows))
    assert report.rejected_rows == 0, report.rejects
    (tmp_path / "t.csv").write_text(TRANSFERS)
    payments.store_payments(db, payments.read_payments(tmp_path / "t.csv"), "t.csv")
    # A node's listing names no other side: t6 imported for both wallets pairs them.
    listing = [
        {"address": W_B, "category": "send", "amount": -0.01, "txid": "t6", "time": 1709856000},
        {"address": W_A, "category": "receive", "amount": 0.01, "txid": "t6", "time": 1709856000},
    ]
    (tmp_path / "n.json").write_text(json.dumps(listing))
    payments.store_payments(db, payments.read_payments(tmp_path / "n.json"), "n.json")
    payments.store_rates(db, "BTC", [(date(2024, 3, 1), Decimal("5000000"))], "rates.csv")
    return world


@pytest.fixture
def pworld(db: Database, tmp_path: Path) -> World:
    return _world(db, tmp_path)


def _paid(graph: LinkGraph) -> set[tuple[str, str]]:
    def name(node: str) -> str:
        n = graph.nodes[node]
        if n.attrs.get("protected"):
            return "protected"
        return {W_A: "A", W_B: "B", W_X: "X", W_V: "V", W_V2: "V2"}[n.attrs["value"]]

    return {(name(e.source), name(e.target)) for e in graph.edges if e.type == "paid"}


def test_paid_edges_follow_the_money_with_provenance(pworld: World) -> None:
    graph = build_graph(pworld.db, pworld.user("admin"))
    assert _paid(graph) == {
        ("protected", "A"), ("A", "B"), ("protected", "B"), ("A", "X"), ("X", "B"), ("B", "A"),
    }  # fmt: skip
    [first] = [e for e in graph.edges if e.type == "paid" and e.attrs["txid"] == "t1"]
    assert first.record.startswith("scam_transactions:") and first.case_id is None
    assert first.date == date(2024, 3, 1)
    assert first.attrs["amount"] == "0.5" and first.attrs["source"] == "t.csv"
    assert first.attrs["inr"] == "2500000.00"  # 0.5 BTC at ₹50,00,000 that day
    [paired] = [e for e in graph.edges if e.type == "paid" and e.attrs["txid"] == "t6"]
    assert paired.attrs["source"] == "n.json" and paired.attrs["amount"] == "0.01"
    assert graph.nodes[f"crypto:{W_X}"].attrs["seen"] == "transactions"
    # Both victims' wallets: by blind index only, never the address.
    text = json.dumps(graph.to_json())
    assert W_V not in text and W_V2 not in text


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("inv", {("protected", "A"), ("A", "B"), ("A", "X"), ("B", "A")}),
        ("inv-b", {("protected", "B"), ("A", "B"), ("X", "B"), ("B", "A")}),
    ],
)
def test_a_user_sees_payments_of_their_wallets_only(
    pworld: World, user: str, expected: set[tuple[str, str]]
) -> None:
    graph = build_graph(pworld.db, pworld.user(user))
    assert _paid(graph) == expected
    text = json.dumps(graph.to_json())
    # Victim V paid wallet B (t7): unit B's investigator sees B, but V is a victim of a case
    # they may not see, so that payment is left out entirely, and neither victim shows.
    assert W_V not in text and W_V2 not in text
    assert not [e for e in graph.edges if e.type == "paid" and e.attrs["txid"] == "t7"]
    # Payments never bring in a case or person the user may not see.
    cases = {n.attrs["case_id"] for n in graph.nodes.values() if n.type == "case"}
    assert all(e.case_id is None or e.case_id in cases for e in graph.edges)


def test_a_user_with_no_unit_sees_no_payment(pworld: World) -> None:
    create_user(pworld.db, "nobody", PASSWORD, "analyst", actor="test", units=[])
    graph = build_graph(pworld.db, pworld.user("nobody"))
    assert not [e for e in graph.edges if e.type == "paid"]
    assert W_X not in json.dumps(graph.to_json())


def test_the_time_range_limits_payments(pworld: World) -> None:
    graph = build_graph(pworld.db, pworld.user("admin"), until=date(2024, 3, 2))
    # Cases 21/22 are dated 2023: the range keeps them; t1 and t2 only.
    assert {e.attrs["txid"] for e in graph.edges if e.type == "paid"} == {"t1", "t2"}
    later = build_graph(pworld.db, pworld.user("admin"), since=date(2024, 3, 4))
    assert not [e for e in later.edges if e.type == "paid"]  # no case that late: no wallet


def test_exports_carry_paid_edges(pworld: World, tmp_path: Path) -> None:
    graph = build_graph(pworld.db, pworld.user("inv"))
    assert '<data key="e_type">paid</data>' in graphml(graph).decode()
    assert 'value="paid"' in gexf(graph).decode()
    links = i2(graph)["links.csv"].decode("utf-8-sig")
    assert links.count(",paid,") == 4 and ",0.3 BTC," in links
    rels = neo4j(graph)["relationships.csv"].decode()
    assert rels.count(",PAID,") == 4 and ",0.5 BTC,2500000.00" in rels


@pytest.mark.parametrize(
    ("payer", "message"),
    [("not-a-wallet", "row 2: not a valid address"), (ETH, "row 2: 'from' is a ETH address")],
)
def test_a_transfer_list_with_a_bad_payer_is_refused(
    tmp_path: Path, payer: str, message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(f"txid,date,from,to,amount\nt1,2024-03-01,{payer},{W_A},0.5\n")
    with pytest.raises(InputFileError, match=message):
        payments.read_payments(bad)


def test_esplora_keeps_the_other_side(tmp_path: Path) -> None:
    tx = [
        {"txid": "e1", "status": {"block_time": 1709856000},
         "vin": [{"prevout": {"scriptpubkey_address": W_X, "value": 3000}}],
         "vout": [{"scriptpubkey_address": W_A, "value": 2000},
                  {"scriptpubkey_address": W_X, "value": 900}]},
        {"txid": "e2", "status": {"block_time": 1709856000},
         "vin": [{"prevout": {"scriptpubkey_address": W_A, "value": 2000}}],
         "vout": [{"scriptpubkey_address": W_B, "value": 1900}]},
    ]  # fmt: skip
    (tmp_path / "e.json").write_text(json.dumps(tx))
    found = payments.read_payments(tmp_path / "e.json", W_A)
    assert [(p.txid, p.amount, p.counterparties) for p in found] == [
        ("e1", Decimal("0.00002"), (W_X,)),
        ("e2", Decimal("-0.00002"), (W_B,)),
    ]


def test_an_ethereum_wallet_is_found_however_each_side_writes_it(
    db: Database, tmp_path: Path
) -> None:
    """The registry keeps EIP-55 mixed case, the tracker lower case: one wallet still."""
    world = make_world(db, tmp_path)
    rows = [row(31, Accused=f"Salim Shaikh (M/34) - {ETH}", Arrests="")]
    assert import_register(db, write_csv(tmp_path / "eth.csv", rows)).rejected_rows == 0
    (tmp_path / "e.csv").write_text(
        f"txid,date,from,to,amount\ne1,2024-03-01,{ETH_X.lower()},{ETH},1.5\n"
    )
    stored = payments.read_payments(tmp_path / "e.csv")
    assert stored[0].address == ETH.lower()
    payments.store_payments(db, stored, "e.csv")
    graph = build_graph(db, world.user("inv"))
    [paid] = [e for e in graph.edges if e.type == "paid"]
    assert paid.target == f"crypto:{ETH}" and paid.attrs["chain"] == "ETH"
    assert paid.source == f"crypto:{ETH_X}"  # the registry's form, though never in a case
