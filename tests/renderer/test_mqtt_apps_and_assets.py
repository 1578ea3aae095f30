"""App instances and the image library over a real Mosquitto: create, show, delete;
upload an image as a binary command, read it back, delete it; bad input is refused."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from PIL import Image

from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.renderer_contract import BOARD, RendererFactory

pytestmark = pytest.mark.integration

BASE = f"retroboard/{BOARD}"


def png(width: int = 8, height: int = 8, colour: tuple[int, int, int] = (255, 0, 0)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def upload(probe: MqttProbe, name: str, data: bytes) -> Any:
    transaction = uuid.uuid4().hex
    probe.publish(f"{BASE}/cmd/asset/{name}/{transaction}", data)
    return probe.wait_for(
        f"{BASE}/response/asset", lambda m: m.json().get("transaction") == transaction
    ).json()


def test_an_instance_is_created_shown_and_deleted(
    renderer: ServiceProcess, probe: MqttProbe
) -> None:
    reply = probe.request(
        BOARD,
        "create_app",
        {"id": "clock-tokyo", "type": "clock", "config": {"timezone": "Asia/Tokyo"}},
    )
    assert reply["success"], reply
    listed = reply["state"]["apps_list"]
    assert listed["apps"][-1] == "clock-tokyo"
    assert listed["instances"]["clock-tokyo"]["config"]["timezone"] == "Asia/Tokyo"
    assert probe.request(BOARD, "switch", {"app": "clock-tokyo"})["success"]
    reply = probe.request(BOARD, "delete_app", {"id": "clock-tokyo"})
    assert reply["success"]
    assert reply["state"]["current_app"] == {"app": None, "config": {}}
    assert "clock-tokyo" not in reply["state"]["apps_list"]["apps"]


@pytest.mark.parametrize(
    ("verb", "payload", "code"),
    [
        ("create_app", {"id": "clock", "type": "clock"}, "exists"),
        ("create_app", {"id": "x", "type": "nope"}, "unknown_type"),
        ("create_app", {"id": "Bad Id", "type": "clock"}, "invalid"),
        (
            "create_app",
            {"id": "x", "type": "clock", "config": {"timezone": "Mars/Base"}},
            "invalid",
        ),
        ("delete_app", {"id": "clock"}, "conflict"),
        ("delete_app", {"id": "nothing"}, "unknown_app"),
        ("delete_asset", {"name": "nothing"}, "unknown_asset"),
        ("asset_data", {"name": "nothing"}, "unknown_asset"),
    ],
)
def test_bad_instance_and_asset_commands_are_refused(
    renderer: ServiceProcess, probe: MqttProbe, verb: str, payload: dict[str, Any], code: str
) -> None:
    reply = probe.request(BOARD, verb, payload)
    assert (reply["success"], reply["code"]) == (False, code), reply
    apps = probe.request(BOARD, "request_state", {})["state"]["apps_list"]["apps"]
    assert apps == ["clock", "scroll_text", "stars"]


def test_an_image_is_uploaded_read_back_shown_and_deleted(
    renderer: ServiceProcess, probe: MqttProbe
) -> None:
    data = png()
    reply = upload(probe, "red", data)
    assert reply["success"], reply
    assert reply["state"]["asset"] == {
        "name": "red",
        "format": "png",
        "width": 8,
        "height": 8,
        "frames": 1,
        "bytes": len(data),
    }
    assert reply["state"]["assets"]["assets"] == [reply["state"]["asset"]]
    assert probe.wait_for(f"{BASE}/state/assets", lambda m: bool(m.json()["assets"]))

    transaction = uuid.uuid4().hex
    probe.publish(f"{BASE}/cmd/asset_data", {"name": "red", "transaction": transaction})
    assert probe.wait_for(f"{BASE}/asset_data/{transaction}").payload == data

    created = probe.request(
        BOARD, "create_app", {"id": "photo", "type": "image", "config": {"asset": "red"}}
    )
    assert created["success"], created
    refused = probe.request(BOARD, "delete_asset", {"name": "red"})
    assert (refused["success"], refused["code"]) == (False, "conflict")
    assert "photo" in refused["error"]
    assert probe.request(BOARD, "delete_app", {"id": "photo"})["success"]
    deleted = probe.request(BOARD, "delete_asset", {"name": "red"})
    assert deleted["success"] and deleted["state"]["assets"]["assets"] == []


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("notes", b"just some text", "unsupported"),
        ("Bad_Name", png(), "invalid"),
        ("huge", b"\x89PNG" + b"\0" * (1024 * 1024), "too_large"),
    ],
)
def test_bad_uploads_are_refused_and_store_nothing(
    renderer: ServiceProcess, probe: MqttProbe, name: str, data: bytes, code: str
) -> None:
    reply = upload(probe, name, data)
    assert (reply["success"], reply["code"]) == (False, code), reply
    state = probe.request(BOARD, "request_state", {})["state"]["assets"]
    assert state["assets"] == [] and state["bytes"] == 0


def test_the_library_survives_a_restart(
    start_renderer: RendererFactory, probe: MqttProbe, broker: MosquittoBroker
) -> None:
    first = start_renderer()
    probe.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", timeout=10)
    assert upload(probe, "kept", png(4, 4))["success"]
    first.stop()
    probe.clear()
    start_renderer()
    probe.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", timeout=10)
    state = probe.request(BOARD, "request_state", {})["state"]["assets"]
    assert [asset["name"] for asset in state["assets"]] == ["kept"]
