"""MQTT over TLS with a password, end to end, and no secret in any log.

A Mosquitto of the test's own listens with TLS only (a certificate from a throwaway CA
made with openssl) and refuses anonymous clients. The renderer, the api and the bridge
connect with ``mqtts://user:password@…`` and trust the CA through ``SSL_CERT_FILE``; a
command over REST must reach a Socket.IO client through all of them (the Socket.IO queue
rides on the same TLS connection settings). Every service logs at DEBUG, and neither
the broker password nor the api token may show up in any log.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from operator import contains
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.support.mosquitto import free_port, wait_for_port
from tests.support.processes import ServiceProcess
from tests.support.stack import BOARD, wait_until
from tests.support.states import settings_state

pytestmark = pytest.mark.integration

USER = "retroboard"
PASSWORD = "tls-Pa55word-7d1e"
TOKEN = "tls-api-token-93c0"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
SERVICES = ("retroboard-renderer", "retroboard-api", "retroboard-bridge")
# In the broker's one line for each handshake a client abandons, not trusting its CA.
REFUSED_HANDSHAKE = "alert unknown ca"


def openssl(*args: str, cwd: Path) -> None:
    """Run openssl quietly; fail the test with its output if it fails."""
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def make_certificates(folder: Path) -> Path:
    """A CA and a server certificate for 127.0.0.1/localhost signed by it; the CA's path."""
    folder.mkdir(parents=True, exist_ok=True)
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key", cwd=folder)
    openssl(
        "req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "2",
        "-subj", "/CN=RetroBoard test CA", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key", cwd=folder)
    openssl(
        "req", "-new", "-key", "server.key", "-subj", "/CN=localhost", "-out", "server.csr",
        cwd=folder,
    )  # fmt: skip
    (folder / "server.ext").write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-sha256", "-extfile", "server.ext",
        "-out", "server.pem",
        cwd=folder,
    )  # fmt: skip
    return folder / "ca.pem"


@dataclass
class TlsBroker:
    """Mosquitto with a TLS listener, a password file and no anonymous access."""

    port: int
    ca: Path
    process: ServiceProcess

    def url(self, user: str | None = USER, password: str | None = PASSWORD) -> str:
        """``mqtts://`` URL for ``user``/``password`` (none: anonymous)."""
        credentials = f"{user}:{password}@" if user else ""
        return f"mqtts://{credentials}127.0.0.1:{self.port}"


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[TlsBroker]:
    ca = make_certificates(tmp_path / "tls")
    passwd = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwd), USER, PASSWORD], check=True)
    port = free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        "\n".join(
            [
                "user root",
                f"listener {port} 127.0.0.1",
                f"certfile {tmp_path}/tls/server.pem",
                f"keyfile {tmp_path}/tls/server.key",
                "allow_anonymous false",
                f"password_file {passwd}",
                "persistence false",
                "log_dest stderr",
                "log_type error",
                "log_type warning",
                "log_type notice",
                "",
            ]
        )
    )
    process = ServiceProcess(MOSQUITTO, ["-c", str(config)], {}, tmp_path / "mosquitto.log")
    process.command = [MOSQUITTO, "-c", str(config)]  # a system binary, not a script
    process.start()
    try:
        wait_for_port(port)
    except TimeoutError:
        pytest.fail(process.output())
    yield TlsBroker(port, ca, process)
    process.stop()


def service(name: str, broker: TlsBroker, workdir: Path, **extra: str) -> ServiceProcess:
    """One service on the TLS broker, logging everything."""
    env = {
        "MQTT_URL": broker.url(),
        "SSL_CERT_FILE": str(broker.ca),
        "RETROBOARD_BOARD_ID": BOARD,
        "RETROBOARD_LOG_LEVEL": "DEBUG",
        **extra,
    }
    return ServiceProcess(name, [], env, workdir / f"{name}.log")


def test_renderer_api_and_bridge_work_over_tls_and_keep_secrets(
    tls_broker: TlsBroker, tmp_path: Path
) -> None:
    port = free_port()
    processes = [
        service(
            "retroboard-renderer",
            tls_broker,
            tmp_path,
            RETROBOARD_STATE_DIR=str(tmp_path / "state"),
            RETROBOARD_DISPLAY="emulator",
        ),
        service(
            "retroboard-api",
            tls_broker,
            tmp_path,
            RETROBOARD_API_HOST="127.0.0.1",
            RETROBOARD_API_PORT=str(port),
            RETROBOARD_API_TOKEN=TOKEN,
            RETROBOARD_COMMAND_TIMEOUT="5",
            RETROBOARD_WEB_DIST=str(tmp_path / "no-dist"),
        ),
        service("retroboard-bridge", tls_broker, tmp_path),
    ]
    api = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    client = socketio.Client(reconnection=False)
    seen: list[int] = []
    arrived = threading.Condition()

    def on_settings(data: Any) -> None:
        with arrived:
            seen.append(data["brightness"])
            arrived.notify_all()

    client.on("settings", on_settings)

    def online() -> bool:
        health = requests.get(f"{api}/api/health", timeout=5).json()
        return bool(health["boards"].get(BOARD, {}).get("online"))

    try:
        for process in processes:
            process.start()
        wait_until(online, timeout=30, what="renderer online through the TLS broker")
        health = requests.get(f"{api}/api/health", timeout=5).json()
        assert health["mqtt"] == {
            "connected": True,
            "broker": f"mqtts://{USER}:***@127.0.0.1:{tls_broker.port}",
        }
        client.connect(api, transports=["websocket"], wait_timeout=5, auth={"token": TOKEN})
        # Commands until one comes back through the bridge and the Socket.IO queue
        # (the api's queue subscription starts with its first Socket.IO client).
        for brightness in range(20, 60):
            answer = requests.post(
                f"{api}/api/settings", json={"brightness": brightness}, headers=auth, timeout=10
            )
            assert answer.json() == {"success": True, **settings_state(brightness)}
            with arrived:
                if arrived.wait_for(partial(contains, seen, brightness), timeout=0.5):
                    break
        else:
            pytest.fail(f"no settings event over the TLS queue; saw {seen}")
    except (AssertionError, TimeoutError, pytest.fail.Exception) as exc:
        logs = "\n".join(p.output()[-1500:] for p in [*processes, tls_broker.process])
        raise AssertionError(f"{exc}\n{logs}") from None
    finally:
        client.disconnect()
        for process in reversed(processes):
            process.stop()

    for process in [*processes, tls_broker.process]:
        output = process.output()
        assert output, f"{process.log_path.name} is empty"
        assert PASSWORD not in output, process.log_path.name
        assert TOKEN not in output, process.log_path.name
    for process in processes:
        assert f"mqtts://{USER}:***@127.0.0.1:{tls_broker.port}" in process.output()


def test_anonymous_and_plain_clients_are_refused(tls_broker: TlsBroker) -> None:
    base = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(tls_broker.port), "-t", "x", "-m", "1"]
    tls = ["--cafile", str(tls_broker.ca)]
    run: dict[str, Any] = {"capture_output": True, "text": True, "timeout": 15, "check": False}
    assert subprocess.run([*base, *tls], **run).returncode != 0  # anonymous
    assert subprocess.run([*base, *tls, "-u", USER, "-P", "wrong"], **run).returncode != 0
    assert subprocess.run([*base, "-u", USER, "-P", PASSWORD], **run).returncode != 0  # no TLS
    assert subprocess.run([*base, *tls, "-u", USER, "-P", PASSWORD], **run).returncode == 0


def test_an_untrusted_broker_certificate_is_refused_and_said(
    tls_broker: TlsBroker, tmp_path: Path
) -> None:
    renderer = service(
        "retroboard-renderer",
        tls_broker,
        tmp_path,
        SSL_CERT_FILE=str(tmp_path / "no-such-ca.pem"),  # the system CAs do not know it
        RETROBOARD_STATE_DIR=str(tmp_path / "state"),
        RETROBOARD_DISPLAY="emulator",
    ).start()
    try:
        wait_until(lambda: "cannot connect" in renderer.output(), timeout=15, what="failure")
        # Retries follow, none may succeed: the broker has refused a retry's handshake too.
        wait_until(
            lambda: tls_broker.process.output().count(REFUSED_HANDSHAKE) >= 2,
            timeout=15,
            what="a refused retry",
        )
    finally:
        renderer.stop()
    output = renderer.output()
    assert f"cannot connect to MQTT broker mqtts://{USER}:***@127.0.0.1" in output
    assert "TLS certificate" in output and "connected to MQTT broker" not in output
    assert PASSWORD not in output


@pytest.mark.parametrize("script", SERVICES)
def test_a_bad_broker_url_is_reported_without_its_password(script: str, tmp_path: Path) -> None:
    process = ServiceProcess(
        script, [], {"MQTT_URL": f"ftp://{USER}:{PASSWORD}@broker"}, tmp_path / "out.log"
    ).start()
    assert process.process is not None
    assert process.process.wait(30) == 2
    output = process.output()
    assert "invalid setting MQTT_URL" in output and PASSWORD not in output
    assert f"ftp://{USER}:***@broker" in output


def test_a_wrong_password_is_logged_without_it(tls_broker: TlsBroker, tmp_path: Path) -> None:
    wrong = "wrong-Secret-551"
    renderer = service(
        "retroboard-renderer",
        tls_broker,
        tmp_path,
        MQTT_URL=tls_broker.url(USER, wrong),
        RETROBOARD_STATE_DIR=str(tmp_path / "state"),
        RETROBOARD_DISPLAY="emulator",
    ).start()
    try:
        wait_until(lambda: "refused us" in renderer.output(), timeout=15, what="refusal logged")
    finally:
        renderer.stop()
    assert wrong not in renderer.output()
