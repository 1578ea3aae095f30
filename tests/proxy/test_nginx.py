"""nginx in front of two api processes sharing the Redis message queue.

The real stack: Mosquitto, the renderer, two ``retroboard-api`` processes (gunicorn,
gevent) and the bridge on ``SOCKETIO_MESSAGE_QUEUE=redis://…`` with a real
``redis-server``, behind Debian's nginx running ``deploy/nginx/retroboard.conf``.
Clients come from different loopback addresses so that ``ip_hash`` spreads them over
both apis; each must get every change made over REST through the proxy, once.
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.proxy.nginx import SITE_CONFIG, Nginx, session_from
from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.processes import ServiceProcess
from tests.support.redis_server import RedisServer
from tests.support.stack import BOARD, api_process, renderer_process, wait_until

pytestmark = pytest.mark.integration

# ip_hash keys on the first three octets of an IPv4 address: one /24 per client.
CLIENT_ADDRESSES = [f"127.0.{n}.1" for n in range(1, 17)]
TRANSPORTS = ("websocket", "polling")
FENCE = 44  # the brightness of the change sent as a fence


class Listener:
    """A python-socketio client connected through nginx from one local address."""

    def __init__(self, proxy: Nginx, address: str, transport: str) -> None:
        self.address = address
        self.transport = transport
        options: dict[str, Any] = {}
        if transport == "websocket":
            # websocket-client takes a connected socket: ours leaves from ``address``.
            sock = socket.create_connection(
                ("127.0.0.1", proxy.port), timeout=5, source_address=(address, 0)
            )
            options["websocket_extra_options"] = {"socket": sock}
        self.client = socketio.Client(
            reconnection=False, http_session=session_from(address), **options
        )
        self.events: list[tuple[str, Any]] = []
        self._cond = threading.Condition()
        self.client.on("*", self._record)
        self.url = proxy.url

    def _record(self, event: str, data: Any = None) -> None:
        with self._cond:
            self.events.append((event, data))
            self._cond.notify_all()

    def connect(self) -> Listener:
        """Connect and wait for the connection snapshot (``board_status`` comes last)."""
        self.client.connect(self.url, transports=[self.transport], wait_timeout=10)
        self.wait(lambda events: any(name == "board_status" for name, _ in events))
        return self

    def wait(self, done: Any, timeout: float = 10.0) -> list[tuple[str, Any]]:
        """Until ``done(events)`` holds."""
        with self._cond:
            if not self._cond.wait_for(lambda: done(self.events), timeout):
                raise AssertionError(f"{self}: got {self.events}")
            return list(self.events)

    def heard(self, brightness: int, timeout: float) -> bool:
        """Whether the last ``settings`` event is (or within ``timeout`` becomes) ``brightness``."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self.brightness_values()[-1:] == [brightness], timeout
            )

    def clear(self) -> None:
        """Forget what was received so far."""
        with self._cond:
            self.events.clear()

    def brightness_values(self) -> list[int]:
        """Every ``settings`` event's brightness, in order."""
        with self._cond:
            return [data["brightness"] for name, data in self.events if name == "settings"]

    def __repr__(self) -> str:
        return f"<{self.transport} client from {self.address}>"


@dataclass
class ProxiedStack:
    """Everything behind (and including) the proxy."""

    proxy: Nginx
    apis: list[ServiceProcess]
    processes: list[ServiceProcess]

    def logs(self) -> str:
        """The tail of every log, for failure messages."""
        parts = [f"--- {p.log_path.name} ---\n{p.output()[-2000:]}" for p in self.processes]
        return "\n".join([*parts, f"--- nginx ---\n{self.proxy.error_log()[-2000:]}"])


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxiedStack]:
    workdir = tmp_path_factory.mktemp("proxied")
    (workdir / "dist").mkdir()
    (workdir / "dist" / "index.html").write_text("<!doctype html><div id=app></div>")
    broker = MosquittoBroker(workdir / "mosquitto")
    broker.start()
    redis = RedisServer(workdir / "redis").start()
    queue = {"SOCKETIO_MESSAGE_QUEUE": redis.url}
    api_ports = [free_port(), free_port()]
    apis = [api_process(broker, workdir, port, **queue) for port in api_ports]
    bridge_env = {"MQTT_URL": broker.url, "RETROBOARD_BOARD_ID": BOARD, **queue}
    bridge = ServiceProcess("retroboard-bridge", [], bridge_env, workdir / "bridge.log")
    processes = [renderer_process(broker, workdir), *apis, bridge]
    proxy = Nginx(workdir / "nginx", api_ports)
    stack = ProxiedStack(proxy, apis, processes)
    try:
        for process in processes:
            process.start()
        for port in api_ports:
            wait_until(partial(api_sees_board, port), what=f"api on port {port} ready")
        proxy.start()
        yield stack
    except (TimeoutError, AssertionError) as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from None
    finally:
        proxy.stop()
        for process in reversed(processes):
            process.stop()
        redis.stop()
        broker.kill()


def api_sees_board(port: int) -> bool:
    """Whether the api on ``port`` (asked directly) sees the renderer online."""
    boards = requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5).json()["boards"]
    return bool(boards.get(BOARD, {}).get("online"))


def addresses_per_api(proxy: Nginx) -> dict[str, str]:
    """One client address per api process, found by asking through the proxy."""
    chosen: dict[str, str] = {}
    for address in CLIENT_ADDRESSES:
        with session_from(address) as http:
            assert http.get(f"{proxy.url}/api/health", timeout=5).ok
        # nginx writes the log line just after the response: wait for it.
        [upstream] = wait_until(
            partial(proxy.upstreams_of, address), timeout=5, what=f"log line of {address}"
        )
        chosen.setdefault(upstream, address)
        if len(chosen) == 2:
            break
    return chosen


def post(address: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST JSON through the proxy from ``address``; the answer must be a success."""
    with session_from(address) as http:
        response = http.post(url, json=body, timeout=10)
    answer: dict[str, Any] = response.json()
    assert response.status_code == 200 and answer["success"] is True, answer
    return answer


def fence_at(events: list[tuple[str, Any]]) -> int | None:
    """Where the fence's ``settings`` event is in ``events``, if it came."""
    for index, (name, data) in enumerate(events):
        if name == "settings" and data["brightness"] == FENCE:
            return index
    return None


def test_clients_on_both_apis_get_every_change(proxied: ProxiedStack) -> None:
    proxy = proxied.proxy
    chosen = addresses_per_api(proxy)
    assert len(chosen) == 2, f"ip_hash sent every address to {set(chosen)}"
    addresses = list(chosen.values())
    listeners = [
        Listener(proxy, address, transport).connect()
        for address in addresses
        for transport in TRANSPORTS
    ]
    try:
        # The apis subscribe to Redis at their first Socket.IO connection: change
        # the brightness until everyone has seen the latest change, so none is listening
        # late and no earlier change is still on its way.
        attempts = itertools.count(1)

        def everyone_heard_a_change() -> bool:
            attempt = next(attempts)
            brightness = 1 + attempt % 39  # never one of the changes below
            post(addresses[attempt % 2], f"{proxy.url}/api/settings", {"brightness": brightness})
            return all(listener.heard(brightness, timeout=0.25) for listener in listeners)

        wait_until(everyone_heard_a_change, timeout=10, interval=0, what="everyone listening")
        for listener in listeners:
            listener.clear()

        # Each change goes in through one api and must come out of both.
        changes = [(addresses[0], 41), (addresses[1], 42), (addresses[0], 43)]
        for address, brightness in changes:
            post(address, f"{proxy.url}/api/settings", {"brightness": brightness})
        wanted = [brightness for _, brightness in changes]
        for listener in listeners:
            listener.wait(lambda _events, lst=listener: lst.brightness_values()[-1:] == [43])
        post(addresses[1], f"{proxy.url}/api/switch", {"app": "stars"})
        for listener in listeners:
            listener.wait(
                lambda events: any(
                    name == "current_app" and data["app"] == "stars" for name, data in events
                )
            )
        # A fence: one more change down the same path (renderer, bridge, Redis, apis); a
        # duplicate of an earlier change would come out before it.
        post(addresses[0], f"{proxy.url}/api/settings", {"brightness": FENCE})
        for listener in listeners:
            events = listener.wait(lambda events: fence_at(events) is not None)
            fenced = events[: (fence_at(events) or 0) + 1]
            seen = [data["brightness"] for name, data in fenced if name == "settings"]
            assert seen == [*wanted, FENCE], listener
            switches = [data for name, data in fenced if name == "current_app"]
            assert len(switches) == 1, (listener, switches)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{proxied.logs()}") from None
    finally:
        for listener in listeners:
            listener.client.disconnect()

    # Sticky sessions: every Socket.IO request of an address reached one api, and the
    # two addresses reached different ones (the log lines are written as requests end).
    def sessions_logged() -> list[set[str]]:
        found = [proxy.upstreams_of(address, "/socket.io/") for address in addresses]
        return found if all(found) else []

    per_address = wait_until(sessions_logged, timeout=5, what="Socket.IO requests logged")
    assert [len(upstreams) for upstreams in per_address] == [1, 1], per_address
    assert per_address[0] != per_address[1]


def test_rest_through_the_proxy_keeps_json_errors(proxied: ProxiedStack) -> None:
    url = proxied.proxy.url
    big = requests.post(
        f"{url}/api/switch",
        json={"app": "scroll_text", "config": {"text": "x" * 40_000}},
        timeout=10,
    )
    assert big.status_code == 413 and big.json()["success"] is False  # the api's, not nginx's
    unknown = requests.get(f"{url}/api/nope", timeout=10)
    assert unknown.status_code == 404 and unknown.json()["success"] is False
    assert requests.get(f"{url}/", timeout=10).text.startswith("<!doctype html>")


def test_proxy_without_any_api_answers_json_503(tmp_path: Path) -> None:
    proxy = Nginx(tmp_path / "nginx", [free_port(), free_port()]).start()  # nobody listens
    try:
        response = requests.get(f"{proxy.url}/api/settings", timeout=10)
        assert response.status_code == 503
        assert response.json() == {
            "success": False,
            "error": "the api is not reachable",
            "details": [],
        }
    finally:
        proxy.stop()


def test_the_documented_config_is_the_tested_one() -> None:
    deploy_md = (SITE_CONFIG.parents[2] / "docs" / "deploy.md").read_text()
    assert f"```nginx\n{SITE_CONFIG.read_text()}```\n" in deploy_md
