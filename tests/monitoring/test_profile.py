"""Reference profiles, checked against NumPy and hand-counted values."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from paraguas.errors import DataError
from paraguas.monitoring import (
    KINDS,
    QUANTILE_LEVELS,
    TOP_CATEGORIES,
    ColumnProfile,
    Profile,
    count_in_bins,
    count_in_categories,
    profile_columns,
    profile_values,
)

finite = st.floats(-1e9, 1e9, allow_nan=False)
float_columns = hnp.arrays(
    np.float64,
    st.integers(1, 80),
    elements=finite | st.sampled_from([np.nan, 0.0, 1.0, np.inf]),
)


# -- numeric --------------------------------------------------------------------------------


def test_quantile_levels_include_the_usual_ones() -> None:
    assert len(QUANTILE_LEVELS) == 101
    for level in (0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1):
        assert level in QUANTILE_LEVELS


def test_numeric_summary_matches_numpy(rng: np.random.Generator) -> None:
    values = rng.lognormal(size=5000)
    values[rng.random(5000) < 0.1] = np.nan
    column = profile_values("x", values, "numeric")
    present = values[~np.isnan(values)]
    assert column.count == 5000
    assert column.missing == int(np.isnan(values).sum())
    assert column.present == len(present)
    assert column.min == present.min()
    assert column.max == present.max()
    assert column.mean == pytest.approx(present.mean(), rel=1e-12)
    assert column.std == pytest.approx(present.std(), rel=1e-12)
    assert column.n_unique == len(np.unique(present))
    assert column.quantiles == tuple(np.quantile(present, QUANTILE_LEVELS).tolist())
    assert column.quantile(0.5) == np.median(present)
    assert column.quantile(0.125) == pytest.approx(
        (np.quantile(present, 0.12) + np.quantile(present, 0.13)) / 2
    )
    assert column.categories is column.length_quantiles is None


@settings(max_examples=80, deadline=None)
@given(values=float_columns)
def test_quantiles_and_bins_agree_with_numpy(values: np.ndarray) -> None:
    column = profile_values("x", values, "numeric")
    present = values[np.isfinite(values)]
    assert column.missing == len(values) - len(present)
    if len(present) == 0:
        assert column.quantiles is column.bin_edges is column.mean is None
        return
    assert column.quantiles is not None and column.bin_edges is not None
    np.testing.assert_allclose(column.quantiles, np.quantile(present, QUANTILE_LEVELS), rtol=1e-12)
    deciles = np.quantile(present, np.arange(1, 10) / 10, method="inverted_cdf")
    assert column.bin_edges == tuple(np.unique(deciles).tolist())
    assert column.bin_counts is not None
    assert len(column.bin_counts) == len(column.bin_edges) + 1
    assert sum(column.bin_counts) == len(present)
    # counting the reference again into its own bins gives its stored counts
    assert count_in_bins(column, values).tolist() == list(column.bin_counts)
    assert all(column.bin_counts[:-1])  # only the open top bin may be empty


def test_bins_by_hand() -> None:
    column = profile_values("x", np.arange(1.0, 11.0), "numeric")
    # deciles of 1..10 are 1, 2, ..., 9: one value per bin, bins closed on the right
    assert column.bin_edges == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)
    assert column.bin_counts == (1,) * 10
    assert count_in_bins(column, np.array([-5.0, 1.0, 1.5, 9.0, 9.2, 100.0, np.nan])).tolist() == [
        2,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
        1,
        2,
    ]


def test_tied_values_get_fewer_bins_not_empty_ones() -> None:
    values = np.array([0.0] * 70 + [1.0] * 20 + [5.0] * 10)
    column = profile_values("x", values, "numeric")
    assert column.bin_edges == (0.0, 1.0)  # the 90 % decile is 1: 90 values are <= 1
    assert column.bin_counts == (70, 20, 10)
    assert column.n_unique == 3


def test_constant_column() -> None:
    column = profile_values("x", np.full(50, 3.5), "numeric")
    assert (column.min, column.max, column.mean, column.std, column.n_unique) == (
        3.5,
        3.5,
        3.5,
        0,
        1,
    )
    assert column.quantiles == (3.5,) * 101
    assert column.bin_edges == (3.5,)
    assert column.bin_counts == (50, 0)


def test_missing_values_are_counted() -> None:
    floats = profile_values("x", np.array([1.0, np.nan, np.inf, -np.inf, 2.0]), "numeric")
    assert (floats.count, floats.missing, floats.present) == (5, 3, 2)
    objects = profile_values("x", np.array([1, None, 2.5, None], dtype=object), "numeric")
    assert (objects.count, objects.missing, objects.mean) == (4, 2, 1.75)
    empty = profile_values("x", np.array([np.nan, np.nan]), "numeric")
    assert (empty.count, empty.missing, empty.min, empty.quantiles) == (2, 2, None, None)


def test_integers_and_booleans_profile_as_numbers() -> None:
    assert profile_values("x", np.array([1, 2, 3]), "numeric").mean == 2.0
    assert profile_values("x", np.array([True, False, True, True]), "numeric").mean == 0.75


def test_datetimes_profile_as_seconds_since_the_epoch() -> None:
    values = np.array(["2024-01-01", "NaT", "2024-01-03"], dtype="datetime64[D]")
    column = profile_values("date", values, "datetime")
    start = (datetime(2024, 1, 1) - datetime(1970, 1, 1)).total_seconds()
    assert (column.missing, column.min, column.max) == (1, start, start + 2 * 86400)
    assert column.quantile(0.5) == start + 86400
    as_objects = np.array([datetime(2024, 1, 1), None, datetime(2024, 1, 3)], dtype=object)
    assert profile_values("date", as_objects, "datetime") == column
    assert count_in_bins(column, np.array(["2023-12-31"], dtype="datetime64[D]")).sum() == 1


def test_datetimes_with_an_offset_are_converted_to_utc() -> None:
    utc = profile_values("t", np.array(["2024-01-01T08:00:00"], dtype="datetime64[s]"), "datetime")
    aware = datetime(2024, 1, 1, 10, tzinfo=timezone(timedelta(hours=2)))
    for values in (["2024-01-01 10:00:00+02:00"], [aware]):
        assert profile_values("t", np.array(values, dtype=object), "datetime").min == utc.min


def test_kinds_may_describe_more_columns_than_are_profiled() -> None:
    profile = profile_columns({"x": np.array([1.0])}, {"x": "numeric", "y": "text"})
    assert list(profile.columns) == ["x"]


# -- categories -----------------------------------------------------------------------------


def test_category_counts_by_hand() -> None:
    values = np.array(["b", "a", None, "b", "c", float("nan"), "b", "a"], dtype=object)
    column = profile_values("city", values, "categorical")
    assert (column.count, column.missing, column.n_unique) == (8, 2, 3)
    assert column.categories == (("b", 3), ("a", 2), ("c", 1))
    assert column.other == 0
    assert column.min is column.quantiles is None


def test_only_the_top_categories_are_named_and_the_rest_summed() -> None:
    # category i appears i + 1 times for i in 0..149; ties are broken by key
    values = np.array([f"k{i:03d}" for i in range(150) for _ in range(i + 1)], dtype=object)
    column = profile_values("x", values, "categorical")
    assert column.categories is not None
    assert len(column.categories) == TOP_CATEGORIES
    assert column.categories[0] == ("k149", 150)
    assert column.categories[-1] == ("k050", 51)
    assert column.other == sum(range(1, 51))
    assert column.n_unique == 150


def test_top_categories_break_ties_by_key_whatever_the_row_order() -> None:
    keys = [f"id{i}" for i in range(300)]
    rng = np.random.default_rng(3)
    first = profile_values("x", np.array(keys, dtype=object), "categorical")
    second = profile_values("x", np.array(rng.permutation(keys), dtype=object), "categorical")
    assert first == second
    assert first.categories is not None
    assert [key for key, _ in first.categories] == sorted(keys)[:TOP_CATEGORIES]
    assert first.other == 200


def test_numbers_as_categories_are_keyed_by_their_text() -> None:
    column = profile_values("month", np.array([1, 2, 2, 12]), "categorical")
    assert column.categories == (("2", 2), ("1", 1), ("12", 1))
    floats = profile_values("month", np.array([1.0, np.nan, 1.0]), "categorical")
    assert (floats.categories, floats.missing) == ((("1.0", 2),), 1)
    mixed = profile_values("x", np.array([1, "1", "a"], dtype=object), "categorical")
    assert mixed.categories == (("1", 2), ("a", 1))


def test_count_in_categories_uses_the_reference_categories() -> None:
    reference = profile_values("x", np.array(["a", "a", "b", "c"], dtype=object), "categorical")
    counts, other = count_in_categories(
        reference, np.array(["b", "z", None, "a", "b"], dtype=object)
    )
    assert counts.tolist() == [1, 2, 0]  # a, b, c in the reference's order
    assert other == 1


@pytest.mark.parametrize(
    "values",
    [
        np.array([True, False, True]),
        np.array([True, None, False, True], dtype=object),
        np.array([1.0, 0.0, np.nan, 1.0]),
        np.array([1, 0, 1]),
    ],
)
def test_booleans(values: np.ndarray) -> None:
    column = profile_values("flag", values, "boolean")
    assert column.categories == (("True", 2), ("False", 1))
    assert column.missing == len(values) - 3
    assert column.other == 0


def test_a_boolean_column_with_other_values_is_refused() -> None:
    with pytest.raises(DataError, match="'maybe'"):
        profile_values("flag", np.array([True, "maybe"], dtype=object), "boolean")


# -- text -----------------------------------------------------------------------------------


def test_text_lengths_and_vocabulary() -> None:
    texts = ["Hello world", None, "hello, there!", "", "World-wide WEB 2"]
    column = profile_values("review", np.array(texts, dtype=object), "text")
    lengths = [len(text) for text in texts if text is not None]
    assert (column.count, column.missing) == (5, 1)
    assert column.length_quantiles == tuple(np.quantile(lengths, QUANTILE_LEVELS).tolist())
    assert column.vocabulary == len({"hello", "world", "there", "wide", "web", "2"})


def test_text_with_nothing_present() -> None:
    column = profile_values("review", np.array([None, None], dtype=object), "text")
    assert (column.missing, column.length_quantiles, column.vocabulary) == (2, None, 0)


# -- tables, JSON, errors -------------------------------------------------------------------


def example_profile() -> Profile:
    return profile_columns(
        {
            "rain": np.array([0.0, 1.5, np.nan, 12.0, 0.0]),
            "city": np.array(["Lima", "Oslo", None, "Oslo", "Oslo"], dtype=object),
            "open": np.array([True, False, True, True, True]),
            "note": np.array(["dry", "wet day", None, "storm", ""], dtype=object),
            "date": np.arange("2024-01-01", "2024-01-06", dtype="datetime64[D]"),
        },
        {
            "rain": "numeric",
            "city": "categorical",
            "open": "boolean",
            "note": "text",
            "date": "datetime",
        },
    )


def test_profile_of_a_table() -> None:
    profile = example_profile()
    assert profile.rows == 5
    assert list(profile.columns) == ["rain", "city", "open", "note", "date"]
    assert {column.kind for column in profile.columns.values()} == set(KINDS)
    assert profile.columns["city"].categories == (("Oslo", 3), ("Lima", 1))


def test_json_round_trip_is_canonical_and_plain() -> None:
    profile = example_profile()
    data = profile.to_json()
    assert Profile.from_json(data) == profile
    assert Profile.from_json(data).to_json() == data
    assert json.loads(data) == profile.as_dict()
    assert Profile.from_dict(json.loads(json.dumps(profile.as_dict()))) == profile
    assert b" " not in data.replace(b"wet day", b"")
    reordered = Profile(rows=profile.rows, columns=dict(reversed(profile.columns.items())))
    assert reordered.to_json() == data


column_data = st.one_of(
    st.tuples(st.just("numeric"), float_columns),
    st.tuples(
        st.just("categorical"),
        st.lists(st.none() | st.text(max_size=4), min_size=1, max_size=60).map(
            lambda values: np.array(values, dtype=object)
        ),
    ),
    st.tuples(
        st.just("text"),
        st.lists(st.none() | st.text(max_size=30), min_size=1, max_size=30).map(
            lambda values: np.array(values, dtype=object)
        ),
    ),
)


@settings(max_examples=80, deadline=None)
@example(kind_and_values=("numeric", np.array([0.0, -0.0, -0.0])), seed=1)  # signed zeros
@given(kind_and_values=column_data, seed=st.integers(0, 2**32 - 1))
def test_any_profile_survives_json_and_ignores_row_order(
    kind_and_values: tuple[str, np.ndarray], seed: int
) -> None:
    kind, values = kind_and_values
    profile = profile_columns({"c": values}, {"c": kind})
    assert Profile.from_json(profile.to_json()) == profile
    shuffled = values[np.random.default_rng(seed).permutation(len(values))]
    assert profile_columns({"c": shuffled}, {"c": kind}).to_json() == profile.to_json()


@pytest.mark.parametrize(
    ("columns", "kinds", "message"),
    [
        ({}, {}, "no columns"),
        ({"x": np.array([])}, {"x": "numeric"}, "empty"),
        (
            {"x": np.array([1.0]), "y": np.array([1.0, 2.0])},
            {"x": "numeric", "y": "numeric"},
            "same length",
        ),
        ({"x": np.array([1.0])}, {}, "no kind"),
        ({"x": np.array([1.0])}, {"x": "float"}, "expected one of numeric"),
        ({"x": np.array([[1.0]])}, {"x": "numeric"}, "1-D"),
        ({"x": np.array(["a"], dtype=object)}, {"x": "numeric"}, "not numbers"),
        ({"x": np.array([1.0])}, {"x": "datetime"}, "datetime64"),
        ({"x": np.array([1.0])}, {"x": "text"}, "strings"),
    ],
)
def test_bad_input_raises_data_error(
    columns: dict[str, np.ndarray], kinds: dict[str, str], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        profile_columns(columns, kinds)


@pytest.mark.parametrize(
    "data",
    [b"not json", b"[]", b'{"format": 99, "rows": 1, "columns": {}}', b'{"format": 1}'],
)
def test_unreadable_profiles_raise_data_error(data: bytes) -> None:
    with pytest.raises(DataError):
        Profile.from_json(data)


def test_a_column_profile_with_an_unknown_kind_is_refused() -> None:
    with pytest.raises(DataError, match="not valid"):
        ColumnProfile.from_dict({"name": "x", "kind": "blob", "count": 1, "missing": 0})


def test_bins_and_categories_only_exist_for_their_kinds() -> None:
    profile = example_profile()
    with pytest.raises(DataError, match="no bins"):
        count_in_bins(profile.columns["city"], np.array(["Lima"], dtype=object))
    with pytest.raises(DataError, match="no categories"):
        count_in_categories(profile.columns["rain"], np.array([1.0]))


def test_a_million_rows_profile_quickly() -> None:
    rng = np.random.default_rng(0)
    n = 1_000_000
    columns = {
        "a": rng.normal(size=n),
        "b": np.where(rng.random(n) < 0.1, np.nan, rng.exponential(size=n)),
        "c": np.array(["x", "y", "z", None], dtype=object)[rng.integers(0, 4, n)],
        "d": rng.random(n) < 0.2,
    }
    kinds = {"a": "numeric", "b": "numeric", "c": "categorical", "d": "boolean"}
    started = time.perf_counter()
    profile = profile_columns(columns, kinds)
    elapsed = time.perf_counter() - started
    assert profile.rows == n
    assert elapsed < 3.0, f"profiling 1M x 4 columns took {elapsed:.2f}s"
