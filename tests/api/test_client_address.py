"""Which address a request counts against, and the guest slots counted per address."""

from __future__ import annotations

import pytest

from retroboard_api.client_address import client_key, parse_networks
from retroboard_api.guests import GuestSlots

PROXY = parse_networks("10.0.0.5, 192.168.0.0/16")


@pytest.mark.parametrize(
    ("environ", "key"),
    [
        ({"REMOTE_ADDR": "203.0.113.9"}, "203.0.113.9"),
        # X-Forwarded-For from a peer that is no trusted proxy is the client's own word.
        ({"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "203.0.113.9"),
        ({"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "1.2.3.4"),
        # The nearest hop that is no proxy, whatever the client wrote further left.
        (
            {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4, 192.168.1.2"},
            "1.2.3.4",
        ),
        ({"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "junk, 1.2.3.4"}, "1.2.3.4"),
        ({"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "1.2.3.4, junk"}, "10.0.0.5"),
        # One IPv6 host holds a whole /64: it counts once.
        ({"REMOTE_ADDR": "2001:db8:1:2:aaaa::1"}, "2001:db8:1:2::/64"),
        ({"REMOTE_ADDR": "2001:db8:1:2:bbbb::7"}, "2001:db8:1:2::/64"),
        ({"REMOTE_ADDR": "::ffff:198.51.100.4"}, "198.51.100.4"),
        ({"REMOTE_ADDR": "unix-socket"}, "unix-socket"),
        ({}, "unknown"),
    ],
)
def test_client_key(environ: dict[str, object], key: str) -> None:
    assert client_key(environ, PROXY) == key


def test_a_bad_proxy_entry_is_named() -> None:
    with pytest.raises(ValueError, match="not-a-net"):
        parse_networks("10.0.0.1, not-a-net")


def test_guest_slots_per_address_in_all_and_given_back() -> None:
    slots = GuestSlots(total=3, per_address=2)
    assert slots.acquire("a") is None and slots.acquire("a") is None
    refusal = slots.acquire("a")
    assert refusal is not None and refusal.status == 429
    assert slots.acquire("b") is None
    refusal = slots.acquire("c")
    assert refusal is not None and refusal.status == 503

    slots.own("sid-1", "a")
    slots.release("sid-1")  # the session ended
    slots.give_back("b")  # a handshake Engine.IO refused: no session owned it
    assert slots.count() == 1 and slots.count("a") == 1 and slots.count("b") == 0
    slots.admit({"retroboard.guest_sid": "sid-unknown"})  # not a guest: nothing changes
    assert slots.count() == 1
