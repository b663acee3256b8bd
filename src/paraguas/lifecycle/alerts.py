"""Alerts of the daily cycle: always to the log, and to a webhook when one is configured.

The daily cycle raises an :class:`Alert` on drift, a retrain, a promotion, a rejection or a
failure, and hands it to an :class:`Alerter`. Alerting is a side channel: a webhook that is
down, slow or refuses the alert is logged as a warning and reported in the returned
:class:`Delivery`, never raised, so it cannot take the cycle down with it.

The webhook URL usually carries a token in its path or query; it is never logged or put in a
message in full (see :func:`~paraguas.config.settings.redact_url`).
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import PurePath
from typing import Any

from paraguas.config.settings import ALERT_EVENTS, AlertSettings, redact_url

__all__ = ["ALERT_EVENTS", "Alert", "Alerter", "Delivery"]

LOGGER_NAME = "paraguas.alerts"
# How loud each event is in the log: a failure needs someone; a promotion is news.
LOG_LEVELS: Mapping[str, int] = {
    "drift": logging.WARNING,
    "retrain": logging.INFO,
    "promotion": logging.INFO,
    "rejection": logging.WARNING,
    "failure": logging.ERROR,
}
DEFAULT_BACKOFF = 0.5  # seconds before the one retry
_ANSWER_EXCERPT = 200  # characters of a refusing webhook's answer kept in the error


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Alert:
    """Something the daily cycle did or found, worth telling a person about.

    ``summary`` is one line (line breaks are folded into spaces); ``details`` holds JSON
    values only (dates, paths and NumPy scalars are converted; NaN and infinities become
    ``null``, as strict JSON receivers reject them).

    >>> alert = Alert("drift", "rain_tomorrow", date(2024, 5, 2), "3 features drifted",
    ...               {"psi": {"humidity": 0.31}}, at=datetime(2024, 5, 2, 6, tzinfo=timezone.utc))
    >>> alert.text
    'paraguas drift: rain_tomorrow (2024-05-02) - 3 features drifted'
    """

    event: str
    model: str
    day: date
    summary: str
    details: Mapping[str, Any] = field(default_factory=dict, hash=False)
    at: datetime = field(default_factory=_utc_now)

    def __post_init__(self) -> None:
        if self.event not in ALERT_EVENTS:
            raise ValueError(
                f"Alert event {self.event!r} is not known: expected one of "
                f"{', '.join(ALERT_EVENTS)}."
            )
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(
                f"Alert time {self.at.isoformat()} has no time zone: pass an aware datetime "
                "(e.g. datetime.now(timezone.utc))."
            )
        if not isinstance(self.details, Mapping):
            raise TypeError(
                f"Alert details must be a mapping of names to JSON values, "
                f"not a {type(self.details).__name__}."
            )
        # Frozen: the normalised values are set once, here.
        object.__setattr__(self, "summary", " ".join(str(self.summary).split()))
        object.__setattr__(self, "details", _jsonable(dict(self.details), "details"))

    @property
    def text(self) -> str:
        """One readable line, for chat webhooks and the log."""
        return f"paraguas {self.event}: {self.model} ({self.day.isoformat()}) - {self.summary}"

    def to_payload(self) -> dict[str, Any]:
        """The JSON object POSTed to the webhook."""
        return {
            "event": self.event,
            "model": self.model,
            "day": self.day.isoformat(),
            "summary": self.summary,
            "details": self.details,
            "at": self.at.isoformat(),
            "text": self.text,
        }


@dataclass(frozen=True)
class Delivery:
    """What became of an alert at the webhook.

    ``sent`` is true once the webhook answered 2xx. Not sent with no ``error`` means nothing
    was attempted (no webhook configured, or the event is not in ``alerts.on``).
    """

    sent: bool
    status: int | None = None
    error: str | None = None
    attempts: int = 0

    @property
    def failed(self) -> bool:
        """Whether a delivery was attempted and did not succeed."""
        return self.error is not None


class _Retryable(Exception):
    """An attempt failed in a way a second attempt may fix (connection error, 5xx)."""

    def __init__(self, delivery: Delivery) -> None:
        super().__init__(delivery.error)
        self.delivery = delivery


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A webhook that redirects is misconfigured; following it would send the alert elsewhere.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Alerter:
    """Sends alerts to the log (logger ``paraguas.alerts``) and to the configured webhook.

    The constructor stores its settings and does no I/O. :meth:`send` never raises because of
    the webhook: it retries once after ``backoff`` seconds on a connection error or a 5xx
    answer, and otherwise reports the failure in the returned :class:`Delivery`. A timeout
    is not retried, so one alert waits at most about ``2 * timeout + backoff``.
    """

    def __init__(
        self,
        settings: AlertSettings,
        *,
        backoff: float = DEFAULT_BACKOFF,
        logger: logging.Logger | None = None,
    ) -> None:
        self.settings = settings
        self.backoff = backoff
        self.logger = logger or logging.getLogger(LOGGER_NAME)
        self._opener = urllib.request.build_opener(_NoRedirect)

    @property
    def destination(self) -> str | None:
        """The webhook with its secret part hidden, or ``None`` when there is none."""
        webhook = self.settings.webhook
        return redact_url(webhook.get_secret_value()) if webhook else None

    def send(self, alert: Alert) -> Delivery:
        """Log ``alert``, then POST it to the webhook if one is configured for its event."""
        payload = alert.to_payload()
        self.logger.log(
            LOG_LEVELS[alert.event], "%s", alert.text, extra={"paraguas_alert": payload}
        )
        webhook = self.settings.webhook
        if webhook is None or alert.event not in self.settings.on:
            return Delivery(sent=False)
        try:
            delivery = self._deliver(webhook.get_secret_value(), payload)
        except Exception as exc:  # alerting must never take the daily cycle down
            delivery = Delivery(
                sent=False, error=f"unexpected {type(exc).__name__} while sending", attempts=1
            )
        if delivery.sent:
            self.logger.debug(
                "alert %s for %s delivered to %s (HTTP %s, attempt %d)",
                alert.event,
                alert.model,
                self.destination,
                delivery.status,
                delivery.attempts,
            )
        else:
            self.logger.warning(
                "alert %s for %s was not delivered: %s", alert.event, alert.model, delivery.error
            )
        return delivery

    def _deliver(self, url: str, payload: Mapping[str, Any]) -> Delivery:
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        try:
            return self._attempt(url, body, attempt=1)
        except _Retryable as first:
            self.logger.info("%s; retrying in %.2g s", first.delivery.error, self.backoff)
        time.sleep(self.backoff)
        try:
            return self._attempt(url, body, attempt=2)
        except _Retryable as second:
            return second.delivery

    def _attempt(self, url: str, body: bytes, *, attempt: int) -> Delivery:
        where = f"webhook {redact_url(url)}"
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "paraguas"},
        )
        try:
            with self._opener.open(request, timeout=self.settings.timeout) as response:
                response.read()
                return Delivery(sent=True, status=response.status, attempts=attempt)
        except urllib.error.HTTPError as exc:  # a non-2xx answer
            with exc:
                answer = _excerpt(exc)
            delivery = Delivery(
                sent=False,
                status=exc.code,
                error=f"{where} answered HTTP {exc.code} {exc.reason}{answer}",
                attempts=attempt,
            )
            if exc.code >= 500:
                raise _Retryable(delivery) from None
            return delivery
        except urllib.error.URLError as exc:  # could not connect, or timed out while sending
            if isinstance(exc.reason, TimeoutError):
                return self._timed_out(where, attempt)
            raise _Retryable(
                Delivery(
                    sent=False,
                    error=f"{where} could not be reached: {exc.reason}",
                    attempts=attempt,
                )
            ) from None
        except TimeoutError:  # connected, but no answer in time
            return self._timed_out(where, attempt)
        except (OSError, http.client.HTTPException) as exc:  # dropped or garbled answer
            raise _Retryable(
                Delivery(
                    sent=False,
                    error=f"{where} failed: {type(exc).__name__} {exc}".rstrip(),
                    attempts=attempt,
                )
            ) from None

    def _timed_out(self, where: str, attempt: int) -> Delivery:
        return Delivery(
            sent=False,
            error=f"{where} did not answer within {self.settings.timeout:g} s "
            "(raise alerts.timeout if it is just slow)",
            attempts=attempt,
        )


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(_ANSWER_EXCERPT * 4).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return ""
    text = " ".join(text.split())[:_ANSWER_EXCERPT]
    return f": {text}" if text else ""


def _jsonable(value: Any, where: str) -> Any:
    """``value`` as plain JSON values, or a :class:`TypeError` naming where it is not."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item, f"{where}[{key!r}]") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    item = getattr(value, "item", None)  # NumPy scalars, without importing NumPy
    if callable(item) and getattr(value, "shape", None) == ():
        return _jsonable(item(), where)
    raise TypeError(
        f"Alert {where} is a {type(value).__name__}, which JSON cannot hold: pass numbers, "
        "strings, booleans, None, lists or mappings of them."
    )
