"""JSON from the network, parsed strictly: standard JSON only, and only so deep.

Python's :func:`json.loads` accepts ``NaN``/``Infinity`` (which no JSON parser in a
browser reads back, so a ``NaN`` kept and served again makes every answer unreadable)
and recurses once per nesting level, so ``[[[[…]]]]`` 5,000 deep in 10 KB raises
``RecursionError``, which no ``except ValueError`` catches. Here both are plain
:class:`ValueError`\\ s, the refusal every caller already handles, and the nesting is
measured on the text before parsing, so a deep document never recurses at all (at the
edge of the recursion limit even a finaliser run by the garbage collector fails).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final, NoReturn

# Far deeper than any RetroBoard payload (apps_list, the deepest, nests 7 levels), far
# shallower than the interpreter's recursion limit, also for whoever serialises it again.
MAX_JSON_DEPTH: Final = 64


_STRING: Final = re.compile(r'"(?:[^"\\]|\\.)*"')  # a JSON string, escapes included
_BRACKET: Final = re.compile(r"[\[\]{}]")


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
    text = data if isinstance(data, str) else _decoded(data)
    if _deeper_than(text, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite)


def _decoded(data: bytes | bytearray) -> str:
    """The text of JSON bytes, in the encoding :func:`json.loads` would detect."""
    return bytes(data).decode(json.detect_encoding(data), "surrogatepass")


def _deeper_than(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (no recursion)."""
    if text.count("[") + text.count("{") <= limit:  # the usual case, at C speed
        return False
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth = depth + 1 if bracket in "[{" else depth - 1
        if depth > limit:
            return True
    return False
