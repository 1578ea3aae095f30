"""Home Assistant command payloads turned into RetroBoard commands.

Every payload is validated by pydantic (the light's JSON by :class:`LightCommand`,
the rest through :func:`retroboard_common.commands.parse_command`, the renderer's
own parser); anything refused raises :class:`CommandError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from retroboard_bridge.homeassistant.entities import (
    APP_SELECT,
    BUTTON_PRESS,
    CAROUSEL,
    DISMISS,
    LIGHT,
    MESSAGE,
    MESSAGE_APP,
    NEXT,
    NIGHT,
    NOTIFY,
    REALTIME,
)
from retroboard_bridge.homeassistant.view import BoardView
from retroboard_common.commands import (
    CommandError,
    decode_command,
    parse_command,
    validation_details,
)
from retroboard_common.contract import COMMANDS
from retroboard_common.models import (
    MAX_COMMAND_BYTES,
    AppName,
    Brightness,
    Command,
)

VERBS: dict[type[Command], str] = {model: verb for verb, model in COMMANDS.items()}
OnOff = TypeAdapter(Literal["ON", "OFF"])
Press = TypeAdapter(Literal["PRESS"])


class LightCommand(BaseModel):
    """What HA's JSON-schema light sends: ``{"state": "ON", "brightness": 40, …}``.

    Keys this light does not advertise (``transition``, ``flash``) are ignored.
    """

    model_config = ConfigDict(extra="ignore")

    state: Literal["ON", "OFF"]
    brightness: Brightness | None = None
    effect: AppName | None = None


def verb_of(command: Command) -> str:
    """The ``cmd/<verb>`` a command is sent on."""
    return VERBS[type(command)]


def translate(entity: str, payload: bytes, view: BoardView) -> list[Command]:
    """The commands an HA payload on ``entity``'s command topic stands for."""
    handler = HANDLERS.get(entity)
    if handler is None:
        raise CommandError("unknown_verb", f"no Home Assistant entity {entity!r}")
    return handler(payload, view)


def _text(payload: bytes) -> str:
    if len(payload) > MAX_COMMAND_BYTES:
        raise CommandError("too_large", f"payload larger than {MAX_COMMAND_BYTES} bytes")
    try:
        return payload.decode()
    except UnicodeDecodeError:
        raise CommandError("malformed", "payload is not UTF-8") from None


def _validated(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        details = validation_details(exc)
        raise CommandError("invalid", f"payload: {details[0].msg}", details) from None


def _light(payload: bytes, view: BoardView) -> list[Command]:
    command = _validated(TypeAdapter(LightCommand), decode_command(payload))
    if command.state == "OFF":
        # The panel goes dark and the app pauses; "on" brings both back as they were.
        return [parse_command("settings", {"power": False})]
    commands: list[Command] = []
    settings: dict[str, Any] = {}
    if command.brightness is not None:
        settings["brightness"] = command.brightness
    if view.power is False:
        settings["power"] = True
    if settings:
        commands.append(parse_command("settings", settings))
    app = command.effect
    if app is None and (view.running is None or command.brightness is None):
        # "turn on" resumes; a brightness change alone leaves a running app alone
        app = view.running or view.resume_app()
        if app is None:
            raise CommandError("conflict", "no app to show yet: the board's apps are unknown")
    if app is not None and (command.effect is not None or view.running != app):
        commands.append(parse_command("switch", {"app": app}))
    return commands


def _select(payload: bytes, _view: BoardView) -> list[Command]:
    return [parse_command("switch", {"app": _text(payload).strip()})]


def _message(payload: bytes, _view: BoardView) -> list[Command]:
    return [parse_command("config", {"app": MESSAGE_APP, "config": {"text": _text(payload)}})]


def _carousel(payload: bytes, _view: BoardView) -> list[Command]:
    value = _validated(OnOff, _text(payload).strip())
    return [parse_command("carousel", {"enabled": value == "ON"})]


def _realtime(payload: bytes, _view: BoardView) -> list[Command]:
    value = _validated(OnOff, _text(payload).strip())
    return [parse_command("realtime", {"enabled": value == "ON"})]


def _night(payload: bytes, _view: BoardView) -> list[Command]:
    """Night mode on or off by hand, until its window's next edge."""
    value = _validated(OnOff, _text(payload).strip())
    return [parse_command("night", {"active": value == "ON"})]


def _next(payload: bytes, _view: BoardView) -> list[Command]:
    _validated(Press, _text(payload).strip() or BUTTON_PRESS)
    return [parse_command("next", {})]


def _notify(payload: bytes, _view: BoardView) -> list[Command]:
    """HA's ``notify.send_message``: the message is the notification's text, or, when it
    is a JSON object, AWTRIX 3's notification JSON (``{"text": …, "icon": …}``)."""
    text = _text(payload)
    if not text.strip():
        raise CommandError("invalid", "message: the notification has no text")
    data: Any = {"text": text}
    if text.lstrip().startswith("{"):
        try:
            parsed = decode_command(payload)
        except CommandError:
            parsed = None  # text that only looks like JSON: shown as it is
        if isinstance(parsed, dict):
            data = parsed
    return [parse_command("notify", data)]


def _dismiss(payload: bytes, _view: BoardView) -> list[Command]:
    _validated(Press, _text(payload).strip() or BUTTON_PRESS)
    return [parse_command("dismiss", {})]


HANDLERS: dict[str, Callable[[bytes, BoardView], list[Command]]] = {
    LIGHT.key: _light,
    APP_SELECT.key: _select,
    MESSAGE.key: _message,
    CAROUSEL.key: _carousel,
    NEXT.key: _next,
    REALTIME.key: _realtime,
    NIGHT.key: _night,
    NOTIFY.key: _notify,
    DISMISS.key: _dismiss,
}
