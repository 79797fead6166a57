"""Keeping media held in memory out of core dumps.

The Crawler holds each image it fetches in memory for as long as hashing takes, and the
media it looks for is abuse material. A process that crashes while holding it (a decoder
failing on a hostile file is the likely case) would have the kernel write its memory to
disk as a core dump, or hand it to systemd-coredump or apport, which store it. Every
nervecentre process therefore gives up core dumps as it starts: a core size limit of 0
(inherited by every process it starts) and, on Linux, the process marked not dumpable
(which also stops a pipe to a crash collector, which ignores the size limit, and keeps
other processes of the same user from reading its memory). Both are kept by ``fork``;
a process started afresh (``exec``) keeps the limit and calls this again.

Swap is the other way memory reaches disk: deploy on a machine whose swap is encrypted or
off (docs/crawler.md).
"""

from __future__ import annotations

import ctypes
import resource
import sys

_PR_GET_DUMPABLE = 3
_PR_SET_DUMPABLE = 4


def forbid_core_dumps() -> None:
    """No core dump of this process or of any it starts (see the module's text)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def core_dumps_forbidden() -> bool:
    """Whether this process can leave no core dump (both guards in place)."""
    limited = resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)
    if not sys.platform.startswith("linux"):
        return limited
    return limited and int(ctypes.CDLL(None).prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0)) == 0
