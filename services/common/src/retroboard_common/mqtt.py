"""A small MQTT client that only moves messages (the Zigbee2MQTT ``lib/mqtt`` idea).

It connects in the background and keeps retrying with backoff (the first connection
too), sets a retained last will, resubscribes after every reconnect, and wraps each
handler so one failing handler is logged instead of killing the network thread.
Command subscriptions refuse retained messages (see :meth:`MqttClient.subscribe`).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions
from pydantic import BaseModel

from retroboard_common.logs import LogOnce
from retroboard_common.models import dump_payload
from retroboard_common.settings import MqttUrl

log = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], None]
ConnectListener = Callable[[], None]

# Packets read per pass of paho's network loop when they are already there.
READ_BURST: Final = 100
# CONNACK's "Unsupported Protocol Version" (MQTT 5 reason code 0x84; paho maps MQTT
# 3.1.1's return code 1 to it): the broker speaks 3.1.1 only, e.g. amqtt.
UNSUPPORTED_PROTOCOL: Final = 0x84
# How long the empty message that clearing a retained command sends back to us is
# awaited (it comes within milliseconds, unless an ACL silently dropped the clear).
CLEAR_ECHO_WINDOW: Final = 10.0


QUICK_ACK: Final = getattr(socket, "TCP_QUICKACK", None)
"""``TCP_QUICKACK`` where the platform has it (Linux); ``None`` elsewhere."""


class _BurstClient(paho.Client):
    """paho's client, reading every packet already received, not one per loop pass.

    paho 2.2's ``loop_read`` reads one packet per pass plus one per QoS message in
    flight (it ignores its ``max_packets``), and every pass calls ``select``. Under
    gevent that ``select`` yields to the hub, so the api read one MQTT message per
    round of its event loop: with Socket.IO fan-out in every round it fell behind the
    broker, and command answers waited behind the backlog until the 2 s timeout
    (bench/soak.py: 478 of 500 commands answered 504 at 200 clients and 50
    commands/s, 0 with this).

    This uses paho's private ``_sock``, ``_packet_read`` and ``_loop_rc_handle``, so
    retroboard-common pins paho to 2.2.x; tests/unit/test_mqtt_burst.py fails if an
    upgrade breaks the override.
    """

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """Read up to :data:`READ_BURST` packets, stopping when none is waiting; then
        acknowledge at once what was read (:func:`_quick_ack`)."""
        for _ in range(READ_BURST):
            if self._sock is None:
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                break
        _quick_ack(self._sock)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    cooperative = False
    """Whether threads are gevent greenlets (set by :class:`MqttClient`)."""

    def write_now(self) -> None:
        """Send what is queued now, when called on the network thread (from a message
        handler): paho would send it only after the handler, and after every other
        packet of the burst, was done. A write error is left for the loop to find.

        Under gevent, from any greenlet too: paho's own way, waking its network thread,
        costs a round of the event loop, which under load is the longest wait of a
        REST command. The socket is non-blocking, so the write never yields, and
        greenlets never run at the same time.

        Elsewhere paho's own wake-up of its thread does it. Nothing is done either with
        ``on_publish`` set or a DISCONNECT queued (we are stopping): paho would call
        those callbacks under a lock the handler holds.
        """
        may_write = self.cooperative or threading.current_thread() is self._thread
        if not may_write or self._sock is None or self.on_publish is not None:
            return
        if any(packet["command"] & 0xF0 == paho.DISCONNECT for packet in list(self._out_packet)):
            return
        self._packet_write()


def _greenlet_threads() -> bool:
    """Whether ``threading`` is gevent's (gunicorn's gevent worker monkey-patched it)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("threading"))


def _quick_ack(sock: object) -> None:
    """ACK what was read now instead of up to 40 ms later (Linux's ``TCP_QUICKACK``).

    A connection that sends as well as receives (a command out, its answer in) is
    "interactive" to Linux, which then delays ACKs hoping to piggyback them on data.
    A broker that leaves Nagle's algorithm on (Mosquitto's default,
    ``set_tcp_nodelay false``) holds its next small packet until the previous one is
    ACKed: the command's answer waited behind the state just sent to us, 40 ms. The flag
    does not stick (the kernel may go back to delaying), so it is set after every read.
    """
    if QUICK_ACK is not None and isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):  # not TCP (a Unix socket), or closed meanwhile
            sock.setsockopt(socket.IPPROTO_TCP, QUICK_ACK, 1)


@dataclass(frozen=True)
class Will:
    """The message the broker publishes for us if we vanish."""

    topic: str
    payload: bytes
    retain: bool = True
    qos: int = 1


def _no_delay(_client: paho.Client, _userdata: object, sock: object) -> None:
    """Send each packet at once. With Nagle's algorithm a small publish written while an
    earlier one is unacknowledged waits for the peer's delayed ACK: ~40 ms per command."""
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):  # not TCP: nothing to tune
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class MqttClient:
    """Background MQTT connection with resubscription and guarded handlers."""

    def __init__(
        self,
        url: MqttUrl,
        client_name: str,
        *,
        will: Will | None = None,
        keepalive: int = 30,
        reconnect_max_delay: int = 5,
        mqtt5: bool = False,
    ) -> None:
        # Backoff 1, 2, 4, 5, 5 … s: however long the broker was away, every service is
        # back within a few seconds of its return (state and availability within 10 s).
        self.url = url
        self.client_id = f"{client_name}-{uuid.uuid4().hex[:8]}"
        self._keepalive = keepalive
        self._subscriptions: dict[str, SubscribeOptions] = {}
        self.retained_received = 0
        """Retained messages handed to a handler so far (what a subscription read)."""
        self.handling_retained = False
        """Whether the message handlers are being called with is a retained one (read
        on the network thread, from a handler)."""
        self._connect_listeners: list[ConnectListener] = []
        self._disconnect_listeners: list[ConnectListener] = []
        self._connected = threading.Event()
        self._unreachable = False  # a failed attempt was logged since the last success
        self._clearing: dict[str, float] = {}  # topic → until when its clear's echo is due
        self._retained_warnings = LogOnce(log)
        # MQTT 5 for its subscription option "retain handling" (see ``live_only``): what
        # the api and the bridge need to read a large fleet. The renderer stays on 3.1.1,
        # which every broker speaks (amqtt, the embedded one, cannot parse an MQTT 5
        # CONNECT with a will, so it could not even refuse it).
        self._client = (
            _BurstClient(
                CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=paho.MQTTv5
            )
            if mqtt5
            else _BurstClient(
                CallbackAPIVersion.VERSION2,
                client_id=self.client_id,
                protocol=paho.MQTTv311,
                clean_session=True,
            )
        )
        if url.username:
            self._client.username_pw_set(url.username, url.password)
        if url.tls:
            self._client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        if will:
            self._client.will_set(will.topic, will.payload, qos=will.qos, retain=will.retain)
        self._client.reconnect_delay_set(min_delay=1, max_delay=reconnect_max_delay)
        self._client.on_connect = self._on_connect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_disconnect = self._on_disconnect
        self._client.on_socket_open = _no_delay
        self._client.cooperative = _greenlet_threads()

    # --- wiring (before or after start) ---------------------------------------

    def subscribe(
        self,
        pattern: str,
        handler: MessageHandler,
        qos: int = 1,
        *,
        refuse_retained: bool = False,
        live_only: bool = False,
    ) -> None:
        """Call ``handler(topic, payload)`` for every message matching ``pattern``.

        ``live_only``: the broker sends no retained messages when subscribing, only
        what is published from then on. For wildcards over a whole fleet, whose
        retained messages are read in batches instead (:mod:`retroboard_common.fleet`):
        a broker on its default settings cuts one burst of 10,000 boards' retained
        state short, silently.

        ``refuse_retained`` is for command topics: a command is an event, so a retained
        one (``mosquitto_pub -r``) would be executed again at every (re)connection,
        undoing whatever was changed since. Such a message is not handed on; it is
        cleared (an empty retained message, so the broker forgets it) and logged once
        per topic. The empty message the clear sends to every subscriber, us included,
        is swallowed too: an empty command counts as ``{}`` and would run.
        """

        self._route(pattern, handler, refuse_retained=refuse_retained)
        retain_handling = (
            SubscribeOptions.RETAIN_DO_NOT_SEND
            if live_only
            else SubscribeOptions.RETAIN_SEND_ON_SUBSCRIBE
        )
        options = SubscribeOptions(qos=qos, retainHandling=retain_handling)
        self._subscriptions[pattern] = options
        if self.connected:
            self._subscribe(pattern, options)

    def route(self, pattern: str, handler: MessageHandler) -> None:
        """Hand messages matching ``pattern`` to ``handler`` without subscribing: for
        what :meth:`subscribe_now` subscriptions bring."""
        self._route(pattern, handler, refuse_retained=False)

    def _route(self, pattern: str, handler: MessageHandler, *, refuse_retained: bool) -> None:
        def guarded(_client: paho.Client, _userdata: object, msg: paho.MQTTMessage) -> None:
            try:
                if refuse_retained and self._refused(msg):
                    return
                self.handling_retained = bool(msg.retain)
                if msg.retain:
                    self.retained_received += 1
                handler(msg.topic, bytes(msg.payload))
            except Exception:
                log.exception("handler for %s failed on %s", pattern, msg.topic)

        self._client.message_callback_add(pattern, guarded)

    def subscribe_now(self, filters: list[str]) -> bool:
        """Subscribe to ``filters`` in one packet (QoS 0, retained messages sent), for
        this connection only: not renewed after a reconnect. ``False`` when offline."""
        if self.mqtt5:
            result, _mid = self._client.subscribe([(f, SubscribeOptions(qos=0)) for f in filters])
        else:
            result, _mid = self._client.subscribe([(f, 0) for f in filters])
        return result == MQTTErrorCode.MQTT_ERR_SUCCESS

    @property
    def mqtt5(self) -> bool:
        """Whether we speak MQTT 5 (else the broker knows only 3.1.1; see _on_connect)."""
        return self._client.protocol == paho.MQTTv5

    def _subscribe(self, pattern: str, options: SubscribeOptions) -> None:
        if self.mqtt5:
            self._client.subscribe(pattern, options=options)
        else:  # no retain handling in 3.1.1: "live only" ones get retained messages too
            self._client.subscribe(pattern, options.QoS)

    def unsubscribe_now(self, filters: list[str]) -> None:
        """Drop subscriptions made with :meth:`subscribe_now`."""
        self._client.unsubscribe(filters)

    def _refused(self, msg: paho.MQTTMessage) -> bool:
        """Whether ``msg`` is a retained command or the echo of clearing one."""
        # Runs on paho's network thread only (as every message callback): no lock.
        topic = msg.topic
        now = time.monotonic()
        if msg.retain:
            # The broker sets the flag only on what it kept from before we subscribed;
            # a live `mosquitto_pub -r` reaches a subscriber as an ordinary command.
            if msg.payload:
                self._retained_warnings.warning(
                    topic,
                    "ignoring a retained command on %s (commands must not be retained); "
                    "clearing it",
                    topic,
                )
                self._clearing = {t: due for t, due in self._clearing.items() if due > now}
                self._clearing[topic] = now + CLEAR_ECHO_WINDOW
                self._client.publish(topic, b"", qos=1, retain=True)
            return True
        if not msg.payload and topic in self._clearing:
            return self._clearing.pop(topic) > now
        return False

    def on_connect(self, listener: ConnectListener) -> None:
        """Run ``listener`` after every (re)connection, once subscriptions are sent."""
        self._connect_listeners.append(listener)

    def on_disconnect(self, listener: ConnectListener) -> None:
        """Run ``listener`` whenever the connection drops."""
        self._disconnect_listeners.append(listener)

    # --- I/O --------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; retries until ``stop``."""
        if self.mqtt5:
            self._client.connect_async(
                self.url.host, self.url.port, keepalive=self._keepalive, clean_start=True
            )
        else:
            self._client.connect_async(self.url.host, self.url.port, keepalive=self._keepalive)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect cleanly (no last will) and stop the network thread."""
        # Cleared first: a deliberate disconnect is not a dropped connection.
        self._connected.clear()
        self._client.disconnect()
        self._client.loop_stop()

    @property
    def connected(self) -> bool:
        """Whether the broker has accepted us right now."""
        return self._connected.is_set()

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until connected (or ``timeout`` seconds pass)."""
        return self._connected.wait(timeout)

    def publish(
        self, topic: str, payload: bytes | str, *, retain: bool = False, qos: int = 1
    ) -> paho.MQTTMessageInfo:
        """Publish raw bytes; queued by paho while disconnected. From a message
        handler it goes out at once, not after the handler (see ``write_now``)."""
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        self._client.write_now()
        return info

    def publish_model(
        self, topic: str, model: BaseModel, *, retain: bool = False, qos: int = 1
    ) -> paho.MQTTMessageInfo:
        """Publish a payload model as compact JSON."""
        return self.publish(topic, dump_payload(model), retain=retain, qos=qos)

    # --- paho callbacks -----------------------------------------------------------

    def _on_connect(
        self,
        client: paho.Client,
        _userdata: object,
        _flags: object,
        reason: ReasonCode,
        _properties: object,
    ) -> None:
        if reason.is_failure:
            if reason.value == UNSUPPORTED_PROTOCOL and self.mqtt5:
                log.info(
                    "MQTT broker %s speaks MQTT 3.1.1 only; using it (fine for one board, "
                    "a large fleet needs an MQTT 5 broker: docs/fleet.md)",
                    self.url.redacted(),
                )
                self._speak_mqtt311()  # paho's next reconnection uses it
                return
            log.warning("MQTT broker %s refused us: %s", self.url.redacted(), reason)
            return
        log.info("connected to MQTT broker %s", self.url.redacted())
        self._unreachable = False
        for pattern, options in self._subscriptions.items():
            self._subscribe(pattern, options)
        self._connected.set()
        for listener in self._connect_listeners:
            self._run_listener(listener)

    def _on_connect_fail(self, _client: paho.Client, _userdata: object) -> None:
        # Once per outage: paho retries quietly, and the reason (refused connection, TLS
        # certificate not trusted, …) is not handed to us.
        if not self._unreachable:
            self._unreachable = True
            hint = " (is its TLS certificate trusted?)" if self.url.tls else ""
            log.warning("cannot connect to MQTT broker %s%s; retrying", self.url.redacted(), hint)

    def _on_disconnect(
        self,
        _client: paho.Client,
        _userdata: object,
        _flags: object,
        reason: ReasonCode,
        _properties: object,
    ) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        if was_connected:
            log.warning("disconnected from MQTT broker (%s); reconnecting", reason)
            for listener in self._disconnect_listeners:
                self._run_listener(listener)

    def _speak_mqtt311(self) -> None:
        # paho fixes the protocol when the client is made and has no setter for it; the
        # CONNECT packet reads these two attributes each time (paho pinned to 2.2.x;
        # tests/stack/test_up.py runs the api and bridge on the embedded 3.1.1 broker).
        self._client._protocol = paho.MQTTv311
        self._client._clean_session = True

    @staticmethod
    def _run_listener(listener: ConnectListener) -> None:
        try:
            listener()
        except Exception:
            log.exception("connection listener %r failed", listener)
