"""Read every board's retained state from a broker on its default settings, in batches.

A broker queues what it sends each client, and Mosquitto's default limit is 1,000
messages (``max_queued_messages``): when one subscription matches more retained
messages than that, the broker queues the first ~1,000 at once and drops the rest,
silently. A central api subscribing to ``retroboard/+/state/+`` over 10,000 boards saw
~250 of them. So the fleet's wildcards are subscribed ``live_only`` (no retained
messages at all), and what the broker retains is read here, a batch at a time:

1. the board ids, from the fleet index (``retroboard/_fleet/<shard>/<board>``, one
   retained entry per board, see :mod:`retroboard_common.topics`), a few shards at once;
2. each board's retained topics, a few dozen boards per subscription.

Every batch is followed by a fence, a message to ourselves: it arrives after every
retained message of the batch, so the batch is complete, and it shows how many came. A
batch that brought nearly as many as the queue holds may have been cut: it is read
again in halves. A batch whose fence never arrives is read again too.

What the broker still drops later (a burst of live messages faster than we read, e.g.
10,000 board bridges reconnecting at once after a broker restart) is detected from
the broker's ``$SYS/broker/publish/messages/dropped`` counter and recovered by reading
everything again; a board first heard of from a live message has its other retained
topics read at once (they may have been among the dropped).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Final, Protocol

from retroboard_common.topics import (
    ALL_INDEX,
    BASE,
    BOARD_STATUS_SCAN,
    FLEET_SHARDS,
    parse_index_topic,
    shard_filter,
)

log = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], None]
BoardFilters = Callable[[str], list[str]]
"""The filters of one board's retained topics (e.g. its status and states)."""

# Messages per batch: well below Mosquitto's default 1,000 queued messages per client.
BATCH_MESSAGES: Final = 400
# A batch that brought this many may have been cut by a smaller queue limit: halved.
SUSPECT_MESSAGES: Final = 900
FENCE_TIMEOUT: Final = 10.0
DROPPED_TOPIC: Final = "$SYS/broker/publish/messages/dropped"
# Reading everything again after drops is not repeated more often than this: drops of
# some other slow client of the broker must not keep us reading in a loop.
RELOAD_INTERVAL: Final = 15.0
ALL_SHARDS: Final = tuple(f"{shard:02x}" for shard in range(FLEET_SHARDS))
# Below this many indexed boards every status is read with one wildcard too: boards
# whose renderer predates the index, or whose broker bridge does not forward it.
SCAN_BELOW: Final = 500


class Broker(Protocol):
    """The part of :class:`retroboard_common.mqtt.MqttClient` the loader needs."""

    client_id: str
    retained_received: int
    handling_retained: bool

    @property
    def connected(self) -> bool:
        """Whether the broker has accepted us right now."""

    def subscribe(
        self,
        pattern: str,
        handler: MessageHandler,
        qos: int = 1,
        *,
        refuse_retained: bool = False,
        live_only: bool = False,
    ) -> None:
        """A subscription renewed after every reconnect."""

    def route(self, pattern: str, handler: MessageHandler) -> None:
        """Hand messages of ``pattern`` to ``handler`` without subscribing."""

    def subscribe_now(self, filters: list[str]) -> bool:
        """A subscription for this connection only, retained messages sent."""

    def unsubscribe_now(self, filters: list[str]) -> None:
        """Drop a :meth:`subscribe_now` subscription."""

    def publish(
        self, topic: str, payload: bytes | str, *, retain: bool = False, qos: int = 1
    ) -> object:
        """Publish a message."""

    def on_connect(self, listener: Callable[[], None]) -> None:
        """Run ``listener`` after every (re)connection."""


class BatchReader:
    """Subscribes to a batch of filters, waits for the fence, unsubscribes."""

    def __init__(self, broker: Broker, timeout: float = FENCE_TIMEOUT) -> None:
        self._broker = broker
        self._timeout = timeout
        self._fence_topic = f"{BASE}/_sync/{broker.client_id}"
        self._lock = threading.Lock()
        self._waiting: dict[str, threading.Event] = {}

    def attach(self) -> None:
        """Subscribe to our own fence topic."""
        self._broker.subscribe(self._fence_topic, self._on_fence, qos=0)

    def read(self, filters: list[str]) -> int | None:
        """The number of retained messages the batch brought, ``None`` when its fence
        did not come back (offline, or the broker dropped it with the batch)."""
        token = uuid.uuid4().hex
        arrived = threading.Event()
        with self._lock:
            self._waiting[token] = arrived
        before = self._broker.retained_received
        try:
            if not self._broker.subscribe_now(filters):
                return None
            self._broker.publish(self._fence_topic, token, qos=0)
            if not arrived.wait(self._timeout):
                return None
            return self._broker.retained_received - before
        finally:
            with self._lock:
                self._waiting.pop(token, None)
            self._broker.unsubscribe_now(filters)

    def _on_fence(self, _topic: str, payload: bytes) -> None:
        with self._lock:
            arrived = self._waiting.get(payload.decode(errors="replace"))
        if arrived is not None:
            arrived.set()


class FleetLoader:
    """Learns every board of the fleet and reads its retained topics, at every
    (re)connection, after the broker dropped messages, and for boards heard of live."""

    def __init__(
        self,
        broker: Broker,
        board_filters: BoardFilters,
        known_boards: Callable[[], Iterable[str]],
        *,
        reader: BatchReader | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._broker = broker
        self._board_filters = board_filters
        self._known_boards = known_boards
        self._reader = reader or BatchReader(broker)
        self._clock = clock
        self._wake = threading.Condition()
        self._full_load_due = False
        self._not_before = 0.0  # when a full read may start (drops: not in a loop)
        self._pending: set[str] = set()
        self._indexed: set[str] = set()  # board ids of the index read in progress
        self._loading: frozenset[str] = frozenset()  # the boards a full read reads
        self._dropped: int | None = None
        self._last_full_load = -RELOAD_INTERVAL
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.loads_completed = 0
        """Full reads finished since start."""
        self._loaded_listeners: list[Callable[[], None]] = []

    def attach(self) -> None:
        """Hook into the broker connection; start the worker thread."""
        self._reader.attach()
        self._broker.route(ALL_INDEX, self._on_index)
        self._broker.subscribe(DROPPED_TOPIC, self._on_dropped, qos=0)
        self._broker.on_connect(self.reload)
        self._thread = threading.Thread(target=self._run, name="fleet-loader", daemon=True)
        self._thread.start()

    def on_loaded(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (on the worker thread) after every full read."""
        self._loaded_listeners.append(listener)

    def stop(self) -> None:
        """End the worker thread (a read in progress ends at its next batch)."""
        with self._wake:
            self._stopped = True
            self._wake.notify()

    def reload(self) -> None:
        """Read the whole fleet again, at once (on the worker thread)."""
        with self._wake:
            self._full_load_due, self._not_before = True, 0.0
            self._wake.notify()

    def _reload_later(self) -> None:
        with self._wake:
            if not self._full_load_due:
                self._full_load_due = True
                self._not_before = self._last_full_load + RELOAD_INTERVAL
            self._wake.notify()

    def request(self, board: str) -> None:
        """Read one board's retained topics (a board heard of from a live message)."""
        with self._wake:
            if not self._full_load_due and board not in self._loading:
                self._pending.add(board)
                self._wake.notify()

    @property
    def retained_now(self) -> bool:
        """Whether the message being handled (on the network thread) is a retained one,
        i.e. one of our reads brought it: every fleet subscription is live only."""
        return self._broker.handling_retained

    # --- broker messages -----------------------------------------------------------

    def _on_index(self, topic: str, payload: bytes) -> None:
        board = parse_index_topic(topic)
        if board is not None and payload:
            self._indexed.add(board)

    def _on_dropped(self, _topic: str, payload: bytes) -> None:
        try:
            dropped = int(payload)
        except ValueError:
            return
        before, self._dropped = self._dropped, dropped
        if before is None or dropped <= before:
            return  # the first figure (retained) is history; a restart resets it
        log.warning(
            "the broker dropped %d message(s); reading every board's retained state "
            "again (raise max_queued_messages on the broker to avoid this)",
            dropped - before,
        )
        self._reload_later()

    # --- the worker ------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._wake:
                while not (self._stopped or self._full_load_due or self._pending):
                    self._wake.wait()
                if self._stopped:
                    return
                full = self._full_load_due
                due = self._not_before - self._clock()
                if full and due > 0:
                    self._wake.wait(due)  # throttled; woken early by stop or reload
                    continue
                self._full_load_due = False
                boards, self._pending = self._pending, set()
            try:
                if full:
                    self._load_all()
                else:
                    self._read_boards(sorted(boards))
            except Exception:
                log.exception("reading the fleet's retained state failed")

    def _load_all(self) -> None:
        started = self._clock()
        self._last_full_load = started
        self._indexed = set()
        shards_ok = self._read_batches(list(ALL_SHARDS), shard_filter, per_item=0)
        if len(self._indexed) < SCAN_BELOW:
            self._scan_statuses()
        boards = sorted(self._indexed | set(self._known_boards()))
        self._loading = frozenset(boards)
        try:
            boards_ok = self._read_boards(boards)
        finally:
            self._loading = frozenset()
        self.loads_completed += 1
        for listener in self._loaded_listeners:
            listener()
        log.info(
            "read the fleet's retained state: %d board(s) in %.1f s%s",
            len(boards),
            self._clock() - started,
            "" if shards_ok and boards_ok else " (some batches failed; see above)",
        )

    def _scan_statuses(self) -> None:
        """Every retained status at once: enough for a small fleet without the index."""
        count = self._reader.read([BOARD_STATUS_SCAN])
        if count is not None and count >= SUSPECT_MESSAGES:
            log.error(
                "%d boards have no entry in the fleet index (retroboard/_fleet/+/<board>) "
                "and the broker may not deliver all their statuses at once: forward the "
                "index topic from each board's broker (docs/fleet.md)",
                count,
            )

    def _read_boards(self, boards: Sequence[str]) -> bool:
        return self._read_batches(list(boards), self._board_filters, per_item=1)

    def _read_batches(
        self, items: list[str], filters_of: Callable[[str], list[str] | str], per_item: int
    ) -> bool:
        """Read ``items`` in batches sized to about :data:`BATCH_MESSAGES` messages.

        ``per_item``: how many messages an item brings at least (0: unknown), for the
        first batch's size; later sizes follow what the batches before brought.
        """
        size = max(1, BATCH_MESSAGES // 8) if per_item else 16
        ok = True
        queue = [items[i : i + size] for i in range(0, len(items), size)]
        while queue:
            if self._stopped:
                return False
            batch = queue.pop(0)
            filters: list[str] = []
            for item in batch:
                chosen = filters_of(item)
                filters.extend([chosen] if isinstance(chosen, str) else chosen)
            count = self._reader.read(filters)
            if count is None and not self._broker.connected:
                return False  # the next connection reads everything again
            if count is None or count >= SUSPECT_MESSAGES:
                if len(batch) > 1:
                    half = len(batch) // 2
                    queue[:0] = [batch[:half], batch[half:]]
                    continue
                ok = False
                log.error(
                    "could not read the retained messages of %s completely (%s); "
                    "raise max_queued_messages on the broker",
                    batch[0],
                    "no answer" if count is None else f"{count} messages",
                )
                continue
            per = max(count / len(batch), 0.5)
            size = max(1, min(256, int(BATCH_MESSAGES / per)))
            rest = [item for chunk in queue for item in chunk]
            queue = [rest[i : i + size] for i in range(0, len(rest), size)]
        return ok
