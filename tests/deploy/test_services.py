"""compose.yaml run for real, outside Docker: each service's command and environment.

For the renderer, the api and the bridge this takes what the container would run
(compose's command, else the Dockerfile's ENTRYPOINT + CMD) and what it would be
given (the Dockerfile's ENV, then compose's environment), changes only what must
differ on this machine (broker address, state folder, HTTP port, no panel), and
starts it against the test's Mosquitto. So compose.yaml cannot drift from the code:
a renamed console script, setting or entrypoint fails here.

Two ways to fill in compose's ``${NAME:-default}``: as Docker Compose does (this
test interpolates), and as balena does (it does not; the image's entrypoint does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.deployfiles import (
    ROOT,
    interpolate,
    load_compose,
    service_argv,
    service_dockerfile,
    service_environment,
)
from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
BOARD = "deploytest"
COMPOSE_BROKER = "@mosquitto:1883"
SETTING_PREFIXES = ("MQTT_", "RETROBOARD_", "MATRIX_", "SOCKETIO_")

# What the operator puts in .env or in balena's fleet variables for this test.
OPERATOR = {
    "MQTT_USERNAME": "retroboard",
    "MQTT_PASSWORD": "test-secret",
    "RETROBOARD_BOARD_ID": BOARD,
    "RETROBOARD_DISPLAY": "emulator",  # no panel here
}


def interpolate_like(mode: str, value: str) -> str:
    """Fill in compose's expressions as Docker Compose would, or leave them (balena)."""
    return interpolate(value, OPERATOR) if mode == "docker" else value


def on_this_machine(
    environment: Mapping[str, str], broker_port: int, tmp_path: Path, port: int
) -> dict[str, str]:
    """Point the container's environment at this machine: only addresses and paths change."""
    local = dict(environment)
    if "MQTT_URL" in local:
        # Swap compose's host for the test broker; keep the rest, expressions included.
        assert local["MQTT_URL"].endswith(COMPOSE_BROKER), local["MQTT_URL"]
        local["MQTT_URL"] = local["MQTT_URL"].replace(COMPOSE_BROKER, f"@127.0.0.1:{broker_port}")
    if "RETROBOARD_STATE_DIR" in local:
        local["RETROBOARD_STATE_DIR"] = str(tmp_path / "state")
    if "RETROBOARD_WEB_DIST" in local:
        local["RETROBOARD_WEB_DIST"] = str(ROOT / "web" / "dist")
    if "RETROBOARD_API_PORT" in local:
        local["RETROBOARD_API_PORT"] = str(port)
    return local


def host_argv(argv: list[str], copies: Mapping[str, str]) -> list[str]:
    """The container's argv with files the image copied from the repository mapped back.

    Programs (``python``, console scripts) are looked up in this virtualenv.
    """
    return [str(ROOT / copies[word]) if word in copies else word for word in argv]


def build_service(
    name: str, mode: str, broker_port: int, tmp_path: Path, port: int
) -> ServiceProcess:
    """A ServiceProcess running compose's service ``name`` on this machine."""
    service = load_compose()["services"][name]
    dockerfile = service_dockerfile(service)
    image_env = {k: v for k, v in dockerfile.env.items() if k.startswith(SETTING_PREFIXES)}
    compose_env = {k: interpolate_like(mode, v) for k, v in service_environment(service).items()}
    environment = on_this_machine({**image_env, **compose_env}, broker_port, tmp_path, port)
    if mode == "balena":
        environment = {**environment, **OPERATOR}  # fleet variables reach every service
    environment["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    argv = host_argv(service_argv(service, dockerfile), dockerfile.copies)
    return ServiceProcess(argv[0], argv[1:], environment, tmp_path / f"{name}.log")


@pytest.fixture
def start(broker: MosquittoBroker, tmp_path: Path) -> Iterator[Callable[[str, str], Any]]:
    """Start compose services as processes; all are stopped after the test."""
    started: list[ServiceProcess] = []
    port = free_port()

    def run(name: str, mode: str) -> tuple[ServiceProcess, int]:
        process = build_service(name, mode, broker.port, tmp_path, port)
        started.append(process.start())
        return process, port

    yield run
    for process in reversed(started):
        process.stop()


def get_json(url: str, timeout: float = 20.0) -> Any:
    """GET ``url`` until it answers (the api needs a moment to start)."""

    def answer() -> Any:
        with urllib.request.urlopen(url, timeout=2) as response:
            return [json.load(response)]  # in a list: an empty answer is an answer too

    return wait_until(answer, timeout, f"an answer from {url}", ignoring=(OSError,))[0]


def assert_retained_online(broker: MosquittoBroker) -> None:
    """The renderer's retained status is ``online`` (a new subscriber gets it at once)."""

    def retained_online() -> bool:
        late = MqttProbe(broker.url)
        late.start()
        try:
            status = late.wait_for(f"retroboard/{BOARD}/status", timeout=2)
        except AssertionError:
            return False
        finally:
            late.stop()
        return status.retain and status.payload == b"online"

    wait_until(retained_online, 20, "a retained online status", ignoring=())


def wait_for_output(process: ServiceProcess, text: str, timeout: float = 15.0) -> None:
    """Block until the process has printed ``text`` (fails if it died)."""

    def printed() -> bool:
        if text in process.output():
            return True
        assert process.running, f"exited:\n{process.output()}"
        return False

    try:
        wait_until(printed, timeout, f"{text!r} printed", ignoring=())
    except TimeoutError:
        raise AssertionError(f"no {text!r} in:\n{process.output()}") from None


@pytest.mark.parametrize("mode", ["docker", "balena"])
def test_compose_services_come_up(
    mode: str, start: Callable[[str, str], Any], broker: MosquittoBroker
) -> None:
    renderer, _ = start("renderer", mode)
    assert_retained_online(broker)

    api, port = start("api", mode)
    # The api serves while its MQTT connection is still being made: give it a moment.
    health_url = f"http://127.0.0.1:{port}/api/health"
    seen: list[Any] = []

    def connected_health() -> Any:
        seen.append(get_json(health_url))
        return seen[-1] if seen[-1]["mqtt"]["connected"] else None

    try:
        health = wait_until(connected_health, 10, "the api connected", ignoring=(OSError,))
    except TimeoutError:
        raise AssertionError(f"the api never connected to the broker: {seen[-1:]}") from None
    assert health["success"] is True

    bridge, _ = start("bridge", mode)
    wait_for_output(bridge, "connected to MQTT broker")
    wait_for_output(bridge, "mirroring")

    # The board id reached every service alike: the api's default board is online.
    try:
        wait_until(
            lambda: get_json(health_url)["boards"][BOARD]["online"],
            timeout=10,
            what="the renderer online at the api",
            ignoring=(OSError,),
        )
    except TimeoutError:
        raise AssertionError("the api never saw the renderer") from None
    # sleep: the bridge must stay up, not just start; staying up is no event to wait on,
    # only the absence of an exit over a span of time.
    time.sleep(1)
    for process in (renderer, api, bridge):
        assert process.running, process.output()


def test_compose_healthcheck_passes_against_the_running_api(
    start: Callable[[str, str], Any], broker: MosquittoBroker, tmp_path: Path
) -> None:
    api, port = start("api", "docker")
    get_json(f"http://127.0.0.1:{port}/api/health")
    service = load_compose()["services"]["api"]
    kind, *command = service["healthcheck"]["test"]
    assert kind == "CMD"
    environment = {**os.environ, "RETROBOARD_API_PORT": str(port)}
    executable = str(BIN / command[0])
    result = subprocess.run(
        [executable, *command[1:]], env=environment, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert api.running
