"""Where every model stands, for an operator: who serves, who is in shadow, when the cycle last
ran, what monitoring last said, what was last decided — and what needs someone, with the
command that does it. Nothing here writes; it reads what the other stages stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from paraguas.errors import ModelNotFoundError
from paraguas.registry import CHALLENGER, CHAMPION

if TYPE_CHECKING:
    from paraguas.monitoring.flow import Monitor
    from paraguas.store import DecisionRecord

__all__ = ["ModelStatus", "overview"]

#: The checks whose alert an operator should look at (a warn is for the data scientist).
_LOOK_AT = ("alert", "error")


@dataclass(frozen=True)
class ModelStatus:
    """One model's state. ``attention`` lists what needs someone, each with its command; empty
    when all is well."""

    model: str
    champion: int | None
    challenger: int | None
    shadow_since: date | None
    last_cycle: date | None
    cycle_finished: bool
    monitored: date | None
    monitoring: str | None  # the worst status of the last monitored day
    flagged: tuple[str, ...]  # the kinds of check at alert or error that day
    last_decision: DecisionRecord | None
    attention: tuple[str, ...]


def overview(where: Monitor, names: Iterable[str]) -> list[ModelStatus]:
    """The status of each model in ``names`` (the project's declared models)."""
    return [_status(where, name) for name in names]


def _status(where: Monitor, name: str) -> ModelStatus:
    from paraguas.lifecycle.cycle import challenger_since
    from paraguas.monitoring.results import worst

    try:
        aliases = where.registry.model(name).aliases
    except ModelNotFoundError:
        aliases = {}
    champion, challenger = aliases.get(CHAMPION), aliases.get(CHALLENGER)
    since = None
    if challenger is not None:
        since = challenger_since(where, name, where.registry.version(name, challenger))
    with where.metadata.transaction(write=False) as tx:
        last_cycle = tx.lifecycle.last_day(name)
        steps = {s.step for s in tx.lifecycle.steps(name, last_cycle)} if last_cycle else set()
        latest = tx.lifecycle.latest_decisions(name, 1)
        results = tx.monitoring.last_runs(name, end=date.max, runs=1)
    monitored = results[-1].day if results else None
    flagged = tuple(sorted({r.kind for r in results if r.status in _LOOK_AT}))
    decision = latest[-1] if latest else None
    status = ModelStatus(
        model=name,
        champion=champion,
        challenger=challenger,
        shadow_since=since,
        last_cycle=last_cycle,
        cycle_finished=last_cycle is None or "score" in steps,
        monitored=monitored,
        monitoring=worst(r.status for r in results) if results else None,
        flagged=flagged,
        last_decision=decision,
        attention=(),
    )
    return replace(status, attention=_attention(status))


def _attention(status: ModelStatus) -> tuple[str, ...]:
    name, found = status.model, []
    if status.champion is None:
        found.append(
            f"no champion: train one (paraguas train {name}) or let the cycle do it "
            f"(paraguas cycle --date DAY --model {name})"
        )
    if not status.cycle_finished:
        found.append(
            f"the cycle of {status.last_cycle} did not finish: run it again "
            f"(paraguas cycle --date {status.last_cycle} --model {name})"
        )
    decision = status.last_decision
    if decision is not None and decision.action == "awaiting_approval" and status.challenger:
        found.append(
            f"version {status.challenger} won its test on {decision.day} and waits for approval "
            f"(paraguas approve {name} --by PERSON)"
        )
    if decision is not None and decision.action == "failed":
        found.append(f"a retrain failed on {decision.day}: {decision.reason}")
    if status.flagged:
        found.append(
            f"monitoring of {status.monitored} flagged {', '.join(status.flagged)} "
            f"(paraguas monitor {name} --date {status.monitored} --html report.html)"
        )
    return tuple(found)
