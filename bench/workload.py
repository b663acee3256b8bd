"""What both sides of the registry benchmark do: the same seeded models, the same calls, timed alike.

Imported by the paraguas worker (main venv) and the MLflow worker (benchmark venv), so it needs
only scikit-learn and the standard library.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 0
N_SAMPLES = 2000
N_FEATURES = 20
KINDS = ("logreg", "hgb")
# Versions registered before timing starts: they warm the code paths and give the alias two
# versions to move between.
WARMUP_VERSIONS = 2
WARMUP_CALLS = 3
# The skops types outside skops' safe defaults that each kind needs trusted. paraguas finds and
# records them itself at registration; MLflow (which also saves with skops by default) must be told.
TRUSTED_TYPES = {
    "logreg": [],
    "hgb": ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"],
}


@dataclass(frozen=True)
class Candidate:
    """One fitted model to register, with the metadata registered beside it."""

    model: Any
    params: dict[str, Any]
    metrics: dict[str, float]
    tags: dict[str, str]
    trusted_types: list[str]


class Side(Protocol):
    """The three registry operations, as one side (paraguas or MLflow) performs them."""

    def register(self, name: str, candidate: Candidate) -> int: ...

    def set_champion(self, name: str, version: int) -> None: ...

    def loaders(self, name: str) -> dict[str, Callable[[], Any]]: ...


def training_data() -> tuple[np.ndarray, np.ndarray]:
    return make_classification(
        n_samples=N_SAMPLES, n_features=N_FEATURES, n_informative=10, random_state=SEED
    )


def new_model(kind: str) -> Pipeline | HistGradientBoostingClassifier:
    if kind == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression())
    if kind == "hgb":
        return HistGradientBoostingClassifier(max_iter=100, random_state=SEED)
    raise ValueError(f"Unknown model kind {kind!r}: expected one of {KINDS}.")


def candidates(kind: str, count: int) -> list[Candidate]:
    """``count`` models of ``kind``, each fitted on its own seeded 90% subsample, so that every
    registration stores new bytes (a content-addressed store cannot skip the write)."""
    x, y = training_data()
    found = []
    for variant in range(count):
        rows = np.random.default_rng(SEED + 1 + variant).permutation(len(x))[: len(x) * 9 // 10]
        model = new_model(kind).fit(x[rows], y[rows])
        found.append(
            Candidate(
                model=model,
                params={"kind": kind, "seed": SEED, "variant": variant},
                metrics={"train_accuracy": float(model.score(x[rows], y[rows]))},
                tags={"benchmark": "registry"},
                trusted_types=TRUSTED_TYPES[kind],
            )
        )
    return found


def timed(call: Callable[[], object], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls, one by one."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def measure(side: Side, kind: str, *, repeats: int, register_repeats: int) -> dict[str, Any]:
    """Warm up, then time register, the alias move and each loader on one model kind."""
    pool = candidates(kind, WARMUP_VERSIONS + register_repeats)
    name = f"bench_{kind}"
    first: dict[str, float] = {}

    start = time.perf_counter()
    side.register(name, pool[0])
    first["register"] = time.perf_counter() - start
    for candidate in pool[1:WARMUP_VERSIONS]:
        side.register(name, candidate)
    versions = [1, 2] * WARMUP_CALLS
    first["alias"] = timed(lambda: side.set_champion(name, versions.pop()), 1)[0]
    for version in versions:
        side.set_champion(name, version)
    loaders = side.loaders(name)
    for op, load in loaders.items():
        first[op] = timed(load, 1)[0]
        timed(load, WARMUP_CALLS - 1)

    rest = iter(pool[WARMUP_VERSIONS:])
    times = {"register": timed(lambda: side.register(name, next(rest)), register_repeats)}
    last = WARMUP_VERSIONS + register_repeats
    moves = iter([last - 1, last] * repeats)
    times["alias"] = timed(lambda: side.set_champion(name, next(moves)), repeats)
    champion = last if repeats % 2 == 0 else last - 1
    for op, load in loaders.items():
        times[op] = timed(load, repeats)
        _check_same(load(), pool[champion - 1].model, op)
    return {"times": times, "first_call": first}


def _check_same(loaded: Any, original: Any, op: str) -> None:
    x, _ = training_data()
    if not np.array_equal(np.asarray(loaded.predict(x[:200])), original.predict(x[:200])):
        raise SystemExit(f"{op}: the loaded champion does not predict like the registered model.")


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeats", type=int, default=100, help="timed alias moves and loads")
    parser.add_argument("--register-repeats", type=int, default=10, help="timed registrations")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated model kinds")
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    return parser.parse_args()


def environment(*packages: str) -> dict[str, str]:
    """The Python and package versions of this process, for the results."""
    found = {"python": platform.python_version()}
    for package in ("scikit-learn", "numpy", *packages):
        found[package] = metadata.version(package)
    return found


def write(out: Path, payload: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1), encoding="utf-8")
