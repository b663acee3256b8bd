"""A real headless browser for the tests that look at pages: Debian's Chromium, driven by Playwright.

The browser is ``/usr/bin/chromium`` (``make test`` installs it with apt-get when it can;
override the path with PARAGUAS_TEST_CHROMIUM). Playwright's own browser download is never
used. Elsewhere these tests skip when the browser is missing; with ``CI=true`` they fail
loudly instead, like the PostgreSQL tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: Headless, and quiet: no first-run page, no update or sync traffic, nothing the page did not ask for.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " CI=true makes the browser tests mandatory.")
    pytest.skip(message + " These tests are mandatory when CI=true.")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Chromium, launched once for the session (skip or, under CI=true, fail if it cannot be)."""
    path = os.environ.get("PARAGUAS_TEST_CHROMIUM", DEFAULT_CHROMIUM)
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable(
            "The Python package playwright is not installed. Run: make test "
            "(or .venv/bin/pip install -e '.[dev]')."
        )
    if not Path(path).is_file():
        _unavailable(
            f"Chromium is not installed at {path}. Install it with: apt-get install -y chromium "
            "(make test does so when run as root), or point PARAGUAS_TEST_CHROMIUM at a Chromium."
        )
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        except Error as exc:
            _unavailable(f"Chromium at {path} did not start: {exc.message.splitlines()[0]}.")
        yield launched
        launched.close()
