"""The app factory: wires the cache, commands, routes and Socket.IO into one Flask app.

Nothing here does I/O: the MQTT connection and background tasks start with
``app.extensions["retroboard"].start()``, which the gunicorn worker calls after it
forked (and, for gevent, after monkey-patching).
"""

from __future__ import annotations

from typing import Any

from flask_cors import CORS
from flask_openapi3.models.info import Info
from flask_openapi3.models.tag import Tag
from flask_socketio import SocketIO

from retroboard_api.actions import BoardActions
from retroboard_api.cache import StateCache
from retroboard_api.coalescing_queues import coalesce_outgoing
from retroboard_api.commands import CommandGateway
from retroboard_api.compact_json import CompactJson
from retroboard_api.engine_guard import guard_engine
from retroboard_api.errors import JsonRequest, register_error_handlers, validation_error_response
from retroboard_api.fanout_turns import interleave_fan_out
from retroboard_api.guards import register_guards
from retroboard_api.guests import GuestSlots
from retroboard_api.hosts import HostGuard, HostPolicy
from retroboard_api.metrics import ApiMetrics, install_metrics
from retroboard_api.openapi import RetroBoardOpenAPI
from retroboard_api.origins import OriginPolicy
from retroboard_api.preview import PreviewKeeper
from retroboard_api.realtime import RealtimeEvents
from retroboard_api.reserved_events import refuse_reserved_events
from retroboard_api.routes import (
    BEARER,
    BEARER_SCHEME,
    SpaPathConverter,
    board_blueprint,
    dashboard_blueprint,
    fleet_blueprint,
)
from retroboard_api.runtime import ApiRuntime, MqttConnection
from retroboard_api.settings import ApiSettings
from retroboard_common.mqtt import MqttClient
from retroboard_common.topics import BRIDGE_READY

API_INFO = Info(
    title="RetroBoard API",
    version="1.0.0",
    description="Control RetroBoard LED matrix boards. Errors are always "
    '`{"success": false, "error": "...", "details": [{"loc": [...], "msg": "..."}]}`.',
)


def create_app(
    settings: ApiSettings,
    mqtt: MqttConnection | None = None,
    *,
    client_manager: Any | None = None,
) -> RetroBoardOpenAPI:
    """Build the api for ``settings``.

    ``mqtt`` defaults to a :class:`MqttClient` for ``settings.mqtt``; ``client_manager``
    is the Socket.IO message-queue manager (``None``: no queue, one process only).
    """
    cache = StateCache()
    metrics = ApiMetrics()
    if mqtt is None:
        broker = MqttClient(settings.mqtt, "retroboard-api", mqtt5=settings.mqtt_protocol == "5")
        cache.attach(broker)
        cache.read_fleet(broker)  # what the broker retains, in batches
        client: MqttConnection = broker
    else:
        client = mqtt  # a test's broker: its messages are delivered by the test
        cache.attach(client)
    metrics.watch_mqtt(lambda: client.connected)
    gateway = CommandGateway(client, cache, settings.command_timeout, metrics)
    gateway.attach()
    actions = BoardActions(cache, gateway, settings.board_id)

    secured = settings.api_token is not None
    origins = OriginPolicy(settings.cors_origin_list)
    app = RetroBoardOpenAPI(
        __name__,
        info=API_INFO,
        security_schemes={BEARER: BEARER_SCHEME} if secured else None,
        validation_error_callback=validation_error_response,
        static_folder=None,
    )
    app.request_class = JsonRequest
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep payload field order
    app.url_map.converters["spa"] = SpaPathConverter
    register_error_handlers(app)
    register_guards(app, settings.api_token, settings.public_reads, origins)
    CORS(app, resources={r"/api/*": {"origins": settings.cors_origin_list}})

    app.register_api(fleet_blueprint(secured=secured and not settings.public_reads))
    fleet_tag = Tag(name="board", description="Any board of the fleet")
    app.register_api(
        board_blueprint("board", fleet_tag, secured=secured, public_reads=settings.public_reads),
        url_prefix="/api/boards/<board>",
    )
    default_tag = Tag(name="default board", description="The board of RETROBOARD_BOARD_ID")
    app.register_api(
        board_blueprint(
            "default_board", default_tag, secured=secured, public_reads=settings.public_reads
        ),
        url_prefix="/api",
        url_defaults={"board": settings.board_id},
    )
    app.register_blueprint(dashboard_blueprint(settings.web_dist))

    socketio = SocketIO(
        app,
        async_mode=settings.async_mode,
        client_manager=client_manager,
        cors_allowed_origins=origins,
        ping_interval=settings.ping_interval,
        ping_timeout=settings.ping_timeout,
        max_http_buffer_size=settings.max_message_bytes,
        json=CompactJson,
        manage_session=False,
    )
    # After SocketIO wrapped the app: Socket.IO requests pass the host check too.
    hosts = HostPolicy(settings.allowed_host_list, settings.cors_origin_list)
    app.wsgi_app = HostGuard(app.wsgi_app, hosts)  # type: ignore[method-assign]
    refuse_reserved_events(socketio.server)
    guests = GuestSlots(settings.max_guests, settings.max_guests_per_address)
    guard_engine(socketio.server.eio, guests, settings.trusted_proxy_networks)
    # A client that falls behind gets the newest of each state event, not every step.
    coalesce_outgoing(socketio.server.eio)
    if settings.async_mode == "gevent":
        interleave_fan_out(socketio.server)  # other work runs between a fan-out's turns
    # Fire and forget at QoS 0: a renewal is only useful now.
    preview = PreviewKeeper(socketio, lambda topic, body: client.publish(topic, body, qos=0))
    events = RealtimeEvents(
        socketio,
        cache,
        actions,
        preview,
        settings.api_token,
        public_reads=settings.public_reads,
        guests=guests,
        metrics=metrics,
    )
    events.register()
    metrics.count_queued_emits(socketio.server.manager)
    client.subscribe(BRIDGE_READY, lambda _topic, _payload: events.resend_all())

    # Last: its middleware must wrap the host guard and Socket.IO's.
    install_metrics(app, metrics, settings.api_token)
    app.extensions["retroboard"] = ApiRuntime(settings, client, cache, gateway, actions, preview)
    return app
