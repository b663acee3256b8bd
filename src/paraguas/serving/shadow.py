"""The challenger scores off the request path: a queue and one thread of its own.

A request hands its validated features to :class:`Shadow` and answers at once; the challenger's
latency and failures never reach the caller. When the queue is full (the challenger cannot keep
up) the work is dropped and counted, rather than slowing the champion down.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

__all__ = ["Shadow"]

logger = logging.getLogger("paraguas.serving")
_STOP = object()


class Shadow:
    """Runs submitted jobs one at a time, in order, in a background thread."""

    def __init__(self, *, capacity: int = 10_000) -> None:
        self._jobs: queue.Queue[object] = queue.Queue(maxsize=capacity)
        self._thread: threading.Thread | None = None
        self.done = 0
        self.failed = 0
        self.dropped = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="paraguas-shadow", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], None]) -> bool:
        """Queue ``job``; ``False`` (and counted as dropped) if the queue is full."""
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            self.dropped += 1
            return False
        return True

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
            job = self._jobs.get()
            try:
                if job is _STOP:
                    return
                assert callable(job)
                job()
                self.done += 1
            except Exception:
                self.failed += 1
                logger.exception("The challenger failed in shadow (the caller was answered)")
            finally:
                self._jobs.task_done()
