"""``ModelSpec``: everything a data scientist declares about one model, and nothing else.

A spec needs only name, task, target, features, key, time, data and estimator; every other field
has a default. Specs are values: frozen, compared by content, and hashed (``spec_hash``) so each
model version records exactly which declaration produced it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from paraguas.errors import SpecError
from paraguas.spec.durations import parse_days
from paraguas.spec.names import did_you_mean, validate_model_name
from paraguas.spec.policies import Monitoring, Promotion, Retraining

TASKS = ("binary", "multiclass", "regression")
DEFAULT_METRIC = {"binary": "f1", "multiclass": "f1_macro", "regression": "rmse"}
METRICS = {
    "binary": ("accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "log_loss", "brier"),
    "multiclass": (
        "accuracy",
        "f1_macro",
        "f1_weighted",
        "precision_macro",
        "recall_macro",
        "log_loss",
    ),
    "regression": ("rmse", "mae", "r2", "mape", "median_ae"),
}
# Metrics where smaller is better; every other metric is better when larger.
LOWER_IS_BETTER = frozenset({"log_loss", "brier", "rmse", "mae", "mape", "median_ae"})


@runtime_checkable
class DataSource(Protocol):
    """Where a model's rows come from. Implementations live in :mod:`paraguas.data`."""

    def describe(self) -> Mapping[str, Any]:
        """A JSON-able description of the source (kind and location), part of the spec hash."""
        ...


@dataclass(frozen=True)
class Split:
    """How training holds out its most recent rows for evaluation (never a random split).

    ``holdout`` is a fraction of the rows (``0.2``) or a duration (``"90d"``) before the as-of
    date.
    """

    holdout: float | str = 0.2

    def __post_init__(self) -> None:
        if isinstance(self.holdout, float | int) and not isinstance(self.holdout, bool):
            if not 0 < float(self.holdout) < 1:
                raise SpecError(
                    f"split.holdout {self.holdout!r} is not a fraction between 0 and 1 "
                    "(e.g. 0.2), nor a duration (e.g. '90d')."
                )
        elif isinstance(self.holdout, str):
            parse_days(self.holdout, "split.holdout")
        else:
            raise SpecError(f"split.holdout {self.holdout!r}: expected a fraction or a duration.")


@dataclass(frozen=True)
class ModelSpec:
    """A model declared once; paraguas trains, serves, monitors and retrains it from this."""

    name: str
    task: str
    target: str
    features: Sequence[str]
    data: DataSource
    estimator: Callable[[], Any]
    key: str | None = None
    time: str | None = None
    metric: str | None = None
    split: Split = field(default_factory=Split)
    seed: int = 0
    description: str = ""
    monitoring: Monitoring = field(default_factory=Monitoring)
    retraining: Retraining = field(default_factory=Retraining)
    promotion: Promotion = field(default_factory=Promotion)

    def __post_init__(self) -> None:
        validate_model_name(self.name)
        if self.task not in TASKS:
            raise SpecError(
                f"Model {self.name!r}: task {self.task!r} is not known; expected one of "
                f"{', '.join(TASKS)}." + did_you_mean(self.task, TASKS)
            )
        object.__setattr__(self, "features", tuple(self.features))
        if isinstance(self.features, str) or not self.features:
            raise SpecError(
                f"Model {self.name!r}: features must be a non-empty list of column names."
            )
        for column in (self.target, *self.features):
            if not isinstance(column, str) or not column:
                raise SpecError(
                    f"Model {self.name!r}: column name {column!r} must be a non-empty string."
                )
        if len(set(self.features)) != len(self.features):
            doubled = sorted({f for f in self.features if self.features.count(f) > 1})
            raise SpecError(f"Model {self.name!r}: features listed twice: {', '.join(doubled)}.")
        if self.target in self.features:
            raise SpecError(
                f"Model {self.name!r}: the target {self.target!r} is also a feature; "
                "remove it from features (the model would see the answer)."
            )
        if not callable(self.estimator):
            raise SpecError(
                f"Model {self.name!r}: estimator must be a function returning a new unfitted "
                "estimator, e.g. estimator=lambda: HistGradientBoostingClassifier()."
            )
        if not isinstance(self.data, DataSource):
            raise SpecError(
                f"Model {self.name!r}: data {self.data!r} is not a data source; use "
                "pg.Parquet(path), pg.CSV(path) or pg.SQL(url, query)."
            )
        metric = self.metric or DEFAULT_METRIC[self.task]
        if metric not in METRICS[self.task]:
            raise SpecError(
                f"Model {self.name!r}: metric {metric!r} is not a {self.task} metric; expected one "
                f"of {', '.join(METRICS[self.task])}." + did_you_mean(metric, METRICS[self.task])
            )
        object.__setattr__(self, "metric", metric)
        self._check_policies()

    def _check_policies(self) -> None:
        """The policies' metrics must be metrics of the task; cost weights need a binary task."""
        known = METRICS[self.task]
        named = [(f"retraining.below[{m!r}]", m) for m in self.retraining.below]
        if self.promotion.metric is not None:
            named.append(("promotion.metric", self.promotion.metric))
        for what, metric in named:
            if metric not in known:
                raise SpecError(
                    f"Model {self.name!r}: {what}: {metric!r} is not a {self.task} metric; "
                    f"expected one of {', '.join(known)}." + did_you_mean(metric, known)
                )
        if self.promotion.costs is not None and self.task != "binary":
            raise SpecError(
                f"Model {self.name!r}: promotion.costs weigh a binary classifier's errors; "
                f"this model is {self.task}. Remove costs, or compare on a metric."
            )
        if self.promotion.test == "mcnemar" and self.task == "regression":
            raise SpecError(
                f"Model {self.name!r}: promotion.test 'mcnemar' compares right and wrong "
                "answers of classifiers; use 'bootstrap' for a regression."
            )

    @property
    def primary_metric(self) -> str:
        assert self.metric is not None  # set in __post_init__
        return self.metric

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the model reads: key, time, features, target (without repeats)."""
        ordered = [c for c in (self.key, self.time, *self.features, self.target) if c]
        return tuple(dict.fromkeys(ordered))

    def new_estimator(self) -> Any:
        """A fresh, unfitted estimator, seeded when it takes a ``random_state``."""
        estimator = self.estimator()
        if not (
            callable(getattr(estimator, "fit", None))
            and callable(getattr(estimator, "predict", None))
        ):
            raise SpecError(
                f"Model {self.name!r}: estimator() returned {type(estimator).__name__}, which has no "
                "fit/predict; return a scikit-learn compatible estimator or pipeline."
            )
        if self.task != "regression" and not callable(getattr(estimator, "predict_proba", None)):
            raise SpecError(
                f"Model {self.name!r}: a {self.task} estimator needs predict_proba (scores are "
                "logged and monitored); use a probabilistic classifier."
            )
        _seed(estimator, self.seed)
        return estimator

    def describe(self) -> dict[str, Any]:
        """A JSON-able description of what makes the model (what :attr:`spec_hash` covers).

        How the model is monitored, retrained and promoted (``monitoring``, ``retraining``,
        ``promotion``) is left out: changing a policy does not change what a version is.
        """
        return {
            "name": self.name,
            "task": self.task,
            "target": self.target,
            "features": list(self.features),
            "key": self.key,
            "time": self.time,
            "metric": self.metric,
            "split": {"holdout": self.split.holdout},
            "seed": self.seed,
            "data": dict(self.data.describe()),
            "estimator": describe_estimator(self.estimator()),
        }

    @property
    def spec_hash(self) -> str:
        text = json.dumps(self.describe(), sort_keys=True, separators=(",", ":"), default=repr)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def describe_estimator(estimator: Any) -> dict[str, Any]:
    """Class and parameters of an unfitted estimator, stable across runs."""
    kind = type(estimator)
    params: dict[str, Any] = {}
    get_params = getattr(estimator, "get_params", None)
    if callable(get_params):
        for key, value in sorted(get_params(deep=True).items()):
            if hasattr(value, "get_params"):
                value = f"{type(value).__module__}.{type(value).__qualname__}"
            params[key] = (
                value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
            )
    return {"class": f"{kind.__module__}.{kind.__qualname__}", "params": params}


def _seed(estimator: Any, seed: int) -> None:
    get_params = getattr(estimator, "get_params", None)
    set_params = getattr(estimator, "set_params", None)
    if not (callable(get_params) and callable(set_params)):
        return
    seeds = {
        key: seed
        for key, value in get_params(deep=True).items()
        if key.endswith("random_state") and value is None
    }
    if seeds:
        set_params(**seeds)
