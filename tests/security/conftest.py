"""Fixtures of the security tests: the api's unit fixtures, and one secured real stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api_app import app, client, mqtt, renderer
from tests.support.stack import Stack, start_stack, stop_stack
from tests.support.tokens import ALLOWED_ORIGIN, TOKEN

__all__ = [
    "app",
    "client",
    "mqtt",
    "renderer",
    "secured",
]


@pytest.fixture(scope="session")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Mosquitto, renderer and api with ``RETROBOARD_API_TOKEN`` and one allowed origin.

    ``stack.http`` sends no token: tests add it where they mean to.
    """
    stack = start_stack(
        tmp_path_factory.mktemp("secured"),
        TOKEN,
        RETROBOARD_API_TOKEN=TOKEN,
        RETROBOARD_CORS_ORIGINS=ALLOWED_ORIGIN,
        RETROBOARD_LOG_LEVEL="DEBUG",
        RETROBOARD_COMMAND_TIMEOUT="5",  # a busy machine must not turn a test into a 504
    )
    yield stack
    stop_stack(stack)
