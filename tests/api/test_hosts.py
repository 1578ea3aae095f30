"""The Host allow-list that keeps DNS-rebinding pages out (unit)."""

from __future__ import annotations

import pytest

from retroboard_api.hosts import HostPolicy, hostname, machine_names

POLICY = HostPolicy(["board.example", "*.lan"], ["https://dash.example:8443"])


@pytest.mark.parametrize(
    "host",
    [
        "localhost:5000",
        "LOCALHOST",
        "app.localhost:5000",
        "retroboard.local",
        "retroboard.local.:80",
        "127.0.0.1:5000",
        "192.168.1.20",
        "[::1]:5000",
        "[fe80::1]",
        "board.example:5000",
        "kitchen.lan",
        "dash.example",
        None,
        "",
    ],
)
def test_the_apis_own_hosts_pass(host: str | None) -> None:
    assert POLICY.allows(host)


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:5000",
        "board.example.evil.example",
        "localhost.evil.example",
        "lan",
        "evil-local",
        "localhost:http",
        "[::1",
    ],
)
def test_other_hosts_are_refused(host: str) -> None:
    assert not POLICY.allows(host)


def test_the_machines_own_names_pass() -> None:
    policy = HostPolicy()
    for name in machine_names():
        assert policy.allows(f"{name}:5000")


def test_a_star_lets_any_host_in() -> None:
    assert HostPolicy(["*"]).allows("evil.example")


def test_hostname_of_a_host_header() -> None:
    assert hostname("Example.COM:80") == "example.com"
    assert hostname("[2001:db8::1]:443") == "2001:db8::1"
    assert hostname("bad:port") is None
