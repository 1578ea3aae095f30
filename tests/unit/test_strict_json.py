"""retroboard_common.strict_json: standard JSON only, nested at most 64 levels."""

from __future__ import annotations

import sys

import pytest

from retroboard_common.strict_json import MAX_JSON_DEPTH, JsonTooDeep, loads


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_the_limit_itself_is_fine_one_more_is_refused() -> None:
    assert loads(nested(MAX_JSON_DEPTH)) is not None
    with pytest.raises(JsonTooDeep):
        loads(nested(MAX_JSON_DEPTH + 1))


def test_a_very_deep_document_is_refused_before_any_recursion() -> None:
    # Deeper than the interpreter's recursion limit: json.loads itself would raise
    # RecursionError (and the garbage collector's finalisers fail at that edge).
    with pytest.raises(JsonTooDeep):
        loads(nested(sys.getrecursionlimit() * 5).encode())


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"a": "' + "[" * 200 + '", "b": "quote \\" [[[[", "c": [[1]]}'
    assert loads(text)["c"] == [[1]]
    escaped = '["\\\\", ' + nested(MAX_JSON_DEPTH) + "]"  # a backslash, then real nesting
    with pytest.raises(JsonTooDeep):
        loads(escaped)


def test_bytes_in_any_json_encoding_and_no_constants() -> None:
    assert loads('{"x": [1, 2]}'.encode("utf-16")) == {"x": [1, 2]}
    for constant in ("NaN", "Infinity", "-Infinity", "1e999"):
        with pytest.raises(ValueError):
            loads(f"[{constant}]")
    with pytest.raises(ValueError):
        loads(b"\xff\xfe\xfd")
