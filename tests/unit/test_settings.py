"""Settings every service shares: one clear line and exit 2 for a bad value."""

from __future__ import annotations

import pytest

from retroboard_common.settings import ServiceSettings, load_settings
from retroboard_renderer.settings import RendererSettings


def test_a_bad_board_id_stops_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        load_settings(ServiceSettings, "retroboard-x", board_id="no/slash")
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "retroboard-x: invalid setting RETROBOARD_BOARD_ID: "
        "'no/slash' is not a valid board id (letters, digits, '_', '-', '.')\n"
    )


def test_a_bad_broker_url_stops_without_echoing_its_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        load_settings(ServiceSettings, "retroboard-x", mqtt_url="http://user:s3cret@host")
    error = capsys.readouterr().err
    assert error.startswith("retroboard-x: invalid setting MQTT_URL: ")
    assert "s3cret" not in error


def test_an_unknown_mqtt_protocol_stops_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        load_settings(ServiceSettings, "retroboard-x", mqtt_protocol="4")
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("retroboard-x: invalid setting MQTT_PROTOCOL: ")
    assert "'5'" in error and "'3.1.1'" in error and error.count("\n") == 1


def test_a_good_board_id_is_kept() -> None:
    assert load_settings(ServiceSettings, "retroboard-x", board_id="hall-2.b_1").board_id == (
        "hall-2.b_1"
    )


def test_a_bad_stream_source_network_stops_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETROBOARD_REALTIME_SOURCES", "192.168.1.0/24, lan")
    with pytest.raises(SystemExit) as stopped:
        load_settings(RendererSettings, "retroboard-renderer")
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("retroboard-renderer: invalid setting RETROBOARD_REALTIME_SOURCES: ")
    assert "'lan' does not appear to be an IPv4 or IPv6 network" in error


def test_an_unknown_timezone_stops_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETROBOARD_TIMEZONE", "Europe/Atlantis")
    with pytest.raises(SystemExit) as stopped:
        load_settings(RendererSettings, "retroboard-renderer")
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "retroboard-renderer: invalid setting RETROBOARD_TIMEZONE: unknown timezone "
        "'Europe/Atlantis' (an IANA name, e.g. Europe/Berlin)\n"
    )


def test_the_timezone_is_read_by_its_iana_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETROBOARD_TIMEZONE", "America/New_York")
    settings = load_settings(RendererSettings, "retroboard-renderer")
    assert str(settings.zone) == "America/New_York"
    monkeypatch.setenv("RETROBOARD_TIMEZONE", "")
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert str(load_settings(RendererSettings, "retroboard-renderer").zone) == "Asia/Tokyo"
