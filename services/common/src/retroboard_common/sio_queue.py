"""The Socket.IO message queue: python-socketio's pub/sub manager over MQTT (or Redis).

Every process that emits Socket.IO events (api replicas, the bridge) shares one queue
channel, so an event emitted anywhere reaches the clients of every api replica. By
default the channel is the MQTT topic ``retroboard/_socketio/<channel>`` on the broker
the services already use, so a board needs no Redis; ``redis://…`` selects
python-socketio's own :class:`socketio.RedisManager` instead.

Messages are JSON, as python-socketio's managers encode them (binary arguments such
as preview PNGs travel base64-encoded inside the JSON and come out as bytes again).
Like Redis pub/sub, delivery is at most once per listener: a server whose listener is
disconnected misses what is published meanwhile. A queue message is an event: one
found retained on the topic is never delivered (it would reach every dashboard at
every start) but cleared, and one over :data:`MAX_PACKET_BYTES` is dropped.

The rooms and event names every emitter agrees on are in
:mod:`retroboard_common.contract`.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

import paho.mqtt.client as paho

try:
    import socketio
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "retroboard_common.sio_queue needs python-socketio: "
        "pip install 'retroboard-common[socketio]'"
    ) from exc

from retroboard_common.logs import LogOnce
from retroboard_common.models import MAX_PACKET_BYTES
from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl, mask_url
from retroboard_common.topics import BASE

log = logging.getLogger(__name__)


DEFAULT_CHANNEL: Final = "retroboard"
QUEUE_TOPIC_ROOT: Final = f"{BASE}/_socketio"
MQTT_QUEUES: Final = ("", "mqtt")
REDIS_SCHEMES: Final = ("redis", "rediss", "redis+sentinel", "unix")
CHANNEL_PATTERN: Final = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

# How long the first Socket.IO connection may wait for the queue's broker connection,
# so that events emitted right after it are not missed. Bounded: a dead broker must
# not hang the server.
READY_TIMEOUT: Final = 2.0

# --- queue URLs ---------------------------------------------------------------------


class QueueUnavailable(RuntimeError):
    """The chosen message queue cannot be used here (e.g. its package is missing)."""


class QueueSettings(Protocol):
    """The settings a service hands to :func:`create_manager`."""

    @property
    def mqtt_url(self) -> str:
        """The services' broker (``MQTT_URL``)."""
        ...

    @property
    def socketio_message_queue(self) -> str:
        """The queue setting (``SOCKETIO_MESSAGE_QUEUE``)."""
        ...


def queue_topic(channel: str) -> str:
    """The MQTT topic carrying ``channel``'s queue messages."""
    return f"{QUEUE_TOPIC_ROOT}/{check_channel(channel)}"


def check_channel(channel: str) -> str:
    """Refuse a channel that is not one plain MQTT topic level."""
    if not CHANNEL_PATTERN.match(channel):
        raise ValueError(f"queue channel {channel!r} must be letters, digits, '_', '-', '.'")
    return channel


def check_queue_url(url: str) -> str:
    """Validate a ``SOCKETIO_MESSAGE_QUEUE`` value; raises ``ValueError`` with the reason.

    Accepted: ``mqtt`` or empty (the services' broker), ``mqtt://…``/``mqtts://…`` (another
    broker), ``redis://…``, ``rediss://…``, ``redis+sentinel://…``, ``unix://…``.
    """
    if url in MQTT_QUEUES:
        return url
    scheme = urlsplit(url).scheme
    if scheme in ("mqtt", "mqtts"):
        MqttUrl.parse(url)
        return url
    if scheme in REDIS_SCHEMES:
        return url
    raise ValueError(f"must be 'mqtt', an mqtt:// URL or a redis:// URL, got {mask_url(url)!r}")


def is_redis(url: str) -> bool:
    """Whether ``url`` selects the Redis queue."""
    return urlsplit(url).scheme in REDIS_SCHEMES


# --- the MQTT manager -------------------------------------------------------------------

Arrived = tuple[float, Any]
"""A queue message as it waits in a listening manager's inbox: (arrival, payload), the
payload as it came (bytes) or as a selector decoded it (a dict)."""
InboxSelector = Callable[[list[Arrived]], list[Arrived]]
"""Given the messages waiting, oldest first, those to hand python-socketio, in order
(the same pairs; the first goes now, the others wait with what comes next)."""


class MqttManager(socketio.PubSubManager):  # type: ignore[misc]
    """python-socketio client manager that shares events over an MQTT topic.

    ``write_only=True`` is for processes that only emit (the bridge): no listening
    task, just a publishing connection. Servers use ``write_only=False`` and pass the
    manager as ``client_manager``. The broker connection opens on first use, not in
    the constructor, so an app created before a fork (gunicorn ``--preload``) still
    connects from the worker. Works under the threading and gevent async modes
    (gevent needs monkey patching, which gunicorn's gevent workers do).

    ``client``: a write-only manager may publish on a connection the caller already has
    to the same broker (and starts and stops): the bridge's, so that an event goes out
    on the thread that read the state it mirrors, at once, with no second connection.

    ``select``: which of the messages waiting in its inbox, each with its arrival time
    (:func:`time.monotonic`), oldest first, a listening manager may still hand
    python-socketio; called with every message waiting whenever the listener is ready
    for the next, which is the first it kept, the others waiting with what comes
    meanwhile (the api skips emits already superseded there). ``None``: every message,
    in order.
    """

    name = "mqtt"

    def __init__(
        self,
        url: MqttUrl | str = "mqtt://127.0.0.1:1883",
        channel: str = DEFAULT_CHANNEL,
        write_only: bool = False,
        logger: logging.Logger | None = None,
        json: Any = None,
        client: MqttClient | None = None,
        select: InboxSelector | None = None,
    ) -> None:
        if client is not None and not write_only:
            raise ValueError("only a write-only manager publishes on the caller's connection")
        super().__init__(channel=channel, write_only=write_only, logger=logger, json=json)
        self.mqtt_url = MqttUrl.parse(url) if isinstance(url, str) else url
        self.topic = queue_topic(channel)
        self._inbox: queue.Queue[Arrived] = queue.Queue()
        self._select = select
        self._client: MqttClient | None = client
        self._borrowed = client is not None
        self._client_lock = threading.Lock()
        self._last_publish: paho.MQTTMessageInfo | None = None
        self._oversized = LogOnce(log)

    def initialize(self) -> None:
        """Called by the server on its first connection: start listening."""
        _require_cooperative_io(self.server.async_mode)
        super().initialize()
        if not self.write_only:
            self._connection().wait_connected(READY_TIMEOUT)

    def close(self, timeout: float = 2.0) -> None:
        """Deliver what is still queued (up to ``timeout`` s), then disconnect (a
        connection of the caller's stays as it is)."""
        with self._client_lock:
            client = self._client
            if not self._borrowed:
                self._client = None
        if client is None:
            return
        last = self._last_publish
        if last is not None and client.connected:
            try:
                last.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                log.warning("Socket.IO queue closed with messages undelivered")
        if not self._borrowed:
            client.stop()

    # --- PubSubManager hooks ---------------------------------------------------------

    def _publish(self, data: Any) -> None:
        # QoS 1, never retained: a queue message is an event, not a state.
        self._last_publish = self._connection().publish(self.topic, self.json.dumps(data), qos=1)

    def _listen(self) -> Iterator[Any]:
        self._connection()
        waiting: list[Arrived] = []  # taken from the inbox, not handed on yet
        while True:
            if not waiting:
                waiting.append(self._inbox.get())
            with contextlib.suppress(queue.Empty):
                while True:
                    waiting.append(self._inbox.get_nowait())
            if self._select is not None:
                waiting = self._select(waiting)
            if waiting:
                yield waiting.pop(0)[1]

    # --- connection ----------------------------------------------------------------------

    def _connection(self) -> MqttClient:
        with self._client_lock:
            if self._client is None:
                client = MqttClient(
                    self.mqtt_url, f"retroboard-sio-{self.channel}", reconnect_max_delay=5
                )
                if not self.write_only:
                    client.subscribe(self.topic, self._receive, refuse_retained=True)
                client.start()
                self._client = client
            return self._client

    def _receive(self, topic: str, payload: bytes) -> None:
        if len(payload) > MAX_PACKET_BYTES:
            self._oversized.warning(
                topic,
                "dropping a %d-byte message on %s: over %d",
                len(payload),
                topic,
                MAX_PACKET_BYTES,
            )
            return
        self._inbox.put((time.monotonic(), payload))


def _require_cooperative_io(async_mode: str) -> None:
    """Refuse gevent without monkey patching: paho's network thread would then be a
    real thread feeding a green queue, and the server would stall."""
    if async_mode == "eventlet":
        raise RuntimeError(
            "the MQTT Socket.IO queue does not support eventlet; use threading or gevent"
        )
    if "gevent" not in async_mode:
        return
    from gevent.monkey import is_module_patched

    if not (is_module_patched("socket") and is_module_patched("threading")):
        raise RuntimeError(
            "the MQTT Socket.IO queue needs gevent's monkey patching "
            "(gunicorn's gevent workers do it; otherwise call gevent.monkey.patch_all() first)"
        )


# --- choosing a manager ------------------------------------------------------------------


def create_manager(
    source: QueueSettings | MqttUrl | str,
    queue_url: str | None = None,
    *,
    write_only: bool,
    channel: str = DEFAULT_CHANNEL,
    logger: logging.Logger | None = None,
    client: MqttClient | None = None,
    select: InboxSelector | None = None,
) -> socketio.PubSubManager:
    """The Socket.IO client manager for ``SOCKETIO_MESSAGE_QUEUE``.

    ``source`` is either a settings object (its ``mqtt_url`` and
    ``socketio_message_queue`` are used) or the services' broker URL, with
    ``queue_url`` the queue setting: ``""``/``"mqtt"`` share the services' broker,
    ``mqtt://…`` names another broker, ``redis://…`` uses Redis (needs the ``redis``
    package). Raises ``ValueError`` for a bad URL and :class:`QueueUnavailable` when
    the queue's package is missing. ``client``, the caller's connection to the services'
    broker, is what a write-only manager publishes on when the queue is on that broker;
    ``select`` is :class:`MqttManager`'s (Redis has no inbox of ours).
    """
    if isinstance(source, (MqttUrl, str)):
        broker: MqttUrl | str = source
        url = queue_url or ""
    else:
        broker = source.mqtt_url
        url = source.socketio_message_queue if queue_url is None else queue_url
    check_queue_url(url)
    check_channel(channel)
    if is_redis(url):
        _require_module("redis", "SOCKETIO_MESSAGE_QUEUE=redis://… needs the redis package")
        return socketio.RedisManager(url, channel=channel, write_only=write_only, logger=logger)
    shared = url in MQTT_QUEUES
    return MqttManager(
        broker if shared else url,
        channel=channel,
        write_only=write_only,
        logger=logger,
        client=client if shared and write_only else None,
        select=select,
    )


def _require_module(module: str, why: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError:
        raise QueueUnavailable(f"{why} (pip install {module})") from None
