"""Persistence: atomic, debounced, only on change, survives corruption and crashes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retroboard_renderer.state import SavedState
from retroboard_renderer.store import StateStore
from tests.support.fake_clock import FakeClock


def state(brightness: int) -> SavedState:
    return SavedState(current_app="clock", brightness=brightness)


def saved_brightness(folder: Path) -> int:
    """The brightness in the state file on disk."""
    brightness: int = json.loads((folder / "state.json").read_text())["brightness"]
    return brightness


def test_round_trip(tmp_path: Path) -> None:
    store = StateStore(tmp_path, save_delay=0)
    store.save(state(40))
    store.flush()
    assert StateStore(tmp_path).load() == state(40)


def test_a_lone_change_is_written_at_once(tmp_path: Path) -> None:
    store = StateStore(tmp_path, save_delay=60)
    store.save(state(40))
    assert json.loads((tmp_path / "state.json").read_text())["brightness"] == 40


def test_a_burst_is_debounced_and_only_changes_are_written(tmp_path: Path) -> None:
    clock = FakeClock()
    store = StateStore(tmp_path, save_delay=0.2, clock=clock, schedule=clock.schedule)
    for brightness in range(10, 60):  # a dragged slider
        store.save(state(brightness))
        clock.advance(0.001)
    assert store.writes == 1  # the first value, at once
    assert saved_brightness(tmp_path) == 10
    clock.advance(0.1)  # the interval is not over yet
    assert store.writes == 1
    clock.advance(0.1)
    assert store.writes == 2  # then the last one, when the interval is over
    assert saved_brightness(tmp_path) == 59
    store.save(state(59))
    store.flush()
    assert store.writes == 2
    assert clock.scheduled == 0


def test_previous_file_is_kept_as_last_good(tmp_path: Path) -> None:
    store = StateStore(tmp_path, save_delay=0)
    store.save(state(10))
    store.flush()
    store.save(state(20))
    store.flush()
    last_good = SavedState.model_validate_json((tmp_path / "state.last-good.json").read_text())
    assert last_good.brightness == 10


@pytest.mark.parametrize(
    "garbage", [b"", b'{"brightness": 5', b"\x00\x00\x00", b'{"brightness": 500}']
)
def test_corrupt_file_is_moved_aside_and_last_good_used(tmp_path: Path, garbage: bytes) -> None:
    store = StateStore(tmp_path, save_delay=0)
    store.save(state(10))
    store.flush()
    store.save(state(20))
    store.flush()
    (tmp_path / "state.json").write_bytes(garbage)

    loaded = StateStore(tmp_path).load()
    assert loaded is not None and loaded.brightness == 10
    aside = list(tmp_path.glob("state.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage


def test_corrupt_file_without_last_good_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{not json")
    assert StateStore(tmp_path).load() is None
    assert list(tmp_path.glob("state.json.corrupt-*"))


def test_crash_mid_write_leaves_the_old_state(tmp_path: Path) -> None:
    store = StateStore(tmp_path, save_delay=0)
    store.save(state(10))
    store.flush()
    # A crash while writing leaves only a partial temp file behind.
    (tmp_path / ".state.json.tmp").write_text('{"brightn')
    loaded = StateStore(tmp_path).load()
    assert loaded is not None and loaded.brightness == 10


def test_unwritable_folder_keeps_running_and_reports_unhealthy(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    store = StateStore(blocker / "state", save_delay=0)
    store.save(state(10))
    store.flush()
    assert store.healthy is False
    assert store.writes == 0


def test_failed_write_is_retried_and_health_heard(tmp_path: Path) -> None:
    heard: list[str | None] = []
    clock = FakeClock()
    store = StateStore(
        tmp_path / "state", save_delay=0, retry_delay=5, clock=clock, schedule=clock.schedule
    )
    store.on_health_change(lambda: heard.append(store.problem))
    (tmp_path / "state").write_text("")  # the folder is a file: every write fails
    store.save(state(10))
    assert store.healthy is False and store.problem and "cannot save state" in store.problem
    clock.advance(5)  # a retry while the disk is still unwritable fails too
    assert store.writes == 0 and not store.healthy
    (tmp_path / "state").unlink()  # the disk is writable again: the next retry saves
    clock.advance(4.9)
    assert store.writes == 0
    clock.advance(0.1)
    assert store.writes == 1
    assert store.healthy and store.problem is None
    assert StateStore(tmp_path / "state").load() == state(10)
    assert heard == [heard[0], None] and heard[0]


def test_unusable_file_at_start_is_reported(tmp_path: Path) -> None:
    store = StateStore(tmp_path, save_delay=0)
    store.save(state(10))
    store.save(state(20))
    (tmp_path / "state.json").write_text('{"brightn')
    reloaded = StateStore(tmp_path)
    loaded = reloaded.load()
    assert loaded is not None and loaded.brightness == 10
    assert reloaded.healthy and reloaded.problem and "last-good" in reloaded.problem
