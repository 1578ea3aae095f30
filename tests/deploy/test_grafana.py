"""deploy/grafana/retroboard.json: a dashboard Grafana can import, querying only metrics
that a real renderer and a real api serve."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.deployfiles import ROOT
from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.processes import ServiceProcess
from tests.support.stack import BOARD, api_process
from tests.support.waiting import wait_until

DASHBOARD = ROOT / "deploy" / "grafana" / "retroboard.json"
METRIC = re.compile(r"\b(retroboard_[a-z_]+)")
SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def dashboard() -> Any:
    return json.loads(DASHBOARD.read_text())


def queried_families() -> set[str]:
    """Every metric family a panel or variable of the dashboard asks for."""
    board = dashboard()
    queries = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    queries += [v["definition"] for v in board["templating"]["list"] if "definition" in v]
    names = {name for query in queries for name in METRIC.findall(query)}
    return {next((n[: -len(s)] for s in SUFFIXES if n.endswith(s)), n) for n in names}


def served_families(url: str, headers: dict[str, str] | None = None) -> set[str]:
    response = requests.get(url, headers=headers, timeout=5)
    assert response.status_code == 200, response.text
    return {family.name for family in text_string_to_metric_families(response.text)}


def test_the_dashboard_is_well_formed() -> None:
    board = dashboard()
    assert board["uid"] == "retroboard" and board["title"] == "RetroBoard"
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"] for v in board["templating"]["list"]}
    assert variables == {"datasource", "renderer", "api"}
    for panel in board["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"] and all(t["expr"] for t in panel["targets"])


@pytest.mark.integration
def test_every_queried_metric_is_served(broker: MosquittoBroker, tmp_path: Path) -> None:
    metrics_port, api_port = free_port(), free_port()
    renderer = ServiceProcess(
        "retroboard-renderer",
        [],
        {
            "MQTT_URL": broker.url,
            "RETROBOARD_BOARD_ID": BOARD,
            "RETROBOARD_STATE_DIR": str(tmp_path / "state"),
            "RETROBOARD_DISPLAY": "emulator",
            "RETROBOARD_METRICS_PORT": str(metrics_port),
        },
        tmp_path / "renderer.log",
    ).start()
    api = api_process(broker, tmp_path, api_port).start()
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_until(lambda: requests.get(f"{base}/api/settings", timeout=5).ok, what="api up")
        # One command through the api: its labelled series have a first sample.
        answer = requests.post(f"{base}/api/settings", json={"brightness": 40}, timeout=10)
        assert answer.ok, answer.text
        served = served_families(f"http://127.0.0.1:{metrics_port}/metrics")
        served |= served_families(f"{base}/metrics")
        missing = queried_families() - served
        assert missing == set(), f"{missing}\nrenderer log:\n{renderer.output()}"
    finally:
        api.stop()
        renderer.stop()
