"""Payments to a racket's wallets, from offline blockchain exports, valued in rupees by date.

Inputs (no network, ever):

- a block explorer's CSV export: a transaction id column (``txid``, ``hash``, ``tx hash``),
  a date column (``date``, ``time``, ``timestamp``, ``block_time``: ISO text or Unix
  seconds) and an amount column (``amount``, ``value``, ``received``; in coins, or in
  satoshis when the column name says ``sat``), with an ``address`` column or the address
  given; negative amounts, or a ``type``/``direction``/``category`` column saying
  send/sent/out, are payments *out*; a ``from`` column (``from_address``, ``sender``)
  beside a ``to`` column makes each row a payment from one to the other;
- a node's JSON: ``listtransactions`` entries (``address``, ``category``, ``amount``,
  ``txid``, ``time``) or Esplora transactions (``txid``, ``status.block_time``, ``vin``
  ``prevout``, ``vout`` with ``scriptpubkey_address`` and values in satoshis: the other
  addresses of a transaction are kept as its counterparties);
- exchange rates: a CSV of ``date`` and rupees per coin (``inr``, ``rate``, ``close``,
  ``price``).

What a wallet received is a **lower bound** of the racket's revenue: only wallets found in
complaints and only transactions imported are counted, and money paid out is not
subtracted (it was received first). A payment is valued at the rate of its day, else the
closest earlier day within ``RATE_DAYS``; one without a rate is counted in coins and
reported as unvalued.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecentre.errors import InputFileError, InvalidValue
from nervecentre.scams.indicators import find_indicators
from nervecentre.scams.models import ScamRate, ScamTransaction
from nervecentre.store.db import Database

CHAINS = {"btc": "BTC", "eth": "ETH", "xmr": "XMR", "ltc": "LTC", "trx": "TRX"}
RATE_DAYS = 7
_TXID = ("txid", "tx_hash", "tx hash", "transaction hash", "transaction id", "hash", "tx")
_DATE = ("date", "datetime", "time", "timestamp", "block_time", "blocktime", "date (utc)")
_AMOUNT = (
    "amount", "value", "received", "amount (btc)", "value (btc)", "amount_btc", "value (sat)",
    "amount (sat)", "value_sat", "satoshis",
)  # fmt: skip
_RATE = ("inr", "rate", "close", "price", "inr_per_coin")
_OUT = {"send", "sent", "out", "outgoing", "debit", "withdrawal"}


@dataclass(frozen=True)
class Payment:
    """One transaction touching an address: coins in (positive) or out (negative)."""

    chain: str
    address: str
    txid: str
    at: datetime
    amount: Decimal
    #: The other side, as the export names it: who paid (coins in) or who was paid (out).
    counterparties: tuple[str, ...] = ()


@dataclass
class WalletTotal:
    """What a wallet received: coins, rupees (where a rate was known), and how many payments."""

    chain: str
    address: str
    received: Decimal = Decimal(0)
    inr: Decimal = Decimal(0)
    payments: int = 0
    unvalued: int = 0  # payments in with no rate near their day
    first: datetime | None = None
    last: datetime | None = None


@dataclass
class Totals:
    """Wallet totals and their sums per chain (coins) and in rupees."""

    wallets: list[WalletTotal] = field(default_factory=list)
    coins: dict[str, Decimal] = field(default_factory=dict)
    inr: Decimal = Decimal(0)
    unvalued: int = 0


def chain_of(address: str) -> str:
    """The chain of a valid address (BTC, ETH, XMR, LTC, TRX); InvalidValue otherwise."""
    found = [i for i in find_indicators(address) if i.kind in CHAINS]
    if len(found) != 1 or found[0].value.lower() != address.strip().lower():
        raise InvalidValue(f"not a valid address of a tracked chain: {address!r}", kind="crypto")
    return CHAINS[found[0].kind]


def _canonical(address: str) -> tuple[str, str]:
    found = [i for i in find_indicators(address) if i.kind in CHAINS]
    if not found:
        raise InvalidValue(f"not a valid address of a tracked chain: {address!r}", kind="crypto")
    return CHAINS[found[0].kind], found[0].value


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _when(text: str) -> datetime:
    text = text.strip()
    if text.replace(".", "", 1).isdigit():
        return datetime.fromtimestamp(float(text), UTC).replace(tzinfo=None)
    try:
        moment = datetime.fromisoformat(text.replace(" UTC", "").replace("Z", "+00:00"))
    except ValueError:
        raise InvalidValue(f"not a date: {text!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _decimal(text: object) -> Decimal:
    try:
        return Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidValue(f"not an amount: {text!r}") from None


def read_csv(text: str, address: str | None = None) -> Iterator[Payment]:
    """Payments from a block explorer's CSV export."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InputFileError("empty transaction file")
    header = rows[0]
    txid, when, amount = _column(header, _TXID), _column(header, _DATE), _column(header, _AMOUNT)
    where = _column(header, ("address", "wallet", "to", "to_address"))
    payer = _column(header, ("from", "from_address", "from address", "sender"))
    kind = _column(header, ("type", "direction", "category"))
    if txid is None or when is None or amount is None:
        raise InputFileError(
            "a transaction CSV needs a transaction id, a date and an amount column "
            f"(found: {', '.join(header)})"
        )
    if where is None and address is None:
        raise InputFileError("the CSV has no address column: give the address")
    in_sats = "sat" in header[amount].lower()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            value = _decimal(row[amount]) / (Decimal(100_000_000) if in_sats else 1)
            if kind is not None and row[kind].strip().lower() in _OUT:
                value = -abs(value)
            chain, wallet = _canonical(row[where] if where is not None else str(address))
            paid_by: tuple[str, ...] = ()
            if payer is not None and row[payer].strip():
                # A transfer list: the row's 'to' received what its 'from' paid.
                payer_chain, payer_wallet = _canonical(row[payer])
                if payer_chain != chain:
                    raise InvalidValue(f"'from' is a {payer_chain} address, 'to' a {chain} one")
                paid_by, value = (payer_wallet,), abs(value)
            yield Payment(chain, wallet, row[txid].strip(), _when(row[when]), value, paid_by)
        except (InvalidValue, IndexError) as exc:
            raise InputFileError(f"row {number}: {exc}") from None


def read_json(data: Any, address: str | None = None) -> Iterator[Payment]:
    """Payments from a node's JSON (listtransactions or Esplora transactions)."""
    entries = data.get("transactions", data.get("txs", [])) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise InputFileError("JSON transactions must be a list (or under 'transactions')")
    for entry in entries:
        if not isinstance(entry, dict) or "txid" not in entry:
            raise InputFileError(f"not a transaction: {str(entry)[:80]}")
        if "vout" in entry:
            if address is None:
                raise InputFileError("Esplora transactions need the address they are about")
            chain, wallet = _canonical(address)
            sats = sum(
                int(out.get("value", 0))
                for out in entry.get("vout", [])
                if out.get("scriptpubkey_address") == wallet
            ) - sum(
                int((vin.get("prevout") or {}).get("value", 0))
                for vin in entry.get("vin", [])
                if (vin.get("prevout") or {}).get("scriptpubkey_address") == wallet
            )
            status = entry.get("status") or {}
            when = status.get("block_time")
            if when is None:
                continue  # unconfirmed: not yet money received
            # The other side: who paid into it (inputs), or whom it paid (outputs).
            inputs = [vin.get("prevout") or {} for vin in entry.get("vin") or []]
            side = (
                [prevout.get("scriptpubkey_address") for prevout in inputs]
                if sats > 0
                else [out.get("scriptpubkey_address") for out in entry.get("vout") or []]
            )
            others = tuple(dict.fromkeys(a for a in side if a and a != wallet))
            yield Payment(
                chain, wallet, str(entry["txid"]), _when(str(when)),
                Decimal(sats) / 100_000_000, others,
            )  # fmt: skip
            continue
        chain, wallet = _canonical(str(entry.get("address") or address or ""))
        value = _decimal(entry.get("amount", 0))
        if str(entry.get("category", "")).lower() in _OUT:
            value = -abs(value)
        when = entry.get("blocktime", entry.get("time"))
        yield Payment(chain, wallet, str(entry["txid"]), _when(str(when)), value)


def read_payments(path: Path, address: str | None = None) -> list[Payment]:
    """Payments in a CSV or JSON export (by its content), all checked before any is stored."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read {path}: {exc}") from None
    try:
        if text.lstrip().startswith(("[", "{")):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputFileError(f"{path.name}: not valid JSON ({exc})") from None
            return list(read_json(data, address))
        return list(read_csv(text, address))
    except InvalidValue as exc:
        raise InputFileError(f"{path.name}: {exc}") from None


def store_payments(db: Database, payments: Iterable[Payment], source: str) -> tuple[int, int]:
    """Store payments once each (by chain, transaction and address): (new, already known)."""
    new = known = 0
    with db.session() as session:
        for p in payments:
            exists = session.scalar(
                select(ScamTransaction.id).where(
                    ScamTransaction.chain == p.chain,
                    ScamTransaction.txid == p.txid,
                    ScamTransaction.address == p.address,
                )
            )
            if exists is not None:
                known += 1
                continue
            session.add(
                ScamTransaction(
                    chain=p.chain, address=p.address, txid=p.txid[:100], at=p.at,
                    amount=str(p.amount), source=source[:300],
                    counterparties=" ".join(p.counterparties),
                )
            )  # fmt: skip
            session.flush()
            new += 1
    return new, known


def read_rates(path: Path) -> list[tuple[date, Decimal]]:
    """(day, rupees per coin) from a rate CSV."""
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read {path}: {exc}") from None
    if not rows:
        raise InputFileError(f"{path.name}: empty rate file")
    day, rate = _column(rows[0], _DATE), _column(rows[0], _RATE)
    if day is None or rate is None:
        raise InputFileError(f"{path.name}: a rate CSV needs a date and an inr/rate column")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            value = _decimal(row[rate])
            if value <= 0:
                raise InvalidValue(f"a rate must be positive: {row[rate]!r}")
            out.append((_when(row[day]).date(), value))
        except (InvalidValue, IndexError) as exc:
            raise InputFileError(f"{path.name}: row {number}: {exc}") from None
    return out


def store_rates(
    db: Database, asset: str, rates: Iterable[tuple[date, Decimal]], source: str
) -> int:
    """Store (or replace) rupees per coin by day; returns how many days were written."""
    asset = asset.upper()
    count = 0
    with db.session() as session:
        for day, value in rates:
            row = session.scalars(
                select(ScamRate).where(ScamRate.asset == asset, ScamRate.day == day)
            ).first()
            if row is None:
                session.add(ScamRate(asset=asset, day=day, inr=str(value), source=source[:300]))
            else:
                row.inr, row.source = str(value), source[:300]
            count += 1
    return count


def day_rates(session: Session, chains: set[str]) -> dict[str, dict[date, Decimal]]:
    """Rupees per coin by day, for each chain (asset) asked for."""
    out: dict[str, dict[date, Decimal]] = {c: {} for c in chains}
    if chains:
        for asset, day, inr in session.execute(
            select(ScamRate.asset, ScamRate.day, ScamRate.inr).where(ScamRate.asset.in_(chains))
        ):
            out[asset][day] = Decimal(inr)
    return out


def rate_on(rates: dict[date, Decimal], day: date) -> Decimal | None:
    """The rate of ``day``, else of the closest earlier day within RATE_DAYS."""
    for back in range(RATE_DAYS + 1):
        found = rates.get(day - timedelta(days=back))
        if found is not None:
            return found
    return None


def totals(session: Session, wallets: Iterable[tuple[str, str]]) -> Totals:
    """What each (chain, address) received, in coins and rupees, and the sums."""
    wanted = {(CHAINS.get(k, k.upper()), v) for k, v in wallets}
    result = Totals()
    if not wanted:
        return result
    addresses = {a for _, a in wanted}
    rows = session.scalars(
        select(ScamTransaction).where(ScamTransaction.address.in_(addresses))
    ).all()
    rates = day_rates(session, {c for c, _ in wanted})
    by_wallet: dict[tuple[str, str], WalletTotal] = {}
    for row in rows:
        if (row.chain, row.address) not in wanted:
            continue
        amount = Decimal(row.amount)
        if amount <= 0:
            continue
        total = by_wallet.setdefault((row.chain, row.address), WalletTotal(row.chain, row.address))
        total.received += amount
        total.payments += 1
        total.first = min(total.first or row.at, row.at)
        total.last = max(total.last or row.at, row.at)
        rate = rate_on(rates.get(row.chain, {}), row.at.date())
        if rate is None:
            total.unvalued += 1
        else:
            total.inr += amount * rate
    for key in sorted(by_wallet):
        wallet = by_wallet[key]
        result.wallets.append(wallet)
        result.coins[wallet.chain] = result.coins.get(wallet.chain, Decimal(0)) + wallet.received
        result.inr += wallet.inr
        result.unvalued += wallet.unvalued
    return result
