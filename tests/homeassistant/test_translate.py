"""Home Assistant payloads → RetroBoard commands, without a broker."""

from __future__ import annotations

import json
from typing import Any

import pytest

from retroboard_bridge.homeassistant import BoardView, translate
from retroboard_bridge.homeassistant.commands import verb_of
from retroboard_common.commands import CommandError


def view(app: str | None = "clock", last: str | None = None, *, power: bool = True) -> BoardView:
    board = BoardView()
    board.update("apps_list", {"apps": ["clock", "stars"], "current": app, "instances": {}})
    board.update("current_app", {"app": last, "config": {}})
    board.update("current_app", {"app": app, "config": {}})
    board.update("settings", {"brightness": 50, "power": power})
    return board


def sent(entity: str, payload: Any, board: BoardView) -> list[tuple[str, dict[str, Any]]]:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return [(verb_of(c), c.model_dump(exclude_none=True)) for c in translate(entity, raw, board)]


def test_light() -> None:
    assert sent("display", {"state": "OFF"}, view()) == [("settings", {"power": False})]
    # On again: the panel comes back with the app it paused on.
    assert sent("display", {"state": "ON"}, view("stars", power=False)) == [
        ("settings", {"power": True})
    ]
    assert sent("display", {"state": "ON", "brightness": 9}, view("stars", power=False)) == [
        ("settings", {"brightness": 9, "power": True})
    ]
    assert sent("display", {"state": "ON"}, view(None, last="stars")) == [
        ("switch", {"app": "stars"})
    ]
    assert sent("display", {"state": "ON"}, view(None)) == [("switch", {"app": "clock"})]
    assert sent("display", {"state": "ON"}, view("clock")) == []
    assert sent("display", {"state": "ON", "brightness": 40, "transition": 2}, view()) == [
        ("settings", {"brightness": 40})
    ]
    assert sent("display", {"state": "ON", "brightness": 40}, view(None, last="stars")) == [
        ("settings", {"brightness": 40}),
        ("switch", {"app": "stars"}),
    ]
    assert sent("display", {"state": "ON", "effect": "clock"}, view("clock")) == [
        ("switch", {"app": "clock"})
    ]


def test_the_light_is_off_while_the_panel_is() -> None:
    assert json.loads(view("stars").entity_states()["display"])["state"] == "ON"
    dark = json.loads(view("stars", power=False).entity_states()["display"])
    assert dark["state"] == "OFF" and dark["brightness"] == 50  # brightness stays its own
    assert json.loads(view(None).entity_states()["display"])["state"] == "OFF"  # stopped


def test_other_entities() -> None:
    assert sent("app", b"stars", view()) == [("switch", {"app": "stars"})]
    assert sent("message", "Ding ♪".encode(), view()) == [
        ("config", {"app": "scroll_text", "config": {"text": "Ding ♪"}})
    ]
    assert sent("carousel", b"ON", view()) == [("carousel", {"enabled": True})]
    assert sent("carousel", b"OFF", view()) == [("carousel", {"enabled": False})]
    assert sent("next", b"PRESS", view()) == [("next", {})]
    assert sent("realtime", b"ON", view()) == [("realtime", {"enabled": True})]
    assert sent("realtime", b" OFF\n", view()) == [("realtime", {"enabled": False})]
    assert sent("night", b"ON", view()) == [("night", {"active": True})]
    assert sent("night", b"OFF", view()) == [("night", {"active": False})]


def test_notify_messages_become_notifications() -> None:
    assert sent("notify", "Washer done ✓".encode(), view()) == [
        ("notify", {"text": "Washer done ✓"})
    ]
    # A JSON object is AWTRIX 3's notification JSON, unknown keys kept for the renderer.
    awtrix = {"text": "Door", "icon": "bell", "hold": True, "sound": "chime"}
    assert sent("notify", awtrix, view()) == [("notify", awtrix)]
    # Text that only looks like JSON is shown as it is.
    assert sent("notify", b"{not json}", view()) == [("notify", {"text": "{not json}"})]
    assert sent("notify", b"[1, 2]", view()) == [("notify", {"text": "[1, 2]"})]
    assert sent("dismiss", b"PRESS", view()) == [("dismiss", {})]
    assert sent("dismiss", b"", view()) == [("dismiss", {})]


def test_night_switch_state_follows_the_night_state() -> None:
    board = view()
    assert "night" not in board.entity_states()  # unknown until the renderer says
    window = {"enabled": True, "from": "22:30", "until": "07:00", "brightness": 10, "app": None}
    assert board.update("night", {**window, "active": True, "manual": False})
    assert board.entity_states()["night"] == "ON"
    assert board.update("night", {**window, "active": False, "manual": True})
    assert board.entity_states()["night"] == "OFF"
    assert not board.update("night", {**window, "from": "25:00", "active": True, "manual": False})
    assert board.entity_states()["night"] == "OFF"


def test_realtime_switch_state_follows_the_realtime_state() -> None:
    board = view()
    assert "realtime" not in board.entity_states()  # unknown until the renderer says
    stream = {"active": True, "protocol": "ddp", "source": "10.0.0.5", "fps": 59.8}
    assert board.update("realtime", {"enabled": True, **stream})
    assert board.entity_states()["realtime"] == "ON"
    idle = {"active": False, "protocol": None, "source": None, "fps": 0}
    assert board.update("realtime", {"enabled": False, **idle})
    assert board.entity_states()["realtime"] == "OFF"
    assert not board.update("realtime", {"enabled": "sometimes"})
    assert board.entity_states()["realtime"] == "OFF"


@pytest.mark.parametrize(
    ("entity", "payload", "code"),
    [
        ("display", b"{", "malformed"),
        ("display", b"[1]", "invalid"),
        ("display", b'{"state": "DIM"}', "invalid"),
        ("display", b'{"state": "ON", "brightness": -1}', "invalid"),
        ("display", b'{"state": "ON", "effect": "Not An App"}', "invalid"),
        ("app", b"", "invalid"),
        ("app", b"\xff", "malformed"),
        ("carousel", b"maybe", "invalid"),
        ("next", b"HOLD", "invalid"),
        ("realtime", b"on please", "invalid"),
        ("night", b"dusk", "invalid"),
        ("realtime", b"\xff", "malformed"),
        ("message", b"x" * 20000, "too_large"),
        ("notify", b"", "invalid"),
        ("notify", b" \n", "invalid"),
        ("notify", b"\xff", "malformed"),
        ("notify", b"x" * 20000, "too_large"),
        ("notify", b'{"text": "x", "transaction": [1]}', "invalid"),
        ("dismiss", b"HOLD", "invalid"),
        ("volume", b"11", "unknown_verb"),
    ],
)
def test_refusals(entity: str, payload: bytes, code: str) -> None:
    with pytest.raises(CommandError) as refused:
        translate(entity, payload, view())
    assert refused.value.code == code


def test_light_with_nothing_to_resume() -> None:
    with pytest.raises(CommandError):
        translate("display", b'{"state": "ON"}', BoardView())
