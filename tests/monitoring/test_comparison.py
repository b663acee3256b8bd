"""Champion vs challenger: the paired bootstrap, McNemar and the verdict, against SciPy/sklearn."""

from __future__ import annotations

import doctest
import json
import math
import subprocess
import sys
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from scipy import stats
from sklearn import metrics as skm

from paraguas.errors import DataError
from paraguas.monitoring import comparison as comparison_module
from paraguas.monitoring.comparison import (
    BOOTSTRAP_METRICS,
    Comparison,
    Decision,
    decide,
    expected_cost,
    mcnemar,
    paired_bootstrap,
)
from paraguas.monitoring.comparison import _kernels as kernels
from paraguas.monitoring.comparison import _resample_weights as resample_weights
from tests.monitoring.conftest import multiclass_data

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
COSTS = {"false_positive": 1.0, "false_negative": 5.0}


def shadow(
    seed: int, n: int, champion_noise: float, challenger_noise: float
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Labels drawn from a known probability; each model sees it through its own noise."""
    rng = np.random.default_rng(seed)
    truth = rng.beta(2, 2, n)
    y = (rng.random(n) < truth).astype(np.int64)
    champion = np.clip(truth + rng.normal(0, champion_noise, n), 0, 1)
    challenger = np.clip(truth + rng.normal(0, challenger_noise, n), 0, 1)
    return y, champion, challenger


def sklearn_binary(metric: str, y: Any, score: Any, threshold: float = 0.5) -> float:
    predicted = (score >= threshold).astype(int)
    if metric == "accuracy":
        return float(skm.accuracy_score(y, predicted))
    if metric in ("precision", "recall", "f1"):
        scorer = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}
        return float(scorer[metric](y, predicted))
    if metric == "roc_auc":
        return float(skm.roc_auc_score(y, score))
    if metric == "pr_auc":
        return float(skm.average_precision_score(y, score))
    if metric == "log_loss":
        return float(skm.log_loss(y, score, labels=[0, 1]))
    if metric == "brier":
        return float(skm.brier_score_loss(y, score))
    _, fp, fn, _ = skm.confusion_matrix(y, predicted, labels=[0, 1]).ravel()
    return float(fp * COSTS["false_positive"] + fn * COSTS["false_negative"]) / len(y)


def sklearn_multiclass(metric: str, y: Any, proba: Any) -> float:
    predicted = proba.argmax(axis=1)
    if metric == "accuracy":
        return float(skm.accuracy_score(y, predicted))
    if metric == "log_loss":
        return float(skm.log_loss(y, proba, labels=list(range(proba.shape[1]))))
    name, average = metric.split("_")
    scorer = {"f1": skm.f1_score, "precision": skm.precision_score, "recall": skm.recall_score}
    return float(scorer[name](y, predicted, average=average, zero_division=0))


def sklearn_regression(metric: str, y: Any, prediction: Any) -> float:
    if metric == "rmse":
        return math.sqrt(skm.mean_squared_error(y, prediction))
    if metric == "mae":
        return float(skm.mean_absolute_error(y, prediction))
    if metric == "mape":
        return float(skm.mean_absolute_percentage_error(y, prediction))
    return float(skm.r2_score(y, prediction))


# -- observed metrics and resamples agree with scikit-learn ---------------------------------


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("metric", BOOTSTRAP_METRICS["binary"])
def test_binary_observed_metrics_match_sklearn(metric: str, ties: bool) -> None:
    y, champion, challenger = shadow(1, 600, 0.3, 0.1)
    if ties:
        champion, challenger = np.round(champion, 1), np.round(challenger, 1)
    costs = COSTS if metric == "cost" else None
    c = paired_bootstrap(
        y, champion, challenger, task="binary", metric=metric, rounds=100, costs=costs
    )
    assert c.champion == pytest.approx(sklearn_binary(metric, y, champion), rel=1e-12)
    assert c.challenger == pytest.approx(sklearn_binary(metric, y, challenger), rel=1e-12)
    sign = -1 if c.lower_is_better else 1
    assert c.difference == pytest.approx(sign * (c.challenger - c.champion))


@pytest.mark.parametrize("metric", BOOTSTRAP_METRICS["multiclass"])
def test_multiclass_observed_metrics_match_sklearn(metric: str) -> None:
    y, champion = multiclass_data(2, n=300, k=4)
    _, challenger = multiclass_data(3, n=300, k=4)
    c = paired_bootstrap(y, champion, challenger, task="multiclass", metric=metric, rounds=100)
    assert c.champion == pytest.approx(sklearn_multiclass(metric, y, champion), rel=1e-12)
    assert c.challenger == pytest.approx(sklearn_multiclass(metric, y, challenger), rel=1e-12)


@pytest.mark.parametrize("metric", BOOTSTRAP_METRICS["regression"])
def test_regression_observed_metrics_match_sklearn(metric: str) -> None:
    rng = np.random.default_rng(4)
    y = 1000 + rng.normal(0, 3, 500)  # a large mean: r2's variance must not cancel out
    champion, challenger = y + rng.normal(0, 2, 500), y + rng.normal(0, 1, 500)
    c = paired_bootstrap(y, champion, challenger, task="regression", metric=metric, rounds=100)
    assert c.champion == pytest.approx(sklearn_regression(metric, y, champion), rel=1e-9)
    assert c.challenger == pytest.approx(sklearn_regression(metric, y, challenger), rel=1e-9)
    assert c.difference > 0  # the challenger's errors are half the champion's


@pytest.mark.parametrize(
    ("task", "metric"),
    [("binary", m) for m in BOOTSTRAP_METRICS["binary"]]
    + [("multiclass", m) for m in BOOTSTRAP_METRICS["multiclass"]]
    + [("regression", m) for m in BOOTSTRAP_METRICS["regression"]],
)
def test_each_resample_is_the_metric_of_the_drawn_rows(task: str, metric: str) -> None:
    """Row-count weights give what scikit-learn computes on the rows drawn, ties included."""
    if task == "binary":
        y, first, second = shadow(5, 200, 0.3, 0.1)
        first, second = np.round(first, 1), second
        reference = sklearn_binary
    elif task == "multiclass":
        y, first = multiclass_data(6, n=200, k=3)
        _, second = multiclass_data(7, n=200, k=3)
        reference = sklearn_multiclass
    else:
        rng = np.random.default_rng(8)
        y = rng.normal(10, 3, 200)
        first, second = y + rng.normal(0, 2, 200), np.round(y + rng.normal(0, 1, 200))
        reference = sklearn_regression
    table = dict(COSTS) if metric == "cost" else None
    champion, challenger, n = kernels(task, metric, y, first, second, 0.5, table)
    weights = resample_weights(np.random.default_rng(9), 5, n)
    got_first, got_second = champion(weights), challenger(weights)
    for r in range(5):
        rows = np.repeat(np.arange(n), weights[r].astype(int))
        assert got_first[r] == pytest.approx(reference(metric, y[rows], first[rows]), rel=1e-9)
        assert got_second[r] == pytest.approx(reference(metric, y[rows], second[rows]), rel=1e-9)


def test_resample_weights_draw_n_rows_each() -> None:
    weights = resample_weights(np.random.default_rng(0), 50, 30)
    assert weights.shape == (50, 30)
    assert np.all(weights.sum(axis=1) == 30)
    assert np.all(weights >= 0)


def test_expected_cost_prices_the_confusion_matrix() -> None:
    y, score, _ = shadow(10, 300, 0.3, 0.1)
    assert expected_cost(y, score, COSTS) == pytest.approx(sklearn_binary("cost", y, score))
    benefit = {"true_positive": -2, "false_positive": 1}
    predicted = score >= 0.5
    hand = (-2 * np.sum(predicted & (y == 1)) + np.sum(predicted & (y == 0))) / len(y)
    assert expected_cost(y, score, benefit) == pytest.approx(hand)


# -- the interval ---------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_interval() -> None:
    y, champion, challenger = shadow(11, 1000, 0.3, 0.25)
    first = paired_bootstrap(y, champion, challenger, task="binary", metric="f1", seed=7)
    assert first.seed == 7 and first.rounds == 2000 and first.rows == 1000
    again = paired_bootstrap(
        y, champion, challenger, task="binary", metric="f1", seed=np.int64(7), rounds=np.int64(2000)
    )
    other = paired_bootstrap(y, champion, challenger, task="binary", metric="f1", seed=8)
    assert first == again
    assert (first.low, first.high) != (other.low, other.high)
    assert first.low <= first.difference <= first.high


def test_lower_is_better_metrics_are_flipped_so_positive_favours_the_challenger() -> None:
    y, champion, challenger = shadow(12, 2000, 0.3, 0.05)
    for metric in ("log_loss", "brier", "cost"):
        costs = COSTS if metric == "cost" else None
        c = paired_bootstrap(
            y, champion, challenger, task="binary", metric=metric, rounds=300, costs=costs
        )
        assert c.lower_is_better
        assert c.challenger < c.champion
        assert c.difference == pytest.approx(c.champion - c.challenger)
        assert c.low > 0


def _population_difference(metric: str, y: Any, first: Any, second: Any) -> float:
    return sklearn_binary(metric, y, second) - sklearn_binary(metric, y, first)


@pytest.mark.parametrize("metric", ["accuracy", "roc_auc"])
def test_the_95_interval_covers_the_true_difference(metric: str) -> None:
    """Samples of 400 rows from a population whose difference is known: >= 90 of 100 cover."""
    y, champion, challenger = shadow(13, 400_000, 0.3, 0.22)
    truth = _population_difference(metric, y, champion, challenger)
    rng = np.random.default_rng(14)
    covered = 0
    for repetition in range(100):
        rows = rng.integers(0, len(y), 400)
        c = paired_bootstrap(
            y[rows],
            champion[rows],
            challenger[rows],
            task="binary",
            metric=metric,
            rounds=500,
            seed=repetition,
        )
        covered += c.low <= truth <= c.high
    assert covered >= 90, (covered, truth)


# -- McNemar --------------------------------------------------------------------------------


def _statsmodels_exact_p(b: int, c: int) -> float:
    """statsmodels' ``mcnemar(exact=True)``: twice the binomial tail below min(b, c)."""
    m = b + c
    tail = sum(math.comb(m, k) for k in range(min(b, c) + 1)) / 2**m
    return min(1.0, 2 * tail)


@pytest.mark.parametrize("seed", range(6))
def test_mcnemar_matches_scipy_binomtest(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 400))
    y = rng.integers(0, 3, n)
    champion = np.where(rng.random(n) < 0.7, y, (y + 1) % 3)
    challenger = np.where(rng.random(n) < 0.7 + 0.03 * seed, y, (y + 2) % 3)
    result = mcnemar(y, champion, challenger)
    b = int(np.sum((champion == y) & (challenger != y)))
    c = int(np.sum((champion != y) & (challenger == y)))
    assert result.extra == {"champion_only_correct": b, "challenger_only_correct": c}
    test = stats.binomtest(c, b + c, 0.5)
    assert result.p_value == pytest.approx(test.pvalue, rel=1e-9)
    assert result.p_value == pytest.approx(_statsmodels_exact_p(b, c), rel=1e-9)
    interval = test.proportion_ci(confidence_level=0.95, method="exact")
    scale = (b + c) / n
    assert result.low == pytest.approx(scale * (2 * interval.low - 1), rel=1e-9)
    assert result.high == pytest.approx(scale * (2 * interval.high - 1), rel=1e-9)
    assert result.champion == pytest.approx(skm.accuracy_score(y, champion))
    assert result.challenger == pytest.approx(skm.accuracy_score(y, challenger))
    assert result.difference == pytest.approx(result.challenger - result.champion)
    assert result.low <= result.difference <= result.high


def test_mcnemar_without_discordant_rows_is_a_tie() -> None:
    result = mcnemar(["a", "b", "a"], ["a", "a", "a"], ["a", "a", "a"])
    assert (result.difference, result.low, result.high, result.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_mcnemar_on_a_clear_win_promotes() -> None:
    y, champion, challenger = shadow(15, 5000, 0.35, 0.05)
    result = mcnemar(y, (champion >= 0.5).astype(int), (challenger >= 0.5).astype(int))
    assert result.p_value is not None and result.p_value < 1e-6
    decision = decide(result, shadow_days=14, max_shadow_days=30)
    assert decision.verdict == "promote"
    assert "McNemar p=" in decision.reason


# -- the decision ---------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["f1", "roc_auc", "brier"])
@pytest.mark.parametrize(
    ("champion_noise", "challenger_noise", "verdict"),
    [(0.3, 0.1, "promote"), (0.1, 0.3, "reject"), (0.2, None, "wait")],
)
def test_decide_on_a_better_a_worse_and_an_indistinguishable_challenger(
    metric: str, champion_noise: float, challenger_noise: float | None, verdict: str
) -> None:
    y, champion, challenger = shadow(16, 5000, champion_noise, challenger_noise or 0.1)
    if challenger_noise is None:  # the same model, scored again with a little noise
        jitter = np.random.default_rng(17).normal(0, 0.01, len(y))
        challenger = np.clip(champion + jitter, 0, 1)
    c = paired_bootstrap(y, champion, challenger, task="binary", metric=metric, seed=3)
    decision = decide(c, min_rows=1000, shadow_days=10, max_shadow_days=30)
    assert decision.verdict == verdict, decision.reason
    assert "over 5000 paired rows in 10 days" in decision.reason


def _comparison(**changes: Any) -> Comparison:
    values: dict[str, Any] = {
        "method": "paired_bootstrap",
        "task": "binary",
        "metric": "f1",
        "lower_is_better": False,
        "champion": 0.60,
        "challenger": 0.642,
        "difference": 0.042,
        "low": 0.011,
        "high": 0.070,
        "confidence": 0.95,
        "rows": 412,
        "rounds": 2000,
        "seed": 0,
    }
    return Comparison(**{**values, **changes})


def test_decide_reason_names_the_numbers() -> None:
    decision = decide(_comparison(), shadow_days=21, max_shadow_days=60)
    assert decision.verdict == "promote"
    assert decision.reason == (
        "challenger f1 +0.042 [0.011, 0.070] over 412 paired rows in 21 days: "
        "the lower bound exceeds min_gain 0"
    )


@pytest.mark.parametrize(
    ("changes", "policy", "verdict", "words"),
    [
        ({}, {"min_gain": 0.02}, "wait", "holds both min_gain 0.02 and 0"),
        ({}, {"min_gain": 0.02, "shadow_days": 60}, "reject", "no win after max_shadow_days 60"),
        ({"rows": 150}, {}, "wait", "fewer than min_rows 200"),
        ({"rows": 150}, {"shadow_days": 61}, "reject", "still fewer than min_rows 200"),
        ({"difference": -0.04, "low": -0.07, "high": -0.01}, {}, "reject", "below 0"),
        ({"low": -0.001}, {}, "wait", "keep gathering rows until day 60"),
        ({"low": -0.001}, {"shadow_days": 60.5}, "reject", "no win"),
    ],
)
def test_decide_rules(
    changes: dict[str, Any], policy: dict[str, Any], verdict: str, words: str
) -> None:
    settings: dict[str, Any] = {"shadow_days": 21, "max_shadow_days": 60, **policy}
    decision = decide(_comparison(**changes), **settings)
    assert decision.verdict == verdict
    assert words in decision.reason


def test_reason_shows_small_differences_and_flipped_metrics() -> None:
    comparison = _comparison(
        metric="log_loss", lower_is_better=True, difference=0.0004, low=-0.0002, high=0.001
    )
    reason = decide(comparison, shadow_days=3, max_shadow_days=30).reason
    assert "log_loss +0.0004 [-0.0002, 0.0010] (lower log_loss counts as +)" in reason
    assert reason.endswith("the interval holds 0; keep gathering rows until day 30")


def test_decision_is_json_and_round_trips() -> None:
    y, champion, challenger = shadow(18, 800, 0.3, 0.1)
    c = paired_bootstrap(
        y, champion, challenger, task="binary", metric="cost", rounds=200, costs=COSTS
    )
    decision = decide(c, shadow_days=7, max_shadow_days=28)
    stored = json.loads(json.dumps(decision.as_dict(), allow_nan=False))
    assert stored["comparison"]["extra"] == {"threshold": 0.5, "costs": COSTS}
    assert Decision.from_dict(stored) == decision
    assert Comparison.from_dict(json.loads(json.dumps(c.as_dict()))) == c


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"champion_output": [0.1, 0.2]}, "champion_output has 2 rows but y_true has 4"),
        ({"y_true": [], "champion_output": [], "challenger_output": []}, "y_true is empty"),
        ({"challenger_output": [0.1, np.nan, 0.3, 0.4]}, "challenger_output has 1 missing"),
        ({"champion_output": [0.1, 2.0, 0.3, 0.4]}, "probabilities in [0, 1]"),
        ({"metric": "recal"}, "Did you mean 'recall'?"),
        ({"task": "binnary"}, "Did you mean 'binary'?"),
        ({"metric": "cost"}, "metric='cost' needs costs"),
        ({"metric": "cost", "costs": {"false_postive": 1}}, "Did you mean 'false_positive'?"),
        ({"metric": "cost", "costs": {"false_positive": math.inf}}, "expected a finite number"),
        ({"costs": COSTS}, "costs are used only by metric='cost'"),
        ({"rounds": 10}, "rounds 10 is too few"),
        ({"rounds": 2000.0}, "rounds 2000.0 is not an integer"),
        ({"seed": "zero"}, "seed 'zero' is not an integer"),
        ({"confidence": 95}, "confidence 95 is not a probability"),
        ({"metric": "roc_auc", "y_true": [1, 1, 1, 1]}, "roc_auc of the champion is undefined"),
        ({"task": "regression", "metric": "median_ae"}, "compare on 'mae' instead"),
    ],
)
def test_bad_input_names_the_value_and_the_fix(arguments: dict[str, Any], message: str) -> None:
    call: dict[str, Any] = {
        "y_true": [0, 1, 0, 1],
        "champion_output": [0.1, 0.7, 0.4, 0.6],
        "challenger_output": [0.2, 0.9, 0.3, 0.8],
        "task": "binary",
        "metric": "f1",
        "rounds": 100,
        **arguments,
    }
    with pytest.raises(DataError, match=message.replace("[", r"\[").replace("?", r"\?")):
        paired_bootstrap(
            call.pop("y_true"), call.pop("champion_output"), call.pop("challenger_output"), **call
        )


def test_bad_multiclass_probabilities_are_refused() -> None:
    y, proba = multiclass_data(19, n=50, k=3)
    with pytest.raises(DataError, match="rows must sum to 1"):
        paired_bootstrap(y, proba, proba * 0.9, task="multiclass", metric="f1_macro")
    with pytest.raises(DataError, match="shape"):
        paired_bootstrap(y, proba, proba[:, :2], task="multiclass", metric="f1_macro")


def test_bad_mcnemar_input() -> None:
    with pytest.raises(DataError, match="champion_pred has 2 rows but y_true has 3"):
        mcnemar([0, 1, 1], [0, 1], [0, 1, 1])
    with pytest.raises(DataError, match="missing or infinite labels"):
        mcnemar([0, 1, 1], [0, np.nan, 1], [0, 1, 1])
    with pytest.raises(DataError, match="encode the predictions as y_true's labels"):
        mcnemar([0, 1, 1], ["a", "b", "a"], [0, 1, 1])


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"min_rows": 0}, "min_rows 0 is not valid"),
        ({"shadow_days": -1}, "shadow_days -1 is not valid"),
        ({"max_shadow_days": 0}, "max_shadow_days 0 is not valid"),
        ({"min_gain": math.nan}, "min_gain nan is not valid"),
    ],
)
def test_bad_policy_is_refused(policy: dict[str, Any], message: str) -> None:
    settings: dict[str, Any] = {"shadow_days": 1, "max_shadow_days": 30, **policy}
    with pytest.raises(DataError, match=message):
        decide(_comparison(), **settings)


def test_doctests() -> None:
    assert doctest.testmod(comparison_module).failed == 0


def test_importing_the_module_stays_light() -> None:
    code = (
        "import sys, paraguas.monitoring.comparison; "
        "print(sorted(m for m in ('scipy', 'sklearn', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
