"""The central api and bridge facing a fleet of N boards on a default Mosquitto.

    .venv/bin/python -m bench.fleet --boards 10000
    .venv/bin/python -m bench.fleet --boards 100,1000,10000 [--json FILE]
    .venv/bin/python -m bench.fleet --quick            # 1 and 1,000 boards, fewer rounds

Once, a real ``retroboard-renderer`` (emulator) gives its retained payloads
(``bench.fleet_sim``). For each fleet size (and always for a 1-board fleet, the
reference of the change latency) a private Mosquitto on its *default* settings gets,
from a few paho clients, every board's ``status`` (``online``), ``health``, five states
and fleet index entry, retained, QoS 1. Then ``retroboard-api`` and
``retroboard-bridge`` start (from ``.bench-venv`` when it exists, else the development
venv; ``RETROBOARD_BOARD_ID`` the fleet's first board) and the benchmark measures, as a
user meets it:

- seconds until ``GET /api/boards`` counts every board (its ``total``, else the
  length of ``boards``); on a timeout, the count reached; and until the bridge says it
  has read them all (``retroboard/_bridge/ready``);
- the last board: ``GET /api/boards/<last>/current`` 200, a Socket.IO client with
  ``?board=<last>`` getting its ``current_app`` snapshot, its Home Assistant discovery
  config (the light's) on the broker;
- api and bridge RSS (process trees) once loaded;
- ``GET /api/boards?limit=100`` p50/p99, and with a board's ``prefix=``;
- change latency: a new retained ``state/settings`` for a random board until a
  Socket.IO client watching that board gets ``settings``, against the 1-board fleet;
- recovery: the broker stopped and started on the same port, the simulator
  republishing everything (as board bridges do); seconds until the api serves the
  last board again with every board known.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import requests
import socketio
from paho.mqtt.enums import CallbackAPIVersion

from bench.figures import ms, percentile, verdict
from bench.fleet_sim import FleetSimulator, Payloads, board_ids, capture_payloads
from bench.imagevenv import VENV, ensure_venv
from bench.machine import describe_machine
from bench.stack import Workdir, rss_mb, service_process
from retroboard_bridge.homeassistant.topics import HassTopics
from retroboard_bridge.settings import BridgeSettings
from retroboard_common.topics import BRIDGE_READY
from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.processes import ServiceProcess
from tests.support.waiting import wait_until

LOAD_TARGET_S = 30.0
RSS_TARGET_MB = 250.0
RSS_TARGET_BOARDS = 10_000
LIST_P99_TARGET_MS = 50.0
CHANGE_RATIO_TARGET = 1.5
ROUND_TIMEOUT = 5.0
GIVE_UP_AFTER_LOST = 3  # consecutive lost rounds: the api does not serve those boards
HA_PREFIX = "homeassistant"


@dataclass
class FleetRun:
    """The figures of one fleet size (NaN: not reached within the timeout)."""

    boards: int
    publish_seconds: float = math.nan  # the simulator, every message acknowledged
    load_seconds: float = math.nan  # services started → every board known
    bridge_load_seconds: float = math.nan  # services started → the bridge's ready message
    known: int = 0  # boards counted by GET /api/boards at the end of the wait
    last_current_status: int = 0
    last_current_seconds: float = math.nan  # services started → last board's current 200
    snapshot_ms: float = math.nan
    discovery_seconds: float = math.nan  # services started → last board's HA config
    api_rss_mb: float = math.nan
    bridge_rss_mb: float = math.nan
    list_p50_ms: float = math.nan
    list_p99_ms: float = math.nan
    prefix_p50_ms: float = math.nan
    prefix_p99_ms: float = math.nan
    change_ms: list[float] = field(default_factory=list)
    change_rounds: int = 0
    change_lost: int = 0
    restart_republish_seconds: float = math.nan
    restart_seconds: float = math.nan  # broker up → last board online and served, all known
    restart_known: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def change_p50_ms(self) -> float:
        return percentile(self.change_ms, 50)

    @property
    def change_p99_ms(self) -> float:
        return percentile(self.change_ms, 99)

    @property
    def rss_total_mb(self) -> float:
        return self.api_rss_mb + self.bridge_rss_mb

    def summary(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "change_ms"}
        data["change_p50_ms"] = self.change_p50_ms
        data["change_p99_ms"] = self.change_p99_ms
        return data


@dataclass
class FleetReport:
    """Every fleet size measured, with the 1-board reference."""

    machine: str
    venv: str
    when: str
    runs: list[FleetRun] = field(default_factory=list)

    def find(self, boards: int) -> FleetRun | None:
        return next((run for run in self.runs if run.boards == boards), None)

    def change_ratio(self, run: FleetRun) -> float:
        """p50 change latency over the 1-board fleet's."""
        one = self.find(1)
        if one is None or not one.change_ms or not run.change_ms:
            return math.nan
        return run.change_p50_ms / one.change_p50_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "venv": self.venv,
            "when": self.when,
            "runs": [
                {**run.summary(), "change_p50_ratio": self.change_ratio(run)} for run in self.runs
            ],
        }


class Services:
    """``retroboard-api`` and ``retroboard-bridge`` against the fleet's broker."""

    def __init__(
        self, workdir: Path, tag: str, broker_url: str, board: str, bin_dir: Path | None
    ) -> None:
        self.port = free_port()
        common = {
            "MQTT_URL": broker_url,
            "RETROBOARD_BOARD_ID": board,
            "RETROBOARD_LOG_LEVEL": "WARNING",
        }
        api_env = {
            **common,
            "RETROBOARD_API_HOST": "127.0.0.1",
            "RETROBOARD_API_PORT": str(self.port),
        }
        # Logs at the top of the work dir: Workdir.close prints those on a failure.
        logs = {name: workdir / f"{name}-{tag}.log" for name in ("api", "bridge")}
        self.api = service_process("retroboard-api", api_env, logs["api"], bin_dir)
        self.bridge = service_process("retroboard-bridge", common, logs["bridge"], bin_dir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.api.start()
        self.bridge.start()

    def check(self) -> None:
        """Raise when a service died."""
        for name, service in (("api", self.api), ("bridge", self.bridge)):
            if not service.running:
                raise RuntimeError(f"{name} exited")

    def stop(self) -> None:
        self.api.stop()
        self.bridge.stop()

    @staticmethod
    def rss(service: ServiceProcess) -> float:
        assert service.process is not None
        return rss_mb(service.process.pid)


class TopicWatch:
    """When a topic first carries a message on the broker (a probe subscription); an
    empty payload counts only with ``empty``."""

    def __init__(self, port: int, topic: str, *, empty: bool = False) -> None:
        self.arrived = math.nan
        self._empty = empty
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"fleet-watch-{port}-{uuid.uuid4().hex[:6]}"
        )
        self.client.on_message = self._on_message
        # Subscribed on every connect: paho sends no SUBSCRIBE before its CONNACK.
        self.client.on_connect = lambda client, *_args: client.subscribe(topic, qos=1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        if math.isnan(self.arrived) and (message.payload or self._empty):
            self.arrived = time.monotonic()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def known_boards(http: requests.Session, url: str) -> int:
    """Boards the api counts: ``total`` of a paginated answer, else the list's length."""
    body = http.get(f"{url}/api/boards", params={"limit": 1}, timeout=10).json()
    if "total" in body:
        return int(body["total"])
    return len(body.get("boards", []))


def wait_known(
    http: requests.Session, services: Services, boards: int, timeout: float
) -> tuple[float, int]:
    """Seconds until the api counts ``boards`` boards (NaN on timeout), and the count."""
    started = time.monotonic()
    count = 0
    while time.monotonic() - started < timeout:
        services.check()
        try:
            count = known_boards(http, services.url)
        except (requests.RequestException, ValueError):
            count = count  # not listening yet, or a half-started worker
        if count >= boards:
            return time.monotonic() - started, count
        time.sleep(0.2)
    return math.nan, count


def current_status(http: requests.Session, url: str, board: str) -> int:
    """Status code of ``GET /api/boards/<board>/current`` (0: no answer)."""
    try:
        return http.get(f"{url}/api/boards/{board}/current", timeout=10).status_code
    except requests.RequestException:
        return 0


def wait_current(
    http: requests.Session, url: str, board: str, started: float, timeout: float
) -> tuple[int, float]:
    """Poll ``GET /api/boards/<board>/current`` until 200 (the api may count a board
    before it holds its state: its default board, say), at most ``timeout`` after
    ``started``; the last status and the seconds since ``started`` (NaN: never 200)."""
    while True:
        status = current_status(http, url, board)
        if status == 200:
            return status, time.monotonic() - started
        if time.monotonic() - started > timeout:
            return status, math.nan
        time.sleep(0.2)


def snapshot_ms(url: str, board: str, timeout: float = 10.0) -> float:
    """Connect a Socket.IO client to ``board``; ms until its ``current_app`` snapshot."""
    got = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("current_app", lambda *_args: got.set())
    started = time.monotonic()
    try:
        client.connect(f"{url}?board={board}", transports=["websocket"], wait_timeout=timeout)
        if not got.wait(timeout):
            return math.nan
        return (time.monotonic() - started) * 1000
    except socketio.exceptions.ConnectionError:
        return math.nan
    finally:
        client.disconnect()


def list_latency(
    http: requests.Session, url: str, params: dict[str, Any], count: int = 200
) -> tuple[float, float]:
    """p50 and p99 (ms) of ``GET /api/boards`` with ``params``."""
    times = []
    for _ in range(count):
        started = time.monotonic()
        response = http.get(f"{url}/api/boards", params=params, timeout=10)
        times.append((time.monotonic() - started) * 1000)
        response.raise_for_status()
    return percentile(times, 50), percentile(times, 99)


class SettingsWatcher:
    """A Socket.IO client on one board recording ``(brightness, arrival)`` of ``settings``."""

    def __init__(self, url: str, board: str) -> None:
        self.arrivals: list[tuple[int, float]] = []
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("settings", self._on_settings)
        self.client.connect(f"{url}?board={board}", transports=["websocket"], wait_timeout=10)

    def _on_settings(self, data: Any) -> None:
        with self.changed:
            self.arrivals.append((int(data.get("brightness", -1)), time.monotonic()))
            self.changed.notify_all()

    def wait_for(self, brightness: int, timeout: float) -> float | None:
        """Arrival time of ``brightness`` (monotonic), ``None`` after ``timeout``."""
        with self.changed:
            found = self.changed.wait_for(
                lambda: any(b == brightness for b, _ in self.arrivals), timeout
            )
            if not found:
                return None
            return next(at for b, at in self.arrivals if b == brightness)

    def close(self) -> None:
        self.client.disconnect()


def change_latency(run: FleetRun, sim: FleetSimulator, url: str, rounds: int) -> None:
    """``rounds`` brightness changes, each on a random board with a client watching it."""
    lost_in_a_row = 0
    for round_no in range(rounds):
        board = random.choice(sim.boards)
        try:
            watcher = SettingsWatcher(url, board)
        except socketio.exceptions.ConnectionError as error:
            run.errors.append(f"change round {round_no}: {error}")
            run.change_lost += 1
            lost_in_a_row += 1
            if lost_in_a_row >= GIVE_UP_AFTER_LOST:
                break
            continue
        try:
            watcher.wait_for(-2, 0.3)  # let the snapshot's settings arrive first
            brightness = 1 + round_no % 100
            started = time.monotonic()
            sim.set_brightness(board, brightness)
            arrived = watcher.wait_for(brightness, ROUND_TIMEOUT)
        finally:
            watcher.close()
        run.change_rounds += 1
        if arrived is None:
            run.change_lost += 1
            lost_in_a_row += 1
            if lost_in_a_row >= GIVE_UP_AFTER_LOST:
                run.errors.append(f"change latency: gave up after {lost_in_a_row} lost rounds")
                break
        else:
            lost_in_a_row = 0
            run.change_ms.append((arrived - started) * 1000)


def wait_served(
    http: requests.Session, services: Services, board: str, boards: int, timeout: float
) -> tuple[float, int]:
    """After a broker restart: seconds until the api's MQTT is back, ``board`` is online
    and served, and every board is known (NaN on timeout); and the count reached."""
    started = time.monotonic()
    count = 0
    while time.monotonic() - started < timeout:
        services.check()
        try:
            health = http.get(f"{services.url}/api/boards/{board}/health", timeout=10).json()
            back = health["mqtt"]["connected"] and health["boards"][board]["online"]
            count = known_boards(http, services.url)
            if back and count >= boards and current_status(http, services.url, board) == 200:
                return time.monotonic() - started, count
        except (requests.RequestException, ValueError, KeyError):
            pass  # not back yet
        time.sleep(0.2)
    return math.nan, count


def measure(
    boards: int,
    payloads: Payloads,
    workdir: Path,
    bin_dir: Path | None,
    rounds: int,
    timeout: float,
) -> FleetRun:
    """Every figure of one fleet size; prints them as they come."""
    run = FleetRun(boards)
    ids = board_ids(boards)
    broker = MosquittoBroker(workdir / f"mosquitto-{boards}", defaults=True)
    sim = FleetSimulator(broker.port, ids, payloads)
    services = Services(workdir, str(boards), broker.url, ids[0], bin_dir)
    http = requests.Session()
    say = _printer(boards)
    try:
        broker.start()
        _load(run, sim, services, broker, http, timeout, say)
        if services.api.running and services.bridge.running:
            _loaded(run, sim, services, broker, http, rounds, timeout, say)
    except (TimeoutError, RuntimeError, requests.RequestException) as error:
        run.errors.append(str(error))
        say(f"error: {error}")
    finally:
        sim.close()
        services.stop()
        broker.kill()
    return run


DISCOVERY_RATE: float = BridgeSettings.model_fields["ha_discovery_rate"].default
DISCOVERY_MESSAGES_PER_BOARD = 13  # 7 configs and 6 entity states


def _load(
    run: FleetRun,
    sim: FleetSimulator,
    services: Services,
    broker: MosquittoBroker,
    http: requests.Session,
    timeout: float,
    say: Any,
) -> None:
    """Publish the fleet, start the services, and time how they load it."""
    boards, last = run.boards, sim.boards[-1]
    sim.connect()
    run.publish_seconds = sim.publish_all(max(60.0, boards / 100))
    say(f"simulator published {boards} boards in {run.publish_seconds:.1f} s")
    watch = TopicWatch(broker.port, HassTopics(last, HA_PREFIX).discovery("light", "display"))
    bridge_ready = TopicWatch(broker.port, BRIDGE_READY, empty=True)
    try:
        started = time.monotonic()
        services.start()
        run.load_seconds, run.known = wait_known(http, services, boards, timeout)
        say(f"api knows {run.known}/{boards} boards after {_secs(run.load_seconds, timeout)}")
        # The bridge says so once it has read every board's retained state.
        left = max(1.0, timeout - (time.monotonic() - started))
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: not math.isnan(bridge_ready.arrived), left, "bridge", ignoring=())
        run.bridge_load_seconds = bridge_ready.arrived - started
        say(f"bridge read every board after {_secs(run.bridge_load_seconds, timeout)}")
        run.last_current_status, run.last_current_seconds = wait_current(
            http, services.url, last, started, timeout
        )
        run.snapshot_ms = snapshot_ms(services.url, last)
        say(
            f"last board {last}: GET current {run.last_current_status} "
            f"(200 after {_secs(run.last_current_seconds, timeout)}), "
            f"Socket.IO snapshot {run.snapshot_ms:.1f} ms"
        )
        # The bridge announces the boards one by one at its default rate: ~13 messages a
        # board, so 10,000 boards take ~260 s by design (docs/home-assistant.md).
        announcing = boards * DISCOVERY_MESSAGES_PER_BOARD / DISCOVERY_RATE
        limit = max(2 * timeout, 1.5 * announcing + 30)
        left = max(1.0, limit - (time.monotonic() - started))
        try:
            wait_until(lambda: not math.isnan(watch.arrived), left, "discovery", ignoring=())
            run.discovery_seconds = watch.arrived - started
        except TimeoutError:
            run.errors.append(f"no HA discovery config for {last} within {limit:g} s")
        say(f"last board's HA discovery config after {_secs(run.discovery_seconds, limit)}")
    finally:
        watch.close()
        bridge_ready.close()


def _loaded(
    run: FleetRun,
    sim: FleetSimulator,
    services: Services,
    broker: MosquittoBroker,
    http: requests.Session,
    rounds: int,
    timeout: float,
    say: Any,
) -> None:
    """Memory, the board list, change latency and a broker restart, once loaded."""
    boards, last = run.boards, sim.boards[-1]
    run.api_rss_mb, run.bridge_rss_mb = services.rss(services.api), services.rss(services.bridge)
    say(f"RSS api {run.api_rss_mb:.1f} MB, bridge {run.bridge_rss_mb:.1f} MB")
    run.list_p50_ms, run.list_p99_ms = list_latency(http, services.url, {"limit": 100})
    prefix = last[:-2] if boards > 1 else last
    run.prefix_p50_ms, run.prefix_p99_ms = list_latency(
        http, services.url, {"limit": 100, "prefix": prefix}
    )
    say(
        f"GET /api/boards?limit=100 p50 {run.list_p50_ms:.1f} ms p99 {run.list_p99_ms:.1f} ms;"
        f" prefix={prefix} p50 {run.prefix_p50_ms:.1f} ms p99 {run.prefix_p99_ms:.1f} ms"
    )
    change_latency(run, sim, services.url, rounds)
    say(
        f"change latency p50 {run.change_p50_ms:.1f} ms p99 {run.change_p99_ms:.1f} ms, "
        f"lost {run.change_lost} of {run.change_rounds}"
    )
    broker.stop()
    broker.start()
    restarted = time.monotonic()
    sim.wait_connected(30.0)
    # The republish runs beside the wait: the api may serve the boards before it ends.
    republish = ThreadPoolExecutor(1)
    try:
        published = republish.submit(sim.publish_all, max(60.0, boards / 100))
        left = max(1.0, timeout - (time.monotonic() - restarted))
        seconds, run.restart_known = wait_served(http, services, last, boards, left)
        if not math.isnan(seconds):
            run.restart_seconds = time.monotonic() - restarted
        run.restart_republish_seconds = published.result()
    finally:
        republish.shutdown(wait=True)
    say(
        f"broker restart: republished in {run.restart_republish_seconds:.1f} s; last board "
        f"served and {run.restart_known}/{boards} known after "
        f"{_secs(run.restart_seconds, timeout)}"
    )


def _secs(value: float, timeout: float) -> str:
    return f"timed out after {timeout:g} s" if math.isnan(value) else f"{value:.1f} s"


def _printer(boards: int) -> Any:
    def say(text: str) -> None:
        print(f"  [{boards} boards] {text}", flush=True)

    return say


def _s(value: float) -> str:
    return "not reached" if math.isnan(value) else f"{value:.1f} s"


def table_rows(report: FleetReport) -> list[str]:
    """The table's rows (no header), for this module's table or ``bench.__main__``'s."""
    rows: list[str] = []
    add = rows.append
    for run in report.runs:
        n = f"{run.boards:,} board{'s' if run.boards > 1 else ''}"
        loaded = not math.isnan(run.load_seconds)
        add(
            f"| fleet {n}: all known by `GET /api/boards` | {_s(run.load_seconds)} "
            f"({run.known:,} of {run.boards:,}; simulator published in "
            f"{run.publish_seconds:.1f} s) | ≤ {LOAD_TARGET_S:g} s | "
            f"{verdict(loaded and run.load_seconds <= LOAD_TARGET_S)} |"
        )
        bridge_loaded = run.bridge_load_seconds <= LOAD_TARGET_S  # False when NaN
        add(
            f"| fleet {n}: the bridge has read every board (its ready message) | "
            f"{_s(run.bridge_load_seconds)} | ≤ {LOAD_TARGET_S:g} s | {verdict(bridge_loaded)} |"
        )
        add(
            f"| fleet {n}: last board, `GET …/current` / Socket.IO snapshot / HA discovery | "
            f"{run.last_current_status or 'no answer'} ({_s(run.last_current_seconds)} after "
            f"start) / {ms(run.snapshot_ms)} / "
            f"{_s(run.discovery_seconds)} after start | 200 | "
            f"{verdict(run.last_current_status == 200 and not math.isnan(run.snapshot_ms))} |"
        )
        rss_target, rss_verdict = "", ""
        if run.boards >= RSS_TARGET_BOARDS:
            rss_target = f"≤ {RSS_TARGET_MB:g} MB"
            rss_verdict = verdict(run.rss_total_mb <= RSS_TARGET_MB)
        add(
            f"| fleet {n}: RSS api + bridge, after the load | {run.api_rss_mb:.1f} + "
            f"{run.bridge_rss_mb:.1f} = {run.rss_total_mb:.1f} MB | {rss_target} | {rss_verdict} |"
        )
        add(
            f"| fleet {n}: `GET /api/boards?limit=100`, 200 requests | p50 {ms(run.list_p50_ms)}, "
            f"p99 {ms(run.list_p99_ms)}; with `prefix=` p50 {ms(run.prefix_p50_ms)}, "
            f"p99 {ms(run.prefix_p99_ms)} | p99 ≤ {LIST_P99_TARGET_MS:g} ms | "
            f"{verdict(max(run.list_p99_ms, run.prefix_p99_ms) <= LIST_P99_TARGET_MS)} |"
        )
        ratio = report.change_ratio(run)
        ratio_target, ratio_verdict = "", ""
        if run.boards > 1:
            ratio_target = f"p50 ≤ {CHANGE_RATIO_TARGET:g}× 1 board"
            ratio_verdict = verdict(ratio <= CHANGE_RATIO_TARGET and run.change_lost == 0)
        add(
            f"| fleet {n}: retained `state/settings` → Socket.IO `settings` | "
            f"p50 {ms(run.change_p50_ms)}, p99 {ms(run.change_p99_ms)} (×{ratio:.2f} "
            f"1 board); lost {run.change_lost} of {run.change_rounds} | {ratio_target} | "
            f"{ratio_verdict} |"
        )
        restarted = not math.isnan(run.restart_seconds)
        add(
            f"| fleet {n}: broker restart → last board served, all known | "
            f"{_s(run.restart_seconds)} ({run.restart_known:,} of {run.boards:,}; "
            f"republished in {run.restart_republish_seconds:.1f} s) | ≤ {LOAD_TARGET_S:g} s | "
            f"{verdict(restarted and run.restart_seconds <= LOAD_TARGET_S)} |"
        )
    return rows


def table(report: FleetReport) -> str:
    """A Markdown table like ``bench.__main__``'s, with the machine."""
    lines = [
        f"Measured {report.when} on: {report.machine}; services from {report.venv}, "
        "Mosquitto on its default settings.",
        "",
        "| measure | figure | target | verdict |",
        "|---|---|---|---|",
        *table_rows(report),
    ]
    return "\n".join(lines)


def services_bin(dev_venv: bool) -> tuple[Path | None, str]:
    """The image venv's ``bin`` when it exists (refreshed), else the development venv."""
    if dev_venv or not VENV.exists():
        return None, "the development venv"
    return ensure_venv(), VENV.name


def run(
    boards: list[int], rounds: int = 50, timeout: float = 60.0, dev_venv: bool = False
) -> FleetReport:
    """Measure every fleet size in ``boards`` (a 1-board fleet is always added first)."""
    bin_dir, venv = services_bin(dev_venv)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = FleetReport(describe_machine(), venv, when)
    workdir = Workdir("rb-fleet-")
    failed = True
    try:
        payloads = capture_payloads(workdir.path, bin_dir)
        sizes = ", ".join(f"{suffix} {len(payload)} B" for suffix, payload in payloads.items())
        print(f"  captured payloads: {sizes}", flush=True)
        for count in sorted({1, *boards}):
            report.runs.append(measure(count, payloads, workdir.path, bin_dir, rounds, timeout))
        failed = any(run.errors for run in report.runs)
    finally:
        workdir.close(failed)
    return report


def parse_boards(text: str) -> list[int]:
    counts = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not counts or not all(1 <= n <= 100_000 for n in counts):
        raise argparse.ArgumentTypeError("board counts between 1 and 100000, comma-separated")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--boards", type=parse_boards, default=None, help="e.g. 100,1000,10000")
    parser.add_argument("--quick", action="store_true", help="1,000 boards, 20 change rounds")
    parser.add_argument("--rounds", type=int, default=None, help="change rounds (default 50)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for each wait")
    parser.add_argument("--dev-venv", action="store_true", help="services from .venv")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()
    boards = args.boards or ([1000] if args.quick else [10_000])
    rounds = args.rounds or (20 if args.quick else 50)
    print(f"machine: {describe_machine()}", flush=True)
    started = time.monotonic()
    report = run(boards, rounds, args.timeout, args.dev_venv)
    print(f"\n== fleet summary ({time.monotonic() - started:.0f} s) ==\n")
    print(table(report))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report.to_json(), out, indent=2)


if __name__ == "__main__":
    main()
