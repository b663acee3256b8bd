"""The daily cycle of one model on one day: monitor, decide, retrain, judge the challenger,
score — each step journaled, so a re-run does only what is left and never anything twice.

Steps, in order (:data:`STEPS`):

``monitor``
    :func:`~paraguas.monitoring.flow.monitor_day` for the window ending on the day (its
    results replace any earlier run of the day), on the days the spec's ``monitoring.every``
    makes due (every day by default).
``decide``
    the retraining verdict (:func:`~paraguas.lifecycle.retraining.should_retrain`) from the
    stored results, stored as a decision (``retrain`` or ``keep``) with its evidence, in the
    same transaction as its journal entry. Between monitoring runs only a ``retrain`` (an
    order, the schedule) is a decision.

On the days between monitoring runs, ``monitor`` and ``judge`` do nothing, and ``decide``
nothing unless it retrains: none of them is journaled then (they have no effect to protect),
and a re-run looks at them again.
``retrain``
    when decided: a new version trained on the data as of the day, registered with the
    trigger ``cycle:DAY`` and set as challenger (or champion, for a model without one). A
    version already registered with that trigger is reused: a crash between registering and
    journaling never trains twice.
``judge``
    when a challenger is in shadow, on the days monitoring is due (the evidence grows by a day
    at a time; between runs, re-reading every shadow day would cost more as the shadow
    lengthens): the promotion policy's test on the mature rows both
    versions scored (:func:`~paraguas.lifecycle.promotion.judge_challenger`): ``promote``
    (or ``awaiting_approval`` under manual approval), ``reject`` (the challenger is cleared)
    or ``wait``; stored with its evidence.
``score``
    :func:`~paraguas.prediction.batch.predict_day` with the champion and, in shadow, the
    challenger (re-scoring a day replaces its partition).

Two cycles of the same model and day cannot run at once: the first takes a lock in the
metadata store, the second is refused (a lock left by a killed process is taken over after
``stale_after``). Every decision is also an audit event.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from paraguas.errors import DataError, ParaguasError, PolicyError
from paraguas.registry import CHALLENGER, CHAMPION, subject
from paraguas.store import DecisionRecord

if TYPE_CHECKING:
    from paraguas.audit import AuditLog
    from paraguas.lifecycle.alerts import Alerter
    from paraguas.monitoring.flow import Monitor
    from paraguas.spec import ModelSpec
    from paraguas.store import ModelVersion, Transaction

__all__ = [
    "STEPS",
    "CycleDay",
    "challenger_since",
    "pending_order",
    "record_decision",
    "run_day",
]

STEPS = ("monitor", "decide", "retrain", "judge", "score")
#: A lock older than this is taken to belong to a process that died.
STALE_AFTER = timedelta(hours=2)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class CycleDay:
    """What the cycle did for one model and day: the steps run now, those found done, and the
    decisions taken (action, reason)."""

    model: str
    day: date
    ran: tuple[str, ...]
    skipped: tuple[str, ...]
    decisions: tuple[tuple[str, str], ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


def run_day(
    spec: ModelSpec,
    where: Monitor,
    day: date,
    *,
    actor: str = "paraguas",
    holder: str | None = None,
    now: Clock | None = None,
    alerter: Alerter | None = None,
    models: dict[str, Any] | None = None,
) -> CycleDay:
    """Run what is left of ``spec``'s cycle on ``day``; raise :class:`PolicyError` when another
    cycle holds the day. ``alerter`` is told of drift alerts, retrains, promotions, rejections
    and failures (a failing alert never fails the cycle). ``models`` keeps loaded models
    across calls (by verified sha256): pass the same dict to run many days in one process."""
    clock = now or (lambda: datetime.now(timezone.utc))
    holder = holder or f"{socket.gethostname()}:{os.getpid()}"
    with where.metadata.transaction() as tx:
        # A holder on this machine whose process is gone died mid-cycle (kill -9, a crash):
        # its lock is taken over at once, and the journal says what is left to do.
        stale = timedelta(0) if _dead_here(tx.lifecycle.holder(spec.name, day)) else STALE_AFTER
        if not tx.lifecycle.acquire(spec.name, day, holder, clock(), stale_after=stale):
            raise PolicyError(
                f"Another cycle is running {spec.name!r} on {day}; it is left to finish. Run "
                "again later (a cycle that died releases the day after "
                f"{int(STALE_AFTER.total_seconds() // 3600)} hours)."
            )
    try:
        return _Day(spec, where, day, actor, clock, alerter, models).run()
    except Exception as exc:
        _alert(alerter, "failure", spec.name, day, f"the cycle failed: {type(exc).__name__}: {exc}")
        raise
    finally:
        with where.metadata.transaction() as tx:
            tx.lifecycle.release(spec.name, day, holder)


class _Day:
    def __init__(
        self,
        spec: ModelSpec,
        where: Monitor,
        day: date,
        actor: str,
        clock: Clock,
        alerter: Alerter | None,
        models: dict[str, Any] | None = None,
    ) -> None:
        self.spec, self.where, self.day, self.actor, self.clock = spec, where, day, actor, clock
        self.alerter = alerter
        self.models = {} if models is None else models
        self.aliases: dict[str, ModelVersion | None] = {}
        self.ran: list[str] = []
        self.skipped: list[str] = []
        self.decisions: list[tuple[str, str]] = []
        self.details: dict[str, Any] = {}

    def run(self) -> CycleDay:
        with self.where.metadata.transaction(write=False) as tx:
            done = {step.step: step for step in tx.lifecycle.steps(self.spec.name, self.day)}
        retrain = bool(done["decide"].detail.get("retrain")) if "decide" in done else False
        due = self.spec.monitoring.due(self.day)
        for step in STEPS:
            if step in done:
                self.skipped.append(step)
                continue
            if step == "retrain" and not retrain:
                continue
            if step in ("monitor", "judge") and not due:
                continue  # between monitoring runs: nothing to do, nothing to journal
            outcome = getattr(self, f"_{step}")()
            if step in ("retrain", "judge"):
                self.aliases.clear()
            if step == "decide":
                retrain = bool(outcome)
                if outcome is None:
                    continue  # nothing decided between monitoring runs: no side effect
            self.ran.append(step)
        return CycleDay(
            self.spec.name,
            self.day,
            tuple(self.ran),
            tuple(self.skipped),
            tuple(self.decisions),
            self.details,
        )

    # steps ------------------------------------------------------------------------------------

    def _monitor(self) -> None:
        from paraguas.monitoring.flow import monitor_day

        if self._alias(CHAMPION) is None:
            self._journal("monitor", {"status": "no champion to monitor"})
            return
        report = monitor_day(
            self.spec, self.where, day=self.day, actor=self.actor, now=self.clock(), charts=False
        )
        counts = {
            s: sum(1 for c in report.checks if c.status == s) for s in ("warn", "alert", "error")
        }
        self._journal("monitor", {"status": report.status, **counts})

    def _decide(self) -> bool | None:
        from paraguas.lifecycle.retraining import should_retrain

        champion = self._alias(CHAMPION)
        challenger = self._alias(CHALLENGER)
        with self.where.metadata.transaction(write=False) as tx:
            history = tx.monitoring.last_runs(
                self.spec.name,
                end=self.day,
                runs=self.spec.retraining.for_windows,
                kinds=("dataset_drift", "performance"),
            )
            ordered = pending_order(
                tx.lifecycle.decisions(self.spec.name, end=self.day, actions=("order", "retrain"))
            )
        order = ordered.reason if ordered is not None else None
        if champion is None:
            order = "the model has no champion yet"
        verdict = should_retrain(
            self.spec.retraining,
            today=self.day,
            history=history,
            trained_until=_trained_until(champion),
            challenger=challenger.version if challenger else None,
            order=order,
        )
        journal = {"retrain": verdict.retrain, "trigger": verdict.trigger}
        if not verdict.retrain and not self.spec.monitoring.due(self.day):
            return None  # between monitoring runs only a retrain (order, schedule) is news
        action = "retrain" if verdict.retrain else "keep"
        self._decide_and_journal(
            "decide",
            action,
            verdict.reason,
            {"trigger": verdict.trigger, **verdict.evidence},
            champion=champion,
            challenger=challenger,
            journal=journal,
        )
        return verdict.retrain

    def _retrain(self) -> None:
        from paraguas.training import train

        trigger = f"cycle:{self.day.isoformat()}"
        version = next((v for v in self._versions() if v.lineage.get("trigger") == trigger), None)
        if version is None:
            window = self.spec.retraining.window_days
            try:
                result = train(
                    self.spec,
                    self.where.registry,
                    as_of=self.day,
                    since=self.day - timedelta(days=window - 1) if window else None,
                    reason=f"retrained by the daily cycle of {self.day}",
                    actor=self.actor,
                    trigger=trigger,
                )
            except ParaguasError as exc:
                self._failed_training(exc)
                return
            version = result.version
        champion = self._alias(CHAMPION)
        new = champion is not None and champion.version != version.version
        self.details["trained"] = version.version
        detail = {"version": version.version}

        def journal(tx: Transaction) -> None:
            tx.lifecycle.record_step(
                self.spec.name, self.day, "retrain", "done", detail, self.clock()
            )

        if new and self._alias(CHALLENGER) is None:
            self.where.registry.set_challenger(
                self.spec.name,
                version.version,
                reason=f"trained by the daily cycle of {self.day}; in shadow until proven",
                actor=self.actor,
                together=journal,
            )
        else:
            self._journal("retrain", detail)

    def _failed_training(self, exc: ParaguasError) -> None:
        """A retrain that cannot train (too little data, one class only...) is a ``failed``
        decision, alerted; the champion goes on serving and a later decision may try again."""
        champion = self._alias(CHAMPION)
        if champion is None:
            raise exc  # nothing to serve: the cycle of this model fails
        self._decide_and_journal(
            "retrain",
            "failed",
            f"training failed, version {champion.version} goes on serving: {exc}",
            {"error": str(exc), "error_type": type(exc).__name__},
            champion=champion,
            challenger=self._alias(CHALLENGER),
            journal={"failed": str(exc)},
        )

    def _judge(self) -> None:
        challenger = self._alias(CHALLENGER)
        champion = self._alias(CHAMPION)
        if challenger is None or champion is None:
            self._journal("judge", {"challenger": None})
            return
        verdict, reason, evidence = self._judged(champion, challenger)
        action = verdict
        if verdict == "promote" and self.spec.promotion.approval == "manual":
            action = "awaiting_approval"
            reason = (
                f"{reason}; waiting for approval (paraguas approve {self.spec.name} --by PERSON)"
            )
        record = self._decision_writer(
            "judge",
            action,
            reason,
            evidence,
            champion=champion,
            challenger=challenger,
            journal={"verdict": verdict},
        )
        # The alias moves in the same transaction as the decision and the journal entry: a
        # crash leaves both done or neither, and a re-run judges again.
        if action == "promote":
            self.where.registry.promote(
                self.spec.name, challenger.version, reason=reason, actor=self.actor, together=record
            )
        elif action == "reject":
            self.where.registry.clear_challenger(
                self.spec.name, reason=reason, actor=self.actor, together=record
            )
        else:
            with self.where.metadata.transaction() as tx:
                record(tx)
        self._decided(action, reason, evidence)

    def _score(self) -> None:
        from paraguas.prediction.batch import predict_day

        champion = self._alias(CHAMPION)
        run = predict_day(
            self.spec,
            self.where.registry,
            self.where.predictions,
            day=self.day,
            models=self.models,
            versions=(champion, self._alias(CHALLENGER)) if champion is not None else None,
        )
        self._journal(
            "score", {"rows": run.rows, "rejected": run.rejected, "champion": run.champion}
        )

    # helpers ----------------------------------------------------------------------------------

    def _judged(
        self, champion: ModelVersion, challenger: ModelVersion
    ) -> tuple[str, str, dict[str, Any]]:
        """The verdict on the challenger, its reason and evidence, from the mature rows both
        versions scored since the challenger was set."""
        from paraguas.lifecycle.promotion import judge_challenger

        policy = self.spec.promotion
        since = min(challenger_since(self.where, self.spec.name, challenger), self.day)
        days = (self.day - since).days
        ours, theirs = self._joined(champion, challenger, since)
        paired = 0
        if ours is not None and theirs is not None:
            labelled = {k for k, known in zip(ours.keys, ours.labelled, strict=True) if known}
            paired = sum(1 for k in theirs.keys if k in labelled)
        if ours is None or theirs is None or paired < policy.min_rows:
            evidence = {"paired_rows": paired, "min_rows": policy.min_rows, "days": days}
            if days >= policy.max_shadow_days:
                return (
                    "reject",
                    f"{paired} paired rows with actuals after {days} days in shadow, fewer than "
                    f"the {policy.min_rows} needed within max_shadow_days {policy.max_shadow_days}",
                    evidence,
                )
            return (
                "wait",
                f"{paired} paired rows with actuals after {days} days in shadow; "
                f"at least {policy.min_rows} needed to judge",
                evidence,
            )
        try:
            decision = judge_challenger(
                self.spec.task,
                self.spec.primary_metric,
                policy,
                ours,
                theirs,
                days_in_shadow=days,
                seed=self.spec.seed,
            )
        except DataError as exc:
            # The metric is undefined on these rows (F1 with no positive case, say: a dry
            # season for a rain model): no evidence either way yet.
            undefined = {"paired_rows": paired, "days": days, "undefined": str(exc)}
            if days >= policy.max_shadow_days:
                return (
                    "reject",
                    f"no verdict possible after {days} days in shadow (max_shadow_days "
                    f"{policy.max_shadow_days}): {exc}",
                    undefined,
                )
            return "wait", f"no verdict possible yet after {days} days in shadow: {exc}", undefined
        return decision.verdict, decision.reason, decision.as_dict()

    def _joined(
        self, champion: ModelVersion, challenger: ModelVersion, since: date
    ) -> tuple[Any, Any]:
        import pyarrow.dataset as ds

        from paraguas.monitoring.outcomes import join_actuals, known_at

        end = self.day - timedelta(days=self.spec.monitoring.label_delay_days)
        log = self.where.predictions
        if not log.days(self.spec.name, start=since, end=end):
            return None, None
        table = log.read(
            self.spec.name,
            start=since,
            end=end,
            filter=ds.field("version").isin([champion.version, challenger.version]),
        )
        actuals = self.where.actuals.latest(self.spec.name, as_of=known_at(self.day, self.clock()))
        groups = join_actuals(self.spec.task, table, actuals)
        ours = next(
            (g for g in groups if (g.role, g.version) == (CHAMPION, champion.version)), None
        )
        theirs = next(
            (g for g in groups if (g.role, g.version) == (CHALLENGER, challenger.version)), None
        )
        return ours, theirs

    def _versions(self) -> list[ModelVersion]:
        from paraguas.errors import ModelNotFoundError

        try:
            return self.where.registry.versions(self.spec.name)
        except ModelNotFoundError:
            return []

    def _alias(self, alias: str) -> ModelVersion | None:
        """The version holding ``alias``, looked up once per step (steps that move aliases,
        retrain and judge, forget what was looked up)."""
        from paraguas.errors import ModelNotFoundError

        if alias not in self.aliases:
            try:
                self.aliases[alias] = self.where.registry.alias(self.spec.name, alias)
            except ModelNotFoundError:
                self.aliases[alias] = None
        return self.aliases[alias]

    def _journal(self, step: str, detail: dict[str, Any]) -> None:
        with self.where.metadata.transaction() as tx:
            tx.lifecycle.record_step(self.spec.name, self.day, step, "done", detail, self.clock())

    def _decide_and_journal(
        self,
        step: str,
        action: str,
        reason: str,
        evidence: dict[str, Any],
        *,
        champion: ModelVersion | None,
        challenger: ModelVersion | None,
        journal: dict[str, Any],
    ) -> None:
        """The decision, its audit event and the step's journal entry, in one transaction."""
        record = self._decision_writer(
            step,
            action,
            reason,
            evidence,
            champion=champion,
            challenger=challenger,
            journal=journal,
        )
        with self.where.metadata.transaction() as tx:
            record(tx)
        self._decided(action, reason, evidence)

    def _decision_writer(
        self,
        step: str,
        action: str,
        reason: str,
        evidence: dict[str, Any],
        *,
        champion: ModelVersion | None,
        challenger: ModelVersion | None,
        journal: dict[str, Any],
    ) -> Callable[[Transaction], None]:
        """What records a decision in a transaction: the decision, its audit event, the step's
        journal entry."""
        at = self.clock()
        record = DecisionRecord(
            model=self.spec.name,
            day=self.day,
            action=action,
            champion=champion.version if champion else None,
            challenger=challenger.version if challenger else None,
            reason=reason,
            evidence=evidence,
            actor=self.actor,
            at=at,
        )

        def write(tx: Transaction) -> None:
            payload = {"day": self.day.isoformat(), "reason": reason, "step": step}
            record_decision(tx, self.where.audit, record, payload)
            tx.lifecycle.record_step(self.spec.name, self.day, step, "done", journal, at)

        return write

    def _decided(self, action: str, reason: str, evidence: dict[str, Any]) -> None:
        self.decisions.append((action, reason))
        events = {
            "retrain": "retrain",
            "promote": "promotion",
            "reject": "rejection",
            "failed": "failure",
        }
        if action in events:
            _alert(self.alerter, events[action], self.spec.name, self.day, reason, evidence)


def _alert(
    alerter: Alerter | None,
    event: str,
    model: str,
    day: date,
    summary: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Tell ``alerter``, if any; an alert that cannot be built or sent never stops the cycle."""
    if alerter is None:
        return
    from paraguas.lifecycle.alerts import Alert

    try:
        alerter.send(Alert(event, model, day, summary, dict(details or {})))
    except (TypeError, ValueError):
        alerter.send(Alert(event, model, day, summary))


def _dead_here(holder: str | None) -> bool:
    """Whether ``holder`` (``host:pid``) is a process of this machine that no longer runs."""
    if holder is None:
        return False
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def pending_order(decisions: list[DecisionRecord]) -> DecisionRecord | None:
    """The oldest retrain order (``paraguas retrain``) not yet followed by a retrain."""
    pending: list[DecisionRecord] = []
    for decision in sorted(decisions, key=lambda d: d.at):
        if decision.action == "order":
            pending.append(decision)
        elif decision.action == "retrain":
            pending.clear()
    return pending[0] if pending else None


def _trained_until(version: ModelVersion | None) -> date | None:
    """The last day of a version's training data (its as-of date, else its data's newest row)."""
    if version is None:
        return None
    text = version.lineage.get("as_of") or (version.lineage.get("data_fingerprint") or {}).get(
        "time_max"
    )
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def record_decision(
    tx: Transaction, audit: AuditLog, decision: DecisionRecord, payload: Mapping[str, Any]
) -> None:
    """Store ``decision`` and its audit event (``decision.<action>``, with ``payload``) in
    ``tx``: whoever decides, the cycle or a person, the two are written together."""
    tx.lifecycle.add_decision(decision)
    audit.append(
        tx,
        actor=decision.actor,
        action=f"decision.{decision.action}",
        subject=subject(decision.model),
        payload=dict(payload),
    )


def challenger_since(where: Monitor, name: str, challenger: ModelVersion) -> date:
    """The day the challenger's shadow began: the cycle day that trained it, else the day its
    alias was set."""
    trigger = str(challenger.lineage.get("trigger") or "")
    if trigger.startswith("cycle:"):
        return date.fromisoformat(trigger.removeprefix("cycle:"))
    changes = [
        c
        for c in where.registry.history(name, CHALLENGER)
        if c.version == challenger.version and c.action == "set"
    ]
    return changes[-1].at.date() if changes else challenger.created_at.date()
