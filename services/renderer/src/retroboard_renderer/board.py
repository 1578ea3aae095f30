"""The board: app instances, configs, brightness, carousel and image library, and the
rules that change them.

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
    AppsListState,
    AppTypeInfo,
    AppTypesState,
    AssetInfo,
    AssetsState,
    CarouselEntry,
    CurrentAppState,
    ErrorDetail,
    InstanceInfo,
    Payload,
    SettingsState,
)
from retroboard_common.topics import StateName
from retroboard_renderer.apps import BUILTIN_APPS, ORIGINAL_APPS, App, AppClass, AppContext
from retroboard_renderer.assets import AssetLibrary
from retroboard_renderer.carousel import Carousel
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.state import SavedState
from retroboard_renderer.store import StateStore
from retroboard_renderer.stream import RealtimeSession
from retroboard_renderer.updater import Updater

log = logging.getLogger(__name__)

ChangeListener = Callable[[set[StateName]], None]

MAX_INSTANCES = 100
"""App instances a board may have (each keeps a frame and its data in memory)."""


class Board:
    """Owns the board's state and keeps the display in step with it."""

    def __init__(
        self,
        engine: RenderEngine,
        store: StateStore,
        *,
        apps: dict[str, AppClass] = BUILTIN_APPS,
        assets: AssetLibrary | None = None,
        context: AppContext | None = None,
        updater: Updater | None = None,
        clock: Callable[[], float] = time.monotonic,
        realtime_timeout: float = 2.5,
    ) -> None:
        self.engine = engine
        self.realtime = RealtimeSession(engine, timeout=realtime_timeout, clock=clock)
        self.realtime.on_change(self._realtime_changed)
        self.store = store
        self.types = apps
        """Every app type by name."""
        self.assets = assets
        self._context = context or AppContext(assets=assets)
        self.updater = updater or Updater(self._update_status_changed, clock=clock)
        self._clock = clock
        self._lock = threading.RLock()
        self._listeners: list[ChangeListener] = []
        self._instances: dict[str, App[Any]] = {}
        self._type_of: dict[str, str] = {}
        self._dormant: dict[str, tuple[str, dict[str, Any]]] = {}
        """Saved instances whose type is not installed now: kept and saved, not shown."""
        self._app_types = AppTypesState(
            types={
                name: AppTypeInfo(description=cls.description, config_schema=cls.config_schema())
                for name, cls in apps.items()
            }
        )
        for name in ORIGINAL_APPS:
            if name in apps:
                self._add_instance(name, name, apps[name].config_model())
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
                for instance_id, values in saved.configs.items():
                    self._restore_instance(
                        instance_id, saved.types.get(instance_id, instance_id), values
                    )
                self._brightness = saved.brightness
                self.realtime.set_enabled(saved.realtime)
                entries = [e for e in saved.carousel.apps if e.app in self._instances]
                self.carousel = Carousel.from_state(
                    saved.carousel.model_copy(update={"apps": entries})
                )
            candidates = [
                saved.current_app if saved else None,
                initial_app,
                next(iter(self._instances), None),
            ]
            current = next((name for name in candidates if name in self._instances), None)
            if self.carousel.running and self.carousel.current:
                current = self.carousel.current.app
                self.carousel.begin(self._clock())
            self.engine.set_brightness(self._brightness)
            self._show(current)
            self._save()

    def _restore_instance(self, instance_id: str, type_name: str, values: dict[str, Any]) -> None:
        if type_name not in self.types:
            log.warning(
                "app %r is of type %r, which is not installed; kept, not shown",
                instance_id,
                type_name,
            )
            self._dormant[instance_id] = (type_name, values)
            return
        try:
            config = self._validate_config(type_name, {}, values)
        except CommandError as exc:
            log.warning("saved config of %r is invalid (%s); using defaults", instance_id, exc)
            config = self.types[type_name].config_model()
        if instance_id in self._instances:
            self._instances[instance_id].configure(config)
        else:
            self._add_instance(instance_id, type_name, config)

    # --- commands -------------------------------------------------------------------

    def switch(self, app: str, config: dict[str, Any] | None = None) -> set[StateName]:
        """Show ``app`` (merging ``config`` into its saved config first).

        A manual switch stops a running carousel: the person chose what to see.
        """
        with self._lock:
            self._require_app(app)
            changed: set[StateName] = {"current_app", "apps_list"}
            if config:
                self._reconfigure(app, self._merged_config(app, config))
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
                merged = self._merged_config(name, config)
            except CommandError as refused:
                if app is None and self._fits_another_app(name, config):
                    refused.code = "conflict"
                raise
            self._reconfigure(name, merged)
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
                if entry.app not in self._instances:
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

    def create_app(
        self, instance_id: str, type_name: str, config: dict[str, Any] | None
    ) -> set[StateName]:
        """Add instance ``instance_id`` of ``type_name``; ``config`` over the type's
        defaults. It is not shown until switched to or put in the carousel."""
        with self._lock:
            if instance_id in self._instances or instance_id in self._dormant:
                raise CommandError(
                    "exists",
                    f"an app {instance_id!r} exists already",
                    [ErrorDetail(loc=["id"], msg="already exists")],
                )
            if type_name not in self.types:
                raise CommandError(
                    "unknown_type",
                    f"unknown app type {type_name!r}; choose one of {', '.join(self.types)}",
                    [ErrorDetail(loc=["type"], msg="unknown app type")],
                )
            if instance_id in self.types and instance_id != type_name:
                # /api/apps/<type>/config is documented with that type's schema.
                raise CommandError(
                    "conflict",
                    f"{instance_id!r} is the name of an app type; only an instance of it "
                    "may be called so",
                    [ErrorDetail(loc=["id"], msg="the name of another app type")],
                )
            if len(self._instances) + len(self._dormant) >= MAX_INSTANCES:
                raise CommandError(
                    "conflict", f"a board holds at most {MAX_INSTANCES} apps; delete one first"
                )
            merged = self._validate_config(type_name, {}, config or {})
            self._add_instance(instance_id, type_name, merged)
            return self._changed({"apps_list"})

    def delete_app(self, instance_id: str) -> set[StateName]:
        """Remove an instance: off the panel if it shows (the carousel moves on) and out
        of the carousel."""
        with self._lock:
            if instance_id in ORIGINAL_APPS:
                raise CommandError(
                    "conflict",
                    f"{instance_id!r} is one of the original apps and cannot be deleted",
                    [ErrorDetail(loc=["id"], msg="original app")],
                )
            if self._dormant.pop(instance_id, None) is not None:
                return self._changed({"apps_list"})
            self._require_app(instance_id)
            changed: set[StateName] = {"apps_list"}
            if any(entry.app == instance_id for entry in self.carousel.entries):
                changed.add("carousel_config")
                self._drop_from_carousel(instance_id, changed)
            if self._current == instance_id:
                self._show(None)
                changed.add("current_app")
            self.updater.forget(instance_id)
            del self._instances[instance_id]
            del self._type_of[instance_id]
            return self._changed(changed)

    def put_asset(self, name: str, data: bytes) -> AssetInfo:
        """Store an image in the library (replacing one of the same name); the
        instances showing it decode the new picture at once, off the render thread."""
        library = self._require_library()
        info = library.put(name, data)
        with self._lock:
            for instance_id, app in self._instances.items():
                if app.uses_asset(app.config, name):
                    self.updater.refresh(instance_id)
        self.engine.wake()
        self._notify({"assets"})
        return info

    def delete_asset(self, name: str) -> set[StateName]:
        """Remove an image from the library, unless an instance shows it."""
        library = self._require_library()
        with self._lock:
            users = [
                instance_id
                for instance_id, app in self._instances.items()
                if app.uses_asset(app.config, name)
            ]
            if users:
                raise CommandError(
                    "conflict",
                    f"image {name!r} is used by {', '.join(users)}; change or delete them first",
                    [ErrorDetail(loc=["name"], msg=f"used by {', '.join(users)}")],
                )
            library.delete(name)
        return self._notify({"assets"})

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
        """An instance's config."""
        config: AppConfig = self._instances[app].config
        return config

    def payload(self, name: StateName) -> Payload:
        """The state payload published as ``state/<name>``."""
        if name == "realtime":
            return self.realtime.state()  # changes on the receiver's thread: its own lock
        if name == "app_types":
            return self._app_types
        if name == "assets":
            return self.assets.state() if self.assets else AssetsState(assets=[], bytes=0, limit=0)
        with self._lock:
            if name == "apps_list":
                return self.apps_list()
            if name == "current_app":
                config = self.config_of(self._current).model_dump() if self._current else {}
                return CurrentAppState(app=self._current, config=config)
            if name == "settings":
                return SettingsState(brightness=self._brightness)
            return self.carousel.to_state()

    def apps_list(self) -> AppsListState:
        """The ``apps_list`` payload: each instance's type, config and fetch status."""
        instances: dict[str, InstanceInfo] = {}
        for instance_id, app in self._instances.items():
            status = self.updater.status(instance_id)
            instances[instance_id] = InstanceInfo(
                type=self._type_of[instance_id],
                config=app.config.model_dump(),
                stale=status.stale,
                error=status.error,
            )
        return AppsListState(apps=list(self._instances), current=self._current, instances=instances)

    def saved_state(self) -> SavedState:
        """What is persisted."""
        configs = {name: app.config.model_dump() for name, app in self._instances.items()}
        types = dict(self._type_of)
        for instance_id, (type_name, values) in self._dormant.items():
            configs[instance_id] = values
            types[instance_id] = type_name
        return SavedState(
            current_app=self._current,
            configs=configs,
            types=types,
            brightness=self._brightness,
            realtime=self.realtime.enabled,
            carousel=self.carousel.to_state(),
        )

    # --- internals -------------------------------------------------------------------

    def _require_app(self, app: str) -> None:
        if app not in self._instances:
            raise CommandError(
                "unknown_app",
                f"unknown app {app!r}; choose one of {', '.join(self._instances)}",
                [ErrorDetail(loc=["app"], msg="unknown app")],
            )

    def _require_library(self) -> AssetLibrary:
        if self.assets is None:
            raise CommandError("conflict", "this board has no image library")
        return self.assets

    def _add_instance(self, instance_id: str, type_name: str, config: AppConfig) -> None:
        driver = self.engine.driver
        app = self.types[type_name](config, driver.width, driver.height, self._context)
        self._instances[instance_id] = app
        self._type_of[instance_id] = type_name
        self.updater.track(instance_id, app)

    def _merged_config(self, instance_id: str, update: dict[str, Any]) -> AppConfig:
        base = self._instances[instance_id].config.model_dump()
        return self._validate_config(self._type_of[instance_id], base, update)

    def _reconfigure(self, instance_id: str, config: AppConfig) -> None:
        if instance_id == self._current:
            self.engine.configure_app(config)  # between two frames
        else:
            self._instances[instance_id].configure(config)
        self.updater.refresh(instance_id)

    def _drop_from_carousel(self, instance_id: str, changed: set[StateName]) -> None:
        carousel = self.carousel
        showing = carousel.current
        kept = [entry for entry in carousel.entries if entry.app != instance_id]
        position = carousel.index
        removed_before = sum(1 for e in carousel.entries[:position] if e.app == instance_id)
        carousel.entries = kept
        if not kept:
            carousel.enabled = False
            carousel.index = 0
            return
        if showing is not None and showing.app == instance_id:
            # The one on show goes: the entry after it takes its place, with a full turn.
            carousel.index = (position - removed_before) % len(kept)
            self._show_carousel_entry(carousel.begin(self._clock()), changed)
        else:
            carousel.index = (position - removed_before) % len(kept)

    def _fits_another_app(self, app: str, config: dict[str, Any]) -> bool:
        for other, cls in self.types.items():
            if other == self._type_of[app]:
                continue
            try:
                cls.config_model.model_validate(config)
            except ValidationError:
                continue
            return True
        return False

    def _validate_config(
        self, type_name: str, base: dict[str, Any], update: dict[str, Any]
    ) -> AppConfig:
        try:
            return self.types[type_name].config_model.model_validate({**base, **update})
        except ValidationError as exc:
            details = validation_details(exc, ["config"])
            first = details[0]
            where = ".".join(str(part) for part in first.loc[1:])
            raise CommandError(
                "invalid", f"invalid config for {type_name}: {where}: {first.msg}", details
            ) from None

    def _show_carousel_entry(self, entry: CarouselEntry | None, changed: set[StateName]) -> None:
        if entry is not None and entry.app != self._current:
            self._show(entry.app)
            changed.update(("current_app", "apps_list"))

    def _show(self, app: str | None) -> None:
        self._current = app
        self.engine.show_app(self._instances[app] if app is not None else None)

    def _changed(self, names: set[StateName]) -> set[StateName]:
        self._save()
        return self._notify(names)

    def _update_status_changed(self, instance_id: str) -> None:
        # A fetch failed or recovered: published (the error is state), nothing to save.
        if instance_id == self._current:
            self.engine.wake()  # draw or clear the stale mark now
        self._notify({"apps_list"})

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
