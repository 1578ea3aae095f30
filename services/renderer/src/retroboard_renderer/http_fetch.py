"""HTTP GET for apps that fetch their data (weather, web images): bounded in time and
size, so a slow or huge answer fails the update instead of hanging or filling memory."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Final

USER_AGENT: Final = "RetroBoard (+https://github.com/retroboard)"


class FetchError(RuntimeError):
    """A fetch that failed; the message says why, in words fit for the app's state."""


@dataclass(frozen=True)
class Fetched:
    """One successful answer."""

    status: int
    headers: Message
    body: bytes


def fetch(url: str, *, timeout: float, max_bytes: int) -> Fetched:
    """GET ``url``; raises :class:`FetchError` on a network error, a status other than
    2xx, or a body over ``max_bytes``."""
    if not url.startswith(("http://", "https://")):
        raise FetchError(f"not an http(s) URL: {url[:80]!r}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise FetchError(f"answer larger than {max_bytes} bytes")
            return Fetched(answer.status, answer.headers, body)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} from {exc.url}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot fetch {url[:80]}: {reason}") from None
