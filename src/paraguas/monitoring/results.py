"""What a monitoring run finds: one :class:`Check` per statistic, gathered in a :class:`Report`.

Every check says what it measured (``kind``, ``subject``, ``method``), the value, the threshold
it was held to and the verdict (``status``), so a person or the lifecycle can read a result
without knowing how it was computed. A check that could not be computed (an all-missing
column, a column absent from the inputs) has status ``"error"`` and says why in ``detail``:
it never turns into a NaN or stops the other checks.

These are plain values: the flow stores them in the metadata store and the HTML report draws
them; neither recomputes anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Final, Literal, get_args

__all__ = [
    "CHECK_KINDS",
    "STATUSES",
    "Check",
    "CheckKind",
    "Histogram",
    "Report",
    "Status",
    "worst",
]

Status = Literal["ok", "warn", "alert", "error"]
#: Statuses from best to worst; ``error`` (not computed) ranks below ``alert`` for a run's
#: verdict: a column that could not be checked is reported, not treated as drift.
STATUSES: Final[tuple[Status, ...]] = get_args(Status)
_RANK: Final = {"ok": 0, "error": 1, "warn": 2, "alert": 3}

CheckKind = Literal[
    "drift", "dataset_drift", "domain", "quality", "volume", "performance", "estimate", "fairness"
]
CHECK_KINDS: Final[tuple[CheckKind, ...]] = get_args(CheckKind)


@dataclass(frozen=True)
class Check:
    """One statistic of one subject, judged against its threshold.

    ``kind``: drift (a column), dataset_drift (all columns), domain (domain classifier),
    quality, volume (row count), performance (against actuals), estimate (without labels),
    fairness. ``subject``: a column, a metric or ``"dataset"``. ``method``: how ``value`` was
    computed, e.g. ``wasserstein_normed``, ``missing_share``, ``roc_auc``. ``threshold``: the
    value at which ``status`` becomes ``alert`` (``None`` where the check only reports).
    ``extra``: JSON-able details (p-value, feature importance, segment, label coverage...).
    """

    kind: str
    subject: str
    method: str
    value: float | None
    threshold: float | None
    status: Status
    version: int
    role: str = "champion"
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Check:
        return cls(**data)


@dataclass(frozen=True)
class Histogram:
    """A column's distribution, reference vs current, in the same bins (for the report).

    Numbers: ``labels`` are the bin labels (``"(-inf, 1.2]"``...), ``edges`` the inner edges.
    Categories: ``labels`` are the categories (the rest summed as ``"other"``), ``edges`` empty.
    Counts are of present values; ``reference_missing`` and ``current_missing`` count the rest.
    """

    column: str
    kind: str
    labels: tuple[str, ...]
    edges: tuple[float, ...]
    reference: tuple[int, ...]
    current: tuple[int, ...]
    reference_missing: int = 0
    current_missing: int = 0


@dataclass(frozen=True)
class Report:
    """A monitoring run of one model for the window ending on ``day`` (``window_days`` long).

    ``history`` holds stored checks of earlier days (for charts over time); ``importance``
    the model's feature importance, as stored at training (``{}`` when unknown).
    """

    model: str
    day: date
    window_days: int
    mode: str
    champion: int
    challenger: int | None
    rows: int
    checks: tuple[Check, ...]
    histograms: tuple[Histogram, ...] = ()
    importance: dict[str, float] = field(default_factory=dict)
    history: tuple[tuple[date, Check], ...] = ()

    @property
    def status(self) -> Status:
        """The worst status of the run's checks (``ok`` when there are none)."""
        return worst(check.status for check in self.checks)


def worst(statuses: Any) -> Status:
    """The worst of ``statuses`` by ``ok < error < warn < alert``; ``ok`` for none."""
    found: Status = "ok"
    for status in statuses:
        if _RANK[status] > _RANK[found]:
            found = status
    return found
