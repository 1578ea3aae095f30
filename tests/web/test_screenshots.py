"""Screenshots of the dashboard for docs/dashboard.md, made from the real stack."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.support.pages import DESKTOP, PHONE, PageFactory
from tests.support.stack import wait_until
from tests.web.dashboard import Dashboard
from tests.web.stack import WebStack

pytestmark = pytest.mark.integration

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CYAN = [45, 226, 230]


def save_small(png: bytes, path: Path) -> None:
    """A 256-colour PNG: a flat UI loses nothing visible and the file shrinks ~3x."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = path.with_suffix(".raw.png")
    raw.write_bytes(png)
    with Image.open(raw) as image:
        rgb = image.convert("RGB")
        rgb.quantize(256, Image.Quantize.FASTOCTREE).save(path, optimize=True)
    raw.unlink()


def in_the_middle(columns: tuple[int, int] | None) -> bool:
    return columns is not None and columns[0] >= 12 and columns[1] <= 50


@pytest.mark.parametrize(
    ("name", "viewport", "theme", "full_page"),
    [
        ("dashboard-desktop", DESKTOP, "dark", False),
        ("dashboard-desktop-light", DESKTOP, "light", False),
        ("dashboard-phone", PHONE, "dark", True),
    ],
)
def test_screenshot(
    new_page: PageFactory,
    web_stack: WebStack,
    name: str,
    viewport: dict[str, int],
    theme: str,
    full_page: bool,
) -> None:
    # A short word, slow, so it is caught whole in the middle of the panel.
    scroll = {"color": CYAN, "text": "Retro", "fps": 10, "speed": 1}
    assert web_stack.post("/api/apps/scroll_text/config", json=scroll).ok
    carousel = [
        {"app": "scroll_text", "duration": 600},
        {"app": "clock", "duration": 15},
        {"app": "stars", "duration": 15},
    ]
    assert web_stack.post("/api/carousel", json={"enabled": True, "apps": carousel}).ok
    board = Dashboard(new_page(viewport, theme), web_stack.url).open()
    expect(board.carousel_row(0)).to_have_attribute("data-running", "true")
    wait_until(lambda: in_the_middle(board.lit_columns(CYAN)), timeout=15, what="word centred")
    path = SCREENSHOTS / f"{name}.png"
    save_small(board.page.screenshot(full_page=full_page), path)
    assert path.stat().st_size < 400_000
