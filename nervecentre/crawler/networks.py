"""Who runs an address: an offline delegation dataset, imported once, looked up in memory.

Findings are grouped by the party responsible for the server (the hosting provider or network
owner) and by jurisdiction without any network call: the user imports a dataset of IP ranges
(see :data:`FORMATS`), and each finding's recorded server address is looked up in it. Two
formats are read:

- **iptoasn TSV** (``ip2asn-combined.tsv``, public domain, from iptoasn.com): no header,
  ``range_start  range_end  AS_number  country_code  AS_description``; ranges with AS 0 (not
  routed) are skipped;
- **CSV with a header** naming ``network`` (CIDR) or ``first`` and ``last``, and ``provider``;
  optionally ``asn``, ``country`` (ISO 3166 alpha-2), ``region`` (in India, the state) and
  ``abuse_contact``. A unit's own list of Indian hosting providers by state fits here.

A malformed line stops the import with its line number and nothing is written.
"""

from __future__ import annotations

import bisect
import csv
import io
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from nervecentre.crawler.lead_models import NetworkBlock
from nervecentre.errors import InputFileError
from nervecentre.security import audit
from nervecentre.store.db import Database

FORMATS = ("iptoasn", "csv")
_BATCH = 5_000
_LOOKBACK = 64  # nested ranges: how many earlier-starting blocks may still enclose an address


@dataclass(frozen=True, slots=True)
class Block:
    """One range and who runs it."""

    first: str
    last: str
    asn: int | None
    provider: str
    country: str | None
    region: str | None = None
    abuse_contact: str | None = None


def address_key(value: str) -> str:
    """32 hex digits ordering every address: IPv6 as is, IPv4 mapped into ``::ffff:0:0/96``."""
    address = ipaddress.ip_address(value.strip().strip("[]"))
    if isinstance(address, ipaddress.IPv4Address):
        address = ipaddress.IPv6Address(f"::ffff:{address}")
    return address.packed.hex()


def _country(value: str, where: str) -> str | None:
    code = value.strip().upper()
    if not code or code in ("NONE", "ZZ", "--"):
        return None
    if len(code) != 2 or not code.isalpha():
        raise InputFileError(f"{where}: country must be a 2-letter ISO code, not {value!r}")
    return code


def _asn(value: str, where: str) -> int | None:
    text = value.strip().upper().removeprefix("AS")
    if not text:
        return None
    if not text.isdigit() or int(text) >= 2**32:
        raise InputFileError(f"{where}: AS number must be a whole number, not {value!r}")
    return int(text)


def _range(first: str, last: str, where: str) -> tuple[str, str]:
    try:
        low, high = address_key(first), address_key(last)
    except ValueError:
        raise InputFileError(f"{where}: not an IP address range: {first!r} - {last!r}") from None
    if low > high:
        raise InputFileError(f"{where}: the range ends before it starts: {first} - {last}")
    return low, high


def _iptoasn(lines: Iterator[str], name: str) -> Iterator[Block]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        cells = line.rstrip("\r\n").split("\t")
        where = f"{name} line {number}"
        if len(cells) != 5:
            raise InputFileError(f"{where}: expected 5 tab-separated cells, found {len(cells)}")
        asn = _asn(cells[2], where)
        if not asn:
            continue  # not routed
        low, high = _range(cells[0], cells[1], where)
        provider = cells[4].strip() or f"AS{asn}"
        yield Block(low, high, asn, provider[:300], _country(cells[3], where))


def _csv(lines: Iterator[str], name: str) -> Iterator[Block]:
    reader = csv.DictReader(lines)
    columns = {c.strip().lower() for c in reader.fieldnames or []}
    if "provider" not in columns or not ({"network"} <= columns or {"first", "last"} <= columns):
        raise InputFileError(
            f"{name}: a CSV of networks needs the columns provider and network (CIDR) or "
            f"first and last; found {', '.join(sorted(columns)) or 'no header'}"
        )
    for row in reader:
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        where = f"{name} line {reader.line_num}"
        if cells.get("network"):
            try:
                net = ipaddress.ip_network(cells["network"], strict=False)
            except ValueError:
                raise InputFileError(f"{where}: not a network: {cells['network']!r}") from None
            low, high = _range(str(net.network_address), str(net.broadcast_address), where)
        else:
            low, high = _range(cells.get("first", ""), cells.get("last", ""), where)
        provider = cells.get("provider", "")
        if not provider:
            raise InputFileError(f"{where}: provider is empty")
        yield Block(
            low,
            high,
            _asn(cells.get("asn", ""), where),
            provider[:300],
            _country(cells.get("country", ""), where),
            cells.get("region") or None,
            cells.get("abuse_contact") or None,
        )


def read_blocks(path: Path) -> list[Block]:
    """Every range of a dataset file (format from its content), or InputFileError naming the
    line at fault."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path.name}: not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise InputFileError(f"{path.name}: a binary file, not a network list")
    lines = iter(io.StringIO(text, newline=""))
    first = text.split("\n", 1)[0]
    reader = _iptoasn if first.count("\t") == 4 else _csv
    blocks = list(reader(lines, path.name))
    if not blocks:
        raise InputFileError(f"{path.name}: no network ranges in the file")
    return blocks


def import_blocks(db: Database, path: Path, *, dataset: str, actor: audit.Actor) -> int:
    """Replace the dataset called ``dataset`` with the ranges of ``path``; the count (audited)."""
    blocks = read_blocks(path)
    with db.session() as session:
        session.execute(delete(NetworkBlock).where(NetworkBlock.dataset == dataset))
        for start in range(0, len(blocks), _BATCH):
            session.add_all(
                NetworkBlock(
                    dataset=dataset,
                    first=b.first,
                    last=b.last,
                    asn=b.asn,
                    provider=b.provider,
                    country=b.country,
                    region=b.region,
                    abuse_contact=b.abuse_contact,
                )
                for b in blocks[start : start + _BATCH]
            )
            session.flush()
        detail = {"dataset": dataset, "file": path.name, "ranges": len(blocks)}
        audit.record(session, actor, "crawl.networks", "dataset", dataset, detail, ip=None)
    return len(blocks)


class Directory:
    """Every imported range, sorted, for lookups in memory (the most specific range wins)."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = sorted(blocks, key=lambda b: (b.first, b.last))
        self._firsts = [b.first for b in self.blocks]

    @classmethod
    def load(cls, db: Database) -> Directory:
        """The directory of every dataset in the database."""
        n = NetworkBlock
        query = select(n.first, n.last, n.asn, n.provider, n.country, n.region, n.abuse_contact)
        with db.session() as session:
            return cls([Block(*row) for row in session.execute(query)])

    def __len__(self) -> int:
        return len(self.blocks)

    def lookup(self, address: str | None) -> Block | None:
        """The narrowest range holding ``address``, or None (unknown, or not an address)."""
        if not address:
            return None
        try:
            key = address_key(address)
        except ValueError:
            return None
        at = bisect.bisect_right(self._firsts, key)
        best: Block | None = None
        for block in reversed(self.blocks[max(0, at - _LOOKBACK) : at]):
            if block.last >= key and (best is None or block.last < best.last):
                best = block
        return best
