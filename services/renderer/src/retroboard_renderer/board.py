"""The board: app instances, configs, brightness and power, carousel, image library,
custom apps and notifications, and the rules that change them.

Core logic only: it knows nothing of MQTT. Every change is validated first, so a
refused command changes nothing; then it is applied, shown, saved and announced to the
change listeners with the names of the state payloads it changed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from retroboard_common.app_configs import AppConfig
from retroboard_common.commands import CommandError, validation_details
from retroboard_common.custom_apps import (
    CUSTOM_TYPE,
    DEFAULT_APP_DURATION,
    NotificationConfig,
    parse_custom,
    parse_notification,
)
from retroboard_common.models import (
    MAX_CAROUSEL_APPS,
    MAX_DURATION,
    MIN_DURATION,
    NO_TRANSITION,
    OFF,
    AppsListState,
    AppTypeInfo,
    AppTypesState,
    AssetInfo,
    AssetsState,
    CarouselEntry,
    CurrentAppState,
    ErrorDetail,
    InstanceInfo,
    NightBody,
    Payload,
    PushOrigin,
    SettingsBody,
    SettingsState,
    Transition,
)
from retroboard_common.topics import StateName
from retroboard_renderer.apps import BUILTIN_APPS, ORIGINAL_APPS, App, AppClass, AppContext
from retroboard_renderer.apps.custom import CustomApp
from retroboard_renderer.assets import AssetLibrary
from retroboard_renderer.carousel import Carousel
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.localtime import LocalClock, system_timezone
from retroboard_renderer.night import NightMode, uses_sun
from retroboard_renderer.notifications import (
    MAX_QUEUED,
    Notification,
    NotificationQueue,
    QueueFull,
)
from retroboard_renderer.pushes import (
    ICON_PREFIX,
    EmbeddedIcon,
    ParsedPush,
    array_member,
    custom_app_id,
    is_empty,
    parse_push,
)
from retroboard_renderer.schedule import eligible
from retroboard_renderer.state import CustomPush, SavedState
from retroboard_renderer.store import StateStore
from retroboard_renderer.stream import RealtimeSession
from retroboard_renderer.updater import Updater

log = logging.getLogger(__name__)

ChangeListener = Callable[[set[StateName]], None]

MAX_INSTANCES = 128
"""App instances a board may have (each keeps a frame and its data in memory): room for
100 pushed custom apps beside the apps a user adds."""
PUBLISHED_CONFIG_BYTES = 4096
"""Past this, a custom app's ``draw`` commands are left out of ``apps_list`` (128 apps
with 1,024 commands each would not fit one MQTT message); the app keeps them."""
Pushed = tuple[set[StateName], list[str]]
"""What a push changed, and the keys of it that were ignored."""


def _refuse_reserved(instance_id: str, field: str) -> None:
    """Refuse an instance named ``off``: as a fallback or night app it means none."""
    if instance_id == OFF:
        raise CommandError(
            "conflict",
            f"{OFF!r} means no app (a carousel fallback, night mode); choose another {field}",
            [ErrorDetail(loc=[field], msg="reserved")],
        )


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
        local_clock: LocalClock | None = None,
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
        self.local = local_clock or LocalClock(system_timezone(), self._context.wall_clock)
        """Local wall time, for schedules and night mode."""
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
        self._power = True
        self._transition = NO_TRANSITION
        self._location: tuple[float, float] | None = None
        self.night = NightMode(self.local, lambda: self._location)
        self._night_seen: tuple[bool, bool] = (False, False)
        """Night mode as last applied to the panel: (on, switched by hand)."""
        self._night_check: float | None = None
        """The monotonic time night mode must be looked at again."""
        self._panel_brightness: int | None = None
        self._fallback_check: float | None = None
        """While the carousel is on its fallback: when to look at the windows again."""
        self.carousel = Carousel()
        self.notifications = NotificationQueue()
        self._pushes: dict[str, CustomPush] = {}
        self._expired: set[str] = set()
        """Custom apps whose lifetime ran out with ``lifetimeMode`` 1: marked stale."""
        self._lifetimes_known = False
        """Whether :attr:`_next_expiry` still holds: any saved change may move it."""
        self._next_expiry: float | None = None
        """The wall time the next custom app's lifetime runs out (``None``: none will)."""
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
                self._power = saved.power
                self._transition = saved.transition
                if saved.latitude is not None and saved.longitude is not None:
                    self._location = (saved.latitude, saved.longitude)
                self.night.settings = saved.night.model_copy()
                if saved.night.app not in (None, OFF, *self._instances):
                    self.night.settings.app = None
                self._pushes = {
                    key: push for key, push in saved.pushes.items() if key in self._instances
                }
                self.realtime.set_enabled(saved.realtime)
                entries = [e for e in saved.carousel.apps if e.app in self._instances]
                fallback = saved.carousel.fallback
                self.carousel = Carousel.from_state(
                    saved.carousel.model_copy(
                        update={
                            "apps": entries,
                            "fallback": fallback if fallback in self._instances else OFF,
                        }
                    )
                )
            candidates = [
                saved.current_app if saved else None,
                initial_app,
                next(iter(self._instances), None),
            ]
            current = next((name for name in candidates if name in self._instances), None)
            if self.carousel.running:
                now = self._clock()
                entry = self.carousel.seek(now, self.carousel.index, 1, self._eligible)
                current = entry.app if entry else self._fallback_app()
            self._sync_night(self._clock(), NO_TRANSITION)
            self._show(current, NO_TRANSITION)
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
        """Set the panel brightness, 0–100 (at night, night mode's brightness shows)."""
        return self.update_settings(SettingsBody(brightness=brightness))

    def set_power(self, power: bool) -> set[StateName]:
        """Turn the panel on or off: off, it is dark and apps (and the carousel) pause;
        on again, everything carries on where it was."""
        return self.update_settings(SettingsBody(power=power))

    def update_settings(self, body: SettingsBody) -> set[StateName]:
        """Change any subset of the settings, all or nothing. ``latitude`` and
        ``longitude`` go together (``null``: forget them), and night mode by the sun
        needs them."""
        with self._lock:
            location = self._location
            if body.model_fields_set & {"latitude", "longitude"}:
                location = self._new_location(body)
            self._brightness = self._brightness if body.brightness is None else body.brightness
            self._power = self._power if body.power is None else body.power
            self._transition = body.transition or self._transition
            self._location = location
            now = self._clock()
            changed = self._sync_night(now)  # the sun's times move with the location
            # Power is no change of what is shown: no transition into the dark.
            self._sync_panel(now, NO_TRANSITION)
            return self._changed(changed | {"settings"})

    def _new_location(self, body: SettingsBody) -> tuple[float, float] | None:
        fields = body.model_fields_set
        latitude = body.latitude if "latitude" in fields else None
        longitude = body.longitude if "longitude" in fields else None
        if latitude is None and longitude is None:
            if self.night.settings.enabled and self._night_follows_sun():
                raise CommandError(
                    "conflict",
                    "night mode follows the sun, which needs latitude and longitude",
                    [ErrorDetail(loc=["latitude"], msg="needed by night mode")],
                )
            return None
        if latitude is None or longitude is None:
            # A rule between two fields, which the schema cannot say: like the other
            # such rules, a conflict.
            missing = "longitude" if latitude is not None else "latitude"
            raise CommandError(
                "conflict",
                "latitude and longitude go together",
                [ErrorDetail(loc=[missing], msg="needed with the other")],
            )
        return latitude, longitude

    def set_night(self, body: NightBody) -> set[StateName]:
        """Change night mode (any subset of its fields; ``app: null`` shows what
        shows); ``active`` switches it by hand until the window's next edge."""
        with self._lock:
            fields = body.model_fields_set
            settings = self.night.settings
            update: dict[str, Any] = {
                name: getattr(body, name)
                for name in ("enabled", "from_", "until", "brightness")
                if getattr(body, name) is not None
            }
            if "app" in fields:
                if body.app not in (None, OFF):
                    self._require_app(body.app, "app")
                update["app"] = body.app
            new = settings.model_copy(update=update)
            for edge in ("from_", "until"):
                if uses_sun(getattr(new, edge)) and self._location is None:
                    raise CommandError(
                        "conflict",
                        "a window by the sun needs latitude and longitude in the settings",
                        [ErrorDetail(loc=[edge.rstrip("_")], msg="needs latitude and longitude")],
                    )
            if new.from_ == new.until:
                raise CommandError(
                    "conflict",
                    "the night window needs until to differ from from",
                    [ErrorDetail(loc=["until"], msg="the same as from")],
                )
            window = (new.enabled, new.from_, new.until)
            if window != (settings.enabled, settings.from_, settings.until):
                new.manual = new.manual_until = None  # a new window decides afresh
            self.night.settings = new
            if body.active is not None:
                self.night.switch(body.active, self.local.wall())
            return self._changed(self._sync_night(self._clock()) | {"night"})

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
        self,
        enabled: bool | None,
        entries: list[CarouselEntry] | None,
        fallback: str | None = None,
    ) -> set[StateName]:
        """Change the carousel; enabling it shows its first app that may show now (by
        its days and window) at once, else the ``fallback`` (an instance, or ``off``).

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
            if fallback not in (None, OFF):
                self._require_app(fallback, "fallback")
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
            if fallback is not None:
                self.carousel.fallback = fallback
            if starting:
                self.carousel.on_fallback = False
                first = self.carousel.seek(self._clock(), 0, 1, self._eligible)
                self._show_carousel_entry(first, changed)
            elif self.carousel.index >= len(new_entries):
                self.carousel.index = 0
            if not will_enable:
                self.carousel.on_fallback = False
            elif self.carousel.on_fallback and fallback is not None:
                self._show_carousel_entry(None, changed)  # the new fallback shows
            return self._changed(changed)

    def next(self) -> set[StateName]:
        """Skip the running carousel to its next app."""
        with self._lock:
            if not self.carousel.running:
                raise CommandError("conflict", "the carousel is not running")
            changed: set[StateName] = {"carousel_config"}
            entry = self.carousel.advance(self._clock(), 1, self._eligible)
            self._show_carousel_entry(entry, changed)
            return self._changed(changed)

    def step_app(self, step: int) -> set[StateName]:
        """Show the next (``1``) or previous (``-1``) app: the carousel's, when it runs
        (it keeps running), else the apps list's, wrapping around."""
        with self._lock:
            changed: set[StateName] = {"current_app", "apps_list"}
            if self.carousel.running:
                changed.add("carousel_config")
                entry = self.carousel.advance(self._clock(), step, self._eligible)
                self._show_carousel_entry(entry, changed)
                return self._changed(changed)
            apps = list(self._instances)
            if not apps:
                raise CommandError("conflict", "the board has no apps")
            if self._current in apps:
                position = apps.index(self._current) + step
            else:
                position = 0 if step > 0 else -1
            self._show(apps[position % len(apps)])
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
            _refuse_reserved(instance_id, "id")
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
            self._remove_instance(instance_id, changed)
            return self._changed(changed)

    # --- custom apps and notifications (AWTRIX 3) -------------------------------------

    def push_custom(self, name: str, payload: object, origin: PushOrigin) -> Pushed:
        """Create or replace custom app ``name`` from AWTRIX 3's JSON (an array of N
        makes ``<name>0`` … ``<name>N-1``); an empty payload deletes it and its array.

        A new one joins a running carousel at the end, for its ``duration``.
        """
        base = custom_app_id(name)
        if is_empty(payload):
            return self._delete_custom(base), []
        array = isinstance(payload, list)
        items = payload if isinstance(payload, list) else [payload]
        ids = [f"{base}{index}" for index in range(len(items))] if array else [base]
        parsed = [
            parse_push(parse_custom, item, [index] if array else [])
            for index, item in enumerate(items)
        ]
        with self._lock:
            self._check_custom_ids(ids)
        changed: set[StateName] = {"apps_list"}
        self._store_icons([push.icon for push in parsed], changed)
        with self._lock:
            self._check_custom_ids(ids)  # again: the icons were stored unlocked
            self._apply_pushes(dict(zip(ids, parsed, strict=True)), origin, changed)
            if array:
                extra = [
                    key
                    for key in list(self._instances)
                    if self._type_of[key] == CUSTOM_TYPE
                    and array_member(base, key)
                    and key not in ids
                ]
                for key in extra:
                    self._remove_instance(key, changed)
            ignored = sorted({key for push in parsed for key in push.ignored})
            return self._changed(changed), ignored

    def notify(self, payload: object) -> Pushed:
        """Show a notification (AWTRIX 3's JSON): at once, or queued behind the one on
        show (``stack``, the default), or in its place (``stack: false``)."""
        parsed = parse_push(parse_notification, payload, [])
        config = parsed.config
        assert isinstance(config, NotificationConfig)
        with self._lock:
            self._check_queue(parsed)
        changed: set[StateName] = {"notification"}
        self._store_icons([parsed.icon], changed)
        driver = self.engine.driver
        app = CustomApp(parsed.config, driver.width, driver.height, self._context)
        try:
            app.update()  # its icon, before it shows (a notification is no tracked app)
        except Exception:
            log.exception("loading a notification's icon failed; shown without it")
        with self._lock:
            now = self._clock()
            shown = self.notifications.current
            try:
                # Powered off, only a wakeup notification is seen: it goes before the
                # ones waiting for the panel to come back on.
                ahead = config.wakeup and not self._power and not self._showing_wakeup()
                self.notifications.push(config, app, now, ahead=ahead)
            except QueueFull:
                self._check_queue(parsed)
                raise
            self._sync_panel(now)
            self._drop_ended(shown, changed)
            return self._notify(changed), parsed.ignored

    def dismiss(self) -> set[StateName]:
        """End the notification on show; the next queued one follows (none: the board
        goes back to what it showed)."""
        with self._lock:
            now = self._clock()
            shown = self.notifications.current
            changed: set[StateName] = {"notification"}
            if self.notifications.dismiss(now):
                self._sync_panel(now)
                self._drop_ended(shown, changed)
            return self._notify(changed)

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
        """End custom apps' lifetimes and notifications, and advance the carousel, when
        their time is up (called by the render loop before every frame)."""
        with self._lock:
            changed: set[StateName] = set()
            lifetime_due = self._expire_lifetimes(now, changed)
            shown = self.notifications.current
            if self.notifications.tick(now):
                changed.add("notification")
                self._sync_panel(now)
                self._drop_ended(shown, changed)
            if self._night_check is None or now >= self._night_check:
                changed |= self._sync_night(now)
            due = self.carousel.due_at()
            if due is not None and (now >= due or self._passes_done()):
                changed.add("carousel_config")
                entry = self.carousel.advance(now, 1, self._eligible)
                self._show_carousel_entry(entry, changed)
            elif self.carousel.running and self.carousel.on_fallback:
                self._leave_fallback(now, changed)
            if changed - {"notification"}:
                self._changed(changed)
            elif changed:
                self._notify(changed)  # nothing of a notification is saved
            dues = (
                lifetime_due,
                self.notifications.due_at(),
                self.carousel.due_at(),
                self._night_check,
                self._fallback_check if self.carousel.on_fallback else None,
            )
            return min((when for when in dues if when is not None), default=None)

    def _leave_fallback(self, now: float, changed: set[StateName]) -> None:
        """On the fallback, look again at each new local minute (when windows open)
        for an entry that may show."""
        if self._fallback_check is not None and now < self._fallback_check:
            return
        wall = self.local.wall()
        self._fallback_check = now + 60 - wall % 60
        entry = self.carousel.seek(now, self.carousel.index, 1, self._eligible)
        if entry is not None:
            changed.add("carousel_config")
            self._show_carousel_entry(entry, changed)

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
                latitude, longitude = self._location or (None, None)
                return SettingsState(
                    brightness=self._brightness,
                    power=self._power,
                    transition=self._transition,
                    latitude=latitude,
                    longitude=longitude,
                )
            if name == "notification":
                return self.notifications.state()
            if name == "night":
                return self.night.state(self.local.wall())
            return self.carousel.to_state()

    def apps_list(self) -> AppsListState:
        """The ``apps_list`` payload: each instance's type, config and fetch status."""
        instances: dict[str, InstanceInfo] = {}
        for instance_id, app in self._instances.items():
            status = self.updater.status(instance_id)
            push = self._pushes.get(instance_id)
            instances[instance_id] = InstanceInfo(
                type=self._type_of[instance_id],
                config=self._published_config(instance_id, app),
                stale=status.stale or instance_id in self._expired,
                error=status.error,
                origin=push.origin if push else None,
                pushed_at=push.pushed_at if push else None,
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
            power=self._power,
            transition=self._transition,
            latitude=self._location[0] if self._location else None,
            longitude=self._location[1] if self._location else None,
            night=self.night.settings.model_copy(),
            pushes=dict(self._pushes),
            realtime=self.realtime.enabled,
            carousel=self.carousel.to_state(),
        )

    # --- internals -------------------------------------------------------------------

    def _require_app(self, app: str, field: str = "app") -> None:
        if app not in self._instances:
            raise CommandError(
                "unknown_app",
                f"unknown app {app!r}; choose one of {', '.join(self._instances)}",
                [ErrorDetail(loc=[field], msg="unknown app")],
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

    def _remove_instance(self, instance_id: str, changed: set[StateName]) -> None:
        """Take an instance off the panel (the carousel moves on) and out of the
        carousel, then forget it."""
        if any(entry.app == instance_id for entry in self.carousel.entries):
            changed.add("carousel_config")
            self._drop_from_carousel(instance_id, changed)
        if self.carousel.fallback == instance_id:
            self.carousel.fallback = OFF
            changed.add("carousel_config")
            if self.carousel.on_fallback:
                self._show_carousel_entry(None, changed)
        if self.night.settings.app == instance_id:
            self.night.settings.app = None
            changed.add("night")
            self._sync_panel(self._clock())
        if self._current == instance_id:
            self._show(None)
            changed.add("current_app")
        self.updater.forget(instance_id)
        app = self._instances.pop(instance_id)
        del self._type_of[instance_id]
        self._pushes.pop(instance_id, None)
        self._expired.discard(instance_id)
        self._drop_unused_icon(getattr(app.config, "icon", ""), changed)

    def _published_config(self, instance_id: str, app: App[Any]) -> dict[str, Any]:
        config: dict[str, Any] = app.config.model_dump()
        heavy = self._type_of[instance_id] == CUSTOM_TYPE and config.get("draw")
        if heavy and len(json.dumps(config)) > PUBLISHED_CONFIG_BYTES:
            del config["draw"]
        return config

    def _check_custom_ids(self, ids: list[str]) -> None:
        new = 0
        for key in ids:
            type_name = self._type_of.get(key) or self._dormant.get(key, (None,))[0]
            if type_name is None:
                new += 1
            elif type_name != CUSTOM_TYPE:
                raise CommandError(
                    "conflict",
                    f"{key!r} is an app of type {type_name}, not a custom app",
                    [ErrorDetail(loc=["name"], msg=f"an app of type {type_name}")],
                )
            _refuse_reserved(key, "name")
            if key in self.types and key != CUSTOM_TYPE:
                raise CommandError(
                    "conflict",
                    f"{key!r} is the name of an app type; choose another name",
                    [ErrorDetail(loc=["name"], msg="the name of an app type")],
                )
        if new and len(self._instances) + len(self._dormant) + new > MAX_INSTANCES:
            raise CommandError(
                "conflict", f"a board holds at most {MAX_INSTANCES} apps; delete one first"
            )

    def _check_queue(self, parsed: ParsedPush) -> None:
        if not self.notifications.accepts(parsed.config):  # type: ignore[arg-type]
            raise CommandError(
                "queue_full",
                f"{MAX_QUEUED} notifications are waiting already; dismiss one or push "
                "with stack: false",
            )

    def _store_icons(self, icons: list[EmbeddedIcon | None], changed: set[StateName]) -> None:
        """Put a push's embedded icons in the library (each picture once)."""
        for icon in icons:
            if icon is None:
                continue
            library = self._require_library()
            if library.info(icon.name) is None:
                try:
                    library.put(icon.name, icon.data)
                except CommandError as refused:
                    refused.message = f"icon: {refused.message}"
                    refused.details = [ErrorDetail(loc=["icon"], msg=refused.message)]
                    raise
                changed.add("assets")

    def _apply_pushes(
        self, pushes: dict[str, ParsedPush], origin: PushOrigin, changed: set[StateName]
    ) -> None:
        pushed_at = self._context.wall_clock()
        for key, push in pushes.items():
            if key in self._dormant:
                del self._dormant[key]
            if key in self._instances:
                previous_icon = self._instances[key].config.icon
                self._reconfigure(key, push.config)
                self._drop_unused_icon(previous_icon, changed)
                if key == self._current:
                    changed.add("current_app")
                self._carousel_duration(key, push.config.duration, changed)
            else:
                self._add_instance(key, CUSTOM_TYPE, push.config)
                self._join_carousel(key, push.config.duration, changed)
            self._expire(key, False)
            self._pushes[key] = CustomPush(origin=origin, pushed_at=pushed_at)

    def _join_carousel(self, key: str, duration: int | None, changed: set[StateName]) -> None:
        if not self.carousel.enabled or len(self.carousel.entries) >= MAX_CAROUSEL_APPS:
            return
        seconds = _carousel_seconds(DEFAULT_APP_DURATION if duration is None else duration)
        self.carousel.entries.append(CarouselEntry(app=key, duration=seconds))
        changed.add("carousel_config")

    def _carousel_duration(self, key: str, duration: int | None, changed: set[StateName]) -> None:
        if duration is None:
            return
        seconds = _carousel_seconds(duration)
        for position, entry in enumerate(self.carousel.entries):
            if entry.app == key and entry.duration != seconds:
                self.carousel.entries[position] = entry.model_copy(update={"duration": seconds})
                changed.add("carousel_config")

    def _delete_custom(self, base: str) -> set[StateName]:
        with self._lock:
            type_name = self._type_of.get(base)
            if type_name is not None and type_name != CUSTOM_TYPE:
                raise CommandError(
                    "conflict",
                    f"{base!r} is an app of type {type_name}, not a custom app",
                    [ErrorDetail(loc=["name"], msg=f"an app of type {type_name}")],
                )
            changed: set[StateName] = {"apps_list"}
            for key in [
                key
                for key, kind in self._type_of.items()
                if kind == CUSTOM_TYPE and (key == base or array_member(base, key))
            ]:
                self._remove_instance(key, changed)
            return self._changed(changed)

    def _drop_unused_icon(self, icon: str, changed: set[StateName]) -> None:
        """Delete an embedded icon from the library once no custom app or notification
        shows it (library images the user uploaded stay)."""
        if not icon.startswith(ICON_PREFIX) or self.assets is None:
            return
        users = [app.config for app in self._instances.values()]
        users += self.notifications.configs()
        if any(getattr(config, "icon", "") == icon for config in users):
            return
        if self.assets.info(icon) is not None:
            self.assets.delete(icon)
            changed.add("assets")

    def _expire_lifetimes(self, now: float, changed: set[StateName]) -> float | None:
        """Delete (``lifetimeMode`` 0) or mark stale (1) the custom apps not pushed for
        their ``lifetime``; returns when the next one runs out."""
        if not self._pushes:
            return None
        wall = self._context.wall_clock()
        if self._lifetimes_known and (self._next_expiry is None or wall < self._next_expiry):
            # Called before every frame: only look at every app when something changed.
            return None if self._next_expiry is None else now + self._next_expiry - wall
        self._lifetimes_known, self._next_expiry = True, None
        due: float | None = None
        for key, push in list(self._pushes.items()):
            app = self._instances.get(key)
            lifetime = getattr(app.config, "lifetime", 0) if app else 0
            if app is None or not lifetime or key in self._expired:
                continue
            left = push.pushed_at + lifetime - wall
            if left > 0:
                due = now + left if due is None else min(due, now + left)
                self._next_expiry = (
                    wall + left
                    if self._next_expiry is None
                    else min(self._next_expiry, wall + left)
                )
            elif app.config.lifetime_mode == 1:
                self._expire(key, True)
                changed.add("apps_list")
                self.engine.wake()
            else:
                changed.add("apps_list")
                self._remove_instance(key, changed)
        return due

    def _expire(self, key: str, expired: bool) -> None:
        """Mark (or, pushed again, unmark) a custom app whose lifetime ran out."""
        app = self._instances[key]
        if isinstance(app, CustomApp):
            app.expired = expired
        if expired:
            self._expired.add(key)
        else:
            self._expired.discard(key)

    def _drop_ended(self, shown: Notification | None, changed: set[StateName]) -> None:
        """Delete the embedded icon of a notification that ended (or was replaced)."""
        if shown is not None:
            self._drop_unused_icon(shown.config.icon, changed)

    def _showing_wakeup(self) -> bool:
        current = self.notifications.current
        return current is not None and current.config.wakeup

    def _passes_done(self) -> bool:
        """Whether the custom app on show in the carousel has scrolled its ``repeat``."""
        app = self._instances.get(self._current) if self._current else None
        if not isinstance(app, CustomApp) or self.carousel.paused_at is not None:
            return False
        repeat = app.config.repeat
        return repeat > 0 and app.scrolls and app.passes >= repeat

    @property
    def night_active(self) -> bool:
        """Whether night mode is on (as the panel shows it)."""
        return self._night_seen[0]

    def _dark(self) -> bool:
        """Whether the panel is dark but for wakeup notifications: powered off, or
        night mode with ``app: off``."""
        return not self._power or (self.night_active and self.night.settings.app == OFF)

    def _night_app(self) -> App[Any] | None:
        name = self.night.settings.app if self.night_active else None
        return self._instances.get(name) if name is not None else None

    def _on_panel(self) -> App[Any] | None:
        """What the panel shows: a notification (while dark, only a wakeup one), else
        night mode's app, else the app."""
        showing = self.notifications.current
        if showing is not None and (not self._dark() or showing.config.wakeup):
            return showing.app  # type: ignore[return-value]
        if self._dark():
            return None
        night_app = self._night_app()
        if night_app is not None:
            return night_app
        return self._instances[self._current] if self._current is not None else None

    def _sync_panel(self, now: float, transition: Transition | None = None) -> None:
        """Show what :meth:`_on_panel` says (``transition``: the settings' by
        default), at its brightness; the carousel's time stands still while anything
        else has the panel (a notification, power off, night mode's app)."""
        if self.notifications.active or self._dark() or self._night_app() is not None:
            self.carousel.pause(now)
        else:
            self.carousel.resume(now)
        app = self._on_panel()
        if app is not self.engine.app:
            self.engine.show_app(app, transition or self._transition)
        # At night the panel is dimmed, but for a wakeup notification: it wakes the board.
        dimmed = self.night_active and not self._showing_wakeup()
        brightness = self.night.settings.brightness if dimmed else self._brightness
        if brightness != self._panel_brightness:
            self._panel_brightness = brightness
            self.engine.set_brightness(brightness)

    def _sync_night(self, now: float, transition: Transition | None = None) -> set[StateName]:
        """Look at night mode; when it turned on or off (or a switch by hand ran out),
        apply it and return ``{"night"}``."""
        wall = self.local.wall()
        seen = (self.night.active(wall), self.night.settings.manual is not None)
        self._night_check = now + self.night.next_check(wall)
        if seen == self._night_seen:
            return set()
        self._night_seen = seen
        self._sync_panel(now, transition)
        return {"night"}

    def _night_follows_sun(self) -> bool:
        settings = self.night.settings
        return uses_sun(settings.from_) or uses_sun(settings.until)

    def _eligible(self, entry: CarouselEntry) -> bool:
        return eligible(entry, self.local.now())

    def _fallback_app(self) -> str | None:
        fallback = self.carousel.fallback
        return fallback if fallback in self._instances else None

    def _merged_config(self, instance_id: str, update: dict[str, Any]) -> AppConfig:
        base = self._instances[instance_id].config.model_dump()
        return self._validate_config(self._type_of[instance_id], base, update)

    def _reconfigure(self, instance_id: str, config: AppConfig) -> None:
        # Under the render lock: the app may be on show (between two frames).
        self.engine.configure_app(self._instances[instance_id], config)
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
        """Show the carousel's entry, with its transition (none: the settings'); with
        ``None`` and the carousel on its fallback, the fallback."""
        if entry is None:
            if not (self.carousel.running and self.carousel.on_fallback):
                return
            self._fallback_check = None
            app, transition = self._fallback_app(), None
        else:
            app, transition = entry.app, entry.transition
        if app != self._current:
            self._show(app, transition)
            changed.update(("current_app", "apps_list"))
        elif app is not None:
            self._restart(app)  # its turn again: a custom app scrolls from the start

    def _show(self, app: str | None, transition: Transition | None = None) -> None:
        self._current = app
        if app is not None:
            self._restart(app)
        self._sync_panel(self._clock(), transition)

    def _restart(self, app: str) -> None:
        instance = self._instances[app]
        if isinstance(instance, CustomApp):
            instance.restart(self._clock())

    def _changed(self, names: set[StateName]) -> set[StateName]:
        self._lifetimes_known = False  # a push, a delete or a config may move a lifetime
        # Published before it is saved: the state goes out first, and the save's work
        # (and its commit thread) does not hold it back. The command's answer still
        # waits until the change is saved (RendererService.handle_command).
        self._notify(names)
        self._save()
        return names

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


def _carousel_seconds(duration: int) -> int:
    """A custom app's ``duration`` as a carousel entry's (which has limits)."""
    return max(MIN_DURATION, min(MAX_DURATION, duration))
