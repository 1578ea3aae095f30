"""Many Socket.IO websocket clients, spread over several processes.

Each process runs up to a few hundred python-socketio ``AsyncClient``s (websocket
transport; the asyncio client needs aiohttp) on one event loop: threaded clients would
make the client side the bottleneck. Times are ``time.monotonic()``, which on Linux is
one clock for every process of the machine, so a send time taken in the benchmark and
an arrival time taken in a client process can be subtracted.

The same recording of state events also runs in Node.js, with the dashboard's own
socket.io-client (``kind="node"``, bench/node/socketio_clients.cjs, up to 500 clients a
process): about a third of the Python clients' CPU per event, which on a 2-core
machine leaves the services the CPU that the Python clients would take.

Two kinds of recording:

``latency``
    every ``settings`` event as ``(brightness, arrival)`` per client; when all clients
    of a process have a brightness, the process reports it at once so the benchmark can
    send the next command.
``state``
    per client and state event, the changes that arrived after ``since``: how many, a
    hash chain over their payloads (so order and content are compared, not only the
    count), a short digest of each (so a client that lagged, and got only the newest of
    each event, can be checked to have received a subsequence of what was published)
    and the last payload. Consecutive equal payloads count once, as the bridge emits a
    change only when the payload differs. The first carousel app's duration is
    reported like a brightness in ``latency`` mode: a marker sent after a load tells
    when every client has caught up.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import multiprocessing as mp
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio

from bench.stack import BOARD
from tests.support.waiting import wait_until

STATE_EVENTS = ("apps_list", "current_app", "settings", "carousel_config")
CONNECT_BATCH = 50
CLIENT_KINDS = ("python", "node")
PYTHON_CLIENTS_PER_PROCESS = 100
NODE_CLIENTS_PER_PROCESS = 500
DISCONNECTED = -1  # reported instead of a key when a client lost its connection


def canonical(payload: Any) -> bytes:
    """Bytes of a JSON payload independent of key order and spacing, written as the
    Node.js clients' ``JSON.stringify`` writes it (bench/node/socketio_clients.cjs):
    UTF-8, not ``\\u`` escapes, and a float with no fraction as an integer (JavaScript
    has one number type). Floats small or large enough for Python to write an exponent
    differ (``1e-05`` against ``0.00001``); no state payload of the benchmarks has one."""
    return json.dumps(
        _integral_floats_as_ints(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    return value


DIGEST_BYTES = 8


def digest(payload: Any) -> bytes:
    """A short digest of a payload (:data:`DIGEST_BYTES` of its SHA-1, which Node.js
    computes the same way), to compare sequences."""
    return hashlib.sha1(canonical(payload)).digest()[:DIGEST_BYTES]


@dataclass
class StateLog:
    """What one receiver saw of one state event after ``since``."""

    count: int = 0
    chain: str = ""
    last: Any = None
    seen: bool = False
    digests: bytearray = field(default_factory=bytearray)  # one digest per change, in order

    def add(self, payload: Any, counted: bool) -> None:
        if self.seen and payload == self.last:
            return  # not a change
        self.seen, self.last = True, payload
        if counted:
            self.count += 1
            self.chain = hashlib.sha1(self.chain.encode() + canonical(payload)).hexdigest()
            self.digests += digest(payload)

    def sequence(self) -> list[bytes]:
        """The digests of the counted changes, in order."""
        data = bytes(self.digests)
        return [data[i : i + DIGEST_BYTES] for i in range(0, len(data), DIGEST_BYTES)]


@dataclass
class GroupResult:
    """What one client process hands back."""

    connected: int = 0
    failed: int = 0
    disconnects: int = 0
    latency: list[list[tuple[int, float]]] = field(default_factory=list)
    state: list[dict[str, StateLog]] = field(default_factory=list)


@dataclass
class Channels:
    """How the benchmark and its client processes talk (multiprocessing objects)."""

    since: Any  # Value: count state changes arriving from this monotonic time on
    ready: Any  # Queue: (connected, failed) from each process once it tried every client
    reports: Any  # Queue: (key, time) when every client of a process has a key
    stop: Any  # Event: disconnect and hand back the results
    results: Any  # Queue: each process's GroupResult


def _group_main(url: str, count: int, mode: str, channels: Channels) -> None:
    # A client that loses its connection logs an error line; the benchmark counts them.
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    asyncio.run(_group(url, count, mode, channels))


async def _group(url: str, count: int, mode: str, channels: Channels) -> None:
    since, ready, reports, stop = channels.since, channels.ready, channels.reports, channels.stop
    result = GroupResult()
    pending: dict[int, int] = {}  # marker → clients of this process that have it
    running = {"now": False}  # all connections made
    clients: list[Any] = []

    def reached(key: int, now: float) -> None:
        """One more client has ``key``; report it when every client of the process has
        (once all tried to connect: every connected one, the others never will)."""
        have = pending.get(key, 0) + 1
        if have >= (result.connected if running["now"] else count):
            pending.pop(key, None)
            reports.put((key, now))
        else:
            pending[key] = have

    def add_client(index: int) -> Any:
        client = socketio.AsyncClient(reconnection=False)
        arrivals: list[tuple[int, float]] = []
        logs = {name: StateLog() for name in STATE_EVENTS}
        result.latency.append(arrivals)
        result.state.append(logs)

        async def on_disconnect(*_args: Any) -> None:
            result.disconnects += 1
            if running["now"] and not stop.is_set():
                reports.put((DISCONNECTED, time.monotonic()))  # it will never catch up

        client.on("disconnect", on_disconnect)
        if mode == "latency":

            async def on_settings(data: dict[str, Any]) -> None:
                now = time.monotonic()
                brightness = int(data["brightness"])
                arrivals.append((brightness, now))
                reached(brightness, now)

            client.on("settings", on_settings)
        else:
            for name in STATE_EVENTS:

                def handler(name: str) -> Any:
                    async def on_state(data: Any) -> None:
                        logs[name].add(data, time.monotonic() >= since.value)
                        if name == "carousel_config" and data.get("apps"):
                            reached(int(data["apps"][0]["duration"]), time.monotonic())

                    return on_state

                client.on(name, handler(name))
        clients.append(client)
        return client

    async def connect(client: Any) -> bool:
        try:
            await client.connect(f"{url}?board={BOARD}", transports=["websocket"], wait_timeout=60)
            return True
        except Exception:  # any failure counts; the benchmark reports it
            return False

    for batch in range(0, count, CONNECT_BATCH):
        group = [add_client(i) for i in range(batch, min(count, batch + CONNECT_BATCH))]
        outcomes = await asyncio.gather(*(connect(c) for c in group))
        result.connected += sum(outcomes)
        result.failed += len(outcomes) - sum(outcomes)
    result.disconnects = 0  # failed connects may have reported one
    running["now"] = True
    ready.put((result.connected, result.failed))
    while not stop.is_set():
        await asyncio.sleep(0.05)
    unexpected = result.disconnects  # before we hang up ourselves
    await asyncio.gather(*(c.disconnect() for c in clients if c.connected))
    result.disconnects = unexpected
    channels.results.put(result)


class _ClientLost(Exception):
    """A client was disconnected while the fleet waited for a key."""


class PythonGroup:
    """One process of python-socketio clients (:func:`_group_main`); it reads ``since``
    and ``stop`` from the shared :class:`Channels` itself."""

    def __init__(self, context: Any, url: str, count: int, mode: str, channels: Channels) -> None:
        self.process = context.Process(
            target=_group_main, args=(url, count, mode, channels), daemon=True
        )
        self.process.start()
        self.pid: int = self.process.pid

    def count_from(self, when: float) -> None:
        """Nothing to tell: the process reads the shared ``since``."""

    def request_stop(self) -> None:
        """Nothing to tell: the process watches the shared ``stop``."""

    def join(self, timeout: float) -> None:
        """Wait for the process to end, killing it after ``timeout`` seconds."""
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()


class NodeGroup:
    """One Node.js process of socket.io-client clients (bench/node/socketio_clients.cjs),
    state mode only; its lines are turned into the :class:`Channels` messages a Python
    client process sends."""

    SCRIPT = Path(__file__).parent / "node" / "socketio_clients.cjs"
    LIBRARY = Path(__file__).parent.parent / "web" / "node_modules" / "socket.io-client"

    def __init__(self, url: str, count: int, channels: Channels) -> None:
        if shutil.which("node") is None or not self.LIBRARY.is_dir():
            raise RuntimeError(
                "the Node.js clients need node and the dashboard's web/node_modules "
                "(run scripts/setup), or use --client-kind python"
            )
        self.channels = channels
        self.count = count
        self.process = subprocess.Popen(
            ["node", str(self.SCRIPT), url, str(count), BOARD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.pid = self.process.pid
        self.failed = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def count_from(self, when: float) -> None:
        """Count the changes arriving from ``when`` (monotonic) on."""
        self._send({"since": when})

    def request_stop(self) -> None:
        """Disconnect and hand back the result."""
        self._send({"stop": True})

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def _read(self) -> None:
        assert self.process.stdout is not None
        ready = False
        for line in self.process.stdout:
            message = json.loads(line)
            if "ready" in message:
                ready = True
                connected, self.failed = message["ready"]
                self.channels.ready.put((connected, self.failed))
            elif "report" in message:
                self.channels.reports.put(tuple(message["report"]))
            elif "result" in message:
                self.channels.results.put(self._result(message["result"]))
        if not ready:  # it died before connecting (its error is on stderr)
            self.failed = self.count
            self.channels.ready.put((0, self.count))

    def _result(self, data: dict[str, Any]) -> GroupResult:
        def state_log(item: dict[str, Any]) -> StateLog:
            digests = bytearray.fromhex(item["digests"])
            return StateLog(item["count"], item["chain"], item["last"], item["seen"], digests)

        states = [{name: state_log(log) for name, log in logs.items()} for logs in data["state"]]
        return GroupResult(
            connected=len(states) - self.failed,
            failed=self.failed,
            disconnects=data["disconnects"],
            state=states,
        )

    def join(self, timeout: float) -> None:
        """Wait for the process to end, killing it after ``timeout`` seconds."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


ClientGroup = PythonGroup | NodeGroup


class ClientFleet:
    """``count`` clients over ``procs`` processes, recording as ``mode`` says.

    ``kind``: ``python`` (python-socketio ``AsyncClient``s, both modes) or ``node``
    (socket.io-client in Node.js, about a third of the CPU per event; state mode).
    """

    def __init__(
        self, url: str, count: int, mode: str, procs: int | None = None, kind: str = "python"
    ) -> None:
        if kind not in CLIENT_KINDS or (kind == "node" and mode != "state"):
            raise ValueError(f"no {kind!r} clients for {mode!r} mode")
        self.context = mp.get_context("spawn")
        self.url, self.count, self.mode, self.kind = url, count, mode, kind
        per_process = NODE_CLIENTS_PER_PROCESS if kind == "node" else PYTHON_CLIENTS_PER_PROCESS
        self.procs = procs or max(1, min(4, math.ceil(count / per_process)))
        self.procs = min(self.procs, count)
        # Node groups talk through a reader thread each: plain queues will do.
        python = kind == "python"
        self.channels = Channels(
            since=self.context.Value("d", math.inf),
            ready=self.context.Queue() if python else queue.Queue(),
            reports=self.context.Queue() if python else queue.Queue(),
            stop=self.context.Event(),
            results=self.context.Queue() if python else queue.Queue(),
        )
        self.processes: list[ClientGroup] = []
        self.connected = 0
        self.failed = 0
        self.lost_clients = 0  # disconnects seen while waiting
        self.connect_seconds = 0.0

    def start(self, timeout: float = 300.0) -> ClientFleet:
        """Start the processes and wait until every client tried to connect."""
        started = time.monotonic()
        share = [
            self.count // self.procs + (1 if i < self.count % self.procs else 0)
            for i in range(self.procs)
        ]
        for count in share:
            self.processes.append(
                NodeGroup(self.url, count, self.channels)
                if self.kind == "node"
                else PythonGroup(self.context, self.url, count, self.mode, self.channels)
            )
        for _ in self.processes:
            connected, failed = self.channels.ready.get(timeout=timeout)
            self.connected += connected
            self.failed += failed
        self.connect_seconds = time.monotonic() - started
        return self

    def count_from(self, when: float) -> None:
        """State mode: count the changes arriving from ``when`` (monotonic) on."""
        self.channels.since.value = when
        for process in self.processes:
            process.count_from(when)

    def wait_all(self, key: int, timeout: float) -> float | None:
        """When the last process had ``key`` (a brightness or marker) on every client;
        ``None`` after ``timeout`` or as soon as a client was disconnected."""
        if self.lost_clients:
            return None
        done: list[float] = []

        def all_reported() -> bool:
            # Each report carries the time it was seen, so reading late changes nothing.
            while len(done) < len(self.processes):
                try:
                    value, at = self.channels.reports.get(timeout=0.05)
                except queue.Empty:
                    return False
                if value == DISCONNECTED:
                    self.lost_clients += 1
                    raise _ClientLost  # that process can never report the key
                if value == key:
                    done.append(at)
            return True

        try:
            wait_until(all_reported, timeout, f"every client at {key}", ignoring=())
        except (TimeoutError, _ClientLost):
            return None
        return max(done)

    def stop(self) -> list[GroupResult]:
        """Disconnect every client; return what each process recorded."""
        self.channels.stop.set()
        for process in self.processes:
            process.request_stop()
        results = [self.channels.results.get(timeout=120) for _ in self.processes]
        for process in self.processes:
            process.join(30)
        return results
