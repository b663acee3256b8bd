"""Native thread pools (OpenMP, BLAS) held to one thread in each thread of the service that
scores."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["OneThread"]


class OneThread:
    """OpenMP and BLAS held to one thread while the service runs: its requests are a few records
    each, and on few rows threads cost more than they bring (:mod:`paraguas.prediction.threads`).

    BLAS counts its threads per process, but OpenMP per calling thread (``omp_set_num_threads``):
    a limit set once where the service starts leaves every request and shadow thread with all
    the cores, and a tree ensemble then opens a parallel region per tree for a single record
    (hundreds of milliseconds when those threads wait for a core). So each thread that scores
    sets its own limit, once (:meth:`here`), and never restores it: limits set and restored
    around each call by concurrent requests would race, and looking the libraries up costs more
    than scoring a record.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._controller: Any = None
        self._generation = 0
        self._original: Any = None

    def refresh(self) -> None:
        """Find the native libraries loaded by now (call it after loading models: a library
        not yet loaded cannot be limited) and limit them in this thread and, for BLAS, the
        process; the other threads follow at their next :meth:`here`."""
        from threadpoolctl import ThreadpoolController

        controller = ThreadpoolController()
        limiter = controller.limit(limits=1)
        if self._original is None:
            self._original = limiter  # what stop() gives back
        self._controller = controller
        self._generation += 1
        self._local.generation = self._generation

    def here(self) -> None:
        """Limit the calling thread, unless it already did since the last :meth:`refresh`."""
        if self._controller is None or getattr(self._local, "generation", 0) == self._generation:
            return
        self._controller.limit(limits=1)
        self._local.generation = self._generation

    def restore(self) -> None:
        """Give the process (and the thread that first limited it) its original limits."""
        if self._original is not None:
            self._original.restore_original_limits()
        self._original = self._controller = None
