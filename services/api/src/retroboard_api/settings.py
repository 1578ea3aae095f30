"""The api's settings: the common ones plus HTTP, Socket.IO and command options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from retroboard_api.client_address import Network, parse_networks
from retroboard_common.settings import ServiceSettings, env, mask_url

WorkerClass = Literal["gevent", "gthread"]

QUEUE_SCHEMES = ("mqtt", "mqtts", "redis", "rediss", "redis+sentinel", "unix")
REDIS_SCHEMES = QUEUE_SCHEMES[2:]
DEV_ORIGINS = "http://localhost:5173,http://127.0.0.1:5173"
NO_ORIGINS = "none"  # only the api's own origin (an empty variable means the default)


def split_hosts(value: str) -> list[str]:
    """``"a.example, *.lan"`` → ``["a.example", "*.lan"]`` (lower case)."""
    return [item.strip().lower().rstrip(".") for item in value.split(",") if item.strip()]


def default_web_dist() -> Path | None:
    """The repository's ``web/dist`` when running from a checkout and it was built."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "services").is_dir() and (parent / "web").is_dir():
            dist = parent / "web" / "dist"
            return dist if dist.is_dir() else None
    return None


class ApiSettings(ServiceSettings):
    """Everything ``retroboard-api`` reads from the environment."""

    host: str = env("RETROBOARD_API_HOST", "0.0.0.0", min_length=1)
    port: Annotated[int, Field(ge=1, le=65535)] = env("RETROBOARD_API_PORT", 5000)
    workers: Annotated[int, Field(ge=1, le=64)] = env(
        "RETROBOARD_API_WORKERS",
        1,
        description="gunicorn workers; keep 1 (Socket.IO needs sticky sessions), "
        "scale with processes behind a proxy and the message queue",
    )
    worker_class: WorkerClass = env(
        "RETROBOARD_API_WORKER_CLASS",
        "gevent",
        description="gevent (one greenlet per client) or gthread (one thread per client)",
    )
    threads: Annotated[int, Field(ge=1, le=10_000)] = env("RETROBOARD_API_THREADS", 100)
    max_connections: Annotated[int, Field(ge=1, le=100_000)] = env(
        "RETROBOARD_API_MAX_CONNECTIONS", 4000, description="gevent: connections per worker"
    )
    header_timeout: Annotated[float, Field(gt=0, le=300)] = env(
        "RETROBOARD_API_HEADER_TIMEOUT",
        10.0,
        description="Seconds a connection may take to send a request's head "
        "(and an idle keep-alive connection may wait); then 408 and closed",
    )
    max_connections_per_address: Annotated[int, Field(ge=1, le=100_000)] = env(
        "RETROBOARD_API_MAX_CONNECTIONS_PER_ADDRESS",
        200,
        description="Open connections one client address may hold per worker; "
        "more get 429 (trusted proxies are not capped)",
    )
    cors_origins: str = env(
        "RETROBOARD_CORS_ORIGINS",
        DEV_ORIGINS,
        description="Comma-separated origins allowed besides the api's own; '*' for any, "
        "'none' for the api's own only",
    )
    api_token: str | None = env(
        "RETROBOARD_API_TOKEN", None, description="When set, clients must send it"
    )
    public_reads: bool = env(
        "RETROBOARD_API_PUBLIC_READS",
        False,
        description="With a token: let GET requests and read-only Socket.IO clients "
        "in without it (commands still need it)",
    )
    command_timeout: Annotated[float, Field(gt=0, le=60)] = env("RETROBOARD_COMMAND_TIMEOUT", 2.0)
    max_body_bytes: Annotated[int, Field(ge=256, le=10 * 1024 * 1024)] = env(
        "RETROBOARD_MAX_BODY_BYTES", 16 * 1024
    )
    ping_interval: Annotated[float, Field(gt=0, le=300)] = env("SOCKETIO_PING_INTERVAL", 25.0)
    ping_timeout: Annotated[float, Field(gt=0, le=300)] = env("SOCKETIO_PING_TIMEOUT", 20.0)
    max_message_bytes: Annotated[int, Field(ge=1024, le=100 * 1024 * 1024)] = env(
        "SOCKETIO_MAX_MESSAGE_BYTES", 64 * 1024
    )
    max_guests: Annotated[int, Field(ge=1, le=100_000)] = env(
        "SOCKETIO_MAX_GUESTS",
        1000,
        description="Socket.IO sessions without the token (handshakes not yet connected, "
        "read-only clients) a worker accepts in all",
    )
    max_guests_per_address: Annotated[int, Field(ge=1, le=100_000)] = env(
        "SOCKETIO_MAX_GUESTS_PER_ADDRESS",
        50,
        description="the same, per client address (IPv6: per /64)",
    )
    allowed_hosts: str = env(
        "RETROBOARD_ALLOWED_HOSTS",
        "",
        description="Comma-separated host names the api answers for besides localhost, "
        "*.local, this machine's names, IP addresses and the hosts of "
        "RETROBOARD_CORS_ORIGINS; '*.example.com' for a domain, '*' for any",
    )
    trusted_proxies: str = env(
        "RETROBOARD_TRUSTED_PROXIES",
        "",
        description="Comma-separated proxy addresses or networks whose X-Forwarded-For "
        "names the client (for per-address limits); empty: none",
    )
    web_dist: Path | None = env("RETROBOARD_WEB_DIST", default_factory=default_web_dist)
    socketio_message_queue: str = env(
        "SOCKETIO_MESSAGE_QUEUE",
        "mqtt",
        description="'mqtt' (the services' broker), mqtt(s)://… or redis(s)://…",
    )

    @field_validator("api_token")
    @classmethod
    def _blank_token_is_none(cls, value: str | None) -> str | None:
        # A variable defined but left empty (common with balena) means "no token"; one
        # of only spaces is a mistake that would leave the api open without a word.
        if not value:
            return None
        if not value.strip():
            raise ValueError("is only whitespace; set a real token, or leave it empty for none")
        return value.strip()

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: str) -> str:
        for origin in split_origins(value):
            parts = urlsplit(origin)
            if origin != "*" and (parts.scheme not in ("http", "https") or not parts.netloc):
                raise ValueError(f"{origin!r} is not an origin like http://host:port")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        parse_networks(value)  # ValueError names the bad entry
        return value

    @field_validator("socketio_message_queue")
    @classmethod
    def _check_queue(cls, value: str) -> str:
        # The same rule as retroboard_common.sio_queue.check_queue_url, which cannot be
        # imported here: it imports python-socketio, and the gunicorn master must not.
        if value not in ("", "mqtt") and urlsplit(value).scheme not in QUEUE_SCHEMES:
            raise ValueError(
                f"must be 'mqtt', an mqtt:// URL or a redis:// URL, got {mask_url(value)!r}"
            )
        return value

    @property
    def cors_origin_list(self) -> list[str]:
        """The configured origins as a list."""
        return split_origins(self.cors_origins)

    @property
    def allowed_host_list(self) -> list[str]:
        """RETROBOARD_ALLOWED_HOSTS as a list."""
        return split_hosts(self.allowed_hosts)

    @property
    def trusted_proxy_networks(self) -> list[Network]:
        """RETROBOARD_TRUSTED_PROXIES as networks."""
        return parse_networks(self.trusted_proxies)

    @property
    def redis_queue(self) -> bool:
        """Whether SOCKETIO_MESSAGE_QUEUE selects Redis."""
        return urlsplit(self.socketio_message_queue).scheme in REDIS_SCHEMES

    @property
    def async_mode(self) -> str:
        """The Socket.IO async mode that matches the worker class."""
        return "gevent" if self.worker_class == "gevent" else "threading"


def split_origins(value: str) -> list[str]:
    """``"a, b"`` → ``["a", "b"]`` (trailing slashes dropped); ``"none"`` → ``[]``."""
    if value.strip().lower() == NO_ORIGINS:
        return []
    return [item.strip().rstrip("/") for item in value.split(",") if item.strip()]
