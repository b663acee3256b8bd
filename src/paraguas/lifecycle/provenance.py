"""Why a prediction was made: everything an auditor asks about one prediction, from the stores.

For a key (a customer, a day) or a prediction id, :func:`trace` gathers:

- the rows of the prediction log: what the champion answered and the challenger said in shadow;
- for each version that spoke: what it was trained on (as-of date, window, data fingerprint,
  code commit, spec hash), how it scored on its holdout, the move that gave it its role
  before the prediction (who, when, why), and the lifecycle decisions behind it: the retrain
  that produced it, with the monitoring verdict that asked for it, and the paired test that
  promoted it;
- what really happened (every arrival of the key's actual, corrections included);
- the audit events that recorded the registration and the moves, and whether the chain is
  intact.

Nothing here writes; every answer comes from what the other stages stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from paraguas.errors import DataError
from paraguas.registry import CHALLENGER, CHAMPION, subject

if TYPE_CHECKING:
    from paraguas.audit import AuditEvent, Verification
    from paraguas.monitoring.flow import Monitor
    from paraguas.store import AliasChange, DecisionRecord, ModelVersion

__all__ = ["Actual", "Answer", "Provenance", "VersionStory", "trace"]


@dataclass(frozen=True)
class Answer:
    """One row of the prediction log: what ``version`` (in ``role``) said for ``key``."""

    prediction_id: str
    key: str
    day: date
    role: str
    version: int
    label: str | None
    value: float | None
    scores: Mapping[str, float]
    scored_at: datetime


@dataclass(frozen=True)
class Actual:
    """One arrival of what really happened for the key (a later one corrects an earlier one)."""

    label: str
    value: float | None
    arrived_at: datetime


@dataclass(frozen=True)
class VersionStory:
    """A version that spoke, and how it came to: its record, the alias move that gave it its
    role before it answered, and the decisions behind it (``None`` when it came by hand)."""

    version: ModelVersion
    role: str
    role_given: AliasChange | None
    trained_because: DecisionRecord | None
    promoted_because: DecisionRecord | None
    events: tuple[AuditEvent, ...] = ()


@dataclass(frozen=True)
class Provenance:
    """Everything stored about the predictions of ``model`` for one key on one day."""

    model: str
    key: str
    day: date
    answers: tuple[Answer, ...]
    versions: tuple[VersionStory, ...]
    actuals: tuple[Actual, ...]
    audit: Verification
    other_days: tuple[date, ...] = field(default=())

    @property
    def actual(self) -> Actual | None:
        """What really happened, as last known (the newest arrival)."""
        return self.actuals[-1] if self.actuals else None


def trace(
    where: Monitor,
    model: str,
    *,
    key: Any = None,
    prediction_id: str | None = None,
    day: date | None = None,
) -> Provenance:
    """The provenance of ``model``'s predictions for ``key`` on ``day`` (default: the last day
    the key was scored), or of the prediction ``prediction_id`` (and its shadow twin).

    Raises :class:`DataError` naming what was looked for when the log has no such prediction.
    """
    if (key is None) == (prediction_id is None):
        raise DataError("Trace a prediction by its key or by its prediction id (one of them).")
    rows = _rows(where, model, key=key, prediction_id=prediction_id, day=day)
    found_key = str(rows[0]["key"])
    days = sorted({row["date"] for row in rows})
    chosen = day or days[-1]
    answers = tuple(
        sorted(
            (_answer(row) for row in rows if row["date"] == chosen),
            key=lambda a: (a.role != CHAMPION, a.scored_at, a.version),
        )
    )
    events = list(where.audit.events(subject=subject(model)))
    with where.metadata.transaction(write=False) as tx:
        decisions = tx.lifecycle.decisions(model)
    stories: dict[tuple[int, str], VersionStory] = {}
    for answer in answers:
        if (answer.version, answer.role) not in stories:
            stories[answer.version, answer.role] = _story(
                where, model, answer.version, answer.role, answer.scored_at, decisions, events
            )
    history = where.actuals.history(model, found_key)
    actuals = tuple(
        Actual(label, value, arrived)
        for label, value, arrived in zip(
            history["label"].to_pylist(),
            history["value"].to_pylist(),
            history["arrived_at"].to_pylist(),
            strict=True,
        )
    )
    return Provenance(
        model=model,
        key=found_key,
        day=chosen,
        answers=answers,
        versions=tuple(stories.values()),
        actuals=actuals,
        audit=where.audit.verify(),
        other_days=tuple(d for d in days if d != chosen),
    )


def _rows(
    where: Monitor,
    model: str,
    *,
    key: Any,
    prediction_id: str | None,
    day: date | None,
) -> list[dict[str, Any]]:
    import pyarrow.dataset as ds

    from paraguas.prediction.columns import to_strings

    log = where.predictions
    if not log.days(model, start=day, end=day):
        when = f" on {day}" if day else ""
        raise DataError(f"The prediction log has no predictions of {model!r}{when}.")
    if prediction_id is not None:
        table = log.read(
            model,
            start=day,
            end=day,
            columns=[*_COLUMNS],
            filter=ds.field("prediction_id") == prediction_id,
        )
        if table.num_rows == 0:
            raise DataError(
                f"No prediction of {model!r} has the id {prediction_id!r}"
                + (f" on {day}" if day else "")
                + ". Ids are printed by paraguas predictions and returned by the service."
            )
        found = table.to_pylist()[0]
        # its twin: the other role's row for the same key, scored at the same moment
        twins = log.read(
            model,
            start=found["date"],
            end=found["date"],
            columns=[*_COLUMNS],
            filter=(ds.field("key") == found["key"])
            & (ds.field("scored_at") == found["scored_at"]),
        )
        return list(twins.to_pylist())
    text = to_strings([key], column="key")[0].as_py()
    table = log.read(model, start=day, end=day, columns=[*_COLUMNS], filter=ds.field("key") == text)
    if table.num_rows == 0:
        raise DataError(
            f"The prediction log of {model!r} has no prediction for the key {text!r}"
            + (f" on {day}" if day else "")
            + f". See what was scored: paraguas predictions {model}"
            + (f" --date {day}" if day else "")
        )
    return list(table.to_pylist())


_COLUMNS = (
    "prediction_id",
    "key",
    "date",
    "role",
    "version",
    "label",
    "value",
    "scores",
    "classes",
    "scored_at",
)


def _answer(row: Mapping[str, Any]) -> Answer:
    classes: Sequence[str] = row.get("classes") or ()
    scores: Sequence[float] = row.get("scores") or ()
    return Answer(
        prediction_id=row["prediction_id"],
        key=row["key"],
        day=row["date"],
        role=row["role"],
        version=int(row["version"]),
        label=row.get("label"),
        value=row.get("value"),
        scores=dict(zip(classes, scores, strict=True)),
        scored_at=row["scored_at"],
    )


def _story(
    where: Monitor,
    model: str,
    number: int,
    role: str,
    scored_at: datetime,
    decisions: Sequence[DecisionRecord],
    events: Sequence[AuditEvent],
) -> VersionStory:
    version = where.registry.version(model, number)
    alias = CHAMPION if role == CHAMPION else CHALLENGER
    given = [c for c in where.registry.history(model, alias) if c.version == number]
    before = [c for c in given if c.at <= scored_at]
    trigger = str(version.lineage.get("trigger") or "")
    trained_because = None
    if trigger.startswith("cycle:"):
        trained_on = date.fromisoformat(trigger.removeprefix("cycle:"))
        trained_because = next(
            (d for d in decisions if d.day == trained_on and d.action == "retrain"), None
        )
    promoted_because = next(
        (d for d in reversed(decisions) if d.action == "promote" and d.challenger == number),
        None,
    )
    recorded = tuple(
        e
        for e in events
        if e.payload.get("version") == number
        and e.action in ("version.registered", "alias.promoted", "alias.set", "alias.rolled_back")
    )
    return VersionStory(
        version=version,
        role=role,
        role_given=before[-1] if before else given[-1] if given else None,
        trained_because=trained_because,
        promoted_because=promoted_because,
        events=recorded,
    )
