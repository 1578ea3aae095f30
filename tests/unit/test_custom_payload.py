"""AWTRIX 3 custom-app and notification payloads: what is accepted, stored, ignored and
refused (with the AWTRIX key named)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from retroboard_common.custom_apps import (
    DEFAULT_APP_DURATION,
    DEFAULT_NOTIFICATION_DURATION,
    EFFECT_NAMES,
    MAX_CHART_VALUES,
    MAX_CUSTOM_TEXT,
    MAX_DRAW_COMMANDS,
    CustomAppConfig,
    CustomPayloadError,
    NotificationConfig,
    decode_base64_icon,
    library_icon_name,
    parse_custom,
    parse_notification,
    plain_text,
)

DOC_EXAMPLES: list[dict[str, Any]] = [
    {"text": "Hello, AWTRIX 3!", "rainbow": True, "duration": 10},
    {
        "draw": [
            {"dc": [28, 4, 3, "#FF0000"]},
            {"dr": [20, 4, 4, 4, "#0000FF"]},
            {"dt": [0, 0, "Hello", "#00FF00"]},
        ]
    },
    {"text": [{"t": "Hello, ", "c": "FF0000"}, {"t": "world!", "c": "00FF00"}], "repeat": 2},
    {"text": "1"},
    {"text": "2"},
    {"text": "Solar: {{inverter/total/P_AC}} W"},
    {"text": "Upload", "progress": 42, "progressC": "#00FF00", "progressBC": [40, 40, 40]},
    {"bar": [1, 5, 3, 8, 2], "barBC": "#202020", "color": [255, 255, 0], "autoscale": False},
    {"line": [3, 1, 4, 1, 5, 9, 2, 6], "icon": "chart"},
    {"text": "Fire!", "effect": "Plasma", "blinkText": 500, "textCase": 1, "noScroll": True},
]


def refusal(data: Any, notification: bool = False) -> CustomPayloadError:
    with pytest.raises(CustomPayloadError) as caught:
        (parse_notification if notification else parse_custom)(data)
    return caught.value


@pytest.mark.parametrize("payload", DOC_EXAMPLES)
def test_every_documented_example_is_accepted_and_round_trips(payload: dict[str, Any]) -> None:
    config, ignored = parse_custom(payload)
    assert ignored == []
    saved = config.model_dump()
    # The board stores model_dump() (as JSON) and validates it again when merging.
    assert CustomAppConfig.model_validate(json.loads(json.dumps(saved))) == config
    assert CustomAppConfig.model_validate_json(config.model_dump_json()) == config
    assert set(payload) <= set(saved), "AWTRIX key names are kept"


def test_defaults_are_awtrix_ones() -> None:
    config, _ = parse_custom({})
    assert config.center is True and config.autoscale is True
    assert config.repeat == -1 and config.progress == -1 and config.scroll_speed == 100
    assert config.duration is None and config.effect == "" and config.icon == ""
    assert config.color == [255, 255, 255]
    notification, _ = parse_notification({})
    assert (notification.hold, notification.stack, notification.wakeup) == (False, True, False)
    assert DEFAULT_APP_DURATION == 10 and DEFAULT_NOTIFICATION_DURATION == 5


def test_colours_in_every_awtrix_spelling_become_rgb() -> None:
    config, _ = parse_custom(
        {
            "color": "#FF8000",
            "background": "102030",
            "barBC": [1, 2, 3],
            "gradient": ["#FF0000", [0, 0, 255]],
            "text": [{"t": "a", "c": "#00ff00"}, {"t": "b", "c": "0000FF"}],
            "draw": [{"dp": [1, 1, "#ABCDEF"]}],
        }
    )
    assert config.color == [255, 128, 0]
    assert config.background == [16, 32, 48]
    assert config.bar_bc == [1, 2, 3]
    assert config.gradient == [[255, 0, 0], [0, 0, 255]]
    assert not isinstance(config.text, str)
    assert [fragment.c for fragment in config.text] == [[0, 255, 0], [0, 0, 255]]
    assert config.draw == [{"dp": [1, 1, [0xAB, 0xCD, 0xEF]]}]
    assert plain_text(config) == "ab"


def test_updates_merge_onto_the_saved_config() -> None:
    config, _ = parse_custom({"text": "old", "color": "#FF0000", "progress": 10})
    merged = CustomAppConfig.model_validate({**config.model_dump(), "text": "new", "progress": 20})
    assert (merged.text, merged.color, merged.progress) == ("new", [255, 0, 0], 20)


def test_unsupported_keys_are_accepted_and_reported() -> None:
    payload = {
        "text": "hi",
        "sound": "alarm",
        "rtttl": "x:d=4:c",
        "loopSound": True,
        "pos": 2,
        "overlay": "snow",
        "effectSettings": {"speed": 3},
        "hold": True,
        "whatever": 1,
    }
    config, ignored = parse_custom(payload)
    assert ignored == sorted(
        ["sound", "rtttl", "loopSound", "pos", "overlay", "effectSettings", "hold", "whatever"]
    )
    assert config.text == "hi"
    notification, ignored = parse_notification(
        {"text": "hi", "hold": True, "lifetime": 30, "lifetimeMode": 1, "save": True, "pos": 1}
    )
    assert isinstance(notification, NotificationConfig) and notification.hold is True
    assert ignored == ["lifetime", "lifetimeMode", "pos", "save"]
    assert notification.lifetime == 0


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"color": "red"}, ["color"]),
        ({"color": [255, 0]}, ["color"]),
        ({"text": 5}, ["text"]),
        ({"text": [{"t": "a", "c": "nope"}]}, ["text", 0, "c"]),
        ({"text": "x" * (MAX_CUSTOM_TEXT + 1)}, ["text"]),
        ({"text": [{"t": "x" * 1500}, {"t": "y" * 600}]}, ["text"]),
        ({"bar": list(range(MAX_CHART_VALUES + 1))}, ["bar"]),
        ({"line": ["1"]}, ["line", 0]),
        ({"progress": 101}, ["progress"]),
        ({"pushIcon": 3}, ["pushIcon"]),
        ({"textCase": True}, ["textCase"]),
        ({"gradient": ["#FF0000"]}, ["gradient"]),
        ({"icon": "Not A Name"}, ["icon"]),
        ({"duration": "10"}, ["duration"]),
        ({"draw": [{"dp": [0, 0, "#FFFFFF"]}, {"dl": [0, 0, 1, "#FFFFFF"]}]}, ["draw", 1, "dl"]),
        ({"draw": [{"dx": [0, 0]}]}, ["draw", 0]),
        ({"draw": [{"dp": [0, 0, "#FFFFFF"], "dl": [0, 0, 1, 1, "#FFFFFF"]}]}, ["draw", 0]),
        ({"draw": [{"dc": [0, 0, -1, "#FFFFFF"]}]}, ["draw", 0, "dc"]),
        ({"draw": [{"db": [0, 0, 2, 2, [1, 2, 3, 4, 5]]}]}, ["draw", 0, "db"]),
        ({"draw": [{"db": [0, 0, 300, 300, []]}]}, ["draw", 0, "db"]),
        ({"draw": [{"dp": [0, 0, "#FFFFFF"]}] * (MAX_DRAW_COMMANDS + 1)}, ["draw"]),
    ],
)
def test_bad_values_are_refused_naming_the_key(payload: dict[str, Any], loc: list[Any]) -> None:
    error = refusal(payload)
    assert error.details[0].loc == loc
    assert error.message.startswith(".".join(str(part) for part in loc) + ": ")


def test_unknown_effects_are_refused_with_the_known_names() -> None:
    error = refusal({"effect": "Sparkle"})
    assert error.details[0].loc == ["effect"]
    for name in ("Plasma", "Matrix", "TwinklingStars"):
        assert name in error.message
    assert len(EFFECT_NAMES) >= 5
    for name in EFFECT_NAMES:
        assert parse_custom({"effect": name})[0].effect == name
    assert parse_custom({"effect": ""})[0].effect == ""


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    for data in ([{"text": "1"}], "text", None, 5):
        assert refusal(data).message
        assert refusal(data, notification=True).message


def test_icons_are_library_names_or_base64() -> None:
    assert library_icon_name("sun") == "sun" and library_icon_name("1234") == "1234"
    # AWTRIX names icons after their files on the clock.
    assert library_icon_name("Weather") == "weather"
    assert library_icon_name("sun.GIF") == "sun"
    assert library_icon_name("iVBORw0KGgo=") is None and library_icon_name("") is None
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(20))
    encoded = base64.b64encode(png).decode()
    assert decode_base64_icon(encoded) == png
    assert decode_base64_icon("data:image/png;base64," + encoded) == png
    with pytest.raises(CustomPayloadError) as caught:
        decode_base64_icon("not base64 at all!")
    assert caught.value.details[0].loc == ["icon"]
    assert parse_custom({"icon": 1234})[0].icon == "1234"  # AWTRIX ids sent as numbers


def test_schema_is_usable_by_a_generic_form() -> None:
    schema = CustomAppConfig.model_json_schema()
    properties = schema["properties"]
    assert {"text", "textCase", "pushIcon", "progressC", "barBC", "effect"} <= set(properties)
    assert properties["color"]["format"] == "color"
    assert properties["icon"]["format"] == "asset"
    assert properties["effect"]["enum"] == ["", *EFFECT_NAMES]
    assert properties["textCase"]["title"] == "Text case"
    for name, prop in properties.items():
        assert prop.get("description"), name
    json.dumps(schema)
    assert {"hold", "stack", "wakeup"} <= set(NotificationConfig.model_json_schema()["properties"])


def test_text_fragments_take_awtrixs_example_with_keys_of_their_own() -> None:
    # AWTRIX 3's docs: a fragment may carry more than "t" and "c"; the text still shows.
    config, _ = parse_custom(
        {"text": [{"t": "Hello, ", "c": "FF0000"}, {"t": "world!", "c": "00FF00", "b": 500}]}
    )
    assert plain_text(config) == "Hello, world!"
