"""An append-only journal of whole states, so a change is durable before it is answered.

Each record is one line: ``<seq> <crc32> <state JSON>``. The sequence number grows with
every append, the CRC-32 covers ``<seq> <state JSON>``. An append is a single
``write(2)`` on an ``O_APPEND`` descriptor and :meth:`Journal.sync` makes every append
so far durable with one ``fdatasync`` (group commit: the caller batches). Reading keeps
only complete, checksum-valid lines, so a line torn by a crash is ignored; the record
with the highest sequence number wins. :meth:`Journal.clear` empties the file once its
records are in ``state.json``.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

JOURNAL_FILE = "state.journal"


def encode_record(seq: int, data: bytes) -> bytes:
    """One journal line for ``data`` (a state as compact JSON, without newlines)."""
    if b"\n" in data:
        raise ValueError("a journal record must be one line")
    body = b"%d " % seq + data
    return b"%d %08x %s\n" % (seq, zlib.crc32(body), data)


def decode_record(line: bytes) -> tuple[int, bytes] | None:
    """``(seq, data)`` of a complete, checksum-valid line; ``None`` for anything else."""
    if not line.endswith(b"\n"):
        return None  # torn by a crash in the middle of the append
    parts = line[:-1].split(b" ", 2)
    if len(parts) != 3:
        return None
    raw_seq, raw_crc, data = parts
    try:
        seq, crc = int(raw_seq), int(raw_crc, 16)
    except ValueError:
        return None
    if zlib.crc32(b"%d " % seq + data) != crc:
        return None
    return seq, data


class Journal:
    """The journal file of one state folder.

    No descriptor stays open between commits: a folder with a file open for writing
    cannot be remounted read-only, and the append's ``open`` costs little beside its
    ``fdatasync``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last_seq: int | None = None  # read from the file on the first append
        self._unsynced: int | None = None
        try:
            self.dirty = path.stat().st_size > 0
            """Whether the file may hold records (then it must be cleared after a save)."""
        except FileNotFoundError:
            self.dirty = False
        except OSError:
            self.dirty = True  # cannot tell: clear it to be safe

    def records(self) -> Iterator[tuple[int, bytes]]:
        """Every complete, valid record in file order (a missing file has none)."""
        try:
            with self.path.open("rb") as file:
                lines = file.readlines()
        except FileNotFoundError:
            return
        for number, line in enumerate(lines, 1):
            record = decode_record(line)
            if record is None:
                if number < len(lines) or line.endswith(b"\n"):
                    log.warning("skipping a damaged record (line %d) in %s", number, self.path)
                continue
            yield record

    def newest(self) -> bytes | None:
        """The data of the valid record with the highest sequence number, if any (read
        at start: appends go on from that number without reading the file again)."""
        best: tuple[int, bytes] | None = None
        for record in self.records():
            if best is None or record[0] > best[0]:
                best = record
        self._last_seq = best[0] if best else 0
        return best[1] if best else None

    def append(self, data: bytes) -> int:
        """Append one record (not yet durable: call :meth:`sync`); returns its seq."""
        if self._last_seq is None:  # go on from the records left before a restart
            self.newest()
        seq = (self._last_seq or 0) + 1
        line = encode_record(seq, data)
        fd = self._open()
        try:
            self.dirty = True
            written = os.write(fd, line)
            if written != len(line):  # a full disk mid-record: ignored on load as torn
                raise OSError(28, "short write to the journal")
        except OSError:
            os.close(fd)
            raise
        self._close_unsynced()
        self._unsynced = fd
        self._last_seq = seq
        return seq

    def sync(self) -> None:
        """Make every append so far durable (one ``fdatasync``) and close the file."""
        fd, self._unsynced = self._unsynced, None
        if fd is None:
            return
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)

    def clear(self) -> None:
        """Empty the journal durably (its records are all in ``state.json`` now)."""
        if not self.dirty:
            return
        try:
            os.truncate(self.path, 0)
        except FileNotFoundError:
            self.dirty = False
            return
        fd = os.open(self.path, os.O_RDONLY)  # fsync works on it, and it blocks no remount
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self.dirty = False

    def _close_unsynced(self) -> None:
        if self._unsynced is not None:
            os.close(self._unsynced)
            self._unsynced = None

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if created:
            # The new name must survive a power cut too, not just the file's data.
            try:
                directory = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(directory)
                finally:
                    os.close(directory)
            except OSError:
                os.close(fd)
                raise
        return fd
