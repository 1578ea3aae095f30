"""Fixtures for renderer unit tests: an emulated panel, an engine, a board."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retroboard_renderer.board import Board
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.store import StateStore
from tests.support.fake_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def driver() -> EmulatorDriver:
    return EmulatorDriver(64, 32)


@pytest.fixture
def engine(driver: EmulatorDriver, clock: FakeClock) -> RenderEngine:
    """An engine that is stepped by the test (no render thread)."""
    return RenderEngine(driver, clock=clock)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    instance = StateStore(tmp_path / "state", save_delay=0.0)
    yield instance
    instance.flush()


@pytest.fixture
def board(engine: RenderEngine, store: StateStore, clock: FakeClock) -> Board:
    instance = Board(engine, store, clock=clock)
    instance.restore(None)
    return instance
