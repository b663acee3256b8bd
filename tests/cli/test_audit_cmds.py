"""``paraguas audit log`` and ``paraguas audit verify``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .runner import ModelFiles, Run, execute_sql, snapshot


@pytest.fixture
def busy(registered: Run, model_files: ModelFiles) -> Run:
    """Seven events: fraud v1, fraud v2, churn v1 registered; fraud promoted twice; rolled back,
    and that rollback's decision."""
    steps = [
        ("register", "churn", model_files.skops, "--reason", "churn model"),
        ("promote", "fraud", "1", "-r", "first champion"),
        ("promote", "fraud", "2", "-r", "better auc"),
        ("rollback", "fraud", "-r", "complaints"),
    ]
    for step in steps:
        assert registered(*step).code == 0
    return registered


def test_audit_log_json_lists_every_event_in_chain_order(busy: Run) -> None:
    events = busy("audit", "log", "--json").json()

    assert [(e["seq"], e["action"], e["subject"]) for e in events] == [
        (1, "version.registered", "model:fraud"),
        (2, "version.registered", "model:fraud"),
        (3, "version.registered", "model:churn"),
        (4, "alias.promoted", "model:fraud"),
        (5, "alias.promoted", "model:fraud"),
        (6, "alias.rolled_back", "model:fraud"),
        (7, "decision.rollback", "model:fraud"),
    ]
    assert all(e["actor"] == "tester" for e in events)
    assert [e["prev_hash"] for e in events[1:]] == [e["hash"] for e in events[:-1]]
    assert events[5]["payload"] == {
        "alias": "champion",
        "version": 1,
        "previous_version": 2,
        "reason": "complaints",
    }
    assert events[2]["payload"]["reason"] == "churn model"
    assert events[6]["payload"]["reason"] == "complaints" and events[6]["payload"]["champion"] == 1


def test_audit_log_filters_by_model_and_keeps_the_last_n(busy: Run) -> None:
    churn = busy("audit", "log", "--model", "churn", "--json").json()
    last_two = busy("audit", "log", "-n", "2", "--json").json()
    last_fraud = busy("audit", "log", "-m", "fraud", "--limit", "1", "--json").json()
    more_than_all = busy("audit", "log", "--limit", "100", "--json").json()

    assert [e["seq"] for e in churn] == [3]
    assert [e["seq"] for e in last_two] == [6, 7]
    assert [(e["seq"], e["action"]) for e in last_fraud] == [(7, "decision.rollback")]
    assert [e["seq"] for e in more_than_all] == [1, 2, 3, 4, 5, 6, 7]


def test_audit_log_table(busy: Run) -> None:
    result = busy("audit", "log", "--model", "fraud")

    assert result.code == 0
    rows = [line for line in result.out.splitlines() if "model:fraud" in line]
    assert len(rows) == 6
    assert "alias.rolled_back" in rows[-2] and "complaints" in rows[-2]
    assert "decision.rollback" in rows[-1]
    assert "churn" not in result.out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--model", "frod"], 1, "Model 'frod' is not registered. Did you mean 'fraud'?"),
        (["--model", "Fraud"], 1, "Model name 'Fraud' is not valid"),
        (["--limit", "0"], 2, "Invalid value for '--limit'"),
        (["--limit", "many"], 2, "Invalid value for '--limit'"),
    ],
)
def test_audit_log_refuses_bad_filters(busy: Run, args: list[str], code: int, message: str) -> None:
    result = busy("audit", "log", *args)

    assert result.code == code
    assert message in result.err and "Traceback" not in result.err
    assert result.out == ""


def test_audit_verify_an_intact_chain(busy: Run) -> None:
    text = busy("audit", "verify")
    report = busy("audit", "verify", "--json").json()
    head = busy("audit", "log", "--json").json()[-1]["hash"]

    assert text.code == 0
    assert text.out.startswith("ok Audit chain intact: 7 events verified")
    assert report["ok"] is True and report["checked"] == 7 and report["broken_seq"] is None
    assert report["head_hash"] == head


def test_audit_verify_an_empty_log(cli: Run) -> None:
    result = cli("audit", "verify", "--json")

    assert result.json()["ok"] is True and result.json()["checked"] == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "mallory"),
        ("payload", '{"alias":"champion","previous_version":null,"reason":"x","version":2}'),
        ("at", "2001-01-01 00:00:00.000000"),
    ],
)
def test_audit_verify_names_the_event_that_was_altered(
    busy: Run, project: Path, column: str, value: str
) -> None:
    execute_sql(project, f"UPDATE audit_events SET {column} = ? WHERE seq = 4", value)
    before = snapshot(busy, project)

    text = busy("audit", "verify")
    report = busy("audit", "verify", "--json")

    assert text.code == 1
    assert text.out == ""
    assert text.err.startswith("BROKEN Audit chain broken at event 4: ")
    assert "it was altered" in text.err and "Traceback" not in text.err
    assert report.code == 1
    assert {k: v for k, v in json.loads(report.out).items() if k in ("ok", "broken_seq")} == {
        "ok": False,
        "broken_seq": 4,
    }
    assert snapshot(busy, project) == before  # verifying changes nothing


def test_audit_verify_notices_a_deleted_event(busy: Run, project: Path) -> None:
    execute_sql(project, "DELETE FROM audit_events WHERE seq = 2")

    result = busy("audit", "verify")

    assert result.code == 1
    assert "broken at event 2" in result.err and "missing" in result.err
