"""A real Mosquitto broker on a free port, owned by one test (stop, kill, restart)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
from pathlib import Path

from retroboard_common.models import MAX_PACKET_BYTES
from tests.support.waiting import wait_until


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    """Block until something accepts connections on ``port``."""

    def accepts() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True

    wait_until(accepts, timeout, f"a listener on port {port}", ignoring=(OSError,), interval=0.02)


class MosquittoBroker:
    """A Mosquitto process with persistence in its own folder.

    ``defaults``: leave out the tuning of deploy/mosquitto/mosquitto.conf
    (``set_tcp_nodelay``, ``max_packet_size``) and run on Mosquitto's own defaults
    (e.g. ``max_queued_messages 1000``), as a central broker nobody tuned would;
    persistence stays on so that a restart keeps the retained messages.
    """

    def __init__(self, workdir: Path, port: int | None = None, *, defaults: bool = False) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(binary).exists():
            raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
        self.binary = binary
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.config = workdir / "mosquitto.conf"
        self.log = workdir / "mosquitto.log"
        workdir.mkdir(parents=True, exist_ok=True)
        tuning = [
            "set_tcp_nodelay true",  # as deploy/mosquitto/mosquitto.conf
            f"max_packet_size {MAX_PACKET_BYTES}",  # as deploy/mosquitto/mosquitto.conf
        ]
        self.config.write_text(
            "\n".join(
                [
                    "user root",
                    f"listener {self.port} 127.0.0.1",
                    "allow_anonymous true",
                    *([] if defaults else tuning),
                    "persistence true",
                    f"persistence_location {workdir}/",
                    "log_dest stderr",
                    "log_type error",
                    "log_type warning",
                    "",
                ]
            )
        )

    @property
    def url(self) -> str:
        """The ``mqtt://`` URL services take in ``MQTT_URL``."""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the broker and wait until it accepts connections."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "-c", str(self.config)], stdout=log, stderr=log
            )
        wait_for_port(self.port)

    def stop(self) -> None:
        """Stop gracefully (persists retained messages)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        self.process = None

    def kill(self) -> None:
        """``kill -9`` the broker."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        """Stop, then start again on the same port."""
        self.stop()
        self.start()
