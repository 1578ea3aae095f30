"""Realtime pixel streams on the dashboard, in a real Chromium against the real stack: the
overlay over the live preview while a stream owns the panel, and the on/off switch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.stack import BOARD, wait_until
from tests.web.dashboard import Dashboard
from tests.web.stack import WebStack

pytestmark = pytest.mark.integration

STATE = f"retroboard/{BOARD}/state/realtime"
IDLE = {"active": False, "protocol": None, "source": None, "fps": 0.0}


def announce(stack: WebStack, **realtime: Any) -> None:
    """Publish ``state/realtime`` as the renderer does (retained), once the api has it.

    The renderer publishes this topic only when something changes, so what a test puts
    there stays until the test's own command makes the renderer publish its truth.
    """
    stack.probe.publish(STATE, realtime, retain=True)
    wait_until(
        lambda: stack.get("/api/realtime").json() == {"success": True, **realtime},
        what="the api's copy of state/realtime",
    )


@pytest.fixture
def renderer_truth(web_stack: WebStack) -> Iterator[None]:
    """Afterwards: streams allowed again, and the renderer's own state on the topic."""
    yield
    # "off" then "on": the renderer republishes its real state over a faked one.
    assert web_stack.post("/api/realtime", json={"enabled": False}).ok
    assert web_stack.post("/api/realtime", json={"enabled": True}).ok


@pytest.mark.usefixtures("renderer_truth")
def test_a_stream_is_named_over_the_preview(dashboard: Dashboard, web_stack: WebStack) -> None:
    overlay = dashboard.page.get_by_test_id("realtime-overlay")
    expect(overlay).to_have_count(0)

    announce(web_stack, enabled=True, active=True, protocol="ddp", source="192.168.7.9", fps=59.7)
    expect(overlay).to_have_text("Live stream from 192.168.7.9, 60 fps")
    expect(overlay).to_be_visible()
    box, preview = overlay.bounding_box(), dashboard.preview.bounding_box()
    assert box and preview  # the overlay lies over the preview, inside it
    assert preview["x"] <= box["x"] and box["x"] + box["width"] <= preview["x"] + preview["width"]
    assert preview["y"] <= box["y"] and box["y"] + box["height"] <= preview["y"] + preview["height"]
    expect(dashboard.preview).to_have_attribute(
        "aria-label", "Live preview of the board, showing a pixel stream"
    )

    announce(web_stack, enabled=True, active=True, protocol="e131", source="10.1.2.3", fps=24.2)
    expect(overlay).to_have_text("Live stream from 10.1.2.3, 24 fps")

    announce(web_stack, enabled=True, **IDLE)  # the stream went quiet: the app is back
    expect(overlay).to_have_count(0)


@pytest.mark.usefixtures("renderer_truth")
def test_the_switch_turns_realtime_streams_off_and_on(
    dashboard: Dashboard, web_stack: WebStack
) -> None:
    page = dashboard.page
    switch = page.get_by_role("switch", name="Realtime streams")
    status = page.get_by_test_id("realtime-status")
    announce(web_stack, enabled=True, **IDLE)
    expect(switch).to_be_checked()
    expect(status).to_have_text("Waiting for DDP, E1.31 or Art-Net")

    switch.uncheck()
    expect(status).to_have_text("Realtime streams off")
    expect(switch).not_to_be_checked()
    assert web_stack.get("/api/realtime").json()["enabled"] is False

    switch.check()
    expect(switch).to_be_checked()
    expect(status).to_have_text("Waiting for DDP, E1.31 or Art-Net")
    assert web_stack.get("/api/realtime").json()["enabled"] is True
