"""Browser page sizes and the type of the fixture that opens pages."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

PageFactory = Callable[..., Page]
"""Opens a page: ``open_page(viewport=DESKTOP, theme="dark")``."""
