"""The board's image library: named images in one folder of the state volume.

Each asset is one file, ``<name><extension of its format>``. A new or replaced file is
written beside it under a temporary dot-name, flushed with ``fsync``, renamed into
place and the folder synced, so a listing (which skips dot-files) never shows half a
file, and a crash leaves at worst a temporary file that :meth:`AssetLibrary.load`
removes. Every upload passes :func:`retroboard_renderer.images.probe`; together the
files hold at most ``limit_bytes``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from retroboard_common.commands import CommandError
from retroboard_common.models import AssetFormat, AssetInfo, AssetsState
from retroboard_renderer.images import CONTENT_TYPES, EXTENSIONS, ImageFacts, probe

log = logging.getLogger(__name__)

DEFAULT_LIMIT_BYTES: Final = 32 * 1024 * 1024
"""What one board's library may hold in all."""
NAME_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""The same rule as :data:`retroboard_common.models.AssetName`."""
TEMP_SUFFIX: Final = ".tmp"

_FORMAT_OF_EXTENSION: Final[dict[str, AssetFormat]] = {
    extension: image_format for image_format, extension in EXTENSIONS.items()
}


MAX_ASSETS: Final = 500
"""Images a library may hold, however small: keeps ``state/assets`` well under its
128 KiB limit (an entry is ~120 bytes)."""


@dataclass(frozen=True)
class _Stored:
    info: AssetInfo
    path: Path
    version: int


class AssetLibrary:
    """Named images on disk; what the ``image`` app reads (an ``AssetSource``).

    The constructor stores its settings; :meth:`load` reads the folder (call it once
    at start). Every method is thread-safe: commands arrive on the MQTT thread while
    apps read on the render and update threads.
    """

    def __init__(self, directory: Path, limit_bytes: int = DEFAULT_LIMIT_BYTES) -> None:
        self.directory = directory
        self.limit_bytes = limit_bytes
        self._lock = threading.Lock()
        self._assets: dict[str, _Stored] = {}
        self._versions = 0  # bumped by every put: a replaced asset never looks the same

    # --- start ----------------------------------------------------------------------

    def load(self) -> None:
        """Read the folder: remove temporary files a crash left, then take every
        image file whose name and contents pass (others are skipped with a warning)."""
        with self._lock:
            self._assets.clear()
            try:
                entries = sorted(self.directory.iterdir())
            except FileNotFoundError:
                return
            for path in entries:
                if path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX):
                    log.warning("removing %s, left half-written by a crash", path.name)
                    path.unlink(missing_ok=True)
                    continue
                stored = self._scan(path)
                if stored is None:
                    continue
                older = self._assets.get(stored.info.name)
                if older is not None:
                    # A crash between renaming a new file in and removing the old one
                    # of another format: the newer file is the one that was put last.
                    keep, drop = _newer(stored, older)
                    log.warning("%s replaced %s; removing the older", keep.path, drop.path)
                    drop.path.unlink(missing_ok=True)
                    stored = keep
                self._assets[stored.info.name] = stored

    def _scan(self, path: Path) -> _Stored | None:
        """The asset stored in ``path``, or ``None`` (logged) when it is not one."""
        name, extension = os.path.splitext(path.name)
        image_format = _FORMAT_OF_EXTENSION.get(extension)
        if image_format is None or not NAME_PATTERN.fullmatch(name) or not path.is_file():
            log.warning("ignoring %s in the image library: not an asset file", path.name)
            return None
        try:
            data = path.read_bytes()
            facts = probe(data)
        except (OSError, CommandError) as exc:
            log.warning("skipping image %s: %s", path.name, exc)
            return None
        if facts.format != image_format:
            log.warning("skipping image %s: its contents are %s", path.name, facts.format)
            return None
        self._versions += 1
        return _Stored(_info(name, facts, len(data)), path, self._versions)

    # --- changes --------------------------------------------------------------------

    def put(self, name: str, data: bytes) -> AssetInfo:
        """Store ``data`` as asset ``name``, replacing any asset of that name.

        Raises :class:`CommandError`: ``invalid`` for a bad name or a corrupt image,
        ``unsupported`` for a format the board does not show, ``too_large`` for an
        image over the limits of :func:`~retroboard_renderer.images.probe` or when the
        library would hold more than ``limit_bytes`` (a replaced asset's old size does
        not count). Nothing is changed when it raises.
        """
        if not NAME_PATTERN.fullmatch(name):
            raise CommandError(
                "invalid",
                "an asset name is 1–64 lower-case letters, digits, '_' or '-', "
                "starting with a letter or digit",
            )
        facts = probe(data)
        info = _info(name, facts, len(data))
        path = self.directory / f"{name}{EXTENSIONS[facts.format]}"
        with self._lock:
            old = self._assets.get(name)
            if old is None and len(self._assets) >= MAX_ASSETS:
                raise CommandError(
                    "too_large", f"the image library holds at most {MAX_ASSETS} images"
                )
            others = self._total() - (old.info.bytes if old else 0)
            if others + len(data) > self.limit_bytes:
                raise CommandError(
                    "too_large",
                    f"the image library would hold {others + len(data)} bytes; "
                    f"its limit is {self.limit_bytes}",
                )
            self._write(path, data)
            if old is not None and old.path != path:
                old.path.unlink(missing_ok=True)
                self._sync_directory()
            self._versions += 1
            self._assets[name] = _Stored(info, path, self._versions)
        return info

    def delete(self, name: str) -> None:
        """Remove asset ``name``; ``unknown_asset`` when there is none."""
        with self._lock:
            stored = self._assets.get(name)
            if stored is None:
                raise CommandError("unknown_asset", f"no image named {name!r}")
            stored.path.unlink(missing_ok=True)
            self._sync_directory()
            del self._assets[name]

    def _write(self, path: Path, data: bytes) -> None:
        """Write ``path`` atomically: temp file, fsync, rename, folder fsync."""
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor, temp_name = tempfile.mkstemp(
            dir=self.directory, prefix=f".{path.name}.", suffix=TEMP_SUFFIX
        )
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        self._sync_directory()

    def _sync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    # --- reading --------------------------------------------------------------------

    def state(self) -> AssetsState:
        """The ``state/assets`` payload: every asset by name, and how full it is."""
        with self._lock:
            assets = [self._assets[name].info for name in sorted(self._assets)]
            return AssetsState(assets=assets, bytes=self._total(), limit=self.limit_bytes)

    def info(self, name: str) -> AssetInfo | None:
        """What is known of asset ``name``; ``None`` when there is none."""
        with self._lock:
            stored = self._assets.get(name)
            return stored.info if stored else None

    def path_of(self, name: str) -> Path | None:
        """The file of asset ``name``; ``None`` when there is none."""
        with self._lock:
            stored = self._assets.get(name)
            return stored.path if stored else None

    def version_of(self, name: str) -> int:
        """A number that changes with every put of ``name`` (0 when absent)."""
        with self._lock:
            stored = self._assets.get(name)
            return stored.version if stored else 0

    def get(self, name: str) -> tuple[bytes, str]:
        """Asset ``name``'s bytes and content type; ``unknown_asset`` when absent."""
        with self._lock:
            stored = self._assets.get(name)
            if stored is None:
                raise CommandError("unknown_asset", f"no image named {name!r}")
            # Under the lock: a put or delete cannot swap the file mid-read.
            data = stored.path.read_bytes()
            return data, CONTENT_TYPES[stored.info.format]

    def _total(self) -> int:
        return sum(stored.info.bytes for stored in self._assets.values())


def _info(name: str, facts: ImageFacts, size: int) -> AssetInfo:
    return AssetInfo(
        name=name,
        format=facts.format,
        width=facts.width,
        height=facts.height,
        frames=facts.frames,
        bytes=size,
    )


def _newer(first: _Stored, second: _Stored) -> tuple[_Stored, _Stored]:
    """``(newer, older)`` of two files holding the same asset, by modification time."""
    if first.path.stat().st_mtime_ns >= second.path.stat().st_mtime_ns:
        return first, second
    return second, first
