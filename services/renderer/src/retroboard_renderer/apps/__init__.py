"""The apps a board can show. Adding one: its config model in
:mod:`retroboard_common.app_configs`, a module here, its class in ``APPS``."""

from __future__ import annotations

from typing import Any

from retroboard_renderer.apps.base import App
from retroboard_renderer.apps.clock import Clock
from retroboard_renderer.apps.scroll_text import ScrollText
from retroboard_renderer.apps.stars import Stars

AppClass = type[App[Any]]

APPS: dict[str, AppClass] = {app.name: app for app in (Clock, ScrollText, Stars)}
"""Every app by name, in the order the dashboard lists them."""

__all__ = ["APPS", "App", "AppClass"]
