"""The compose Mosquitto (deploy/mosquitto): passwords, ACLs, and the services behind it.

Debian's Mosquitto runs the repository's mosquitto.conf (only paths and the port
changed) after the image's own entrypoint script wrote the password and ACL files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.deploy.deployfiles import ROOT, interpolate, load_compose, service_environment
from tests.deploy.test_services import BOARD, OPERATOR, build_service, get_json, wait_for_output
from tests.support.mosquitto import free_port, wait_for_port
from tests.support.processes import ServiceProcess
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

DEPLOY = ROOT / "deploy" / "mosquitto"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
SERVICE_PASSWORDS = {"renderer": "r-secret", "api": "a-secret", "bridge": "b-secret"}


@dataclass
class ComposeBroker:
    """The compose Mosquitto on a free port of this machine."""

    port: int
    process: ServiceProcess
    config_dir: Path


def broker_environment(config_dir: Path, **extra: str) -> dict[str, str]:
    """What the mosquitto service gets from compose (plus the test's paths)."""
    return {
        "MOSQUITTO_CONFIG_DIR": str(config_dir),
        "MOSQUITTO_ACL_TEMPLATE": str(DEPLOY / "acl.template"),
        "MQTT_USERNAME": OPERATOR["MQTT_USERNAME"],
        "MQTT_PASSWORD": OPERATOR["MQTT_PASSWORD"],
        **{f"MQTT_{name.upper()}_PASSWORD": secret for name, secret in SERVICE_PASSWORDS.items()},
        **extra,
    }


def local_config(config_dir: Path, data_dir: Path, port: int) -> Path:
    """deploy/mosquitto/mosquitto.conf with this machine's paths and port."""
    text = (DEPLOY / "mosquitto.conf").read_text()
    assert "listener 1883\n" in text
    text = text.replace("listener 1883\n", f"listener {port} 127.0.0.1\n")
    text = text.replace("/mosquitto/config/", f"{config_dir}/")
    text = text.replace("/mosquitto/data/", f"{data_dir}/")
    # Debian's broker, started as root, would drop to a user that cannot read the files.
    path = config_dir / "mosquitto.conf"
    path.write_text("user root\n" + text)
    return path


@pytest.fixture
def compose_broker(tmp_path: Path) -> Iterator[ComposeBroker]:
    config_dir, data_dir = tmp_path / "config", tmp_path / "data"
    config_dir.mkdir()
    data_dir.mkdir()
    port = free_port()
    config = local_config(config_dir, data_dir, port)
    # The image's command: its entrypoint script, which execs the broker.
    process = ServiceProcess(
        "/bin/sh",  # an absolute path: ServiceProcess does not look it up in the virtualenv
        [str(DEPLOY / "entrypoint.sh"), MOSQUITTO, "-c", str(config)],
        broker_environment(config_dir),
        tmp_path / "mosquitto.log",
    )
    process.start()
    try:
        wait_for_port(port)
    except TimeoutError:
        pytest.fail(process.output())
    yield ComposeBroker(port, process, config_dir)
    process.stop()


def client(tool: str, port: int, *credentials: str) -> list[str]:
    """``mosquitto_pub``/``mosquitto_sub`` to the broker, with ``-u USER -P PASS`` if given."""
    return [tool, "-h", "127.0.0.1", "-p", str(port), *credentials]


def mosquitto_pub(port: int, *credentials: str, topic: str = "retroboard/x/cmd/stop") -> Any:
    """Publish ``{}`` once."""
    return subprocess.run(
        [*client("mosquitto_pub", port, *credentials), "-t", topic, "-m", "{}"],
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )


def test_entrypoint_refuses_to_start_without_a_password(tmp_path: Path) -> None:
    environment = {**broker_environment(tmp_path), "MQTT_PASSWORD": "${MQTT_PASSWORD:?required}"}
    result = subprocess.run(
        ["/bin/sh", str(DEPLOY / "entrypoint.sh"), "true"],
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )
    assert result.returncode == 2
    assert "invalid setting MQTT_PASSWORD" in result.stderr


def test_entrypoint_writes_hashes_not_passwords(compose_broker: ComposeBroker) -> None:
    passwd = (compose_broker.config_dir / "passwd").read_text()
    assert sorted(line.split(":")[0] for line in passwd.splitlines()) == sorted(
        ["retroboard", *SERVICE_PASSWORDS]
    )
    assert OPERATOR["MQTT_PASSWORD"] not in passwd
    assert "user retroboard\n" in (compose_broker.config_dir / "acl").read_text()


def test_anonymous_and_wrong_passwords_are_refused(compose_broker: ComposeBroker) -> None:
    port = compose_broker.port
    anonymous = mosquitto_pub(port)
    assert anonymous.returncode != 0
    assert "not authori" in anonymous.stderr.lower()
    assert mosquitto_pub(port, "-u", "retroboard", "-P", "wrong").returncode != 0
    assert mosquitto_pub(port, "-u", "retroboard", "-P", OPERATOR["MQTT_PASSWORD"]).returncode == 0


def post_json(url: str, body: Mapping[str, Any]) -> Any:
    """POST JSON, return the decoded answer."""
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.load(response)


@pytest.mark.parametrize("accounts", ["shared", "per-service"])
def test_the_stack_works_behind_the_compose_broker(
    accounts: str, compose_broker: ComposeBroker, tmp_path: Path
) -> None:
    """Commands, replies, state and the Socket.IO queue all pass the ACL."""
    http_port = free_port()
    processes = {
        name: build_service(name, "docker", compose_broker.port, tmp_path, http_port)
        for name in ("renderer", "api", "bridge")
    }
    if accounts == "per-service":
        for name, process in processes.items():
            process.env["MQTT_URL"] = (
                f"mqtt://{name}:{SERVICE_PASSWORDS[name]}@127.0.0.1:{compose_broker.port}"
            )
    try:
        for process in processes.values():
            process.start()
        base = f"http://127.0.0.1:{http_port}/api"
        try:
            wait_until(
                lambda: get_json(f"{base}/health")["boards"].get(BOARD, {}).get("online"),
                timeout=20,
                what="the renderer online at the api",
                ignoring=(OSError,),
            )
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{processes['renderer'].output()}") from None
        answer = post_json(f"{base}/switch", {"app": "clock"})
        assert answer["success"] is True, answer
        wait_for_output(processes["bridge"], "connected to MQTT broker")
        assert "refused" not in processes["bridge"].output()
    finally:
        for process in processes.values():
            process.stop()


@pytest.mark.parametrize(
    ("user", "password", "delivered"),
    [
        ("retroboard", OPERATOR["MQTT_PASSWORD"], True),
        ("api", SERVICE_PASSWORDS["api"], True),
        # The renderer clears a command it finds retained (an empty retained message),
        # so it may write its command topics; it never sends commands otherwise.
        ("renderer", SERVICE_PASSWORDS["renderer"], True),
    ],
)
def test_only_command_senders_may_publish_commands(
    compose_broker: ComposeBroker, user: str, password: str, delivered: bool
) -> None:
    port = compose_broker.port
    listener = AclClient(port, "retroboard", OPERATOR["MQTT_PASSWORD"], "retroboard/+/cmd/#")
    try:
        # QoS 1: mosquitto_pub returns once the broker acknowledged, having routed it or not.
        assert mosquitto_pub(port, "-u", user, "-P", password, "-q", "1").returncode == 0
        listener.publish(COMMAND_FENCE, b"fence")  # queued behind a routed command
        listener.wait_for(COMMAND_FENCE, b"fence")
        commands = [payload for topic, payload in listener.received if topic != COMMAND_FENCE]
    finally:
        listener.close()
    assert (commands == [b"{}"]) is delivered, commands


@pytest.mark.parametrize("mode", ["docker", "balena"])
def test_entrypoint_reads_compose_environment_alike(mode: str, tmp_path: Path) -> None:
    """The broker's accounts come out the same whether compose or balena filled them in."""
    raw = service_environment(load_compose()["services"]["mosquitto"])
    fleet = {"MQTT_PASSWORD": "s3cret"}
    given = {k: interpolate(v, fleet) for k, v in raw.items()} if mode == "docker" else raw
    environment = {
        **given,
        **(fleet if mode == "balena" else {}),
        "MOSQUITTO_CONFIG_DIR": str(tmp_path),
        "MOSQUITTO_ACL_TEMPLATE": str(DEPLOY / "acl.template"),
    }
    subprocess.run(
        ["/bin/sh", str(DEPLOY / "entrypoint.sh"), "true"],
        env={"PATH": os.environ["PATH"], **environment},
        check=True,
        timeout=15,
    )
    users = [line.split(":")[0] for line in (tmp_path / "passwd").read_text().splitlines()]
    assert users == [interpolate(raw["MQTT_USERNAME"], {})]  # compose's default account only


@pytest.mark.parametrize(("size", "delivered"), [(200_000, True), (2_000_000, False)])
def test_oversized_messages_are_dropped(
    compose_broker: ComposeBroker, size: int, delivered: bool
) -> None:
    port = compose_broker.port
    shared = ("-u", "retroboard", "-P", OPERATOR["MQTT_PASSWORD"])
    topic = "retroboard/x/frame"
    listener = AclClient(port, "retroboard", OPERATOR["MQTT_PASSWORD"], topic)
    try:
        # QoS 1: mosquitto_pub returns once the broker acknowledged (routed) the message
        # or dropped the connection that sent it (too large); either way it was decided.
        subprocess.run(
            [*client("mosquitto_pub", port, *shared), "-t", topic, "-q", "1", "-s"],
            input=b"x" * size,
            capture_output=True,
            timeout=15,
            check=False,
        )
        listener.publish(topic, b"fence")  # queued behind a routed message
        listener.wait_for(topic, b"fence")
        frames = [len(payload) for _topic, payload in listener.received if payload != b"fence"]
    finally:
        listener.close()
    assert (frames == [size]) is delivered, frames


# --- the per-service ACL, write by write ---------------------------------------------------


class AclClient:
    """A paho client logged in as one account, recording what it receives."""

    def __init__(self, port: int, user: str, password: str, *patterns: str) -> None:
        self.received: list[tuple[str, bytes]] = []
        self._cond = threading.Condition()
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"acl-{uuid.uuid4().hex}")
        self._client.username_pw_set(user, password)
        self._client.on_message = self._on_message
        self._subscribed = threading.Event()
        self._client.on_subscribe = lambda *_args: self._subscribed.set()
        self._client.connect("127.0.0.1", port)
        self._client.loop_start()
        if patterns:
            self._client.subscribe([(pattern, 1) for pattern in patterns])
            assert self._subscribed.wait(10), "no SUBACK"

    def _on_message(self, _c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        with self._cond:
            self.received.append((msg.topic, bytes(msg.payload)))
            self._cond.notify_all()

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        """Publish at QoS 1 and wait for the broker's PUBACK (sent for a denied write too)."""
        self._client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(10)

    def wait_for(self, topic: str, payload: bytes, timeout: float = 10.0) -> None:
        """Block until ``payload`` arrived on ``topic``."""
        with self._cond:
            arrived = self._cond.wait_for(lambda: (topic, payload) in self.received, timeout)
            assert arrived, f"{payload!r} never arrived on {topic}: {self.received}"

    def close(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()


QUEUE = "retroboard/_socketio/retroboard"
COMMAND_FENCE = "retroboard/x/cmd/fence"
# Per account: topics it must not write (it would spoof what others trust), and one it
# may write (the fence: once that arrived, a forbidden message before it would have too).
FORBIDDEN_WRITES = {
    "renderer": (
        [QUEUE, "homeassistant/light/retroboard_x/display/config", "retroboard/x/ha/app/state"],
        "retroboard/x/response/fence",
    ),
    "api": (
        [
            "retroboard/x/state/settings",
            "retroboard/x/state/apps_list",
            "retroboard/x/status",
            "retroboard/x/health",
            "retroboard/x/response/settings",
            "retroboard/x/frame",
            "homeassistant/light/retroboard_x/display/config",
        ],
        "retroboard/x/cmd/fence",
    ),
    "bridge": (
        [
            "retroboard/x/state/settings",
            "retroboard/x/state/current_app",
            "retroboard/x/status",
            "retroboard/x/health",
            "retroboard/x/response/settings",
            "retroboard/x/frame",
        ],
        QUEUE,
    ),
}


@pytest.mark.parametrize("account", sorted(FORBIDDEN_WRITES))
def test_each_service_account_writes_only_its_own_topics(
    compose_broker: ComposeBroker, account: str
) -> None:
    """Only the renderer writes state (and status, health, replies, frames); only the
    api and the bridge write the Socket.IO queue, which reaches every dashboard."""
    port = compose_broker.port
    forbidden, fence = FORBIDDEN_WRITES[account]
    observer = AclClient(
        port, "retroboard", OPERATOR["MQTT_PASSWORD"], "retroboard/#", "homeassistant/#"
    )
    writer = AclClient(port, account, SERVICE_PASSWORDS[account])
    try:
        for topic in forbidden:
            writer.publish(topic, b'{"brightness":1}', retain=True)
        writer.publish(fence, b"fence")
        observer.wait_for(fence, b"fence")
        arrived = [topic for topic, _payload in observer.received if topic in forbidden]
        assert arrived == [], f"{account} could write {arrived}"
    finally:
        writer.close()
        observer.close()
    # Nor did the broker keep any of them for later subscribers.
    late = AclClient(
        port, "retroboard", OPERATOR["MQTT_PASSWORD"], "retroboard/#", "homeassistant/#"
    )
    try:
        late.publish("retroboard/x/cmd/late-fence", b"fence")
        late.wait_for("retroboard/x/cmd/late-fence", b"fence")
        kept = [topic for topic, _payload in late.received if topic in forbidden]
        assert kept == [], kept
    finally:
        late.close()


@pytest.mark.parametrize(
    ("account", "topic"),
    [
        ("renderer", "retroboard/x/state/settings"),
        ("renderer", "retroboard/x/health"),
        ("renderer", "retroboard/x/cmd/settings"),  # clearing a retained command
        ("api", QUEUE),
        ("bridge", QUEUE),
        ("bridge", "retroboard/x/ha/display/set"),  # clearing a retained HA command
    ],
)
def test_service_accounts_write_what_they_need(
    compose_broker: ComposeBroker, account: str, topic: str
) -> None:
    port = compose_broker.port
    observer = AclClient(port, "retroboard", OPERATOR["MQTT_PASSWORD"], "retroboard/#")
    writer = AclClient(port, account, SERVICE_PASSWORDS[account])
    try:
        writer.publish(topic, b"allowed")
        observer.wait_for(topic, b"allowed")
    finally:
        writer.close()
        observer.close()


def test_the_api_account_reads_health(compose_broker: ComposeBroker) -> None:
    """The renderer's health reaches an api on its own account (/api/health shows it)."""
    port = compose_broker.port
    reader = AclClient(port, "api", SERVICE_PASSWORDS["api"], "retroboard/+/health")
    writer = AclClient(port, "renderer", SERVICE_PASSWORDS["renderer"])
    try:
        writer.publish("retroboard/x/health", b'{"store":"ok","error":null}')
        reader.wait_for("retroboard/x/health", b'{"store":"ok","error":null}')
    finally:
        writer.close()
        reader.close()
