"""The app types a board can run.

Built-in types are listed in :data:`BUILTIN_APPS`; a package outside this repository
adds its own through the ``retroboard.apps`` entry point group (docs/apps.md has an
example). Adding a built-in one: its config model in
:mod:`retroboard_common.app_configs` (listed in :mod:`retroboard_common.app_catalog`),
a module here, its class in ``BUILTIN_APPS``.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any, Final

from retroboard_renderer.apps.base import App, AppContext
from retroboard_renderer.apps.clock import Clock
from retroboard_renderer.apps.countdown import Countdown
from retroboard_renderer.apps.custom import CustomApp
from retroboard_renderer.apps.image import ImageApp
from retroboard_renderer.apps.scroll_text import ScrollText
from retroboard_renderer.apps.stars import Stars
from retroboard_renderer.apps.weather import Weather
from retroboard_renderer.apps.web_image import WebImage

log = logging.getLogger(__name__)

AppClass = type[App[Any]]

ENTRY_POINT_GROUP: Final = "retroboard.apps"

BUILTIN_APPS: Final[dict[str, AppClass]] = {
    app.name: app
    for app in (Clock, ScrollText, Stars, Countdown, Weather, ImageApp, WebImage, CustomApp)
}
"""Every built-in app type by name, in the order the dashboard lists them."""

ORIGINAL_APPS: Final = ("clock", "scroll_text", "stars")
"""The instances every board has, each named after its type; they cannot be deleted."""


def discover_app_types() -> dict[str, AppClass]:
    """The built-in types plus every valid one installed under :data:`ENTRY_POINT_GROUP`.

    A broken plug-in is logged and left out: it must not keep the board dark.
    """
    types = dict(BUILTIN_APPS)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in types:
            log.warning("app type %r from %s is already defined; ignored", entry.name, entry.value)
            continue
        try:
            loaded = entry.load()
        except Exception:
            log.exception("cannot load app type %r from %s", entry.name, entry.value)
            continue
        if not (isinstance(loaded, type) and issubclass(loaded, App)) or loaded.name != entry.name:
            log.error("%s is not an App subclass named %r; ignored", entry.value, entry.name)
            continue
        types[entry.name] = loaded
    return types


__all__ = [
    "BUILTIN_APPS",
    "ORIGINAL_APPS",
    "App",
    "AppClass",
    "AppContext",
    "discover_app_types",
]
