"""Backtesting retraining policies: the same history replayed under several policies, each in
scratch stores, so a team can choose a policy before trusting it.

Each policy runs :func:`~paraguas.lifecycle.cycle.run_day` for every day of the period in a
scratch project of its own (an SQLite store, an artifact folder, prediction and actuals logs in
a temporary folder): the same data source, and the project's actuals as they arrived (copied),
so every replayed decision sees exactly what had arrived by its day. Nothing is written to the
project itself.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paraguas.spec import Retraining

if TYPE_CHECKING:
    from paraguas.monitoring.flow import Monitor
    from paraguas.spec import ModelSpec

__all__ = ["PolicyOutcome", "backtest", "default_policies"]

Progress = Callable[[str, date], None]


@dataclass(frozen=True)
class PolicyOutcome:
    """How one policy fared over the period: the champion's primary metric on every prediction
    of the period that has an actual, retrains, promotions, and days below the spec's floor."""

    policy: str
    metric: str
    value: float | None
    rows: int
    retrains: int
    promotions: int
    days_below_floor: int | None
    failures: int


def default_policies(spec: ModelSpec, every: str = "90d") -> dict[str, Retraining]:
    """Never retrain; retrain on a fixed schedule only; and the spec's own policy."""
    return {
        "never": Retraining(on_drift=False, below={}, every=None, window=spec.retraining.window),
        f"every {every}": Retraining(on_drift=False, every=every, window=spec.retraining.window),
        "spec": spec.retraining,
    }


def backtest(
    spec: ModelSpec,
    actuals_root: Path,
    first: date,
    last: date,
    *,
    policies: Mapping[str, Retraining] | None = None,
    as_of_first: date | None = None,
    progress: Progress | None = None,
) -> list[PolicyOutcome]:
    """Replay ``first``..``last`` under each policy (default: :func:`default_policies`).

    Every replay starts from a champion trained as of ``as_of_first`` (default: the day before
    ``first``), so the policies differ only in what they do afterwards.
    """
    chosen = dict(policies) if policies is not None else default_policies(spec)
    start = as_of_first or first - timedelta(days=1)
    outcomes = []
    for name, policy in chosen.items():
        variant = replace(spec, retraining=policy)
        with _scratch(actuals_root, spec.name) as where:
            outcomes.append(_replay(name, variant, where, start, first, last, progress))
    return outcomes


def _replay(
    name: str,
    spec: ModelSpec,
    where: Monitor,
    start: date,
    first: date,
    last: date,
    progress: Progress | None,
) -> PolicyOutcome:
    from paraguas.errors import ParaguasError
    from paraguas.lifecycle.cycle import run_day

    failures = 0
    loaded: dict[str, Any] = {}  # each version's model, loaded once for the whole replay
    day = start
    while day <= last:
        if progress is not None:
            progress(name, day)
        try:
            run_day(
                spec,
                where,
                day,
                actor=f"backtest:{name}",
                now=functools.partial(_end_of, day),
                models=loaded,
            )
        except ParaguasError:
            failures += 1
        day += timedelta(days=1)
    with where.metadata.transaction(write=False) as tx:
        decisions = tx.lifecycle.decisions(spec.name, start=first, end=last)
        results = tx.monitoring.results(spec.name, start=first, end=last, kinds=("performance",))
    value, rows = _period_metric(spec, where, first, last)
    floors = spec.retraining.below
    below = None
    if spec.primary_metric in floors:
        floor = floors[spec.primary_metric]
        below = len(
            {
                r.day
                for r in results
                if r.subject == spec.primary_metric
                and r.role == "champion"
                and r.value is not None
                and r.value < floor
            }
        )
    return PolicyOutcome(
        policy=name,
        metric=spec.primary_metric,
        value=value,
        rows=rows,
        retrains=sum(1 for d in decisions if d.action == "retrain"),
        promotions=sum(1 for d in decisions if d.action == "promote"),
        days_below_floor=below,
        failures=failures,
    )


def _period_metric(
    spec: ModelSpec, where: Monitor, first: date, last: date
) -> tuple[float | None, int]:
    """The champion's primary metric over every prediction of the period with an actual."""
    import pyarrow.dataset as ds

    from paraguas.monitoring.outcomes import join_actuals, performance_checks

    days = where.predictions.days(spec.name, start=first, end=last)
    if not days:
        return None, 0
    table = where.predictions.read(
        spec.name, start=first, end=last, filter=ds.field("role") == "champion"
    )
    actuals = where.actuals.latest(spec.name)
    groups = join_actuals(spec.task, table, actuals)
    if not groups:
        return None, 0
    # champion rows may come from several versions over the period: measure them together
    import numpy as np

    from paraguas.monitoring.outcomes import Joined

    merged = Joined(
        "champion",
        0,
        np.concatenate([g.keys for g in groups]),
        np.concatenate([g.output for g in groups]),
        np.concatenate([g.truth for g in groups]),
        np.concatenate([g.labelled for g in groups]),
        groups[0].classes,
    )
    checks = performance_checks(
        spec.task, merged, primary=spec.primary_metric, reference={}, span=""
    )
    found = next((c for c in checks if c.subject == spec.primary_metric), None)
    return (found.value if found else None), int(merged.labelled.sum())


@contextmanager
def _scratch(actuals_root: Path, model: str) -> Iterator[Monitor]:
    """Empty stores in a temporary folder, with a copy of ``model``'s actuals."""
    from paraguas.audit import AuditLog
    from paraguas.monitoring.flow import Monitor
    from paraguas.prediction import ActualsLog, PredictionLog
    from paraguas.registry import Registry
    from paraguas.store import ArtifactStore, MetadataStore

    folder = Path(tempfile.mkdtemp(prefix="paraguas-backtest-"))
    metadata = MetadataStore.open(f"sqlite:///{folder / 'paraguas.db'}")
    try:
        source = Path(actuals_root) / f"model={model}"
        if source.is_dir():
            shutil.copytree(source, folder / "actuals" / f"model={model}")
        registry = Registry(metadata, ArtifactStore(str(folder / "artifacts")), actor="backtest")
        audit: AuditLog = registry.audit
        yield Monitor(
            registry,
            metadata,
            audit,
            PredictionLog(folder / "predictions"),
            ActualsLog(folder / "actuals"),
        )
    finally:
        metadata.close()
        shutil.rmtree(folder, ignore_errors=True)


def _end_of(day: date) -> datetime:
    from datetime import timezone

    return datetime(day.year, day.month, day.day, 23, 59, tzinfo=timezone.utc)


def as_rows(outcomes: list[PolicyOutcome]) -> list[dict[str, Any]]:
    """The outcomes as plain rows (for ``--json`` and tables)."""
    return [outcome.__dict__.copy() for outcome in outcomes]
