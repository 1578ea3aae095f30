"""Limits in front of the Engine.IO server, answered in JSON before it does any work.

- A handshake (a ``GET`` without ``sid``) takes a guest slot (:mod:`retroboard_api.guests`)
  or is refused with ``429`` (its address has too many) or ``503`` (all are taken).
- A polling ``POST`` over ``SOCKETIO_MAX_MESSAGE_BYTES`` gets ``413`` and its session is
  closed, as a WebSocket message over the limit closes that WebSocket. python-engineio
  4.15 would close the session with ``close(wait=True)``, which waits for a long-poll to
  drain the queue, so without a pending ``GET`` the ``POST`` was never answered.

Installed on the ``engineio.Server`` that python-socketio creates: its public
``handle_request`` is wrapped, and its ``connect``/``disconnect`` handlers (python-socketio's)
are wrapped to hand a slot to the session and free it when the session closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import parse_qs

from retroboard_api.client_address import Network, client_key
from retroboard_api.errors import wsgi_json_error
from retroboard_api.guests import SID_KEY, SLOT_KEY, GuestSlots

StartResponse = Callable[..., Any]


def guard_engine(eio: Any, slots: GuestSlots, trusted_proxies: Sequence[Network] = ()) -> None:
    """Put the handshake bound and the polling body limit in front of ``eio``."""
    inner_request = eio.handle_request
    inner_connect = eio.handlers["connect"]
    inner_disconnect = eio.handlers["disconnect"]
    limit: int = eio.max_http_buffer_size

    def handle_request(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        sid = query.get("sid", [None])[0]
        method = environ.get("REQUEST_METHOD")
        if method == "POST" and sid is not None and _content_length(environ) > limit:
            _close_session(eio, sid)
            error = f"a Socket.IO message is at most {limit} bytes (SOCKETIO_MAX_MESSAGE_BYTES)"
            return wsgi_json_error(start_response, 413, error)
        if method != "GET" or sid is not None:
            return inner_request(environ, start_response)  # type: ignore[no-any-return]
        address = client_key(environ, trusted_proxies)
        refusal = slots.acquire(address)
        if refusal is not None:
            return wsgi_json_error(start_response, refusal.status, refusal.error)
        environ[SLOT_KEY] = address
        try:
            # A WebSocket handshake returns only when that WebSocket ends.
            return inner_request(environ, start_response)  # type: ignore[no-any-return]
        finally:
            if SID_KEY not in environ:  # refused by Engine.IO (origin, version): no session
                slots.give_back(address)

    def on_connect(sid: str, environ: dict[str, Any]) -> Any:
        address = environ.get(SLOT_KEY)
        if isinstance(address, str):
            slots.own(sid, address)
            environ[SID_KEY] = sid
        accepted = inner_connect(sid, environ)
        if accepted is not None and accepted is not True:
            slots.release(sid)  # Engine.IO drops the session without a disconnect event
        return accepted

    def on_disconnect(sid: str, *args: Any) -> Any:
        try:
            return inner_disconnect(sid, *args)
        finally:
            slots.release(sid)

    eio.handle_request = handle_request
    eio.on("connect", on_connect)
    eio.on("disconnect", on_disconnect)


def _content_length(environ: dict[str, Any]) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # the server rejects a malformed length before the app sees it


def _close_session(eio: Any, sid: str) -> None:
    """Close a polling session without waiting for a long-poll to take the CLOSE packet."""
    socket = eio.sockets.get(sid)
    if socket is not None and not socket.upgraded:  # Engine.IO refuses POSTs once upgraded
        eio.sockets.pop(sid, None)
        socket.close(wait=False, reason=eio.reason.SERVER_DISCONNECT)
