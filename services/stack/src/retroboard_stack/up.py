"""``retroboard up``: the whole stack on this machine, with no external services.

Checks first (scripts installed, HTTP port free), then starts the embedded broker
unless a broker URL is given, then runs the services under :class:`Supervisor` until
Ctrl+C/SIGTERM or until one of them exits, and stops the broker last, so the
renderer's ``offline`` still reaches it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Final, TextIO

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retroboard_common.ports import port_problem
from retroboard_common.settings import MqttUrl, default_board_id, env, mask_url
from retroboard_common.topics import BoardId
from retroboard_renderer.settings import DisplayKind
from retroboard_renderer.settings import default_state_dir as renderer_state_dir
from retroboard_stack.broker import BrokerStartError, EmbeddedBroker
from retroboard_stack.ports import accepts_connections
from retroboard_stack.services import Service, StackEnv, find_script
from retroboard_stack.supervisor import Outcome, Supervisor

PROGRAM: Final = "retroboard"
LOOPBACK: Final = {"0.0.0.0": "127.0.0.1", "::": "::1"}


def default_state_dir() -> Path:
    """``./state`` when it exists (a checkout), else ``$XDG_STATE_HOME/retroboard``."""
    local = Path("state")
    return local.resolve() if local.is_dir() else renderer_state_dir()


class UpSettings(BaseSettings):
    """What ``retroboard up`` reads from the environment (its flags override)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    mqtt_url: str | None = env(
        "MQTT_URL", None, description="External broker; unset: start an embedded one"
    )
    board_id: BoardId = env("RETROBOARD_BOARD_ID", default_factory=default_board_id)
    state_dir: Path = env("RETROBOARD_STATE_DIR", default_factory=default_state_dir)
    display: DisplayKind = env("RETROBOARD_DISPLAY", "emulator")
    host: str = env("RETROBOARD_API_HOST", "127.0.0.1", min_length=1)
    port: Annotated[int, Field(ge=1, le=65535)] = env("RETROBOARD_API_PORT", 5000)

    @field_validator("mqtt_url")
    @classmethod
    def _check_mqtt_url(cls, value: str | None) -> str | None:
        if value:
            MqttUrl.parse(value)
        return value or None

    @property
    def dashboard_url(self) -> str:
        """Where a browser on this machine finds the dashboard."""
        if self.host in LOOPBACK or self.host in ("127.0.0.1", "::1", "localhost"):
            host = "localhost"
        else:
            host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


class Refused(Exception):
    """``retroboard up`` will not start; ``str()`` is the one line to show."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def run_up(settings: UpSettings, services: list[Service], out: TextIO = sys.stdout) -> int:
    """Run the stack until Ctrl+C/SIGTERM or a service exits; returns the exit code."""
    try:
        commands = preflight(settings, services)
        with mqtt_broker(settings) as (mqtt_url, origin):
            stack_env = StackEnv(
                mqtt_url=mqtt_url,
                board_id=settings.board_id,
                state_dir=settings.state_dir.resolve(),
                display=settings.display,
                api_host=settings.host,
                api_port=settings.port,
                # amqtt speaks 3.1.1 only; told, the api and bridge do not try 5 first
                mqtt_protocol="3.1.1" if origin == "embedded" else None,
            )
            supervisor = Supervisor(out)
            environ = stack_env.environ()
            for name, command in commands.items():
                supervisor.add(name, command, environ)
            where = f"{settings.display} display, state in {stack_env.state_dir}"
            say(out, f"board {settings.board_id!r}, {where}")
            shown = mask_url(mqtt_url)  # an external broker's password stays out of the output
            say(out, f"MQTT broker {shown} ({origin}); watch it: retroboard monitor {shown}")
            ready = threading.Event()
            if "api" in commands:
                say(out, f"dashboard: {settings.dashboard_url} (Ctrl+C stops everything)")
                announce_when_listening(settings, out, supervisor, ready)
            outcome = supervisor.run()
            ready.set()
    except Refused as refused:
        print(f"{PROGRAM}: {refused}", file=sys.stderr)
        return refused.code
    return report(outcome)


def preflight(settings: UpSettings, services: list[Service]) -> dict[str, list[str]]:
    """Each service's command, once every script is found and the HTTP port is free."""
    commands: dict[str, list[str]] = {}
    for service in services:
        path = find_script(service.script)
        if path is None:
            raise Refused(f"{service.script} is not installed (pip install {service.script})")
        commands[service.name] = [path]
    if "api" in commands:
        problem = port_problem(settings.host, settings.port, "choose another with --port")
        if problem:
            raise Refused(problem)
    return commands


@contextmanager
def mqtt_broker(settings: UpSettings) -> Iterator[tuple[str, str]]:
    """The broker URL and where it runs; an embedded broker lives for the block, so it
    outlasts the services (the renderer's ``offline`` still gets through)."""
    if settings.mqtt_url:
        yield settings.mqtt_url, "external"
        return
    broker = EmbeddedBroker()
    try:
        url = broker.start()
    except BrokerStartError as exc:
        raise Refused(str(exc), code=1) from None
    try:
        yield url, "embedded"
    finally:
        broker.stop()


def announce_when_listening(
    settings: UpSettings, out: TextIO, supervisor: Supervisor, done: threading.Event
) -> None:
    """Print one line once the api accepts connections (in a background thread), unless
    the stack is already stopping by then."""
    host = LOOPBACK.get(settings.host, settings.host)

    def watch() -> None:
        while not done.wait(0.25) and not supervisor.stopping:
            if accepts_connections(host, settings.port):
                if not supervisor.stopping:
                    say(out, f"dashboard ready at {settings.dashboard_url}")
                return

    threading.Thread(target=watch, name="api-ready", daemon=True).start()


def report(outcome: Outcome) -> int:
    """Exit code for ``outcome``; a service that ended the run is named on stderr."""
    if outcome.requested and outcome.first_exit is None:
        return 0
    name = outcome.first_exit or "a service"
    code = outcome.first_exit_code if outcome.first_exit_code is not None else outcome.returncode
    last = outcome.last_lines.get(outcome.first_exit or "", "")
    detail = f": {last}" if last else ""
    print(f"{PROGRAM}: {name} exited with code {code}, stack stopped{detail}", file=sys.stderr)
    return code if code > 0 else 1


def say(out: TextIO, line: str) -> None:
    """One status line (a single write, so threads never interleave inside it)."""
    out.write(f"{PROGRAM}: {line}\n")
    out.flush()
