"""The real-time service's path to the prediction log: buffered, flushed by size, by time and on
shutdown, one part file per model and day at each flush.

Requests never write files, nor even build the log's rows: they hand what they scored to
:class:`Recorder`, whose thread turns everything waiting into rows at once (``build``) and writes
them with :meth:`PredictionLog.append <paraguas.prediction.PredictionLog.append>`. Parts never
replace each other nor a batch run's file, so the service and ``paraguas predict`` share the
log safely.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from paraguas.prediction import PredictionLog

__all__ = ["Recorder"]

logger = logging.getLogger("paraguas.serving")


class Recorder:
    """Buffers prediction rows and appends them to the log every ``interval`` seconds, as soon
    as ``max_rows`` are waiting, and on :meth:`close`.

    A failed write keeps its rows for the next flush (and logs why); :meth:`close` tries once
    more and reports what could not be written.
    """

    def __init__(
        self,
        log: PredictionLog,
        *,
        max_rows: int = 5_000,
        interval: float = 1.0,
        build: Callable[[Sequence[Any]], pa.Table] | None = None,
    ):
        self.log = log
        self.build = build or _from_batches
        self.max_rows = max_rows
        self.interval = interval
        self.written = 0
        self._pending: list[tuple[str, date, Any]] = []
        self._rows = 0
        self._wake = threading.Condition()
        self._flushing = threading.Lock()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._sweeper: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="paraguas-recorder", daemon=True)
        self._thread.start()
        # Looking through a long log for crash leftovers must not hold up the first flushes.
        self._sweeper = threading.Thread(target=self._sweep, name="paraguas-sweep", daemon=True)
        self._sweeper.start()

    def add(self, model: str, day: date, batch: Any) -> None:
        """Queue ``batch`` (rows of ``model`` for ``day``: a record batch, or anything with
        ``num_rows`` that ``build`` turns into rows); it is written at the next flush."""
        with self._wake:
            self._pending.append((model, day, batch))
            self._rows += batch.num_rows
            if self._rows >= self.max_rows:
                self._wake.notify()

    @property
    def pending(self) -> int:
        """Rows waiting to be written."""
        with self._wake:
            return self._rows

    def flush(self) -> int:
        """Write every waiting row now; return how many were written."""
        with self._flushing:
            with self._wake:
                taken, self._pending, self._rows = self._pending, [], 0
            groups: dict[tuple[str, date], list[Any]] = {}
            for model, day, batch in taken:
                groups.setdefault((model, day), []).append(batch)
            written = 0
            failed: list[tuple[str, date, Any]] = []
            for (model, day), batches in groups.items():
                try:
                    self.log.append(model, day, self.build(batches))
                except Exception:
                    rows = sum(batch.num_rows for batch in batches)
                    logger.exception("Cannot write %d predictions of %s for %s", rows, model, day)
                    failed.extend((model, day, batch) for batch in batches)
                else:
                    written += sum(batch.num_rows for batch in batches)
            if failed:
                with self._wake:
                    self._pending[:0] = failed
                    self._rows += sum(batch.num_rows for _, _, batch in failed)
            self.written += written
            return written

    def close(self) -> None:
        """Stop the flushing thread and write everything still waiting."""
        with self._wake:
            self._stop = True
            self._wake.notify()
        for thread in (self._thread, self._sweeper):
            if thread is not None:
                thread.join()
        self._thread = self._sweeper = None
        self.flush()
        if self.pending:
            logger.error(
                "%d predictions could not be written to %s (see the errors above)",
                self.pending,
                self.log.root,
            )

    def _run(self) -> None:
        while True:
            with self._wake:
                if not self._stop and self._rows < self.max_rows:
                    self._wake.wait(self.interval)
                if self._stop:
                    return
            self.flush()

    def _sweep(self) -> None:
        try:
            removed = self.log.sweep()
        except OSError:
            logger.exception("Cannot look for half-written parts in %s", self.log.root)
        else:
            if removed:
                logger.warning(
                    "Removed %d half-written prediction parts left by a crash (none was ever "
                    "visible to readers): %s",
                    len(removed),
                    ", ".join(str(path) for path in removed),
                )


def _from_batches(batches: Sequence[Any]) -> pa.Table:
    return pa.Table.from_batches(batches)
