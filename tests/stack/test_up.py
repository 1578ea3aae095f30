"""``retroboard up`` as a user runs it: output, a live stack, Ctrl+C, and failures."""

from __future__ import annotations

import json
import re
import signal
import socket
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs installed
import socketio

from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.mqtt_probe import MqttProbe
from tests.support.stack import wait_until
from tests.support.stack_run import SERVICES, StackRun, gone
from tests.support.states import settings_state

BROKER_LINE = r"MQTT broker (mqtt://127\.0\.0\.1:\d+) \(embedded\)"


def test_up_runs_the_stack_and_ctrl_c_stops_it(
    retroboard: Callable[..., StackRun], tmp_path: Path
) -> None:
    port = free_port()
    run = retroboard(
        "up",
        "--port",
        str(port),
        "--state-dir",
        str(tmp_path / "state"),
        "--board-id",
        "stacktest",
        "--services",
        SERVICES,
    )
    run.wait_for_output(BROKER_LINE)
    broker_url = run.wait_for_output(BROKER_LINE).group(1)
    if "api" in SERVICES:
        run.wait_for_output(rf"dashboard: http://localhost:{port}/")

    probe = MqttProbe(broker_url)
    probe.start()
    try:
        probe.wait_for("retroboard/stacktest/status", lambda m: m.payload == b"online", timeout=20)
        current = probe.wait_for("retroboard/stacktest/state/current_app", timeout=10).json()
        assert "app" in current
        if "api" in SERVICES:
            check_api_and_live_events(run, port, probe)

        services = run.descendants()
        assert len(services) >= len(SERVICES.split(","))
        probe.clear()
        assert run.interrupt() == 0
        # the renderer said goodbye before the broker went away
        probe.wait_for("retroboard/stacktest/status", lambda m: m.payload == b"offline")
    finally:
        probe.stop()
    assert gone(services) == []
    assert (tmp_path / "state").is_dir()


def check_api_and_live_events(run: StackRun, port: int, probe: MqttProbe) -> None:
    """The dashboard's path: HTTP health, then a Socket.IO client that gets a change
    made on the board through renderer → MQTT → bridge → queue → api."""
    run.wait_for_output(rf"dashboard ready at http://localhost:{port}/")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as response:
        assert response.status == 200
        json.loads(response.read())

    received: list[tuple[str, object]] = []
    client = socketio.Client(reconnection=False)
    client.on("*", lambda event, data=None: received.append((event, data)))
    client.connect(
        f"http://127.0.0.1:{port}?board=stacktest", transports=["websocket"], wait_timeout=10
    )
    try:
        sent = [40]

        def change_arrives_live() -> bool:
            # Each try a new value: the api's queue listener may not be subscribed yet
            # for the first client, so an earlier change can be missed.
            if ("settings", settings_state(sent[-1])) in received:
                return True
            sent.append(41 if sent[-1] == 40 else 40)
            probe.request("stacktest", "settings", {"brightness": sent[-1]})
            return False

        wait_until(change_arrives_live, timeout=15, what="a live settings event", interval=0.3)
    finally:
        client.disconnect()


def test_busy_port_is_one_line_and_exit_2(retroboard: Callable[..., StackRun]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = retroboard("up", "--port", str(port))
        assert run.process is not None
        assert run.process.wait(15) == 2
    assert run.output().strip().splitlines() == [
        f"retroboard: port {port} on 127.0.0.1 is already in use (choose another with --port)"
    ]


def test_bad_setting_stops_the_stack_with_its_error(
    retroboard: Callable[..., StackRun], tmp_path: Path
) -> None:
    run = retroboard(
        "up",
        "--port",
        str(free_port()),
        "--state-dir",
        str(tmp_path / "state"),
        "--services",
        SERVICES,
        MATRIX_ROWS="abc",
    )
    assert run.process is not None
    assert run.process.wait(30) == 2
    output = run.output()
    error = "retroboard-renderer: invalid setting MATRIX_ROWS: Input should be a valid integer"
    assert re.search(rf"^\d\d:\d\d:\d\d renderer +\| {re.escape(error)}", output, re.MULTILINE)
    assert (
        output.strip()
        .splitlines()[-1]
        .startswith(f"retroboard: renderer exited with code 2, stack stopped: {error}")
    )
    assert "Traceback" not in output


def test_bad_flag_value_is_one_line(retroboard: Callable[..., StackRun]) -> None:
    run = retroboard("up", "--board-id", "no/slash")
    assert run.process is not None
    assert run.process.wait(15) == 2
    assert run.output().strip().splitlines() == [
        "retroboard: invalid setting RETROBOARD_BOARD_ID: "
        "'no/slash' is not a valid board id (letters, digits, '_', '-', '.')"
    ]


def test_up_uses_a_given_broker_instead_of_embedding_one(
    retroboard: Callable[..., StackRun], broker: MosquittoBroker, probe: MqttProbe, tmp_path: Path
) -> None:
    run = retroboard(
        "up",
        "--mqtt-url",
        broker.url,
        "--services",
        "renderer",
        "--state-dir",
        str(tmp_path / "state"),
        "--board-id",
        "external",
    )
    run.wait_for_output(rf"MQTT broker {re.escape(broker.url)} \(external\)")
    probe.wait_for("retroboard/external/status", lambda m: m.payload == b"online", timeout=20)
    assert run.interrupt() == 0
    probe.wait_for("retroboard/external/status", lambda m: m.payload == b"offline")


def start_full_stack(
    retroboard: Callable[..., StackRun],
    broker: MosquittoBroker,
    probe: MqttProbe,
    tmp_path: Path,
    board: str,
) -> tuple[StackRun, list[psutil.Process]]:
    """``retroboard up`` with every service on ``broker``, once the board is online and
    the dashboard answers; with its processes."""
    port = free_port()
    run = retroboard(
        "up",
        "--mqtt-url",
        broker.url,
        "--port",
        str(port),
        "--services",
        SERVICES,
        "--state-dir",
        str(tmp_path / "state"),
        "--board-id",
        board,
    )
    probe.wait_for(f"retroboard/{board}/status", lambda m: m.payload == b"online", timeout=20)
    if "api" in SERVICES:
        run.wait_for_output(rf"dashboard ready at http://localhost:{port}/", timeout=30)
    return run, run.descendants()


def test_hang_up_stops_the_stack_like_ctrl_c(
    retroboard: Callable[..., StackRun], broker: MosquittoBroker, probe: MqttProbe, tmp_path: Path
) -> None:
    run, processes = start_full_stack(retroboard, broker, probe, tmp_path, "hangup")
    assert run.process is not None
    probe.clear()
    run.process.send_signal(signal.SIGHUP)  # the terminal was closed
    assert run.process.wait(20) == 0  # as after Ctrl+C: the user asked for it
    probe.wait_for("retroboard/hangup/status", lambda m: m.payload == b"offline")
    wait_until(lambda: gone(processes) == [], timeout=20, what="every service gone")
    assert "SIGHUP received" in run.output()


def test_killed_supervisor_takes_its_services_along(
    retroboard: Callable[..., StackRun], broker: MosquittoBroker, probe: MqttProbe, tmp_path: Path
) -> None:
    run, processes = start_full_stack(retroboard, broker, probe, tmp_path, "orphans")
    probe.clear()
    run.kill()  # SIGKILL, as the OOM killer sends: no handler runs in retroboard up
    # The renderer stops cleanly (its goodbye, not the broker's last will on a timeout) …
    probe.wait_for("retroboard/orphans/status", lambda m: m.payload == b"offline", timeout=20)
    wait_until(lambda: gone(processes) == [], timeout=20, what="every service gone")
    # … and the next run can have the port and the state folder.
    again, _ = start_full_stack(retroboard, broker, probe, tmp_path, "orphans")
    assert again.interrupt() == 0
