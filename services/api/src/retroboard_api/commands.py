"""Request/response over MQTT: send ``cmd/<verb>`` with a transaction id, wait for
the matching ``response/<verb>``, and turn refusals into HTTP statuses.

Commands go out at QoS 0 on purpose: a command that was refused with 503 or timed
out with 504 must never be delivered later (paho queues QoS 1 messages while
disconnected and replays them on reconnect).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Final, Protocol

from retroboard_api.cache import StateCache
from retroboard_api.errors import ApiError
from retroboard_api.metrics import OFFLINE, REFUSED, SUCCESS, TIMEOUT, ApiMetrics
from retroboard_common.inbound import Refusals, decode_model
from retroboard_common.models import MAX_RESPONSE_BYTES, CommandResponse, ErrorCode
from retroboard_common.topics import ALL_ASSET_DATA, ALL_RESPONSES, ASSET_UPLOAD, BoardTopics

log = logging.getLogger(__name__)

STATUS_BY_CODE: Final[dict[ErrorCode, int]] = {
    "malformed": 400,
    "too_large": 413,
    "unknown_app": 404,
    "unknown_verb": 404,
    "unknown_asset": 404,
    "unknown_type": 404,
    "exists": 409,
    "unsupported": 415,
    "invalid": 422,
    "conflict": 409,
    "queue_full": 429,
    "internal": 500,
}


def status_for(code: ErrorCode | None) -> int:
    """The HTTP status of a refused command (500 when the renderer gave no code)."""
    return STATUS_BY_CODE.get(code, 500) if code else 500


class PublishResult(Protocol):
    """What paho returns from ``publish``."""

    @property
    def rc(self) -> int:
        """0 when the message was handed to the network layer."""


class Messenger(Protocol):
    """The part of :class:`retroboard_common.mqtt.MqttClient` commands need."""

    @property
    def connected(self) -> bool:
        """Whether the broker accepted us."""

    def subscribe(
        self,
        pattern: str,
        handler: Callable[[str, bytes], None],
        qos: int = 1,
        *,
        live_only: bool = False,
    ) -> None:
        """Call ``handler(topic, payload)`` for messages matching ``pattern`` (only those
        published from now on when ``live_only``)."""

    def publish(
        self, topic: str, payload: bytes | str, *, retain: bool = False, qos: int = 1
    ) -> PublishResult:
        """Publish raw bytes."""


class _Waiter:
    """One command in flight: the event its caller waits on, and the answer."""

    def __init__(self, *, expects_data: bool = False) -> None:
        self.expects_data = expects_data
        """Only the bytes or a refusal complete it (the success answer may come first)."""
        self.done = threading.Event()
        self.response: CommandResponse | None = None
        self.data: bytes | None = None
        """A binary answer (``asset_data/<transaction>``), when one is expected."""
        self.answered_at = 0.0
        """``time.perf_counter()`` when the answer came (the caller may wake later)."""

    def answer(self) -> None:
        """The answer is in: wake the caller."""
        self.answered_at = time.perf_counter()
        self.done.set()

    def result(self) -> str:
        """The answer as a metric label: ``success`` or the refusal's error code."""
        if self.data is not None:
            return SUCCESS
        response = self.response
        assert response is not None  # set before done
        if response.success:
            return SUCCESS
        return response.code or REFUSED


class CommandGateway:
    """Sends commands to renderers and waits for their answers."""

    def __init__(
        self,
        mqtt: Messenger,
        cache: StateCache,
        timeout: float,
        metrics: ApiMetrics | None = None,
    ) -> None:
        self.mqtt = mqtt
        self.cache = cache
        self.timeout = timeout
        self.metrics = metrics if metrics is not None else ApiMetrics()
        self._lock = threading.Lock()
        self._waiting: dict[str, _Waiter] = {}
        self._refusals = Refusals(log)

    def attach(self) -> None:
        """Listen to every board's responses."""
        self.mqtt.subscribe(ALL_RESPONSES, self.handle_response)
        self.mqtt.subscribe(ALL_ASSET_DATA, self.handle_asset_data, live_only=True)

    def send(self, board_id: str, verb: str, payload: dict[str, Any]) -> CommandResponse:
        """Send one command and return the renderer's successful response.

        Raises :class:`ApiError`: 503 when the broker or the renderer is away (nothing
        is sent), 504 when no answer comes in time, or the status of the refusal.
        """

        def publish(transaction: str) -> PublishResult:
            body = command_bytes({**payload, "transaction": transaction})
            return self.mqtt.publish(BoardTopics(board_id).cmd(verb), body, qos=0)

        return _answer(self._round_trip(board_id, verb, publish))

    def upload(self, board_id: str, name: str, data: bytes) -> CommandResponse:
        """Publish an image to ``cmd/asset/<name>/<transaction>``; like :meth:`send`."""
        topics = BoardTopics(board_id)

        def publish(transaction: str) -> PublishResult:
            return self.mqtt.publish(topics.asset_upload(name, transaction), data, qos=0)

        return _answer(self._round_trip(board_id, ASSET_UPLOAD, publish))

    def fetch_asset(self, board_id: str, name: str) -> bytes:
        """The stored file of image ``name`` (``cmd/asset_data``); errors like :meth:`send`."""

        def publish(transaction: str) -> PublishResult:
            body = json.dumps({"name": name, "transaction": transaction}, separators=(",", ":"))
            return self.mqtt.publish(BoardTopics(board_id).cmd("asset_data"), body, qos=0)

        waiter = self._round_trip(board_id, "asset_data", publish, expects_data=True)
        if waiter.data is not None:
            return waiter.data
        _answer(waiter)  # raises the refusal
        raise ApiError(500, f"board {board_id!r} answered asset_data without the file")

    def _round_trip(
        self,
        board_id: str,
        verb: str,
        publish: Callable[[str], PublishResult],
        *,
        expects_data: bool = False,
    ) -> _Waiter:
        if not self.mqtt.connected:
            raise self._unsent(verb, "the MQTT broker is unreachable; nothing was sent")
        if not self.cache.is_online(board_id):
            raise self._unsent(
                verb, f"the renderer of board {board_id!r} is offline; nothing was sent"
            )
        transaction = uuid.uuid4().hex
        waiter = _Waiter(expects_data=expects_data)
        with self._lock:
            self._waiting[transaction] = waiter
        try:
            published_at = time.perf_counter()
            if publish(transaction).rc != 0:
                raise self._unsent(verb, "the MQTT broker is unreachable; nothing was sent")
            if not waiter.done.wait(self.timeout):
                self.metrics.command_finished(verb, TIMEOUT)
                raise ApiError(
                    504, f"board {board_id!r} did not answer {verb!r} within {self.timeout:g} s"
                )
        finally:
            with self._lock:
                self._waiting.pop(transaction, None)
        self.metrics.command_finished(verb, waiter.result(), waiter.answered_at - published_at)
        return waiter

    def _unsent(self, verb: str, error: str) -> ApiError:
        """The 503 of a command that was not sent, counted as ``offline``."""
        self.metrics.command_finished(verb, OFFLINE)
        return ApiError(503, error)

    def handle_asset_data(self, topic: str, payload: bytes) -> None:
        """Hand an image's bytes to the caller waiting for their transaction."""
        transaction = topic.rsplit("/", 1)[-1]
        with self._lock:
            waiter = self._waiting.get(transaction)
        if waiter is not None:
            waiter.data = payload
            waiter.answer()

    def handle_response(self, topic: str, payload: bytes) -> None:
        """Hand a ``response/<verb>`` to the caller waiting for its transaction.

        Its ``state`` goes to the REST client as it is, so it must be strict JSON too.
        """
        response = self._refusals.take(
            topic, lambda: decode_model(CommandResponse, payload, MAX_RESPONSE_BYTES)
        )
        if response is None:
            return
        if not isinstance(response.transaction, str):
            return
        with self._lock:
            waiter = self._waiting.get(response.transaction)
        if waiter is not None and not (waiter.expects_data and response.success):
            waiter.response = response
            waiter.answer()


def command_bytes(payload: dict[str, Any]) -> bytes:
    """A command's compact JSON, in UTF-8 as it came.

    Escaping non-ASCII text (``\\uXXXX``, up to 6 bytes a character) could push a 256 KiB
    AWTRIX payload past the renderer's limit for its verb; a lone surrogate (valid JSON,
    not encodable) is the one case left escaped.
    """
    try:
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(payload, separators=(",", ":")).encode()


def _answer(waiter: _Waiter) -> CommandResponse:
    """The successful response a waiter got, or its refusal raised as an ApiError."""
    response = waiter.response
    assert response is not None  # set before done
    if not response.success:
        details = [item.model_dump() for item in response.details or []]
        raise ApiError(status_for(response.code), response.error or "refused", details)
    return response
