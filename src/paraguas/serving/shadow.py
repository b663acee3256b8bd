"""The challenger scores off the request path: a queue and one thread of its own.

A request hands its validated features to :class:`Shadow` and answers at once; the challenger's
latency and failures never reach the caller. The thread lets jobs gather for up to ``linger``
seconds and takes them all at once (up to ``max_batch``): the challenger scores many requests in
one call, for little more than the cost of one, and keeps up; and it holds Python's lock once
every ``linger`` seconds instead of after every request, which the next request would wait for.
When the queue is full (the challenger still cannot keep up) the work is dropped and counted,
rather than slowing the champion down.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Shadow"]

logger = logging.getLogger("paraguas.serving")
_STOP: Any = object()
Job = TypeVar("Job")


class Shadow(Generic[Job]):
    """Runs ``handle`` on the submitted jobs, in order, in a background thread, several at once
    when several wait. If a batch fails, its jobs are run again one by one, so that
    :attr:`failed` counts the jobs that fail alone."""

    def __init__(
        self,
        handle: Callable[[list[Job]], None],
        *,
        capacity: int = 10_000,
        max_batch: int = 256,
        linger: float = 0.05,
    ) -> None:
        self._handle = handle
        self.linger = linger
        self._jobs: queue.Queue[Job] = queue.Queue(maxsize=capacity)
        self._thread: threading.Thread | None = None
        self.max_batch = max_batch
        self.done = 0
        self.batches = 0  # calls of handle that succeeded
        self.failed = 0
        self.dropped = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="paraguas-shadow", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> bool:
        """Queue ``job``; ``False`` (and counted as dropped) if the queue is full."""
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            self.dropped += 1
            return False
        return True

    @property
    def queued(self) -> int:
        """Jobs waiting for the challenger (approximately: the queue moves meanwhile)."""
        return self._jobs.qsize()

    def join(self) -> None:
        """Wait until every job submitted so far has run."""
        self._jobs.join()

    def close(self) -> None:
        """Run what is queued, then stop."""
        if self._thread is None:
            return
        self._jobs.put(_STOP)
        self._thread.join()
        self._thread = None

    def _run(self) -> None:
        while True:
            jobs = [self._jobs.get()]
            until = time.monotonic() + self.linger
            while len(jobs) < self.max_batch and jobs[-1] is not _STOP:
                wait = until - time.monotonic()
                try:
                    jobs.append(
                        self._jobs.get(timeout=wait) if wait > 0 else self._jobs.get_nowait()
                    )
                except queue.Empty:
                    break
            work = [job for job in jobs if job is not _STOP]
            try:
                if work:
                    self._run_batch(work)
            finally:
                for _ in jobs:
                    self._jobs.task_done()
            if len(work) < len(jobs):
                return

    def _run_batch(self, jobs: list[Job]) -> None:
        try:
            self._handle(jobs)
            self.done += len(jobs)
            self.batches += 1
            return
        except Exception:
            if len(jobs) == 1:
                self.failed += 1
                logger.exception("The challenger failed in shadow (the caller was answered)")
                return
        for job in jobs:
            self._run_batch([job])
