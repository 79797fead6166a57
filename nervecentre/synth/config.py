"""What to generate: the size, seed and period of a synthetic dataset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nervecentre.errors import ConfigError


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """Settings of one synthetic dataset; the same settings always give the same data.

    ``end`` is also the "as of" date: case statuses and events are those known on it,
    and no date in the data is later.
    """

    cases: int = 2000
    seed: int = 1
    start: date = date(2019, 1, 1)
    end: date = date(2025, 12, 31)
    network_count: int | None = None
    bad_rows: int = 0

    def __post_init__(self) -> None:
        if self.cases < 0:
            raise ConfigError(f"cases must be 0 or more, not {self.cases}")
        if self.end < self.start:
            raise ConfigError(f"the period ends ({self.end}) before it starts ({self.start})")
        if self.network_count is not None and self.network_count < 1:
            raise ConfigError(f"network_count must be at least 1, not {self.network_count}")
        if self.bad_rows < 0:
            raise ConfigError(f"bad_rows must be 0 or more, not {self.bad_rows}")

    @property
    def networks(self) -> int:
        """How many hidden networks: as given, else one per 25 cases (at least one)."""
        return self.network_count or max(1, self.cases // 25)
