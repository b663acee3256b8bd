"""Domain classifiers: a drift no single column shows, a change of vocabulary, and bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import numpy.typing as npt
import pytest

from paraguas.monitoring.domain import DomainDrift, domain_classifier, text_domain_classifier
from paraguas.monitoring.drift import dataset_drift

KINDS = {"x1": "numeric", "x2": "numeric", "colour": "categorical", "flag": "boolean"}
WORDS = [f"word{i}" for i in range(60)]


def table(
    rng: np.random.Generator, rows: int, correlation: float
) -> dict[str, npt.NDArray[np.generic]]:
    """Two standard-normal features with the given correlation, a category and a flag."""
    x1 = rng.normal(size=rows)
    x2 = correlation * x1 + np.sqrt(1 - correlation**2) * rng.normal(size=rows)
    colours = np.array(["red", "green", "blue", None], dtype=object)
    return {
        "x1": x1,
        "x2": x2,
        "colour": colours[rng.choice(4, rows, p=[0.4, 0.3, 0.2, 0.1])],
        "flag": rng.random(rows) < 0.3,
    }


def texts(rng: np.random.Generator, rows: int, vocabulary: list[str]) -> list[str | None]:
    found: list[str | None] = [" ".join(rng.choice(vocabulary, 8)) for _ in range(rows)]
    found[::50] = [None] * len(found[::50])
    return found


def test_identical_distributions_cannot_be_told_apart() -> None:
    rng = np.random.default_rng(0)
    reference, current = table(rng, 2_000, 0.8), table(rng, 2_000, 0.8)
    found = domain_classifier(reference, current, KINDS)
    assert found.auc is not None and found.auc_std is not None
    assert abs(found.auc - 0.5) < 0.04
    assert (found.status, found.top, found.rows) == ("ok", (), (2_000, 2_000))
    assert found.threshold == 0.6 and "ROC AUC" in found.detail


def test_a_changed_correlation_is_seen_although_no_column_drifts() -> None:
    rng = np.random.default_rng(1)
    reference, current = table(rng, 2_000, 0.9), table(rng, 2_000, -0.9)
    columns = dataset_drift(reference, current, KINDS)
    assert [c.status for c in columns.columns] == ["ok"] * 4, columns
    found = domain_classifier(reference, current, KINDS)
    assert found.auc is not None and found.auc > 0.8
    assert found.status == "alert"
    assert {name for name, _ in found.top[:2]} == {"x1", "x2"}
    assert all(lost > 0 for _, lost in found.top)
    assert "most telling: x" in found.detail


def test_the_result_is_seeded() -> None:
    rng = np.random.default_rng(2)
    reference, current = table(rng, 3_000, 0.5), table(rng, 2_500, 0.3)
    first = domain_classifier(reference, current, KINDS, max_rows=800, seed=5)
    assert first == domain_classifier(reference, current, KINDS, max_rows=800, seed=5)
    assert first.rows == (800, 800)
    assert first != domain_classifier(reference, current, KINDS, max_rows=800, seed=6)


def test_warn_between_the_thresholds() -> None:
    rng = np.random.default_rng(3)
    reference, current = table(rng, 1_000, 0.9), table(rng, 1_000, -0.9)
    found = domain_classifier(reference, current, KINDS, warn=0.55, alert=0.99)
    assert found.status == "warn" and found.threshold == 0.99 and found.top


def test_columns_that_cannot_be_used_are_left_out_and_named() -> None:
    rng = np.random.default_rng(4)
    reference, current = table(rng, 600, 0.0), table(rng, 600, 0.0)
    reference["when"] = np.arange(600).astype("datetime64[D]")
    current["when"] = np.arange(600, 1_200).astype("datetime64[D]")
    reference["notes"] = np.array(["a"] * 600, dtype=object)
    current["notes"] = np.array(["b"] * 600, dtype=object)
    reference["gone"] = rng.normal(size=600)
    kinds = {**KINDS, "when": "datetime", "notes": "text", "gone": "numeric"}
    found = domain_classifier(reference, current, kinds)
    assert found.status == "ok"  # the later dates would have told every row apart
    assert "left out: when, notes, gone" in found.detail


def test_many_categories_and_infinities() -> None:
    rng = np.random.default_rng(5)
    labels = np.array([f"id{i}" for i in range(1_000)], dtype=object)
    reference = {"id": labels[rng.integers(0, 1_000, 2_000)], "x": rng.normal(size=2_000)}
    current = {"id": labels[rng.integers(0, 1_000, 2_000)], "x": rng.normal(size=2_000)}
    current["x"][:100] = np.inf
    found = domain_classifier(reference, current, {"id": "categorical", "x": "numeric"})
    assert found.auc is not None and found.status in ("ok", "warn", "alert")


@pytest.mark.parametrize(
    ("reference", "current", "kinds", "message"),
    [
        ({"x": np.ones(10)}, {"y": np.ones(10)}, {"x": "numeric"}, "no numeric, categorical"),
        ({"x": np.ones(10)}, {"x": np.ones(2)}, {"x": "numeric"}, "at least 3 rows a side"),
        (
            {"x": np.ones(10), "y": np.ones(9)},
            {"x": np.ones(10), "y": np.ones(10)},
            {"x": "numeric", "y": "numeric"},
            "same length",
        ),
        (
            {"x": np.array(["a"] * 10)},
            {"x": np.array(["b"] * 10)},
            {"x": "numeric"},
            "expected numbers",
        ),
    ],
)
def test_bad_input_is_an_error_result(
    reference: dict[str, npt.NDArray[np.generic]],
    current: dict[str, npt.NDArray[np.generic]],
    kinds: dict[str, str],
    message: str,
) -> None:
    found = domain_classifier(reference, current, kinds)
    assert (found.status, found.auc, found.auc_std) == ("error", None, None)
    assert message in found.detail


def test_arguments_that_are_bugs_raise() -> None:
    with pytest.raises(ValueError, match="folds"):
        domain_classifier({}, {}, {}, folds=1)
    with pytest.raises(ValueError, match="thresholds"):
        text_domain_classifier("t", [], [], warn=0.7, alert=0.6)


# -- text ------------------------------------------------------------------------------------


def test_same_vocabulary_is_no_drift() -> None:
    rng = np.random.default_rng(6)
    found = text_domain_classifier("review", texts(rng, 1_500, WORDS), texts(rng, 1_500, WORDS))
    assert found.auc is not None and abs(found.auc - 0.5) < 0.05
    assert (found.status, found.subject, found.method) == ("ok", "review", "text_domain_classifier")
    assert found.rows == (1_470, 1_470)  # one text in 50 is missing


def test_a_vocabulary_shift_is_detected_and_its_words_named() -> None:
    rng = np.random.default_rng(7)
    shifted = WORDS[:40] + [f"novel{i}" for i in range(20)]
    found = text_domain_classifier("review", texts(rng, 1_500, WORDS), texts(rng, 1_500, shifted))
    assert found.auc is not None and found.auc > 0.9 and found.status == "alert"
    words = [word for word, _ in found.top]
    assert len(words) == 5
    # the strongest words are the new ones (towards current) or the dropped ones (towards reference)
    assert all(("novel" in w and c > 0) or (w in WORDS[40:] and c < 0) for w, c in found.top)


def test_text_without_enough_rows_or_words_is_an_error_result() -> None:
    found = text_domain_classifier("t", [None, None, "a"], ["b c", "d e", "f g"])
    assert found.status == "error" and "at least 3 rows a side" in found.detail
    unique = text_domain_classifier("t", [f"w{i}" for i in range(10)], [f"v{i}" for i in range(10)])
    assert unique.status == "error" and "cannot be compared" in unique.detail


def test_importing_the_modules_loads_neither_sklearn_nor_scipy_stats() -> None:
    code = (
        "import sys, paraguas.monitoring.domain, paraguas.monitoring.drift; "
        "print(sorted(m for m in ('sklearn', 'scipy.stats') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_domain_drift_is_a_frozen_value() -> None:
    found = DomainDrift("dataset", "domain_classifier", 0.5, 0.01, 0.6, 0.55, "ok")
    with pytest.raises(AttributeError):
        found.auc = 0.9  # type: ignore[misc]
