"""deploy/entrypoint.py: balena (no substitution) ends up with what Docker Compose gives.

The entrypoint runs as a real process and execs a tiny Python that prints the
environment it was handed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping

import pytest

from tests.deploy.deployfiles import (
    ROOT,
    SERVICES,
    InterpolationError,
    effective,
    interpolate,
    load_compose,
    service_environment,
)

ENTRYPOINT = ROOT / "deploy" / "entrypoint.py"
PRINT_ENV = [sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]

# What an operator sets: .env for Docker, fleet or device variables on balena.
OPERATOR_CASES = {
    "password only": {"MQTT_PASSWORD": "s3cret"},
    "everything": {
        "MQTT_USERNAME": "panel",
        "MQTT_PASSWORD": "s3cret",
        "RETROBOARD_BOARD_ID": "lobby",
        "RETROBOARD_DISPLAY": "piomatter",
        "MATRIX_ROWS": "64",
        "MATRIX_CHAIN_LENGTH": "2",
        "MATRIX_PIXEL_MAPPER": "Rotate:90",
        "RETROBOARD_API_TOKEN": "t0ken",
        "RETROBOARD_CORS_ORIGINS": "https://example.org",
        "SOCKETIO_MESSAGE_QUEUE": "redis://cache:6379/0",
    },
    "empty values": {"MQTT_PASSWORD": "s3cret", "MATRIX_ROWS": "", "RETROBOARD_API_TOKEN": ""},
}


class EntrypointFailed(Exception):
    """The entrypoint exited instead of running the command."""


def run_entrypoint(environment: Mapping[str, str]) -> dict[str, str]:
    """The environment the service would get from the entrypoint."""
    result = subprocess.run(
        [sys.executable, str(ENTRYPOINT), *PRINT_ENV],
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    if result.returncode != 0:
        raise EntrypointFailed(result.stderr.strip())
    settled: dict[str, str] = json.loads(result.stdout)
    return settled


def under_docker(raw: Mapping[str, str], operator: Mapping[str, str]) -> dict[str, str]:
    """Docker Compose interpolates from the shell/.env, then the image's entrypoint runs."""
    return run_entrypoint({name: interpolate(value, operator) for name, value in raw.items()})


def under_balena(raw: Mapping[str, str], operator: Mapping[str, str]) -> dict[str, str]:
    """balena passes the expressions through; fleet variables reach every service and win."""
    return run_entrypoint({**raw, **operator})


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("case", OPERATOR_CASES)
def test_balena_and_docker_give_a_service_the_same_settings(service: str, case: str) -> None:
    raw = service_environment(load_compose()["services"][service])
    operator = OPERATOR_CASES[case]
    docker, balena = under_docker(raw, operator), under_balena(raw, operator)
    # Compared as the service sees them: an empty fleet variable replaces compose's
    # expression on balena, so there the code's default applies (the same by
    # test_compose_defaults_match_the_code).
    names = set(raw) | {"RETROBOARD_BOARD_ID"}
    assert {n: effective(service, docker, n) for n in names} == {
        n: effective(service, balena, n) for n in names
    }
    for name in names & set(docker):
        assert "${" not in docker[name], name


def test_settings_are_expanded_as_compose_would() -> None:
    raw = service_environment(load_compose()["services"]["renderer"])
    settled = under_balena(raw, OPERATOR_CASES["everything"])
    assert settled["MQTT_URL"] == "mqtt://panel:s3cret@mosquitto:1883"
    assert settled["MATRIX_ROWS"] == "64"
    assert settled["MATRIX_COLS"] == "64"  # compose's default
    assert settled["RETROBOARD_STATE_DIR"] == "/data"


def test_empty_settings_are_removed_so_the_code_default_applies() -> None:
    raw = service_environment(load_compose()["services"]["api"])
    settled = under_balena(raw, OPERATOR_CASES["empty values"])
    assert "RETROBOARD_API_TOKEN" not in settled
    # Empty means compose's own default here: the dashboard's origin only.
    assert settled["RETROBOARD_CORS_ORIGINS"] == "none"


def test_a_missing_password_stops_both_with_a_clear_line() -> None:
    raw = service_environment(load_compose()["services"]["bridge"])
    with pytest.raises(InterpolationError, match="MQTT_PASSWORD"):
        under_docker(raw, {})
    with pytest.raises(EntrypointFailed, match="invalid setting MQTT_PASSWORD: MQTT_PASSWORD is"):
        under_balena(raw, {})


@pytest.mark.parametrize(
    ("environment", "board"),
    [
        ({"RETROBOARD_BOARD_ID": "lobby", "BALENA_DEVICE_NAME_AT_INIT": "quiet-forest"}, "lobby"),
        ({"BALENA_DEVICE_NAME_AT_INIT": "quiet-forest"}, "quiet-forest"),
        ({"RETROBOARD_BOARD_ID": "", "BALENA_DEVICE_NAME_AT_INIT": "Hall #2"}, "Hall-2"),
        ({"BALENA_DEVICE_NAME_AT_INIT": "###"}, "retroboard"),
        ({}, "retroboard"),
    ],
)
def test_board_id_falls_back_to_the_device_name(environment: dict[str, str], board: str) -> None:
    assert run_entrypoint(environment)["RETROBOARD_BOARD_ID"] == board


def test_values_without_expressions_pass_untouched() -> None:
    settled = run_entrypoint({"MQTT_URL": "mqtts://u:p%24w@broker:8883", "OTHER": "a $b ${"})
    assert settled["MQTT_URL"] == "mqtts://u:p%24w@broker:8883"
    assert settled["OTHER"] == "a $b ${"
