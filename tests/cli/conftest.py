"""Fixtures for the ``paraguas`` command: a fresh project, saved model files, and a runner.

Commands run in-process through :func:`paraguas.cli.app.main` (what the installed script calls),
with their output captured; a few tests in ``test_app.py`` run the real script instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from paraguas.cli.app import main

from .runner import ModelFiles, Result, Run


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No PARAGUAS_* setting leaks in from the shell; a known actor; wide, colourless tables."""
    for name in list(os.environ):
        if name.startswith("PARAGUAS_") and not name.startswith("PARAGUAS_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PARAGUAS_ACTOR", "tester")
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``run("init", DIR)`` runs ``paraguas init DIR`` and returns its :class:`Result`."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main([str(arg) for arg in args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture
def project(run: Run, tmp_path: Path) -> Path:
    """A new project made by ``paraguas init`` (embedded SQLite store)."""
    folder = tmp_path / "proj"
    result = run("init", folder)
    assert result.code == 0, result.err
    return folder


@pytest.fixture
def cli(run: Run, project: Path) -> Run:
    """``cli("models")`` runs ``paraguas --project PROJECT models``."""
    return lambda *args: run("--project", project, *args)


@pytest.fixture
def model_files(fitted_model: Any, tmp_path: Path) -> ModelFiles:
    """The fitted pipeline saved with skops and with joblib, and files that are not models."""
    import joblib
    import skops.io as sio

    folder = tmp_path / "files"
    folder.mkdir()
    files = ModelFiles(
        skops=folder / "model.skops",
        joblib=folder / "model.joblib",
        not_a_model=folder / "settings.joblib",
        not_skops=folder / "broken.skops",
        text=folder / "model.txt",
    )
    sio.dump(fitted_model, files.skops)
    joblib.dump(fitted_model, files.joblib)
    joblib.dump({"C": 1.0}, files.not_a_model)
    files.not_skops.write_bytes(b"these bytes are no zip archive")
    files.text.write_text("a model, honestly", encoding="utf-8")
    return files


@pytest.fixture
def registered(cli: Run, model_files: ModelFiles) -> Run:
    """A project where ``fraud`` has version 1 (skops) and version 2 (joblib), no champion."""
    for path, auc in ((model_files.skops, "0.81"), (model_files.joblib, "0.84")):
        result = cli("register", "fraud", path, "--metric", f"auc={auc}", "--reason", "trained")
        assert result.code == 0, result.err
    return cli
