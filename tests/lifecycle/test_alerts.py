"""Alerts against a real HTTP receiver on 127.0.0.1: what arrives, retries, and failures that stay quiet."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from paraguas.config.settings import ALERT_EVENTS, AlertSettings
from paraguas.lifecycle import Alert, Alerter, Delivery

SECRET = "T000-s3cr3t-token"
HANG = -1  # a scripted "answer": hold the request until the test ends


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook on 127.0.0.1 that answers with the scripted statuses, then 200."""

    port: int
    script: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = f"/hooks/{SECRET}?key={SECRET}") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append(Received("POST", self.path, dict(self.headers.items()), body))
            status = receiver.script.pop(0) if receiver.script else 200
            if status == HANG:
                receiver.release.wait(timeout=10)
                return
            answer = b"ok" if status < 300 else b"no_such_hook"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timeout test) breaks the pipe; that is expected


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours *_proxy variables; 127.0.0.1 must be reached directly.
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = _QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Receiver(port=server.server_address[1])
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def make_alert(event: str = "drift", **changes: Any) -> Alert:
    values: dict[str, Any] = {
        "event": event,
        "model": "rain_tomorrow",
        "day": date(2024, 5, 2),
        "summary": "3 features drifted (humidity, pressure, wind)",
        "details": {"psi": {"humidity": 0.31}, "features": ["humidity", "pressure", "wind"]},
        "at": datetime(2024, 5, 2, 6, 0, tzinfo=timezone.utc),
    }
    values.update(changes)
    return Alert(**values)


def alerter(url: str | None, **settings: Any) -> Alerter:
    return Alerter(AlertSettings(webhook=url, **settings), backoff=0.01)


def test_the_webhook_gets_the_alert_as_json(receiver: Receiver) -> None:
    delivery = alerter(receiver.url()).send(make_alert())

    assert delivery == Delivery(sent=True, status=200, error=None, attempts=1)
    [request] = receiver.requests
    assert request.path == f"/hooks/{SECRET}?key={SECRET}"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json() == {
        "event": "drift",
        "model": "rain_tomorrow",
        "day": "2024-05-02",
        "summary": "3 features drifted (humidity, pressure, wind)",
        "details": {"psi": {"humidity": 0.31}, "features": ["humidity", "pressure", "wind"]},
        "at": "2024-05-02T06:00:00+00:00",
        "text": "paraguas drift: rain_tomorrow (2024-05-02) - "
        "3 features drifted (humidity, pressure, wind)",
    }


def test_disabled_events_are_logged_but_not_sent(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="paraguas.alerts")
    sender = alerter(receiver.url(), on=["failure", "promotion"])

    skipped = sender.send(make_alert("drift"))
    sent = sender.send(make_alert("promotion", summary="v4 is champion"))

    assert skipped == Delivery(sent=False) and not skipped.failed
    assert sent.sent
    assert [request.json()["event"] for request in receiver.requests] == ["promotion"]
    assert "paraguas drift: rain_tomorrow" in caplog.text


def test_without_a_webhook_alerts_only_go_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="paraguas.alerts")

    delivery = alerter(None).send(make_alert("retrain", summary="retrained on 90 days"))

    assert delivery == Delivery(sent=False, status=None, error=None, attempts=0)
    assert "paraguas retrain: rain_tomorrow (2024-05-02) - retrained on 90 days" in caplog.text


def test_a_5xx_is_retried_once_and_then_delivered(receiver: Receiver) -> None:
    receiver.script = [500]

    delivery = alerter(receiver.url()).send(make_alert())

    assert delivery == Delivery(sent=True, status=200, error=None, attempts=2)
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body


def test_two_5xx_give_up_after_the_retry(receiver: Receiver) -> None:
    receiver.script = [503, 502]

    delivery = alerter(receiver.url()).send(make_alert())

    assert not delivery.sent and delivery.status == 502 and delivery.attempts == 2
    assert delivery.error is not None and "answered HTTP 502" in delivery.error
    assert len(receiver.requests) == 2


def test_a_404_is_reported_without_retry(receiver: Receiver) -> None:
    receiver.script = [404]

    delivery = alerter(receiver.url()).send(make_alert())

    assert not delivery.sent and delivery.failed
    assert delivery.status == 404 and delivery.attempts == 1
    assert delivery.error == (
        f"webhook http://127.0.0.1:{receiver.port}/*** answered HTTP 404 Not Found: no_such_hook"
    )
    assert len(receiver.requests) == 1


def test_a_receiver_that_hangs_times_out(receiver: Receiver) -> None:
    receiver.script = [HANG]

    delivery = alerter(receiver.url(), timeout=0.2).send(make_alert())

    assert not delivery.sent and delivery.status is None and delivery.attempts == 1
    assert delivery.error is not None and "did not answer within 0.2 s" in delivery.error
    assert len(receiver.requests) == 1  # a timeout is not retried


def test_a_closed_port_is_retried_then_reported(closed_port: int) -> None:
    delivery = alerter(f"http://127.0.0.1:{closed_port}/hooks/{SECRET}").send(make_alert())

    assert not delivery.sent and delivery.status is None and delivery.attempts == 2
    assert delivery.error is not None
    assert f"webhook http://127.0.0.1:{closed_port}/*** could not be reached" in delivery.error
    assert "refused" in delivery.error.lower()


def test_failures_are_warned_about_and_secrets_never_logged(
    receiver: Receiver, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.script = [500, 404, HANG]
    broken = f"http://127.0.0.1:{closed_port}/hooks/{SECRET}?key={SECRET}"

    deliveries = [
        alerter(receiver.url(), timeout=0.2).send(
            make_alert("failure", summary="boom")
        ),  # 500, 404
        alerter(receiver.url(), timeout=0.2).send(make_alert("rejection")),  # hangs
        alerter(broken).send(make_alert("promotion")),  # refused twice
        alerter(receiver.url()).send(make_alert("retrain")),  # delivered
    ]

    assert [delivery.sent for delivery in deliveries] == [False, False, False, True]
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "not delivered" in r.getMessage()
    ]
    assert len(warnings) == 3
    assert SECRET not in caplog.text
    assert all(SECRET not in (delivery.error or "") for delivery in deliveries)
    assert "/***" in caplog.text


def test_the_log_gets_every_alert_at_its_level(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="paraguas.alerts")
    sender = alerter(None)

    for event in ALERT_EVENTS:
        sender.send(make_alert(event))

    records = [r for r in caplog.records if r.name == "paraguas.alerts"]
    assert [r.paraguas_alert["event"] for r in records] == list(ALERT_EVENTS)  # type: ignore[attr-defined]
    assert [r.levelname for r in records] == ["WARNING", "INFO", "INFO", "WARNING", "ERROR"]


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.script = [302]

    delivery = alerter(receiver.url()).send(make_alert())

    assert not delivery.sent and delivery.status == 302
    assert len(receiver.requests) == 1


def test_the_alert_is_one_line_of_json_values() -> None:
    alert = make_alert(
        summary="retrain failed:\n  ValueError: no rows\n",
        details={"day": date(2024, 5, 1), "psi": float("nan"), "counts": (1, 2)},
    )
    assert alert.summary == "retrain failed: ValueError: no rows"
    assert alert.details == {"day": "2024-05-01", "psi": None, "counts": [1, 2]}
    json.dumps(alert.to_payload(), allow_nan=False)


def test_numpy_scalars_become_numbers() -> None:
    np = pytest.importorskip("numpy")
    alert = make_alert(details={"psi": np.float32(0.5), "rows": np.int64(12)})
    assert alert.details == {"psi": 0.5, "rows": 12}


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"event": "drfit"}, ValueError, "event 'drfit' is not known"),
        ({"at": datetime(2024, 5, 2, 6)}, ValueError, "has no time zone"),
        ({"details": {"model": object()}}, TypeError, r"details\['model'\] is a object"),
    ],
)
def test_a_malformed_alert_is_refused(
    changes: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        make_alert(**changes)
