"""Records travel from conversion workers as plain tuples and come back unchanged."""

from __future__ import annotations

import pickle

from nervecentre.imports._wire import Unpacker, pack
from nervecentre.synth import SynthConfig, generate


def test_packed_records_unpack_to_equal_records() -> None:
    records = list(generate(SynthConfig(cases=300, seed=3)))
    assert any(p.identifiers for r in records for p in r.people)
    assert any(r.charges and r.events and r.route for r in records)
    packed = pickle.loads(pickle.dumps([pack(r) for r in records]))
    unpack = Unpacker().unpack
    assert [unpack(p) for p in packed] == records
