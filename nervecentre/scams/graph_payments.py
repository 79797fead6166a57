"""Payments in the link graph: ``paid`` edges from the tracker's imported transactions.

The graph builder (:mod:`nervecentre.graph.build`) calls :func:`add_payment_links` with the
user's graph. A transaction takes part only when one of its two ends is a wallet already in
that graph with its value (so: a crypto address of a case the user may see), and only for a
user with ``scam.view`` (the transactions are the tracker's). Its other end is

- that wallet's node, when the graph holds it;
- a victim's protected wallet (the registry holds it by blind index only): its
  "protected crypto #…" node when the user may see it, else the payment is left out, so a
  victim's address never shows;
- else a wallet node of its own, labelled by the address, known from transactions only
  (when the secret key is missing, no such node: a victim's wallet could not be told apart).

Who paid whom comes from the export (``scam_transactions.counterparties``: a transfer list's
``from`` column, an Esplora transaction's inputs and outputs) or, for exports that name no
other side, from one transaction imported for both wallets (sent by one, received by the
other). The registry itself records no money transfers: UPI IDs and bank accounts are
identifiers a person used, not payments between them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from nervecentre.cases.people import Identifier
from nervecentre.graph.model import Edge, LinkGraph, Node
from nervecentre.scams.indicators import find_indicators
from nervecentre.scams.links import registry_key
from nervecentre.scams.models import ScamTransaction
from nervecentre.scams.payments import CHAINS, day_rates, rate_on
from nervecentre.security.fields import FieldCipher
from nervecentre.security.models import User
from nervecentre.security.roles import can

#: A row naming more counterparties than this (an exchange's batch payout) links none of
#: them: hundreds of "paid" edges from one transaction say nothing about a racket.
MAX_COUNTERPARTIES = 20
_KIND = {chain: kind for kind, chain in CHAINS.items()}
_CHUNK = 2_000


@dataclass(frozen=True, slots=True)
class _Paid:
    chain: str
    txid: str
    payer: str
    payee: str
    amount: Decimal
    at: date
    row: int
    source: str


def add_payment_links(
    session: Session, user: User, graph: LinkGraph, cipher: FieldCipher | None
) -> int:
    """Add ``paid`` edges (payer wallet -> payee wallet) to ``graph``; returns how many."""
    if not can(user, "scam.view"):
        return 0
    visible = {
        node.attrs["value"]: node.id
        for node in graph.nodes.values()
        if node.type == "crypto" and node.attrs.get("value")
    }
    if not visible:
        return 0
    rows = _touching(session, set(visible))
    found = [p for p in _payments(rows) if _in_range(graph, p.at)]
    ends = _Ends(session, graph, visible, cipher)
    rates = day_rates(session, {p.chain for p in found})
    reached = set(visible.values())
    added = 0
    for p in found:
        payer, payee = ends.node(p.chain, p.payer), ends.node(p.chain, p.payee)
        if payer is None or payee is None or payer == payee:
            continue
        if payer not in reached and payee not in reached:
            continue  # neither end reached through a visible case
        rate = rate_on(rates.get(p.chain, {}), p.at)
        attrs: dict[str, Any] = {
            "chain": p.chain,
            "txid": p.txid,
            "amount": str(p.amount),
            "inr": None if rate is None else str(round(p.amount * rate, 2)),
            "source": p.source,
        }
        ends.add(payer)
        ends.add(payee)
        graph.add_edge(Edge(payer, payee, "paid", None, f"scam_transactions:{p.row}", p.at, attrs))
        added += 1
    return added


def _in_range(graph: LinkGraph, when: date) -> bool:
    return (graph.since is None or when >= graph.since) and (
        graph.until is None or when <= graph.until
    )


def _touching(session: Session, values: set[str]) -> list[ScamTransaction]:
    """The rows of transactions one of whose ends may be a visible wallet."""
    columns = (ScamTransaction.chain, ScamTransaction.txid)
    rows: dict[int, ScamTransaction] = {}
    # The tracker stores an address as its indicators give it (an Ethereum address in lower
    # case), the registry in its own normalisation (EIP-55 mixed case): ask for both.
    forms = {i.value for v in values for i in find_indicators(v) if i.kind in CHAINS}
    wanted = sorted(values | forms)
    for i in range(0, len(wanted), _CHUNK):
        query = select(ScamTransaction).where(ScamTransaction.address.in_(wanted[i : i + _CHUNK]))
        rows.update({r.id: r for r in session.scalars(query)})
    # Rows naming a visible wallet as their other side (counterparties are few: read all).
    named = select(ScamTransaction).where(ScamTransaction.counterparties != "")
    for r in session.scalars(named):
        if values & _canonical_all(r.chain, r.counterparties.split()).keys():
            rows[r.id] = r
    # The other wallets' rows of the same transactions, for exports that name no other side.
    keys = sorted({(r.chain, r.txid) for r in rows.values() if not r.counterparties})
    for i in range(0, len(keys), _CHUNK):
        query = select(ScamTransaction).where(tuple_(*columns).in_(keys[i : i + _CHUNK]))
        rows.update({r.id: r for r in session.scalars(query)})
    return [rows[k] for k in sorted(rows)]


def _value(chain: str, address: str) -> str | None:
    """The registry's value of an address (its one normalisation), None if it is none."""
    key = registry_key(_KIND.get(chain, chain.lower()), address)
    return key[1] if key is not None else None


def _canonical_all(chain: str, addresses: Iterable[str]) -> dict[str, str]:
    found = {}
    for address in addresses:
        value = _value(chain, address)
        if value is not None:
            found[value] = address
    return found


def _payments(rows: list[ScamTransaction]) -> list[_Paid]:
    """Who paid whom, once per (transaction, payer, payee); a receiving row wins."""
    found: dict[tuple[str, str, str, str], _Paid] = {}
    unpaired: dict[tuple[str, str], list[ScamTransaction]] = defaultdict(list)
    for r in rows:
        amount = Decimal(r.amount)
        address = _value(r.chain, r.address)
        if address is None or amount == 0:
            continue
        others = list(_canonical_all(r.chain, r.counterparties.split()))
        if not r.counterparties:
            unpaired[(r.chain, r.txid)].append(r)
            continue
        if len(others) > MAX_COUNTERPARTIES:
            continue
        for other in others:
            payer, payee = (other, address) if amount > 0 else (address, other)
            key = (r.chain, r.txid, payer, payee)
            if key not in found or amount > 0:
                found[key] = _Paid(
                    r.chain, r.txid, payer, payee, abs(amount), r.at.date(), r.id, r.source
                )
    for (chain, txid), group in unpaired.items():
        payers = [r for r in group if Decimal(r.amount) < 0]
        payees = [r for r in group if Decimal(r.amount) > 0]
        for out in payers:
            for into in payees:
                sender, receiver = _value(chain, out.address), _value(chain, into.address)
                if sender is None or receiver is None:
                    continue
                key = (chain, txid, sender, receiver)
                if key not in found:
                    found[key] = _Paid(
                        chain, txid, sender, receiver, Decimal(into.amount), into.at.date(),
                        into.id, into.source,
                    )  # fmt: skip
    return list(found.values())


class _Ends:
    """The node of each address: a visible wallet, a victim's protected wallet, or new."""

    def __init__(
        self,
        session: Session,
        graph: LinkGraph,
        visible: dict[str, str],
        cipher: FieldCipher | None,
    ) -> None:
        self.session, self.graph, self.visible, self.cipher = session, graph, visible, cipher
        self.new: dict[str, Node] = {}
        self.protected: dict[str, bool] = {}

    def node(self, chain: str, value: str) -> str | None:
        if value in self.visible:
            return self.visible[value]
        if self.cipher is None:
            return None  # without the key no victim's wallet can be told apart: none shown
        blind = self.cipher.blind_index("crypto", value)
        if f"crypto:{blind}" in self.graph.nodes:
            return f"crypto:{blind}"
        if self._is_protected(blind):
            return None  # a victim's wallet the user may not see: never by its value
        node_id = f"crypto:{value}"
        if node_id not in self.new:
            attrs = {"kind": "crypto", "value": value, "chain": chain, "seen": "transactions"}
            self.new[node_id] = Node(node_id, "crypto", value, attrs)
        return node_id

    def _is_protected(self, blind: str) -> bool:
        if blind not in self.protected:
            query = select(Identifier.id).where(
                Identifier.kind == "crypto", Identifier.value == blind
            )
            self.protected[blind] = self.session.scalar(query.limit(1)) is not None
        return self.protected[blind]

    def add(self, node_id: str) -> None:
        if node_id in self.new:
            self.graph.add_node(self.new[node_id])
