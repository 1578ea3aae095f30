"""The journal: a burst's changes are durable before they are answered (issue 17)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from retroboard_renderer.journal import JOURNAL_FILE, Journal, decode_record, encode_record
from retroboard_renderer.state import SavedState
from retroboard_renderer.store import StateStore
from tests.support.fake_clock import FakeClock


def state(brightness: int) -> SavedState:
    return SavedState(current_app="clock", brightness=brightness)


def burst_store(folder: Path, clock: FakeClock) -> StateStore:
    return StateStore(folder, save_delay=1.0, clock=clock, schedule=clock.schedule)


def restarted(folder: Path) -> SavedState | None:
    """What a renderer started after a ``kill -9`` (no flush) loads."""
    return StateStore(folder).load()


def test_record_round_trip_and_damage_is_refused() -> None:
    line = encode_record(7, b'{"brightness":40}')
    assert decode_record(line) == (7, b'{"brightness":40}')
    assert decode_record(line[:-1]) is None  # torn: no newline
    assert decode_record(line[:-5] + b"\n") is None  # torn inside the JSON
    assert decode_record(line.replace(b"40", b"41")) is None  # checksum
    assert decode_record(b"garbage\n") is None
    with pytest.raises(ValueError):
        encode_record(1, b"{\n}")


def test_a_lone_change_needs_no_journal(tmp_path: Path) -> None:
    clock = FakeClock()
    store = burst_store(tmp_path, clock)
    answered: list[int] = []
    store.save(state(40))
    store.after_saved(lambda: answered.append(40))
    assert answered == [40]  # state.json was written before save() returned
    assert store.writes == 1 and store.commits == 0
    assert not (tmp_path / JOURNAL_FILE).exists()
    assert clock.scheduled == 0


def test_a_burst_is_answered_only_after_its_journal_commit(tmp_path: Path) -> None:
    clock = FakeClock()
    store = burst_store(tmp_path, clock)
    answered: list[int] = []
    store.save(state(10))  # lone: state.json at once
    store.save(state(11))  # within save_delay: the journal
    store.after_saved(lambda: answered.append(11))
    assert answered == []
    assert restarted(tmp_path) == state(10)  # not durable yet, so not answered yet
    clock.advance(0)  # the group commit runs
    assert answered == [11] and store.commits == 1
    assert restarted(tmp_path) == state(11)  # a kill -9 now keeps it
    assert json.loads((tmp_path / "state.json").read_text())["brightness"] == 10


def test_one_fdatasync_covers_every_change_that_arrived_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    store = burst_store(tmp_path, clock)
    answered: list[int] = []
    store.save(state(10))
    real_sync = store.journal.sync
    arriving = iter(range(20, 25))

    def slow_sync() -> None:
        # Five commands arrive while the first fdatasync runs (an SD card's 5-30 ms).
        for brightness in arriving:
            store.save(state(brightness))
            store.after_saved(partial(answered.append, brightness))
        real_sync()

    monkeypatch.setattr(store.journal, "sync", slow_sync)
    store.save(state(11))
    store.after_saved(lambda: answered.append(11))
    clock.advance(0)
    assert store.commits == 2  # one for 11, one for all five that came meanwhile
    assert answered == [11, 20, 21, 22, 23, 24]
    assert restarted(tmp_path) == state(24)
    records = list(Journal(tmp_path / JOURNAL_FILE).records())
    assert [seq for seq, _ in records] == [1, 2]  # only the newest state of each round


def test_a_long_burst_keeps_one_state_queued(tmp_path: Path) -> None:
    clock = FakeClock()
    store = burst_store(tmp_path, clock)
    answered: list[int] = []
    store.save(state(1))
    for brightness in range(2, 100):  # the commit has not run yet: nothing piles up
        store.save(state(brightness))
        store.after_saved(partial(answered.append, brightness))
    clock.advance(0)
    assert store.commits == 1 and answered == list(range(2, 100))
    assert len(list(Journal(tmp_path / JOURNAL_FILE).records())) == 1
    assert restarted(tmp_path) == state(99)


def test_compaction_writes_state_json_and_empties_the_journal(tmp_path: Path) -> None:
    clock = FakeClock()
    store = burst_store(tmp_path, clock)
    store.save(state(10))
    for brightness in range(11, 30):
        store.save(state(brightness))
        clock.advance(0.01)
    assert (tmp_path / JOURNAL_FILE).stat().st_size > 0
    clock.advance(1)
    assert store.writes == 2
    assert json.loads((tmp_path / "state.json").read_text())["brightness"] == 29
    assert (tmp_path / JOURNAL_FILE).stat().st_size == 0
    assert clock.scheduled == 0
    assert restarted(tmp_path) == state(29)


def test_back_to_the_written_value_inside_a_burst_is_kept(tmp_path: Path) -> None:
    clock = FakeClock()
    store = burst_store(tmp_path, clock)
    store.save(state(10))
    store.save(state(11))
    clock.advance(0)
    store.save(state(10))  # the slider goes back: the journal's 11 must not win
    clock.advance(0)
    assert restarted(tmp_path) == state(10)


def test_a_torn_or_damaged_last_record_is_ignored(tmp_path: Path) -> None:
    clock = FakeClock()
    store = burst_store(tmp_path, clock)
    store.save(state(10))
    store.save(state(11))
    clock.advance(0)
    journal = tmp_path / JOURNAL_FILE
    with journal.open("ab") as file:  # a crash in the middle of the next append
        file.write(encode_record(9, state(12).model_dump_json().encode())[:40])
    assert restarted(tmp_path) == state(11)
    with journal.open("ab") as file:  # a whole line, but its checksum is wrong
        file.write(b"\n" + encode_record(10, b'{"brightness":13}').replace(b"13", b"14"))
    assert restarted(tmp_path) == state(11)


def test_the_journal_wins_over_state_json_and_numbering_goes_on(tmp_path: Path) -> None:
    clock = FakeClock()
    store = burst_store(tmp_path, clock)
    store.save(state(10))
    store.save(state(11))
    store.save(state(12))
    clock.advance(0)
    # kill -9 here, then a restart: the journal's 12 wins, and the board saves it again.
    second = burst_store(tmp_path, clock)
    assert second.load() == state(12)
    second.journal.append(b"{}")
    seqs = [seq for seq, _ in Journal(tmp_path / JOURNAL_FILE).records()]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_a_journal_that_cannot_be_written_still_answers(tmp_path: Path) -> None:
    clock = FakeClock()
    store = burst_store(tmp_path, clock)
    store.save(state(10))
    (tmp_path / JOURNAL_FILE).mkdir()  # every append fails
    answered: list[int] = []
    store.save(state(11))
    store.after_saved(lambda: answered.append(11))
    clock.advance(0)
    assert answered == [11]  # kept in memory, as with a read-only disk
    assert store.problem and "cannot save state" in store.problem
    (tmp_path / JOURNAL_FILE).rmdir()
    clock.advance(1)  # the scheduled state.json write succeeds
    assert store.healthy and restarted(tmp_path) == state(11)


def test_flush_covers_what_the_commit_has_not_reached(tmp_path: Path) -> None:
    clock = FakeClock()
    store = burst_store(tmp_path, clock)
    answered: list[int] = []
    store.save(state(10))
    store.save(state(11))
    store.after_saved(lambda: answered.append(11))
    store.flush()  # shutting down before the commit ran
    assert answered == [11] and store.commits == 0
    clock.advance(0)  # the commit finds state.json newer and appends nothing
    assert store.commits == 0 and restarted(tmp_path) == state(11)
