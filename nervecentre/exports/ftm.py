"""FollowTheMoney export: the registry as FtM entities, one JSON object a line, for Aleph.

Ids are derived from natural keys (the case's station/year/FIR number, the person record's
source reference, an identifier's kind and value), so exporting again, or from another
copy of the registry, gives the same ids, and an identifier shared by two people is one
entity (a wallet, an account) or one value (a phone, an e-mail) that links them. The same
id may appear on more than one line when a shared entity turns up in cases far apart;
Aleph and ``ftm aggregate`` merge such fragments. See docs/exports.md for the mapping.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from followthemoney import EntityProxy, model
from followthemoney.types import registry
from followthemoney.types.common import PropertyType
from followthemoney.util import sanitize_text

from nervecentre.cases.vocab import label
from nervecentre.errors import InvalidValue
from nervecentre.exports._bundles import CaseBundle, PersonInCase, Row, iter_bundles, snapshot
from nervecentre.exports._output import ExportStats, atomic_file
from nervecentre.exports.privacy import shown_name
from nervecentre.law import crime_head
from nervecentre.store.db import Database
from nervecentre.types.social import platforms

Progress = Callable[[int], None]

NAMESPACE = "nervecentre"
_GENDERS = {"male": "male", "female": "female", "transgender": "other"}
# Identifier kinds that become entities of their own, and the schema of each.
_THINGS = {
    "crypto": "CryptoWallet",
    "bank_account": "BankAccount",
    "upi": "UserAccount",
    "social": "UserAccount",
    "vehicle": "Vehicle",
}
# Identifier kinds that are values on the person, and on the case note when nobody holds them.
_PERSON_PROPS = {"phone": "phone", "email": "email", "url": "website"}
_NOTE_PROPS = {"phone": "phoneMentioned", "email": "emailMentioned", "ip": "ipMentioned"}
_ID_TYPES = {"ip": "IP address", "imei": "IMEI"}


# Types whose values repeat across cases (phones, countries, dates…): cleaning each distinct
# value once keeps phone parsing from dominating the export time.
_CACHED_TYPES = {
    registry.phone,
    registry.email,
    registry.country,
    registry.gender,
    registry.date,
    registry.identifier,
    registry.ip,
    registry.url,
    registry.address,
    registry.name,
}
_EMPTY = ""


def entity_id(*parts: str) -> str:
    """FtM's ``make_entity_id`` for text parts (same result, without its per-part overhead)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for part in parts:
        if part.strip():
            digest.update(part.encode("utf-8"))
    return digest.hexdigest()


def _clean_value(ftype: PropertyType, value: str) -> str | None:
    """The value as FtM stores it, ``_EMPTY`` when blank, None when FtM rejects it."""
    text = sanitize_text(value)
    if text is None:
        return _EMPTY
    return ftype.clean_text(text)


_clean_cached = lru_cache(maxsize=200_000)(_clean_value)


def _new(schema: str, key_id: str) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = key_id
    return proxy


def _head_name(code: str) -> str:
    try:
        return crime_head(code).name
    except InvalidValue:
        return code


def _charge_text(ch: Row) -> str:
    text = f"{ch['law']} {ch['section']}" + (f"({ch['subsection']})" if ch["subsection"] else "")
    if ch["equivalent"]:
        text += f" [= {ch['equivalent']}]"
    return f"{text} ({label('charge_stage', ch['stage'])})"


def _stop_text(stop: Row) -> str:
    state = f" ({stop['state']})" if stop["state"] else ""
    return f"{stop['place']}{state} [{label('route_stage', stop['stage'])}]"


class EntityBuilder:
    """Builds the FtM entities of a batch of cases; merges fragments that share an id."""

    def __init__(self, stats: ExportStats) -> None:
        self.stats = stats
        self.entities: dict[str, EntityProxy] = {}

    def make(self, schema: str, *key: object) -> EntityProxy:
        """The entity of ``schema`` with the id derived from ``key`` (one per id in a batch)."""
        key_id = entity_id(NAMESPACE, schema, *map(str, key))
        proxy = self.entities.get(key_id)
        if proxy is None:
            proxy = self.entities[key_id] = _new(schema, key_id)
        return proxy

    def ref(self, schema: str, *key: object) -> EntityProxy:
        """An entity written elsewhere, only to point at its id (not emitted from here)."""
        return _new(schema, entity_id(NAMESPACE, schema, *map(str, key)))

    def put(self, proxy: EntityProxy, prop: str, *values: object) -> None:
        """Add cleaned values; one FtM rejects is counted and kept as a note, never lost."""
        prop_obj = proxy.schema.properties[prop]
        if prop_obj.type is registry.entity:
            # References are ids this builder made: valid by construction.
            for value in values:
                proxy.unsafe_add(prop_obj, str(value), cleaned=True)
            return
        clean = _clean_cached if prop_obj.type in _CACHED_TYPES else _clean_value
        for value in values:
            if not value:
                continue
            text = value if isinstance(value, str) else str(value)
            cleaned = clean(prop_obj.type, text)
            if cleaned == _EMPTY:
                continue
            if cleaned is None or proxy.unsafe_add(prop_obj, cleaned, cleaned=True) is None:
                self.stats.rejected_values += 1
                proxy.unsafe_add(proxy.schema.properties["notes"], f"{prop}: {text}")

    def link(
        self,
        schema: str,
        source: tuple[str, EntityProxy],
        target: tuple[str, EntityProxy],
        role: str = "",
    ) -> EntityProxy:
        """An edge entity (``CourtCaseParty``, ``Ownership``, ``UnknownLink``…) between two."""
        edge = self.make(schema, source[1].id, target[1].id, role)
        self.put(edge, source[0], source[1].id)
        self.put(edge, target[0], target[1].id)
        if role:
            self.put(edge, "role", role)
        return edge

    def add_case(self, bundle: CaseBundle) -> None:
        """Every entity of one case."""
        case = self._case(bundle)
        people = {pid: self._person(p, case) for pid, p in bundle.people.items()}
        note: EntityProxy | None = None
        for ident in bundle.identifiers:
            if ident["kind"] in _THINGS:
                thing = self._thing(ident)
                self.link("UnknownLink", ("subject", thing), ("object", case), "recorded in case")
            else:
                if note is None:
                    note = self.make("Note", bundle.case["case_key"], "identifiers")
                    self.put(note, "entity", case.id)
                    self.put(note, "name", f"Identifiers recorded in {case.first('name')}")
                if ident["kind"] in _NOTE_PROPS:
                    self.put(note, _NOTE_PROPS[ident["kind"]], ident["value"])
                self.put(note, "description", f"{ident['kind']}: {ident['display']}")
        for index, (event, parts) in enumerate(bundle.events, start=1):
            self._event(
                bundle, index, event, [people[p["id"]] for p in parts if p["id"] in people], case
            )
        for doc, custody in bundle.documents:
            self._document(bundle, doc, custody, case)
        for link in bundle.links:
            other = self.ref("CourtCase", link["case_key"])
            self.link(
                "UnknownLink",
                ("subject", case),
                ("object", other),
                label("case_link", link["kind"]),
            )

    def _case(self, bundle: CaseBundle) -> EntityProxy:
        c = bundle.case
        case = self.make("CourtCase", c["case_key"])
        put = self.put
        put(case, "name", f"FIR {c['fir_number']}/{c['fir_year']}, {c['police_station_name']}")
        put(case, "caseNumber", f"{c['fir_number']}/{c['fir_year']}")
        put(case, "alias", c["case_key"])
        put(case, "type", "First Information Report")
        put(case, "fileDate", c["fir_at"].isoformat())
        put(case, "status", label("case_status", c["status"]))
        put(case, "category", *(_head_name(h) for h in c["crime_heads"].split(",") if h))
        put(case, "summary", c["brief_facts"])
        put(case, "address", c["occurrence_place"])
        put(case, "publisher", c["unit_name"])
        put(case, "country", "IN", *(r["country"] for r in bundle.route))
        for ch in bundle.charges:
            put(case, "keywords", ch["section_key"], *ch["equivalent"].split(", "))
        lines = [
            f"Police station: {c['police_station_name']}, {c['district_name']}",
            f"Investigating officer: {c['investigating_officer']}",
            "Charges: " + "; ".join(_charge_text(ch) for ch in bundle.charges),
            "Route: " + " → ".join(_stop_text(r) for r in bundle.route),
        ]
        put(case, "description", "\n".join(ln for ln in lines if not ln.endswith(": ")))
        return case

    def _person(self, person: PersonInCase, case: EntityProxy) -> EntityProxy:
        f = person.fields
        ent = self.make("Person", f["source_ref"])
        self.put(ent, "name", shown_name(f))
        self.put(ent, "gender", _GENDERS.get(f["gender"], ""))
        self.put(ent, "nationality", f["nationality"])
        self.put(ent, "alias", *person.aliases)
        self.put(ent, "address", f["address"])
        if f["date_of_birth"] is not None:
            self.put(ent, "birthDate", f["date_of_birth"].isoformat())
        about = [f"age {f['age']}"] if f["age"] is not None else []
        if f["age_band"] != "unknown":
            about.append(label("age_band", f["age_band"]))
        self.put(ent, "summary", ", ".join(about))
        for role, accused in person.roles:
            self.put(ent, "keywords", role, *accused)
            text = label("person_role", role).lower()
            if accused:
                text += " (" + ", ".join(label("accused_role", a).lower() for a in accused) + ")"
            self.link("CourtCaseParty", ("party", ent), ("case", case), text)
        for ident in person.identifiers:
            self._holder_identifier(ident, ent)
        return ent

    def _holder_identifier(self, ident: Row, holder: EntityProxy) -> None:
        kind, value = ident["kind"], ident["value"]
        if kind in _PERSON_PROPS:
            self.put(holder, _PERSON_PROPS[kind], value)
        elif kind in _THINGS:
            thing = self._thing(ident)
            if kind == "bank_account":
                self.link("Ownership", ("owner", holder), ("asset", thing), "account holder")
            else:
                prop = {"crypto": "holder", "vehicle": "operator"}.get(kind, "owner")
                self.put(thing, prop, holder.id)
        else:
            doc = self.make("Identification", holder.id, kind, value)
            self.put(doc, "holder", holder.id)
            self.put(doc, "number", value)
            self.put(doc, "type", _ID_TYPES.get(kind, kind))

    def _thing(self, ident: Row) -> EntityProxy:
        kind, value, extra = ident["kind"], ident["value"], ident["extra"]
        thing = self.make(_THINGS[kind], kind, value)
        put = self.put
        if kind == "crypto":
            put(thing, "publicKey", value)
            put(thing, "currency", extra.get("chain"))
        elif kind == "bank_account":
            put(thing, "accountNumber", extra.get("account", value))
            put(thing, "name", ident["display"])
            put(thing, "description", f"IFSC {extra['ifsc']}" if extra.get("ifsc") else None)
            put(thing, "country", "IN")
        elif kind == "upi":
            put(thing, "username", value)
            put(thing, "service", "UPI")
            put(thing, "description", extra.get("provider"))
        elif kind == "social":
            platform = platforms().get(extra.get("platform", ""))
            put(thing, "username", value.split(":", 1)[-1])
            put(thing, "service", platform.label if platform else extra.get("platform"))
            put(thing, "name", ident["display"])
        else:
            put(thing, "registrationNumber", value)
            put(thing, "name", ident["display"])
            put(thing, "country", "IN")
        return thing

    def _event(
        self,
        bundle: CaseBundle,
        index: int,
        event: Row,
        people: list[EntityProxy],
        case: EntityProxy,
    ) -> None:
        ent = self.make(
            "Event", bundle.case["case_key"], index, event["kind"], event["occurred_at"].isoformat()
        )
        kind = label("event_kind", event["kind"])
        self.put(ent, "name", f"{kind}, {case.first('name')}")
        self.put(ent, "date", event["occurred_at"].isoformat())
        self.put(ent, "location", event["place"])
        self.put(ent, "description", event["description"])
        self.put(ent, "country", "IN")
        self.put(ent, "involved", *(p.id for p in people))
        self.link("UnknownLink", ("subject", ent), ("object", case), f"{kind.lower()} in case")

    def _document(
        self, bundle: CaseBundle, doc: Row, custody: list[Row], case: EntityProxy
    ) -> None:
        ent = self.make("Document", bundle.case["case_key"], doc["sha256"], doc["filename"])
        self.put(ent, "fileName", doc["filename"])
        self.put(ent, "title", doc["title"])
        self.put(ent, "mimeType", doc["media_type"])
        self.put(ent, "fileSize", str(doc["size"]))
        self.put(ent, "date", doc["added_at"].isoformat())
        # contentHash means SHA-1 of a blob in Aleph's archive; ours is SHA-256 in our store.
        steps = [
            f"{e['at']:%Y-%m-%d %H:%M} UTC {e['action']} by {e['actor']}"
            + (f": {e['note']}" if e["note"] else "")
            for e in custody
        ]
        self.put(ent, "description", "\n".join([f"SHA-256 {doc['sha256']}", *steps]))
        self.link("Documentation", ("document", ent), ("entity", case), "case file")

    def drain(self) -> Iterable[EntityProxy]:
        """The entities built so far (each once), emptying the builder."""
        entities, self.entities = self.entities, {}
        return entities.values()


def _valid(proxy: EntityProxy) -> bool:
    return all(proxy.has(prop) for prop in proxy.schema.required)


def export_ftm(db: Database, output: Path, progress: Progress | None = None) -> ExportStats:
    """Write the registry to ``output`` as FtM entities, one JSON object a line."""
    stats = ExportStats("ftm")
    builder = EntityBuilder(stats)
    with atomic_file(output) as out, snapshot(db) as conn:
        for batch in iter_bundles(conn):
            for bundle in batch:
                builder.add_case(bundle)
                stats.people += len(bundle.people)
            for proxy in builder.drain():
                if not _valid(proxy):
                    stats.invalid_entities += 1
                    continue
                out.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
                stats.entities += 1
                stats.schemata[proxy.schema.name] += 1
            stats.cases += len(batch)
            if progress:
                progress(len(batch))
    return stats
