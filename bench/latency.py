"""Fan-out latency of a change to every websocket client, and idle CPU.

    .venv/bin/python -m bench.latency                      # 1, 100 and 1,000 clients
    .venv/bin/python -m bench.latency --clients 1,100 --rounds 30 --idle-seconds 10

It starts its own Mosquitto (free port) and the real stack: ``retroboard-renderer`` on
the emulator with the clock app (one frame a second), ``retroboard-api`` under gunicorn
with its default worker class, ``retroboard-bridge``. For each client count N it
connects N python-socketio asyncio clients (websocket transport) spread over several
processes and, round after round, sets a new brightness and takes the time from just
before the command until the matching ``settings`` event reached every client:

``rest``  ``POST /api/settings`` → api → MQTT command → renderer → retained state →
          bridge → Socket.IO queue (MQTT) → api → clients
``mqtt``  ``retroboard/bench/cmd/settings`` published directly (as Home Assistant does)

The same run measures a baseline the same way: a bare Flask-SocketIO app
(:mod:`bench.baseline`) under the same gunicorn worker class that emits inside its
request handler, and prints the stack's figures as a ratio to it. A round waits for
every client (or 10 s) before the next one; an event that never arrives counts as lost.

The stack runs twice, once for each broker configuration of ``--brokers``: ``defaults``
(Mosquitto on its own defaults, ``set_tcp_nodelay false`` among them: the broker most
users already run) and ``tuned`` (deploy/mosquitto's settings). Both are compared with
the same baseline.

Idle CPU: with 10 clients connected and nothing happening, the CPU time used by the api
(gunicorn master and worker) and the bridge over ``--idle-seconds``, as % of one core.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
import uuid
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import paho.mqtt.client as paho
import requests
from paho.mqtt.enums import CallbackAPIVersion

from bench.clients import ClientFleet, GroupResult
from bench.figures import percentile
from bench.machine import describe_machine
from bench.stack import (
    BOARD,
    BROKERS,
    Baseline,
    BenchStack,
    Workdir,
    connection_limits,
    cpu_seconds,
    parse_brokers,
    process_tree,
)
from retroboard_common.settings import MqttUrl

ROUND_TIMEOUT = 10.0
IDLE_CLIENTS = 10


@dataclass
class Series:
    """One target, one path, one client count."""

    target: str  # "stack" or "baseline"
    path: str  # "rest" or "mqtt"
    clients: int
    rounds: int
    connected: int
    broker: str = ""  # the stack's broker: "defaults" or "tuned" ("" for the baseline)
    lost: int = 0
    errors: int = 0  # commands that did not answer 200
    all_ms: list[float] = field(default_factory=list)  # per round: until every client had it
    each_ms: list[float] = field(default_factory=list)  # per delivery

    @property
    def p50(self) -> float:
        return percentile(self.all_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.all_ms, 99)

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "broker": self.broker,
            "path": self.path,
            "clients": self.clients,
            "connected": self.connected,
            "rounds": self.rounds,
            "p50_ms": round(self.p50, 2),
            "p99_ms": round(self.p99, 2),
            "each_p50_ms": round(percentile(self.each_ms, 50), 2),
            "each_p99_ms": round(percentile(self.each_ms, 99), 2),
            "lost": self.lost,
            "errors": self.errors,
        }


@dataclass
class LatencyReport:
    """Everything :func:`run` measured."""

    machine: str
    worker_class: str
    series: list[Series] = field(default_factory=list)
    idle_cpu_percent: float = math.nan
    idle_renderer_cpu_percent: float = math.nan
    idle_seconds: float = 0.0
    api_workers: int = 0
    api_rss_mb_at_max_clients: float = math.nan

    def find(self, target: str, path: str, clients: int, broker: str = "") -> Series | None:
        """The series of ``target`` (the stack's on ``broker``: ``defaults``/``tuned``)."""
        wanted = (target, path, clients, broker if target == "stack" else "")
        for series in self.series:
            if (series.target, series.path, series.clients, series.broker) == wanted:
                return series
        return None

    @property
    def brokers(self) -> list[str]:
        """The broker configurations the stack ran on, in order."""
        return list(dict.fromkeys(s.broker for s in self.series if s.target == "stack"))

    def ratio(self, path: str, clients: int, stat: str, broker: str) -> float:
        """Stack on ``broker`` over baseline (REST baseline for both paths)."""
        stack = self.find("stack", path, clients, broker)
        base = self.find("baseline", "rest", clients)
        if stack is None or base is None:
            return math.nan
        value: float = getattr(stack, stat) / getattr(base, stat)
        return value

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "series"}
        data["series"] = [s.summary() for s in self.series]
        return data


def brightness_sequence(start: int) -> Callable[[], int]:
    """Each call a brightness (0–100) different from the one before."""
    state = {"value": start}

    def following() -> int:
        state["value"] = (state["value"] + 1) % 101
        return state["value"]

    return following


class RestSender:
    """``POST /api/settings`` on ``url``."""

    def __init__(self, url: str) -> None:
        self.url = f"{url}/api/settings"
        self.http = requests.Session()
        self.errors = 0

    def __call__(self, brightness: int) -> None:
        response = self.http.post(self.url, json={"brightness": brightness}, timeout=10)
        if response.status_code != 200:
            self.errors += 1


class MqttSender:
    """Publishes ``cmd/settings`` with a fresh transaction id, as Home Assistant would."""

    def __init__(self, mqtt_url: str) -> None:
        parsed = MqttUrl.parse(mqtt_url)
        self.topic = f"retroboard/{BOARD}/cmd/settings"
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{os_id()}")
        self.client.connect(parsed.host, parsed.port, keepalive=30)
        self.client.loop_start()
        self.errors = 0

    def __call__(self, brightness: int) -> None:
        payload = json.dumps({"brightness": brightness, "transaction": uuid.uuid4().hex})
        self.client.publish(self.topic, payload, qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def os_id() -> str:
    return uuid.uuid4().hex[:8]


def current_brightness(url: str) -> int:
    """The brightness now (the stack's settings; 0 for the baseline, which has none)."""
    response = requests.get(f"{url}/api/settings", timeout=10)
    if response.status_code != 200:
        return 0
    value: int = response.json().get("brightness", 0)
    return value


def run_rounds(
    fleet: ClientFleet, send: Callable[[int], None], next_value: Callable[[], int], rounds: int
) -> list[tuple[int, float]]:
    """Send ``rounds`` changes, each after the one before reached everybody (or timed out)."""
    sent = []
    for _ in range(rounds):
        value = next_value()
        started = time.monotonic()
        send(value)
        sent.append((value, started))
        fleet.wait_all(value, ROUND_TIMEOUT)
        time.sleep(random.uniform(0.02, 0.08))  # don't lock step with anything periodic
    time.sleep(0.3)  # stragglers of the last round
    return sent


def score(series: Series, sent: list[tuple[int, float]], groups: list[GroupResult]) -> Series:
    """Match every client's arrivals to the rounds; fill in latencies and losses."""
    starts: dict[int, list[float]] = {}
    for value, started in sent:
        starts.setdefault(value, []).append(started)
    index = {(value, started): i for i, (value, started) in enumerate(sent)}
    latest: list[float] = [0.0] * len(sent)
    received = [0] * len(sent)
    clients = 0
    for group in groups:
        for arrivals in group.latency:
            clients += 1
            matched: set[int] = set()
            for value, at in arrivals:
                times = starts.get(value)
                if not times:
                    continue
                position = bisect_right(times, at) - 1
                if position < 0:
                    continue
                i = index[(value, times[position])]
                if i in matched:
                    continue
                matched.add(i)
                received[i] += 1
                latency = at - sent[i][1]
                latest[i] = max(latest[i], latency)
                series.each_ms.append(latency * 1000)
    series.lost = clients * len(sent) - sum(received)
    series.all_ms = [latest[i] * 1000 for i in range(len(sent)) if received[i] == clients]
    return series


def measure(
    target: str,
    url: str,
    clients: int,
    rounds: int,
    mqtt_url: str | None,
    procs: int | None,
    broker: str = "",
) -> list[Series]:
    """Both paths (the baseline has REST only) at one client count."""
    fleet = ClientFleet(url, clients, "latency", procs).start()
    next_value = brightness_sequence(current_brightness(url))
    plans: list[tuple[str, Callable[[int], None]]] = [("rest", RestSender(url))]
    mqtt = MqttSender(mqtt_url) if mqtt_url else None
    if mqtt is not None:
        plans.append(("mqtt", mqtt))
    sent: dict[str, list[tuple[int, float]]] = {}
    try:
        time.sleep(0.5)  # the snapshot events of the last connections
        for path, sender in plans:
            sent[path] = run_rounds(fleet, sender, next_value, rounds)
    finally:
        groups = fleet.stop()
        if mqtt is not None:
            mqtt.close()
    result = []
    for path, sender in plans:
        series = Series(target, path, clients, rounds, fleet.connected, broker)
        series.errors = getattr(sender, "errors", 0) + fleet.failed
        result.append(score(series, sent[path], groups))
    disconnects = sum(group.disconnects for group in groups)
    if disconnects:
        print(f"  warning: {disconnects} clients were disconnected during the run")
    return result


def idle_cpu(stack: BenchStack, seconds: float) -> tuple[float, float]:
    """% of one core used by api+bridge, and by the renderer, with 10 idle clients."""
    fleet = ClientFleet(stack.url, IDLE_CLIENTS, "latency", 1).start()
    try:
        time.sleep(5.0)  # connection work done
        services = [stack.pid("api"), stack.pid("bridge")]
        renderer = [stack.pid("renderer")]
        started = time.monotonic()
        used, used_renderer = cpu_seconds(services), cpu_seconds(renderer)
        time.sleep(seconds)
        wall = time.monotonic() - started
        used = cpu_seconds(services) - used
        used_renderer = cpu_seconds(renderer) - used_renderer
    finally:
        fleet.stop()
    return used / wall * 100, used_renderer / wall * 100


def print_series(series: Series, report: LatencyReport | None = None) -> None:
    s = series.summary()
    line = (
        f"  {s['target']:<8} {s['broker']:<8} {s['path']:<4} {s['clients']:>5} clients: "
        f"all-clients p50 {s['p50_ms']:7.1f} ms  p99 {s['p99_ms']:7.1f} ms  "
        f"(per delivery p50 {s['each_p50_ms']:.1f}, p99 {s['each_p99_ms']:.1f})  "
        f"lost {s['lost']}  errors {s['errors']}"
    )
    if report is not None and series.target == "stack":
        ratio = partial(report.ratio, series.path, series.clients, broker=series.broker)
        line += f"  ×baseline p50 {ratio('p50'):.2f} p99 {ratio('p99'):.2f}"
    print(line, flush=True)


def run(
    clients: list[int],
    rounds: int,
    idle_seconds: float,
    procs: int | None = None,
    baseline: bool = True,
    brokers: Sequence[str] = BROKERS,
) -> LatencyReport:
    """Measure everything; prints progress as it goes."""
    from retroboard_api.settings import ApiSettings

    # The api's default, or RETROBOARD_API_WORKER_CLASS when set (the baseline follows).
    worker_class = ApiSettings().worker_class
    report = LatencyReport(describe_machine(), worker_class, idle_seconds=idle_seconds)
    workdir = Workdir("rb-latency-")
    # Both stacks run side by side (the clock app costs little), so that every client
    # count meets the two broker configurations and the baseline in turn.
    limits = connection_limits(max(clients, default=0))
    stacks = {
        broker: BenchStack(
            workdir.path / broker, broker_defaults=broker == "defaults", api_env=limits
        )
        for broker in brokers
    }
    bare = Baseline(workdir.path, limits)
    failed = True
    try:
        for stack in stacks.values():
            stack.start()
        if baseline:
            bare.start()
        first = next(iter(stacks.values()))
        report.api_workers = len(process_tree(first.pid("api"))) - 1
        if idle_seconds > 0:  # first: nothing left over from the fan-out runs
            report.idle_cpu_percent, report.idle_renderer_cpu_percent = idle_cpu(
                first, idle_seconds
            )
            print(
                f"  idle, {IDLE_CLIENTS} clients, {idle_seconds:g} s: api+bridge "
                f"{report.idle_cpu_percent:.2f} % of a core "
                f"(renderer with the clock: {report.idle_renderer_cpu_percent:.2f} %)",
                flush=True,
            )
        for count in clients:
            if baseline:
                for series in measure("baseline", bare.url, count, rounds, None, procs):
                    report.series.append(series)
                    print_series(series)
            for broker, stack in stacks.items():
                for series in measure(
                    "stack", stack.url, count, rounds, stack.mqtt_url, procs, broker
                ):
                    report.series.append(series)
                    print_series(series, report)
        failed = False
    finally:
        bare.stop()
        for stack in stacks.values():
            stack.stop()
        workdir.close(failed)
    return report


def max_clients_check(report: LatencyReport) -> None:
    """Say whether the largest client count got every event."""
    largest = max((s.clients for s in report.series if s.target == "stack"), default=0)
    for series in report.series:
        if series.target == "stack" and series.clients == largest:
            ok = series.connected == largest and series.lost == 0
            print(
                f"  {largest} clients on {report.api_workers} api worker(s), "
                f"{series.broker} broker, {series.path}: "
                f"{'every event delivered' if ok else 'NOT every event delivered'}"
            )


def parse_counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or not all(1 <= n <= 2000 for n in counts):
        raise argparse.ArgumentTypeError("client counts between 1 and 2000, comma-separated")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=parse_counts, default=[1, 100, 1000])
    parser.add_argument("--rounds", type=int, default=100, help="changes per path and count")
    parser.add_argument("--idle-seconds", type=float, default=60.0, help="0 skips it")
    parser.add_argument("--procs", type=int, default=None, help="client processes")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--brokers",
        type=parse_brokers,
        default=list(BROKERS),
        help="broker configurations, comma-separated: defaults (Mosquitto's own), tuned",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 1000:
        parser.error("--rounds between 1 and 1000")
    print(f"machine: {describe_machine()}")
    report = run(
        args.clients, args.rounds, args.idle_seconds, args.procs, not args.no_baseline, args.brokers
    )
    print(f"\napi worker class: {report.worker_class}")
    for series in report.series:
        print_series(series, report)
    max_clients_check(report)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report.to_json(), out, indent=2)


if __name__ == "__main__":
    main()
