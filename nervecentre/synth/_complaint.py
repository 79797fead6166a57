"""One synthetic complaint message and the truth about it (written by :mod:`.complaints`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Complaint:
    """One message: its body as written, and the truth about it."""

    number: int
    campaign: str | None
    language: str
    channel: str  # "mail" or "chat"
    body: str
    html: bool = False
    indicators: list[tuple[str, str]] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)  # look-alikes that must not be found
    file: str = ""
    message: str | int | None = None

    def truth(self) -> dict[str, object]:
        """The truth line for truth.jsonl."""
        return {
            "file": self.file,
            "message": self.message,
            "campaign": self.campaign,
            "indicators": [{"kind": k, "value": v} for k, v in self.indicators],
            "decoys": self.decoys,
        }
