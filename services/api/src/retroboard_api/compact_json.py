"""The Socket.IO JSON codec: compact, UTF-8, key order kept.

So a state event carries the very bytes of the retained MQTT payload it mirrors.
"""

from __future__ import annotations

import json
from typing import Any

from retroboard_common import strict_json


class CompactJson:
    """Socket.IO's JSON codec: compact, UTF-8, key order kept, so state events carry the
    same bytes as the retained MQTT payloads."""

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        """Serialise without spaces or ASCII escapes."""
        kwargs.setdefault("separators", (",", ":"))
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(obj, **kwargs)

    @staticmethod
    def loads(text: str | bytes, **_kwargs: Any) -> Any:
        """Parse standard JSON, not nested absurdly deep; ``ValueError`` otherwise.

        Also the REST request parser (``JsonRequest``): ``NaN`` would be saved and
        served back as JSON no client reads, and deep nesting raised ``RecursionError``.
        """
        return strict_json.loads(text)
