"""Fan-out benchmark: one event through the Socket.IO message queue to N websocket clients.

It starts a private Mosquitto and ``retroboard-api`` (one gunicorn worker of the chosen
class), connects N python-socketio asyncio clients (websocket transport, needs aiohttp)
spread over several client processes, then emits ``tick`` to room ``board:bench``
through the MQTT queue R times, the way the bridge emits state changes. Each client
measures the latency of every tick from its send time. Loopback only; bounded in
clients, rounds and time.

    .venv/bin/python services/api/bench/fanout.py --worker gevent --clients 100
    .venv/bin/python services/api/bench/fanout.py --worker gthread --clients 100
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import requests
import socketio

from retroboard_common.sio_queue import create_manager

BOARD = "bench"
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(check: Any, timeout: float, what: str) -> None:
    """Poll ``check`` until truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except requests.RequestException:
            pass  # not up yet, or the worker is still booting
        time.sleep(0.05)
    raise TimeoutError(what)


def client_process(url: str, count: int, ready: Any, results: Any, stop: Any) -> None:
    """Connect ``count`` asyncio clients, record tick latencies until ``stop``."""
    asyncio.run(_clients(url, count, ready, results, stop))


async def _clients(url: str, count: int, ready: Any, results: Any, stop: Any) -> None:
    # asyncio clients: threaded ones would make the client side the bottleneck.
    latencies: list[tuple[int, float]] = []
    clients = []
    for _ in range(count):
        client = socketio.AsyncClient(reconnection=False)

        async def on_tick(data: dict[str, Any]) -> None:
            latencies.append((data["seq"], time.time() - data["t"]))

        client.on("tick", on_tick)
        clients.append(client)
    for batch in range(0, count, 50):
        await asyncio.gather(
            *(
                c.connect(f"{url}?board={BOARD}", transports=["websocket"], wait_timeout=60)
                for c in clients[batch : batch + 50]
            )
        )
    ready.put(count)
    while not stop.is_set():
        await asyncio.sleep(0.1)
    results.put(latencies)
    await asyncio.gather(*(c.disconnect() for c in clients))


def run(worker: str, clients: int, procs: int, rounds: int, gap: float) -> dict[str, Any]:
    """One measurement; returns the figures."""
    workdir = Path(tempfile.mkdtemp(prefix="rb-fanout-"))
    mqtt_port, http_port = free_port(), free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(f"user root\nlistener {mqtt_port} 127.0.0.1\nallow_anonymous true\n")
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    broker = subprocess.Popen([mosquitto, "-c", str(conf)], stderr=subprocess.DEVNULL)
    env = {
        **os.environ,
        "MQTT_URL": f"mqtt://127.0.0.1:{mqtt_port}",
        "RETROBOARD_BOARD_ID": BOARD,
        "RETROBOARD_API_HOST": "127.0.0.1",
        "RETROBOARD_API_PORT": str(http_port),
        "RETROBOARD_API_WORKER_CLASS": worker,
        "RETROBOARD_API_THREADS": str(clients + 20),  # gthread: one thread per websocket
        "RETROBOARD_LOG_LEVEL": "WARNING",
    }
    log = (workdir / "api.log").open("wb")
    api = subprocess.Popen([str(BIN / "retroboard-api")], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{http_port}"
    stop = mp.Event()
    ready: Any = mp.Queue()
    results: Any = mp.Queue()
    workers: list[mp.Process] = []
    try:
        wait_for(lambda: requests.get(f"{url}/api/health", timeout=5).ok, 20, "api up")
        started = time.monotonic()
        share = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
        for count in share:
            process = mp.Process(target=client_process, args=(url, count, ready, results, stop))
            process.start()
            workers.append(process)
        connected = sum(ready.get(timeout=300) for _ in workers)
        connect_seconds = time.monotonic() - started
        [gunicorn_worker] = psutil.Process(api.pid).children()
        rss_mb = gunicorn_worker.memory_info().rss / 2**20
        threads = gunicorn_worker.num_threads()

        emitter = create_manager(env["MQTT_URL"], "mqtt", write_only=True)
        time.sleep(0.5)
        for seq in range(rounds):
            emitter.emit(
                "tick", {"seq": seq, "t": time.time()}, namespace="/", room=f"board:{BOARD}"
            )
            time.sleep(gap)
        time.sleep(2.0)
        emitter.close()
        stop.set()
        latencies = [item for _ in workers for item in results.get(timeout=60)]
    finally:
        stop.set()
        for process in workers:
            process.join(30)
        api.terminate()
        api.wait(15)
        broker.terminate()
        broker.wait(10)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)

    by_round: dict[int, list[float]] = {}
    for seq, latency in latencies:
        by_round.setdefault(seq, []).append(latency)
    complete = [max(v) for v in by_round.values()]
    every = [latency for _, latency in latencies]
    return {
        "worker": worker,
        "clients": connected,
        "connect_s": round(connect_seconds, 2),
        "delivered": f"{len(latencies)}/{clients * rounds}",
        "p50_ms": round(statistics.median(every) * 1000, 1),
        "p95_ms": round(statistics.quantiles(every, n=20)[-1] * 1000, 1),
        "all_clients_ms_median": round(statistics.median(complete) * 1000, 1),
        "all_clients_ms_max": round(max(complete) * 1000, 1),
        "worker_rss_mb": round(rss_mb, 1),
        "worker_threads": threads,
    }


def main() -> None:
    """Parse flags, run, print one line of figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--worker", choices=["gevent", "gthread"], default="gevent")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--procs", type=int, default=4, help="client processes")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between ticks")
    args = parser.parse_args()
    if not 1 <= args.clients <= 2000 or not 1 <= args.rounds <= 200:
        parser.error("keep it bounded: 1–2000 clients, 1–200 rounds")
    print(run(args.worker, args.clients, args.procs, args.rounds, args.gap))


if __name__ == "__main__":
    main()
