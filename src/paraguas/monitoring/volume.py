"""The day's row volume against the recent days': a robust z-score, so that one odd day in the
history does not hide the next."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from paraguas.errors import DataError
from paraguas.monitoring.results import Check, Status

__all__ = [
    "MAD_SCALE",
    "MEAN_AD_SCALE",
    "VOLUME_ALERT",
    "VOLUME_MIN_DAYS",
    "VOLUME_WARN",
    "VolumeCheck",
    "volume_anomaly",
]

#: |robust z| of the day's row count at or above which it is a warning...
VOLUME_WARN: Final = 3.0
#: ...and an alert.
VOLUME_ALERT: Final = 5.0
#: Recent days needed to judge a day's volume.
VOLUME_MIN_DAYS: Final = 3
#: MAD times this estimates the standard deviation of normal data.
MAD_SCALE: Final = 1.4826
#: Mean absolute deviation times this does too; used when the MAD is 0 (Iglewicz & Hoaglin).
MEAN_AD_SCALE: Final = math.sqrt(math.pi / 2)


@dataclass(frozen=True)
class VolumeCheck:
    """The day's row count against the recent days' (oldest first).

    ``z = (today - median) / scale``, with ``scale`` the MAD times ``MAD_SCALE`` or, when
    the MAD is 0, the mean absolute deviation times ``MEAN_AD_SCALE``; ``None`` when it
    cannot be computed (too little history, or every recent day alike and today not).
    """

    today: int
    recent: tuple[int, ...]
    median: float | None
    scale: float | None
    z: float | None
    status: Status
    detail: str

    def checks(self, version: int, role: str = "champion") -> list[Check]:
        """The volume as one ``volume`` check on the subject ``rows``."""
        return [
            Check(
                "volume",
                "rows",
                "robust_z",
                self.z,
                VOLUME_ALERT,
                self.status,
                version,
                role=role,
                detail=self.detail,
                extra={
                    "today": self.today,
                    "median": self.median,
                    "scale": self.scale,
                    "days": len(self.recent),
                },
            )
        ]


def volume_anomaly(today_rows: int, recent_rows: Sequence[int]) -> VolumeCheck:
    """Whether ``today_rows`` is unusual against ``recent_rows`` (a robust z-score).

    ``alert`` at ``|z| >= VOLUME_ALERT``, ``warn`` at ``|z| >= VOLUME_WARN``. No rows today
    after a history with rows is always an ``alert``. With fewer than ``VOLUME_MIN_DAYS``
    recent days the day is not judged (``ok``, and the detail says so). When every recent day
    had the same count, any other count is a ``warn``: unusual, by how much cannot be said.

    >>> v = volume_anomaly(160, [100, 110, 90, 105, 95])
    >>> v.median, round(v.scale, 3), round(v.z, 3), v.status
    (100.0, 7.413, 8.094, 'alert')
    """
    today = _count("today_rows", today_rows)
    recent = tuple(_count(f"recent_rows[{i}]", value) for i, value in enumerate(recent_rows))
    days = len(recent)
    if today == 0 and any(recent):
        return VolumeCheck(
            today,
            recent,
            float(np.median(recent)),
            None,
            None,
            "alert",
            f"no rows today, after {max(recent):,} rows on the busiest of {_last(days)}; "
            "check that the source is still loaded",
        )
    if days < VOLUME_MIN_DAYS:
        return VolumeCheck(
            today,
            recent,
            None,
            None,
            None,
            "ok",
            f"not enough history to judge {today:,} rows: {days} recent days, "
            f"at least {VOLUME_MIN_DAYS} needed",
        )
    history = np.asarray(recent, dtype=np.float64)
    median = float(np.median(history))
    deviation = np.abs(history - median)
    scale = MAD_SCALE * float(np.median(deviation))
    if scale == 0:
        scale = MEAN_AD_SCALE * float(np.mean(deviation))
    if scale == 0:
        if today == median:
            return VolumeCheck(
                today, recent, median, 0.0, 0.0, "ok", f"{today:,} rows, as on each recent day"
            )
        return VolumeCheck(
            today,
            recent,
            median,
            0.0,
            None,
            "warn",
            f"{today:,} rows today; each of {_last(days)} had exactly {median:,.0f}",
        )
    z = (today - median) / scale
    size = abs(z)
    status: Status = "alert" if size >= VOLUME_ALERT else "warn" if size >= VOLUME_WARN else "ok"
    return VolumeCheck(
        today,
        recent,
        median,
        scale,
        z,
        status,
        f"{today:,} rows today; median {median:,.0f} over {_last(days)}, robust z {z:+.1f}",
    )


def _last(days: int) -> str:
    return "the last day" if days == 1 else f"the last {days} days"


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < 0:
        raise DataError(f"{name} must be a row count (an integer >= 0); got {value!r}.")
    return int(value)
