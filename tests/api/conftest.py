"""Fixtures of the api tests: unit-test apps on fakes, and the real stack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from retroboard_api import ApiSettings, create_app
from tests.api.fakes import FakeMqtt, ScriptedRenderer
from tests.api.stack import Stack, start_stack, stop_stack


def make_settings(**overrides: Any) -> ApiSettings:
    """Settings for a unit-test app: threading mode, no web build, short timeout."""
    values: dict[str, Any] = {
        "board_id": "test",
        "mqtt_url": "mqtt://127.0.0.1:1883",
        "worker_class": "gthread",
        "command_timeout": 0.3,
        "web_dist": None,
        **overrides,
    }
    return ApiSettings(**values)


@pytest.fixture
def mqtt() -> FakeMqtt:
    return FakeMqtt()


@pytest.fixture
def renderer(mqtt: FakeMqtt) -> ScriptedRenderer:
    return ScriptedRenderer(mqtt)


@pytest.fixture
def app(mqtt: FakeMqtt, renderer: ScriptedRenderer) -> Any:
    application = create_app(make_settings(), mqtt)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Any) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real stack, shared by the integration tests (each leaves it as it found it)."""
    instance = start_stack(tmp_path_factory.mktemp("stack"))
    yield instance
    stop_stack(instance)
