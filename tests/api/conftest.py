"""Fixtures of the api tests: unit-test apps on fakes, and the real stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api_app import app, client, mqtt, renderer
from tests.support.stack import Stack, start_stack, stop_stack

__all__ = ["app", "client", "mqtt", "renderer", "stack"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real stack, shared by the integration tests (each leaves it as it found it)."""
    instance = start_stack(tmp_path_factory.mktemp("stack"))
    yield instance
    stop_stack(instance)
