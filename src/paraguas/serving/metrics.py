"""Prometheus metrics of the service, in the text exposition format (no client library).

Requests and their latency by model and status, the champion's scores, the versions serving,
the shadow's failures and drops, and the prediction log's written and pending rows.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from paraguas.serving.service import Service

__all__ = ["LATENCY_BUCKETS", "SCORE_BUCKETS", "Metrics"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SCORE_BUCKETS = tuple(round(0.1 * step, 1) for step in range(1, 11))
STATUS_VALUES = {"ok": 0, "error": 1, "warn": 2, "alert": 3}  # as monitoring ranks them


class _Histogram:
    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = np.asarray(bounds)
        self.bounds_list = list(bounds)
        self.counts = np.zeros(len(bounds), dtype=np.int64)  # cumulative, as Prometheus reads
        self.total = 0
        self.sum = 0.0

    def observe_one(self, value: float) -> None:
        """One value, without NumPy's per-call cost (a request's latency)."""
        if math.isfinite(value):
            self.counts[bisect.bisect_left(self.bounds_list, value) :] += 1
            self.total += 1
            self.sum += value

    def observe(self, values: Any) -> None:
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        values = values[np.isfinite(values)]
        self.counts += (values[:, None] <= self.bounds[None, :]).sum(axis=0)
        self.total += len(values)
        self.sum += float(values.sum())


class Metrics:
    """Counters and histograms updated by the routes, rendered on ``GET /metrics``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self._latency: dict[tuple[str, str], _Histogram] = {}
        self._scores: dict[str, _Histogram] = {}

    def request(self, route: str, model: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[(route, model, status)] += 1
            histogram = self._latency.setdefault((route, model), _Histogram(LATENCY_BUCKETS))
            histogram.observe_one(seconds)

    def scores(self, model: str, scores: Iterable[float]) -> None:
        with self._lock:
            self._scores.setdefault(model, _Histogram(SCORE_BUCKETS)).observe(list(scores))

    def render(self, service: Service) -> str:
        lines: list[str] = []

        def family(name: str, kind: str, text: str) -> None:
            lines.extend([f"# HELP {name} {text}", f"# TYPE {name} {kind}"])

        with self._lock:
            family("paraguas_requests_total", "counter", "Requests by route, model and status.")
            for (route, model, status), count in sorted(self._requests.items()):
                labels = _labels(route=route, model=model, status=str(status))
                lines.append(f"paraguas_requests_total{labels} {count}")
            family("paraguas_request_seconds", "histogram", "Time to answer, by route and model.")
            for (route, model), histogram in sorted(self._latency.items()):
                lines += _histogram("paraguas_request_seconds", histogram, route=route, model=model)
            family(
                "paraguas_prediction_score",
                "histogram",
                "The champion's score of the predicted class (classifiers).",
            )
            for model, histogram in sorted(self._scores.items()):
                lines += _histogram("paraguas_prediction_score", histogram, model=model)
        family("paraguas_model_version", "gauge", "The version serving each model, by role.")
        for name in service.names():
            served = service.served(name)
            for role, loaded in (("champion", served.champion), ("challenger", served.challenger)):
                if loaded is not None:
                    labels = _labels(model=name, role=role)
                    lines.append(f"paraguas_model_version{labels} {loaded.version.version}")
        family(
            "paraguas_monitoring_status",
            "gauge",
            "The last monitored day's worst status by kind: 0 ok, 1 error, 2 warn, 3 alert.",
        )
        for name in service.names():
            last = service.monitoring(name)
            for kind, status in (last or {}).get("checks", {}).items():
                value = STATUS_VALUES.get(status, 1)
                lines.append(f"paraguas_monitoring_status{_labels(model=name, kind=kind)} {value}")
        for name, kind, text, value in (
            (
                "paraguas_shadow_failed_total",
                "counter",
                "Challenger failures.",
                service.shadow.failed,
            ),
            (
                "paraguas_shadow_dropped_total",
                "counter",
                "Shadow work dropped.",
                service.shadow.dropped,
            ),
            (
                "paraguas_model_calls_total",
                "counter",
                "Calls of the champions (requests arriving together share one).",
                service.model_calls,
            ),
            (
                "paraguas_shadow_done_total",
                "counter",
                "Champion calls the challenger repeated in shadow.",
                service.shadow.done,
            ),
            (
                "paraguas_shadow_batches_total",
                "counter",
                "Calls of the challengers (the shadow work gathered meanwhile shares one).",
                service.shadow.batches,
            ),
            (
                "paraguas_shadow_queued",
                "gauge",
                "Shadow work waiting for the challenger.",
                service.shadow.queued,
            ),
            (
                "paraguas_log_written_total",
                "counter",
                "Rows written to the log.",
                service.recorder.written,
            ),
            (
                "paraguas_log_pending",
                "gauge",
                "Rows waiting for the log.",
                service.recorder.pending,
            ),
        ):
            family(name, kind, text)
            lines.append(f"{name} {value}")
        return "\n".join(lines) + "\n"


def _histogram(name: str, histogram: _Histogram, **labels: str) -> list[str]:
    lines = [
        f"{name}_bucket{_labels(**labels, le=_number(bound))} {count}"
        for bound, count in zip(histogram.bounds, histogram.counts, strict=True)
    ]
    lines.append(f"{name}_bucket{_labels(**labels, le='+Inf')} {histogram.total}")
    lines.append(f"{name}_sum{_labels(**labels)} {histogram.sum!r}")
    lines.append(f"{name}_count{_labels(**labels)} {histogram.total}")
    return lines


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items()) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return repr(float(value))
