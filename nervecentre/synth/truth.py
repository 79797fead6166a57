"""The ground truth: who every person record really is, kept apart from the register.

One JSON object per line, one line per person record of the register's good rows:
``{"person_ref": ..., "identity_id": ..., "network_id": ..., "role": ..., "canonical_name": ...}``.
It is never imported into the database; entity resolution and network analysis are
scored against it (see docs/synthetic-data.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple


class TruthRow(NamedTuple):
    """The true identity (and network, for accused in one) behind one person record."""

    person_ref: str
    identity_id: str
    network_id: str | None
    role: str
    canonical_name: str


_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f-\U0010ffff]*')
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def truth_line(row: TruthRow) -> str:
    """One line of the truth file (with its newline); what ``json.dumps`` would write."""
    ref, identity, network, role, name = row
    if _PLAIN.fullmatch(ref + identity + (network or "") + role + name):
        net = "null" if network is None else f'"{network}"'
        # Generated values need no escaping, so skip the encoder's cost.
        return (
            f'{{"person_ref":"{ref}","identity_id":"{identity}","network_id":{net},'
            f'"role":"{role}","canonical_name":"{name}"}}\n'
        )
    return _DUMPS(row._asdict()) + "\n"


def write_truth(rows: Iterable[TruthRow], path: Path) -> int:
    """Write rows as JSON Lines (UTF-8); returns how many were written."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(truth_line(row))
            count += 1
    return count


def read_truth(path: Path) -> Iterator[TruthRow]:
    """Read a truth file back, row by row."""
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                data = json.loads(line)
                yield TruthRow(
                    data["person_ref"],
                    data["identity_id"],
                    data["network_id"],
                    data["role"],
                    data["canonical_name"],
                )
