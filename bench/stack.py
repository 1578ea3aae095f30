"""Start what a benchmark measures: a private Mosquitto, the real services, the baseline.

No pytest: the broker and the process wrapper come from ``tests/support`` (plain
classes), everything else is here. Every process logs to a file in a temporary folder
that is removed on a clean stop and kept (and printed) when something failed.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

import psutil  # type: ignore[import-untyped]
import requests

from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.processes import ServiceProcess
from tests.support.waiting import wait_until

BOARD = "bench"
SERVICES = ("renderer", "api", "bridge")
ROOT = Path(__file__).resolve().parent.parent
# Services see no aiohttp (see bench/hidden/aiohttp.py), as in their images.
SERVICE_ENV = {"PYTHONPATH": f"{ROOT / 'bench' / 'hidden'}:{ROOT}"}
BROKERS: Final = ("defaults", "tuned")
"""The broker configurations measured: Mosquitto's own defaults, and deploy/mosquitto's."""


def parse_brokers(text: str) -> list[str]:
    """``--brokers defaults,tuned``: the configurations to measure, each once."""
    brokers = [part.strip() for part in text.split(",") if part.strip()]
    if not brokers or not set(brokers) <= set(BROKERS):
        raise argparse.ArgumentTypeError(f"broker configurations among {', '.join(BROKERS)}")
    return list(dict.fromkeys(brokers))


def service_process(
    script: str, env: dict[str, str], log: Path, bin_dir: Path | None
) -> ServiceProcess:
    """``script`` from the development venv, or from ``bin_dir`` (``bench.imagevenv``).

    From ``bin_dir`` the service gets no ``PYTHONPATH``: it sees only what that venv
    holds, as in its image.
    """
    if bin_dir is None:
        return ServiceProcess(script, [], {**SERVICE_ENV, **env}, log)
    service = ServiceProcess(script, [], env, log)
    service.command = [str(bin_dir / script)]
    service.env.pop("PYTHONPATH", None)
    service.env.pop("VIRTUAL_ENV", None)
    return service


def process_tree(pid: int) -> list[Any]:
    """``pid`` and its children (gunicorn: master and workers) as psutil processes."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children, MiB."""
    total = 0
    for proc in process_tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total / 2**20


def pss_mb(pid: int) -> float:
    """Proportional set size of ``pid`` and its children, MiB (shared pages split)."""
    total = 0
    for proc in process_tree(pid):
        try:
            total += proc.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
            return float("nan")
    return total / 2**20


def process_memory(name: str, pid: int) -> dict[str, tuple[float, float]]:
    """RSS and PSS (MiB) of each process of service ``name``, by label: the service's
    own process is ``name``, its children (gunicorn's workers) ``name worker[ n]``."""
    tree = process_tree(pid)
    out: dict[str, tuple[float, float]] = {}
    for index, proc in enumerate(tree):
        label = name if index == 0 else f"{name} worker"
        if len(tree) > 2 and index:
            label += f" {index}"
        try:
            info = proc.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        out[label] = (info.rss / 2**20, getattr(info, "pss", math.nan) / 2**20)
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds used so far by ``pids`` and their children."""
    total = 0.0
    for pid in pids:
        for proc in process_tree(pid):
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
    return total


class Workdir:
    """A temporary folder, removed unless the benchmark failed."""

    def __init__(self, prefix: str) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix))

    def close(self, failed: bool) -> None:
        if failed:
            print(f"logs kept in {self.path}", file=sys.stderr)
            for log in sorted(self.path.rglob("*.log")):
                text = log.read_text(errors="replace")[-2000:]
                print(f"--- {log.name} ---\n{text}", file=sys.stderr)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def connection_limits(clients: int) -> dict[str, str]:
    """The api's per-address limits raised for ``clients``: every client of the
    benchmark, and every connection of the load's thread pool (up to 256), comes from
    127.0.0.1, which the defaults would cap at 200."""
    room = str(clients + 256 + 50)
    return {
        "RETROBOARD_API_MAX_CONNECTIONS_PER_ADDRESS": room,
        "SOCKETIO_MAX_GUESTS": room,
        "SOCKETIO_MAX_GUESTS_PER_ADDRESS": room,
    }


class BenchStack:
    """Mosquitto, ``retroboard-renderer`` (emulator), ``retroboard-api``, ``retroboard-bridge``.

    The api runs with its defaults (gunicorn, one worker of the default class); only
    the address, board id and log level are set. ``bin_dir``: run the services from
    that venv (``bench.imagevenv``) instead of the development one; ``api_env``: more
    settings for the api. ``broker_defaults``: Mosquitto on its own defaults
    (``set_tcp_nodelay false`` among them), as a broker somebody already runs, instead
    of deploy/mosquitto's tuning.
    """

    def __init__(
        self,
        workdir: Path,
        bin_dir: Path | None = None,
        *,
        broker_defaults: bool = False,
        api_env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.broker = MosquittoBroker(workdir / "mosquitto", defaults=broker_defaults)
        self.port = free_port()
        common = {"MQTT_URL": self.broker.url, "RETROBOARD_BOARD_ID": BOARD}
        quiet = {"RETROBOARD_LOG_LEVEL": "WARNING"}
        self.services: dict[str, ServiceProcess] = {
            "renderer": service_process(
                "retroboard-renderer",
                {
                    **common,
                    **quiet,
                    "RETROBOARD_STATE_DIR": str(workdir / "state"),
                    "RETROBOARD_DISPLAY": "emulator",
                },
                workdir / "renderer.log",
                bin_dir,
            ),
            "api": service_process(
                "retroboard-api",
                {
                    **common,
                    **quiet,
                    "RETROBOARD_API_HOST": "127.0.0.1",
                    "RETROBOARD_API_PORT": str(self.port),
                    **(api_env or {}),
                },
                workdir / "api.log",
                bin_dir,
            ),
            "bridge": service_process(
                "retroboard-bridge", {**common, **quiet}, workdir / "bridge.log", bin_dir
            ),
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mqtt_url(self) -> str:
        return self.broker.url

    def pid(self, service: str) -> int:
        process = self.services[service].process
        assert process is not None, f"{service} not started"
        return process.pid

    def start(self) -> BenchStack:
        """Start everything; return once the api serves the renderer's state."""
        self.broker.start()
        for service in self.services.values():
            service.start()

        def ready() -> bool:
            for name, service in self.services.items():
                if not service.running:
                    raise RuntimeError(f"{name} exited at start")
            health = requests.get(f"{self.url}/api/health", timeout=5).json()
            online = health.get("boards", {}).get(BOARD, {}).get("online")
            return bool(online) and requests.get(f"{self.url}/api/settings", timeout=5).ok

        wait_until(ready, 30, "stack ready")
        # The bridge is up when its process lives; give it a moment to subscribe.
        time.sleep(1.0)
        return self

    def stop(self) -> None:
        """Stop the services (api first), then the broker."""
        for name in ("api", "bridge", "renderer"):
            self.services[name].stop()
        self.broker.kill()

    def rss(self) -> dict[str, float]:
        """RSS of each service in MiB (the api with its gunicorn workers)."""
        return {name: rss_mb(self.pid(name)) for name in SERVICES}

    def pss(self) -> dict[str, float]:
        """PSS of each service in MiB (pages shared by gunicorn's fork counted once)."""
        return {name: pss_mb(self.pid(name)) for name in SERVICES}

    def processes(self) -> dict[str, tuple[float, float]]:
        """RSS and PSS (MiB) of every service process, by label (see process_memory)."""
        out: dict[str, tuple[float, float]] = {}
        for name in SERVICES:
            out.update(process_memory(name, self.pid(name)))
        return out


class Baseline:
    """The bare Flask-SocketIO app of :mod:`bench.baseline` under the api's gunicorn."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.process = ServiceProcess(
            "python",
            ["-m", "bench.baseline", "--port", str(self.port)],
            {**SERVICE_ENV, **(env or {})},
            workdir / "baseline.log",
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Baseline:
        self.process.start()

        def ready() -> bool:
            if not self.process.running:
                raise RuntimeError("baseline exited at start")
            return requests.get(f"{self.url}/api/health", timeout=5).ok

        wait_until(ready, 30, "baseline ready")
        return self

    def stop(self) -> None:
        self.process.stop()
