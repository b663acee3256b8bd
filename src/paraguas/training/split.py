"""Time-aware holdout: the most recent rows are held out, never a random sample of the past."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from paraguas.errors import DataError
from paraguas.spec import parse_days


@dataclass(frozen=True)
class TimeSplit:
    """Boolean masks over the rows: ``train`` before ``cutoff``, ``holdout`` at or after it."""

    train: npt.NDArray[np.bool_]
    holdout: npt.NDArray[np.bool_]
    cutoff: date | None

    def describe(self) -> dict[str, object]:
        return {
            "train_rows": int(self.train.sum()),
            "holdout_rows": int(self.holdout.sum()),
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
        }


def time_split(
    days: npt.NDArray[np.datetime64] | None, holdout: float | str, *, rows: int, as_of: date | None
) -> TimeSplit:
    """Split ``rows`` rows whose calendar days are ``days`` (``None``: the rows' order is time).

    A fraction holds out the most recent share of the rows, moved to a day boundary so no day is
    split between training and holdout; a duration (``"90d"``) holds out the days after
    ``as_of - duration`` (``as_of`` defaults to the last day in the data).
    """
    if rows < 2:
        raise DataError(f"Training needs at least 2 rows with a target; the data has {rows}.")
    if days is None:
        if isinstance(holdout, str):
            raise DataError(
                f"split.holdout {holdout!r} is a duration, but the spec has no time column; "
                "declare time=... or use a fraction such as 0.2."
            )
        first_holdout = rows - max(1, round(rows * float(holdout)))
        index = np.arange(rows)
        return _checked(index < first_holdout, index >= first_holdout, None, holdout)
    day_values = days.astype("datetime64[D]")
    if isinstance(holdout, str):
        last = np.datetime64(as_of, "D") if as_of else day_values.max()
        cutoff = last - np.timedelta64(parse_days(holdout, "split.holdout") - 1, "D")
    else:
        ordered = np.sort(day_values)
        cutoff = ordered[min(rows - 1, rows - max(1, round(rows * float(holdout))))]
    holdout_mask = day_values >= cutoff
    return _checked(~holdout_mask, holdout_mask, _to_date(cutoff), holdout)


def _checked(
    train: npt.NDArray[np.bool_],
    holdout: npt.NDArray[np.bool_],
    cutoff: date | None,
    setting: float | str,
) -> TimeSplit:
    if not train.any() or not holdout.any():
        empty = "training" if not train.any() else "holdout"
        raise DataError(
            f"The time split with holdout {setting!r} leaves the {empty} part empty "
            f"(cutoff {cutoff}). Use a smaller holdout, or more days of data."
        )
    return TimeSplit(train=train, holdout=holdout, cutoff=cutoff)


def _to_date(day: np.datetime64) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day.astype("datetime64[D]").astype(np.int64)))
