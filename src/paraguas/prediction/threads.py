"""Running a model on few rows: one thread, because starting threads costs more than the work.

scikit-learn's tree ensembles open an OpenMP parallel region per tree; for a handful of rows
the threads' start and barriers dominate, and on a busy machine they wait for a core each time
(200 trees, one row: 1.3 s with two threads on a loaded 2-core machine, ~10 ms on one).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["FEW_ROWS", "few_threads"]

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


@functools.lru_cache(maxsize=1)
def _controller() -> Any:
    """The native thread pools of this process, looked up once (a look-up costs ~10 ms); the
    libraries that hold them (OpenMP, BLAS) are loaded by the time a model has been."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
