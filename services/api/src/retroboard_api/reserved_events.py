"""Client events named like the server's own (``connect``, ``disconnect``) never run.

python-socketio 5.18 looks up the handler of a client ``EVENT`` packet by its name in
the same table as the connection handlers, so ``42["disconnect"]`` ran the
``disconnect`` handler as an ordinary event and ``42["connect",{}]`` the ``connect``
one. Such an event is dropped here, before any handler; one sent with an ack id is
answered ``{"success": false, …}``. So is an event whose name is no string
(``42[[1]]``), which python-socketio would look up as a key and fail on.
"""

from __future__ import annotations

import logging
from typing import Any

from socketio import packet

from retroboard_api.errors import ApiError

log = logging.getLogger(__name__)


def refuse_reserved_events(server: Any) -> None:
    """Make ``server`` (a ``socketio.Server``) drop client events with reserved names."""
    reserved = frozenset(server.reserved_events)
    # The one entry point of client EVENT and BINARY_EVENT packets in python-socketio.
    handle_event = server._handle_event

    def guarded(eio_sid: str, namespace: str | None, ack_id: int | None, data: Any) -> None:
        name = data[0] if isinstance(data, list) and data else None
        if isinstance(name, str) and name not in reserved:
            handle_event(eio_sid, namespace, ack_id, data)
            return
        namespace = namespace or "/"
        sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
        log.warning("refused a client event named %.40r from %s", name, sid)
        if ack_id is not None and server.manager.is_connected(sid, namespace):
            why = "is a reserved event name" if isinstance(name, str) else "is no event name"
            answer = ApiError(400, f"{str(name)[:40]!r} {why}").body()
            server._send_packet(
                eio_sid,
                server.packet_class(packet.ACK, namespace=namespace, id=ack_id, data=[answer]),
            )

    server._handle_event = guarded
