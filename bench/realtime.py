"""Pixel streams benchmark: the renderer's CPU, frames lost and latency under DDP.

    .venv/bin/python -m bench.realtime [--seconds 10] [--fps 60]

Three figures, each against its target (issue 16, "Numbers"):

- CPU: a real ``retroboard-renderer`` (emulator display, a private Mosquitto) takes a
  DDP stream at 64x32 and at 256x128; its CPU time over the run divided by the wall
  time (psutil), after a second of warm-up. The same 256x128 stream is then sent with
  realtime switched off (``cmd/realtime {"enabled": false}`` over MQTT).
- Loss and latency: in this process, a :class:`RealtimeReceiver` feeding a
  :class:`RealtimeSession` on a :class:`RenderEngine` running its thread with an
  emulator driver. A frame listener timestamps every frame shown and reads the frame
  number the sender put in the first pixel; latency is "last packet of the frame
  sent" to "frame shown" (``time.monotonic`` is one clock for every process on Linux).

The DDP sender is always a child process (``--send``), as a real sender would be on
another machine: it does not share this process's GIL. It follows the 3waylabs DDP
spec: a 10-byte header (flags 0x40 version 1, 0x01 push on a frame's last packet;
sequence; data type 0x0B RGB 8-bit; destination 1; offset and length big-endian) and
at most 1440 data bytes per packet.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import pstats
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.machine import describe_machine
from bench.stack import BOARD, SERVICE_ENV, Workdir, cpu_seconds
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.realtime import RealtimePorts, RealtimeReceiver, StreamFrame
from retroboard_renderer.stream import RealtimeSession
from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.realtime_senders import ddp_packets
from tests.support.waiting import wait_until

SMALL = (64, 32)
LARGE = (256, 128)
# MATRIX_ROWS is at most 64: 256x128 is two chained 128x64 panels on two parallel chains.
MATRIX_ENV = {
    SMALL: {"MATRIX_ROWS": "32", "MATRIX_COLS": "64"},
    LARGE: {
        "MATRIX_ROWS": "64",
        "MATRIX_COLS": "128",
        "MATRIX_CHAIN_LENGTH": "2",
        "MATRIX_PARALLEL": "2",
    },
}
SMALL_CPU_TARGET = 3.0  # % of one core, 64x32 at 60 fps
LARGE_CPU_TARGET = 15.0  # % of one core, 256x128 at 60 fps
OFF_CPU_TARGET = 1.0  # % of one core, the same 256x128 stream with realtime off
P99_TARGET_MS = 5.0  # last packet sent -> frame shown
WARM_UP = 1.0  # seconds of stream before the CPU is counted


# --- the sender (a child process) -------------------------------------------------


def stamped_frame(base: npt.NDArray[np.uint8], number: int) -> bytes:
    """``base`` with ``number`` in the first pixel (R, G, B = its three bytes)."""
    frame = base.copy()
    frame[0, 0] = (number >> 16 & 0xFF, number >> 8 & 0xFF, number & 0xFF)
    return frame.tobytes()


def frame_number(frame: Frame) -> int:
    """The number :func:`stamped_frame` wrote into ``frame``."""
    red, green, blue = (int(v) for v in frame[0, 0])
    return red << 16 | green << 8 | blue


def send_stream(
    host: str, port: int, width: int, height: int, fps: float, seconds: float
) -> dict[str, Any]:
    """Send ``seconds`` of a ``fps`` DDP stream; the send time of each frame's last packet.

    Frames change every time (a moving gradient), each is sent as one burst on its
    due time; a late frame is sent at once, never skipped.
    """
    rows = np.arange(height, dtype=np.uint16)[:, None]
    cols = np.arange(width, dtype=np.uint16)[None, :]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    target = (host, port)
    count = max(1, round(fps * seconds))
    sent: list[float] = []
    packets = 0
    # Frame numbers start at 1: an all-black frame reads as 0.
    start = time.monotonic() + 0.05
    for index in range(count):
        number = index + 1
        base = np.empty((height, width, 3), dtype=np.uint8)
        base[..., 0] = (cols + number) % 256
        base[..., 1] = (rows * 2 + number) % 256
        base[..., 2] = (cols + rows + number * 3) % 256
        frame_packets = ddp_packets(stamped_frame(base, number), sequence=number % 15 + 1)
        delay = start + index / fps - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        for packet in frame_packets:
            sock.sendto(packet, target)
        sent.append(time.monotonic())
        packets += len(frame_packets)
    sock.close()
    wall = sent[-1] - start if len(sent) > 1 else 0.0
    return {"sent": sent, "packets": packets, "fps": (len(sent) - 1) / wall if wall else 0.0}


def start_sender(
    port: int, width: int, height: int, fps: float, seconds: float, out: Path
) -> subprocess.Popen[bytes]:
    """``python -m bench.realtime --send …`` writing its report to ``out``."""
    args = ["127.0.0.1", port, width, height, fps, seconds, out]
    return subprocess.Popen(
        [sys.executable, "-m", "bench.realtime", "--send", *(str(a) for a in args)]
    )


def sender_report(process: subprocess.Popen[bytes], out: Path) -> dict[str, Any]:
    """Wait for the sender and read what it wrote."""
    if process.wait(timeout=600) != 0:
        raise RuntimeError(f"the DDP sender failed ({process.returncode})")
    report: dict[str, Any] = json.loads(out.read_text())
    return report


# --- CPU: the real renderer process ------------------------------------------------


@dataclass
class CpuRun:
    """The renderer's CPU share while one stream came in."""

    size: str
    realtime: bool
    fps: float
    seconds: float
    packets_per_second: float
    cpu_percent: float
    idle_cpu_percent: float  # the same renderer before the stream, showing its app


class RendererUnderTest:
    """Mosquitto and a ``retroboard-renderer`` with the emulator, streams on free ports."""

    def __init__(self, workdir: Path, width: int, height: int) -> None:
        self.broker = MosquittoBroker(workdir / "mosquitto")
        env = {
            **SERVICE_ENV,
            **MATRIX_ENV[(width, height)],
            "MQTT_URL": self.broker.url,
            "RETROBOARD_BOARD_ID": BOARD,
            "RETROBOARD_LOG_LEVEL": "INFO",  # the "pixel streams: DDP on udp/N" line
            "RETROBOARD_STATE_DIR": str(workdir / "state"),
            "RETROBOARD_DISPLAY": "emulator",
            "RETROBOARD_REALTIME_BIND": "127.0.0.1",
            "RETROBOARD_REALTIME_DDP_PORT": "0",
            "RETROBOARD_REALTIME_E131_PORT": "0",
            "RETROBOARD_REALTIME_ARTNET_PORT": "0",
        }
        self.service = ServiceProcess("retroboard-renderer", [], env, workdir / "renderer.log")
        self.probe = MqttProbe(self.broker.url, f"retroboard/{BOARD}/#")
        self.ddp_port = 0

    @property
    def pid(self) -> int:
        """The renderer's process id."""
        assert self.service.process is not None
        return self.service.process.pid

    def start(self) -> RendererUnderTest:
        """Start both; return once the renderer is online and listens for DDP."""
        self.broker.start()
        self.service.start()
        self.probe.start()

        def listening() -> int:
            if not self.service.running:
                raise RuntimeError("the renderer exited at start")
            found = re.search(r"pixel streams: DDP on udp/(\d+)", self.service.output())
            return int(found.group(1)) if found else 0

        self.ddp_port = wait_until(listening, 30, "the renderer listening for DDP")
        self.probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", 30)
        return self

    def set_realtime(self, enabled: bool) -> None:
        """``cmd/realtime`` and wait for its answer."""
        reply = self.probe.request(BOARD, "realtime", {"enabled": enabled})
        if reply.get("ok") is False or "code" in reply:
            raise RuntimeError(f"cmd/realtime refused: {reply}")

    def cpu_share(self, seconds: float) -> float:
        """% of one core the renderer uses over the next ``seconds``."""
        cpu, wall = cpu_seconds([self.pid]), time.monotonic()
        time.sleep(seconds)
        return (cpu_seconds([self.pid]) - cpu) / (time.monotonic() - wall) * 100

    def stop(self) -> None:
        """Stop the probe, the renderer and the broker."""
        self.probe.stop()
        self.service.stop()
        self.broker.stop()


def measure_cpu(
    renderer: RendererUnderTest, size: tuple[int, int], fps: float, seconds: float, out: Path
) -> tuple[float, float]:
    """CPU share over ``seconds`` of a stream (after the warm-up), and packets/s sent."""
    sender = start_sender(renderer.ddp_port, *size, fps, seconds + WARM_UP + 0.5, out)
    time.sleep(WARM_UP)
    cpu = renderer.cpu_share(seconds)
    report = sender_report(sender, out)
    rate = report["packets"] / (report["sent"][-1] - report["sent"][0] + 1 / fps)
    return cpu, rate


def cpu_runs(fps: float, seconds: float, workdir: Path) -> list[CpuRun]:
    """The three CPU runs: 64x32, 256x128, 256x128 with realtime off."""
    runs = []
    for size in (SMALL, LARGE):
        renderer = RendererUnderTest(workdir / f"{size[0]}x{size[1]}", *size).start()
        try:
            time.sleep(0.5)  # let the start-up settle before the idle figure
            idle = renderer.cpu_share(min(seconds, 3.0))
            cpu, rate = measure_cpu(renderer, size, fps, seconds, workdir / "sent.json")
            label = f"{size[0]}x{size[1]}"
            runs.append(CpuRun(label, True, fps, seconds, rate, cpu, idle))
            print_cpu(runs[-1])
            if size == LARGE:
                renderer.set_realtime(False)
                # The app is back on the panel: its own idle figure first.
                time.sleep(0.5)
                idle_off = renderer.cpu_share(min(seconds, 3.0))
                cpu, rate = measure_cpu(renderer, size, fps, seconds, workdir / "sent.json")
                runs.append(CpuRun(label, False, fps, seconds, rate, cpu, idle_off))
                print_cpu(runs[-1])
        finally:
            renderer.stop()
    return runs


def print_cpu(run: CpuRun) -> None:
    """One line for a CPU run."""
    state = "on " if run.realtime else "off"
    print(
        f"{run.size:>8} realtime {state} {run.fps:4.0f} fps {run.packets_per_second:7.0f} pkt/s "
        f"renderer CPU {run.cpu_percent:6.2f} % (idle before {run.idle_cpu_percent:.2f} %)",
        flush=True,
    )


# --- loss and latency: in this process ------------------------------------------------


@dataclass
class LatencyRun:
    """Frames sent, frames shown, and last packet sent -> shown."""

    size: str
    fps: float
    sent: int
    shown: int
    lost: int
    datagrams_sent: int
    datagrams_received: int
    dropped: dict[str, int] = field(default_factory=dict)
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    # Last packet sent -> the receiver handed the frame over (before the render thread).
    received_p99_ms: float = math.nan
    handed_over: int = 0  # frames the receiver completed (a frame lost after is the engine's)
    lost_frames: list[int] = field(default_factory=list)  # the first few numbers lost


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0-1) percentile, nearest rank; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def profiled(
    run_thread: Callable[[], None], profiles: list[cProfile.Profile]
) -> Callable[[], None]:
    """``run_thread`` under its own profiler, kept in ``profiles`` (one per thread)."""

    def wrapper() -> None:
        profiler = cProfile.Profile()
        profiles.append(profiler)
        profiler.runcall(run_thread)

    return wrapper


def latency_run(
    size: tuple[int, int], fps: float, seconds: float, workdir: Path, profile: Path | None
) -> LatencyRun:
    """Receiver, session and engine here; the sender in a child process."""
    width, height = size
    engine = RenderEngine(EmulatorDriver(width, height))
    session = RealtimeSession(engine, timeout=2.0)
    shown: dict[int, float] = {}
    received: dict[int, float] = {}

    def on_shown(frame: Frame) -> None:
        now = time.monotonic()
        number = frame_number(frame)
        if number and number not in shown:
            shown[number] = now

    def on_frame(frame: StreamFrame) -> None:
        received.setdefault(frame_number(frame.pixels), time.monotonic())
        session.show(frame.pixels, frame.protocol, frame.source)

    engine.add_frame_listener(on_shown)
    receiver = RealtimeReceiver(
        width,
        height,
        ports=RealtimePorts(0, 0, 0),
        bind="127.0.0.1",
        on_frame=on_frame,
        multicast=False,
    )
    session.attach(receiver)
    profiles: list[cProfile.Profile] = []
    if profile:
        # cProfile follows one thread: profile the receiver's and the render thread.
        receiver._run = profiled(receiver._run, profiles)  # type: ignore[method-assign]
        engine._run = profiled(engine._run, profiles)  # type: ignore[method-assign]
    receiver.start()
    engine.start()
    out = workdir / "latency.json"
    try:
        sender = start_sender(receiver.ports.ddp, width, height, fps, seconds, out)
        report = sender_report(sender, out)
        # The last frame may still be on its way to the panel; a lost one never comes.
        deadline = time.monotonic() + 1.0
        while len(shown) < len(report["sent"]) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        receiver.stop()
        engine.stop()
    if profile and profiles:
        stats = pstats.Stats(profiles[0])
        for other in profiles[1:]:
            stats.add(other)
        stats.dump_stats(profile)
    sent_times: list[float] = report["sent"]
    latencies = [
        (shown[number] - sent_at) * 1000
        for number, sent_at in enumerate(sent_times, start=1)
        if number in shown
    ]
    counters = receiver.stats
    return LatencyRun(
        size=f"{width}x{height}",
        fps=report["fps"],
        sent=len(sent_times),
        shown=len(latencies),
        lost=len(sent_times) - len(latencies),
        datagrams_sent=report["packets"],
        datagrams_received=counters.received,
        dropped=counters.dropped,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies, default=math.nan),
        handed_over=len(received),
        lost_frames=[n for n in range(1, len(sent_times) + 1) if n not in shown][:10],
        received_p99_ms=percentile(
            [(received[n] - at) * 1000 for n, at in enumerate(sent_times, 1) if n in received],
            0.99,
        ),
    )


def print_latency(run: LatencyRun) -> None:
    """One line for the loss and latency run."""
    print(
        f"{run.size:>8} {run.fps:4.1f} fps: sent {run.sent} frames ({run.datagrams_sent} "
        f"datagrams), handed over {run.handed_over}, shown {run.shown}, lost {run.lost} "
        f"{run.lost_frames or ''}; datagrams received "
        f"{run.datagrams_received}, dropped {run.dropped or 'none'}; last packet -> shown "
        f"p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms, max {run.max_ms:.2f} ms "
        f"(to the receiver's hand-over: p99 {run.received_p99_ms:.2f} ms)",
        flush=True,
    )


# --- together -----------------------------------------------------------------------


@dataclass
class RealtimeReport:
    """Every figure of this benchmark."""

    machine: str
    load: float  # the 1-minute load average at the end: other work on the machine
    cpu: list[CpuRun]
    latency: LatencyRun

    def find(self, size: str, realtime: bool) -> CpuRun | None:
        """The CPU run at ``size`` with realtime on or off, if measured."""
        return next((r for r in self.cpu if r.size == size and r.realtime == realtime), None)

    def to_json(self) -> dict[str, Any]:
        """Every figure as plain data."""
        return asdict(self)


def run(seconds: float = 10.0, fps: float = 60.0, profile: Path | None = None) -> RealtimeReport:
    """CPU runs, then the loss and latency run; prints as it goes."""
    workdir = Workdir("bench-realtime-")
    failed = True
    try:
        print(f"\nrenderer CPU under a DDP stream, % of one core ({seconds:g} s each)")
        cpu = cpu_runs(fps, seconds, workdir.path)
        print(f"\nframes lost and latency, in-process ({seconds:g} s)")
        lat = latency_run(LARGE, fps, seconds, workdir.path, profile)
        print_latency(lat)
        failed = False
    finally:
        workdir.close(failed)
    load = os.getloadavg()[0]
    print(f"load average (1 min) at the end: {load:.2f}")
    return RealtimeReport(describe_machine(), load, cpu, lat)


def table_rows(report: RealtimeReport) -> list[str]:
    """Rows for the Markdown table of docs/performance.md (and ``python -m bench``)."""

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    rows = []
    small = report.find("64x32", True)
    large = report.find("256x128", True)
    off = report.find("256x128", False)
    if small:
        rows.append(
            f"| DDP 64x32 at {small.fps:.0f} fps ({small.packets_per_second:.0f} packets/s), "
            f"renderer CPU | {small.cpu_percent:.2f} % of a core (app alone "
            f"{small.idle_cpu_percent:.2f} %) | ≤ {SMALL_CPU_TARGET:g} % | "
            f"{verdict(small.cpu_percent <= SMALL_CPU_TARGET)} |"
        )
    if large:
        rows.append(
            f"| DDP 256x128 at {large.fps:.0f} fps ({large.packets_per_second:.0f} packets/s), "
            f"renderer CPU | {large.cpu_percent:.2f} % of a core (app alone "
            f"{large.idle_cpu_percent:.2f} %) | ≤ {LARGE_CPU_TARGET:g} % | "
            f"{verdict(large.cpu_percent <= LARGE_CPU_TARGET)} |"
        )
    lat = report.latency
    rows.append(
        f"| DDP 256x128 at {lat.fps:.0f} fps on loopback: frames lost | {lat.lost} of "
        f"{lat.sent} | 0 | {verdict(lat.lost == 0)} |"
    )
    rows.append(
        f"| DDP 256x128: last packet sent → frame shown | p50 {lat.p50_ms:.2f} ms, p99 "
        f"{lat.p99_ms:.2f} ms, max {lat.max_ms:.2f} ms | p99 ≤ {P99_TARGET_MS:g} ms | "
        f"{verdict(lat.p99_ms <= P99_TARGET_MS)} |"
    )
    if off:
        rows.append(
            f"| DDP 256x128 at {off.fps:.0f} fps with realtime off, renderer CPU | "
            f"{off.cpu_percent:.2f} % of a core (app alone {off.idle_cpu_percent:.2f} %) | "
            f"≤ {OFF_CPU_TARGET:g} % | {verdict(off.cpu_percent <= OFF_CPU_TARGET)} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    parser.add_argument("--fps", type=float, default=60.0, help="frames per second sent")
    parser.add_argument(
        "--profile",
        type=Path,
        help="cProfile the in-process run (receiver and render threads) into this file; "
        "its latencies then include the profiler's overhead",
    )
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--send", nargs=7, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.send:
        host, port, width, height, fps, seconds, out = args.send
        sent = send_stream(host, int(port), int(width), int(height), float(fps), float(seconds))
        Path(out).write_text(json.dumps(sent))
        return

    print(f"machine: {describe_machine()}")
    report = run(args.seconds, args.fps, args.profile)
    print("\n| measure | figure | target | verdict |\n|---|---|---|---|")
    print("\n".join(table_rows(report)))
    if args.profile:
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(25)
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_json(), indent=2))


if __name__ == "__main__":
    main()
