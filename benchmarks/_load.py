"""HTTP load generator for ``bench_web.py``: closed-loop clients on keep-alive connections.

Standard library only, so that it starts fast and costs the machine as little as possible:
raw asyncio streams and a minimal HTTP/1.1 reader (Content-Length or chunked bodies).
Run as a separate process; it reads a JSON spec on stdin and prints a JSON result:

    {"host": "127.0.0.1", "port": 8000, "paths": ["/api/cases?..."], "headers": {...},
     "clients": 10, "warmup": 2.0, "duration": 10.0}

Each client sends a request, waits for the whole response, and sends the next one, cycling
through ``paths`` (client k starts at path k, so the mix is spread). The measured window opens
once ``warmup`` seconds have passed and every client has had a response, and closes once
``duration`` seconds have passed and at least two requests per client have completed in it
(at most ``4 * duration`` more): a server slower than the clients are many still yields
figures. Only responses completing inside the window count in the figures; ``sent`` (per
path) counts every request. Every response is checked: good is a 200 whose JSON body has a
non-empty ``rows`` list; anything else is an error (the first few are kept verbatim).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

_MAX_ERROR_SAMPLES = 5
_GRACE_S = 60.0


@dataclass
class _Tally:
    """What all clients saw in the measured window (and in total, warm-up included)."""

    clients: int
    warm_after: float
    duration: float
    hard_stop: float
    warmed: set[int] = field(default_factory=set)
    measure_from: float | None = None
    measure_to: float | None = None
    latencies: list[float] = field(default_factory=list)
    by_path: dict[int, list[float]] = field(default_factory=dict)
    sent: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def done(self, k: int, now: float, latency: float, index: int) -> None:
        """Client k had a good response at ``now``: warm up, count it, or close the window."""
        if self.measure_from is None:
            self.warmed.add(k)
            if len(self.warmed) == self.clients and now >= self.warm_after:
                self.measure_from = now
            return
        if self.measure_to is not None:
            return
        self.latencies.append(latency)
        self.by_path.setdefault(index, []).append(latency)
        enough = len(self.latencies) >= 2 * self.clients
        if (now - self.measure_from >= self.duration and enough) or now >= self.hard_stop:
            self.measure_to = now

    def running(self) -> bool:
        return self.measure_to is None and time.perf_counter() < self.hard_stop

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < _MAX_ERROR_SAMPLES:
            self.error_samples.append(text[:300])


def _has_rows(body: bytes) -> bool:
    """Whether the JSON body has a non-empty ``"rows"`` list, without parsing it all."""
    at = body.find(b'"rows"')
    if at < 0:
        return False
    rest = body[at + 6 : at + 64].lstrip()
    if not rest.startswith(b":"):
        return False
    rest = rest[1:].lstrip()
    return rest.startswith(b"[") and not rest[1:].lstrip().startswith(b"]")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server will close the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length: int | None = None
    chunked = close = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            close = b"close" in value
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                break
            parts.append((await reader.readexactly(size + 2))[:-2])
        body = b"".join(parts)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body, close = await reader.read(), True
    return status, body, close


async def _client(host: str, port: int, requests: list[bytes], first: int, tally: _Tally) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = first
    try:
        while tally.running():
            index = i % len(requests)
            i += 1
            start = time.perf_counter()
            try:
                writer.write(requests[index])
                status, body, close = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                tally.sent[index] = tally.sent.get(index, 0) + 1
                tally.error(f"connection: {exc!r}")
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            end = time.perf_counter()
            tally.sent[index] = tally.sent.get(index, 0) + 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
            if status != 200 or not _has_rows(body):
                tally.error(f"HTTP {status}: {body[:200]!r}")
                continue
            tally.done(first, end, end - start, index)
    finally:
        writer.close()


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the load described by ``spec`` and summarise it (latencies in milliseconds)."""
    host, port = spec["host"], int(spec["port"])
    extra = "".join(f"{k}: {v}\r\n" for k, v in spec.get("headers", {}).items())
    requests = [
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode("latin-1")
        for path in spec["paths"]
    ]
    start = time.perf_counter()
    warmup, duration = float(spec["warmup"]), float(spec["duration"])
    clients = int(spec["clients"])
    hard_stop = start + warmup + 5 * duration
    tally = _Tally(clients, start + warmup, duration, hard_stop)
    load = asyncio.gather(*(_client(host, port, requests, k, tally) for k in range(clients)))
    try:
        # A server that stops answering must not hang the benchmark.
        await asyncio.wait_for(load, timeout=hard_stop - start + _GRACE_S)
    except TimeoutError:
        tally.error(f"timeout: no response within {_GRACE_S:.0f} s after the end")
    if tally.measure_from is None:
        tally.error("warm-up never ended: some client had no good response")
    opened = tally.measure_from or time.perf_counter()
    seconds = max((tally.measure_to or time.perf_counter()) - opened, 1e-9)
    lat = sorted(tally.latencies)
    ms = 1000.0
    return {
        "clients": clients,
        "completed": len(lat),
        "sent": {spec["paths"][i]: n for i, n in sorted(tally.sent.items())},
        "errors": tally.errors,
        "error_samples": tally.error_samples,
        "seconds": seconds,
        "rps": len(lat) / seconds,
        "p50_ms": _percentile(lat, 0.50) * ms,
        "p99_ms": _percentile(lat, 0.99) * ms,
        "p95_ms": _percentile(lat, 0.95) * ms,
        "max_ms": (lat[-1] if lat else 0.0) * ms,
        "path_p50_ms": {
            spec["paths"][i]: _percentile(sorted(v), 0.50) * ms
            for i, v in sorted(tally.by_path.items())
        },
        "path_p99_ms": {
            spec["paths"][i]: _percentile(sorted(v), 0.99) * ms
            for i, v in sorted(tally.by_path.items())
        },
    }


def main() -> None:
    spec = json.load(sys.stdin)
    json.dump(asyncio.run(run(spec)), sys.stdout)


if __name__ == "__main__":
    main()
