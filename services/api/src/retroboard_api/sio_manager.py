"""The Socket.IO message-queue manager: how live changes from the bridge reach clients.

The api and the bridge must share one queue, so both take it from
:func:`retroboard_common.sio_queue.create_manager` (MQTT on the services' broker by
default, Redis for ``redis://…``).
"""

from __future__ import annotations

from typing import Any

from retroboard_api.inbox_coalescing import skip_superseded
from retroboard_api.settings import ApiSettings
from retroboard_common.sio_queue import create_manager


def create_client_manager(settings: ApiSettings) -> Any:
    """The read-write ``PubSubManager`` for SOCKETIO_MESSAGE_QUEUE (call in the worker);
    on MQTT its listener skips emits already superseded in its inbox."""
    return create_manager(settings, write_only=False, select=skip_superseded)
