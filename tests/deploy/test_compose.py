"""compose.yaml: valid Compose, within what balena accepts, and in step with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.deployfiles import (
    BRACED,
    COMPOSE_FILE,
    ROOT,
    SERVICES,
    load_compose,
    referenced_variables,
    service_environment,
    settings_fields,
)

BIN = Path(sys.executable).parent

# DESIGN.md, "Operator interface": the settings every deployment must be able to set.
OPERATOR_SETTINGS = {
    "MQTT_URL",
    "RETROBOARD_BOARD_ID",
    "RETROBOARD_STATE_DIR",
    "RETROBOARD_DISPLAY",
    "MATRIX_ROWS",
    "MATRIX_COLS",
    "MATRIX_CHAIN_LENGTH",
    "MATRIX_PARALLEL",
    "MATRIX_HARDWARE_MAPPING",
    "MATRIX_GPIO_SLOWDOWN",
    "MATRIX_PWM_BITS",
    "MATRIX_LED_RGB_SEQUENCE",
    "MATRIX_PIXEL_MAPPER",
    "RETROBOARD_CORS_ORIGINS",
    "RETROBOARD_API_TOKEN",
    "SOCKETIO_MESSAGE_QUEUE",
}

# Where compose.yaml deliberately differs from the code's default, and why.
CONTAINER_DEFAULTS = {
    "RETROBOARD_DISPLAY": "hzeller",  # the image is for a Pi with a panel
    "RETROBOARD_STATE_DIR": "/data",  # the named volume
    "RETROBOARD_CORS_ORIGINS": "none",  # production: the dashboard's own origin only
    "RETROBOARD_BOARD_ID": "",  # the entrypoint picks it (device name, else a fixed id)
    "RETROBOARD_API_PORT": "5000",  # published as port 80
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def test_compose_validates_against_the_compose_spec() -> None:
    schema = ("--builtin-schema", "vendor.compose-spec")
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), *schema, str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_depends_on_names_defined_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on", [])
        assert isinstance(depends_on, list), f"{name}: balena takes depends_on as a list only"
        for dependency in depends_on:
            assert dependency in services, f"{name} depends on undefined service {dependency}"


def test_volumes_are_named_volumes_declared_at_top_level(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            assert isinstance(volume, str), f"{name}: balena takes the short volume syntax only"
            source = volume.split(":", 1)[0]
            assert not source.startswith((".", "/", "~")), f"{name}: bind mount {volume}"
            assert source in declared, f"{name}: volume {source} is not declared"
            used.add(source)
    assert used == declared


def test_only_the_renderer_is_privileged(compose: dict[str, Any]) -> None:
    privileged = {name for name, s in compose["services"].items() if s.get("privileged")}
    assert privileged == {"renderer"}
    for name, service in compose["services"].items():
        assert not service.get("cap_add"), f"{name} adds capabilities"


def test_renderer_state_is_on_its_named_volume(compose: dict[str, Any]) -> None:
    renderer = compose["services"]["renderer"]
    assert "renderer-state:/data" in renderer["volumes"]
    assert service_environment(renderer)["RETROBOARD_STATE_DIR"] == "/data"


def test_api_publishes_port_80_and_checks_its_health(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    assert api["ports"] == ["80:5000"]
    assert service_environment(api)["RETROBOARD_API_PORT"] == "5000"
    assert "/api/health" in " ".join(api["healthcheck"]["test"])


def test_every_service_restarts(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert service.get("restart") in ("always", "unless-stopped"), name


def test_interpolation_stays_inside_environment_values(compose: dict[str, Any]) -> None:
    """balena substitutes nothing; only environment values get expanded (by the entrypoints)."""
    lines = COMPOSE_FILE.read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    assert "$$" not in text, "no $$ escapes: the entrypoints do not undo them"
    assert not re.search(r"\$(?!\{)", text), "use the braced ${NAME…} form only"
    environment_values = [
        value
        for service in compose["services"].values()
        for value in service_environment(service).values()
    ]
    assert text.count("${") == sum(value.count("${") for value in environment_values)
    for value in environment_values:
        for match in BRACED.finditer(value):
            assert "${" not in (match["arg"] or ""), f"nested expression in {value}"


def test_operator_settings_reach_the_services_that_read_them(compose: dict[str, Any]) -> None:
    for setting in OPERATOR_SETTINGS | design_settings():
        readers = [s for s in SERVICES if setting in settings_fields(s)]
        assert readers, f"{setting}: no service reads it"
        for service in readers:
            environment = service_environment(compose["services"][service])
            assert setting in environment, f"{setting} missing from {service}'s environment"


def test_environment_holds_only_settings_the_service_reads(compose: dict[str, Any]) -> None:
    for service in SERVICES:
        known = settings_fields(service)
        for name in service_environment(compose["services"][service]):
            assert name in known, f"{service} does not read {name}"


def test_compose_defaults_match_the_code(compose: dict[str, Any]) -> None:
    for service in SERVICES:
        fields = settings_fields(service)
        for name, value in service_environment(compose["services"][service]).items():
            match = BRACED.fullmatch(value)
            default = match["arg"] if match and match["op"] == ":-" else value
            if referenced_variables(value) - {name}:  # built from others, e.g. MQTT_URL
                continue
            if name in CONTAINER_DEFAULTS:
                assert default == CONTAINER_DEFAULTS[name], name
                continue
            code_default = fields[name].default
            expected = "" if code_default is None else str(code_default)
            assert default == expected, f"{service}: {name}={default!r}, code: {expected!r}"


def test_every_service_uses_the_same_broker_and_board(compose: dict[str, Any]) -> None:
    urls = {service_environment(compose["services"][s])["MQTT_URL"] for s in SERVICES}
    assert len(urls) == 1
    (url,) = urls
    assert referenced_variables(url) == {"MQTT_USERNAME", "MQTT_PASSWORD"}
    assert url.endswith("@mosquitto:1883")
    mosquitto = service_environment(compose["services"]["mosquitto"])
    assert {"MQTT_USERNAME", "MQTT_PASSWORD"} <= set(mosquitto)
    boards = {service_environment(compose["services"][s])["RETROBOARD_BOARD_ID"] for s in SERVICES}
    assert len(boards) == 1


def design_settings() -> set[str]:
    """The settings DESIGN.md lists, when the shared folder is beside the checkout."""
    design = ROOT.parent / "shared" / "DESIGN.md"
    if not design.is_file():
        return set()
    section = design.read_text().split("## Operator interface", 1)[-1].split("\n## ", 1)[0]
    names = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    return {name for name in names if "_" in name}


def test_balena_yml_matches_compose(compose: dict[str, Any]) -> None:
    balena = yaml.safe_load((ROOT / "balena.yml").read_text())
    assert balena["type"] == "sw.application"
    assert {"name", "version", "description"} <= set(balena)
    data = balena["data"]
    required = {"raspberrypi3", "raspberrypi3-64", "raspberrypi4-64", "raspberrypi5"}
    assert required <= set(data["supportedDeviceTypes"])
    assert "raspberry-pi" not in data["supportedDeviceTypes"]  # armv6: no image for it
    assert data["defaultDeviceType"] in data["supportedDeviceTypes"]
    config = {k: v for item in data["applicationConfigVariables"] for k, v in item.items()}
    assert "audio=off" in config["BALENA_HOST_CONFIG_dtparam"]
    # Every fleet default is the one compose.yaml falls back to.
    defaults = {}
    for service in compose["services"].values():
        for value in service_environment(service).values():
            for match in BRACED.finditer(value):
                if match["op"] == ":-":
                    defaults[match["name"]] = match["arg"]
    for item in data["applicationEnvironmentVariables"]:
        for name, value in item.items():
            assert name in defaults or name == "MQTT_PASSWORD", name
            assert str(value) == defaults.get(name, ""), name
