"""Which browser origins may use the api: its own plus RETROBOARD_CORS_ORIGINS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class OriginPolicy:
    """Engine.IO's ``cors_allowed_origins`` callable: same origin or a listed one."""

    def __init__(self, origins: list[str]) -> None:
        self.any = "*" in origins
        self.origins = frozenset(origins)

    def __call__(self, origin: str | None, environ: Mapping[str, Any]) -> bool:
        """Whether ``origin`` may connect."""
        if origin is None or self.any or origin.rstrip("/") in self.origins:
            return True
        return origin.rstrip("/") in same_origins(environ)


def same_origins(environ: Mapping[str, Any]) -> set[str]:
    """The api's own origin as the browser sees it (directly or through a proxy)."""
    host = environ.get("HTTP_HOST")
    if not host:
        return set()
    scheme = environ.get("wsgi.url_scheme", "http")
    origins = {f"{scheme}://{host}"}
    forwarded_proto = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
    forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
    origins.add(f"{forwarded_proto}://{forwarded_host}")
    return origins
