"""The one fake clock of the tests: time moves only when the test says, and actions
scheduled on it (a store's delayed save) run when it passes their due time."""

from __future__ import annotations

from collections.abc import Callable


class FakeClock:
    """A clock the test moves by hand: call it for the time, ``advance`` to move it.

    ``schedule`` has the signature of ``retroboard_renderer.store.Scheduler``.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._ids = 0

    def __call__(self) -> float:
        return self.now

    def schedule(self, delay: float, action: Callable[[], None]) -> Callable[[], None]:
        """Run ``action`` once the clock is ``delay`` seconds on; returns a cancel."""
        self._ids += 1
        entry = (self.now + delay, self._ids, action)
        self._due.append(entry)

        def cancel() -> None:
            if entry in self._due:
                self._due.remove(entry)

        return cancel

    @property
    def scheduled(self) -> int:
        """How many actions wait for their time."""
        return len(self._due)

    def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds``, running what falls due, in order."""
        target = self.now + seconds
        while due := sorted(e for e in self._due if e[0] <= target):
            when, _, action = due[0]
            self._due.remove(due[0])
            self.now = max(self.now, when)
            action()
        self.now = target
