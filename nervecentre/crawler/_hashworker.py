"""A hashing process of the crawl (see :mod:`nervecentre.crawler.hashpool`): bytes in, hashes out.

Run as ``python -m nervecentre.crawler._hashworker FD`` with FD one end of a Unix socket pair.
Each request is a header (request id, flags, URL length, body length), the URL and the body;
each reply the request id and JSON: ``[true, [size, md5, sha1, sha256, media type, pdq,
quality, error]]`` (the fields of ``FileHashes`` but the path) or ``[false, reason]``. The
bytes live in this process's memory only while they are hashed: nothing is written anywhere.
The process ends when the crawl closes its end of the socket (or the crawl process dies).
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import types
from pathlib import Path

REQUEST = struct.Struct("!QBII")  # request id, flags, URL length, body length
REPLY = struct.Struct("!QI")  # request id, payload length
EXACT = 1  # flag: the reference's PDQ (no estimate)


def _hash_engine() -> types.ModuleType:
    """The hash engine's ``digest`` module, without the rest of the engine.

    ``nervecentre.hashing``'s ``__init__`` imports all of it (hash sets, SQLAlchemy, the
    index): two seconds of CPU per process for nothing used here. The package is registered
    bare, so that importing ``digest`` runs ``digest`` and what it imports (Pillow, numpy,
    the PDQ code) only.
    """
    import nervecentre

    if "nervecentre.hashing" not in sys.modules:
        package = types.ModuleType("nervecentre.hashing")
        package.__path__ = [str(Path(nervecentre.__file__).parent / "hashing")]
        sys.modules["nervecentre.hashing"] = package
    from nervecentre.hashing import digest

    return digest


def _read(stream: object, size: int) -> bytes | None:
    data = stream.read(size)  # type: ignore[attr-defined]
    return data if len(data) == size else None


def serve(sock: socket.socket) -> None:
    """Answer requests until the other end closes."""
    hash_bytes = _hash_engine().hash_bytes
    stream = sock.makefile("rb", buffering=1 << 16)
    while True:
        head = _read(stream, REQUEST.size)
        if head is None:
            return
        request, flags, url_size, body_size = REQUEST.unpack(head)
        url = _read(stream, url_size)
        body = _read(stream, body_size)
        if url is None or body is None:
            return
        exact = bool(flags & EXACT)
        try:
            h = hash_bytes(body, url.decode(), exact=exact, estimate=not exact)
            fields = [h.size, h.md5, h.sha1, h.sha256, h.media_type, h.pdq, h.quality, h.error]
            result: list[object] = [True, fields]
        except Exception as exc:  # reported for this URL; the process carries on
            result = [False, f"{type(exc).__name__}: {exc}"[:300]]
        del body
        payload = json.dumps(result).encode()
        sock.sendall(REPLY.pack(request, len(payload)) + payload)


def main() -> None:
    _hash_engine()  # the bare package first, then its nodump module alone
    from nervecentre.hashing.nodump import forbid_core_dumps

    forbid_core_dumps()  # started afresh: it holds fetched images, and hostile ones may crash it
    sock = socket.socket(fileno=int(sys.argv[1]))
    try:
        serve(sock)
    except (BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main()
