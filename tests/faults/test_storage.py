"""The state folder misbehaves: a corrupt file at boot, a read-only or full disk.
The display keeps running, ``/api/health`` says degraded, nothing saved is lost.

Read-only and full disks are real: a small tmpfs mounted over the state folder
(the tests run as root), remounted read-only or filled up.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.stack import RECOVERY, FaultStack, launch, shutdown
from tests.support.stack import BOARD, wait_until

pytestmark = pytest.mark.integration


def board_health(faults: FaultStack) -> dict[str, Any]:
    health = faults.health()
    board: dict[str, Any] = health["boards"][BOARD]
    return {"status": health["status"], **board}


def display_running(faults: FaultStack) -> None:
    """The renderer draws: it is alive and sends live preview frames when asked."""
    stack = faults.stack
    assert stack.renderer.running, stack.logs()
    stack.probe.clear()
    assert stack.probe.request(BOARD, "preview", {"ttl": 2})["success"] is True
    stack.probe.wait_for(f"retroboard/{BOARD}/frame", timeout=RECOVERY)


def saved(state_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((state_dir / "state.json").read_bytes())
    return data


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "256k") -> Iterator[Path]:
    """A small tmpfs mounted at ``path`` for the duration."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> Path:
    """Write a file into ``folder`` until the disk is full."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as file, contextlib.suppress(OSError):
        while True:
            file.write(b"\0" * 4096)
    return filler


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda _data: b"", id="empty"),
        pytest.param(lambda _data: b"\x00\xff garbage \x00" * 20, id="garbage"),
    ],
)
def test_corrupt_state_file_at_boot(tmp_path: Path, damage: Any) -> None:
    faults = launch(tmp_path)
    stack = faults.stack
    state_dir = tmp_path / f"state-{BOARD}"
    try:
        assert stack.post("/api/switch", json={"app": "stars"}).status_code == 200
        # sleep: past RETROBOARD_SAVE_DELAY (1 s, real time in a real renderer), so the
        # next change is written on its own and this one becomes the last good state.
        time.sleep(1.2)
        assert stack.post("/api/settings", json={"brightness": 42}).status_code == 200
        stack.renderer.stop()
        good = saved(state_dir)
        assert good["brightness"] == 42 and good["current_app"] == "stars"
        last_good = json.loads((state_dir / "state.last-good.json").read_bytes())
        broken = damage((state_dir / "state.json").read_bytes())
        (state_dir / "state.json").write_bytes(broken)

        stack.renderer.start()
        wait_until(
            lambda: board_health(faults)["online"] and board_health(faults)["store"] == "degraded",
            timeout=RECOVERY,
            what="renderer back, reporting its store degraded",
        )
        health = board_health(faults)
        assert health["status"] == "degraded" and health["store"] == "degraded"
        assert "corrupt" in health["store_error"] and "last-good" in health["store_error"]
        # The last-good copy is shown; the damaged file is kept aside, not deleted.
        wait_until(
            lambda: stack.get("/api/current").json()["app"] == last_good["current_app"],
            what="last-good state shown",
        )
        assert stack.get("/api/settings").json()["brightness"] == last_good["brightness"]
        (aside,) = state_dir.glob("state.json.corrupt-*")
        assert aside.read_bytes() == broken
        display_running(faults)
        # Saving works: the next change is on disk.
        assert stack.post("/api/settings", json={"brightness": 43}).status_code == 200
        wait_until(lambda: saved(state_dir)["brightness"] == 43, what="saved")
    finally:
        shutdown(faults)


@pytest.mark.parametrize("fault", ["read-only", "read-only at boot", "full"])
def test_unwritable_state_folder(tmp_path: Path, fault: str) -> None:
    state_dir = tmp_path / f"state-{BOARD}"
    with tmpfs(state_dir):
        faults = launch(tmp_path)
        stack = faults.stack
        try:
            assert stack.post("/api/switch", json={"app": "scroll_text"}).status_code == 200
            wait_until(lambda: saved(state_dir)["current_app"] == "scroll_text", what="saved")
            before = (state_dir / "state.json").read_bytes()
            filler: Path | None = None
            if fault == "full":
                filler = fill(state_dir)
            else:
                if fault == "read-only at boot":
                    stack.renderer.stop()
                subprocess.run(["mount", "-o", "remount,ro", str(state_dir)], check=True)
                if fault == "read-only at boot":
                    stack.renderer.start()
                    wait_until(
                        lambda: board_health(faults)["online"], timeout=RECOVERY, what="online"
                    )
                    # It boots on the saved state; nothing to save, nothing to report yet.
                    assert stack.get("/api/current").json()["app"] == "scroll_text"
                    assert board_health(faults)["store"] == "ok"

            # The change is acknowledged and shown even though it cannot be saved.
            response = stack.post("/api/settings", json={"brightness": 17})
            assert response.status_code == 200, response.text
            wait_until(
                lambda: board_health(faults)["store"] == "degraded",
                timeout=RECOVERY,
                what="health degraded",
            )
            health = board_health(faults)
            assert health["status"] == "degraded" and health["online"] is True
            expected = "No space left" if fault == "full" else "Read-only file system"
            assert expected in health["store_error"]
            assert stack.get("/api/settings").json()["brightness"] == 17
            display_running(faults)
            assert (state_dir / "state.json").read_bytes() == before  # nothing saved is lost

            # Room again: the renderer saves by itself (it retries) and is healthy.
            if filler is not None:
                filler.unlink()
            else:
                subprocess.run(["mount", "-o", "remount,rw", str(state_dir)], check=True)
            wait_until(
                lambda: board_health(faults)["store"] == "ok", timeout=RECOVERY, what="healthy"
            )
            assert saved(state_dir)["brightness"] == 17
            assert faults.healthy()
        finally:
            shutdown(faults)
