"""Synthetic hash lists of random hashes, for tests, benchmarks and demos (never real data)."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

from nervecentre.hashing.sets.vics import CONTEXT_2_0


def write_synthetic_vics(
    path: str | Path, count: int, *, seed: int = 1, pdq: bool = True, photodna_every: int = 3
) -> Path:
    """Write a VICS 2.0 file of ``count`` random entries (MD5, SHA-1, PDQ, some PhotoDNA)."""
    rnd = random.Random(seed)
    path = Path(path)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"@odata.context":' + json.dumps(CONTEXT_2_0) + ',"value":[')
        for i in range(count):
            media: dict[str, object] = {
                "MediaID": i + 1,
                "Category": i % 5,
                "MD5": f"{rnd.getrandbits(128):032X}",
                "SHA1": f"{rnd.getrandbits(160):040X}",
                "MediaSize": rnd.randrange(1, 1 << 24),
                "IsPrecategorized": "false",
            }
            if pdq:
                media["PDQ"] = f"{rnd.getrandbits(256):064x}"
            if photodna_every and i % photodna_every == 0:
                media["PhotoDNA"] = base64.b64encode(rnd.randbytes(144)).decode("ascii")
            out.write(("," if i else "") + "\n" + json.dumps(media, separators=(",", ":")))
        out.write("\n]}\n")
    return path
