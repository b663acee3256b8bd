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
from paraguas.spec.names import did_you_mean, validate_model_name

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


MONITORING_MODES = ("paraguas", "evidently")
MONITORING_REFERENCES = ("training", "season")


@dataclass(frozen=True)
class Monitoring:
    """How the monitoring flow watches a model.

    ``window``: the days each run looks at, ending on its date (``"7d"``). ``mode``: the drift
    method, ``"paraguas"`` (effect sizes, false-discovery control, importance-weighted verdict)
    or ``"evidently"`` (Evidently 0.7's automatic choice, reproduced exactly).
    ``label_delay``: how long after a prediction its actual is complete (``"0d"``, ``"30d"``);
    younger predictions are left out of measured performance and estimated instead.
    ``segments``: columns whose values get their own performance figures; ``sensitive``:
    columns whose groups are compared for fairness gaps. ``drift_share``: the (importance
    weighted) share of drifted features at which the dataset has drifted. ``reference``:
    what a window is compared with, ``"training"`` (every training row) or ``"season"`` (the
    training rows of the same days of the year, for data with a yearly rhythm, where a month
    always differs from the whole year).
    """

    window: str = "7d"
    mode: str = "paraguas"
    label_delay: str = "0d"
    segments: Sequence[str] = ()
    sensitive: Sequence[str] = ()
    drift_share: float = 0.5
    reference: str = "training"

    def __post_init__(self) -> None:
        parse_days(self.window, "monitoring.window")
        if self.reference not in MONITORING_REFERENCES:
            raise SpecError(
                f"monitoring.reference {self.reference!r} is not known; expected one of "
                f"{', '.join(MONITORING_REFERENCES)}."
                + did_you_mean(self.reference, MONITORING_REFERENCES)
            )
        if self.label_delay.strip().lower() not in ("0d", "0w"):
            parse_days(self.label_delay, "monitoring.label_delay")
        if self.mode not in MONITORING_MODES:
            raise SpecError(
                f"monitoring.mode {self.mode!r} is not known; expected one of "
                f"{', '.join(MONITORING_MODES)}." + did_you_mean(self.mode, MONITORING_MODES)
            )
        for what in ("segments", "sensitive"):
            columns = getattr(self, what)
            if isinstance(columns, str) or not all(isinstance(c, str) and c for c in columns):
                raise SpecError(
                    f"monitoring.{what} {columns!r} must be a list of column names, e.g. ['region']."
                )
            object.__setattr__(self, what, tuple(columns))
        if isinstance(self.drift_share, bool) or not 0 < float(self.drift_share) <= 1:
            raise SpecError(
                f"monitoring.drift_share {self.drift_share!r} must be a share in (0, 1], e.g. 0.5."
            )

    @property
    def window_days(self) -> int:
        return parse_days(self.window, "monitoring.window")

    @property
    def label_delay_days(self) -> int:
        text = self.label_delay.strip().lower()
        return 0 if text in ("0d", "0w") else parse_days(text, "monitoring.label_delay")


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

        How the model is monitored (``monitoring``) is left out: changing a window or a label
        delay does not change what a version is.
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


def parse_days(text: str, what: str) -> int:
    """``"90d"`` → 90, ``"2w"`` → 14. Raises :class:`SpecError` naming ``what`` otherwise."""
    units = {"d": 1, "w": 7}
    value = text.strip().lower()
    if len(value) >= 2 and value[-1] in units and value[:-1].isdigit() and int(value[:-1]) > 0:
        return int(value[:-1]) * units[value[-1]]
    raise SpecError(
        f"{what} {text!r} is not a duration: expected days or weeks such as '90d' or '2w'."
    )
