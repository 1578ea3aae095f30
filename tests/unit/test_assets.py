"""The image library: what is put is listed, served, replaced and deleted; files are
written atomically; the total limit holds; a restart finds the same library."""

from __future__ import annotations

import io
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from retroboard_common.commands import CommandError
from retroboard_renderer import assets
from retroboard_renderer.assets import AssetLibrary


def encode(size: tuple[int, int], fmt: str = "PNG", color: Any = (255, 0, 0), **kw: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **kw)
    return buffer.getvalue()


def noise(side: int) -> bytes:
    """A PNG that does not compress: about 3 × side² bytes."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def code_of(action: Any, *args: Any) -> str:
    with pytest.raises(CommandError) as caught:
        action(*args)
    return caught.value.code


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "assets"


@pytest.fixture
def library(folder: Path) -> AssetLibrary:
    instance = AssetLibrary(folder)
    instance.load()
    return instance


def test_put_lists_serves_and_stores_one_file(library: AssetLibrary, folder: Path) -> None:
    data = encode((20, 10))
    info = library.put("logo", data)
    assert (info.name, info.format, info.width, info.height, info.frames, info.bytes) == (
        "logo",
        "png",
        20,
        10,
        1,
        len(data),
    )
    state = library.state()
    assert state.assets == [info]
    assert state.bytes == len(data)
    assert state.limit == 32 * 1024 * 1024
    assert library.get("logo") == (data, "image/png")
    assert library.path_of("logo") == folder / "logo.png"
    assert sorted(p.name for p in folder.iterdir()) == ["logo.png"]  # no temp file left


def test_each_format_gets_its_extension_and_content_type(
    library: AssetLibrary, folder: Path
) -> None:
    for name, fmt in (("a", "GIF"), ("b", "JPEG"), ("c", "WEBP"), ("d", "BMP")):
        library.put(name, encode((4, 4), fmt))
    assert sorted(p.name for p in folder.iterdir()) == ["a.gif", "b.jpg", "c.webp", "d.bmp"]
    assert [library.get(n)[1] for n in "abcd"] == [
        "image/gif",
        "image/jpeg",
        "image/webp",
        "image/bmp",
    ]


def test_list_is_sorted_by_name(library: AssetLibrary) -> None:
    for name in ("zebra", "0-first", "middle_one"):
        library.put(name, encode((2, 2)))
    assert [a.name for a in library.state().assets] == ["0-first", "middle_one", "zebra"]


@pytest.mark.parametrize("name", ["", "Logo", "-dash", "_x", "a/b", "../up", "a.png", "x" * 65])
def test_bad_names_are_invalid(library: AssetLibrary, name: str) -> None:
    assert code_of(library.put, name, encode((2, 2))) == "invalid"
    assert library.state().assets == []


def test_the_probe_limits_apply_to_uploads(library: AssetLibrary, folder: Path) -> None:
    assert code_of(library.put, "text", b"not an image") == "unsupported"
    assert code_of(library.put, "bomb", encode((2000, 2000), "PNG", 0)) == "too_large"
    truncated = noise(32)
    assert code_of(library.put, "half", truncated[: len(truncated) // 2]) == "invalid"
    assert library.state().assets == []
    assert not folder.exists() or list(folder.iterdir()) == []


def test_replacing_keeps_one_file_and_changes_the_version(
    library: AssetLibrary, folder: Path
) -> None:
    library.put("pic", encode((4, 4), "PNG"))
    first = library.version_of("pic")
    gif = encode((8, 8), "GIF")
    library.put("pic", gif)
    assert library.version_of("pic") != first
    assert library.state().bytes == len(gif)
    assert [p.name for p in folder.iterdir()] == ["pic.gif"]
    assert library.get("pic") == (gif, "image/gif")
    library.put("pic", gif)  # the same bytes again still count as a new version
    assert library.version_of("pic") not in (0, first)


def test_delete_removes_the_file_and_unknown_names_are_refused(
    library: AssetLibrary, folder: Path
) -> None:
    library.put("gone", encode((4, 4)))
    library.delete("gone")
    assert library.state().assets == []
    assert library.path_of("gone") is None
    assert library.version_of("gone") == 0
    assert list(folder.iterdir()) == []
    assert code_of(library.delete, "gone") == "unknown_asset"
    assert code_of(library.get, "gone") == "unknown_asset"


def test_the_total_limit_counts_every_file_but_not_a_replaced_one(folder: Path) -> None:
    first, second = noise(40), noise(40)
    library = AssetLibrary(folder, limit_bytes=len(first) + len(second) // 2)
    library.load()
    library.put("one", first)
    assert code_of(library.put, "two", second) == "too_large"
    assert [a.name for a in library.state().assets] == ["one"]
    assert [p.name for p in folder.iterdir()] == ["one.png"]
    library.put("one", second)  # replacing: the old size is not counted twice
    assert library.state().bytes == len(second)


def test_a_failed_write_leaves_nothing_behind(
    library: AssetLibrary, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library.put("kept", encode((4, 4)))

    def broken_replace(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        library.put("new", encode((4, 4)))
    assert [a.name for a in library.state().assets] == ["kept"]
    assert [p.name for p in folder.iterdir()] == ["kept.png"]


def test_a_restart_finds_the_same_library(library: AssetLibrary, folder: Path) -> None:
    library.put("still", encode((5, 3)))
    frames = [Image.new("RGB", (6, 6), (i * 60, 0, 0)) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    library.put("moving", buffer.getvalue())
    again = AssetLibrary(folder)
    again.load()
    assert again.state() == library.state()
    assert again.version_of("moving") != 0
    assert again.get("moving") == library.get("moving")


def test_start_cleans_crash_leftovers_and_skips_corrupt_files(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder.mkdir()
    good = encode((4, 4))
    (folder / "good.png").write_bytes(good)
    (folder / ".half.png.x1y2.tmp").write_bytes(good[:10])  # a put cut short
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (folder / "liar.gif").write_bytes(good)  # a PNG under a GIF name
    (folder / "notes.txt").write_text("hello")
    library = AssetLibrary(folder)
    with caplog.at_level(logging.WARNING, logger="retroboard_renderer.assets"):
        library.load()
    assert [a.name for a in library.state().assets] == ["good"]
    assert not (folder / ".half.png.x1y2.tmp").exists()
    logged = caplog.text
    assert "broken.png" in logged
    assert "liar.gif" in logged


def test_a_crash_between_rename_and_removing_the_old_format_keeps_the_newer(
    folder: Path,
) -> None:
    folder.mkdir()
    old, new = folder / "pic.png", folder / "pic.gif"
    old.write_bytes(encode((4, 4), "PNG"))
    new.write_bytes(encode((4, 4), "GIF"))
    os.utime(old, ns=(1_000_000_000, 1_000_000_000))
    library = AssetLibrary(folder)
    library.load()
    info = library.info("pic")
    assert info is not None
    assert info.format == "gif"
    assert not old.exists()


def test_a_missing_folder_is_an_empty_library(tmp_path: Path) -> None:
    library = AssetLibrary(tmp_path / "nowhere")
    library.load()
    assert library.state().assets == []
    library.put("first", encode((2, 2)))
    assert (tmp_path / "nowhere" / "first.png").exists()


def test_concurrent_puts_never_exceed_the_limit(folder: Path) -> None:
    images = [noise(24) for _ in range(8)]
    limit = sum(len(image) for image in images[:4])
    library = AssetLibrary(folder, limit_bytes=limit)
    library.load()
    refusals: list[str] = []

    def upload(index: int) -> None:
        try:
            library.put(f"img{index}", images[index])
        except CommandError as exc:
            refusals.append(exc.code)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state = library.state()
    assert state.bytes <= limit
    assert state.bytes == sum(p.stat().st_size for p in folder.iterdir())
    assert len(state.assets) + len(refusals) == 8
    assert set(refusals) <= {"too_large"}


def test_the_library_holds_at_most_max_assets_images(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assets, "MAX_ASSETS", 3)
    library = AssetLibrary(tmp_path)
    library.load()
    tiny = encode((2, 2))
    for name in ("a", "b", "c"):
        library.put(name, tiny)
    with pytest.raises(CommandError) as refused:
        library.put("d", tiny)
    assert refused.value.code == "too_large" and "at most 3" in refused.value.message
    library.put("a", tiny)  # replacing one is fine
    assert [info.name for info in library.state().assets] == ["a", "b", "c"]
