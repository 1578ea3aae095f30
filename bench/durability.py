"""What saving before answering costs (issue 17).

    .venv/bin/python -m bench.durability                 # REST figures + modelled SD card
    .venv/bin/python -m bench.durability --rounds 40 --delays 5,20 --no-rest

Two parts:

``rest``   the real stack (a private Mosquitto, ``retroboard-renderer`` on the emulator,
           ``retroboard-api`` under gunicorn), state on this machine's disk. ``lone``:
           ``POST /api/settings`` with a new brightness, each after a pause longer
           than the renderer's save delay, so each is written to ``state.json`` at once
           (the path of a single click). ``burst``: the same requests back to back, so
           all but the first go through the journal and its group commit.
``store``  :class:`StateStore` in this process, with ``os.fsync`` and ``os.fdatasync``
           wrapped by a sleep of each ``--delays`` milliseconds to model an SD card
           (this machine has no dm-delay). ``lone``: the time of ``save()`` (temp file,
           fsync, rename, directory fsync). ``journal``: from ``save()`` of a burst
           change until its answer may go (append, ``fdatasync``, a thread hop).
           ``50/s``: a slider dragged at 50 changes a second for ``--seconds``: answer
           delay p50/p99 and how many ``fdatasync`` calls it took. ``flood``: 500
           changes as fast as one thread can send them.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from bench.figures import percentile
from bench.machine import describe_machine
from retroboard_renderer.state import SavedState
from retroboard_renderer.store import StateStore
from tests.support.mosquitto import MosquittoBroker, free_port
from tests.support.stack import api_process, renderer_process
from tests.support.waiting import wait_until

SAVE_DELAY = 0.2
"""The renderer's save delay in the REST part (shorter than the default 1 s, so lone
commands can be spaced closely; the paths are the same)."""


def summary(name: str, seconds: list[float], extra: str = "") -> str:
    """One printed line: p50 and p99 in milliseconds."""
    p50, p99 = percentile(seconds, 50) * 1000, percentile(seconds, 99) * 1000
    return f"  {name:<28} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   n={len(seconds)} {extra}"


# --- REST against the real stack ---------------------------------------------------


def rest(rounds: int) -> None:
    """Lone and back-to-back ``POST /api/settings`` through the real stack."""
    with tempfile.TemporaryDirectory(prefix="bench-durability-") as folder:
        workdir = Path(folder)
        (workdir / "dist").mkdir()
        (workdir / "dist" / "index.html").write_text("<!doctype html><title>RetroBoard</title>")
        broker = MosquittoBroker(workdir / "mosquitto")
        broker.start()
        renderer = renderer_process(broker, workdir)
        renderer.env["RETROBOARD_SAVE_DELAY"] = str(SAVE_DELAY)
        port = free_port()
        api = api_process(broker, workdir, port)
        url = f"http://127.0.0.1:{port}"
        http = requests.Session()
        try:
            renderer.start()
            api.start()
            wait_until(
                lambda: http.get(f"{url}/api/health").json()["boards"]["test"]["online"],
                what="stack ready",
                ignoring=(requests.RequestException, KeyError),
            )

            def post(brightness: int) -> float:
                started = time.perf_counter()
                response = http.post(f"{url}/api/settings", json={"brightness": brightness})
                took = time.perf_counter() - started
                response.raise_for_status()
                return took

            for brightness in range(5):  # warm up connections and code paths
                post(brightness)
            lone = []
            for n in range(rounds):
                time.sleep(SAVE_DELAY * 1.5)  # nothing written within the save delay
                lone.append(post(10 + n % 80))
            time.sleep(SAVE_DELAY * 1.5)
            burst = [post(10 + n % 80) for n in range(rounds)]
            print(f"rest (state on {folder}, the machine's disk):")
            print(summary("lone POST /api/settings", lone))
            print(summary("burst POST /api/settings", burst))
        finally:
            http.close()
            api.stop()
            renderer.stop()
            broker.kill()


# --- the store with a modelled slow disk --------------------------------------------


@contextmanager
def slow_sync(delay: float) -> Iterator[None]:
    """Wrap ``os.fsync`` and ``os.fdatasync`` with a sleep of ``delay`` seconds."""
    fsync, fdatasync = os.fsync, os.fdatasync

    def wrap(real: Callable[[Any], None]) -> Callable[[Any], None]:
        def synced(fd: Any) -> None:
            time.sleep(delay)
            real(fd)

        return synced

    # setattr: the store and the journal call os.fsync / os.fdatasync through the module.
    setattr(os, "fsync", wrap(fsync))  # noqa: B010
    setattr(os, "fdatasync", wrap(fdatasync))  # noqa: B010
    try:
        yield
    finally:
        setattr(os, "fsync", fsync)  # noqa: B010
        setattr(os, "fdatasync", fdatasync)  # noqa: B010


class Answer:
    """When one change was saved, and when its answer could go."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.at: float | None = None
        self.done = threading.Event()

    def __call__(self) -> None:
        self.at = time.perf_counter()
        self.done.set()

    @property
    def delay(self) -> float:
        """Seconds from ``save()`` to the answer (waits for it, at most 10 s)."""
        self.done.wait(10)
        return (self.at or math.inf) - self.started


def answered_after(store: StateStore, brightness: int) -> Answer:
    """``save()`` one change and ask for its answer."""
    answer = Answer()
    store.save(SavedState(brightness=brightness))
    store.after_saved(answer)
    return answer


def store_figures(delay_ms: float, rounds: int, seconds: float) -> None:
    """Lone, journal, 50/s and flood figures with a sync delay of ``delay_ms``."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-durability-") as folder,
        slow_sync(delay_ms / 1000),
    ):
        print(f"store, fsync/fdatasync + {delay_ms:g} ms (modelled):")
        lone_store = StateStore(Path(folder) / "lone", save_delay=0)
        lone = []
        for n in range(rounds):
            started = time.perf_counter()
            lone_store.save(SavedState(brightness=n % 100))
            lone.append(time.perf_counter() - started)
        print(summary("lone save (state.json)", lone))

        store = StateStore(Path(folder) / "burst", save_delay=3600)
        store.save(SavedState(brightness=0))  # the lone first write; the rest is journal
        journal = []
        for n in range(rounds):
            journal.append(answered_after(store, 1 + n % 99).delay)
        print(summary("journal commit (one change)", journal))

        for name, interval, count in (
            ("50/s", 1 / 50, int(50 * seconds)),
            ("flood", 0.0, 500),
        ):
            store = StateStore(Path(folder) / name, save_delay=3600)
            store.save(SavedState(brightness=0))
            commits = store.commits
            answers = []
            due = time.perf_counter()
            for n in range(count):
                answers.append(answered_after(store, 1 + n % 99))
                due += interval
                if interval:
                    time.sleep(max(0.0, due - time.perf_counter()))
            delays = [answer.delay for answer in answers]
            syncs = store.commits - commits
            print(summary(f"{name} answer delay", delays, f"{count} changes, {syncs} fdatasync"))


def main(argv: list[str] | None = None) -> None:
    """Run the chosen parts and print their figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.durability")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--delays", default="0,5,20", help="modelled sync delays, ms")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of the 50/s burst")
    parser.add_argument("--no-rest", action="store_true", help="skip the real-stack part")
    args = parser.parse_args(argv)
    print(describe_machine())
    if not args.no_rest:
        rest(args.rounds)
    for delay in args.delays.split(","):
        store_figures(float(delay), args.rounds, args.seconds)


if __name__ == "__main__":
    main()
