"""Soak: many Socket.IO clients under a steady stream of REST commands, and memory.

    .venv/bin/python -m bench.soak                          # 1,000 clients, 50/s, 60 s
    .venv/bin/python -m bench.soak --clients 100 --rate 20 --seconds 15

It starts its own Mosquitto and the real stack (renderer on the emulator, api under
gunicorn with its defaults, bridge), connects the clients, then sends ``--rate``
commands a second for ``--seconds``: a mix of ``POST /api/settings`` (half),
``POST /api/switch`` (a quarter) and ``POST /api/apps/<app>/config`` (a quarter). The
animated apps are first set to 10 fps so that the renderer does not take the CPU the
fan-out is measured with. After the load, one marker change (the carousel) tells when
every client has caught up.

Checked: no client was disconnected, every client ends with the final state, every
REST command succeeded and their p99 is at most 250 ms; and what each client received
of each state event is the sequence the renderer published on MQTT, or, for a client
the api had to coalesce for (it fell behind, and got only the newest of an event
instead of every step; docs/websocket.md), a subsequence of it: in order, none twice,
nothing unpublished, ending on the final one. How many changes were coalesced is
printed, and how many clients got every change, once, in order (count, order and
content, through a hash chain); ``--every-change`` requires that of every client (the
default up to 100 clients, which keep up). Memory: RSS of each service
(renderer, api with its gunicorn worker, bridge) at rest, with the clients connected
before the load, at its peak under load and at the end; the total (broker excluded)
against the 150 MB budget of a Pi Zero 2 W's share. RSS counts the pages gunicorn's
master and worker share twice; PSS (shared pages split) is printed beside it, and both
for each process (the api's master and worker apart).

The services run from ``.bench-venv`` (``bench.imagevenv``, built or refreshed first),
which holds exactly what their images install, so that the memory figures are those
of the images; the clients and the load run from the development venv. ``--dev-venv``
runs the services from the development venv instead (as before issue 12).
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import paho.mqtt.client as paho
import requests
from paho.mqtt.enums import CallbackAPIVersion

from bench.clients import CLIENT_KINDS, STATE_EVENTS, ClientFleet, StateLog
from bench.figures import percentile
from bench.imagevenv import ensure_venv
from bench.machine import describe_machine
from bench.stack import BOARD, SERVICES, BenchStack, Workdir, connection_limits, cpu_seconds
from retroboard_common.settings import MqttUrl

BUDGET_MB = 150.0
REST_P99_TARGET_MS = 250.0
EVERY_CHANGE_UP_TO = 100  # clients: up to this many must get every change by default
APPS = ("clock", "scroll_text", "stars")
DRAIN_TIMEOUT = 900.0


@dataclass
class SoakReport:
    """Everything :func:`run` measured."""

    machine: str
    clients: int
    rate: float
    seconds: float
    connected: int = 0
    connect_seconds: float = 0.0
    commands: int = 0
    command_errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)  # "POST /api/… 504": n
    achieved_rate: float = 0.0
    command_p50_ms: float = math.nan
    command_p99_ms: float = math.nan
    changes: int = 0  # state changes the renderer published during the load
    delivered: int = 0  # changes that reached a client, summed over the clients
    lost: int = 0  # changes after the last one a client got of that event
    coalesced: int = 0  # changes a client never got because it got a newer one
    wrong_sequence: int = 0  # clients whose changes are no subsequence of the published
    every_change_clients: int = 0  # clients that got every change, once, in order
    require_every_change: bool = False  # whether ``ok`` needs that of every client
    final_state_clients: int = 0  # clients that ended with the final state
    disconnects: int = 0
    drain_seconds: float = math.nan  # after the load, until every client had the marker
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # load start → caught up
    api_us_per_delivery: float = math.nan  # api CPU per event delivered to one client
    client_cpu_seconds: float = 0.0  # the benchmark's client processes, same interval
    client_us_per_delivery: float = math.nan  # their CPU per event received
    rss_rest: dict[str, float] = field(default_factory=dict)
    rss_start: dict[str, float] = field(default_factory=dict)
    rss_peak: dict[str, float] = field(default_factory=dict)
    rss_end: dict[str, float] = field(default_factory=dict)
    pss_rest: dict[str, float] = field(default_factory=dict)
    pss_end: dict[str, float] = field(default_factory=dict)
    total_rss_rest: float = math.nan
    total_rss_peak: float = math.nan
    total_pss_rest: float = math.nan
    total_pss_peak: float = math.nan
    venv: str = ""  # where the services ran from
    client_kind: str = ""  # "node" (socket.io-client) or "python" (python-socketio)
    # Every service process (the api's master and worker apart): [RSS, PSS] MiB.
    processes_rest: dict[str, tuple[float, float]] = field(default_factory=dict)
    processes_peak: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.connected == self.clients
            and self.lost == 0
            and self.wrong_sequence == 0
            and self.final_state_clients == self.clients
            and self.disconnects == 0
            and self.command_errors == 0
            and self.command_p99_ms <= REST_P99_TARGET_MS
            and (not self.require_every_change or self.every_change_clients == self.clients)
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


class StateProbe:
    """Records the renderer's state changes on MQTT the way the clients record events."""

    def __init__(self, mqtt_url: str) -> None:
        parsed = MqttUrl.parse(mqtt_url)
        self.since = math.inf
        self.logs = {name: StateLog() for name in STATE_EVENTS}
        self.last_change = time.monotonic()
        self.lock = threading.Lock()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-soak-probe")
        self.client.on_connect = lambda c, *_: c.subscribe(f"retroboard/{BOARD}/state/+", 1)
        self.client.on_message = self._on_message
        self.client.connect(parsed.host, parsed.port, keepalive=30)
        self.client.loop_start()

    def _on_message(self, _c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        name = msg.topic.rsplit("/", 1)[1]
        if name not in self.logs:
            return
        with self.lock:
            self.logs[name].add(json.loads(msg.payload), time.monotonic() >= self.since)
            self.last_change = time.monotonic()

    def send_marker(self, marker: int) -> None:
        """Set the carousel's first duration to ``marker``, straight over MQTT: an
        overloaded api may acknowledge a REST command late, the renderer does not."""
        command = {"enabled": False, "apps": [{"app": "clock", "duration": marker}]}
        topic = f"retroboard/{BOARD}/cmd/carousel"
        self.client.publish(topic, json.dumps(command), qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class MemorySampler(threading.Thread):
    """Samples each service's RSS and PSS once a second; keeps the peaks."""

    def __init__(self, stack: BenchStack) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.stopped = threading.Event()
        self.peak: dict[str, float] = dict.fromkeys(SERVICES, 0.0)
        self.total_rss = 0.0
        self.total_pss = 0.0
        self.processes: dict[str, tuple[float, float]] = {}  # peak RSS, peak PSS

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            self.sample()

    def sample(self) -> None:
        rss = self.stack.rss()
        for name, value in rss.items():
            self.peak[name] = max(self.peak[name], value)
        self.total_rss = max(self.total_rss, sum(rss.values()))
        self.total_pss = max(self.total_pss, sum(self.stack.pss().values()))
        for label, (rss_now, pss_now) in self.stack.processes().items():
            old_rss, old_pss = self.processes.get(label, (0.0, 0.0))
            self.processes[label] = (max(old_rss, rss_now), max(old_pss, pss_now))

    def stop(self) -> None:
        self.stopped.set()
        self.join(5)
        self.sample()


class CommandLoad:
    """``rate`` REST commands a second, on a schedule, from a small thread pool."""

    def __init__(self, url: str, rate: float, seconds: float) -> None:
        self.url, self.rate, self.seconds = url, rate, seconds
        self.local = threading.local()
        self.latencies: list[float] = []
        self.starts: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.random = random.Random(7)

    def session(self) -> requests.Session:
        if not hasattr(self.local, "http"):
            self.local.http = requests.Session()
        http: requests.Session = self.local.http
        return http

    def command(self) -> tuple[str, dict[str, Any]]:
        pick = self.random.random()
        if pick < 0.5:
            return "/api/settings", {"brightness": self.random.randint(0, 100)}
        if pick < 0.75:
            return "/api/switch", {"app": self.random.choice(APPS)}
        app = self.random.choice(APPS)
        if app == "stars":
            config: dict[str, Any] = {"spawn_rate": self.random.randint(1, 4)}
        else:
            config = {"color": [self.random.randint(0, 255) for _ in range(3)]}
        return f"/api/apps/{app}/config", config

    def send(self, path: str, body: dict[str, Any]) -> None:
        started = time.monotonic()
        try:
            status = str(self.session().post(self.url + path, json=body, timeout=30).status_code)
        except requests.RequestException as exc:
            status = type(exc).__name__
        with self.lock:
            self.starts.append(started)
            self.latencies.append((time.monotonic() - started) * 1000)
            if status != "200":
                self.errors.append(f"{path} {status}")

    def run(self) -> tuple[int, float]:
        """Send everything and wait for the answers; returns (commands, the rate at
        which they actually left)."""
        total = int(self.rate * self.seconds)
        started = time.monotonic()
        # Open loop: enough threads that commands leave on time even when answers are
        # slow (up to the api's 2 s timeout).
        with ThreadPoolExecutor(max_workers=min(256, int(self.rate * 3) + 8)) as pool:
            for k in range(total):
                delay = started + k / self.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self.send, *self.command())
        spread = max(self.starts) - min(self.starts) if self.starts else 0.0
        return total, total / (spread + 1 / self.rate)


def slow_down_animations(url: str) -> None:
    """10 fps for the animated apps (their defaults are 30 and 60)."""
    for app in ("scroll_text", "stars"):
        response = requests.post(f"{url}/api/apps/{app}/config", json={"fps": 10}, timeout=10)
        response.raise_for_status()


def total(values: dict[str, float]) -> float:
    return sum(values.values())


def run(
    clients: int,
    rate: float,
    seconds: float,
    procs: int | None = None,
    dev_venv: bool = False,
    every_change: bool | None = None,
    client_kind: str = "node",
) -> SoakReport:
    """Run the soak; prints progress as it goes. The services run from the images'
    venv (``bench.imagevenv``), or from the development venv with ``dev_venv``.
    ``every_change``: require every client to get every change (``None``: up to
    :data:`EVERY_CHANGE_UP_TO` clients)."""
    report = SoakReport(describe_machine(), clients, rate, seconds)
    report.require_every_change = (
        clients <= EVERY_CHANGE_UP_TO if every_change is None else every_change
    )
    bin_dir = None if dev_venv else ensure_venv()
    report.venv = "development venv" if bin_dir is None else str(bin_dir.parent.name)
    report.client_kind = client_kind
    workdir = Workdir("rb-soak-")
    stack = BenchStack(workdir.path, bin_dir, api_env=connection_limits(clients))
    failed = True
    fleet: ClientFleet | None = None
    probe: StateProbe | None = None
    try:
        stack.start()
        slow_down_animations(stack.url)
        time.sleep(5.0)  # settle: imports done, first frames drawn
        report.rss_rest, report.pss_rest = stack.rss(), stack.pss()
        report.total_rss_rest = total(report.rss_rest)
        report.total_pss_rest = total(report.pss_rest)
        report.processes_rest = stack.processes()
        print(
            f"  at rest: {fmt_mb(report.rss_rest)}  total RSS {report.total_rss_rest:.1f} MB"
            f" (PSS {report.total_pss_rest:.1f} MB)",
            flush=True,
        )

        probe = StateProbe(stack.mqtt_url)
        fleet = ClientFleet(stack.url, clients, "state", procs, client_kind).start()
        report.connected, report.connect_seconds = fleet.connected, fleet.connect_seconds
        print(
            f"  {fleet.connected}/{clients} clients connected in {fleet.connect_seconds:.1f} s"
            f" over {fleet.procs} {client_kind} processes",
            flush=True,
        )
        time.sleep(2.0)
        report.rss_start = stack.rss()
        print(f"  start: {fmt_mb(report.rss_start)}", flush=True)

        sampler = MemorySampler(stack)
        sampler.start()
        cpu_before = {name: cpu_seconds([stack.pid(name)]) for name in SERVICES}
        client_pids = [process.pid for process in fleet.processes]
        client_cpu_before = cpu_seconds(client_pids)
        now = time.monotonic()
        fleet.count_from(now)
        probe.since = now
        load = CommandLoad(stack.url, rate, seconds)
        report.commands, report.achieved_rate = load.run()
        load_end = time.monotonic()
        report.command_errors = len(load.errors)
        report.error_kinds = dict(Counter(load.errors))
        report.command_p50_ms = percentile(load.latencies, 50)
        report.command_p99_ms = percentile(load.latencies, 99)

        marker = random.randint(1000, 3600)
        probe.send_marker(marker)
        caught_up = fleet.wait_all(marker, DRAIN_TIMEOUT)
        report.drain_seconds = (caught_up - load_end) if caught_up else math.inf
        report.cpu_seconds = {
            name: cpu_seconds([stack.pid(name)]) - cpu_before[name] for name in SERVICES
        }
        report.client_cpu_seconds = cpu_seconds(client_pids) - client_cpu_before
        time.sleep(1.0)
        sampler.stop()
        report.rss_peak = sampler.peak
        report.total_rss_peak = sampler.total_rss
        report.total_pss_peak = sampler.total_pss
        report.processes_peak = sampler.processes
        report.rss_end, report.pss_end = stack.rss(), stack.pss()

        final = {name: probe.logs[name].last for name in STATE_EVENTS}
        groups = fleet.stop()
        fleet = None
        score(report, probe, groups, final)
        if report.delivered:
            report.api_us_per_delivery = report.cpu_seconds["api"] / report.delivered * 1e6
            report.client_us_per_delivery = report.client_cpu_seconds / report.delivered * 1e6
        check_api_state(stack.url, final)
        failed = False
    finally:
        if fleet is not None:
            fleet.stop()
        if probe is not None:
            probe.close()
        stack.stop()
        workdir.close(failed)
    return report


class Published:
    """One state event's published changes, to match a client's against."""

    def __init__(self, log: StateLog) -> None:
        self.log = log
        self.sequence = log.sequence()
        self.positions: dict[bytes, list[int]] = {}
        for index, item in enumerate(self.sequence):
            self.positions.setdefault(item, []).append(index)

    def last_match(self, got: list[bytes]) -> int | None:
        """Where in the published sequence ``got``'s last change is, if ``got`` is a
        subsequence of it (in order, none twice); ``None`` if it is not. -1: empty."""
        at = -1
        for index, item in enumerate(got):
            places = self.positions.get(item, [])
            final = len(self.sequence) - 1
            if index == len(got) - 1 and at < final and self.sequence[final] == item:
                return final  # the newest: the last place it was published
            k = bisect.bisect_right(places, at)
            if k == len(places):
                return None
            at = places[k]
        return at


def score(report: SoakReport, probe: StateProbe, groups: list[Any], final: dict[str, Any]) -> None:
    """Compare every client's changes with what the renderer published."""
    expected = {name: Published(probe.logs[name]) for name in STATE_EVENTS}
    report.changes = sum(p.log.count for p in expected.values())
    for group in groups:
        report.disconnects += group.disconnects
        for logs in group.state:
            wrong, every = False, True
            for name in STATE_EVENTS:
                got, want = logs[name], expected[name]
                report.delivered += got.count
                every = every and got.chain == want.log.chain
                at = want.last_match(got.sequence())
                if at is None:
                    wrong = True
                    continue
                report.lost += want.log.count - 1 - at
                report.coalesced += at + 1 - got.count
            report.wrong_sequence += wrong
            report.every_change_clients += every
            report.final_state_clients += all(
                logs[name].last == final[name] for name in STATE_EVENTS
            )


def check_api_state(url: str, final: dict[str, Any]) -> None:
    """The api's read cache agrees with the last MQTT state (a sanity check)."""
    settings = requests.get(f"{url}/api/settings", timeout=10).json()
    if settings.get("brightness") != final["settings"].get("brightness"):
        print(f"  warning: api says {settings}, MQTT said {final['settings']}")


def fmt_mb(values: dict[str, float]) -> str:
    return "  ".join(f"{name} {value:.1f}" for name, value in values.items()) + " MB"


def print_report(report: SoakReport) -> None:
    r = report
    print(
        f"\nsoak: {r.connected}/{r.clients} clients, {r.commands} commands at "
        f"{r.achieved_rate:.1f}/s for {r.seconds:g} s (REST p50 {r.command_p50_ms:.0f} ms, "
        f"p99 {r.command_p99_ms:.0f} ms, {r.command_errors} errors)"
    )
    if r.error_kinds:
        print(f"  errors: {r.error_kinds}")
    print(
        f"  {r.changes} state changes × {r.connected} clients: lost {r.lost}, "
        f"wrong order/content {r.wrong_sequence} clients, final state on "
        f"{r.final_state_clients}/{r.clients} clients, disconnects {r.disconnects}, "
        f"caught up {r.drain_seconds:.1f} s after the load"
    )
    print(
        f"  delivered {r.delivered} changes; coalesced {r.coalesced} (a newer one of the "
        f"same event was sent instead); every change, once, in order on "
        f"{r.every_change_clients}/{r.clients} clients"
        f"{' (required)' if r.require_every_change else ''}"
    )
    cpu = "  ".join(f"{name} {value:.1f} s" for name, value in r.cpu_seconds.items())
    print(
        f"  CPU from the load's start until caught up: {cpu}, clients "
        f"{r.client_cpu_seconds:.1f} s; per event delivered to one client: api "
        f"{r.api_us_per_delivery:.0f} µs, clients {r.client_us_per_delivery:.0f} µs"
    )
    print(f"  {'RSS MB':<10} {'rest':>8} {'start':>8} {'peak':>8} {'end':>8}")
    for name in SERVICES:
        print(
            f"  {name:<10} {r.rss_rest.get(name, math.nan):8.1f} "
            f"{r.rss_start.get(name, math.nan):8.1f} {r.rss_peak.get(name, math.nan):8.1f} "
            f"{r.rss_end.get(name, math.nan):8.1f}"
        )
    print(f"  services from {r.venv}; {'per process':<14} rest RSS / PSS   peak RSS / PSS")
    for label, (rss, pss) in r.processes_rest.items():
        peak_rss, peak_pss = r.processes_peak.get(label, (math.nan, math.nan))
        print(f"  {label:<28} {rss:7.1f} / {pss:5.1f}   {peak_rss:7.1f} / {peak_pss:5.1f} MB")
    print(
        f"  memory, all services (broker excluded): at rest RSS {r.total_rss_rest:.1f} MB "
        f"(PSS {r.total_pss_rest:.1f}), under load RSS {r.total_rss_peak:.1f} MB "
        f"(PSS {r.total_pss_peak:.1f}); budget {BUDGET_MB:g} MB"
    )
    every = ", every client got every change" if r.require_every_change else ""
    print(
        f"  {'OK' if r.ok else 'NOT OK'}: 0 disconnects, every client ended with the final "
        f"state, 0 lost, none out of order{every}; REST 0 errors, p99 ≤ "
        f"{REST_P99_TARGET_MS:g} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="commands a second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load")
    parser.add_argument("--procs", type=int, default=None, help="client processes")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--client-kind",
        choices=CLIENT_KINDS,
        default="node",
        help="the clients: socket.io-client in Node.js (default) or python-socketio",
    )
    parser.add_argument(
        "--dev-venv", action="store_true", help="services from the development venv"
    )
    parser.add_argument(
        "--every-change",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"require every client to get every change (default: up to "
        f"{EVERY_CHANGE_UP_TO} clients)",
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= 2000 or not 0 < args.rate <= 500 or not 0 < args.seconds <= 3600:
        parser.error("keep it bounded: 1–2000 clients, rate ≤ 500/s, ≤ 3600 s")
    print(f"machine: {describe_machine()}")
    report = run(
        args.clients,
        args.rate,
        args.seconds,
        args.procs,
        args.dev_venv,
        args.every_change,
        args.client_kind,
    )
    print_report(report)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report.to_json(), out, indent=2)


if __name__ == "__main__":
    main()
