from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from paraguas.audit import GENESIS_HASH, AuditLog
from paraguas.store import MetadataStore


def _fill(log: AuditLog, count: int) -> None:
    for index in range(count):
        log.record(
            actor=f"user{index % 3}",
            action="test.event",
            subject=f"model:m{index % 2}",
            payload={"index": index, "score": index / 7},
        )


def test_events_are_chained_in_order(metadata: MetadataStore) -> None:
    log = AuditLog(metadata)
    _fill(log, 5)
    events = list(log.events())
    assert [event.seq for event in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert events[3].payload == {"index": 3, "score": 3 / 7}
    result = log.verify()
    assert result.ok and result.checked == 5


def test_empty_chain_verifies(metadata: MetadataStore) -> None:
    assert AuditLog(metadata).verify().ok


def test_events_filter_by_subject(metadata: MetadataStore) -> None:
    log = AuditLog(metadata)
    _fill(log, 6)
    log.record(actor="a", action="x", subject="model:m1/version/2")
    log.record(actor="a", action="x", subject="model:m10")
    assert [e.seq for e in log.events(subject="model:m1")] == [2, 4, 6, 7]


def test_an_event_rolled_back_with_its_change_leaves_no_trace(metadata: MetadataStore) -> None:
    log = AuditLog(metadata)
    with pytest.raises(RuntimeError), metadata.transaction() as tx:
        log.append(tx, actor="a", action="x", subject="s")
        raise RuntimeError("the change failed")
    assert list(log.events()) == []
    assert log.verify().ok


def test_the_log_has_no_update_or_delete_path() -> None:
    public = {name for name in dir(AuditLog) if not name.startswith("_")}
    assert public == {"append", "record", "events", "verify"}


def _tamper(metadata: MetadataStore, sql: str, **params: object) -> None:
    with metadata.engine.begin() as connection:
        connection.execute(text(sql), params)


@pytest.mark.parametrize(
    ("sql", "broken", "problem"),
    [
        ("UPDATE audit_events SET payload = '{}' WHERE seq = 3", 3, "altered"),
        ("UPDATE audit_events SET actor = 'mallory' WHERE seq = 4", 4, "altered"),
        ("UPDATE audit_events SET action = 'other' WHERE seq = 1", 1, "altered"),
        ("DELETE FROM audit_events WHERE seq = 2", 2, "missing"),
        ("DELETE FROM audit_events WHERE seq >= 4", 4, "removed from the end"),
    ],
)
def test_verify_names_the_first_tampered_event(
    metadata: MetadataStore, sql: str, broken: int, problem: str
) -> None:
    log = AuditLog(metadata)
    _fill(log, 5)
    _tamper(metadata, sql)
    result = log.verify()
    assert not result.ok
    assert result.broken_seq == broken
    assert problem in result.problem
    assert f"event {broken}" in str(result)


def test_a_rehashed_event_still_breaks_the_next_link(metadata: MetadataStore) -> None:
    """A forger who recomputes an altered event's own hash still breaks its successor's link."""
    from paraguas.audit.chain import record_hash
    from paraguas.store import AuditRecord

    log = AuditLog(metadata)
    _fill(log, 4)
    original = next(e for e in log.events() if e.seq == 2)
    forged = AuditRecord(
        seq=2,
        at=original.at,
        actor="mallory",
        action=original.action,
        subject=original.subject,
        payload='{"index":1,"score":0.0}',
        prev_hash=original.prev_hash,
        hash="",
    )
    _tamper(
        metadata,
        "UPDATE audit_events SET actor = 'mallory', payload = :payload, hash = :hash WHERE seq = 2",
        payload=forged.payload,
        hash=record_hash(forged),
    )
    result = log.verify()
    assert not result.ok and result.broken_seq == 3 and "link" in result.problem


@settings(max_examples=30, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=12),
    data=st.data(),
    column=st.sampled_from(["actor", "action", "subject", "payload"]),
)
def test_chain_breaks_exactly_where_a_row_was_altered(
    count: int, data: st.DataObject, column: str
) -> None:
    target = data.draw(st.integers(min_value=1, max_value=count))
    with tempfile.TemporaryDirectory() as folder:
        store = MetadataStore.open(f"sqlite:///{Path(folder) / 'a.db'}")
        log = AuditLog(store)
        _fill(log, count)
        assert log.verify().ok
        _tamper(store, f"UPDATE audit_events SET {column} = {column} || 'x' WHERE seq = {target}")
        result = log.verify()
        store.close()
    assert not result.ok and result.broken_seq == target


def test_verify_reports_the_head_hash_to_anchor_the_chain(metadata: MetadataStore) -> None:
    log = AuditLog(metadata)
    _fill(log, 3)
    last = list(log.events())[-1]
    result = log.verify()
    assert result.head_hash == last.hash and last.hash[:12] in str(result)
