"""What the api's read cache adds to the shared board mirror (whose rules are tested in
tests/unit/test_board_mirror.py): records of the kept payloads, and update notices."""

from __future__ import annotations

import json

from retroboard_api.board_pages import iso_utc
from retroboard_api.cache import StateCache
from retroboard_common.models import SettingsState, dump_payload
from retroboard_common.topics import STATE_NAMES, StateName
from tests.support.api_fakes import FakeMqtt
from tests.support.fake_clock import FakeClock
from tests.support.states import settings_state

EMPTY_STATES = {
    "apps_list": b'{"apps":[],"current":null,"instances":{}}',
    "current_app": b'{"app":null,"config":{}}',
    "settings": b'{"brightness":40}',
    "carousel_config": b'{"enabled":false,"apps":[],"current_index":0}',
    "realtime": b'{"enabled":true,"active":false,"protocol":null,"source":null,"fps":0.0}',
    "app_types": b'{"types":{}}',
    "assets": b'{"assets":[],"bytes":0,"limit":0}',
    "notification": b'{"current":null,"queue":[],"length":0}',
    "night": (
        b'{"enabled":false,"from":"22:00","until":"07:00","brightness":10,"app":null,'
        b'"active":false,"manual":false}'
    ),
}


def make_cache() -> tuple[StateCache, FakeMqtt, FakeClock]:
    clock = FakeClock(1_700_000_000.0)
    cache = StateCache(clock)
    mqtt = FakeMqtt()
    cache.attach(mqtt)
    return cache, mqtt, clock


def test_keeps_state_payloads_per_board() -> None:
    cache, mqtt, _ = make_cache()
    mqtt.deliver("retroboard/b/state/settings", b'{"brightness":10}')
    sent = dump_payload(SettingsState(brightness=40))  # the bytes a renderer sends
    mqtt.deliver("retroboard/a/state/settings", json.dumps(json.loads(sent), indent=2).encode())
    record = cache.get("a")
    assert record is not None
    settings = record.state("settings")
    assert settings == settings_state(40)
    # The model's own form: serialised compactly it is the bytes the renderer sent.
    assert json.dumps(settings, separators=(",", ":")).encode() == sent
    assert record.state("apps_list") is None
    assert [s.board_id for s in cache.summaries()] == ["a", "b"]


def test_online_and_last_seen_as_a_date() -> None:
    cache, mqtt, _ = make_cache()
    assert cache.get("a") is None and not cache.is_online("a")
    mqtt.deliver("retroboard/a/status", b"online")
    assert cache.is_online("a")
    record = cache.get("a")
    assert record is not None and iso_utc(record.last_seen) == "2023-11-14T22:13:20+00:00"
    mqtt.deliver("retroboard/a/status", b"offline")
    assert not cache.is_online("a")


def test_complete_once_every_state_and_the_status_are_known() -> None:
    cache, mqtt, _ = make_cache()
    for name in STATE_NAMES:
        mqtt.deliver(f"retroboard/a/state/{name}", EMPTY_STATES[name])
    record = cache.get("a")
    assert record is not None and not record.complete and not record.status_known
    mqtt.deliver("retroboard/a/status", b"offline")
    record = cache.get("a")
    assert record is not None and record.complete


def test_an_older_renderers_settings_read_as_powered_on() -> None:
    cache, mqtt, _ = make_cache()
    mqtt.deliver("retroboard/a/state/settings", b'{"brightness":40}')
    record = cache.get("a")
    assert record is not None and record.state("settings") == settings_state(40)


def test_complete_without_the_states_an_older_renderer_never_sends() -> None:
    cache, mqtt, _ = make_cache()
    mqtt.deliver("retroboard/a/status", b"online")
    newer: set[StateName] = {"notification", "night"}
    for name in STATE_NAMES:
        if name not in newer:
            mqtt.deliver(f"retroboard/a/state/{name}", EMPTY_STATES[name])
    record = cache.get("a")
    assert record is not None and record.complete
    assert record.missing_optional() == newer
    for name in newer:
        mqtt.deliver(f"retroboard/a/state/{name}", EMPTY_STATES[name])
    record = cache.get("a")
    assert record is not None and record.complete and not record.missing_optional()


def test_health_is_kept_on_the_record() -> None:
    cache, mqtt, _ = make_cache()
    mqtt.deliver("retroboard/a/status", b"online")
    mqtt.deliver("retroboard/a/health", b'{"store":"degraded","error":"disk full"}')
    record = cache.get("a")
    assert record is not None and record.health is not None
    assert (record.health.store, record.health.error) == ("degraded", "disk full")


def test_listeners_hear_of_state_and_status_changes_by_board() -> None:
    cache, mqtt, _ = make_cache()
    updates: list[str] = []
    cache.on_update(updates.append)
    mqtt.deliver("retroboard/a/status", b"online")
    mqtt.deliver("retroboard/b/state/settings", b'{"brightness":40}')
    mqtt.deliver("retroboard/a/health", b'{"store":"degraded"}')  # not a state: not told
    mqtt.deliver("retroboard/a/status", b"")  # removed: its record is gone, nothing to send
    assert updates == ["a", "b"]
