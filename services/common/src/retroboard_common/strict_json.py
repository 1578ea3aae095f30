"""JSON from the network, parsed strictly: standard JSON only, and only so deep.

Python's :func:`json.loads` accepts ``NaN``/``Infinity`` (which no JSON parser in a
browser reads back, so a ``NaN`` kept and served again makes every answer unreadable)
and recurses once per nesting level, so ``[[[[…]]]]`` 5,000 deep in 10 KB raises
``RecursionError``, which no ``except ValueError`` catches. Here both are plain
:class:`ValueError`\\ s, the refusal every caller already handles.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final, NoReturn

# Far deeper than any RetroBoard payload (apps_list, the deepest, nests 7 levels), far
# shallower than the interpreter's recursion limit, also for whoever serialises it again.
MAX_JSON_DEPTH: Final = 64


class JsonTooDeep(ValueError):
    """Containers nested deeper than the limit."""


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 would come back as Infinity
        raise ValueError(f"number {text[:32]} is out of range")
    return value


def loads(data: str | bytes | bytearray, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse standard JSON nested at most ``max_depth`` levels; ``ValueError`` otherwise.

    ``NaN``, ``Infinity`` and numbers too large for a float are refused; so is UTF-8
    that does not decode (:class:`UnicodeDecodeError` is a ``ValueError``).
    """
    try:
        value = json.loads(data, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels") from None
    if _deeper_than(value, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    # Iterative: a recursive walk would hit the very limit this guards against.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
