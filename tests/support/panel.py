"""What a board's (emulated) panel shows, for unit tests that step the engine by hand."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from retroboard_renderer.board import Board

Frame = npt.NDArray[np.uint8]


def shown(board: Board) -> Frame:
    """Draw a frame (after the work the updater has pending, e.g. an icon to decode)
    and return a copy of what the panel shows."""
    board.updater.poll()
    board.engine.step()
    frame: Frame = board.engine.driver.last_frame  # type: ignore[attr-defined]
    return frame.copy()
