"""The whole real stack for the dashboard's browser tests: Mosquitto, renderer, bridge
and the api under gunicorn serving the built ``web/dist``."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.stack import BOARD, Stack, api_process, renderer_process, stop_stack

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
WEB_DIST = WEB_DIR / "dist"
# What a build is made from: when any of it is newer than dist/, dist/ is stale.
WEB_SOURCES = ("src", "public", "index.html", "package.json", "pnpm-lock.yaml", "vite.config.ts")

__all__ = ["BOARD", "WEB_DIST", "WebStack", "ensure_web_build", "start_web_stack"]


def _newest_source() -> float:
    newest = 0.0
    for name in WEB_SOURCES:
        path = WEB_DIR / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def ensure_web_build() -> Path:
    """``web/dist``, built first when missing or older than its sources."""
    index = WEB_DIST / "index.html"
    if index.is_file() and index.stat().st_mtime >= _newest_source():
        return WEB_DIST
    pnpm = shutil.which("pnpm")
    if pnpm is None:
        raise RuntimeError(
            "web/dist is missing or stale and pnpm is not installed: run scripts/setup"
        )
    env = {**os.environ, "CI": "true"}  # no prompts, no progress bars
    if not (WEB_DIR / "node_modules").is_dir():
        subprocess.run([pnpm, "install", "--frozen-lockfile"], cwd=WEB_DIR, env=env, check=True)
    subprocess.run([pnpm, "build"], cwd=WEB_DIR, env=env, check=True, stdout=subprocess.DEVNULL)
    return WEB_DIST


@dataclass
class WebStack(Stack):
    """:class:`tests.support.stack.Stack` plus the bridge, serving the real dashboard."""

    bridge: ServiceProcess | None = None

    def bridge_process(self) -> ServiceProcess:
        env = {"MQTT_URL": self.broker.url, "RETROBOARD_BOARD_ID": "bridge"}
        return ServiceProcess("retroboard-bridge", [], env, self.workdir / "bridge.log")

    def new_api(self) -> ServiceProcess:
        return api_process(self.broker, self.workdir, self.port, RETROBOARD_WEB_DIST=str(WEB_DIST))

    def stop_api(self) -> None:
        self.api.stop()

    def start_api(self) -> None:
        """Start the api again on the same port (after :meth:`stop_api`)."""
        self.api = self.new_api().start()
        self.wait_ready()

    def start_renderer(self, board: str) -> ServiceProcess:
        """One more board on the same broker (a fleet)."""
        return renderer_process(self.broker, self.workdir, board).start()

    def logs(self) -> str:
        bridge = self.bridge.output()[-2000:] if self.bridge else ""
        return f"{super().logs()}\n--- bridge ---\n{bridge}"


def start_web_stack(workdir: Path) -> WebStack:
    """Start broker, renderer, bridge and api; wait until the api serves the board."""
    ensure_web_build()
    broker = MosquittoBroker(workdir / "mosquitto")
    broker.start()
    probe = MqttProbe(broker.url, pattern="retroboard/+/state/#")
    probe.start()
    renderer = renderer_process(broker, workdir).start()
    port = free_port()
    stack = WebStack(workdir, broker, probe, renderer, renderer, port)
    stack.bridge = stack.bridge_process().start()
    stack.api = stack.new_api().start()
    try:
        stack.wait_ready()
    except TimeoutError:
        stop_web_stack(stack)
        raise AssertionError(f"stack did not start\n{stack.logs()}") from None
    return stack


def stop_web_stack(stack: WebStack) -> None:
    """Stop everything, the api first."""
    stop_stack(stack)
    if stack.bridge is not None:
        stack.bridge.stop()
