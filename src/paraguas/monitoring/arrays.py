"""The arrays the statistics take, checked: one dimension, aligned lengths, finite numbers,
probabilities, binary targets, class indices.

Each check returns the array in the dtype the computation wants, or raises
:class:`~paraguas.errors.DataError` naming the argument, what was found and the fix.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError

__all__ = [
    "EPS",
    "PROBA_SUM_TOLERANCE",
    "BoolArray",
    "FloatArray",
    "IntArray",
    "binary_target",
    "check_probabilities",
    "class_indices",
    "finite",
    "one_dimensional",
    "probabilities",
    "show",
]

#: scikit-learn's log_loss clips probabilities to [EPS, 1 - EPS] (the float64 machine epsilon).
EPS: Final = float(np.finfo(np.float64).eps)
#: How far a row of multiclass probabilities may sum from 1 (float32 model outputs included).
PROBA_SUM_TOLERANCE: Final = 1e-6

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def one_dimensional(
    name: str, values: npt.ArrayLike, expected: int | None = None, *, against: str = "y_true"
) -> npt.NDArray[np.generic]:
    """``values`` as a non-empty 1-D array, of ``expected`` rows (those of ``against``)."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"{name} must be a 1-D array; got shape {array.shape}.")
    check_length(name, len(array), expected, against=against)
    if len(array) == 0:
        raise DataError(f"{name} is empty; at least one row is needed.")
    return array


def check_length(name: str, length: int, expected: int | None, *, against: str = "y_true") -> None:
    if expected is not None and length != expected:
        raise DataError(
            f"{name} has {length} rows but {against} has {expected}; pass aligned arrays."
        )


def finite(
    name: str, values: npt.ArrayLike, expected: int | None = None, *, against: str = "y_true"
) -> FloatArray:
    """``values`` as float64, with no NaN nor infinity."""
    array = one_dimensional(name, values, expected, against=against)
    try:
        numbers = array.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must hold numbers; got dtype {array.dtype}.") from exc
    bad = np.flatnonzero(~np.isfinite(numbers))
    if len(bad):
        raise DataError(
            f"{name} has {len(bad)} missing or infinite values (first at row {int(bad[0])}); "
            "drop or impute them first."
        )
    return numbers


def probabilities(
    name: str,
    values: npt.ArrayLike,
    expected: int | None = None,
    *,
    against: str = "y_true",
    hint: str = "Pass predict_proba's output, not a decision function.",
) -> FloatArray:
    """``values`` as float64 probabilities in [0, 1]; ``hint`` says where they should come
    from."""
    numbers = finite(name, values, expected, against=against)
    check_probabilities(name, numbers, hint=hint)
    return numbers


def check_probabilities(
    name: str,
    numbers: FloatArray,
    *,
    hint: str = "Pass predict_proba's output, not a decision function.",
) -> None:
    if not np.isfinite(numbers).all():
        raise DataError(f"{name} has missing or infinite values; expected probabilities.")
    low, high = float(numbers.min()), float(numbers.max())
    if low < 0 or high > 1:
        raise DataError(
            f"{name} must hold probabilities in [0, 1]; got values from {low!r} to {high!r}. "
            + hint
        )


def binary_target(name: str, values: npt.ArrayLike) -> BoolArray:
    array = one_dimensional(name, values)
    if array.dtype == np.bool_:
        return array.astype(np.bool_, copy=False)
    try:
        positive: BoolArray = array == 1
        valid = positive | (array == 0)
    except (TypeError, ValueError) as exc:  # pragma: no cover - numpy rarely raises here
        raise DataError(f"{name} must hold 0 and 1; got dtype {array.dtype}.") from exc
    if not bool(np.all(valid)):
        first = array[np.flatnonzero(~valid)[0]]
        raise DataError(
            f"{name} must hold 0 and 1 only (binary task); found {show(first)}. "
            "Encode the positive class as 1."
        )
    return positive


def class_indices(name: str, values: npt.ArrayLike, k: int | None) -> IntArray:
    array = one_dimensional(name, values)
    integral = array.dtype.kind in "biu"
    if array.dtype.kind == "f":
        floats = array.astype(np.float64)
        integral = bool(np.all(np.isfinite(floats))) and bool(np.all(floats == np.round(floats)))
    if integral:
        labels = array.astype(np.int64)
    else:
        raise DataError(
            f"{name} must hold integer class indices 0..k-1; got dtype {array.dtype}. "
            "Encode classes as the column positions of predict_proba."
        )
    limit = "" if k is None else f"..{k - 1}"
    bad = (labels < 0) if k is None else (labels < 0) | (labels >= k)
    if bool(np.any(bad)):
        raise DataError(
            f"{name} must hold class indices 0{limit}; found {int(labels[np.argmax(bad)])}."
        )
    return labels


def show(value: object) -> str:
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 40 else text[:37] + "..."
