"""Fixtures of the fuzz tests: the real stack (Mosquitto, renderer, gunicorn api)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import Stack, start_stack, stop_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One real stack for the whole fuzz run (a patient command timeout: the two cores
    are busy generating and checking examples)."""
    instance = start_stack(tmp_path_factory.mktemp("fuzz"), RETROBOARD_COMMAND_TIMEOUT="10")
    yield instance
    stop_stack(instance)
