"""Debian's Chromium driven by Playwright: one browser for the whole test session.

Loaded as a pytest plugin by ``tests/conftest.py``, so every package (the dashboard's
tests, the security tests) shares the one Playwright instance: the sync API refuses to
start a second one while the first is alive.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

CHROMIUM = Path(os.environ.get("RETROBOARD_CHROMIUM", "/usr/bin/chromium"))
# Debian's Chromium, headless; no downloads of Playwright's own browser builds.
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


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The session's Playwright (sync API)."""
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Chromium from Debian's package, shared by every browser test."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: scripts/setup installs Debian's chromium package")
    instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield instance
    instance.close()
