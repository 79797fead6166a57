"""Login throttling per client address, on top of the per-account lockout in the library.

The account lockout stops guessing one user's password; this stops one address from
trying many users. It is in memory: one process serves the centre, and a restart only
gives an attacker back ten minutes.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

WINDOW_SECONDS = 600.0


class LoginThrottle:
    """Counts failed logins per address over a sliding window."""

    def __init__(self, max_failures: int, window: float = WINDOW_SECONDS) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, ip: str, now: float) -> deque[float]:
        seen = self._failures[ip]
        while seen and now - seen[0] > self.window:
            seen.popleft()
        return seen

    def retry_after(self, ip: str) -> int:
        """Seconds this address must wait before trying again (0: it may try now)."""
        if not self.max_failures:
            return 0
        now = time.monotonic()
        with self._lock:
            seen = self._trim(ip, now)
            if len(seen) < self.max_failures:
                return 0
            return max(1, int(self.window - (now - seen[0])) + 1)

    def failed(self, ip: str) -> None:
        """Count one failed login from this address."""
        with self._lock:
            self._trim(ip, time.monotonic()).append(time.monotonic())

    def succeeded(self, ip: str) -> None:
        """A success from this address clears its count."""
        with self._lock:
            self._failures.pop(ip, None)
