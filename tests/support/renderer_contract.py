"""Names shared by the renderer contract tests and their fixtures."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.processes import ServiceProcess

BOARD = "test"

RendererFactory = Callable[..., ServiceProcess]
"""Starts a renderer: ``start(*args, board=BOARD, **env)``."""
