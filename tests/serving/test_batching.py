"""Requests arriving together are handled in one call, each getting exactly its own answer."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from paraguas.project import Project
from paraguas.serving import create_app
from paraguas.serving.batching import Coalescer, stack

from .conftest import NAME, RECORD
from .test_app import service


class Slow:
    """``handle`` that doubles numbers and refuses 13, its first call held until released."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    def __call__(self, key: Any, items: list[int]) -> list[int]:
        self.calls.append(list(items))
        if len(self.calls) == 1:
            self.holding.set()
            self.release.wait(10)
        if 13 in items:
            raise ValueError("13 is refused")
        return [2 * item for item in items]


def test_waiting_requests_are_handled_in_one_call_each_getting_its_own_result() -> None:
    handle = Slow()
    coalescer: Coalescer[int, int] = Coalescer(handle)

    def request(item: int) -> Any:
        try:
            return coalescer.run("v1", item)
        except ValueError as exc:
            return str(exc)

    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(request, 0)
        assert handle.holding.wait(10)  # the first request holds the model
        later = [pool.submit(request, item) for item in (1, 2, 13, 4, 5)]
        deadline = time.monotonic() + 10
        while len(coalescer._queue) < 5 and time.monotonic() < deadline:
            time.sleep(0.001)  # until every later request waits in the queue
        handle.release.set()
        results = [first.result(10)] + [f.result(10) for f in later]
    assert results == [0, 2, 4, "13 is refused", 8, 10]
    # One call for the first, one for the five that waited (which fails because of 13), then
    # each of those alone: only the request that sent 13 gets the error.
    assert handle.calls[0] == [0] and sorted(handle.calls[1]) == [1, 2, 4, 5, 13]
    assert sorted(map(tuple, handle.calls[2:])) == [(1,), (2,), (4,), (5,), (13,)]


def test_stacked_frames_keep_their_rows_and_types() -> None:
    floats = [
        pd.DataFrame({"a": [1.0], "b": [2.0]}),
        pd.DataFrame({"a": [3.0, 5.0], "b": [4.0, 6.0]}),
    ]
    stacked = stack(floats)
    assert stacked.to_dict("list") == {"a": [1.0, 3.0, 5.0], "b": [2.0, 4.0, 6.0]}
    assert list(stacked.dtypes) == ["float64", "float64"]
    mixed = [pd.DataFrame({"a": [1.0], "c": ["x"]}), pd.DataFrame({"a": [2.0], "c": ["y"]})]
    assert stack(mixed).to_dict("list") == {"a": [1.0, 2.0], "c": ["x", "y"]}


@pytest.mark.parametrize("with_challenger", [False, True])
def test_concurrent_requests_get_the_scores_they_would_get_alone(
    project: Project, with_challenger: bool
) -> None:
    if with_challenger:
        project.registry.set_challenger(NAME, 2, reason="shadow it")
    records = [{**RECORD, "date": f"2025-06-{day:02d}", "wind": float(day)} for day in range(1, 29)]
    with TestClient(create_app(project, refresh=0)) as client:
        url = f"/v1/models/{NAME}/predict"
        alone = [client.post(url, json=record).json() for record in records]
        with ThreadPoolExecutor(8) as pool:
            together = list(pool.map(lambda r: client.post(url, json=r).json(), records))
        service(client).drain()
    assert [a["scores"] for a in together] == [a["scores"] for a in alone]
    assert [a["key"] for a in together] == [r["date"] for r in records]
    assert len({a["prediction_id"] for a in alone + together}) == 2 * len(records)
    table = project.predictions.read(NAME)
    roles = Counter(table["role"].to_pylist())
    assert roles == ({"champion": 56, "challenger": 56} if with_challenger else {"champion": 56})
