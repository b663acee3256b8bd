"""Data quality against a reference profile, with hand-computed numbers."""

from __future__ import annotations

import datetime as dt
import doctest
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paraguas.errors import DataError
from paraguas.monitoring import quality as quality_module
from paraguas.monitoring.profile import ColumnProfile, profile_values
from paraguas.monitoring.quality import (
    MISSING_ALERT,
    OUT_OF_RANGE_ALERT,
    ColumnQuality,
    column_quality,
)
from paraguas.monitoring.results import Check


def test_doctests() -> None:
    assert doctest.testmod(quality_module).failed == 0


def by_method(quality: ColumnQuality) -> dict[str, Check]:
    checks = quality.checks(3)
    json.dumps([c.to_dict() for c in checks], allow_nan=False)
    return {c.method: c for c in checks}


# reference: 20 rows, 1 missing (5 %), values 0..18
NUMERIC_REFERENCE = profile_values("x", np.r_[np.arange(19.0), np.nan], "numeric")


# -- numbers --------------------------------------------------------------------------------


def test_numeric_column_by_hand() -> None:
    values = np.array([1.0, 2.0, 30.0, -1.0, np.nan, np.inf, 5.0, 6.0, 7.0, 8.0])
    q = column_quality("x", values, NUMERIC_REFERENCE)
    assert (q.rows, q.missing, q.infinite, q.type_violations, q.present) == (10, 1, 1, 0, 8)
    assert q.out_of_range == 2  # 30 and -1 outside [0, 18]
    assert q.missing_share == pytest.approx(0.1)
    assert q.out_of_range_share == pytest.approx(2 / 8)
    checks = by_method(q)
    assert list(checks) == [
        "missing_share",
        "type_violations",
        "infinite_share",
        "out_of_range_share",
    ]
    # missing 10 % vs 5 % in the reference: 0.05 above it, a warning; alert at 0.05 + 0.1
    missing = checks["missing_share"]
    assert (missing.value, missing.threshold, missing.status) == (0.1, 0.15, "warn")
    assert missing.detail == "1 of 10 rows missing (10.0%); 5.0% in the reference"
    assert checks["infinite_share"].status == "alert"  # 10 % of the rows are inf
    out = checks["out_of_range_share"]
    assert (out.value, out.threshold, out.status) == (0.25, OUT_OF_RANGE_ALERT, "alert")
    assert out.detail == "2 of 8 values (25.00%) outside [0, 18]"
    assert checks["type_violations"].status == "ok"
    assert {c.kind for c in checks.values()} == {"quality"}
    assert {c.subject for c in checks.values()} == {"x"}


@pytest.mark.parametrize(
    ("missing", "status"),
    [(1, "ok"), (2, "warn"), (3, "alert"), (4, "alert")],  # of 20 rows, against 5 %
)
def test_missing_share_thresholds_are_relative_to_the_reference(missing: int, status: str) -> None:
    values = np.r_[np.full(missing, np.nan), np.ones(20 - missing)]
    # 2/20 - 1/20 = 0.05 (the warn limit, exactly), 3/20 - 1/20 = 0.1 (the alert limit)
    assert by_method(column_quality("x", values, NUMERIC_REFERENCE))["missing_share"].status == (
        status
    )


@pytest.mark.parametrize(("outside", "status"), [(0, "ok"), (1, "warn"), (4, "warn"), (5, "alert")])
def test_out_of_range_thresholds(outside: int, status: str) -> None:
    values = np.r_[np.full(outside, 99.0), np.ones(100 - outside)]  # shares of 100 values
    check = by_method(column_quality("x", values, NUMERIC_REFERENCE))["out_of_range_share"]
    assert check.value == pytest.approx(outside / 100)
    assert check.status == status


def test_strings_in_a_numeric_column_are_counted_never_raised() -> None:
    values = np.array(
        [1, "abc", None, "2.5", pd.NA, dt.datetime(2024, 1, 1), "", 3.0], dtype=object
    )
    q = column_quality("x", values, NUMERIC_REFERENCE)
    # missing: None, NA; unreadable: 'abc', the datetime, ''; present: 1, 2.5, 3
    assert (q.missing, q.type_violations, q.present, q.infinite) == (2, 3, 3, 0)
    check = by_method(q)["type_violations"]
    assert check.value == pytest.approx(3 / 8)
    assert check.status == "alert"
    assert "'abc'" in check.detail and "cannot be read as numbers" in check.detail
    assert check.extra["examples"][:2] == ["'abc'", "datetime.datetime(2024, 1, 1, 0, 0)"]


def test_one_unreadable_value_is_a_warning() -> None:
    values = np.array(["1.5"] * 99 + ["n/a"])
    check = by_method(column_quality("x", values, NUMERIC_REFERENCE))["type_violations"]
    assert (check.value, check.status) == (0.01, "warn")


def test_numeric_strings_read_as_numbers_like_the_profile() -> None:
    q = column_quality("x", np.array(["1", "2.5", None], dtype=object), NUMERIC_REFERENCE)
    assert (q.missing, q.type_violations, q.present, q.out_of_range) == (1, 0, 2, 0)


def test_all_missing_column() -> None:
    q = column_quality("x", np.full(4, np.nan), NUMERIC_REFERENCE)
    assert (q.missing, q.present, q.out_of_range) == (4, 0, 0)
    checks = by_method(q)
    assert checks["missing_share"].status == "alert"
    assert checks["out_of_range_share"].value is None
    assert checks["out_of_range_share"].status == "ok"


def test_empty_column_is_an_error_check() -> None:
    q = column_quality("x", np.array([], dtype=np.float64), NUMERIC_REFERENCE)
    assert q.rows == 0 and q.missing_share is None
    (check,) = q.checks(1)
    assert (check.method, check.value, check.status) == ("missing_share", None, "error")
    assert "no rows" in check.detail


def test_column_missing_from_the_data() -> None:
    q = column_quality("x", None, NUMERIC_REFERENCE)
    assert q.absent and q.rows == 0
    (check,) = q.checks(2, role="challenger")
    assert (check.method, check.status, check.version, check.role) == (
        "presence",
        "error",
        2,
        "challenger",
    )
    assert "'x' is not in the data" in check.detail
    assert q.status == "error"


def test_constant_reference_column() -> None:
    constant = profile_values("c", np.full(10, 7.0), "numeric")
    q = column_quality("c", np.array([7.0, 7.0, 7.5, 7.0]), constant)
    assert q.out_of_range == 1
    check = by_method(q)["out_of_range_share"]
    assert check.value == pytest.approx(0.25)
    assert "7 (the reference held a single value)" in check.detail


def test_reference_without_values_has_no_range() -> None:
    empty = profile_values("e", np.full(3, np.nan), "numeric")
    q = column_quality("e", np.array([1.0, 2.0]), empty)
    assert q.out_of_range is None
    check = by_method(q)["out_of_range_share"]
    assert (check.value, check.status) == (None, "ok")
    # the reference was all missing: nothing missing now is not an alarm
    assert by_method(q)["missing_share"].status == "ok"


def test_without_a_reference_missing_is_compared_with_none() -> None:
    q = column_quality("x", np.array([1.0, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]), None)
    assert q.kind == "numeric" and not q.has_reference
    checks = by_method(q)
    assert (checks["missing_share"].value, checks["missing_share"].status) == (0.1, "alert")
    assert checks["missing_share"].threshold == MISSING_ALERT
    assert "no reference profile" in checks["missing_share"].detail
    assert checks["out_of_range_share"].value is None


# -- datetimes ------------------------------------------------------------------------------

DATE_REFERENCE = profile_values(
    "d", np.array(["2024-01-01", "2024-02-01", "NaT"], dtype="datetime64[D]"), "datetime"
)


def test_datetime_column() -> None:
    values = np.array(["2024-01-15", "2024-03-01", "NaT", "2023-12-31"], dtype="datetime64[s]")
    q = column_quality("d", values, DATE_REFERENCE)
    assert (q.missing, q.type_violations, q.present, q.out_of_range) == (1, 0, 3, 2)
    detail = by_method(q)["out_of_range_share"].detail
    assert "outside [2024-01-01T00:00:00Z, 2024-02-01T00:00:00Z]" in detail


def test_datetime_objects_and_strings() -> None:
    values = np.array(
        ["2024-01-15", None, "junk", 5, dt.date(2024, 1, 20), pd.Timestamp("2025-01-01")],
        dtype=object,
    )
    q = column_quality("d", values, DATE_REFERENCE)
    # unreadable: 'junk' and the number 5; out of range: 2025-01-01
    assert (q.missing, q.type_violations, q.present, q.out_of_range) == (1, 2, 3, 1)
    assert "infinite_share" not in by_method(q)


# -- categories -----------------------------------------------------------------------------

CITY_REFERENCE = profile_values(
    "city", np.array(["bcn", "bcn", "mad", "vlc", None], dtype=object), "categorical"
)


def test_unseen_categories_warn() -> None:
    values = np.array(["bcn", "sev", "sev", "bio", None, "mad"], dtype=object)
    q = column_quality("city", values, CITY_REFERENCE)
    assert q.new_categories == (("sev", 2), ("bio", 1))
    assert q.categories_exact
    check = by_method(q)["unseen_categories"]
    assert check.value == pytest.approx(3 / 5)  # of the 5 present rows
    assert (check.threshold, check.status) == (None, "warn")
    assert check.detail == "2 categories unseen in the reference, 3 rows (60.00%): 'sev', 'bio'"
    assert check.extra["categories"] == {"sev": 2, "bio": 1}
    assert "type_violations" not in by_method(q)


def test_known_categories_are_ok() -> None:
    check = by_method(column_quality("city", np.array(["vlc", "bcn"]), CITY_REFERENCE))
    assert check["unseen_categories"].status == "ok"
    assert check["unseen_categories"].value == 0.0


def test_with_an_other_remainder_unseen_cannot_be_decided() -> None:
    truncated = ColumnProfile(
        name="city",
        kind="categorical",
        count=1000,
        missing=0,
        n_unique=150,
        categories=(("bcn", 600), ("mad", 300)),
        other=100,
    )
    q = column_quality("city", np.array(["bcn", "zaragoza", "zaragoza", "mad"]), truncated)
    assert not q.categories_exact
    check = by_method(q)["not_in_top_categories"]
    assert "unseen_categories" not in by_method(q)
    assert (check.value, check.status) == (0.5, "ok")
    assert "cannot be told exactly" in check.detail
    assert "1 not in the top categories: 'zaragoza'" in check.detail


def test_numeric_categories_are_keyed_as_the_profile_keys_them() -> None:
    reference = profile_values("k", np.array([1, 2, 2]), "categorical")
    q = column_quality("k", np.array([2, 3, 3]), reference)
    assert q.new_categories == (("3", 2),)


def test_boolean_column() -> None:
    reference = profile_values("b", np.array([True, True, False]), "boolean")
    values = np.array([True, 0, 1.0, "yes", None, 2], dtype=object)
    q = column_quality("b", values, reference)
    assert (q.missing, q.type_violations, q.present) == (1, 2, 3)
    assert q.new_categories == ()
    assert by_method(q)["type_violations"].extra["examples"] == ["'yes'", "2"]
    only_true = profile_values("b", np.array([True, True]), "boolean")
    check = by_method(column_quality("b", np.array([True, False]), only_true))
    assert check["unseen_categories"].status == "warn"


def test_text_column_checks_only_missing() -> None:
    reference = profile_values("t", np.array(["a b", "c", None], dtype=object), "text")
    q = column_quality("t", np.array(["x", None, float("nan"), 3], dtype=object), reference)
    assert (q.missing, q.present) == (2, 2)
    assert list(by_method(q)) == ["missing_share"]


def test_kind_must_agree_with_the_reference() -> None:
    with pytest.raises(DataError, match="checked as 'categorical' but its reference profile is"):
        column_quality("x", np.array([1.0]), NUMERIC_REFERENCE, kind="categorical")
    with pytest.raises(DataError, match="kind 'number' ; expected one of".replace(" ;", ";")):
        column_quality("x", np.array([1.0]), None, kind="number")
    with pytest.raises(DataError, match="1-D"):
        column_quality("x", np.ones((2, 2)), NUMERIC_REFERENCE)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-1000, 1000),
            st.text(max_size=4),
            st.booleans(),
        ),
        max_size=30,
    ),
    st.sampled_from(["numeric", "categorical", "boolean", "datetime", "text"]),
)
def test_every_row_is_counted_exactly_once(values: list[object], kind: str) -> None:
    q = column_quality("v", np.array(values, dtype=object), None, kind=kind)
    assert q.missing + q.infinite + q.type_violations + q.present == q.rows == len(values)
    for check in q.checks(1):
        assert check.status in ("ok", "warn", "alert", "error")


# -- volume ---------------------------------------------------------------------------------
