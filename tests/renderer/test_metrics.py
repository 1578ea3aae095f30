"""The renderer's Prometheus endpoint, scraped from a real renderer process and read with
Prometheus's own text parser."""

from __future__ import annotations

import socket

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.mosquitto import free_port
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.renderer_contract import BOARD, RendererFactory
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    """Every sample on ``/metrics``, by name and sorted labels."""
    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def start_online(start: RendererFactory, probe: MqttProbe, **env: str) -> ServiceProcess:
    process = start(**env)
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", timeout=10)
    return process


def test_metrics_follow_frames_commands_and_state(
    start_renderer: RendererFactory, probe: MqttProbe
) -> None:
    port = free_port()
    start_online(start_renderer, probe, RETROBOARD_METRICS_PORT=str(port))
    first = scrape(port)
    info = {"board": BOARD, "display": "EmulatorDriver", "width": "64", "height": "32"}
    assert value(first, "retroboard_renderer_info", **info) == 1
    assert value(first, "retroboard_renderer_current_app", app="clock") == 1

    assert probe.request(BOARD, "switch", {"app": "stars"})["success"]  # 60 fps
    assert probe.request(BOARD, "settings", {"brightness": 33, "power": False})["success"]
    assert not probe.request(BOARD, "settings", {"brightness": 300})["success"]
    assert probe.request(BOARD, "settings", {"power": True})["success"]
    assert value(first, "retroboard_renderer_night_mode") == 0
    assert probe.request(BOARD, "night", {"active": True})["success"]  # by hand

    def frames_moved() -> Samples | None:
        now = scrape(port)
        frames = value(now, "retroboard_renderer_frames_total") or 0
        return now if frames > (value(first, "retroboard_renderer_frames_total") or 0) else None

    samples = wait_until(frames_moved, what="frames counted")
    assert value(samples, "retroboard_renderer_current_app", app="clock") is None
    assert value(samples, "retroboard_renderer_current_app", app="stars") == 1
    assert value(samples, "retroboard_renderer_brightness_percent") == 33
    assert value(samples, "retroboard_renderer_power") == 1
    assert value(samples, "retroboard_renderer_night_mode") == 1
    commands = "retroboard_renderer_commands_total"
    assert value(samples, commands, verb="settings", result="success") == 2
    assert value(samples, commands, verb="settings", result="invalid") == 1
    assert value(samples, commands, verb="switch", result="success") == 1
    assert value(samples, commands, verb="night", result="success") == 1
    drawn = value(samples, "retroboard_renderer_frame_seconds_count") or 0
    assert drawn >= (value(first, "retroboard_renderer_frame_seconds_count") or 0) + 1
    assert value(samples, "retroboard_renderer_frame_seconds_bucket", le="+Inf") == drawn
    # Three changes saved (the tests' renderers write state.json at once, no journal).
    writes = "retroboard_renderer_state_writes_total"
    assert (value(samples, writes) or 0) >= (value(first, writes) or 0) + 3
    assert value(samples, "retroboard_renderer_state_commits_total") is not None
    assert value(samples, "retroboard_renderer_state_write_failures_total") == 0
    assert value(samples, "retroboard_renderer_late_frames_total") is not None
    assert value(samples, "retroboard_renderer_notifications_queued") == 0


def test_a_taken_metrics_port_leaves_the_board_running(
    start_renderer: RendererFactory, probe: MqttProbe
) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start_online(start_renderer, probe, RETROBOARD_METRICS_PORT=str(port))
        assert probe.request(BOARD, "switch", {"app": "stars"})["success"]
    assert process.running
    assert f"cannot serve metrics on tcp/{port}" in process.output()
