"""The day's row volume against the recent days, with hand-computed numbers and SciPy."""

from __future__ import annotations

import doctest
import json

import numpy as np
import pytest
from scipy import stats

from paraguas.errors import DataError
from paraguas.monitoring import volume as volume_module
from paraguas.monitoring.volume import MAD_SCALE, VOLUME_ALERT, volume_anomaly

HISTORY = [100, 110, 90, 105, 95]  # median 100, absolute deviations 0 10 10 5 5: MAD 5


def test_doctests() -> None:
    assert doctest.testmod(volume_module).failed == 0


@pytest.mark.parametrize(
    ("today", "z", "status"),
    [
        (100, 0.0, "ok"),
        (120, 20 / (5 * MAD_SCALE), "ok"),  # 2.70
        (125, 25 / (5 * MAD_SCALE), "warn"),  # 3.37
        (160, 60 / (5 * MAD_SCALE), "alert"),  # 8.09
        (70, -30 / (5 * MAD_SCALE), "warn"),  # -4.05
        (60, -40 / (5 * MAD_SCALE), "alert"),  # -5.40
    ],
)
def test_volume_robust_z_by_hand(today: int, z: float, status: str) -> None:
    check = volume_anomaly(today, HISTORY)
    assert check.median == 100.0
    assert check.scale == pytest.approx(5 * 1.4826)
    assert check.z == pytest.approx(z)
    assert check.status == status


def test_volume_scale_agrees_with_scipy() -> None:
    history = [812, 790, 845, 901, 777, 820, 799, 1500]
    check = volume_anomaly(830, history)
    scale = stats.median_abs_deviation(history, scale="normal")
    assert check.scale == pytest.approx(scale, rel=1e-5)  # 1.4826 vs 1 / 0.67449
    assert check.median == np.median(history)


def test_zero_rows_today_is_always_an_alert_after_rows() -> None:
    check = volume_anomaly(0, [10, 0, 5])
    assert check.status == "alert"
    assert "no rows today" in check.detail
    assert volume_anomaly(0, [7]).status == "alert"  # even with little history
    assert volume_anomaly(0, [0, 0, 0]).status == "ok"  # nothing before either


def test_too_little_history_is_not_judged() -> None:
    check = volume_anomaly(5000, [10, 12])
    assert (check.status, check.z) == ("ok", None)
    assert "not enough history" in check.detail and "2 recent days" in check.detail
    assert volume_anomaly(5, []).status == "ok"


def test_zero_mad_falls_back_to_the_mean_absolute_deviation() -> None:
    # median 100, deviations 0 0 0 20: MAD 0, mean deviation 5, scale 5 * sqrt(pi / 2)
    check = volume_anomaly(130, [100, 100, 100, 120])
    assert check.scale == pytest.approx(5 * 1.2533141)
    assert check.z == pytest.approx(30 / (5 * 1.2533141))  # 4.79
    assert check.status == "warn"


def test_constant_history() -> None:
    same = volume_anomaly(50, [50, 50, 50])
    assert (same.z, same.status) == (0.0, "ok")
    other = volume_anomaly(51, [50, 50, 50])
    assert (other.z, other.status) == (None, "warn")
    assert "each of the last 3 days had exactly 50" in other.detail


def test_volume_check() -> None:
    (check,) = volume_anomaly(160, HISTORY).checks(9)
    assert (check.kind, check.subject, check.method) == ("volume", "rows", "robust_z")
    assert (check.threshold, check.status, check.version) == (VOLUME_ALERT, "alert", 9)
    assert check.extra == {"today": 160, "median": 100.0, "scale": pytest.approx(7.413), "days": 5}
    assert check.detail == "160 rows today; median 100 over the last 5 days, robust z +8.1"
    json.dumps(check.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    ("today", "recent", "message"),
    [
        (-1, [1, 2, 3], "today_rows must be a row count"),
        (1.5, [1, 2, 3], "today_rows must be a row count"),
        (1, [1, -2, 3], r"recent_rows\[1\] must be a row count"),
        (True, [1, 2, 3], "today_rows must be a row count"),
    ],
)
def test_volume_bad_input(today: object, recent: list[int], message: str) -> None:
    with pytest.raises(DataError, match=message):
        volume_anomaly(today, recent)  # type: ignore[arg-type]
