"""Several processes on one store: version numbers are never reused, aliases never split, the
audit chain never forks. Run on PostgreSQL (row locks) and SQLite (BEGIN IMMEDIATE)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from paraguas.audit import AuditLog
from paraguas.registry import CHAMPION, Registry
from paraguas.store import ArtifactStore, MetadataStore

SPAWN = multiprocessing.get_context("spawn")


def _open(url: str, artifacts: str, actor: str) -> Registry:
    return Registry(MetadataStore.open(url), ArtifactStore(artifacts), actor=actor)


def _promote(url: str, artifacts: str, version: int, barrier: Any) -> str:
    registry = _open(url, artifacts, f"operator-{version}")
    barrier.wait(timeout=60)
    registry.promote("rain", version, reason=f"race {version}")
    return "ok"


def _append(url: str, writer: int, count: int, barrier: Any) -> int:
    log = AuditLog(MetadataStore.open(url))
    barrier.wait(timeout=60)
    for index in range(count):
        log.record(actor=f"w{writer}", action="test.append", subject="race", payload={"i": index})
    return count


def _register(url: str, artifacts: str, writer: int, count: int, barrier: Any) -> list[int]:
    from sklearn.dummy import DummyClassifier

    registry = _open(url, artifacts, f"trainer-{writer}")
    model = DummyClassifier().fit([[0], [1]], [0, 1])
    barrier.wait(timeout=60)
    return [registry.register("rain", model, format="joblib").version for _ in range(count)]


def _child(target: Any, index: int, args: tuple[Any, ...], barrier: Any, results: Any) -> None:
    try:
        results.put((index, target(*args, barrier)))
    except BaseException as exc:
        results.put((index, f"failed: {type(exc).__name__}: {exc}"))
        raise


def _run(target: Any, args_per_process: list[tuple[Any, ...]]) -> list[Any]:
    """Run ``target`` in one fresh process per argument tuple, all released at once."""
    barrier = SPAWN.Barrier(len(args_per_process))
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(target=_child, args=(target, index, args, barrier, results))
        for index, args in enumerate(args_per_process)
    ]
    for process in processes:
        process.start()
    collected = dict(results.get(timeout=180) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    return [collected[index] for index in range(len(processes))]


@pytest.fixture
def stores() -> Any:
    """Stores opened by the test itself, closed at its end."""
    opened: list[MetadataStore] = []

    def open_store(url: str) -> MetadataStore:
        opened.append(MetadataStore.open(url))
        return opened[-1]

    yield open_store
    for store in opened:
        store.close()


def test_racing_promotions_leave_one_champion_and_an_intact_chain(
    store_url: str, tmp_path: Path, fitted_model: Any, stores: Any
) -> None:
    artifacts = str(tmp_path / "artifacts")
    registry = Registry(stores(store_url), ArtifactStore(artifacts), actor="setup")
    registry.register("rain", fitted_model)
    registry.register("rain", fitted_model)

    assert _run(_promote, [(store_url, artifacts, 1), (store_url, artifacts, 2)]) == ["ok", "ok"]

    promotions = [e for e in registry.audit.events() if e.action == "alias.promoted"]
    assert sorted(e.payload["version"] for e in promotions) == [1, 2]
    champion = registry.alias("rain", CHAMPION)
    assert champion is not None and champion.version == promotions[-1].payload["version"]
    history = registry.history("rain", CHAMPION)
    assert [c.version for c in history] == [e.payload["version"] for e in promotions]
    assert history[1].previous_version == history[0].version  # the second saw the first
    assert registry.audit.verify().ok


def test_concurrent_writers_never_fork_the_audit_chain(store_url: str, stores: Any) -> None:
    log = AuditLog(stores(store_url))
    writers, each = 4, 15
    assert _run(_append, [(store_url, w, each) for w in range(writers)]) == [each] * writers
    events = list(log.events())
    assert [e.seq for e in events] == list(range(1, writers * each + 1))
    assert len({e.prev_hash for e in events}) == len(events)
    result = log.verify()
    assert result.ok and result.checked == writers * each


def test_concurrent_registrations_never_reuse_a_version_number(
    store_url: str, tmp_path: Path, stores: Any
) -> None:
    artifacts = str(tmp_path / "artifacts")
    registry = Registry(stores(store_url), ArtifactStore(artifacts), actor="check")
    results = _run(_register, [(store_url, artifacts, w, 5) for w in range(2)])
    numbers = sorted(n for batch in results for n in batch)
    assert numbers == list(range(1, 11))
    assert [v.version for v in registry.versions("rain")] == numbers
    assert registry.audit.verify().ok
