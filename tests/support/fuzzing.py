"""What the fuzz tests share: JSON values to send, and the warning filter they need."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

# hypothesis flags any change of the global `random` state while it draws an example,
# also one made by another thread: here the network threads of MQTT and Socket.IO
# clients (python-socketio's reconnection jitter) run beside the draws. The strategies
# themselves use no `random`.
# Any JSON value: what a client may send where a command is expected. Not NaN or
# Infinity: they are not JSON (a browser's JSON.stringify sends null), and a Socket.IO
# packet holding one cannot be decoded, so it gets no acknowledgement to check.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
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
