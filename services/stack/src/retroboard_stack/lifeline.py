"""A lifeline from ``retroboard up`` to the processes that watch over its services.

``retroboard up`` holds an exclusive ``flock`` on a small file for as long as it lives;
whoever watches it asks for a shared lock on the same file, which the kernel grants
only once the holder is gone, however it ended: exit, SIGHUP, the OOM killer's SIGKILL.

Why a lock and not a pipe or ``PR_SET_PDEATHSIG``: the services are grandchildren of
``retroboard up`` (honcho starts each from a worker that a multiprocessing fork server
forked), so no pipe end is inherited and no parent-death signal reaches them. A lock
file needs nothing inherited: its path is enough.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path


class Lifeline:
    """The holder's end: created and locked by :meth:`hold`, removed by :meth:`release`."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(tempfile.gettempdir())
        self.path: Path | None = None
        self._fd: int | None = None

    def hold(self) -> Path:
        """Create the lock file, lock it and return its path."""
        fd, name = tempfile.mkstemp(prefix="retroboard-up-", suffix=".lock", dir=self.folder)
        fcntl.flock(fd, fcntl.LOCK_EX)  # a fresh file: nobody else can hold it yet
        self._fd, self.path = fd, Path(name)
        return self.path

    def release(self) -> None:
        """Let the watchers go and remove the file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def wait_until_released(path: Path) -> None:
    """Block until the holder of ``path`` is gone (at once if it already is)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return  # released and removed already
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    finally:
        os.close(fd)
    # The holder was killed before it could remove the file: tidy up for it.
    path.unlink(missing_ok=True)
