"""A synthetic corpus of sextortion complaints with its ground truth, deterministic by seed.

Campaigns (bitcoin webcam mails, UPI / WhatsApp video-call threats in English, Hindi and
Marathi, darknet-channel threats) with per-campaign wording, wallets, UPI IDs and phones;
personal variables per victim; indicators hidden the ways real mail hides them; benign mail
full of hashes, transaction ids, commit ids and invoice numbers; one-character look-alikes
of addresses whose checksum no longer holds. Written as .eml, .mbox and .txt files, with
``truth.jsonl``: per message its file, message key, campaign and indicators.

>>> corpus = write_complaints(Path("out"), ComplaintConfig(messages=500, seed=7))

Every address encodes random bytes (no real wallet); every person is invented.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from faker import Faker

from nervecentre.synth import _scam_addresses as wallets
from nervecentre.synth import _scam_obfuscate as hide
from nervecentre.synth._complaint import Complaint
from nervecentre.synth._random import between, pick, rng_for
from nervecentre.synth._scam_files import write_files
from nervecentre.synth._scam_templates import (
    BENIGN,
    COMPLAINT_INTRO,
    FILLER,
    SCAM_TEMPLATES,
    Template,
)

_SLOT = re.compile(r"\{(\w+)\}")
_CHAINS = ("btc", "eth", "ltc", "trx", "xmr")
_PSPS = ("ybl", "okaxis", "oksbi", "okhdfcbank", "paytm", "ibl", "axl", "upi", "apl")
_MAILS = ("gmail.com", "yahoo.co.in", "outlook.com", "rediffmail.com", "proton.me")


@dataclass(frozen=True)
class ComplaintConfig:
    """Size and mix of a corpus; the same config always writes the same bytes."""

    messages: int = 600
    campaigns: int = 24
    seed: int = 1
    benign: float = 0.2
    obfuscation: float = 0.4
    lookalikes: float = 0.15


@dataclass
class _Campaign:
    ident: str
    family: str
    template: Template
    language: str
    choice: list[int]
    values: dict[str, list[str]]


def _campaign(rng: random.Random, number: int) -> _Campaign:
    family = pick(rng, tuple(SCAM_TEMPLATES))
    template, language = SCAM_TEMPLATES[family]
    slots = {s for line in template for text in line for s in _SLOT.findall(text)}
    values: dict[str, list[str]] = {}
    for chain in _CHAINS:
        if chain in slots:
            count = between(rng, 1, 3) if chain == "btc" else between(rng, 1, 2)
            values[chain] = [wallets.CRYPTO[chain](rng) for _ in range(count)]
    values["phone"] = [wallets.phone(rng) for _ in range(between(rng, 1, 2))]
    values["upi"] = [_upi(rng) for _ in range(between(rng, 1, 2))]
    values["contact"] = [_mailbox(rng, "x") for _ in range(between(rng, 1, 2))]
    values["onion"] = [wallets.onion(rng)]
    values["url"] = [
        f"https://t.me/{_word(rng)}{between(rng, 10, 999)}",
        f"http://{_word(rng)}-pay.in" + pick(rng, ("", f"/{_word(rng)}")),
        # Paths in Devanagari, as Indian payment pages write them (kept as written).
        f"https://{_word(rng)}-help.in/"
        + pick(rng, ("भुगतान", "पेमेंट", "शुल्क"))
        + f"/{between(rng, 100, 9999)}",
    ]
    choice = [between(rng, 0, len(line) - 1) for line in template]
    return _Campaign(f"C{number:03d}", family, template, language, choice, values)


def _word(rng: random.Random) -> str:
    return "".join(pick(rng, "abcdefghijklmnoprstuvw") for _ in range(between(rng, 5, 9)))


def _upi(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return wallets.phone(rng, 0)[3:] + "@" + pick(rng, _PSPS)
    return f"{_word(rng)}{between(rng, 1, 99)}@{pick(rng, _PSPS)}"


def _mailbox(rng: random.Random, style: str) -> str:
    if style == "x":
        return f"{_word(rng)}.{between(rng, 1, 999)}@{pick(rng, ('proton.me', 'tutanota.com'))}"
    return f"{_word(rng)}.{_word(rng)}{between(rng, 1, 99)}@{pick(rng, _MAILS)}"


class _Writer:
    """Fills a message's placeholders, hiding values and recording them as truth."""

    def __init__(self, rng: random.Random, config: ComplaintConfig, item: Complaint) -> None:
        self.rng, self.config, self.item = rng, config, item
        self.seen: set[tuple[str, str]] = set()

    def add(self, kind: str, value: str) -> None:
        if (kind, value) not in self.seen:
            self.seen.add((kind, value))
            self.item.indicators.append((kind, value))

    def crypto(self, chain: str, address: str) -> str:
        shown, _ = hide.address(self.rng, address, self.config.obfuscation, self.item.html)
        value = address.lower() if chain == "eth" or address[:3] in ("bc1", "ltc") else address
        self.add(chain, value)
        return shown

    def phone(self, e164: str) -> str:
        self.add("phone", e164)
        return hide.phone(self.rng, e164, self.item.language)

    def email(self, address: str) -> str:
        self.add("email", address.lower())
        return hide.email(self.rng, address, self.config.obfuscation / 2)

    def upi(self, vpa: str) -> str:
        self.add("upi", vpa.lower())
        return hide.upi(self.rng, vpa, self.config.obfuscation / 2)

    def url(self, value: str) -> str:
        self.add("url", value)
        return hide.url(self.rng, value, self.config.obfuscation)

    def onion_url(self, host: str) -> str:
        value = f"http://{host}/{_word(self.rng)}"
        self.add("url", value)
        self.add("onion", host)
        return hide.url(self.rng, value, self.config.obfuscation / 2)


def _fill(writer: _Writer, text: str, values: dict[str, list[str]], victim: dict[str, str]) -> str:
    rng = writer.rng

    def one(match: re.Match[str]) -> str:
        slot = match.group(1)
        if slot in _CHAINS:
            return writer.crypto(slot, pick(rng, values[slot]))
        if slot == "phone":
            return writer.phone(pick(rng, values["phone"]))
        if slot == "victim_phone":
            return writer.phone(victim["phone"])
        if slot == "upi":
            return writer.upi(pick(rng, values["upi"]))
        if slot == "contact":
            return writer.email(pick(rng, values["contact"]))
        if slot == "email":
            return writer.email(victim["email"])
        if slot == "url":
            return writer.url(pick(rng, values["url"]))
        if slot == "onion_url":
            return writer.onion_url(values["onion"][0])
        if slot == "support_email":
            return writer.email(f"support@{victim['shop']}")
        if slot == "shop_url":
            return writer.url(f"https://{victim['shop']}/orders/{between(rng, 1000, 99999)}")
        return victim[slot]

    return _SLOT.sub(one, text)


def _victim(rng: random.Random, fake: Faker) -> dict[str, str]:
    hexes = {n: f"{rng.getrandbits(4 * n):0{n}x}" for n in (7, 32, 40, 64)}
    return {
        "name": fake.first_name(),
        "email": _mailbox(rng, "victim"),
        "phone": wallets.phone(rng, 0.05),
        "password": f"{_word(rng).capitalize()}{between(rng, 10, 9999)}!",
        "amount": pick(
            rng, (f"${between(rng, 5, 30) * 100}", f"{between(rng, 1, 9) / 100:.4f} BTC")
        ),
        "inr": f"{between(rng, 5, 50) * 1000:,}",
        "hours": str(pick(rng, (24, 48, 72))),
        "shop": f"{_word(rng)}-store.in",
        "sha1": hexes[40],
        "sha1short": hexes[7],
        "sha1short2": f"{rng.getrandbits(28):07x}",
        "sha256": hexes[64],
        "md5": hexes[32],
        "txhash": f"{rng.getrandbits(256):064x}",
        "block": str(between(rng, 700_000, 900_000)),
        "invoice": f"INV-{between(rng, 2019, 2026)}-{between(rng, 1, 999_999):06d}",
        "order": str(between(rng, 6_000_000_000, 9_999_999_999)),
        "ref": f"REF{between(rng, 10_000_000, 99_999_999)}",
        "utr": str(between(rng, 100_000_000_000, 999_999_999_999)),
        "otp": f"{between(rng, 0, 999_999):06d}",
        "build": str(between(rng, 1000, 9999)),
    }


def generate_complaints(config: ComplaintConfig) -> Iterator[Complaint]:
    """The corpus's messages in order, each with its indicators (files not yet assigned)."""
    rng = rng_for(config.seed, "complaints/campaigns")
    campaigns = [_campaign(rng, n + 1) for n in range(config.campaigns)]
    fake = Faker("en_IN")
    fake.seed_instance(config.seed)
    for number in range(config.messages):
        rng = rng_for(config.seed, "complaints/message", number)
        victim = _victim(rng, fake)
        if rng.random() < config.benign:
            item = Complaint(number, None, "en", "mail", "", html=rng.random() < 0.2)
            writer = _Writer(rng, config, item)
            text = pick(rng, BENIGN)
            if rng.random() < 0.5:
                text += "\nQuestions? Write to {support_email} or visit {shop_url}"
            item.body = _fill(writer, text, {}, victim)
        else:
            item = _scam(rng, config, pick(rng, campaigns), victim, number)
        if rng.random() < config.lookalikes:
            chain = pick(rng, ("btc", "ltc", "trx", "xmr"))
            fake_address = wallets.lookalike(rng, wallets.CRYPTO[chain](rng))
            item.body += f"\nIs this the right address? {fake_address}"
            item.decoys.append(fake_address)
        yield item


def _scam(
    rng: random.Random, config: ComplaintConfig, campaign: _Campaign, victim: dict[str, str], n: int
) -> Complaint:
    chat = campaign.family.startswith("upi") and rng.random() < 0.7
    item = Complaint(
        n, campaign.ident, campaign.language, "chat" if chat else "mail", "",
        html=not chat and rng.random() < 0.2,
    )  # fmt: skip
    writer = _Writer(rng, config, item)
    lines = []
    for slot, options in enumerate(campaign.template):
        index = campaign.choice[slot] if rng.random() < 0.85 else between(rng, 0, len(options) - 1)
        if options[index]:
            lines.append(_fill(writer, options[index], campaign.values, victim))
    if rng.random() < 0.3:
        lines.append(pick(rng, FILLER))
    if not chat and rng.random() < 0.3:
        intro = _fill(writer, pick(rng, COMPLAINT_INTRO), campaign.values, victim)
        lines = [intro, "", "---------- Forwarded message ---------", *lines]
    item.body = "\n".join(lines)
    return item


def write_complaints(folder: Path, config: ComplaintConfig | None = None) -> list[Complaint]:
    """Write the corpus under `folder` (eml/, mbox/, txt/, truth.jsonl); return its messages."""
    config = config or ComplaintConfig()
    items = list(generate_complaints(config))
    write_files(folder, items, config.seed)
    with (folder / "truth.jsonl").open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item.truth(), ensure_ascii=False) + "\n")
    return items


def read_truth(folder: Path) -> list[dict[str, object]]:
    """The truth lines of a corpus written by `write_complaints`."""
    with (folder / "truth.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
