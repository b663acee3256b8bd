"""Running a model on few rows: one thread, because starting threads costs more than the work.

scikit-learn's tree ensembles open an OpenMP parallel region per tree; for a handful of rows
the threads' start and barriers dominate, and on a busy machine they wait for a core each time
(200 trees, one row: 1.3 s with two threads on a loaded 2-core machine, ~10 ms on one). And
a scorer thread's share of them, when batch scoring runs two calls at a time.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["FEW_ROWS", "few_threads", "hold_openmp", "openmp_threads"]

#: Below this many rows a model runs on one thread.
FEW_ROWS = 5_000


@contextmanager
def few_threads(rows: int) -> Iterator[None]:
    """Run a small batch's scoring on one OpenMP/BLAS thread; leave large batches alone."""
    if rows >= FEW_ROWS:
        yield
        return
    with _controller().limit(limits=1):
        yield


def openmp_threads() -> int:
    """How many threads an OpenMP loop of this thread runs on (the most of any runtime loaded)."""
    found = [pool.num_threads for pool in _controller().select(user_api="openmp").lib_controllers]
    return max(found, default=os.cpu_count() or 1)


def hold_openmp(threads: int) -> None:
    """Run this thread's OpenMP loops on ``threads`` threads from now on.

    OpenMP keeps the limit per thread, so it binds this thread alone and ends with it: meant for
    worker threads that this process starts and stops (BLAS limits are process-wide; untouched).
    """
    _controller().limit(limits=threads, user_api="openmp")


@functools.lru_cache(maxsize=1)
def _controller() -> Any:
    """The native thread pools of this process, looked up once (a look-up costs ~10 ms); the
    libraries that hold them (OpenMP, BLAS) are loaded by the time a model has been."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
