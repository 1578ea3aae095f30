"""AWTRIX 3 custom apps and notifications (issue 14): a push until it is on the panel,
frame time with a board full of custom apps, and a burst of 1,000 pushes.

    .venv/bin/python -m bench.custom [--updates 300] [--frames 3000] [--burst 1000]
                                     [--brokers defaults,tuned] [--json FILE]

- **Push → panel**: a renderer in this process (the objects ``retroboard-renderer``
  wires: emulator driver, render engine, board, state store, image library, its MQTT
  service) on a private Mosquitto, showing custom app ``temp`` (an 8×8 icon from the
  library and a temperature). Round after round ``retroboard/bench/cmd/custom/temp``
  is published with a new text and a text colour that numbers the round; a frame
  listener reads the emulator's panel (``last_frame``, brightness 100) after every frame
  and takes the time at which that colour first shows. Once per broker configuration:
  Mosquitto on its own defaults and tuned as deploy/mosquitto.
- **Frame time**: one ``RenderEngine.step`` (the board's ticker, render, ``show``, the
  preview listener) on a fake clock at 60 fps, showing a scrolling custom app in the
  carousel, alone and with a board full of other custom apps (text, icons, charts,
  progress, drawings, effects, lifetimes; 49 of them in the carousel). The two boards
  alternate in blocks so that both meet the same machine noise.
- **Burst**: a child process (its own GIL, as a real automation) publishes 1,000 messages
  in one second, notifications and ``temp`` updates taking turns, while a held rainbow
  notification (redrawn every 1/30 s) is on show; the longest gap between two frames
  shown against that period (and against a quiet second before), the answers the
  sender got (a queue of 32 notifications, the rest refused ``queue_full``), and, once
  the notifications are dismissed, whether the panel shows the last push.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from PIL import Image

from bench.figures import ms, percentile, verdict
from bench.machine import describe_machine
from bench.stack import BOARD, BROKERS, Workdir, parse_brokers
from retroboard_common.models import CarouselEntry
from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl
from retroboard_common.topics import BoardTopics
from retroboard_renderer.apps import ORIGINAL_APPS, AppContext, discover_app_types
from retroboard_renderer.assets import AssetLibrary
from retroboard_renderer.board import MAX_INSTANCES, Board
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.notifications import MAX_QUEUED
from retroboard_renderer.preview import PreviewPublisher
from retroboard_renderer.service import RendererService
from retroboard_renderer.store import StateStore
from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe

BASE: Final = f"retroboard/{BOARD}"
APP: Final = "temp"
ICON: Final = "thermo"
SIZES: Final = [(64, 32), (256, 128)]
MAX_CUSTOM: Final = 100
assert MAX_CUSTOM + len(ORIGINAL_APPS) <= MAX_INSTANCES
"""Custom apps on the full board (the target's figure; a board holds up to
``MAX_INSTANCES`` apps in all, the original ones included)."""
CAROUSEL_OTHERS: Final = 49  # the carousel holds 50 entries; the measured app is one
ROUND_TIMEOUT: Final = 2.0
MOVING_PERIOD: Final = 1 / 30  # the custom app's frame period while it moves (rainbow)

LATENCY_P99_TARGET_MS: Final = 50.0
FRAME_RATIO_TARGET: Final = 1.1  # full board over one custom app, mean and p99
GAP_TARGET: Final = 2.0  # longest frame gap in a burst, in frame periods


# --- payloads ---------------------------------------------------------------------


def marker(number: int) -> tuple[int, int, int]:
    """The text colour of update ``number`` (< 65,536): red 255, the number in green and
    blue. The icon has no pixel with red 255, the background is black."""
    return (255, number >> 8 & 0xFF, number & 0xFF)


def hex_color(rgb: tuple[int, int, int]) -> str:
    """``#RRGGBB``, as AWTRIX automations send colours."""
    return "#{:02X}{:02X}{:02X}".format(*rgb)


def temperature(number: int) -> dict[str, Any]:
    """A Home Assistant style update of ``temp``: a temperature, its icon, a colour
    that numbers it."""
    return {
        "text": f"{18 + number % 80 / 10:.1f}°C",
        "icon": ICON,
        "color": hex_color(marker(number)),
    }


def thermometer_png() -> bytes:
    """An 8×8 icon as AWTRIX's library has them (no pixel with red 255)."""
    image = Image.new("RGB", (8, 8))
    for y in range(1, 6):
        image.putpixel((3, y), (200, 200, 200))
        image.putpixel((4, y), (200, 200, 200))
    for x, y in itertools.product(range(2, 6), range(5, 8)):
        image.putpixel((x, y), (0, 120, 230))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def idle_app(index: int) -> dict[str, Any]:
    """One of the other custom apps of a full board: what automations push."""
    kinds: list[dict[str, Any]] = [
        {"text": f"Solar {index} W", "icon": ICON, "color": "#FFD000"},
        {"bar": [index % 7, 3, 5, 8, 2, 6, 4, 9], "color": [0, 200, 80]},
        {"line": [1, 4, 2, 8, 5, index % 9], "autoscale": True},
        {"text": f"Dishwasher {index}", "progress": index % 100, "progressC": "#00FF00"},
        {"draw": [{"dl": [0, 0, 31, 7, "#FF00FF"]}, {"dc": [16, 4, 3, "#00FFFF"]}]},
        {"text": "Night", "effect": "Plasma", "lifetime": 3600},
        {"text": "Rain later today, take an umbrella", "rainbow": True, "lifetime": 3600},
    ]
    return kinds[index % len(kinds)]


SHOWN_APP: Final = {
    "text": "Washing machine done · 21.5°C outside",
    "icon": ICON,
    "color": "#FFAA00",
    "progress": 60,
}
"""The measured app of the frame-time runs: its text scrolls, so it draws every frame."""


# --- the renderer in this process ----------------------------------------------------


class PanelWatcher:
    """A frame listener: timestamps every frame shown (while recording) and notes when
    the panel first shows an expected colour."""

    def __init__(self, driver: EmulatorDriver) -> None:
        self.driver = driver
        self.recording = False
        self.shown: list[float] = []
        self._target: tuple[int, int, int] | None = None
        self._seen = threading.Event()
        self.seen_at = 0.0

    def expect(self, color: tuple[int, int, int]) -> None:
        """Watch for ``color`` from the next frame on."""
        self._seen.clear()
        self._target = color

    def wait(self, timeout: float) -> float | None:
        """When the expected colour came on the panel, or ``None`` after ``timeout``."""
        if not self._seen.wait(timeout):
            self._target = None
            return None
        return self.seen_at

    def on_frame(self, _frame: Frame) -> None:
        """After ``show``: what the panel shows now."""
        now = time.monotonic()
        if self.recording:
            self.shown.append(now)
        target = self._target
        if target is not None and np.all(self.driver.last_frame == target, axis=-1).any():
            self.seen_at = now
            self._target = None
            self._seen.set()


class InProcessRenderer:
    """What ``retroboard-renderer`` runs (see its ``cli.main``), in this process, on the
    emulator at ``width × height``, with a :class:`PanelWatcher` on its frames."""

    def __init__(self, workdir: Path, mqtt_url: str, width: int = 64, height: int = 32) -> None:
        state = workdir / "state"
        (state / "assets").mkdir(parents=True, exist_ok=True)
        self.driver = EmulatorDriver(width, height)
        self.engine = RenderEngine(self.driver)
        self.watcher = PanelWatcher(self.driver)
        self.engine.add_frame_listener(self.watcher.on_frame)
        self.store = StateStore(state)
        self.assets = AssetLibrary(state / "assets")
        self.assets.load()
        self.assets.put(ICON, thermometer_png())
        self.board = Board(
            self.engine,
            self.store,
            apps=discover_app_types(),
            assets=self.assets,
            context=AppContext(assets=self.assets),
        )
        topics = BoardTopics(BOARD)
        self.mqtt = MqttClient(
            MqttUrl.parse(mqtt_url), "bench-renderer", will=RendererService.last_will(topics)
        )

        def publish_frame(png: bytes) -> None:
            self.mqtt.publish(topics.frame, png, qos=0)

        preview = PreviewPublisher(publish_frame, 10.0)
        self.engine.add_frame_listener(preview.on_frame)
        self.service = RendererService(self.board, self.mqtt, topics, preview)

    def start(self) -> InProcessRenderer:
        """Start the render loop, the updater and the MQTT service."""
        self.board.restore(None)
        self.engine.start()
        self.board.updater.start()
        self.service.start()
        if not self.mqtt.wait_connected(10):
            raise RuntimeError("the renderer did not connect to the broker")
        return self

    def stop(self) -> None:
        """Stop in the service's order: MQTT, updater, render loop."""
        self.service.stop()
        self.board.updater.stop()
        self.engine.stop()


class Setup:
    """A broker, the renderer and a probe that sends commands and reads answers."""

    def __init__(self, workdir: Path, broker_defaults: bool) -> None:
        self.broker = MosquittoBroker(workdir / "mosquitto", defaults=broker_defaults)
        self.workdir = workdir
        self.renderer: InProcessRenderer | None = None
        self.probe: MqttProbe | None = None

    def __enter__(self) -> tuple[InProcessRenderer, MqttProbe]:
        try:
            self.broker.start()
            self.renderer = InProcessRenderer(self.workdir, self.broker.url).start()
            self.probe = MqttProbe(self.broker.url, f"{BASE}/response/#")
            self.probe.start()
            # Once answered, the renderer and the probe are both subscribed.
            deadline = time.monotonic() + 15
            while True:
                try:
                    self.probe.request(BOARD, "settings", {"brightness": 100}, timeout=1)
                    break
                except (AssertionError, RuntimeError):  # not connected or subscribed yet
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        except BaseException:
            self.__exit__()
            raise
        return self.renderer, self.probe

    def __exit__(self, *_exc: object) -> None:
        if self.probe is not None:
            self.probe.stop()
        if self.renderer is not None:
            self.renderer.stop()
        self.broker.kill()


def push(probe: MqttProbe, name: str, payload: dict[str, Any]) -> Any:
    """Publish custom app ``name`` and return the renderer's answer."""
    probe.clear()
    probe.publish(f"{BASE}/cmd/custom/{name}", payload)
    return probe.wait_for(f"{BASE}/response/custom").json()


def show_temp(renderer: InProcessRenderer, probe: MqttProbe) -> None:
    """Create ``temp`` (update 0, red), switch to it and wait until it is on the panel.

    Its first frame in a process is slow (the fonts are loaded then, ~0.3 s here): a
    one-off, not what an update costs.
    """
    reply = push(probe, APP, temperature(0))
    if not reply.get("success"):
        raise RuntimeError(f"cmd/custom/{APP} refused: {reply}")
    renderer.watcher.expect(marker(0))
    reply = probe.request(BOARD, "switch", {"app": APP})
    if not reply.get("success"):
        raise RuntimeError(f"cmd/switch refused: {reply}")
    if renderer.watcher.wait(10.0) is None:
        raise RuntimeError(f"{APP} never came on the panel")


# --- (a) push → panel -----------------------------------------------------------------


@dataclass
class PushSeries:
    """Custom-app updates on one broker configuration, published until on the panel."""

    broker: str
    updates: int
    samples_ms: list[float] = field(default_factory=list)
    lost: int = 0  # never on the panel within ROUND_TIMEOUT
    refused: int = 0  # answered with success false

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ms, 99)

    @property
    def worst(self) -> float:
        return max(self.samples_ms, default=float("nan"))

    def summary(self) -> dict[str, Any]:
        """The figures, without the samples."""
        return {
            "broker": self.broker,
            "updates": self.updates,
            "p50_ms": round(self.p50, 2),
            "p99_ms": round(self.p99, 2),
            "max_ms": round(self.worst, 2),
            "lost": self.lost,
            "refused": self.refused,
        }


def push_latency(workdir: Path, broker: str, updates: int) -> PushSeries:
    """``updates`` rounds of ``cmd/custom/temp``, each timed until its colour shows."""
    series = PushSeries(broker, updates)
    with Setup(workdir, broker == "defaults") as (renderer, probe):
        show_temp(renderer, probe)
        watcher = renderer.watcher
        probe.clear()
        for number in range(1, updates + 1):
            watcher.expect(marker(number))
            started = time.monotonic()
            probe.publish(f"{BASE}/cmd/custom/{APP}", temperature(number))
            seen = watcher.wait(ROUND_TIMEOUT)
            if seen is None:
                series.lost += 1
            else:
                series.samples_ms.append((seen - started) * 1000)
            time.sleep(random.uniform(0.02, 0.08))  # don't lock step with anything periodic
        probe.renderer_fence(BOARD)
        series.refused = sum(
            1
            for m in probe.messages
            if m.topic == f"{BASE}/response/custom" and not m.json().get("success")
        )
    return series


# --- (b) frame time -------------------------------------------------------------------


class FakeClock:
    """Monotonic seconds that advance only when told (one frame at a time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FrameRow:
    """Frame times of one board at one size."""

    size: str
    custom_apps: int
    mean_ms: float
    p99_ms: float
    worst_ms: float


def frame_board(
    folder: Path, width: int, height: int, others: int
) -> tuple[RenderEngine, FakeClock]:
    """A board showing :data:`SHOWN_APP` in its carousel, with ``others`` more custom apps
    (up to :data:`CAROUSEL_OTHERS` of them in the carousel too)."""
    clock = FakeClock()
    (folder / "assets").mkdir(parents=True, exist_ok=True)
    assets = AssetLibrary(folder / "assets")
    assets.load()
    assets.put(ICON, thermometer_png())
    engine = RenderEngine(EmulatorDriver(width, height), clock=clock)
    engine.add_frame_listener(PreviewPublisher(lambda _png: None, 10.0).on_frame)
    board = Board(
        engine,
        StateStore(folder),
        apps=discover_app_types(),
        assets=assets,
        context=AppContext(assets=assets),
        clock=clock,
    )
    board.restore(None)
    board.push_custom(APP, SHOWN_APP, "mqtt")
    names = [f"idle{index}" for index in range(others)]
    for index, name in enumerate(names):
        board.push_custom(name, idle_app(index), "mqtt")
    entries = [CarouselEntry(app=APP, duration=3600)]
    entries += [CarouselEntry(app=name, duration=10) for name in names[:CAROUSEL_OTHERS]]
    board.set_carousel(True, entries)
    if board.current_app != APP:
        raise RuntimeError(f"the carousel shows {board.current_app}, not {APP}")
    return engine, clock


def frame_block(engine: RenderEngine, clock: FakeClock, frames: int) -> list[float]:
    """Milliseconds of ``frames`` engine steps, 1/60 s of fake time apart."""
    samples = []
    for _ in range(frames):
        clock.now += 1 / 60
        started = time.perf_counter()
        engine.step()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def frame_times(folder: Path, frames: int, blocks: int = 10) -> list[FrameRow]:
    """One custom app against a full board, at each size; blocks of the two alternate."""
    rows = []
    for width, height in SIZES:
        boards = {
            count: frame_board(folder / f"{width}x{height}-{count}", width, height, count - 1)
            for count in (1, MAX_CUSTOM)
        }
        samples: dict[int, list[float]] = {count: [] for count in boards}
        for engine, clock in boards.values():
            frame_block(engine, clock, 100)  # warm-up: fonts, layout, the icon's decode
            settle = getattr(engine.app, "settle", None)
            if callable(settle):
                settle()
            frame_block(engine, clock, 100)
        for _ in range(blocks):
            for count, (engine, clock) in boards.items():
                samples[count] += frame_block(engine, clock, max(1, frames // blocks))
        for count, values in samples.items():
            rows.append(
                FrameRow(
                    f"{width}x{height}",
                    count,
                    sum(values) / len(values),
                    percentile(values, 99),
                    max(values),
                )
            )
            print(
                f"  {width}x{height}, {count:>3} custom app{'s' if count > 1 else ' '}: frame "
                f"mean {rows[-1].mean_ms:.3f} ms, p99 {rows[-1].p99_ms:.3f} ms, worst "
                f"{rows[-1].worst_ms:.3f} ms",
                flush=True,
            )
    return rows


# --- (c) burst ------------------------------------------------------------------------


def burst_message(index: int) -> tuple[str, dict[str, Any]]:
    """Message ``index`` of a burst: notifications and ``temp`` updates take turns (the
    last one, odd, is an update)."""
    if index % 2 == 0:
        return f"{BASE}/cmd/notify", {"text": f"Ding {index}", "rainbow": True, "duration": 60}
    return f"{BASE}/cmd/custom/{APP}", temperature(index // 2 + 1)


def send_burst(mqtt_url: str, count: int, seconds: float) -> dict[str, Any]:
    """Publish ``count`` burst messages evenly over ``seconds``; count the answers
    (child process: the renderer's process keeps its GIL)."""
    parsed = MqttUrl.parse(mqtt_url)
    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=f"bench-burst-{uuid.uuid4().hex[:6]}"
    )
    client.max_inflight_messages_set(count)
    answers: dict[str, Counter[str]] = {"custom": Counter(), "notify": Counter()}
    done = threading.Condition()
    subscribed = threading.Event()
    last = {"answer": 0.0, "count": 0}

    def on_message(_c: paho.Client, _u: object, message: paho.MQTTMessage) -> None:
        verb = message.topic.rsplit("/", 1)[-1]
        data = json.loads(message.payload)
        with done:
            answers[verb]["ok" if data.get("success") else str(data.get("code"))] += 1
            last["answer"], last["count"] = time.monotonic(), last["count"] + 1
            done.notify_all()

    client.on_message = on_message
    client.on_subscribe = lambda *_args: subscribed.set()
    client.on_connect = lambda c, *_: c.subscribe(
        [(f"{BASE}/response/custom", 1), (f"{BASE}/response/notify", 1)]
    )
    client.connect(parsed.host, parsed.port, keepalive=30)
    client.loop_start()
    if not subscribed.wait(10):
        raise RuntimeError("the burst sender could not subscribe")
    start = time.monotonic() + 0.05
    for index in range(count):
        delay = start + index * seconds / count - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        topic, payload = burst_message(index)
        client.publish(topic, json.dumps(payload), qos=1)
    sent_end = time.monotonic()
    with done:
        done.wait_for(lambda: last["count"] >= count, 60)
    client.disconnect()
    client.loop_stop()
    return {
        "started": start,
        "sent_end": sent_end,
        "last_answer": last["answer"],
        "answered": last["count"],
        "custom": dict(answers["custom"]),
        "notify": dict(answers["notify"]),
    }


@dataclass
class BurstFigures:
    """One burst on one broker configuration."""

    broker: str
    messages: int
    sent_seconds: float  # first to last publish
    caught_up_seconds: float  # first publish to the last answer
    answered: int
    custom: dict[str, int]
    notify: dict[str, int]
    period_ms: float
    quiet_max_gap_ms: float
    burst_max_gap_ms: float
    burst_frames: int
    queue_length: int  # state/notification's length after the burst
    last_kept: bool  # state and panel show the last update once the notifications are gone
    last_shown_ms: float  # last dismissal answered → its colour on the panel (< 0: before)

    @property
    def ok(self) -> bool:
        return (
            self.burst_max_gap_ms <= GAP_TARGET * self.period_ms
            and self.last_kept
            and self.queue_length == MAX_QUEUED
            and self.answered == self.messages
        )


def max_gap_ms(times: list[float], start: float, end: float) -> tuple[float, int]:
    """Longest gap between two frames shown within ``start``…``end`` (the first frame
    after ``end`` closes the last gap), and how many frames were shown there."""
    inside = [t for t in times if start <= t <= end]
    after = [t for t in times if t > end][:1]
    gaps = [b - a for a, b in itertools.pairwise(inside + after)]
    return max(gaps, default=float("nan")) * 1000, len(inside)


def dismiss(probe: MqttProbe) -> Any:
    """``cmd/notify/dismiss`` and its answer."""
    transaction = uuid.uuid4().hex
    probe.publish(f"{BASE}/cmd/notify/dismiss", {"transaction": transaction})
    return probe.wait_for(
        f"{BASE}/response/dismiss", lambda m: m.json().get("transaction") == transaction
    ).json()


def burst(workdir: Path, broker: str, count: int, seconds: float = 1.0) -> BurstFigures:
    """A held rainbow notification on show, a quiet second, then ``count`` messages."""
    setup = Setup(workdir, broker == "defaults")
    with setup as (renderer, probe):
        show_temp(renderer, probe)
        held = {"text": "Doorbell", "rainbow": True, "hold": True, "stack": False}
        reply = probe.request(BOARD, "notify", held)
        if not reply.get("success"):
            raise RuntimeError(f"cmd/notify refused: {reply}")
        watcher = renderer.watcher
        time.sleep(0.3)  # the notification's first frames
        watcher.recording = True
        quiet_start = time.monotonic()
        time.sleep(seconds)
        quiet, _ = max_gap_ms(watcher.shown, quiet_start, time.monotonic())
        out = workdir / "burst.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.custom",
                "--burst-send",
                setup.broker.url,
                str(count),
                str(seconds),
                str(out),
            ],
            check=True,
        )
        sent: dict[str, Any] = json.loads(out.read_text())
        watcher.recording = False
        gap, frames = max_gap_ms(watcher.shown, sent["started"], sent["last_answer"])
        state = probe.request(BOARD, "request_state", {})["state"]
        queue_length = int(state["notification"]["length"])
        last_number = (count - 1) // 2 + 1 if count > 1 else 0
        last = temperature(last_number)
        config = state["apps_list"]["instances"][APP]["config"]
        in_state = config["text"] == last["text"] and config["color"] == list(marker(last_number))
        watcher.expect(marker(last_number))
        for _ in range(queue_length + 1):
            dismissed = dismiss(probe)
        answered = time.monotonic()
        seen = watcher.wait(5.0)
        left = dismissed["state"]["notification"]
        last_kept = in_state and seen is not None and left["current"] is None
    return BurstFigures(
        broker=broker,
        messages=count,
        sent_seconds=sent["sent_end"] - sent["started"],
        caught_up_seconds=sent["last_answer"] - sent["started"],
        answered=sent["answered"],
        custom=sent["custom"],
        notify=sent["notify"],
        period_ms=MOVING_PERIOD * 1000,
        quiet_max_gap_ms=quiet,
        burst_max_gap_ms=gap,
        burst_frames=frames,
        queue_length=queue_length,
        last_kept=last_kept,
        last_shown_ms=(seen - answered) * 1000 if seen is not None else float("nan"),
    )


# --- together -------------------------------------------------------------------------


@dataclass
class CustomReport:
    """Every figure of this benchmark."""

    machine: str
    pushes: list[PushSeries]
    frames: list[FrameRow]
    bursts: list[BurstFigures]

    def to_json(self) -> dict[str, Any]:
        """Every figure as plain data (latency samples left out)."""
        return {
            "machine": self.machine,
            "pushes": [series.summary() for series in self.pushes],
            "frames": [asdict(row) for row in self.frames],
            "bursts": [asdict(b) for b in self.bursts],
        }


def print_push(series: PushSeries) -> None:
    """One line for a push series."""
    print(
        f"  broker {series.broker:<8} {series.updates} updates: on the panel p50 "
        f"{series.p50:.1f} ms, p99 {series.p99:.1f} ms, max {series.worst:.1f} ms; lost "
        f"{series.lost}, refused {series.refused}",
        flush=True,
    )


def print_burst(figures: BurstFigures) -> None:
    """Lines for a burst."""
    print(
        f"  broker {figures.broker:<8} {figures.messages} messages in "
        f"{figures.sent_seconds:.2f} s, all answered after {figures.caught_up_seconds:.2f} s "
        f"({figures.answered} answers); custom {figures.custom}, notify {figures.notify}\n"
        f"    frames: longest gap {figures.burst_max_gap_ms:.1f} ms over "
        f"{figures.burst_frames} frames (quiet second before: {figures.quiet_max_gap_ms:.1f} "
        f"ms; period {figures.period_ms:.1f} ms); queue {figures.queue_length}; last update "
        f"{'kept and shown' if figures.last_kept else 'NOT kept'} "
        f"(on the panel {figures.last_shown_ms:+.1f} ms from the last dismissal's answer, "
        "which waits for the save)",
        flush=True,
    )


def run(
    updates: int = 300,
    frames: int = 3000,
    count: int = 1000,
    brokers: Sequence[str] = BROKERS,
) -> CustomReport:
    """Measure everything; prints as it goes."""
    workdir = Workdir("bench-custom-")
    failed = True
    try:
        print(f"\ncustom-app update on MQTT → on the panel ({updates} updates)")
        pushes = []
        for broker in brokers:
            pushes.append(push_latency(workdir.path / f"push-{broker}", broker, updates))
            print_push(pushes[-1])
        print(f"\nframe time, 1 custom app against {MAX_CUSTOM} ({frames} frames each)")
        rows = frame_times(workdir.path / "frames", frames)
        print(f"\na burst of {count} notify/custom messages in one second")
        bursts = []
        for broker in brokers:
            bursts.append(burst(workdir.path / f"burst-{broker}", broker, count))
            print_burst(bursts[-1])
        failed = False
    finally:
        workdir.close(failed)
    return CustomReport(describe_machine(), pushes, rows, bursts)


def table_rows(report: CustomReport) -> list[str]:
    """Rows for the Markdown table of docs/performance.md (and ``python -m bench``)."""
    rows = []
    for series in report.pushes:
        rows.append(
            f"| custom app update `cmd/custom/<name>` → on the panel, broker {series.broker} "
            f"({series.updates} updates) | p50 {ms(series.p50)}, p99 {ms(series.p99)}, max "
            f"{ms(series.worst)}; lost {series.lost} | p99 ≤ {LATENCY_P99_TARGET_MS:g} ms | "
            f"{verdict(series.p99 <= LATENCY_P99_TARGET_MS and series.lost == 0)} |"
        )
    by_size: dict[str, dict[int, FrameRow]] = {}
    for row in report.frames:
        by_size.setdefault(row.size, {})[row.custom_apps] = row
    for size, pair in by_size.items():
        one, full = pair[1], pair[MAX_CUSTOM]
        mean_ratio, p99_ratio = full.mean_ms / one.mean_ms, full.p99_ms / one.p99_ms
        rows.append(
            f"| frame time at {size}, 1 vs {MAX_CUSTOM} custom apps | mean {one.mean_ms:.3f} / "
            f"{full.mean_ms:.3f} ms (×{mean_ratio:.2f}), p99 {one.p99_ms:.3f} / "
            f"{full.p99_ms:.3f} ms (×{p99_ratio:.2f}) | unchanged (≤ ×{FRAME_RATIO_TARGET:g}) | "
            f"{verdict(max(mean_ratio, p99_ratio) <= FRAME_RATIO_TARGET)} |"
        )
    for b in report.bursts:
        accepted = b.notify.get("ok", 0)
        refused = sum(v for k, v in b.notify.items() if k != "ok")
        rows.append(
            f"| burst of {b.messages} notify/custom messages in {b.sent_seconds:.2f} s, broker "
            f"{b.broker} | longest frame gap {b.burst_max_gap_ms:.1f} ms = "
            f"{b.burst_max_gap_ms / b.period_ms:.2f}× the {b.period_ms:.1f} ms period (quiet: "
            f"{b.quiet_max_gap_ms:.1f} ms); notifications {accepted} queued, {refused} refused "
            f"({', '.join(f'{k} {v}' for k, v in b.notify.items() if k != 'ok') or 'none'}); "
            f"custom updates {b.custom.get('ok', 0)} of {b.messages // 2} done; "
            f"queue {b.queue_length}; last update {'kept' if b.last_kept else '**lost**'}; "
            f"answered after {b.caught_up_seconds:.2f} s | gap ≤ {GAP_TARGET:g}× period, "
            f"last state kept | {verdict(b.ok)} |"
        )
    return rows


def main() -> None:
    """Entry point of ``python -m bench.custom``."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=300, help="updates per broker")
    parser.add_argument("--frames", type=int, default=3000, help="frames per board and size")
    parser.add_argument("--burst", type=int, default=1000, help="messages in the burst")
    parser.add_argument("--brokers", type=parse_brokers, default=list(BROKERS))
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--burst-send", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.burst_send:
        url, count, seconds, out = args.burst_send
        Path(out).write_text(json.dumps(send_burst(url, int(count), float(seconds))))
        return
    print(f"machine: {describe_machine()}")
    report = run(args.updates, args.frames, args.burst, args.brokers)
    print("\n| measure | figure | target | verdict |\n|---|---|---|---|")
    print("\n".join(table_rows(report)))
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_json(), indent=2))


if __name__ == "__main__":
    main()
