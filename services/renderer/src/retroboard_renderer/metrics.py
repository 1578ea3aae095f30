"""Prometheus metrics of one renderer, served on their own port (``/metrics``).

Counts the renderer keeps anyway (frames, late frames, commands, state writes) are read
at scrape time, so the render loop pays only for the frame-time histogram.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Final

from prometheus_client import CollectorRegistry, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from retroboard_common.models import NotificationState, SettingsState
from retroboard_renderer.board import Board
from retroboard_renderer.service import RendererService

log = logging.getLogger(__name__)

PREFIX: Final = "retroboard_renderer_"
FRAME_BUCKETS: Final = (0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.033, 0.066, 0.25, 1.0)
"""Seconds: a 64×32 frame takes well under a millisecond, a 60 fps slot is 16.7 ms."""


class RendererCollector(Collector):
    """The board's state and the renderer's counters, as they are at scrape time."""

    def __init__(self, board: Board, service: RendererService, board_id: str) -> None:
        self._board = board
        self._service = service
        self._board_id = board_id

    def collect(self) -> Iterator[Metric]:
        """Every metric family but the frame-time histogram."""
        board, engine, store = self._board, self._board.engine, self._board.store
        driver = engine.driver
        info = GaugeMetricFamily(
            f"{PREFIX}info",
            "The board this renderer drives (always 1)",
            labels=["board", "display", "width", "height"],
        )
        info.add_metric(
            [self._board_id, type(driver).__name__, str(driver.width), str(driver.height)], 1
        )
        yield info
        commands = CounterMetricFamily(
            f"{PREFIX}commands",
            "Commands answered, by verb and result (success or the error code)",
            labels=["verb", "result"],
        )
        for (verb, result), count in sorted(dict(self._service.commands).items()):
            commands.add_metric([verb, result], count)
        yield commands
        app = GaugeMetricFamily(
            f"{PREFIX}current_app",
            "1 for the app instance on show (none while stopped)",
            labels=["app"],
        )
        if board.current_app is not None:
            app.add_metric([board.current_app], 1)
        yield app
        settings, notification = board.payload("settings"), board.payload("notification")
        assert isinstance(settings, SettingsState) and isinstance(notification, NotificationState)
        gauges = (
            ("brightness_percent", "Brightness, 0-100", settings.brightness),
            ("power", "1 while the panel is on, 0 off", settings.power),
            ("night_mode", "1 while night mode is on, 0 off", board.night_active),
            (
                "notifications_queued",
                "Notifications waiting behind the one on show",
                notification.length,
            ),
        )
        for name, documentation, value in gauges:
            yield GaugeMetricFamily(f"{PREFIX}{name}", documentation, value=value)
        counters = (
            ("frames", "Frames drawn", engine.frames_drawn),
            (
                "late_frames",
                "Frames started more than 1/60 s after they were due",
                engine.late_frames,
            ),
            ("state_writes", "State file writes", store.writes),
            (
                "state_commits",
                "Journal group commits (fdatasync) of acknowledged changes",
                store.commits,
            ),
            (
                "state_write_failures",
                "State file writes and journal appends that failed",
                store.write_failures,
            ),
        )
        for name, documentation, count in counters:
            yield CounterMetricFamily(f"{PREFIX}{name}", documentation, value=count)


def renderer_registry(board: Board, service: RendererService, board_id: str) -> CollectorRegistry:
    """A registry of the renderer's metrics; starts timing the board's frames."""
    registry = CollectorRegistry()
    registry.register(RendererCollector(board, service, board_id))
    frame_seconds = Histogram(
        f"{PREFIX}frame_seconds",
        "Time to draw one frame (tickers, render, show, preview)",
        buckets=FRAME_BUCKETS,
        registry=registry,
    )
    board.engine.add_frame_timer(frame_seconds.observe)
    return registry


def serve_metrics(registry: CollectorRegistry, port: int) -> bool:
    """Serve ``registry`` on ``port`` (all interfaces) in a daemon thread, or log why it
    cannot (e.g. the port is taken) and run on without it: the display matters more."""
    try:
        start_http_server(port, registry=registry)
    except OSError as exc:
        log.error("cannot serve metrics on tcp/%d: %s; running without them", port, exc)
        return False
    log.info("metrics on http://0.0.0.0:%d/metrics", port)
    return True
