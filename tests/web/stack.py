"""The whole real stack for the dashboard's browser tests: Mosquitto, renderer, bridge
and the api under gunicorn serving the built ``web/dist``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.stack import BOARD, Stack, api_process, renderer_process, stop_stack
from tests.support.web_build import WEB_DIST, ensure_web_build

ORIGINAL_APPS = ("clock", "scroll_text", "stars")
"""The instances every board starts with (the renderer refuses to delete them)."""

__all__ = ["BOARD", "WEB_DIST", "WebStack", "ensure_web_build", "start_web_stack"]


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

    def delete(self, path: str) -> requests.Response:
        return self.http.delete(self.url + path, timeout=10)

    def upload(self, name: str, image: bytes, filename: str = "image.png") -> requests.Response:
        """POST /api/assets: ``image`` into the library as ``name``."""
        return self.post("/api/assets", files={"file": (filename, image)}, data={"name": name})

    def clear_additions(self, originals: tuple[str, ...] = ORIGINAL_APPS) -> None:
        """Remove every app instance but the originals, then every library image."""
        for app in self.get("/api/apps").json()["apps"]:
            if app not in originals:
                assert self.delete(f"/api/apps/{app}").ok, app
        for asset in self.get("/api/assets").json()["assets"]:
            assert self.delete(f"/api/assets/{asset['name']}").ok, asset

    def clear_notifications(self) -> None:
        """Dismiss the notification on show and every queued one (one dismiss each:
        each answer is the state after it, so no read can race the board)."""
        state = self.get("/api/notification").json()
        for _ in range(state["length"] + 2):
            if state["current"] is None:
                return
            response = self.post("/api/notify/dismiss", json={})
            assert response.ok, response.text
            state = response.json()
        raise AssertionError(f"notifications keep coming: {state}")

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
