"""The ``paraguas`` application: help, the project it finds, settings, and how errors print."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .runner import ModelFiles, Run

SCRIPT = Path(sys.executable).parent / "paraguas"

COMMANDS = [
    ["init"],
    ["register"],
    ["models"],
    ["versions"],
    ["promote"],
    ["challenger"],
    ["rollback"],
    ["champion"],
    ["history"],
    ["audit"],
    ["audit", "log"],
    ["audit", "verify"],
]


# help ------------------------------------------------------------------------------------------


def test_help_lists_every_command(run: Run) -> None:
    result = run("--help")

    assert result.code == 0
    assert "Usage: paraguas" in result.out and "--project" in result.out
    for command in {words[0] for words in COMMANDS}:
        assert f" {command} " in result.out


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_of_each_command(run: Run, command: list[str], tmp_path: Path) -> None:
    result = run("--project", tmp_path / "none", *command, "--help")

    assert result.code == 0, result.err
    assert f"Usage: paraguas {' '.join(command)}" in result.out
    assert result.err == ""  # help needs no project (there is none in tmp_path / "none")


def test_no_command_shows_the_help(run: Run) -> None:
    result = run()

    assert result.code == 2
    assert "Usage: paraguas" in result.out and "Traceback" not in result.err


def test_an_unknown_command_is_a_usage_error(run: Run) -> None:
    result = run("promot", "fraud", "1")

    assert result.code == 2
    assert "No such command 'promot'" in result.err and "Traceback" not in result.err


# which project, which settings -----------------------------------------------------------------


def test_without_a_project_it_says_how_to_make_one(run: Run, tmp_path: Path) -> None:
    result = run("--project", tmp_path, "models")

    assert result.code == 1
    assert result.err.strip() == (
        f"error: No paraguas.yaml in {tmp_path.resolve()} or any folder above it. "
        "Create a project with: paraguas init, or pass --project DIR."
    )


def test_the_project_is_found_above_the_current_folder(
    run: Run, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = project / "notebooks" / "2026"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)

    assert run("models", "--json").json() == []


def test_paraguas_project_names_the_project(
    run: Run, registered: Run, project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no project here
    monkeypatch.setenv("PARAGUAS_PROJECT", str(project))

    assert [m["name"] for m in run("models", "--json").json()] == ["fraud"]


def test_paraguas_actor_is_recorded(
    cli: Run, model_files: ModelFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARAGUAS_ACTOR", "carol")

    version = cli("register", "fraud", model_files.skops, "--json").json()

    assert version["created_by"] == "carol"
    assert cli("audit", "log", "--json").json()[0]["actor"] == "carol"


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        (
            "name: [unclosed\n",
            ["paraguas.yaml: cannot be read as YAML at line 2", "expected ',' or ']'"],
        ),
        (
            "name: bank\nstore_ulr: sqlite:///other.db\n",
            [
                "key 'store_ulr' is not a known setting",
                "known keys: name, store_url, artifact_url, actor",
                "Did you mean 'store_url'?",
            ],
        ),
        ("name: bank\nartifact_url: 42\n", ["key 'artifact_url' has value 42", "valid string"]),
        ("store_url: '  '\n", ["key 'store_url' has value '  '", "must not be empty"]),
        ("- name\n- bank\n", ["expected a mapping of keys to values", "found a list"]),
    ],
    ids=["bad-yaml", "unknown-key", "wrong-type", "empty-value", "not-a-mapping"],
)
def test_a_malformed_project_file_is_named(
    run: Run, tmp_path: Path, text: str, messages: list[str]
) -> None:
    (tmp_path / "paraguas.yaml").write_text(text)

    result = run("--project", tmp_path, "models")

    assert result.code == 1 and result.out == ""
    assert result.err.startswith(f"error: {tmp_path.resolve() / 'paraguas.yaml'}")
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    for message in messages:
        assert message in result.err


def test_a_malformed_environment_variable_is_named(
    cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARAGUAS_NAME", " ")

    result = cli("models")

    assert result.code == 1
    assert "PARAGUAS_NAME has value ' '" in result.err and "must not be empty" in result.err


def test_an_unreachable_postgresql_store_is_named_without_its_password(
    cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARAGUAS_STORE_URL", "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/x")

    result = cli("models")

    assert result.code == 1 and result.out == ""
    assert result.err.startswith(
        "error: Cannot open the metadata store at postgresql+psycopg://postgres:***@127.0.0.1:1/x: "
    )
    assert "PARAGUAS_STORE_URL" in result.err
    assert "s3cret" not in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_a_store_url_with_an_unknown_driver(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARAGUAS_STORE_URL", "mysql+nosuchdriver://u@h/db")

    result = cli("models")

    assert result.code == 1
    assert "'mysql+nosuchdriver://u@h/db'" in result.err and "Traceback" not in result.err


# the installed script --------------------------------------------------------------------------


def _script(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARAGUAS_")}
    env.update(PARAGUAS_ACTOR="tester", COLUMNS="250", NO_COLOR="1")
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_script_prints_one_line_and_exits_1_on_error(registered: Run, project: Path) -> None:
    result = _script("--project", project, "promote", "fraud", "7", "--reason", "x")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: Model 'fraud' has no version 7; its versions are 1 to 2. "
        "See: paraguas versions fraud\n"
    )


def test_the_script_shows_the_traceback_with_debug(registered: Run, project: Path) -> None:
    result = _script("--debug", "--project", project, "promote", "fraud", "7", "--reason", "x")

    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "paraguas.errors.VersionNotFoundError: Model 'fraud' has no version 7" in result.stderr
    assert result.stderr.rstrip().endswith("See: paraguas versions fraud")


def test_the_script_reports_a_usage_error_without_traceback(project: Path) -> None:
    result = _script("--project", project, "rollback", "fraud")

    assert result.returncode == 2
    assert "Missing option '--reason'" in result.stderr and "Traceback" not in result.stderr
