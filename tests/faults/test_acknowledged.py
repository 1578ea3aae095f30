"""Nothing acknowledged is lost (issue 17): a burst of 50 changes a second over REST,
``kill -9`` of the renderer at a random moment, a restart, and the board comes back
with the last acknowledged change of each kind, or a later one that was in flight.

Twenty rounds share one broker and one api; only the renderer dies. The kill moment is
drawn from a seeded random generator (the seed is printed; ``RETROBOARD_FAULT_SEED``
replays one run).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
import requests

from tests.faults.stack import RECOVERY
from tests.support.stack import BOARD, Stack, start_stack, stop_stack, wait_until

pytestmark = pytest.mark.integration

ROUNDS = 20
RATE = 25.0
"""Changes a second per sender; two senders (brightness and app config) make 50."""
BASELINE = 100
"""Brightness acknowledged before each burst, which never sends it."""


@dataclass
class Sender:
    """Sends strictly new values of one setting at a fixed rate until told to stop or
    the api refuses one, and records which were acknowledged with a 200."""

    url: str
    path: str
    body: Any  # value -> JSON body
    values: list[Any]
    sent: list[Any] = field(default_factory=list)
    acknowledged: list[Any] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with requests.Session() as http:
            due = time.monotonic()
            for value in self.values:
                if self.stop.is_set():
                    return
                self.sent.append(value)
                try:
                    response = http.post(self.url + self.path, json=self.body(value), timeout=5)
                except requests.RequestException:
                    return
                if response.status_code != 200:
                    return  # the renderer is gone: 503 offline or 504 no answer
                self.acknowledged.append(value)
                due += 1 / RATE
                self.stop.wait(max(0.0, due - time.monotonic()))

    def allowed(self, before: Any) -> list[Any]:
        """The last acknowledged value (``before`` if none) and every later one sent."""
        if not self.acknowledged:
            return [before, *self.sent]
        return self.sent[self.sent.index(self.acknowledged[-1]) :]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    instance = start_stack(tmp_path_factory.mktemp("acknowledged"))
    yield instance
    stop_stack(instance)


def saved(stack: Stack) -> dict[str, Any]:
    """The state file the restarted renderer wrote from what it restored."""
    data: dict[str, Any] = json.loads((stack.workdir / f"state-{BOARD}" / "state.json").read_text())
    return data


def served(stack: Stack) -> tuple[int, str]:
    """Brightness and scroll text as REST serves them."""
    brightness = stack.get("/api/settings").json()["brightness"]
    text = stack.get("/api/apps/scroll_text/config").json()["config"]["text"]
    return int(brightness), str(text)


def served_is(stack: Stack, expected: tuple[int, str]) -> bool:
    """Whether REST serves ``expected`` (the api's cache follows the restarted renderer)."""
    return served(stack) == expected


def test_nothing_acknowledged_is_lost_to_kill_9(stack: Stack) -> None:
    seed = int(os.environ.get("RETROBOARD_FAULT_SEED", time.time_ns() % 1_000_000))
    print(f"RETROBOARD_FAULT_SEED={seed}")
    rng = random.Random(seed)
    bursts_hit = 0
    for round_ in range(ROUNDS):
        before_text = f"r{round_}-start"
        assert stack.post("/api/settings", json={"brightness": BASELINE}).status_code == 200
        config = stack.post("/api/apps/scroll_text/config", json={"text": before_text})
        assert config.status_code == 200, config.text
        senders = [
            Sender(stack.url, "/api/settings", lambda v: {"brightness": v}, list(range(0, 100))),
            Sender(
                stack.url,
                "/api/apps/scroll_text/config",
                lambda v: {"text": v},
                [f"r{round_}-{n}" for n in range(100)],
            ),
        ]
        threads = [threading.Thread(target=sender.run, daemon=True) for sender in senders]
        for thread in threads:
            thread.start()
        # Mostly inside the save delay (1 s), where only the journal has the changes.
        kill_after = rng.uniform(0.2, 1.6)
        time.sleep(kill_after)  # the random moment of the fault, not a wait for a result
        stack.renderer.kill()
        for sender in senders:
            sender.stop.set()
        for thread in threads:
            thread.join(10)
        stack.renderer.start()
        wait_until(stack.board_online, timeout=RECOVERY, what=f"round {round_}: renderer back")

        brightness_ok = senders[0].allowed(BASELINE)
        text_ok = senders[1].allowed(before_text)
        on_disk = saved(stack)
        restored = (on_disk["brightness"], on_disk["configs"]["scroll_text"]["text"])
        context = (
            f"seed {seed}, round {round_}, kill after {kill_after:.2f} s: restored {restored}, "
            f"acknowledged {senders[0].acknowledged[-1:]} {senders[1].acknowledged[-1:]}, "
            f"allowed {brightness_ok} {text_ok}\n{stack.logs()}"
        )
        assert restored[0] in brightness_ok and restored[1] in text_ok, context
        wait_until(partial(served_is, stack, restored), timeout=RECOVERY, what=context)
        bursts_hit += len(senders[0].acknowledged) > 1
    # The kills must have hit bursts, or the test proves nothing.
    assert bursts_hit >= ROUNDS // 2
    assert (stack.workdir / f"state-{BOARD}" / "state.journal").exists()  # it was used
