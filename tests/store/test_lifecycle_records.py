"""The lifecycle's rows: decisions with evidence, a journal that never holds a step twice, and
a per-(model, day) lock that only one cycle can hold, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

from paraguas.store import DecisionRecord, MetadataStore

AT = datetime(2026, 1, 10, 6, 0, tzinfo=timezone.utc)
DAY = date(2026, 1, 9)
STALE = timedelta(hours=1)


def test_decisions_keep_their_evidence_in_order(metadata: MetadataStore) -> None:
    promote = DecisionRecord(
        model="rain",
        day=DAY,
        action="promote",
        champion=1,
        challenger=2,
        reason="challenger f1 +0.042 [0.011, 0.070] over 412 paired rows",
        evidence={"difference": 0.042, "interval": [0.011, 0.07], "rows": 412},
        actor="paraguas",
        at=AT,
    )
    keep = DecisionRecord("rain", DAY - timedelta(days=1), "keep", 1, None, "ok", {}, "x", AT)
    with metadata.transaction() as tx:
        tx.lifecycle.add_decision(promote)
        tx.lifecycle.add_decision(keep)
    with metadata.transaction(write=False) as tx:
        assert tx.lifecycle.decisions("rain") == [keep, promote]
        assert tx.lifecycle.decisions("rain", start=DAY) == [promote]
        assert tx.lifecycle.decisions("other") == []
        assert tx.lifecycle.latest_decisions("rain", 1) == [promote]
        assert tx.lifecycle.latest_decisions("rain", 5) == [keep, promote]
        assert tx.lifecycle.latest_decisions("other", 5) == []


def test_the_journal_holds_each_step_once(metadata: MetadataStore) -> None:
    with metadata.transaction() as tx:
        assert tx.lifecycle.record_step("rain", DAY, "monitor", "done", {"checks": 80}, AT)
        assert tx.lifecycle.record_step("rain", DAY, "decide", "done", {}, AT)
    with metadata.transaction() as tx:  # a re-run, or a second process
        assert not tx.lifecycle.record_step("rain", DAY, "monitor", "done", {"checks": 1}, AT)
        assert tx.lifecycle.record_step("rain", DAY + timedelta(days=1), "monitor", "done", {}, AT)
    with metadata.transaction(write=False) as tx:
        steps = tx.lifecycle.steps("rain", DAY)
        assert tx.lifecycle.last_day("rain") == DAY + timedelta(days=1)
        assert tx.lifecycle.last_day("other") is None
    assert [(s.step, s.detail) for s in steps] == [("monitor", {"checks": 80}), ("decide", {})]


def test_a_lock_is_held_by_one_until_released_or_stale(metadata: MetadataStore) -> None:
    def acquire(holder: str, at: datetime = AT) -> bool:
        with metadata.transaction() as tx:
            return tx.lifecycle.acquire("rain", DAY, holder, at, stale_after=STALE)

    assert acquire("a") and acquire("a")  # re-entrant for its holder
    assert not acquire("b", AT + timedelta(minutes=59))
    with metadata.transaction() as tx:
        assert not tx.lifecycle.release("rain", DAY, "b")  # not b's to release
        assert tx.lifecycle.release("rain", DAY, "a")
    assert acquire("b")
    # b's process dies; after an hour its lock is stale and c takes it over
    assert acquire("c", AT + timedelta(hours=1, seconds=1))
    with metadata.transaction() as tx:
        assert not tx.lifecycle.release("rain", DAY, "b")
        assert tx.lifecycle.release("rain", DAY, "c")


def test_two_cycles_started_at_once_cannot_both_hold_the_lock(metadata: MetadataStore) -> None:
    winners: list[str] = []
    start = threading.Barrier(8)

    def contend(holder: str) -> None:
        start.wait()
        with metadata.transaction() as tx:
            if tx.lifecycle.acquire("rain", DAY, holder, AT, stale_after=STALE):
                winners.append(holder)

    threads = [threading.Thread(target=contend, args=(f"cycle-{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
