"""Unit tests of settings, gunicorn options, the port check, origins and the OpenAPI document."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from retroboard_api import ApiSettings
from retroboard_api.origins import OriginPolicy
from retroboard_api.server import GEVENT_WORKER, GTHREAD_WORKER, bind_address, gunicorn_options
from retroboard_common.ports import port_problem
from retroboard_common.settings import load_settings
from tests.support.api_app import make_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ["RETROBOARD_API_PORT", "RETROBOARD_CORS_ORIGINS", "RETROBOARD_COMMAND_TIMEOUT"]:
        monkeypatch.delenv(name, raising=False)
    settings = ApiSettings()
    assert settings.port == 5000 and settings.host == "0.0.0.0" and settings.workers == 1
    assert settings.command_timeout == 2.0
    assert settings.cors_origin_list == ["http://localhost:5173", "http://127.0.0.1:5173"]
    assert settings.socketio_message_queue == "mqtt"
    assert settings.worker_class == "gevent" and settings.async_mode == "gevent"


def test_empty_token_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETROBOARD_API_TOKEN", "")
    assert ApiSettings().api_token is None
    monkeypatch.setenv("RETROBOARD_API_TOKEN", "s3cret")
    assert ApiSettings().api_token == "s3cret"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RETROBOARD_API_PORT", "8080")
    monkeypatch.setenv("RETROBOARD_CORS_ORIGINS", "https://a.example, http://b.example:81/")
    monkeypatch.setenv("RETROBOARD_WEB_DIST", str(tmp_path))
    monkeypatch.setenv("SOCKETIO_MESSAGE_QUEUE", "redis://127.0.0.1:6379/0")
    settings = ApiSettings()
    assert settings.port == 8080
    assert settings.cors_origin_list == ["https://a.example", "http://b.example:81"]
    assert settings.web_dist == tmp_path
    assert settings.redis_queue


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RETROBOARD_API_PORT", "http"),
        ("RETROBOARD_API_PORT", "70000"),
        ("RETROBOARD_COMMAND_TIMEOUT", "0"),
        ("RETROBOARD_CORS_ORIGINS", "localhost:5173"),
        ("SOCKETIO_MESSAGE_QUEUE", "amqp://x"),
        ("RETROBOARD_API_WORKER_CLASS", "eventlet"),
        ("RETROBOARD_API_TOKEN", "   "),  # would leave the api open without a word
    ],
)
def test_bad_settings_stop_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit):
        load_settings(ApiSettings, "retroboard-api")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and name in lines[0]


def test_gunicorn_options_per_worker_class() -> None:
    gevent = gunicorn_options(make_settings(worker_class="gevent", port=5001))
    assert gevent["worker_class"] == GEVENT_WORKER
    assert gevent["bind"] == ["0.0.0.0:5001"] and gevent["workers"] == 1
    assert gevent["control_socket_disable"] is True
    threaded = gunicorn_options(make_settings(worker_class="gthread", threads=8))
    assert threaded["worker_class"] == GTHREAD_WORKER and threaded["threads"] == 8
    assert bind_address("::", 5000) == "[::]:5000"


def test_port_problem_names_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        problem = port_problem("127.0.0.1", port, "change it")
    assert problem is not None and f"port {port}" in problem and "in use" in problem
    assert port_problem("127.0.0.1", port, "change it") is None


def test_origin_policy() -> None:
    policy = OriginPolicy(["http://localhost:5173"])
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "board.local:5000"}
    assert policy("http://localhost:5173", environ)
    assert policy("http://board.local:5000", environ)  # same origin
    assert not policy("http://evil.example", environ)
    proxied = {**environ, "HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "rb.example"}
    assert policy("https://rb.example", proxied)
    assert OriginPolicy(["*"])("http://anything", environ)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    from retroboard_api import create_app
    from tests.support.api_fakes import FakeMqtt

    app = create_app(make_settings(), FakeMqtt())
    document: dict[str, Any] = app.test_client().get("/openapi/openapi.json").get_json()
    return document


def test_openapi_documents_both_path_families(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    for suffix in [
        "apps",
        "current",
        "switch",
        "stop",
        "apps/clock/config",
        "apps/scroll_text/config",
        "apps/stars/config",
        "config",
        "settings",
        "carousel",
        "carousel/next",
    ]:
        assert f"/api/{suffix}" in paths
        assert f"/api/boards/{{board}}/{suffix}" in paths
    for extra in ["/api/health", "/api/boards", "/api/boards/{board}/health"]:
        assert extra in paths


def test_openapi_path_parameters_match_templates(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == {part[1:-1] for part in path.split("/") if part.startswith("{")}, (
                path
            )


def test_openapi_documents_error_responses(spec: dict[str, Any]) -> None:
    post = spec["paths"]["/api/settings"]["post"]
    assert set(post["responses"]) >= {
        "200",
        "400",
        "404",
        "409",
        "413",
        "415",
        "422",
        "503",
        "504",
    }
    error = post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert error.endswith("/ErrorResponse")
    get = spec["paths"]["/api/settings"]["get"]
    assert set(get["responses"]) == {"200", "404", "503"}


def test_the_gunicorn_master_imports_no_app() -> None:
    """``retroboard-api`` (which becomes the gunicorn master) and the server class stay
    clear of Flask and python-socketio, and the server does not import the command
    line: the worker builds the app, after gevent's monkey patching."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import retroboard_api.server\n"
        "assert 'retroboard_api.cli' not in sys.modules\n"
        "import retroboard_api.cli\n"
        "heavy = {'flask', 'socketio', 'engineio', 'retroboard_api.app'}\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_api_server_applies_the_options_and_the_exit_hook() -> None:
    from retroboard_api.server import ApiServer

    server = ApiServer(make_settings(worker_class="gthread", threads=6, port=5002))
    assert server.cfg.worker_class_str == GTHREAD_WORKER and server.cfg.threads == 6
    assert server.cfg.bind == ["0.0.0.0:5002"]
    assert server.cfg.worker_exit.__name__ == "_worker_exit"


def test_retroboard_api_runs_gunicorn_in_its_own_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``retroboard-api`` checks the settings, then runs the server right there (no
    second program started with the options in the environment)."""
    from retroboard_api import cli
    from retroboard_api.server import ApiServer
    from tests.support.mosquitto import free_port

    ran: list[ApiSettings] = []
    monkeypatch.setattr(ApiServer, "run", lambda server: ran.append(server.settings))
    port = free_port()
    cli.main(["--host", "127.0.0.1", "--port", str(port), "--worker-class", "gthread"])
    [settings] = ran
    assert settings.port == port and settings.worker_class == "gthread"
