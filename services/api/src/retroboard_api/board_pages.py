"""Pages of the board list: a prefix and online filter with a keyset cursor.

Pure functions over the mirror's summaries, which come sorted by board id: the prefix
range and the cursor are found by bisection, so a page of a 10,000-board fleet costs
O(log n + limit) on top of taking the summaries. Only the ``online`` filter looks at
every board of the prefix range (to count them for ``total``).
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from retroboard_common.board_mirror import BoardSummary

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _board_id(summary: BoardSummary) -> str:
    return summary.board_id


@dataclass(frozen=True)
class BoardPage:
    """One page of matching boards, sorted by id."""

    boards: list[BoardSummary]
    total: int
    """How many boards match the filter, on every page together."""
    next: str | None
    """The ``after`` of the next page; ``None`` on the last one."""


def iso_utc(timestamp: float | None) -> str | None:
    """A wall-clock time as ISO 8601 UTC to the second (``None`` stays ``None``)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def find(summaries: Sequence[BoardSummary], board_id: str) -> BoardSummary | None:
    """The summary of ``board_id`` in ``summaries`` (sorted by id), if there."""
    index = bisect_left(summaries, board_id, key=_board_id)
    if index < len(summaries) and summaries[index].board_id == board_id:
        return summaries[index]
    return None


def prefix_end(prefix: str) -> str | None:
    """The least string above every string starting with ``prefix`` (``None``: none is)."""
    # Strings starting with p are exactly those in [p, p with its last character
    # incremented); a last character that cannot be incremented is dropped first.
    stripped = prefix.rstrip(chr(sys.maxunicode))
    if not stripped:
        return None
    return stripped[:-1] + chr(ord(stripped[-1]) + 1)


def prefix_range(summaries: Sequence[BoardSummary], prefix: str) -> tuple[int, int]:
    """The slice ``[start, stop)`` of ``summaries`` whose ids start with ``prefix``."""
    start = bisect_left(summaries, prefix, key=_board_id)
    end = prefix_end(prefix)
    stop = len(summaries) if end is None else bisect_left(summaries, end, key=_board_id)
    return start, max(start, stop)


def board_page(
    summaries: Sequence[BoardSummary],
    *,
    prefix: str = "",
    online: bool | None = None,
    after: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> BoardPage:
    """The page of ``summaries`` (sorted by id) whose ids start with ``prefix``, that are
    ``online`` (or not; ``None``: either), after the id ``after``: at most ``limit``
    (at least 1; ``schemas.BoardsQuery`` checks what a request asks)."""
    start, stop = prefix_range(summaries, prefix)
    if online is not None:
        # Still sorted by id, so the cursor is found in it the same way.
        summaries = [s for s in summaries[start:stop] if s.online == online]
        start, stop = 0, len(summaries)
    first = start
    if after is not None:
        first = bisect_right(summaries, after, start, stop, key=_board_id)
    last = min(stop, first + limit)
    page = list(summaries[first:last])
    more = last < stop  # then the page is not empty: limit is at least 1
    return BoardPage(page, stop - start, page[-1].board_id if more else None)
