"""The real-time service, without HTTP: every declared model's champion and challenger loaded,
swapped atomically when their aliases move, scoring records and recording what was predicted.

The HTTP layer (:mod:`paraguas.serving.app`) parses requests and calls one method of
:class:`Service`; tests and benchmarks can call it directly.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from paraguas.errors import AliasError, ModelNotFoundError, ParaguasError, SchemaError
from paraguas.prediction import new_ids
from paraguas.registry import CHALLENGER, CHAMPION
from paraguas.serving.batching import Coalescer, stack
from paraguas.serving.recorder import Recorder
from paraguas.serving.scoring import (
    Loaded,
    Problem,
    RecordsError,
    Request,
    Scored,
    answers,
    day_of,
    load,
    log_table,
    prepare,
    score,
)
from paraguas.serving.shadow import Shadow
from paraguas.serving.threads import OneThread
from paraguas.spec import ModelSpec, did_you_mean

if TYPE_CHECKING:
    from paraguas.project import Project

__all__ = ["Limits", "ModelError", "Served", "Service", "TooLargeError"]

logger = logging.getLogger("paraguas.serving")
# What a request gets back from scoring: its prediction ids, keys and output rows.
Answered = tuple[list[str], list[str | None], Any]


class ModelError(ParaguasError):
    """The model raised while scoring; :attr:`error_id` is in the server's log with the cause."""

    def __init__(self, message: str, error_id: str) -> None:
        super().__init__(message)
        self.error_id = error_id


class TooLargeError(ParaguasError):
    """A request is larger than the service accepts (bytes or records)."""


@dataclass(frozen=True)
class Limits:
    """What one request may hold."""

    max_body_bytes: int = 1_000_000
    max_records: int = 1_000


@dataclass(frozen=True)
class Served:
    """What answers for one model now. Replaced whole, never changed: a request reads it once
    and finishes on it even if a swap happens meanwhile."""

    champion: Loaded | None = None
    challenger: Loaded | None = None
    error: str | None = None  # why the current champion could not be loaded, if it could not


class Service:
    """Serves every model declared in ``project``. :meth:`start` loads them; :meth:`stop` waits
    for the shadow work and writes every buffered prediction."""

    def __init__(
        self,
        project: Project,
        *,
        refresh: float = 5.0,
        limits: Limits | None = None,
        flush_rows: int = 5_000,
        flush_seconds: float = 1.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.project = project
        self.refresh_seconds = refresh
        self.limits = limits or Limits()
        self.recorder = Recorder(
            project.predictions, max_rows=flush_rows, interval=flush_seconds, build=log_table
        )
        self.shadow: Shadow[tuple[Loaded, Request, datetime]] = Shadow(self._score_shadow)
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._served: dict[str, Served] = {}
        self._specs: dict[str, ModelSpec] = {}
        self._coalescers: dict[str, Coalescer[Sequence[Any], Answered]] = {}
        self._started = False
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None
        self._refreshing = threading.Lock()
        self._threads = OneThread()

    # lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Load every champion and challenger, then start the writer, shadow and refresh threads."""
        self._specs = dict(self.project.specs())
        self._coalescers = {name: Coalescer(self._answer) for name in self._specs}
        self.refresh()
        self._threads.refresh()  # after loading: the models' native libraries are loaded now
        self.recorder.start()
        self.shadow.start()
        self._stop.clear()
        if self.refresh_seconds > 0:
            self._refresher = threading.Thread(
                target=self._refresh_loop, name="paraguas-refresh", daemon=True
            )
            self._refresher.start()
        self._started = True

    def stop(self) -> None:
        """Stop refreshing, let the challenger finish what it was given, write every prediction."""
        self._stop.set()
        if self._refresher is not None:
            self._refresher.join()
            self._refresher = None
        self.shadow.close()
        self.recorder.close()
        self._started = False
        self._threads.restore()

    @property
    def model_calls(self) -> int:
        """Calls of the champions' models so far: fewer than requests when requests arrive
        together (:class:`~paraguas.serving.batching.Coalescer`)."""
        return sum(coalescer.calls for coalescer in self._coalescers.values())

    def drain(self) -> int:
        """Wait for the shadow work submitted so far, then write what is buffered (for tests)."""
        self.shadow.join()
        return self.recorder.flush()

    # hot swap -------------------------------------------------------------------------------

    def refresh(self) -> dict[str, Served]:
        """Look at every model's aliases; load what moved (verified) and swap it in atomically.

        A version that cannot be loaded leaves the previous one serving, and says why in
        :meth:`readiness`. Returns what is served afterwards.
        """
        with self._refreshing:
            loaded = False
            for name, spec in self._specs.items():
                current = self._served.get(name, Served())
                try:
                    updated = self._refreshed(spec, current)
                except Exception as exc:
                    logger.exception("Cannot refresh model %s", name)
                    updated = Served(current.champion, current.challenger, f"{exc}")
                if updated != current:
                    loaded = True
                    self._served[name] = updated  # one reference assignment: the swap
                    if _numbers(updated) != _numbers(current):
                        logger.info("Model %s now served by %s", name, _describe(updated))
            if loaded and self._started:
                self._threads.refresh()  # a new model may have brought a new native library
            return dict(self._served)

    def _refreshed(self, spec: ModelSpec, current: Served) -> Served:
        registry = self.project.registry
        try:
            champion = registry.alias(spec.name, CHAMPION)
            challenger = registry.alias(spec.name, CHALLENGER)
        except ModelNotFoundError:  # declared, never registered
            return Served()
        loaded = [each for each in (current.champion, current.challenger) if each is not None]

        def get(version: Any) -> Loaded | None:
            if version is None:
                return None
            for each in loaded:  # e.g. a challenger promoted: already loaded and verified
                if each.version.version == version.version:
                    return each
            return load(registry, spec, version)

        served_champion = get(champion)
        try:
            served_challenger = get(challenger)
        except Exception:  # the champion still answers; the shadow waits for a fix
            logger.exception("Cannot load the challenger of %s; no shadow scoring", spec.name)
            served_challenger = None
        return Served(served_champion, served_challenger)

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            self.refresh()

    # answering ------------------------------------------------------------------------------

    def names(self) -> list[str]:
        return sorted(self._specs)

    def served(self, name: str) -> Served:
        """What serves ``name`` now; :class:`ModelNotFoundError` if it is not declared."""
        served = self._served.get(name, Served())
        if name not in self._specs:
            raise ModelNotFoundError(
                f"Model {name!r} is not served here.{did_you_mean(name, self._specs)} "
                "See: GET /v1/models"
            )
        return served

    def predict(self, name: str, payload: Any) -> dict[str, Any]:
        """Score one record (an object) or a list of records with ``name``'s champion.

        The challenger, if any, scores the same features in shadow. Both go to the log.
        """
        champion = self.served(name).champion
        if champion is None:
            raise AliasError(
                f"Model {name!r} has no champion to answer with. Train it (paraguas train "
                f"{name}) or promote a version (paraguas promote {name} VERSION --reason TEXT)."
            )
        single = not isinstance(payload, list)
        records: Sequence[Any] = [payload] if single else payload
        if not records:
            raise RecordsError("The request holds no record: send an object or a list.", [])
        if len(records) > self.limits.max_records:
            raise TooLargeError(
                f"The request holds {len(records)} records; at most {self.limits.max_records} "
                "are accepted at once. Split it, or score large sets with paraguas predict."
            )
        ids, keys, output = self._coalescers[name].run(champion, records, len(records))
        answered = answers(champion, ids, keys, output)
        head = {"model": name, "version": champion.version.version, "role": CHAMPION}
        if single:
            return {**head, **answered[0]}
        return {**head, "predictions": answered}

    def _answer(self, champion: Loaded, requests: list[Sequence[Any]]) -> list[Answered]:
        """Validate and score the records of ``requests`` (those waiting together, see
        :class:`Coalescer`) in one call, log them, give the challenger them in shadow; each
        request's ids, keys and output."""
        records = [record for request in requests for record in request]
        now = self._now()
        request = prepare(champion, records, now=now)
        self._threads.here()
        try:
            output = score(champion, request.features)
        except Exception as exc:
            if len(requests) > 1:
                raise  # each request is then scored alone, and the one at fault gets the error
            error_id = uuid.uuid4().hex
            logger.exception(
                "Model error %s: %s version %s",
                error_id,
                champion.spec.name,
                champion.version.version,
            )
            raise ModelError(
                f"Model {champion.spec.name!r} version {champion.version.version} failed on "
                f"these records ({type(exc).__name__}); error id {error_id} is in the server's "
                "log.",
                error_id,
            ) from exc
        ids = new_ids(len(records))
        self._record(champion, CHAMPION, ids, request.keys, request.times, output, now)
        challenger = self.served(champion.spec.name).challenger
        if challenger is not None:
            self.shadow.submit((challenger, request, now))
        found: list[Answered] = []
        start = 0
        for each in requests:
            end = start + len(each)
            found.append((ids[start:end], request.keys[start:end], output[start:end]))
            start = end
        return found

    def _score_shadow(self, jobs: list[tuple[Loaded, Request, datetime]]) -> None:
        """Score the requests waiting for a challenger, in one call per version."""
        self._threads.here()
        groups: dict[int, list[tuple[Loaded, Request, datetime]]] = {}
        for job in jobs:
            groups.setdefault(id(job[0]), []).append(job)
        for group in groups.values():
            challenger = group[0][0]
            output = score(challenger, stack([request.features for _, request, _ in group]))
            start = 0
            for _, request, now in group:
                rows = len(request.keys)
                ids = new_ids(rows)
                part = output[start : start + rows]
                self._record(challenger, CHALLENGER, ids, request.keys, request.times, part, now)
                start += rows

    def _record(
        self,
        loaded: Loaded,
        role: str,
        ids: list[str],
        keys: list[str | None],
        times: list[datetime],
        output: Any,
        scored_at: datetime,
    ) -> None:
        """Hand the rows to the recorder, by day; it builds and writes them off this path."""
        scored = Scored(loaded, role, ids, keys, times, np.asarray(output), scored_at)
        days = [day_of(moment) for moment in times]
        if len(set(days)) == 1:
            self.recorder.add(loaded.spec.name, days[0], scored)
            return
        for day in sorted(set(days)):
            rows = [index for index, each in enumerate(days) if each == day]
            self.recorder.add(loaded.spec.name, day, scored.take(rows))

    def record_actuals(self, name: str, payload: Any) -> dict[str, Any]:
        """Record what really happened: objects with the spec's key and target (and time)."""
        self.served(name)
        spec = self._specs[name]
        if spec.key is None:
            raise SchemaError(f"Model {name!r} declares no key to join actuals by.")
        records: Sequence[Any] = payload if isinstance(payload, list) else [payload]
        if len(records) > self.limits.max_records:
            raise TooLargeError(
                f"The request holds {len(records)} records; at most {self.limits.max_records} "
                "are accepted at once. Split it, or use paraguas actuals FILE."
            )
        arrived = self._now()
        wanted = [spec.key, spec.target]
        known = {spec.key, spec.target, spec.time}
        problems = []
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                problems.append(Problem(index, None, "expected an object"))
                continue
            problems += [
                Problem(index, field, "missing field")
                for field in wanted
                if record.get(field) is None
            ]
            problems += [
                Problem(
                    index,
                    str(field),
                    f"unknown field (expected {', '.join(c for c in known if c)})",
                )
                for field in record
                if field not in known
            ]
        if problems or not records:
            raise RecordsError(
                f"Actuals need {spec.key!r} and {spec.target!r} in each record"
                + (f" ({spec.time!r} optional)." if spec.time not in (None, spec.key) else "."),
                problems,
            )
        columns: dict[str, Any] = {
            spec.key: [r[spec.key] for r in records],
            spec.target: [r[spec.target] for r in records],
        }
        time = spec.time or "__arrived__"
        columns[time] = [r.get(time) or arrived.isoformat() for r in records]
        try:
            table = pa.table(columns)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise SchemaError(
                f"The actuals cannot be read: {exc}. Send one type per field."
            ) from exc
        rows = self.project.actuals.record(
            name, table, key=spec.key, time=time, target=spec.target, arrived_at=arrived
        )
        return {"model": name, "rows": rows, "arrived_at": arrived.isoformat()}

    # describing -----------------------------------------------------------------------------

    def describe(self, name: str) -> dict[str, Any]:
        served = self.served(name)
        spec = self._specs[name]
        described: dict[str, Any] = {
            "name": name,
            "task": spec.task,
            "features": list(spec.features),
            "key": spec.key,
            "time": spec.time,
            "champion": _number(served.champion),
            "challenger": _number(served.challenger),
            "error": served.error,
        }
        if served.champion is not None and served.champion.schema is not None:
            described["input_schema"] = served.champion.schema.as_dict()
        return described

    def details(self, name: str) -> dict[str, Any]:
        """:meth:`describe` plus the registered versions and their aliases."""
        described = self.describe(name)
        try:
            versions = self.project.registry.versions(name)
        except ModelNotFoundError:
            versions = []
        served = self.served(name)
        aliases = {
            number: role
            for role, number in (
                (CHAMPION, _number(served.champion)),
                (CHALLENGER, _number(served.challenger)),
            )
            if number is not None
        }
        described["versions"] = [
            {
                "version": v.version,
                "created_at": v.created_at.isoformat(),
                "created_by": v.created_by,
                "metrics": v.metrics,
                "sha256": v.artifact.sha256,
                "served_as": aliases.get(v.version),
                "reason": v.reason,
            }
            for v in versions
        ]
        described["monitoring"] = self.monitoring(name)
        return described

    def monitoring(self, name: str) -> dict[str, Any] | None:
        """The last monitored day of ``name``: its worst status, overall and by kind of check
        (drift, performance, …), or ``None`` if it was never monitored."""
        from paraguas.monitoring.results import worst

        with self.project.metadata.transaction(write=False) as tx:
            days = tx.monitoring.days(name)
            if not days:
                return None
            results = tx.monitoring.results(name, start=days[-1], end=days[-1])
        by_kind: dict[str, list[str]] = {}
        for result in results:
            by_kind.setdefault(result.kind, []).append(result.status)
        return {
            "day": days[-1].isoformat(),
            "status": worst(result.status for result in results),
            "checks": {kind: worst(statuses) for kind, statuses in sorted(by_kind.items())},
        }

    def readiness(self) -> tuple[bool, dict[str, str]]:
        """Whether every model with a champion has it loaded and verified, and each one's state."""
        states: dict[str, str] = {}
        ready = self._started
        for name in self.names():
            served = self._served.get(name, Served())
            if served.error is not None:
                ready = False
                states[name] = f"error: {served.error}"
            elif served.champion is None:
                states[name] = "no champion"
            else:
                states[name] = f"champion v{served.champion.version.version} loaded and verified"
        return ready, states


def _number(loaded: Loaded | None) -> int | None:
    return None if loaded is None else loaded.version.version


def _numbers(served: Served) -> tuple[int | None, int | None]:
    return _number(served.champion), _number(served.challenger)


def _describe(served: Served) -> str:
    champion, challenger = _numbers(served)
    return f"champion v{champion}" + (f", challenger v{challenger}" if challenger else "")
