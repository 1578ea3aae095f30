"""Fixtures of the fault tests: a whole stack per test, and dashboards cleaned up after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.stack import Dashboard, FaultStack, connect_dashboards, launch, shutdown

pytestmark = pytest.mark.integration


@pytest.fixture
def faults(tmp_path: Path) -> Iterator[FaultStack]:
    """Broker, renderer, api and bridge of board ``test``, ready."""
    instance = launch(tmp_path)
    yield instance
    shutdown(instance)


@pytest.fixture
def dashboards() -> Iterator[Callable[[str, int], list[Dashboard]]]:
    """Connect Socket.IO dashboards; every one is disconnected after the test."""
    connected: list[Dashboard] = []

    def connect(url: str, count: int) -> list[Dashboard]:
        new = connect_dashboards(url, count)
        connected.extend(new)
        return new

    yield connect
    for dashboard in connected:
        dashboard.disconnect()
