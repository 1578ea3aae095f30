"""``retroboard-renderer``: run one board's renderer until SIGTERM or Ctrl+C."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from retroboard_common.cli import settings_from_args, wait_for_stop
from retroboard_common.logs import configure_logging
from retroboard_common.mqtt import MqttClient
from retroboard_common.topics import BoardTopics
from retroboard_renderer.apps import AppContext, discover_app_types
from retroboard_renderer.apps.custom import preload_fonts
from retroboard_renderer.assets import AssetLibrary
from retroboard_renderer.awtrix import AwtrixCompat
from retroboard_renderer.board import Board
from retroboard_renderer.drivers import DriverUnavailable, create_driver
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.localtime import LocalClock
from retroboard_renderer.metrics import renderer_registry, serve_metrics
from retroboard_renderer.preview import PreviewPublisher
from retroboard_renderer.realtime import RealtimePorts, RealtimeReceiver
from retroboard_renderer.service import RendererService
from retroboard_renderer.settings import RendererSettings
from retroboard_renderer.store import StateStore
from retroboard_renderer.stream import DropReport

PROGRAM = "retroboard-renderer"
log = logging.getLogger(PROGRAM)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags; each overrides its environment variable."""
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__)
    parser.add_argument("--mqtt-url", help="broker URL (MQTT_URL)")
    parser.add_argument("--board-id", help="board id (RETROBOARD_BOARD_ID)")
    parser.add_argument("--state-dir", type=Path, help="state folder (RETROBOARD_STATE_DIR)")
    parser.add_argument(
        "--display",
        choices=["emulator", "hzeller", "piomatter"],
        help="driver (RETROBOARD_DISPLAY)",
    )
    parser.add_argument("--app", help="app to show when no state is saved")
    parser.add_argument("--ignore-state", action="store_true", help="do not load saved state")
    return parser.parse_args(argv)


def start_receiver(settings: RendererSettings, board: Board) -> RealtimeReceiver | None:
    """Listen for pixel streams and hand them to the board, or log why it cannot
    (e.g. a port in use) and run on without them: the display matters more."""
    realtime = settings.realtime
    driver = board.engine.driver
    receiver = RealtimeReceiver(
        driver.width,
        driver.height,
        first_universe=realtime.universe,
        layout=realtime.layout,
        sources=realtime.source_networks,
        ports=RealtimePorts(realtime.ddp_port, realtime.e131_port, realtime.artnet_port),
        bind=realtime.bind,
        on_frame=lambda frame: board.realtime.show(frame.pixels, frame.protocol, frame.source),
        name=f"RetroBoard {settings.board_id}",
    )
    try:
        receiver.start()
    except OSError as exc:
        log.error(
            "cannot listen for pixel streams on %s: %s; running without them", realtime.bind, exc
        )
        return None
    board.realtime.attach(receiver)
    board.engine.add_ticker(DropReport(receiver).tick)
    ports = receiver.ports
    log.info(
        "pixel streams: DDP on udp/%d, E1.31 on udp/%d, Art-Net on udp/%d",
        ports.ddp,
        ports.e131,
        ports.artnet,
    )
    return receiver


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``retroboard-renderer``."""
    args = parse_args(argv)
    settings = settings_from_args(
        RendererSettings, PROGRAM, args, "mqtt_url", "board_id", "state_dir", "display"
    )
    configure_logging(settings.log_level, [settings.mqtt.password])
    try:
        driver = create_driver(settings)
    except DriverUnavailable as exc:
        raise SystemExit(f"{PROGRAM}: {exc}") from None

    topics = BoardTopics(settings.board_id)
    mqtt = MqttClient(
        settings.mqtt,
        f"{PROGRAM}-{settings.board_id}",
        will=RendererService.last_will(topics),
        keepalive=settings.mqtt_keepalive,
    )
    engine = RenderEngine(driver)
    store = StateStore(settings.state_dir, settings.save_delay)
    assets = AssetLibrary(settings.state_dir / "assets")
    assets.load()
    context = AppContext(
        assets=assets, weather_url=settings.weather_url, http_timeout=settings.http_timeout
    )
    # Off the render thread: the first custom app or notification finds them loaded.
    threading.Thread(target=preload_fonts, name="fonts", daemon=True).start()
    board = Board(
        engine,
        store,
        apps=discover_app_types(),
        assets=assets,
        context=context,
        realtime_timeout=settings.realtime.timeout,
        local_clock=LocalClock(settings.zone, context.wall_clock),
    )

    def publish_frame(png: bytes) -> None:
        mqtt.publish(topics.frame, png, qos=0)

    preview = PreviewPublisher(publish_frame, settings.preview_fps)
    engine.add_frame_listener(preview.on_frame)
    service = RendererService(board, mqtt, topics, preview)
    if settings.awtrix_prefix:
        AwtrixCompat(board, mqtt, settings.awtrix_prefix).start()  # before MQTT connects

    if settings.metrics_port:
        serve_metrics(renderer_registry(board, service, settings.board_id), settings.metrics_port)
    receiver = start_receiver(settings, board) if settings.realtime.listen else None
    board.restore(None if args.ignore_state else store.load(), args.app)
    if isinstance(driver, EmulatorDriver):
        # `kill -USR1 <pid>` saves what the emulated panel shows, for a quick look.
        # Installed before the board says it is online, which is when tests send it.
        snapshot = settings.state_dir / "snapshot.png"
        signal.signal(signal.SIGUSR1, lambda *_: log.info("wrote %s", driver.snapshot(snapshot)))
    engine.start()
    board.updater.start()
    service.start()
    log.info(
        "board %r on %s, %s display %dx%d, state in %s",
        settings.board_id,
        settings.mqtt.redacted(),
        settings.display,
        driver.width,
        driver.height,
        settings.state_dir,
    )

    wait_for_stop()
    log.info("stopping")
    if receiver is not None:
        receiver.stop()
    service.stop()
    board.updater.stop()
    engine.stop()
    store.flush()
