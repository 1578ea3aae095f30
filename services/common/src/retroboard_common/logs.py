"""Service logging, with secrets kept out of every line.

Libraries log what they see: gevent's access lines carry query strings (a Socket.IO
client's ``?token=…``), a URL may carry ``user:password@``. :func:`configure_logging`
sets the services' log format and puts a :class:`RedactingFilter` on the root handler,
which every propagating logger writes through.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
MASK = "***"

# ``token=…`` / ``password=…`` in a query string or a ``key=value`` list.
SECRET_PARAMETER = re.compile(
    r"(?P<key>(?:^|[?&;,\s])(?:token|access_token|auth|password|passwd|pwd)=)[^&;,\s\"']+",
    re.IGNORECASE,
)
# ``scheme://user:password@host`` (the user stays, the password goes).
URL_PASSWORD = re.compile(r"(?P<key>\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+(?=@)", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with known secrets, secret query parameters and URL passwords masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    text = SECRET_PARAMETER.sub(lambda m: m["key"] + MASK, text)
    return URL_PASSWORD.sub(lambda m: m["key"] + MASK, text)


class RedactingFilter(logging.Filter):
    """A handler filter that rewrites each record's message through :func:`redact`."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the message in place; never drops a record."""
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True


class LogOnce:
    """Warn about a key (an MQTT topic) once, and only at debug level after that.

    A bad retained message comes back at every reconnect and a flood repeats itself:
    one line says what is wrong without filling the log. :meth:`forget` re-arms a key
    (its topic carried a good payload again). Bounded: past ``capacity`` keys the memory
    starts over, so random topics cannot grow it.
    """

    def __init__(self, logger: logging.Logger, capacity: int = 1024) -> None:
        self._logger = logger
        self._capacity = capacity
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def warning(self, key: str, message: str, *args: object) -> None:
        """Log ``message % args`` as a warning the first time ``key`` goes wrong."""
        with self._lock:
            first = key not in self._seen
            if first:
                if len(self._seen) >= self._capacity:
                    self._seen.clear()
                self._seen.add(key)
        self._logger.log(logging.WARNING if first else logging.DEBUG, message, *args)

    def forget(self, key: str) -> None:
        """Warn again the next time ``key`` goes wrong."""
        if key in self._seen:  # the common case, without taking the lock
            with self._lock:
                self._seen.discard(key)


def configure_logging(level: str, secrets: Iterable[str | None] = ()) -> None:
    """Log to stderr at ``level`` in the services' format, never showing ``secrets``."""
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)
    redacting = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redacting)
