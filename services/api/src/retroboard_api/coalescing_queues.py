"""Engine.IO send queues that coalesce state events (:mod:`retroboard_api.coalescing`).

python-engineio gives every client a queue (``Socket.queue``, from
``Server.create_queue()``, the async mode's queue class: ``queue.Queue`` for threading,
``gevent.queue.JoinableQueue`` for gevent). ``Socket.send`` puts each outgoing packet
in it, and the websocket writer (or a long-poll) takes every queued packet and writes
them. Here the queue classes are the async mode's own, with their storage replaced by a
:class:`~retroboard_api.coalescing.CoalescingBuffer` through the hooks both offer for
that (``_init``/``_create_queue``, ``_put``, ``_get``, ``_peek``, ``_qsize``); a dropped
packet is marked done, so ``join()`` (``Socket.close(wait=True)``) still returns.

Flask-SocketIO creates python-socketio's ``Server`` itself (it takes no server class),
so :func:`coalesce_outgoing` replaces ``create_queue`` on the Engine.IO server it made,
before any client connected, as :mod:`retroboard_api.engine_guard` wraps its handlers.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any

from retroboard_api.coalescing import CoalescingBuffer, PacketKinds


class ThreadingCoalescingQueue(queue.Queue[Any]):
    """``queue.Queue`` (async mode ``threading``) over a :class:`CoalescingBuffer`."""

    kinds = PacketKinds()
    queue: CoalescingBuffer  # a deque in the base class

    def _init(self, maxsize: int) -> None:
        self.queue = CoalescingBuffer(kinds=self.kinds)

    def _qsize(self) -> int:
        return len(self.queue)

    def _put(self, item: Any) -> None:
        # Called with the queue's mutex held; put() then counts the new task.
        self.queue.append(item)
        self.unfinished_tasks -= self.queue.take_dropped()

    def _get(self) -> Any:
        return self.queue.popleft()


def _gevent_queue_class() -> type[Any]:
    """The gevent queue class; gevent is imported only when the api runs on it."""
    from gevent.queue import JoinableQueue

    class GeventCoalescingQueue(JoinableQueue):  # type: ignore[misc]  # gevent is untyped
        """``gevent.queue.JoinableQueue`` (async mode ``gevent``) over a
        :class:`CoalescingBuffer`."""

        kinds = PacketKinds()

        def _create_queue(self, items: Any = ()) -> CoalescingBuffer:
            return CoalescingBuffer(items, kinds=self.kinds)

        def _put(self, item: Any) -> None:
            super()._put(item)  # appends, and counts the new task
            for _ in range(self.queue.take_dropped()):
                self.task_done()  # never taken, never sent: done

        def _get(self) -> Any:
            return self.queue.popleft()

        def _peek(self) -> Any:
            return self.queue[0]

    return GeventCoalescingQueue


def coalescing_queue_class(async_mode: str) -> type[Any]:
    """The coalescing queue class of an Engine.IO async mode."""
    if async_mode == "threading":
        return ThreadingCoalescingQueue
    if async_mode in ("gevent", "gevent_uwsgi"):
        return _gevent_queue_class()
    raise ValueError(f"no coalescing send queue for async mode {async_mode!r}")


def coalesce_outgoing(eio: Any) -> None:
    """Give every client of ``eio`` (an ``engineio.Server``) a coalescing send queue."""
    queue_class = coalescing_queue_class(eio.async_mode)

    def create_queue(*args: Any, **kwargs: Any) -> Any:
        return queue_class(*args, **kwargs)

    factory: Callable[..., Any] = create_queue
    eio.create_queue = factory
