"""Concurrent requests to one model handled in one call: the fixed costs of validating records
(a pass per column) and of scoring them (input checks, a loop per tree) are paid once for all the
records waiting, not once per request.

No thread of its own and no waiting for a batch to fill: the first request in scores alone;
requests that arrive while it scores queue up, and the next of them to take the model scores
every record queued by then. One record at a time, nothing waits longer than it would have;
under load, the calls grow with the queue instead of the queue growing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

__all__ = ["Coalescer", "stack"]

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Waiting(Generic[Item, Result]):
    """One request's item, then its result (or the error it met)."""

    key: Any
    item: Item
    size: int
    result: Result | None = None
    error: BaseException | None = None
    done: bool = False


class Coalescer(Generic[Item, Result]):
    """Runs ``handle(key, items)`` (one result per item, in order) for the requests of one model,
    several per call when they arrive together. Items of different keys (versions: a swap
    between two requests) go to different calls; if a joint call fails, each item is handled
    alone, so that an error reaches only the request that caused it."""

    def __init__(
        self, handle: Callable[[Any, list[Item]], Sequence[Result]], *, max_rows: int = 1_000
    ) -> None:
        self._handle = handle
        self.max_rows = max_rows
        self._queue: list[_Waiting[Item, Result]] = []
        self._queued = threading.Lock()
        self._running = threading.Lock()
        self.calls = 0  # handle calls made, for tests and metrics

    def run(self, key: Any, item: Item, size: int = 1) -> Result:
        """``handle(key, [item])[0]``, possibly computed together with other requests' items
        (``size`` rows each, at most ``max_rows`` in one call unless an item alone has more)."""
        mine: _Waiting[Item, Result] = _Waiting(key, item, size)
        with self._queued:
            self._queue.append(mine)
        while not mine.done:
            self._take_turn(mine)
        if mine.error is not None:
            raise mine.error
        return mine.result  # type: ignore[return-value]

    def _take_turn(self, mine: _Waiting[Item, Result]) -> None:
        """Hold the model and handle what waits, unless the holder before us handled ``mine``."""
        with self._running:
            if mine.done:
                return
            batch: list[_Waiting[Item, Result]] = []
            rows = 0
            with self._queued:
                while self._queue and (not batch or rows + self._queue[0].size <= self.max_rows):
                    batch.append(self._queue.pop(0))
                    rows += batch[-1].size
            groups: dict[int, list[_Waiting[Item, Result]]] = {}
            for waiting in batch:
                groups.setdefault(id(waiting.key), []).append(waiting)
            for group in groups.values():
                self._run(group)

    def _run(self, group: list[_Waiting[Item, Result]]) -> None:
        try:
            self.calls += 1
            results = self._handle(group[0].key, [waiting.item for waiting in group])
            for waiting, result in zip(group, results, strict=True):
                waiting.result = result
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
            else:
                for waiting in group:  # alone, so that the error names its own request
                    self._run([waiting])
        finally:
            for waiting in group:
                waiting.done = True


def stack(frames: Sequence[Any]) -> Any:
    """Feature frames (pandas DataFrames with the same columns) as one, rows in order.

    Frames of float64 columns only are stacked as one C-ordered matrix, the layout batch
    scoring gives the model; others are concatenated by pandas.
    """
    import pandas as pd

    if len(frames) == 1:
        return frames[0]
    first = frames[0]
    if all(len(set(frame.dtypes)) == 1 and frame.dtypes.iloc[0] == np.float64 for frame in frames):
        matrix = np.vstack([frame.to_numpy(dtype=np.float64, copy=False) for frame in frames])
        return pd.DataFrame(matrix, columns=first.columns, copy=False)
    return pd.concat(frames, ignore_index=True)
