"""Several server processes on one port, each with its own listening socket (SO_REUSEPORT).

With one socket shared by every process (uvicorn's ``workers``), whichever process wakes
first accepts every connection waiting: ten analysts' browsers arriving together may all
land on one process, one core, while the other idles. With a socket per process and
``SO_REUSEPORT``, the kernel spreads new connections over the processes. A process that
dies is started again; Ctrl-C or SIGTERM stops them all, each finishing its requests.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

from nervecentre.errors import ConfigError, NervecentreError
from nervecentre.hashing.nodump import forbid_core_dumps

FACTORY = "nervecentre.web.app:app_from_environment"
_BACKLOG = 2048
# A process that dies sooner than this after starting is not restarted (it would again).
_STEADY_S = 5.0


def supported() -> bool:
    """Whether this system can give each process a socket on one port (Linux, BSD, macOS)."""
    return hasattr(socket, "SO_REUSEPORT")


def _listening(host: str, port: int, *, shared: bool = True) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def _serve_one(host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    forbid_core_dumps()  # a process started afresh: its re-checks hold fetched media

    sock = _listening(host, port)
    sock.listen(_BACKLOG)
    config = uvicorn.Config(FACTORY, factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


def check_port(host: str, port: int) -> None:
    """Raise ConfigError, saying why, when the address cannot be listened on.

    Checked without SO_REUSEPORT: another server already on the port (even another
    nervecentre) is an error, not a partner to share connections with.
    """
    try:
        _listening(host, port, shared=False).close()
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve_processes(host: str, port: int, count: int, options: dict[str, Any]) -> None:
    """Run ``count`` processes serving the app (built from the environment) until stopped."""
    check_port(host, port)
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> BaseProcess:
        process = context.Process(target=_serve_one, args=(host, port, options), daemon=False)
        process.start()
        return process

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    started = {start(): time.monotonic() for _ in range(count)}
    try:
        while not stopping and started:
            wait([p.sentinel for p in started], timeout=0.5)
            for process, at in list(started.items()):
                if process.is_alive() or stopping:
                    continue
                del started[process]
                if time.monotonic() - at >= _STEADY_S:
                    started[start()] = time.monotonic()
    finally:
        for process in started:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in hand
        for process in started:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if not stopping:
        raise NervecentreError("every server process exited soon after starting; see above why")
