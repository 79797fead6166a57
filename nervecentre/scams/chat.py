"""Who wrote in a WhatsApp chat export, and which side of the chat each one is.

A chat export's line prefixes ("12/03/24, 10:15 pm - +91 98765 43210: ") are dropped from the
message body so that two exports of one chat read the same; the senders are kept apart here.
A sender that WhatsApp shows as a number (not a saved contact) is a phone indicator; the side
that sends payment details (a wallet, a UPI ID, an onion or web address, another number) is
told apart from the victim's own side, whose number must never link two complaints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nervecentre.scams.indicators import check, find_indicators

# The indicator kinds by which a sender asks for money or points somewhere.
_PAYMENT_KINDS = frozenset({"btc", "eth", "xmr", "ltc", "trx", "upi", "url", "onion", "phone"})


@dataclass(frozen=True, slots=True)
class ChatSender:
    """One sender of a chat: the label the export shows, its phone (E.164) when the label is
    a number, how many lines they wrote, and whether their lines carry payment details."""

    label: str
    phone: str | None
    lines: int
    sends_payment_details: bool

    @property
    def role(self) -> str:
        """'demands payment' for the side that sends payment details, else 'other party'."""
        return "demands payment" if self.sends_payment_details else "other party"

    def describe(self) -> str:
        """The label with its role, as the message's sender field shows it."""
        return f"{self.label} ({self.role})"


def senders(lines: list[re.Match[str]], text: str, *, region: str = "IN") -> list[ChatSender]:
    """The senders of a chat in order of first appearance, from the matches of the export's
    line prefixes (the sender label is each match's last group) over `text`."""
    said: dict[str, list[str]] = {}
    for i, line in enumerate(lines):
        end = lines[i + 1].start() if i + 1 < len(lines) else len(text)
        said.setdefault(line.group(line.lastindex or 0).strip(), []).append(text[line.end() : end])
    out = []
    for label, parts in said.items():
        phone = check("phone", label, default_region=region)
        found = find_indicators("\n".join(parts), default_region=region)
        pays = any(i.kind in _PAYMENT_KINDS and i.value != phone for i in found)
        out.append(ChatSender(label, phone, len(parts), pays))
    return out


def victim_phones(chat: list[ChatSender]) -> frozenset[str]:
    """Numbers of senders who sent no payment details while another sender did: the
    complainant's own side of a chat, not an indicator of the racket."""
    if not any(s.sends_payment_details for s in chat):
        return frozenset()
    return frozenset(s.phone for s in chat if s.phone and not s.sends_payment_details)
