"""What every service's command line does the same way: flags over settings, and
running until SIGTERM or Ctrl+C."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import TypeVar

from pydantic_settings import BaseSettings

from retroboard_common.settings import load_settings

S = TypeVar("S", bound=BaseSettings)


def settings_from_args(
    settings_cls: type[S], program: str, args: argparse.Namespace, *fields: str
) -> S:
    """:func:`load_settings` with the flags named ``fields`` as overrides.

    Each flag's argparse ``dest`` is the settings field it overrides; a flag left
    unset (``None``) keeps the environment's value.
    """
    return load_settings(settings_cls, program, **{field: getattr(args, field) for field in fields})


def wait_for_stop() -> None:
    """Block until SIGTERM or SIGINT (Ctrl+C) arrives."""
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
