"""Servers for the web benchmark: start one, wait until it answers, stop it; its CPU time."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def http_get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(
    name: str, argv: list[str], port: int, ready: str, headers: dict[str, str], log: Path
) -> Iterator[int]:
    """Run a server until the block ends (normally, on error or on Ctrl-C); yields its pid."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    with log.open("wb") as out:
        # A session of its own: Ctrl-C reaches only us, and we stop the server ourselves.
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({proc.returncode}):\n{_tail(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer within 180 s:\n{_tail(log)}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, body = http_get(port, ready, headers)
                if status == 200:
                    break
                raise RuntimeError(f"{name}: GET {ready} -> {status}: {body[:300]!r}")
            time.sleep(0.2)
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) a process and its live descendants (a server's
    worker processes) have used so far; Linux only."""
    stats = {int(e.name): _stat(int(e.name)) for e in Path("/proc").iterdir() if e.name.isdigit()}
    children: dict[int, list[int]] = {}
    for child, stat in stats.items():
        if stat is not None:
            children.setdefault(int(stat[1]), []).append(child)
    if stats.get(pid) is None:
        return None
    total, todo = 0, [pid]
    while todo:
        stat = stats.get(current := todo.pop())
        if stat is not None:
            total += int(stat[11]) + int(stat[12])
            todo += children.get(current, [])
    return total / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds(database: str) -> float:
    """CPU time the PostgreSQL backends connected to ``database`` have used so far (a
    server's own CPU time leaves out the database's work; Linux only)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")[0].split()
        except OSError:
            continue
        # "postgres: 15/main: <user> <database> <client> <state>"
        if len(words) > 3 and words[0] == b"postgres:" and words[3] == database.encode():
            stat = _stat(int(entry.name))
            if stat is not None:
                total += int(stat[11]) + int(stat[12])
    return total / os.sysconf("SC_CLK_TCK")
