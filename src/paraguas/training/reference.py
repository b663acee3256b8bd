"""What training keeps for monitoring, so that monitoring never re-reads the training data.

Besides the reference profile (:mod:`paraguas.monitoring.profile`), each version stores:

- a **reference sample**: up to :data:`SAMPLE_ROWS` training rows (features and target), drawn
  uniformly with the spec's seed, as Parquet. Drift tests that need values rather than bins
  (Kolmogorov-Smirnov, Wasserstein) and the domain classifier read it. Below that size it is
  the whole training set, so small references give exactly the statistics a tool reading the
  full data would; above it, the statistics are those of a 50,000-row sample, whose error
  (about 0.006 in the KS statistic) is far below any drift threshold.
- the **reference scores**: the model's scores on the holdout (out of sample, as live scores
  are), for prediction drift.
- the **feature importance**: permutation importance on (a sample of) the holdout, so that the
  drift verdict weighs features by how much the model uses them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "IMPORTANCE_ROWS",
    "SAMPLE_ROWS",
    "feature_importance",
    "sample_rows",
    "scores_table",
]

#: The most training rows a reference sample keeps.
SAMPLE_ROWS: Final = 50_000
#: The most holdout rows permutation importance scores (each feature costs ``repeats`` passes).
IMPORTANCE_ROWS: Final = 2_000
IMPORTANCE_REPEATS: Final = 3
_SCORING: Final = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "r2"}


def sample_rows(table: pa.Table, seed: int, rows: int = SAMPLE_ROWS) -> pa.Table:
    """At most ``rows`` rows of ``table``, drawn uniformly without replacement, in table order."""
    if table.num_rows <= rows:
        return table
    picked = np.sort(np.random.default_rng(seed).choice(table.num_rows, rows, replace=False))
    return table.take(picked)


def scores_table(scores: npt.NDArray[np.float64]) -> pa.Table:
    import pyarrow as pa

    return pa.table({"score": pa.array(np.asarray(scores, dtype=np.float64))})


def feature_importance(
    estimator: Any,
    features: Any,
    target: npt.NDArray[Any],
    *,
    task: str,
    seed: int,
) -> dict[str, float]:
    """Permutation importance of each feature on the holdout: the drop of the task's score
    (ROC AUC, accuracy or R²) when the feature's values are shuffled, averaged over repeats.

    ``features`` is the holdout's DataFrame (a sample of :data:`IMPORTANCE_ROWS` rows is used);
    returns ``{}`` when the importance cannot be computed (a one-class holdout, an estimator
    that fails on shuffled inputs): the drift verdict then weighs features equally.
    """
    from sklearn.inspection import permutation_importance

    rows = len(features)
    if rows < 2:
        return {}
    if rows > IMPORTANCE_ROWS:
        picked = np.sort(np.random.default_rng(seed).choice(rows, IMPORTANCE_ROWS, replace=False))
        features, target = features.iloc[picked], target[picked]
    scoring = _SCORING[task]
    if task == "binary" and len(np.unique(target)) < 2:
        scoring = "accuracy"
    from paraguas.prediction.threads import few_threads

    try:
        with warnings.catch_warnings(), few_threads(len(features)):
            warnings.simplefilter("ignore")
            result = permutation_importance(
                estimator,
                features,
                target,
                scoring=scoring,
                n_repeats=IMPORTANCE_REPEATS,
                random_state=seed,
                n_jobs=1,
            )
    except Exception:  # importance is advice for monitoring: never fail a training over it
        return {}
    means: Mapping[str, float] = dict(
        zip(map(str, features.columns), result.importances_mean.tolist(), strict=True)
    )
    return {
        name: round(float(value), 6) if np.isfinite(value) else 0.0 for name, value in means.items()
    }
