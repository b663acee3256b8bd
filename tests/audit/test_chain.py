from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from paraguas.audit import GENESIS_HASH, canonical_json, event_hash

AT = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def test_canonical_json_is_independent_of_key_order() -> None:
    assert canonical_json({"b": 1, "a": {"d": 2, "c": 3}}) == canonical_json(
        {"a": {"c": 3, "d": 2}, "b": 1}
    )
    assert canonical_json({"é": "ü"}) == '{"é":"ü"}'


def test_canonical_json_makes_plain_values() -> None:
    text = canonical_json(
        {"when": AT, "n": np.int64(3), "x": np.float64(0.5), "s": {"b", "a"}, "t": (1, 2)}
    )
    assert json.loads(text) == {
        "when": "2026-03-01T12:00:00.123456+00:00",
        "n": 3,
        "x": 0.5,
        "s": ["a", "b"],
        "t": [1, 2],
    }


def test_event_hash_is_the_sha256_of_the_documented_serialisation() -> None:
    body = (
        '{"action":"alias.promoted","actor":"alice","at":"2026-03-01T12:00:00.123456+00:00",'
        '"payload":"{\\"version\\":2}","prev_hash":"' + GENESIS_HASH + '","seq":1,'
        '"subject":"model:rain"}'
    )
    expected = hashlib.sha256(body.encode()).hexdigest()
    assert (
        event_hash(
            seq=1,
            prev_hash=GENESIS_HASH,
            at=AT,
            actor="alice",
            action="alias.promoted",
            subject="model:rain",
            payload='{"version":2}',
        )
        == expected
    )


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 2},
        {"prev_hash": "1" * 64},
        {"at": AT + timedelta(microseconds=1)},
        {"actor": "mallory"},
        {"action": "alias.rolled_back"},
        {"subject": "model:fraud"},
        {"payload": '{"version":3}'},
    ],
)
def test_every_field_is_covered_by_the_hash(change: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "seq": 1,
        "prev_hash": GENESIS_HASH,
        "at": AT,
        "actor": "alice",
        "action": "alias.promoted",
        "subject": "model:rain",
        "payload": '{"version":2}',
    }
    assert event_hash(**fields) != event_hash(**{**fields, **change})  # type: ignore[arg-type]


def test_the_same_instant_in_another_zone_hashes_the_same() -> None:
    other = AT.astimezone(timezone(timedelta(hours=2)))
    common = {"seq": 1, "prev_hash": GENESIS_HASH, "actor": "a", "action": "x", "subject": "s"}
    assert event_hash(at=AT, payload="{}", **common) == event_hash(  # type: ignore[arg-type]
        at=other, payload="{}", **common
    )


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        canonical_json({"at": datetime(2026, 1, 1)})
