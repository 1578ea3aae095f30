"""An embedded MQTT broker (amqtt) for the local stack, in a thread of this process.

amqtt is asyncio-based; it gets its own event loop in a daemon thread so the caller
stays synchronous. It binds 127.0.0.1 only, on a free port (1883 is often taken by a
system Mosquitto), and allows anonymous clients: it is reachable from this machine
only. amqtt speaks MQTT 3.1.1, which is what every RetroBoard service uses.

amqtt 0.12.1 has no packet size limit (no ``max_packet_size``: its ``BrokerConfig``
and ``ListenerConfig`` have no such key, and no plugin hook sees a packet before it is
read whole). Being reachable from this machine only, it relies on the services' own
per-topic limits (``retroboard_common.models.MAX_STATE_BYTES`` …) for what they keep.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import Any, Final

from retroboard_stack.ports import free_port

log = logging.getLogger(__name__)

HOST: Final = "127.0.0.1"
START_ATTEMPTS: Final = 3  # a free port can be taken between picking and binding it


class BrokerStartError(RuntimeError):
    """The embedded broker could not start."""


def broker_config(host: str, port: int) -> dict[str, Any]:
    """amqtt's configuration: one TCP listener, anonymous clients allowed.

    The anonymous-auth plugin must be named explicitly: with an empty plugin map
    amqtt refuses every client.
    """
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {
            "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
        },
    }


class EmbeddedBroker:
    """amqtt running in a background thread; :meth:`start` returns its ``mqtt://`` URL."""

    def __init__(self, host: str = HOST) -> None:
        self.host = host
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Any = None

    @property
    def url(self) -> str:
        """The URL services put in ``MQTT_URL``."""
        return f"mqtt://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> str:
        """Start listening; raises :class:`BrokerStartError` when it cannot."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="mqtt-broker", daemon=True)
        self._thread.start()
        error: Exception | None = None
        for _attempt in range(START_ATTEMPTS):
            self.port = free_port(self.host)
            try:
                self._broker = self._run(self._start_broker(), timeout)
                return self.url
            except Exception as exc:  # amqtt wraps bind errors in BrokerError
                error = exc
        self._stop_loop()
        raise BrokerStartError(f"the embedded MQTT broker did not start: {error}")

    def stop(self, timeout: float = 5.0) -> None:
        """Close every client connection and the listener."""
        if self._broker is not None:
            try:
                self._run(self._broker.shutdown(), timeout)
            except Exception:
                log.warning("embedded MQTT broker did not shut down cleanly", exc_info=True)
            self._broker = None
        self._stop_loop()

    async def _start_broker(self) -> Any:
        # Imported here: amqtt is only needed when the stack embeds the broker.
        from amqtt.broker import Broker

        broker = Broker(broker_config(self.host, self.port))
        await broker.start()
        return broker

    def _run(self, coroutine: Any, timeout: float) -> Any:
        assert self._loop is not None
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout)

    def _stop_loop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()
        self._loop = None
        self._thread = None
