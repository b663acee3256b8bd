"""Multivariate and text drift by a domain classifier: can a model tell today's rows from training's?

Per-column drift (:mod:`paraguas.monitoring.drift`) misses a change that no single column shows:
two features that used to move together and no longer do, each with the same distribution as
before. A classifier trained to tell reference rows (label 0) from current rows (label 1) sees
it. Its cross-validated ROC AUC measures the drift: 0.5 when the two samples are alike (the
model can only guess), 1.0 when every row gives its origin away.

:func:`domain_classifier` does it for the columns of a table with scikit-learn's
``HistGradientBoostingClassifier`` (categories as native categorical features, missing values
as they are); :func:`text_domain_classifier` for one text column with TF-IDF and a logistic
regression, which sees a change of vocabulary or topic. Both sample at most ``max_rows`` rows
a side (seeded), score ROC AUC over ``folds`` stratified, shuffled folds, and judge the mean:
``alert`` from 0.6, ``warn`` from 0.55 (at 5,000 rows a side the AUC of two samples of one
distribution stays within about 0.52). When the AUC reaches ``warn`` they also name what gives
the rows away: the columns whose shuffling lowers the AUC most (permutation importance on the
held-out folds), or the words that weigh most towards either side.

Datetime columns are left out of the table: current rows are later by construction, so they
would always tell. scikit-learn is imported inside the functions: ``paraguas.monitoring`` is
imported by commands that never train a classifier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError
from paraguas.monitoring.drift import _numbers_array
from paraguas.monitoring.profile import _as_numbers
from paraguas.monitoring.results import Status

__all__ = [
    "DOMAIN_ALERT",
    "DOMAIN_WARN",
    "DomainDrift",
    "domain_classifier",
    "text_domain_classifier",
]

#: ROC AUC from which the two samples are told apart well enough to alert.
DOMAIN_ALERT: Final = 0.6
#: ROC AUC from which to warn.
DOMAIN_WARN: Final = 0.55
# The most categories a column keeps apart (HistGradientBoosting bins at most 255 values).
_MAX_CATEGORIES: Final = 254
_TOP: Final = 5


@dataclass(frozen=True)
class DomainDrift:
    """How well a classifier tells current rows from reference rows.

    ``auc`` is the mean ROC AUC over the folds and ``auc_std`` its standard deviation; both are
    ``None`` when ``status`` is ``error`` (``detail`` says why). ``threshold`` is the AUC at
    which ``status`` becomes ``alert``. ``top`` names what gives the rows away when the AUC
    reaches ``warn``, strongest first: ``(column, AUC lost when it is shuffled)`` for a table,
    ``(word, coefficient)`` for text, positive towards the current data. ``rows`` counts the
    reference and current rows used.
    """

    subject: str
    method: str
    auc: float | None
    auc_std: float | None
    threshold: float
    warn: float
    status: Status
    top: tuple[tuple[str, float], ...] = ()
    rows: tuple[int, int] = (0, 0)
    detail: str = ""


def domain_classifier(
    reference: Mapping[str, npt.ArrayLike],
    current: Mapping[str, npt.ArrayLike],
    kinds: Mapping[str, str],
    *,
    max_rows: int = 5000,
    folds: int = 3,
    seed: int = 0,
    warn: float = DOMAIN_WARN,
    alert: float = DOMAIN_ALERT,
) -> DomainDrift:
    """The domain classifier of a table: the numeric, categorical and boolean columns of
    ``reference`` that ``current`` also has (text and datetime columns are left out).

    Bad data gives ``status="error"`` with the reason in ``detail``, never an exception; a
    wrong argument raises ``ValueError``.
    """
    _check(max_rows, folds, warn, alert)
    subject, method = "dataset", "domain_classifier"
    used = [
        name
        for name in reference  # a DataFrame iterates over its column names too
        if kinds.get(name) in ("numeric", "categorical", "boolean")
        and current.get(name) is not None
    ]
    left_out = [str(name) for name in reference if name not in used]
    note = f"; left out: {', '.join(left_out)}" if left_out else ""
    try:
        if not used:
            raise DataError(
                "no numeric, categorical or boolean column is in both the reference and the "
                "current data."
            )
        rng = np.random.default_rng(seed)
        ref_rows = _sample_rows(rng, _length("reference", reference, used), max_rows)
        cur_rows = _sample_rows(rng, _length("current", current, used), max_rows)
        _enough(len(ref_rows), len(cur_rows), folds)
        columns, categorical = [], []
        for name in used:
            kind = kinds[name]
            ref_values = _take(_numbers_array(reference[name]), ref_rows)
            cur_values = _take(_numbers_array(current[name]), cur_rows)
            if kind == "numeric":
                columns.append(
                    np.concatenate([_numbers(name, ref_values), _numbers(name, cur_values)])
                )
            else:
                columns.append(_category_codes(np.concatenate([ref_values, cur_values])))
            categorical.append(kind != "numeric")
    except DataError as exc:
        return DomainDrift(subject, method, None, None, alert, warn, "error", detail=f"{exc}{note}")

    features = np.column_stack(columns)
    labels = np.repeat([0, 1], [len(ref_rows), len(cur_rows)])
    from sklearn.ensemble import HistGradientBoostingClassifier

    # Early stopping on a held-out tenth: alike samples stop after a few trees. Samples that
    # differ never stop improving the loss, so at most 50 trees: enough to tell them apart
    # (the question is whether they can be, not how well), at half the default's cost.
    model = HistGradientBoostingClassifier(
        categorical_features=np.asarray(categorical),
        early_stopping=True,
        max_iter=50,
        random_state=seed,
    )
    # One thread: the model is small, and OpenMP threads that spin while another process holds
    # a core make it many times slower on a shared machine.
    with _one_thread():
        scores, fitted = _cross_validated(model, features, labels, folds, seed)
        auc, spread = float(np.mean(scores)), float(np.std(scores))
        status = _status(auc, warn, alert)
        top: tuple[tuple[str, float], ...] = ()
        if status != "ok":
            top = _telling_columns(fitted, features, labels, used, seed)
    rows = (len(ref_rows), len(cur_rows))
    detail = _detail(auc, spread, folds, alert, rows, f"{len(used)} columns", top) + note
    return DomainDrift(subject, method, auc, spread, alert, warn, status, top, rows, detail)


def text_domain_classifier(
    name: str,
    reference_texts: npt.ArrayLike | Sequence[str | None],
    current_texts: npt.ArrayLike | Sequence[str | None],
    *,
    max_rows: int = 5000,
    folds: int = 3,
    seed: int = 0,
    warn: float = DOMAIN_WARN,
    alert: float = DOMAIN_ALERT,
) -> DomainDrift:
    """The domain classifier of one text column: TF-IDF of words and word pairs, and a
    logistic regression. Missing texts (``None``, NaN) are left out."""
    _check(max_rows, folds, warn, alert)
    method = "text_domain_classifier"
    rng = np.random.default_rng(seed)
    try:
        ref = _texts(name, "reference", reference_texts)
        cur = _texts(name, "current", current_texts)
        ref = [ref[i] for i in _sample_rows(rng, len(ref), max_rows)]
        cur = [cur[i] for i in _sample_rows(rng, len(cur), max_rows)]
        _enough(len(ref), len(cur), folds)
    except DataError as exc:
        return DomainDrift(name, method, None, None, alert, warn, "error", detail=str(exc))

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = np.asarray(ref + cur, dtype=object)
    labels = np.repeat([0, 1], [len(ref), len(cur)])
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=50_000),
        LogisticRegression(max_iter=1000),
    )
    try:
        with _one_thread():
            scores, _ = _cross_validated(model, texts, labels, folds, seed)
    except ValueError as exc:  # e.g. no word occurs twice: an empty vocabulary
        detail = f"text column {name!r} cannot be compared: {exc}"
        return DomainDrift(name, method, None, None, alert, warn, "error", detail=detail)
    auc, spread = float(np.mean(scores)), float(np.std(scores))
    status = _status(auc, warn, alert)
    top: tuple[tuple[str, float], ...] = ()
    if status != "ok":
        with _one_thread():
            model.fit(texts, labels)
        words = model[0].get_feature_names_out()
        weights = model[-1].coef_[0]
        strongest = np.argsort(-np.abs(weights), kind="stable")[:_TOP]
        top = tuple((str(words[i]), float(weights[i])) for i in strongest)
    rows = (len(ref), len(cur))
    detail = _detail(auc, spread, folds, alert, rows, f"text column {name!r}", top)
    return DomainDrift(name, method, auc, spread, alert, warn, status, top, rows, detail)


# -- helpers --------------------------------------------------------------------------------


def _cross_validated(
    model: Any, features: Any, labels: npt.NDArray[np.int64], folds: int, seed: int
) -> tuple[npt.NDArray[np.float64], list[tuple[Any, npt.NDArray[np.intp]]]]:
    """ROC AUC per fold, and each fold's fitted model with its held-out rows."""
    from sklearn.model_selection import StratifiedKFold, cross_validate

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    found = cross_validate(
        model,
        features,
        labels,
        cv=splitter,
        scoring="roc_auc",
        return_estimator=True,
        return_indices=True,
    )
    held_out = list(zip(found["estimator"], found["indices"]["test"], strict=True))
    return np.asarray(found["test_score"], dtype=np.float64), held_out


#: How many values the shuffled copies of :func:`_telling_columns` may hold at once (16 MB).
_CELLS = 2_000_000


def _telling_columns(
    fitted: list[tuple[Any, npt.NDArray[np.intp]]],
    features: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int64],
    names: list[str],
    seed: int,
) -> tuple[tuple[str, float], ...]:
    """The columns whose shuffling costs the most AUC on the first fold's held-out rows, one
    shuffle each (sklearn's ``permutation_importance`` with ``n_repeats=1``): enough to name the
    columns that tell the data apart. Every shuffled copy is scored in one call, not one call
    per column: on a small window the calls' fixed cost is most of the work."""
    from sklearn.metrics import roc_auc_score

    model, rows = fitted[0]
    held, truth = features[rows], labels[rows]
    width = len(names)
    base = roc_auc_score(truth, model.predict_proba(held)[:, 1])
    rng = np.random.default_rng(seed)
    lost = np.empty(width)
    # Shuffled copies scored together, at most about _CELLS values per call (wide data: one).
    step = max(1, _CELLS // max(1, held.size))
    for first in range(0, width, step):
        columns = range(first, min(first + step, width))
        copies = np.repeat(held[np.newaxis], len(columns), axis=0)
        for copy, column in enumerate(columns):
            copies[copy, :, column] = held[rng.permutation(len(held)), column]
        scores = model.predict_proba(copies.reshape(-1, width))[:, 1].reshape(len(columns), -1)
        for copy, column in enumerate(columns):
            lost[column] = base - roc_auc_score(truth, scores[copy])
    order = np.argsort(-lost, kind="stable")[:_TOP]
    return tuple((names[i], float(lost[i])) for i in order if lost[i] > 0)


def _one_thread() -> Any:
    """A context in which native thread pools (OpenMP, BLAS) use one thread."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _sample_rows(rng: np.random.Generator, rows: int, limit: int) -> npt.NDArray[np.intp]:
    """At most ``limit`` row numbers out of ``rows``, drawn without replacement, in order."""
    if rows <= limit:
        return np.arange(rows)
    return np.sort(rng.choice(rows, size=limit, replace=False))


def _length(what: str, columns: Mapping[str, npt.ArrayLike], names: list[str]) -> int:
    lengths = {name: len(columns[name]) for name in names}  # type: ignore[arg-type]
    if len(set(lengths.values())) != 1:
        raise DataError(f"the {what} columns must have the same length; got {lengths}.")
    return lengths[names[0]]


def _enough(reference: int, current: int, folds: int) -> None:
    if min(reference, current) < folds:
        raise DataError(
            f"a domain classifier needs at least {folds} rows a side (one per fold); got "
            f"{reference} reference and {current} current rows."
        )


def _take(values: npt.NDArray[Any], rows: npt.NDArray[np.intp]) -> npt.NDArray[Any]:
    if values.ndim != 1:
        raise DataError(f"columns must be 1-D arrays; got shape {values.shape}.")
    return values[rows]


def _numbers(name: str, values: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    numbers = np.array(_as_numbers(name, values, "numeric"), dtype=np.float64)
    numbers[~np.isfinite(numbers)] = np.nan  # +/-inf is missing, as in every drift statistic
    return numbers


def _category_codes(values: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Ordinal codes of labels, most frequent first; NaN for missing; the rarest categories
    beyond what the classifier can keep apart share one code."""
    import pandas as pd

    if values.dtype.kind == "f":
        values = np.where(np.isfinite(values), values, np.nan)
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    present = codes >= 0
    counts = np.bincount(codes[present])
    rank = np.empty(len(counts), dtype=np.int64)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(counts))
    ranked = np.full(len(codes), np.nan)
    ranked[present] = np.minimum(rank[codes[present]], _MAX_CATEGORIES)
    return ranked


def _texts(name: str, what: str, values: Any) -> list[str]:
    array = np.asarray(values, dtype=object)
    if array.ndim != 1:
        raise DataError(f"text column {name!r}: the {what} texts must be 1-D; got {array.shape}.")
    texts = [
        value if isinstance(value, str) else str(value)
        for value in array.tolist()
        if value is not None and not (isinstance(value, float) and math.isnan(value))
    ]
    return texts


def _status(auc: float, warn: float, alert: float) -> Status:
    if auc >= alert:
        return "alert"
    return "warn" if auc >= warn else "ok"


def _detail(
    auc: float,
    spread: float,
    folds: int,
    alert: float,
    rows: tuple[int, int],
    what: str,
    top: tuple[tuple[str, float], ...],
) -> str:
    told = f"; most telling: {', '.join(name for name, _ in top)}" if top else ""
    return (
        f"ROC AUC {auc:.3f} ± {spread:.3f} over {folds} folds (alert at {alert:g}) telling "
        f"{rows[0]:,} reference from {rows[1]:,} current rows by {what}{told}"
    )


def _check(max_rows: int, folds: int, warn: float, alert: float) -> None:
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 2:
        raise ValueError(f"max_rows must be an integer >= 2; got {max_rows!r}.")
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2; got {folds!r}.")
    if not 0.5 <= warn <= alert <= 1:
        raise ValueError(
            f"thresholds must satisfy 0.5 <= warn <= alert <= 1; got {warn!r}, {alert!r}."
        )
