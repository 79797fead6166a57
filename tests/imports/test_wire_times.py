"""Times cross from the conversion workers exactly: naive, aware, edge and missing ones."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone

from nervecentre.cases.records import CaseRecord, EventRecord
from nervecentre.imports._wire import Unpacker, pack

TIMES = [
    datetime(1, 1, 1),
    datetime(1950, 1, 1, 0, 0, 0, 1),
    datetime(2023, 3, 14, 22, 15, 59, 999999),
    datetime(9999, 12, 31, 23, 59, 59, 999999),
    datetime(2024, 2, 29, 12, 0, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2021, 11, 7, 1, 30, fold=1),
]


def test_every_kind_of_time_comes_back_equal_and_of_its_kind() -> None:
    unpack = Unpacker().unpack
    for at in TIMES:
        record = CaseRecord(
            fir_number="1", fir_year=2023, police_station_code="PS", district_code="D",
            unit_code="PS", fir_at=at, info_received_at=None, occurred_from=at,
            events=[EventRecord("arrest", at, person_refs=["x"])],
        )  # fmt: skip
        back = unpack(pickle.loads(pickle.dumps(pack(record))))
        assert back == record
        for got in (back.fir_at, back.occurred_from, back.events[0].at):
            assert type(got) is datetime
            assert got.tzinfo == at.tzinfo and got.utcoffset() == at.utcoffset()
            assert (got.fold, got.microsecond) == (at.fold, at.microsecond)
        assert back.info_received_at is None
