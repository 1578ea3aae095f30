"""Socket.IO events: a client picks its board, gets its state, may watch previews
and may send commands.

What a client may do is fixed when it connects (:class:`Session`) and never changes:
events named ``connect``/``disconnect`` sent by a client are dropped before any handler
(:mod:`retroboard_api.reserved_events`), and a client with no session may not command.

Only snapshots are emitted here (on ``connect`` and ``request_state``, to that one
client). Live changes reach room ``board:<id>`` from the bridge through the Socket.IO
message queue.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_socketio import SocketIO, join_room, leave_room
from pydantic import ValidationError
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from retroboard_api.actions import BoardActions
from retroboard_api.cache import StateCache
from retroboard_api.errors import ApiError, from_validation
from retroboard_api.guests import GuestSlots
from retroboard_api.metrics import ApiMetrics
from retroboard_api.preview import PreviewKeeper
from retroboard_api.schemas import PreviewEvent
from retroboard_common.contract import (
    BOARD_STATUS_EVENT,
    COMMAND_EVENTS,
    PREVIEW_EVENT,
    REQUEST_STATE_EVENT,
    VERBS,
    board_room,
    preview_room,
)
from retroboard_common.models import ConfigBody
from retroboard_common.topics import STATE_NAMES, StateName, is_valid_board_id

Json = dict[str, Any]


def _too_many_arguments() -> Json:
    """The ack of an event sent with more than one argument (a client bug)."""
    return ApiError(400, "an event carries at most one argument, a JSON object").body()


@dataclass(frozen=True)
class Session:
    """A connected client: its board, and whether it connected with the token."""

    board: str
    may_command: bool


class RealtimeEvents:
    """The Socket.IO event handlers of one app."""

    def __init__(
        self,
        socketio: SocketIO,
        cache: StateCache,
        actions: BoardActions,
        preview: PreviewKeeper,
        token: str | None = None,
        *,
        public_reads: bool = False,
        guests: GuestSlots | None = None,
        metrics: ApiMetrics | None = None,
    ) -> None:
        self.socketio = socketio
        self.cache = cache
        self.actions = actions
        self.preview = preview
        self.token = token
        self.public_reads = public_reads
        self.guests = guests
        self.metrics = metrics if metrics is not None else ApiMetrics()
        self._sessions: dict[str, Session] = {}  # sid → session, set on connect only
        # Clients that connected before this process had their board's whole state
        # (e.g. right after an api restart): they get it as soon as it is complete.
        self._unsynced: dict[str, set[str]] = {}  # board → sids
        # Clients sent a complete state without an optional one (an older renderer's
        # board has none; a newer one's may come a moment later): sent it if it comes.
        self._lacking: dict[str, dict[str, frozenset[StateName]]] = {}  # board → sid → names
        self._sync_lock = threading.Lock()

    def register(self) -> None:
        """Attach every handler to the Socket.IO server."""
        self.socketio.on_event("connect", self.on_connect)
        self.socketio.on_event("disconnect", self.on_disconnect)
        self.socketio.on_event(REQUEST_STATE_EVENT, self.on_request_state)
        self.socketio.on_event(PREVIEW_EVENT, self.on_preview)
        for event in COMMAND_EVENTS:
            self.socketio.on_event(event, self._command_handler(event))
        self.cache.on_update(self._on_cache_update)
        self.metrics.watch_socketio_clients(self.client_count)

    def client_count(self) -> int:
        """The clients connected to this process (those ``connect`` accepted)."""
        return len(self._sessions)

    def resend_all(self) -> None:
        """Send every client of this process its board's state again (the bridge has
        just read the fleet, and what changed while it was away was not sent)."""
        for sid, session in list(self._sessions.items()):
            self.send_state(sid, session.board)

    # --- connection ----------------------------------------------------------------

    def on_connect(self, auth: Any = None) -> None:
        """Check the token, pick the board (``?board=`` or auth ``{"board"}``), join its
        room, send state.

        Without a valid token the connection is refused, unless reads are public: then
        the client follows the board but its commands are refused.
        """
        auth = auth if isinstance(auth, dict) else {}
        authorized = self._has_token(auth)
        # A plain sentence: the client shows the CONNECT_ERROR's "message" as it is.
        if not authorized and not self.public_reads:
            raise SocketRefused("a valid token is required")
        board = request.args.get("board") or auth.get("board") or self.actions.default_board
        if not isinstance(board, str) or not is_valid_board_id(board):
            raise SocketRefused(f"invalid board id {board!r}")
        sid: str = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO
        self._sessions[sid] = Session(board, may_command=authorized)
        if authorized and self.guests is not None:
            self.guests.admit(request.environ)  # no longer bounded as a guest
        join_room(board_room(board))
        self.send_state(sid, board)

    def on_disconnect(self, _reason: Any = None) -> None:
        """Forget the client (rooms are left by the server)."""
        sid: str = request.sid  # type: ignore[attr-defined]
        session = self._sessions.pop(sid, None)
        if session is not None:
            with self._sync_lock:
                self._unsynced.get(session.board, set()).discard(sid)
                lacking = self._lacking.get(session.board, {})
                lacking.pop(sid, None)
                if not lacking:
                    self._lacking.pop(session.board, None)

    def on_request_state(self, *_args: Any) -> None:
        """Send the board's state again, to this client only."""
        sid: str = request.sid  # type: ignore[attr-defined]
        self.send_state(sid, self._board(sid))

    def send_state(self, sid: str, board: str) -> None:
        """Emit every state event and ``board_status`` to one client.

        If the board's state is not all known yet, the client gets it again once it is.
        """
        with self._sync_lock:
            record = self.cache.get(board)
            lacking = self._lacking.setdefault(board, {})
            lacking.pop(sid, None)
            if record is None or not record.complete:
                waiting = {s for s in self._unsynced.get(board, set()) if s in self._sessions}
                self._unsynced[board] = waiting | {sid}
            elif record.missing_optional():
                lacking[sid] = record.missing_optional()
            if not lacking:
                del self._lacking[board]
        for name in STATE_NAMES:
            payload = record.state(name) if record else None
            if payload is not None:
                self._emit_to(sid, name, payload)
        online = record is not None and record.online
        self._emit_to(sid, BOARD_STATUS_EVENT, {"board": board, "online": online})

    def _on_cache_update(self, board: str) -> None:
        """Send the whole state to the clients that got an incomplete one, once it is
        complete, and an optional state to those sent the state without it."""
        with self._sync_lock:
            if board not in self._unsynced and board not in self._lacking:
                return
            record = self.cache.get(board)
            if record is None:
                return
            waiting: set[str] = set()
            if board in self._unsynced and record.complete:
                waiting = self._unsynced.pop(board)
            late = self._late_states(board, record.missing_optional())
        for sid, names in late.items():
            for name in names:
                payload = record.state(name)
                if payload is not None and sid in self._sessions:
                    self._emit_to(sid, name, payload)
        for sid in waiting:
            session = self._sessions.get(sid)
            if session is not None and session.board == board:
                self.send_state(sid, board)

    def _late_states(self, board: str, missing: frozenset[StateName]) -> dict[str, list[StateName]]:
        """Per client waiting for optional states of ``board``, those that have come
        (forgotten as sent; called holding ``_sync_lock``)."""
        lacking = self._lacking.get(board)
        if lacking is None:
            return {}
        late: dict[str, list[StateName]] = {}
        for sid, names in list(lacking.items()):
            arrived = names - missing
            if arrived:
                late[sid] = [name for name in STATE_NAMES if name in arrived]
            if names <= arrived or sid not in self._sessions:
                del lacking[sid]
            elif arrived:
                lacking[sid] = names & missing
        if not lacking:
            del self._lacking[board]
        return late

    # --- preview -------------------------------------------------------------------

    def on_preview(self, *args: Any) -> Json:
        """``{"enabled": true}`` joins the board's preview room, ``false`` leaves it."""
        if len(args) > 1:
            return _too_many_arguments()
        try:
            event = PreviewEvent.model_validate(args[0] if args else None)
        except ValidationError as exc:
            return from_validation(exc).body()
        sid: str = request.sid  # type: ignore[attr-defined]
        board = self._board(sid)
        if event.enabled:
            join_room(preview_room(board))
            self.preview.watch(board)
        else:
            leave_room(preview_room(board))
        return {"success": True, "board": board, "enabled": event.enabled}

    # --- commands ------------------------------------------------------------------

    def _command_handler(self, event: str) -> Callable[..., Json]:
        def handle(*args: Any) -> Json:
            if len(args) > 1:
                return _too_many_arguments()
            data = args[0] if args else None
            sid: str = request.sid  # type: ignore[attr-defined]
            session = self._sessions.get(sid)
            if session is None or not session.may_command:  # fail closed
                return ApiError(401, "a valid token is required to send commands").body()
            try:
                return self._run(event, session.board, {} if data is None else data)
            except ValidationError as exc:
                return from_validation(exc).body()
            except ApiError as error:
                return error.body()

        handle.__name__ = f"on_{event}"
        return handle

    def _run(self, event: str, board: str, data: Any) -> Json:
        """Validate ``data`` as the verb's body and send it."""
        body = VERBS[event].body.model_validate(data)
        if isinstance(body, ConfigBody):  # the REST answer of the same change
            if body.app is None:
                return self.actions.configure_current(board, body.config)
            return self.actions.configure_app(board, body.app, body.config)
        return self.actions.command(board, event, body)

    # --- internals -----------------------------------------------------------------

    def _board(self, sid: str) -> str:
        session = self._sessions.get(sid)
        return session.board if session else self.actions.default_board

    def _emit_to(self, sid: str, event: str, payload: Any) -> None:
        # The client is in this process: no need to go through the message queue.
        self.socketio.emit(event, payload, to=sid, ignore_queue=True)
        self.metrics.event_emitted(event)

    def _has_token(self, auth: Json) -> bool:
        if self.token is None:
            return True
        given = auth.get("token") or request.args.get("token") or ""
        return isinstance(given, str) and hmac.compare_digest(given.encode(), self.token.encode())
