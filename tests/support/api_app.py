"""The api as a unit-test app on fakes: its settings and the fixtures that build it.

Conftest files import the fixtures from here, so every folder gets the same ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from retroboard_api import ApiSettings, create_app
from tests.support.api_fakes import FakeMqtt, ScriptedRenderer


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
    """The api's MQTT connection, faked: publishes are recorded, deliveries scripted."""
    return FakeMqtt()


@pytest.fixture
def renderer(mqtt: FakeMqtt) -> ScriptedRenderer:
    """A renderer that answers the api's commands over ``mqtt``."""
    return ScriptedRenderer(mqtt)


@pytest.fixture
def app(mqtt: FakeMqtt, renderer: ScriptedRenderer) -> Any:
    """The api's Flask app on the fakes."""
    application = create_app(make_settings(), mqtt)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Any) -> Iterator[FlaskClient]:
    """A Flask test client of ``app``."""
    with app.test_client() as test_client:
        yield test_client
