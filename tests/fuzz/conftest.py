"""Fixtures of the fuzz tests: the real stack (Mosquitto, renderer, gunicorn api)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import strategies as st

from tests.api.stack import Stack, start_stack, stop_stack

pytestmark = pytest.mark.integration

# hypothesis flags any change of the global `random` state while it draws an example,
# also one made by another thread: here the network threads of MQTT and Socket.IO
# clients (python-socketio's reconnection jitter) run beside the draws. The strategies
# themselves use no `random`.
# Any JSON value: what a client may send where a command is expected.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

BACKGROUND_RANDOM = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies"
    ":hypothesis.errors.HypothesisDeprecationWarning"
)


@pytest.fixture(scope="session")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One real stack for the whole fuzz run (a patient command timeout: the two cores
    are busy generating and checking examples)."""
    instance = start_stack(tmp_path_factory.mktemp("fuzz"), RETROBOARD_COMMAND_TIMEOUT="10")
    yield instance
    stop_stack(instance)
