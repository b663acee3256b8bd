"""The distributions the HTML report draws: each feature of the window against its reference,
counted in the bins and categories of the champion's reference profile."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from paraguas.monitoring.inputs import Current, Reference, arrow_values
from paraguas.monitoring.results import Histogram

if TYPE_CHECKING:
    from paraguas.spec import ModelSpec

__all__ = ["histograms"]


def histograms(spec: ModelSpec, reference: Reference, current: Current) -> Iterator[Histogram]:
    """Each feature's distribution, reference vs current, in the reference profile's bins. A
    seasonal reference counts its own sample into those bins; otherwise the profile's counts
    (of every training row) are drawn."""
    if reference.profile is None:
        return
    seasonal = spec.monitoring.reference == "season"
    for name in spec.features:
        column = reference.profile.columns.get(name)
        if column is None or name in current.absent or column.kind == "text":
            continue
        if column.bin_edges is None and column.categories is None:
            continue
        sample = reference.values(name) if seasonal else None
        if sample is not None:
            ref_counts, ref_missing = _counted(column, sample)
        elif column.bin_counts is not None:
            ref_counts, ref_missing = tuple(column.bin_counts), column.missing
        else:
            categories = tuple(int(c) for _, c in column.categories or ())
            ref_counts, ref_missing = (*categories, int(column.other or 0)), column.missing
        cur_counts, cur_missing = _counted(column, arrow_values(current.table[name], column.kind))
        edges = tuple(float(e) for e in column.bin_edges or ())
        labels = (
            _bin_labels(edges)
            if column.bin_edges is not None
            else (*(key for key, _ in column.categories or ()), "other")
        )
        yield Histogram(
            name, column.kind, labels, edges, ref_counts, cur_counts, ref_missing, cur_missing
        )


def _counted(column: Any, values: npt.NDArray[Any]) -> tuple[tuple[int, ...], int]:
    """``values`` counted into ``column``'s bins or categories (then ``other``), and missing."""
    from paraguas.monitoring.profile import count_in_bins, count_in_categories

    missing = _missing(values)
    if column.bin_edges is not None:
        present = values[~missing].astype(np.float64)
        counts = (
            count_in_bins(column, present)
            if present.size
            else np.zeros(len(column.bin_edges) + 1, dtype=np.int64)
        )
        return tuple(int(c) for c in counts), int(missing.sum())
    known, other = count_in_categories(column, values)
    return (*(int(c) for c in known), int(other)), int(missing.sum())


def _missing(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    if values.dtype.kind == "f":
        finite: npt.NDArray[np.bool_] = np.isfinite(values)
        return ~finite
    return np.array([v is None or (isinstance(v, float) and v != v) for v in values], dtype=bool)


def _bin_labels(edges: tuple[float, ...]) -> tuple[str, ...]:
    bounds = ["-inf", *(f"{e:.4g}" for e in edges), "+inf"]
    return tuple(f"({low}, {high}]" for low, high in itertools.pairwise(bounds))
