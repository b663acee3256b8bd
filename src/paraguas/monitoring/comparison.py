"""Champion vs challenger on outcomes: a paired test fixed in advance, and the verdict it gives.

The challenger is scored in shadow on exactly the champion's rows, so once those rows have
actuals the two models can be compared row by row. :func:`paired_bootstrap` resamples rows
(the same rows for both models) and gives a percentile interval for the difference of a
metric; :func:`mcnemar` is the exact test for accuracy on hard predictions. :func:`decide`
turns a :class:`Comparison` into ``promote``, ``reject`` or ``wait``, with a reason that names
the numbers. Differences are oriented so that **positive means the challenger is better**,
whatever the metric's direction (the sign is flipped for ``log_loss``, ``rmse``, ``cost``...).

A resample is a vector of row counts (how often each row was drawn), so every metric is a
weighted sum over rows, or, for ``roc_auc`` and ``pr_auc``, a weighted sum over the groups of
one sort of the scores: the rounds are computed together with NumPy, never row by row.
SciPy is imported inside :func:`mcnemar` only.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal, get_args

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError
from paraguas.monitoring import arrays
from paraguas.monitoring.arrays import EPS, PROBA_SUM_TOLERANCE
from paraguas.spec import LOWER_IS_BETTER, METRICS, TASKS, did_you_mean

__all__ = [
    "BOOTSTRAP_METRICS",
    "COST_KEYS",
    "VERDICTS",
    "Comparison",
    "Decision",
    "Verdict",
    "decide",
    "expected_cost",
    "mcnemar",
    "paired_bootstrap",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
# Row-count weights (rounds, rows) -> the metric of each round; NaN where it is undefined.
Kernel = Callable[[FloatArray], FloatArray]

Verdict = Literal["promote", "reject", "wait"]
VERDICTS: Final[tuple[Verdict, ...]] = get_args(Verdict)

#: The metrics :func:`paired_bootstrap` computes, per task (``cost`` needs ``costs``).
BOOTSTRAP_METRICS: Final[dict[str, tuple[str, ...]]] = {
    "binary": (*METRICS["binary"], "cost"),
    "multiclass": METRICS["multiclass"],
    "regression": tuple(name for name in METRICS["regression"] if name != "median_ae"),
}
#: The cells of a binary confusion matrix that ``costs`` may price (a missing one costs 0).
COST_KEYS: Final = ("false_positive", "false_negative", "true_positive", "true_negative")

_LOWER: Final = LOWER_IS_BETTER | {"cost"}
# Cells of one chunk of row-count weights: small enough (512 KiB of float64) to stay in cache,
# which makes counting the draws several times faster than in one large array.
_CHUNK_CELLS: Final = 1 << 16
_MIN_ROUNDS: Final = 100


@dataclass(frozen=True)
class Comparison:
    """The evidence of one paired comparison of challenger against champion on ``rows`` rows.

    ``champion`` and ``challenger`` are the metric on all rows; ``difference`` is
    challenger minus champion, sign flipped when ``lower_is_better``, so positive always
    means the challenger is better; ``[low, high]`` is its ``confidence`` interval.
    ``method`` is ``paired_bootstrap`` (``rounds`` resamples drawn with ``seed``;
    ``undefined_rounds`` of them, where the metric could not be computed, are left out) or
    ``mcnemar`` (exact, ``p_value`` two-sided, ``rounds`` 0). ``extra``: JSON-able details
    (threshold, costs, discordant pairs).
    """

    method: str
    task: str
    metric: str
    lower_is_better: bool
    champion: float
    challenger: float
    difference: float
    low: float
    high: float
    confidence: float
    rows: int
    rounds: int = 0
    seed: int | None = None
    undefined_rounds: int = 0
    p_value: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values, to store and audit."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Comparison:
        """The inverse of :meth:`as_dict`."""
        return cls(**data)


@dataclass(frozen=True)
class Decision:
    """What to do with the challenger, why, and the evidence and policy it was decided on."""

    verdict: Verdict
    reason: str
    comparison: Comparison
    min_gain: float
    min_rows: int
    shadow_days: float
    max_shadow_days: float

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values, the comparison nested under ``comparison``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """The inverse of :meth:`as_dict`."""
        values = dict(data)
        values["comparison"] = Comparison.from_dict(values["comparison"])
        return cls(**values)


# -- the paired bootstrap -------------------------------------------------------------------


def paired_bootstrap(
    y_true: npt.ArrayLike,
    champion_output: npt.ArrayLike,
    challenger_output: npt.ArrayLike,
    *,
    task: str,
    metric: str,
    rounds: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    costs: Mapping[str, float] | None = None,
    threshold: float = 0.5,
) -> Comparison:
    """Percentile bootstrap interval of the paired difference of ``metric`` on the same rows.

    Outputs are what :mod:`~paraguas.monitoring.performance` takes: the probability of class
    1 (``binary``, predicted positive when ``>= threshold``), ``predict_proba`` rows
    (``multiclass``) or predictions (``regression``). Each of ``rounds`` resamples draws
    ``len(y_true)`` rows with replacement, the same rows for both models, and records
    metric(challenger) - metric(champion), sign flipped for lower-is-better metrics.
    ``metric="cost"`` (binary) is :func:`expected_cost` with ``costs``.

    >>> y = np.array([0, 1] * 50)
    >>> c = paired_bootstrap(y, np.full(100, 0.5), np.where(y == 1, 0.9, 0.1),
    ...                      task="binary", metric="brier", rounds=200)
    >>> round(c.difference, 2), c.low > 0
    (0.24, True)
    """
    _check_metric(task, metric)
    rounds = _integer("rounds", rounds, "e.g. 2000")
    if rounds < _MIN_ROUNDS:
        raise DataError(
            f"rounds {rounds!r} is too few for a percentile interval; expected >= "
            f"{_MIN_ROUNDS}, e.g. 2000."
        )
    seed = _integer("seed", seed, "pass e.g. seed=0 and record it")
    _check_confidence(confidence)
    if not math.isfinite(threshold):
        raise DataError(f"threshold {threshold!r} is not a finite number; expected e.g. 0.5.")
    table = _cost_table(costs) if metric == "cost" else None
    if metric != "cost" and costs is not None:
        raise DataError(
            f"costs are used only by metric='cost'; got metric={metric!r}. "
            "Pass metric='cost' or drop costs."
        )

    champion, challenger, n = _kernels(
        task, metric, y_true, champion_output, challenger_output, threshold, table
    )
    ones = np.ones((1, n))
    observed = {"champion": float(champion(ones)[0]), "challenger": float(challenger(ones)[0])}
    for role, value in observed.items():
        if math.isnan(value):
            raise DataError(
                f"{metric} of the {role} is undefined on these {n} rows (e.g. a single class "
                "in y_true, or no positive prediction); gather more rows or compare on "
                "another metric."
            )

    sign = -1.0 if metric in _LOWER else 1.0
    differences = np.empty(rounds)
    rng = np.random.default_rng(seed)
    # The chunk depends on n only, so that a seed always draws the same resamples.
    chunk = max(1, _CHUNK_CELLS // n)
    for start in range(0, rounds, chunk):
        weights = _resample_weights(rng, min(chunk, rounds - start), n)
        differences[start : start + len(weights)] = sign * (challenger(weights) - champion(weights))

    defined = differences[~np.isnan(differences)]
    if len(defined) == 0:
        raise DataError(
            f"{metric} is undefined on every resample of these {n} rows; gather more rows or "
            "compare on another metric."
        )
    alpha = (1 - confidence) / 2
    low, high = np.quantile(defined, [alpha, 1 - alpha])
    extra: dict[str, Any] = {}
    if task == "binary":
        extra["threshold"] = float(threshold)
    if table is not None:
        extra["costs"] = table
    return Comparison(
        method="paired_bootstrap",
        task=task,
        metric=metric,
        lower_is_better=metric in _LOWER,
        champion=observed["champion"],
        challenger=observed["challenger"],
        difference=sign * (observed["challenger"] - observed["champion"]),
        low=float(low),
        high=float(high),
        confidence=float(confidence),
        rows=n,
        rounds=rounds,
        seed=seed,
        undefined_rounds=rounds - len(defined),
        extra=extra,
    )


def expected_cost(
    y_true: npt.ArrayLike,
    score: npt.ArrayLike,
    costs: Mapping[str, float],
    *,
    threshold: float = 0.5,
) -> float:
    """Mean cost per row of a binary classifier's decisions (lower is better).

    ``costs`` prices the cells of the confusion matrix, e.g. ``{"false_positive": 1,
    "false_negative": 5}``; a cell left out costs 0.

    >>> expected_cost([0, 1, 1, 0], [0.9, 0.2, 0.8, 0.1], {"false_positive": 1, "false_negative": 5})
    1.5
    """
    positive = arrays.binary_target("y_true", y_true)
    scores = arrays.probabilities("score", score, len(positive))
    return float(np.mean(_row_costs(positive, scores >= threshold, _cost_table(costs))))


def _resample_weights(rng: np.random.Generator, rounds: int, n: int) -> FloatArray:
    """How often each row is drawn in each of ``rounds`` resamples of ``n`` rows."""
    rows = rng.integers(0, n, size=(rounds, n))
    rows += np.arange(rounds, dtype=rows.dtype)[:, None] * n
    counts = np.bincount(rows.ravel(), minlength=rounds * n)
    return counts.reshape(rounds, n).astype(np.float64)


def _kernels(
    task: str,
    metric: str,
    y_true: npt.ArrayLike,
    champion_output: npt.ArrayLike,
    challenger_output: npt.ArrayLike,
    threshold: float,
    costs: dict[str, float] | None,
) -> tuple[Kernel, Kernel, int]:
    """The metric of each model as a function of row weights, and the number of rows."""
    if task == "binary":
        positive = arrays.binary_target("y_true", y_true)
        n = len(positive)
        first = arrays.probabilities("champion_output", champion_output, n)
        second = arrays.probabilities("challenger_output", challenger_output, n)
        return (
            _binary_kernel(metric, positive, first, threshold, costs),
            _binary_kernel(metric, positive, second, threshold, costs),
            n,
        )
    if task == "multiclass":
        first = _proba("champion_output", champion_output, None)
        labels = arrays.class_indices("y_true", y_true, first.shape[1])
        n = len(labels)
        if len(first) != n:
            raise DataError(
                f"champion_output has {len(first)} rows but y_true has {n}; pass aligned arrays."
            )
        second = _proba("challenger_output", challenger_output, first.shape)
        return (
            _multiclass_kernel(metric, labels, first),
            _multiclass_kernel(metric, labels, second),
            n,
        )
    target = arrays.finite("y_true", y_true)
    n = len(target)
    return (
        _regression_kernel(metric, target, arrays.finite("champion_output", champion_output, n)),
        _regression_kernel(
            metric, target, arrays.finite("challenger_output", challenger_output, n)
        ),
        n,
    )


def _linear(
    columns: Sequence[npt.NDArray[Any]], finish: Callable[[FloatArray], FloatArray]
) -> Kernel:
    """A metric that is a function of weighted sums of per-row columns."""
    matrix = np.column_stack(columns).astype(np.float64)
    return lambda weights: finish(weights @ matrix)


def _binary_kernel(
    metric: str,
    positive: BoolArray,
    scores: FloatArray,
    threshold: float,
    costs: dict[str, float] | None,
) -> Kernel:
    n = len(positive)
    if metric in ("roc_auc", "pr_auc"):
        return _ranking_kernel(metric, positive, scores)
    predicted = scores >= threshold
    tp, fp, fn = predicted & positive, predicted & ~positive, ~predicted & positive
    if metric == "accuracy":
        return _linear([predicted == positive], lambda s: s[:, 0] / n)
    if metric == "precision":
        return _linear([tp, fp], lambda s: _divide(s[:, 0], s[:, 0] + s[:, 1]))
    if metric == "recall":
        return _linear([tp, fn], lambda s: _divide(s[:, 0], s[:, 0] + s[:, 1]))
    if metric == "f1":
        return _linear(
            [tp, fp, fn], lambda s: _divide(2 * s[:, 0], 2 * s[:, 0] + s[:, 1] + s[:, 2])
        )
    if metric == "log_loss":
        likelihood = np.clip(np.where(positive, scores, 1 - scores), EPS, 1 - EPS)
        return _linear([-np.log(likelihood)], lambda s: s[:, 0] / n)
    if metric == "brier":
        return _linear([(scores - positive) ** 2], lambda s: s[:, 0] / n)
    assert costs is not None  # _check_metric admits "cost" for binary, which sets costs
    return _linear([_row_costs(positive, predicted, costs)], lambda s: s[:, 0] / n)


def _ranking_kernel(metric: str, positive: BoolArray, scores: FloatArray) -> Kernel:
    """ROC AUC or average precision of weighted rows: one sort, shared by every resample.

    Rows drawn several times share their score, so a resample's groups of equal scores are
    the groups of the full sample, weighted; no resample needs its own sort. Rows are sorted
    ascending for the AUC and descending (thresholds from the top) for the precision; a
    cumulative sum read at the first and last row of each row's group handles the ties.
    """
    n = len(positive)
    order = np.argsort(scores if metric == "roc_auc" else -scores, kind="stable")
    ordered = scores[order]
    starts = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1))
    tied = len(starts) < n
    sizes = np.diff(np.append(starts, n))
    first = np.repeat(starts, sizes)  # the first row of each row's group (sorted positions)
    last = np.repeat(starts + sizes - 1, sizes)
    sorted_positive = positive[order].astype(np.float64)
    positive_column = positive.astype(np.float64)

    def kernel(weights: FloatArray) -> FloatArray:
        n_pos = weights @ positive_column
        sorted_weights = np.take(weights, order, axis=1)
        pos = sorted_weights * sorted_positive
        if metric == "roc_auc":
            # Each positive beats the negatives below its group and ties half of those in it.
            below = np.zeros((len(weights), n + 1))
            np.cumsum(sorted_weights - pos, axis=1, out=below[:, 1:])
            if tied:
                beaten = 0.5 * (np.take(below, first, axis=1) + np.take(below, last + 1, axis=1))
            else:  # a positive row is its own group: the negatives below it, none tied
                beaten = below[:, 1:]
            return _divide(np.einsum("ij,ij->i", pos, beaten), n_pos * (n - n_pos))
        # Thresholds descending: the precision at each, weighted by the recall it adds.
        precision = _divide(np.cumsum(pos, axis=1), np.cumsum(sorted_weights, axis=1), 0.0)
        if tied:
            precision = np.take(precision, last, axis=1)
        return _divide(np.einsum("ij,ij->i", pos, precision), n_pos)

    return kernel


def _multiclass_kernel(metric: str, labels: npt.NDArray[np.int64], proba: FloatArray) -> Kernel:
    n, k = proba.shape
    predicted = np.argmax(proba, axis=1)
    if metric == "accuracy":
        return _linear([predicted == labels], lambda s: s[:, 0] / n)
    if metric == "log_loss":
        likelihood = np.clip(proba[np.arange(n), labels], EPS, 1 - EPS)
        return _linear([-np.log(likelihood)], lambda s: s[:, 0] / n)
    classes = np.arange(k)
    actual = labels[:, None] == classes
    guessed = predicted[:, None] == classes
    matrix = np.hstack([actual & guessed, actual, guessed]).astype(np.float64)

    def kernel(weights: FloatArray) -> FloatArray:
        sums = weights @ matrix
        tp, support, guesses = sums[:, :k], sums[:, k : 2 * k], sums[:, 2 * k :]
        # Averages over the classes present in y_true or the predictions, as scikit-learn.
        present = (support + guesses) > 0
        if metric == "f1_weighted":
            weighted: FloatArray = (_divide(2 * tp, support + guesses, 0.0) * support).sum(axis=1)
            return weighted / float(n)
        if metric == "f1_macro":
            per_class = _divide(2 * tp, support + guesses, 0.0)
        elif metric == "precision_macro":
            per_class = _divide(tp, guesses, 0.0)
        else:  # recall_macro
            per_class = _divide(tp, support, 0.0)
        averaged: FloatArray = (per_class * present).sum(axis=1) / present.sum(axis=1)
        return averaged

    return kernel


def _regression_kernel(metric: str, target: FloatArray, prediction: FloatArray) -> Kernel:
    n = len(target)
    error = prediction - target
    if metric == "rmse":
        return _linear([error**2], lambda s: np.sqrt(s[:, 0] / n))
    if metric == "mae":
        return _linear([np.abs(error)], lambda s: s[:, 0] / n)
    if metric == "mape":
        relative = np.abs(error) / np.maximum(np.abs(target), EPS)
        return _linear([relative], lambda s: s[:, 0] / n)
    # r2; the target is centred first so that the weighted variance does not cancel out.
    centred = target - np.mean(target)

    def r2(s: FloatArray) -> FloatArray:
        total = s[:, 2] - s[:, 1] ** 2 / n
        return 1 - _divide(s[:, 0], np.where(total > 1e-12 * s[:, 2], total, 0.0))

    return _linear([error**2, centred, centred**2], r2)


def _divide(numerator: FloatArray, denominator: FloatArray, empty: float = math.nan) -> FloatArray:
    """``numerator / denominator``, ``empty`` where the denominator is 0."""
    out = np.full(np.broadcast_shapes(numerator.shape, denominator.shape), empty)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _row_costs(positive: BoolArray, predicted: BoolArray, costs: Mapping[str, float]) -> FloatArray:
    cells = {
        "true_positive": predicted & positive,
        "false_positive": predicted & ~positive,
        "true_negative": ~predicted & ~positive,
        "false_negative": ~predicted & positive,
    }
    total = np.zeros(len(positive))
    for key, price in costs.items():
        total += price * cells[key]
    return total


# -- McNemar --------------------------------------------------------------------------------


def mcnemar(
    y_true: npt.ArrayLike,
    champion_pred: npt.ArrayLike,
    challenger_pred: npt.ArrayLike,
    *,
    confidence: float = 0.95,
) -> Comparison:
    """Exact McNemar test of accuracy on hard predictions (class labels, any classifier).

    Only discordant rows count: ``b`` where only the champion is right, ``c`` where only the
    challenger is. Under "equally accurate", ``c`` is Binomial(b + c, 1/2); the two-sided
    p-value is ``min(1, 2 * P(X <= min(b, c)))`` (statsmodels' exact ``mcnemar``). The
    interval of the accuracy difference ``(c - b) / n`` is Clopper-Pearson's for that
    proportion, scaled by ``(b + c) / n``, i.e. conditional on the number of discordant rows.

    >>> c = mcnemar([1, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 1], [1, 1, 1, 0, 0, 1])
    >>> c.extra, c.p_value
    ({'champion_only_correct': 1, 'challenger_only_correct': 3}, 0.625)
    """
    from scipy import stats

    _check_confidence(confidence)
    truth = _labels("y_true", y_true, None)
    n = len(truth)
    champion_right = _correct("champion_pred", champion_pred, truth)
    challenger_right = _correct("challenger_pred", challenger_pred, truth)
    b = int(np.count_nonzero(champion_right & ~challenger_right))
    c = int(np.count_nonzero(~champion_right & challenger_right))
    discordant = b + c
    if discordant == 0:
        p_value, p_low, p_high = 1.0, 0.0, 1.0
    else:
        p_value = min(1.0, 2 * float(stats.binom.cdf(min(b, c), discordant, 0.5)))
        alpha = (1 - confidence) / 2
        p_low = 0.0 if c == 0 else float(stats.beta.ppf(alpha, c, discordant - c + 1))
        p_high = 1.0 if c == discordant else float(stats.beta.ppf(1 - alpha, c + 1, discordant - c))
    share = discordant / n
    return Comparison(
        method="mcnemar",
        task="classification",
        metric="accuracy",
        lower_is_better=False,
        champion=float(np.count_nonzero(champion_right) / n),
        challenger=float(np.count_nonzero(challenger_right) / n),
        difference=(c - b) / n,
        low=share * (2 * p_low - 1),
        high=share * (2 * p_high - 1),
        confidence=float(confidence),
        rows=n,
        p_value=p_value,
        extra={"champion_only_correct": b, "challenger_only_correct": c},
    )


def _labels(name: str, values: npt.ArrayLike, expected: int | None) -> npt.NDArray[Any]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"{name} must be a 1-D array of class labels; got shape {array.shape}.")
    if expected is not None and len(array) != expected:
        raise DataError(
            f"{name} has {len(array)} rows but y_true has {expected}; pass aligned arrays."
        )
    if len(array) == 0:
        raise DataError(f"{name} is empty; a comparison needs at least one row.")
    if array.dtype.kind in "fc" and not bool(np.all(np.isfinite(array))):
        raise DataError(
            f"{name} has missing or infinite labels; drop the rows without an actual or a "
            "prediction from both models before comparing."
        )
    return array


def _correct(name: str, values: npt.ArrayLike, truth: npt.NDArray[Any]) -> BoolArray:
    predicted = _labels(name, values, len(truth))
    numeric = {predicted.dtype.kind in "biuf", truth.dtype.kind in "biuf"}
    if len(numeric) > 1:
        raise DataError(
            f"{name} holds {predicted.dtype} labels but y_true holds {truth.dtype}; encode "
            "the predictions as y_true's labels."
        )
    right: BoolArray = np.asarray(predicted == truth, dtype=np.bool_)
    return right


# -- the decision ---------------------------------------------------------------------------


def decide(
    comparison: Comparison,
    *,
    min_gain: float = 0.0,
    min_rows: int = 200,
    shadow_days: float,
    max_shadow_days: float,
) -> Decision:
    """Promote, reject or keep waiting, by rules fixed before the evidence came in.

    In order: with fewer than ``min_rows`` paired rows, ``wait`` (``reject`` once
    ``shadow_days >= max_shadow_days``); ``promote`` when the interval's lower bound exceeds
    ``min_gain`` (in the metric's units); ``reject`` when its upper bound is below 0 (the
    challenger is worse) or when ``shadow_days >= max_shadow_days`` without a win; otherwise
    ``wait`` for more rows.
    """
    for name, value in (("min_gain", min_gain), ("shadow_days", shadow_days)):
        if not math.isfinite(value) or (name == "shadow_days" and value < 0):
            raise DataError(f"{name} {value!r} is not valid; expected a finite number >= 0.")
    if not math.isfinite(max_shadow_days) or max_shadow_days <= 0:
        raise DataError(
            f"max_shadow_days {max_shadow_days!r} is not valid; expected a number of days > 0."
        )
    min_rows = _integer("min_rows", min_rows, "e.g. 200")
    if min_rows < 1:
        raise DataError(f"min_rows {min_rows!r} is not valid; expected an integer >= 1.")

    c = comparison
    digits = _decimals(c.difference, c.low, c.high)
    flipped = f" (lower {c.metric} counts as +)" if c.lower_is_better else ""
    tested = f", McNemar p={c.p_value:.3g}" if c.p_value is not None else ""
    summary = (
        f"challenger {c.metric} {c.difference:+.{digits}f} [{c.low:.{digits}f}, "
        f"{c.high:.{digits}f}]{flipped} over {c.rows} paired rows in {shadow_days:g} days"
        f"{tested}"
    )
    out_of_time = shadow_days >= max_shadow_days
    verdict: Verdict
    if c.rows < min_rows:
        if out_of_time:
            verdict = "reject"
            why = f"still fewer than min_rows {min_rows} after max_shadow_days {max_shadow_days:g}"
        else:
            verdict = "wait"
            why = f"fewer than min_rows {min_rows}; keep the challenger in shadow"
    elif c.low > min_gain:
        verdict, why = "promote", f"the lower bound exceeds min_gain {min_gain:g}"
    elif c.high < 0:
        verdict, why = "reject", "the upper bound is below 0: the challenger is worse"
    elif out_of_time:
        verdict = "reject"
        why = f"no win after max_shadow_days {max_shadow_days:g}: the lower bound does not exceed min_gain {min_gain:g}"
    else:
        verdict = "wait"
        holds = "0" if min_gain == 0 else f"both min_gain {min_gain:g} and 0"
        why = f"the interval holds {holds}; keep gathering rows until day {max_shadow_days:g}"
    return Decision(
        verdict=verdict,
        reason=f"{summary}: {why}",
        comparison=c,
        min_gain=float(min_gain),
        min_rows=min_rows,
        shadow_days=float(shadow_days),
        max_shadow_days=float(max_shadow_days),
    )


def _decimals(*values: float) -> int:
    """Decimals that show the leading digit of the largest value, 3 at least."""
    scale = max(abs(value) for value in values)
    if scale == 0 or not math.isfinite(scale):
        return 3
    return min(12, max(3, 1 - math.floor(math.log10(scale))))


# -- validation -----------------------------------------------------------------------------


def _check_metric(task: str, metric: str) -> None:
    if task not in BOOTSTRAP_METRICS:
        raise DataError(
            f"task {task!r} is not known; expected one of {', '.join(TASKS)}."
            + did_you_mean(task, TASKS)
        )
    known = BOOTSTRAP_METRICS[task]
    if metric == "median_ae" and task == "regression":
        raise DataError(
            "metric 'median_ae' has no paired bootstrap here (a median of weighted rows); "
            "compare on 'mae' instead."
        )
    if metric not in known:
        raise DataError(
            f"metric {metric!r} is not a {task} metric; expected one of {', '.join(known)}."
            + did_you_mean(metric, known)
        )


def _integer(name: str, value: int, example: str) -> int:
    """``value`` as a Python int (NumPy integers included), or a DataError."""
    if isinstance(value, bool):
        raise DataError(f"{name} {value!r} is not an integer; {example}.")
    try:
        return operator.index(value)
    except TypeError as exc:
        raise DataError(f"{name} {value!r} is not an integer; {example}.") from exc


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise DataError(
            f"confidence {confidence!r} is not a probability strictly between 0 and 1; "
            "expected e.g. 0.95."
        )


def _cost_table(costs: Mapping[str, float] | None) -> dict[str, float]:
    if costs is None:
        raise DataError(
            "metric='cost' needs costs, e.g. costs={'false_positive': 1, 'false_negative': 5}."
        )
    table: dict[str, float] = {}
    for key, price in costs.items():
        if key not in COST_KEYS:
            raise DataError(
                f"cost {key!r} is not a cell of the confusion matrix; expected some of "
                f"{', '.join(COST_KEYS)}." + did_you_mean(key, COST_KEYS)
            )
        if (
            isinstance(price, bool)
            or not isinstance(price, (int, float))
            or not math.isfinite(price)
        ):
            raise DataError(f"cost {key!r} is {price!r}; expected a finite number.")
        table[key] = float(price)
    return table


def _proba(name: str, values: npt.ArrayLike, shape: tuple[int, ...] | None) -> FloatArray:
    array = np.asarray(values)
    if array.ndim != 2 or array.shape[1] < 2:
        raise DataError(
            f"{name} must be a 2-D array with one column per class (at least 2); "
            f"got shape {array.shape}. Pass predict_proba's output."
        )
    if shape is not None and array.shape != shape:
        raise DataError(
            f"{name} has shape {array.shape} but champion_output has {shape}; both models "
            "must score the same rows and classes."
        )
    if len(array) == 0:
        raise DataError(f"{name} is empty; a comparison needs at least one row.")
    try:
        proba = array.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must hold probabilities; got dtype {array.dtype}.") from exc
    bad = np.flatnonzero(~np.isfinite(proba).all(axis=1))
    if len(bad):
        raise DataError(
            f"{name} has missing or infinite values in {len(bad)} rows (first at row "
            f"{int(bad[0])}); drop those rows from both models before comparing."
        )
    if float(proba.min()) < 0 or float(proba.max()) > 1:
        raise DataError(f"{name} must hold probabilities in [0, 1]; pass predict_proba's output.")
    sums = proba.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1) > PROBA_SUM_TOLERANCE)
    if len(off):
        raise DataError(
            f"{name} rows must sum to 1; row {int(off[0])} sums to {float(sums[off[0]])!r} "
            f"({len(off)} rows off). Pass predict_proba's output, not scores."
        )
    return proba
