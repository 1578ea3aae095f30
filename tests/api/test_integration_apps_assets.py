"""App instances and the image library over REST, against the real stack (Mosquitto, a
renderer process, the api under gunicorn): what users do, and every bad request."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from tests.support.stack import BOARD, Stack

pytestmark = pytest.mark.integration


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (16, 8), frames: int = 1) -> bytes:
    out = io.BytesIO()
    images = [Image.new("RGB", size, (40 * n, 0, 255)) for n in range(frames)]
    images[0].save(out, fmt, save_all=frames > 1, append_images=images[1:], duration=100)
    return out.getvalue()


def upload(stack: Stack, filename: str, data: bytes, **form: str) -> tuple[int, Any]:
    response = stack.http.post(
        stack.url + "/api/assets", files={"file": (filename, data)}, data=form, timeout=10
    )
    return response.status_code, response.json()


def test_app_types_are_published_apart_from_the_instances(stack: Stack) -> None:
    types = stack.get("/api/app-types").json()["types"]
    assert {"clock", "countdown", "weather", "image", "web_image"} <= set(types)
    assert types["image"]["schema"]["properties"]["asset"]["format"] == "asset"
    assert "schema" not in stack.get("/api/apps").text


def test_an_instance_is_created_read_and_deleted(stack: Stack) -> None:
    created = stack.post(
        "/api/apps",
        json={"id": "clock-tokyo", "type": "clock", "config": {"timezone": "Asia/Tokyo"}},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["success"] and body["id"] == "clock-tokyo" and body["type"] == "clock"
    assert body["config"]["timezone"] == "Asia/Tokyo"
    assert stack.get("/api/apps/clock-tokyo").json() == body
    assert stack.get(f"/api/boards/{BOARD}/apps/clock-tokyo").json() == body
    assert "clock-tokyo" in stack.get("/api/apps").json()["apps"]
    config = stack.get("/api/apps/clock-tokyo/config").json()
    assert config["type"] == "clock" and "timezone" in config["schema"]["properties"]

    switched = stack.post("/api/switch", json={"app": "clock-tokyo"})
    assert switched.json()["app"] == "clock-tokyo"
    deleted = stack.http.delete(stack.url + "/api/apps/clock-tokyo", timeout=10)
    assert deleted.status_code == 200, deleted.text
    assert "clock-tokyo" not in deleted.json()["apps"]
    assert deleted.json()["current"] is None
    assert stack.get("/api/apps/clock-tokyo").status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"id": "clock", "type": "clock"}, 409),
        ({"id": "new", "type": "no-such-type"}, 404),
        ({"id": "new", "type": "clock", "config": {"font": "huge"}}, 422),
        ({"id": "Not Valid", "type": "clock"}, 422),
        ({"id": "new"}, 422),
        ({"id": "new", "type": "clock", "extra": 1}, 422),
    ],
)
def test_bad_creates_are_refused_and_change_nothing(
    stack: Stack, body: dict[str, Any], status: int
) -> None:
    before = stack.get("/api/apps").json()
    response = stack.post("/api/apps", json=body)
    assert response.status_code == status, response.text
    assert response.json()["success"] is False and response.json()["error"]
    assert stack.get("/api/apps").json() == before


@pytest.mark.parametrize(("app", "status"), [("clock", 409), ("stars", 409), ("nothing", 404)])
def test_the_originals_and_unknown_apps_are_not_deleted(
    stack: Stack, app: str, status: int
) -> None:
    response = stack.http.delete(f"{stack.url}/api/apps/{app}", timeout=10)
    assert response.status_code == status, response.text
    assert {"clock", "scroll_text", "stars"} <= set(stack.get("/api/apps").json()["apps"])


def test_an_image_is_uploaded_served_used_and_deleted(stack: Stack) -> None:
    data = image_bytes("GIF", frames=3)
    status, body = upload(stack, "Party Time.GIF", data)
    assert status == 201, body
    assert body == {
        "success": True,
        "name": "party-time",
        "format": "gif",
        "width": 16,
        "height": 8,
        "frames": 3,
        "bytes": len(data),
    }
    listed = stack.get("/api/assets").json()
    assert [asset["name"] for asset in listed["assets"]] == ["party-time"]
    assert listed["bytes"] == len(data) and listed["limit"] == 32 * 1024 * 1024
    served = stack.get("/api/assets/party-time")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/gif" and served.content == data

    created = stack.post(
        "/api/apps", json={"id": "party", "type": "image", "config": {"asset": "party-time"}}
    )
    assert created.status_code == 201, created.text
    refused = stack.http.delete(stack.url + "/api/assets/party-time", timeout=10)
    assert refused.status_code == 409 and "party" in refused.json()["error"]
    assert stack.http.delete(stack.url + "/api/apps/party", timeout=10).status_code == 200
    deleted = stack.http.delete(stack.url + "/api/assets/party-time", timeout=10)
    assert deleted.status_code == 200 and deleted.json()["assets"] == []
    assert stack.get("/api/assets/party-time").status_code == 404


def test_an_upload_may_name_the_image(stack: Stack) -> None:
    status, body = upload(stack, "whatever.png", image_bytes(), name="logo")
    assert status == 201 and body["name"] == "logo"
    assert stack.http.delete(stack.url + "/api/assets/logo", timeout=10).status_code == 200


@pytest.mark.parametrize(
    ("filename", "data", "form", "status"),
    [
        ("notes.txt", b"hello, this is no picture", {}, 415),
        ("big.png", b"\x89PNG\r\n\x1a\n" + bytes(1024 * 1024), {}, 413),
        ("ok.png", image_bytes(), {"name": "Bad Name"}, 422),
        ("broken.png", image_bytes()[:40], {}, 422),
    ],
)
def test_bad_uploads_are_refused_and_store_nothing(
    stack: Stack, filename: str, data: bytes, form: dict[str, str], status: int
) -> None:
    code, body = upload(stack, filename, data, **form)
    assert code == status, body
    assert body["success"] is False and body["error"]
    assert stack.get("/api/assets").json()["assets"] == []


def test_an_upload_that_is_not_multipart_or_far_too_big_is_refused(stack: Stack) -> None:
    as_json = stack.post("/api/assets", json={"file": "x"})
    assert as_json.status_code == 415 and as_json.json()["success"] is False
    huge = stack.http.post(
        stack.url + "/api/assets", files={"file": ("huge.png", bytes(3 * 1024 * 1024))}, timeout=10
    )
    assert huge.status_code == 413 and huge.json()["success"] is False
    no_file = stack.http.post(stack.url + "/api/assets", files={"other": ("a", b"x")}, timeout=10)
    assert no_file.status_code == 422
    assert stack.get("/api/assets").json()["assets"] == []
