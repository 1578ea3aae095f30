"""Pages of the board list: prefix and online filters, the keyset cursor, the limits."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import overload

import pytest

from retroboard_api.board_pages import (
    MAX_LIMIT,
    BoardPage,
    board_page,
    iso_utc,
    prefix_end,
)
from retroboard_api.schemas import BoardsQuery
from retroboard_common.board_mirror import BoardSummary


def summary(board_id: str, online: bool = True) -> BoardSummary:
    return BoardSummary(board_id, online, status_known=True, last_seen=1.0, health=None)


def fleet(*ids: str, offline: tuple[str, ...] = ()) -> list[BoardSummary]:
    """Summaries sorted by id, as the mirror gives them."""
    return [summary(board_id, board_id not in offline) for board_id in sorted(ids)]


def ids(page: BoardPage) -> list[str]:
    return [board.board_id for board in page.boards]


BOARDS = fleet("hall", "hall-2", "hallway", "Hall", "kitchen", "kitchen.1", "attic")


def test_no_filter_lists_every_board_sorted() -> None:
    page = board_page(BOARDS)
    assert ids(page) == ["Hall", "attic", "hall", "hall-2", "hallway", "kitchen", "kitchen.1"]
    assert (page.total, page.next) == (7, None)


def test_prefix_is_case_sensitive_and_counts_its_matches() -> None:
    page = board_page(BOARDS, prefix="hall")
    assert ids(page) == ["hall", "hall-2", "hallway"]
    assert page.total == 3
    assert ids(board_page(BOARDS, prefix="H")) == ["Hall"]
    assert ids(board_page(BOARDS, prefix="kitchen.")) == ["kitchen.1"]


def test_a_prefix_matching_nothing_is_an_empty_last_page() -> None:
    for prefix in ["zebra", "0", "hallz", "kitchen.1.x"]:
        page = board_page(BOARDS, prefix=prefix)
        assert (ids(page), page.total, page.next) == ([], 0, None), prefix


def test_limit_and_cursor_walk_every_page_once() -> None:
    boards = fleet(*(f"b{n:03d}" for n in range(25)))
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = board_page(boards, limit=10, after=after)
        assert page.total == 25
        seen += ids(page)
        pages += 1
        if page.next is None:
            break
        assert page.next == seen[-1]
        after = page.next
    assert seen == [f"b{n:03d}" for n in range(25)]
    assert pages == 3


def test_a_full_last_page_has_no_next() -> None:
    boards = fleet("a", "b", "c", "d")
    first = board_page(boards, limit=2)
    assert (ids(first), first.next) == (["a", "b"], "b")
    last = board_page(boards, limit=2, after="b")
    assert (ids(last), last.next) == (["c", "d"], None)


def test_after_need_not_be_a_known_board() -> None:
    page = board_page(BOARDS, after="hall-1")
    assert ids(page) == ["hall-2", "hallway", "kitchen", "kitchen.1"]
    assert page.total == 7  # total ignores the page
    assert ids(board_page(BOARDS, after="zzz")) == []
    assert ids(board_page(BOARDS, after="0"))[0] == "Hall"


def test_after_before_the_prefix_range_starts_at_the_range() -> None:
    page = board_page(BOARDS, prefix="kitchen", after="attic")
    assert ids(page) == ["kitchen", "kitchen.1"]
    page = board_page(BOARDS, prefix="hall", after="hallway")
    assert (ids(page), page.total, page.next) == ([], 3, None)


def test_online_filter_pages_and_counts_only_its_boards() -> None:
    boards = fleet(*(f"b{n:02d}" for n in range(10)), offline=("b01", "b04", "b05", "b08"))
    offline = board_page(boards, online=False, limit=3)
    assert (ids(offline), offline.total, offline.next) == (["b01", "b04", "b05"], 4, "b05")
    rest = board_page(boards, online=False, limit=3, after="b05")
    assert (ids(rest), rest.next) == (["b08"], None)
    online = board_page(boards, online=True, prefix="b0", after="b02")
    assert ids(online) == ["b03", "b06", "b07", "b09"]
    assert online.total == 6


def test_limit_outside_its_range_is_refused() -> None:
    for limit in [0, -1, MAX_LIMIT + 1]:
        with pytest.raises(ValueError, match="limit"):
            BoardsQuery(limit=limit)  # what a request is checked against


def test_empty_fleet() -> None:
    page = board_page([], prefix="a", after="a", online=True)
    assert (ids(page), page.total, page.next) == ([], 0, None)


def test_prefix_end_bounds_exactly_the_prefixed_strings() -> None:
    assert prefix_end("") is None
    assert prefix_end("ab") == "ac"
    top = chr(sys.maxunicode)
    assert prefix_end(f"a{top}") == "b"
    assert prefix_end(top) is None
    page = board_page(fleet("a", "b"), prefix=top)
    assert ids(page) == []


def test_iso_utc() -> None:
    assert iso_utc(None) is None
    assert iso_utc(1_000_000.0) == "1970-01-12T13:46:40+00:00"
    assert iso_utc(0.9) == "1970-01-01T00:00:00+00:00"


class CountingList(Sequence[BoardSummary]):
    """A list that counts the boards read from it."""

    def __init__(self, boards: list[BoardSummary]) -> None:
        self.boards = boards
        self.reads = 0

    def __len__(self) -> int:
        return len(self.boards)

    @overload
    def __getitem__(self, index: int) -> BoardSummary: ...
    @overload
    def __getitem__(self, index: slice) -> list[BoardSummary]: ...
    def __getitem__(self, index: int | slice) -> BoardSummary | list[BoardSummary]:
        got = self.boards[index]
        self.reads += len(got) if isinstance(got, list) else 1
        return got


def test_a_page_of_ten_thousand_boards_reads_only_its_boards() -> None:
    boards = CountingList(fleet(*(f"board-{n:05d}" for n in range(10_000))))
    page = board_page(boards, prefix="board-07", limit=20, after="board-07500")
    assert ids(page) == [f"board-{n:05d}" for n in range(7501, 7521)]
    assert (page.total, page.next) == (1000, "board-07520")
    # Bisection, not a scan: three searches of ~14 steps each, plus the 20 boards.
    assert boards.reads <= 3 * 15 + 20, boards.reads
