"""The board: apps, configs, brightness and carousel, and the rules that change them.

Core logic only: it knows nothing of MQTT. Every change is validated first, so a
refused command changes nothing; then it is applied, shown, saved and announced to the
change listeners with the names of the state payloads it changed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from retroboard_common.app_configs import AppConfig
from retroboard_common.commands import CommandError, validation_details
from retroboard_common.models import (
    AppInfo,
    AppsListState,
    CarouselEntry,
    CarouselState,
    CurrentAppState,
    ErrorDetail,
    RealtimeState,
    SettingsState,
)
from retroboard_common.topics import StateName
from retroboard_renderer.apps import APPS, App, AppClass
from retroboard_renderer.carousel import Carousel
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.state import SavedState
from retroboard_renderer.store import StateStore
from retroboard_renderer.stream import RealtimeSession

log = logging.getLogger(__name__)

ChangeListener = Callable[[set[StateName]], None]


class Board:
    """Owns the board's state and keeps the display in step with it."""

    def __init__(
        self,
        engine: RenderEngine,
        store: StateStore,
        *,
        apps: dict[str, AppClass] = APPS,
        clock: Callable[[], float] = time.monotonic,
        realtime_timeout: float = 2.5,
    ) -> None:
        self.engine = engine
        self.realtime = RealtimeSession(engine, timeout=realtime_timeout, clock=clock)
        self.realtime.on_change(self._realtime_changed)
        self.store = store
        self.apps = apps
        self._clock = clock
        self._lock = threading.RLock()
        self._listeners: list[ChangeListener] = []
        self._configs: dict[str, AppConfig] = {
            name: cls.config_model() for name, cls in apps.items()
        }
        self._current: str | None = None
        self._brightness = SavedState().brightness
        self.carousel = Carousel()
        engine.add_ticker(self.tick)

    def on_change(self, listener: ChangeListener) -> None:
        """Call ``listener(names)`` after every change, with the changed state names."""
        self._listeners.append(listener)

    # --- start-up -------------------------------------------------------------------

    def restore(self, saved: SavedState | None, initial_app: str | None = None) -> None:
        """Take over saved state; the app shown is the saved one, else ``initial_app``,
        else the first app."""
        with self._lock:
            if saved:
                for name, values in saved.configs.items():
                    if name not in self.apps:
                        log.warning("dropping the saved config of unknown app %r", name)
                        continue
                    try:
                        self._configs[name] = self._validate_config(name, {}, values)
                    except CommandError as exc:
                        log.warning("saved config of %r is invalid (%s); using defaults", name, exc)
                self._brightness = saved.brightness
                self.realtime.set_enabled(saved.realtime)
                entries = [e for e in saved.carousel.apps if e.app in self.apps]
                self.carousel = Carousel.from_state(
                    saved.carousel.model_copy(update={"apps": entries})
                )
            candidates = [saved.current_app if saved else None, initial_app, next(iter(self.apps))]
            current = next((name for name in candidates if name in self.apps), None)
            if self.carousel.running and self.carousel.current:
                current = self.carousel.current.app
                self.carousel.begin(self._clock())
            self.engine.set_brightness(self._brightness)
            self._show(current)
            self._save()

    # --- commands -------------------------------------------------------------------

    def switch(self, app: str, config: dict[str, Any] | None = None) -> set[StateName]:
        """Show ``app`` (merging ``config`` into its saved config first).

        A manual switch stops a running carousel: the person chose what to see.
        """
        with self._lock:
            self._require_app(app)
            merged = self._validate_config(app, self._configs[app].model_dump(), config or {})
            changed: set[StateName] = {"current_app", "apps_list"}
            self._configs[app] = merged
            if self.carousel.enabled:
                self.carousel.enabled = False
                changed.add("carousel_config")
            self._show(app)
            return self._changed(changed)

    def stop(self) -> set[StateName]:
        """Blank the display; also stops a running carousel."""
        with self._lock:
            changed: set[StateName] = {"current_app", "apps_list"}
            if self.carousel.enabled:
                self.carousel.enabled = False
                changed.add("carousel_config")
            self._show(None)
            return self._changed(changed)

    def configure(self, app: str | None, config: dict[str, Any]) -> set[StateName]:
        """Merge ``config`` into an app's config (the current app when ``app`` is None),
        applying it live if that app is showing.

        Without ``app``, fields that are another app's config, not the showing one's,
        are a ``conflict``: the command is fine, which app shows decides.
        """
        with self._lock:
            name = app or self._current
            if name is None:
                raise CommandError("conflict", "no app is running; name the app to configure")
            self._require_app(name)
            try:
                merged = self._validate_config(name, self._configs[name].model_dump(), config)
            except CommandError as refused:
                if app is None and self._fits_another_app(name, config):
                    refused.code = "conflict"
                raise
            self._configs[name] = merged
            if name == self._current:
                self.engine.configure_app(merged)
            changed: set[StateName] = {"apps_list"}
            if name == self._current:
                changed.add("current_app")
            return self._changed(changed)

    def set_brightness(self, brightness: int) -> set[StateName]:
        """Set the panel brightness, 0–100."""
        with self._lock:
            self._brightness = brightness
            self.engine.set_brightness(brightness)
            return self._changed({"settings"})

    def set_realtime(self, enabled: bool) -> set[StateName]:
        """Allow pixel streams to take the panel, or drop them (ending the one shown)."""
        with self._lock:
            if enabled and not self.realtime.listening:
                raise CommandError(
                    "conflict",
                    "this renderer does not listen for pixel streams (RETROBOARD_REALTIME=false)",
                )
            self.realtime.set_enabled(enabled)
            return self._changed({"realtime"})

    def set_carousel(
        self, enabled: bool | None, entries: list[CarouselEntry] | None
    ) -> set[StateName]:
        """Change the carousel; enabling it shows its first app at once.

        ``enabled: false`` stops rotating and keeps the app showing.
        """
        with self._lock:
            new_entries = self.carousel.entries if entries is None else entries
            for position, entry in enumerate(new_entries):
                if entry.app not in self.apps:
                    raise CommandError(
                        "unknown_app",
                        f"unknown app {entry.app!r} in the carousel",
                        [ErrorDetail(loc=["apps", position, "app"], msg="unknown app")],
                    )
            will_enable = self.carousel.enabled if enabled is None else enabled
            if will_enable and not new_entries:
                raise CommandError(
                    "conflict",
                    "the carousel needs at least one app to be enabled",
                    [ErrorDetail(loc=["apps"], msg="at least one app is needed")],
                )
            changed: set[StateName] = {"carousel_config"}
            starting = will_enable and (not self.carousel.enabled or entries is not None)
            self.carousel.entries = list(new_entries)
            self.carousel.enabled = will_enable
            if starting:
                self.carousel.index = 0
                self._show_carousel_entry(self.carousel.begin(self._clock()), changed)
            elif self.carousel.index >= len(new_entries):
                self.carousel.index = 0
            return self._changed(changed)

    def next(self) -> set[StateName]:
        """Skip the running carousel to its next app."""
        with self._lock:
            if not self.carousel.running:
                raise CommandError("conflict", "the carousel is not running")
            changed: set[StateName] = {"carousel_config"}
            self._show_carousel_entry(self.carousel.advance(self._clock()), changed)
            return self._changed(changed)

    def tick(self, now: float) -> float | None:
        """Advance the carousel when its time is up (called by the render loop)."""
        with self._lock:
            due = self.carousel.due_at()
            if due is not None and now >= due:
                changed: set[StateName] = {"carousel_config"}
                self._show_carousel_entry(self.carousel.advance(now), changed)
                self._changed(changed)
                due = self.carousel.due_at()
            return due

    # --- published state -------------------------------------------------------------

    @property
    def current_app(self) -> str | None:
        """The app showing now (``None`` when stopped)."""
        return self._current

    def config_of(self, app: str) -> AppConfig:
        """An app's saved config."""
        return self._configs[app]

    def payload(
        self, name: StateName
    ) -> AppsListState | CurrentAppState | SettingsState | CarouselState | RealtimeState:
        """The state payload published as ``state/<name>``."""
        if name == "realtime":
            return self.realtime.state()  # changes on the receiver's thread: its own lock
        with self._lock:
            if name == "apps_list":
                return self.apps_list()
            if name == "current_app":
                config = self._configs[self._current].model_dump() if self._current else {}
                return CurrentAppState(app=self._current, config=config)
            if name == "settings":
                return SettingsState(brightness=self._brightness)
            return self.carousel.to_state()

    def apps_list(self) -> AppsListState:
        """The ``apps_list`` payload, with each app's description, schema and config."""
        catalog = {
            name: AppInfo(
                description=cls.description,
                config_schema=cls.config_schema(),
                config=self._configs[name].model_dump(),
            )
            for name, cls in self.apps.items()
        }
        return AppsListState(apps=list(self.apps), current=self._current, catalog=catalog)

    def saved_state(self) -> SavedState:
        """What is persisted."""
        return SavedState(
            current_app=self._current,
            configs={name: config.model_dump() for name, config in self._configs.items()},
            brightness=self._brightness,
            realtime=self.realtime.enabled,
            carousel=self.carousel.to_state(),
        )

    # --- internals -------------------------------------------------------------------

    def _require_app(self, app: str) -> None:
        if app not in self.apps:
            raise CommandError(
                "unknown_app",
                f"unknown app {app!r}; choose one of {', '.join(self.apps)}",
                [ErrorDetail(loc=["app"], msg="unknown app")],
            )

    def _fits_another_app(self, app: str, config: dict[str, Any]) -> bool:
        for other, cls in self.apps.items():
            if other == app:
                continue
            try:
                cls.config_model.model_validate(config)
            except ValidationError:
                continue
            return True
        return False

    def _validate_config(self, app: str, base: dict[str, Any], update: dict[str, Any]) -> AppConfig:
        try:
            return self.apps[app].config_model.model_validate({**base, **update})
        except ValidationError as exc:
            details = validation_details(exc, ["config"])
            first = details[0]
            where = ".".join(str(part) for part in first.loc[1:])
            raise CommandError(
                "invalid", f"invalid config for {app}: {where}: {first.msg}", details
            ) from None

    def _show_carousel_entry(self, entry: CarouselEntry | None, changed: set[StateName]) -> None:
        if entry is not None and entry.app != self._current:
            self._show(entry.app)
            changed.update(("current_app", "apps_list"))

    def _show(self, app: str | None) -> None:
        self._current = app
        instance: App[Any] | None = None
        if app is not None:
            instance = self.apps[app](
                self._configs[app], self.engine.driver.width, self.engine.driver.height
            )
        self.engine.show_app(instance)

    def _changed(self, names: set[StateName]) -> set[StateName]:
        self._save()
        return self._notify(names)

    def _realtime_changed(self) -> None:
        # A stream started, ended or its rate moved: published, nothing to save.
        self._notify({"realtime"})

    def _notify(self, names: set[StateName]) -> set[StateName]:
        for listener in self._listeners:
            try:
                listener(names)
            except Exception:
                log.exception("change listener failed")
        return names

    def _save(self) -> None:
        self.store.save(self.saved_state())
