"""Settings shared by every service, read from the environment (flags override).

Each service extends :class:`ServiceSettings`; :func:`load_settings` turns a bad value
into one clear line naming the environment variable, then exits.
"""

from __future__ import annotations

import socket
import sys
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retroboard_common.topics import BoardId

MQTT_SCHEMES = {"mqtt": (1883, False), "mqtts": (8883, True)}


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for logs and error messages."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        password = None
        parts = None
    if parts is None or "@" not in parts.netloc:
        return url
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    if password is None and ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return parts._replace(netloc=f"{user}:***@{hostinfo}").geturl()


class MqttUrl(BaseModel):
    """A parsed ``mqtt://user:pass@host:port`` (``mqtts://`` for TLS)."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> MqttUrl:
        """Parse and check a broker URL; raises ``ValueError`` with the reason."""
        parts = urlsplit(url)
        if parts.scheme not in MQTT_SCHEMES:
            raise ValueError(f"scheme must be mqtt:// or mqtts://, got {mask_url(url)!r}")
        default_port, tls = MQTT_SCHEMES[parts.scheme]
        if not parts.hostname:
            raise ValueError(f"no host in {mask_url(url)!r}")
        try:
            port = parts.port or default_port
        except ValueError:
            raise ValueError(f"bad port in {mask_url(url)!r}") from None
        return cls(
            host=parts.hostname,
            port=port,
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def redacted(self) -> str:
        """The URL for logs: never the password."""
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def env(name: str, default: Any = ..., **kwargs: Any) -> Any:
    """A settings field read from environment variable ``name``.

    The field's own name is accepted too (``populate_by_name``), so flags override
    by keyword.
    """
    if "default_factory" in kwargs:
        return Field(validation_alias=name, **kwargs)
    return Field(default, validation_alias=name, **kwargs)


def default_board_id() -> str:
    """This machine's short host name, the board id when none is set."""
    return socket.gethostname().split(".")[0]


class ServiceSettings(BaseSettings):
    """What every RetroBoard service needs: the broker and the board id."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    mqtt_url: str = env(
        "MQTT_URL",
        "mqtt://127.0.0.1:1883",
        description="Broker URL, mqtt://user:pass@host:1883 or mqtts://… for TLS",
    )
    board_id: BoardId = env(
        "RETROBOARD_BOARD_ID",
        default_factory=default_board_id,
        description="This board's id: letters, digits, '_', '-', '.'",
    )
    log_level: str = env("RETROBOARD_LOG_LEVEL", "INFO")
    mqtt_keepalive: Annotated[int, Field(ge=2, le=3600)] = env(
        "MQTT_KEEPALIVE",
        30,
        description="Seconds between MQTT pings; the broker declares a silent client gone "
        "(and publishes its last will) after 1.5 times this (Mosquitto 2.0: about twice "
        "this plus 1.5 s)",
    )

    mqtt_protocol: Literal["5", "3.1.1"] = env(
        "MQTT_PROTOCOL",
        "5",
        description="MQTT version the api and the bridge speak (the renderer: always "
        "3.1.1); 5 falls back to 3.1.1 on a broker that refuses it",
    )

    @field_validator("mqtt_url")
    @classmethod
    def _check_mqtt_url(cls, value: str) -> str:
        MqttUrl.parse(value)
        return value

    @property
    def mqtt(self) -> MqttUrl:
        """The parsed broker URL."""
        return MqttUrl.parse(self.mqtt_url)


S = TypeVar("S", bound=BaseSettings)


def setting_name(settings_cls: type[BaseSettings], field: str) -> str:
    """The environment variable behind ``field`` (for error messages)."""
    info = settings_cls.model_fields.get(field)
    alias = info.validation_alias if info else None
    return alias if isinstance(alias, str) else field.upper()


def load_settings(settings_cls: type[S], program: str, **overrides: Any) -> S:
    """Read settings from the environment, flags overriding; exit with one clear line."""
    values = {key: value for key, value in overrides.items() if value is not None}
    try:
        return settings_cls(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        name = setting_name(settings_cls, field)
        message = error["msg"].removeprefix("Value error, ")
        print(f"{program}: invalid setting {name}: {message}", file=sys.stderr)
        raise SystemExit(2) from None
