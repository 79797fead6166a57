"""Synthetic cases for export tests and the export benchmark: no real people, deterministic.

Victims get names, addresses, phones and nicknames that no one else has, so a test can search
every exported byte for them. Accused share phones and wallets across cases, as networks do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nervecentre import places
from nervecentre.cases.records import (
    CaseRecord,
    ChargeRecord,
    EventRecord,
    PersonRecord,
    RouteStopRecord,
    person_ref,
)
from nervecentre.cases.writer import WriteStats, write_cases
from nervecentre.law import SectionRef
from nervecentre.security.fields import cipher_for
from nervecentre.store.db import Database
from nervecentre.types import Value, normalise

HOSTILE_NAME = '=HYPERLINK("http://x","y")'
HOSTILE_ALIAS = "+cmd|' /C calc'!A0"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'

_VICTIM_FIRST = ["Ritu", "Sapna", "Laxmi", "Jyoti", "Moni", "Parbati"]
_VICTIM_LAST = ["Hembramtest", "Soreniya", "Tuduvala", "Kisku-Ora"]
_ACCUSED_FIRST = ["Salim", "Raju", "Mohd", "Anil", "Sunil", "Imran", "Vijay"]
_ACCUSED_LAST = ["Shaikh", "Patil", "Khan", "Jadhav", "Gupta", "More"]
_STATES = [("Kolkata", "WB"), ("Dhaka", ""), ("Ranchi", "JH"), ("Kathmandu", "")]
# Two valid Bitcoin addresses (checksums verified by the value types).
_WALLETS = ["bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"]
_SECTIONS = [("IPC", "370"), ("IPC", "372"), ("ITPA", "5"), ("POCSO", "14"), ("ITA", "67B")]


@dataclass
class Secrets:
    """What victims' records hold that no export may show."""

    names: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)


def _phone(rng: random.Random, first: str) -> Value:
    return normalise("phone", f"{first}{rng.randrange(10**8, 10**9)}")


def make_records(n: int, seed: int = 7, hostile: bool = True) -> tuple[list[CaseRecord], Secrets]:
    """``n`` cases with victims, accused (sharing phones and wallets), events and routes."""
    rng = random.Random(seed)
    stations = places.units(kind="police_station")[:40]
    secrets = Secrets()
    network_phones = [_phone(rng, "9") for _ in range(max(3, n // 20))]
    records: list[CaseRecord] = []
    for i in range(1, n + 1):
        unit = stations[i % len(stations)]
        fir_at = datetime(2023, 1, 1, 9, 30) + timedelta(days=i % 700, minutes=17 * i)
        penal = "BNS" if fir_at >= datetime(2024, 7, 1) else "IPC"
        rec = CaseRecord(
            fir_number=str(i),
            fir_year=fir_at.year,
            police_station_code=unit.code,
            district_code=unit.district,
            unit_code=unit.code,
            fir_at=fir_at,
            status=rng.choice(["registered", "under_investigation", "charge_sheeted"]),
            occurred_from=fir_at - timedelta(days=3),
            occurrence_place=f"Lodge near bus stand, {unit.name}",
            brief_facts=(XSS if hostile and i == 1 else f"Rescue of women from lodge no. {i}."),
            crime_heads=["HT"],
            investigating_officer=f"PSI Officer {i % 9}",
        )
        for law, section in _SECTIONS[: 2 + i % 3]:
            law = penal if law == "IPC" else law
            section = {"370": "143", "372": "98"}.get(section, section) if law == "BNS" else section
            rec.charges.append(ChargeRecord(SectionRef(law, section)))
        for v in range(1, 2 + i % 2):
            name = f"{rng.choice(_VICTIM_FIRST)} {rng.choice(_VICTIM_LAST)} V{i}x{v}"
            address = f"House {i}{v}, Tola Secretlane {i}, Ranchi"
            phone = normalise("phone", f"7{(i * 10 + v) % 10**5:05d}{rng.randrange(10**3, 10**4)}")
            alias = f"Chhotiunique{i}v{v}"
            secrets.names.add(name)
            secrets.addresses.add(address)
            secrets.phones.add(phone.value)
            secrets.aliases.add(alias)
            rec.people.append(
                PersonRecord(
                    ref=person_ref(rec.key, "victim", v),
                    role="victim",
                    name=name,
                    aliases=[alias],
                    gender="female",
                    age=15 + v,
                    age_band="minor",
                    nationality="IN",
                    home_state="JH",
                    address=address,
                    contact=phone.display,
                    identifiers=[(phone, phone.display)],
                )
            )
        for a in range(1, 3):
            name = f"{rng.choice(_ACCUSED_FIRST)} {rng.choice(_ACCUSED_LAST)}"
            if hostile and i == 1 and a == 1:
                name = HOSTILE_NAME
            shared = network_phones[(i + a) % len(network_phones)]
            idents = [(shared, shared.display)]
            if a == 1:
                wallet = normalise("crypto", _WALLETS[i % 2])
                upi = normalise("upi", f"pay.agent{i % 5}@ybl")
                idents += [(wallet, wallet.display), (upi, upi.display)]
            else:
                bank = normalise("bank_account", f"{30000000000 + i} SBIN000{1000 + i % 50}")
                car = normalise("vehicle", f"MH 04 AB {1000 + i % 30}")
                social = normalise("social", f"instagram:@racket_{i % 7}")
                imei = normalise("imei", "490154203237518")
                idents += [
                    (bank, bank.display),
                    (car, car.display),
                    (social, social.display),
                    (imei, imei.display),
                ]
            rec.people.append(
                PersonRecord(
                    ref=person_ref(rec.key, "accused", a),
                    role="accused",
                    name=name,
                    aliases=[HOSTILE_ALIAS if hostile and i == 1 else f"{name.split()[0]}bhai"],
                    gender="male",
                    age=30 + a,
                    age_band="adult",
                    nationality="IN",
                    home_state="MH",
                    accused_roles=["recruiter"] if a == 1 else ["transporter"],
                    identifiers=idents,
                )
            )
        rec.people.append(
            PersonRecord(
                ref=person_ref(rec.key, "complainant", 1),
                role="complainant",
                name=f"NGO Worker {i % 11}",
                gender="female",
                age_band="adult",
            )
        )
        ip = normalise("ip", f"103.21.{i % 200}.{1 + i % 250}")
        email = normalise("email", f"extort{i % 13}@example.net")
        rec.identifiers += [(ip, ip.display), (email, email.display)]
        if i % 4 == 0:
            wallet = normalise("crypto", _WALLETS[0])
            rec.identifiers.append((wallet, wallet.display))
        source, state = _STATES[i % len(_STATES)]
        rec.route = [
            RouteStopRecord("source", source, state, "IN" if state else "BD"),
            RouteStopRecord("destination", unit.name, "MH"),
        ]
        victims = [p.ref for p in rec.people if p.role == "victim"]
        accused = [p.ref for p in rec.people if p.role == "accused"]
        rec.events = [
            EventRecord("rescue", fir_at - timedelta(hours=5), "Lodge", "rescued", victims),
            EventRecord("arrest", fir_at + timedelta(hours=2), "Lodge", "arrested", accused),
        ]
        if i > 1:
            rec.related_keys.append(records[-1].key)
        records.append(rec)
    return records, secrets


def load(db: Database, records: list[CaseRecord]) -> WriteStats:
    """Write the records into ``db``."""
    with db.engine.begin() as conn:
        return write_cases(conn, records, cipher_for(db.settings))
