"""hypothesis throws random bytes, random JSON and near-miss commands at every MQTT
command topic of a real renderer: every bad one is answered with ``success: false``,
changes no state, and the renderer keeps running."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retroboard_common.commands import CommandError, decode_command, parse_command
from retroboard_common.contract import COMMANDS
from retroboard_common.topics import STATE_NAMES
from tests.support.fuzzing import BACKGROUND_RANDOM, json_values
from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess

pytestmark = [pytest.mark.integration, BACKGROUND_RANDOM]

BOARD = "fuzz"
BASE = f"retroboard/{BOARD}"
VERBS = [*COMMANDS, "dance"]
EXAMPLES = 1000

app_names = st.sampled_from(
    ["clock", "scroll_text", "stars", "nope", "", "Clock", "../etc", "a" * 80]
)
config_values = st.dictionaries(
    st.sampled_from(["font", "color", "text", "speed", "fps", "spawn_rate", "lifetime", "x"]),
    json_values
    | st.integers(-5, 500)
    | st.sampled_from(["6x10", "9x18", "../fonts/6x10.bdf"])
    | st.lists(st.integers(-5, 300), max_size=4),
    max_size=4,
)
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "app": app_names | json_values,
    "config": config_values | json_values,
    "brightness": st.integers(-10, 200) | json_values,
    "enabled": st.booleans() | json_values,
    "apps": st.lists(
        st.fixed_dictionaries({"app": app_names}, optional={"duration": st.integers(-5, 5000)}),
        max_size=3,
    )
    | json_values,
    "ttl": st.floats(-10, 1000) | json_values,
    "transaction": st.text(max_size=8) | st.integers() | json_values,
    "id": app_names | st.sampled_from(["clock-2", "my-app"]) | json_values,
    "type": app_names | json_values,
    "name": st.sampled_from(["logo", "", "Logo", "../x", "a" * 80]) | json_values,
}


def near_miss(verb: str) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the verb's own fields (and others), holding wrong or right values."""
    model = COMMANDS.get(verb, COMMANDS["switch"])
    fields = {name: FIELD_VALUES.get(name, json_values) for name in model.model_fields}
    extra = st.dictionaries(st.text(max_size=8), json_values, max_size=2)
    return st.tuples(st.fixed_dictionaries({}, optional=fields), extra).map(
        lambda parts: {**parts[1], **parts[0]}
    )


def payloads(verb: str) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=64),
        json_values.map(lambda value: json.dumps(value).encode()),
        near_miss(verb).map(lambda value: json.dumps(value).encode()),
    )


commands = st.sampled_from(VERBS).flatmap(lambda verb: st.tuples(st.just(verb), payloads(verb)))


def well_formed(verb: str, payload: bytes) -> bool:
    """Whether the payload passes the command models (the board may still refuse it)."""
    try:
        parse_command(verb, decode_command(payload))
    except CommandError:
        return False
    return True


@pytest.fixture(scope="module")
def renderer_probe(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServiceProcess, MqttProbe]]:
    workdir: Path = tmp_path_factory.mktemp("fuzz-mqtt")
    broker = MosquittoBroker(workdir / "mosquitto")
    broker.start()
    probe = MqttProbe(broker.url, f"{BASE}/#")
    probe.start()
    renderer = ServiceProcess(
        "retroboard-renderer",
        [],
        {
            "MQTT_URL": broker.url,
            "RETROBOARD_BOARD_ID": BOARD,
            "RETROBOARD_STATE_DIR": str(workdir / "state"),
            "RETROBOARD_DISPLAY": "emulator",
        },
        workdir / "renderer.log",
    ).start()
    probe.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", timeout=10)
    yield renderer, probe
    renderer.stop()
    probe.stop()
    broker.kill()


def current_state(probe: MqttProbe) -> dict[str, Any]:
    """Every state payload, freshly republished by the renderer."""
    probe.clear()
    assert probe.request(BOARD, "request_state", {})["success"] is True
    return {name: probe.wait_for(f"{BASE}/state/{name}").json() for name in STATE_NAMES}


def restore(probe: MqttProbe, state: dict[str, Any]) -> None:
    """Put the board back as ``state`` says (after a command that was accepted)."""
    created = set(current_state(probe)["apps_list"]["apps"]) - set(state["apps_list"]["apps"])
    carousel = state["carousel_config"]
    night = {key: value for key, value in state["night"].items() if key != "manual"}
    steps: list[tuple[str, dict[str, Any]]] = [
        *(("delete_app", {"id": name}) for name in sorted(created)),
        (
            "carousel",
            {"enabled": False, "apps": carousel["apps"], "fallback": carousel["fallback"]},
        ),
        ("night", night),  # before the settings: forgetting a place night mode needs fails
        *(
            ("config", {"app": name, "config": info["config"]})
            for name, info in state["apps_list"]["instances"].items()
        ),
        ("switch", {"app": state["current_app"]["app"]}),
        ("settings", state["settings"]),
        ("realtime", {"enabled": state["realtime"]["enabled"]}),
    ]
    for verb, payload in steps:
        assert probe.request(BOARD, verb, payload)["success"] is True, (verb, payload)
    # An accepted notification is on show or queued: dismiss them one by one.
    while current_state(probe)["notification"]["current"] is not None:
        assert probe.request(BOARD, "dismiss", {})["success"] is True


def test_every_bad_command_is_refused_and_changes_nothing(
    renderer_probe: tuple[ServiceProcess, MqttProbe],
) -> None:
    renderer, probe = renderer_probe
    baseline = current_state(probe)
    accepted: list[tuple[str, bytes]] = []

    @given(command=commands)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def fuzz(command: tuple[str, bytes]) -> None:
        verb, payload = command
        probe.clear()
        probe.publish(f"{BASE}/cmd/{verb}", payload, qos=0)  # QoS 0: as the api sends
        reply = probe.wait_for(f"{BASE}/response/{verb}", timeout=10).json()
        assert renderer.running, renderer.output()[-2000:]
        if reply["success"]:
            assert well_formed(verb, payload), (verb, payload, reply)
            accepted.append(command)
            if verb not in ("request_state", "preview"):
                restore(probe, baseline)
            return
        assert reply["error"] and reply["code"], reply
        # State is published before the response, in order: any change would be here.
        changed = [m.topic for m in probe.messages if m.topic.startswith(f"{BASE}/state/")]
        assert changed == [], (verb, payload, reply)

    fuzz()
    assert current_state(probe) == baseline
    assert renderer.running
    assert probe.request(BOARD, "settings", {"brightness": 55})["success"] is True
    assert len(accepted) < EXAMPLES // 2  # mostly bad input, as intended


def test_every_bad_image_upload_is_refused_and_stores_nothing(
    renderer_probe: tuple[ServiceProcess, MqttProbe],
) -> None:
    renderer, probe = renderer_probe
    baseline = current_state(probe)
    names = st.sampled_from(["logo", "x", "Bad", "a" * 80, "..", "logo/extra/levels"])
    signatures = st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\0\0\0\0WEBP", b"BM"])

    @given(name=names, head=signatures, body=st.binary(max_size=256))
    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    def fuzz(name: str, head: bytes, body: bytes) -> None:
        probe.clear()
        probe.publish(f"{BASE}/cmd/asset/{name}", head + body, qos=0)
        reply = probe.wait_for(f"{BASE}/response/asset", timeout=10).json()
        assert renderer.running, renderer.output()[-2000:]
        assert reply["success"] is False and reply["code"], reply

    fuzz()
    assert current_state(probe) == baseline
