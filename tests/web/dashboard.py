"""What a test does with the dashboard page, in a person's terms (a page object)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

# The [x, y] panel positions of the LEDs whose centre pixel has exactly the colour
# ``rgb``. The canvas draws each panel pixel as a round LED of ``canvas.width / panel
# width`` device pixels; the centre keeps the frame's exact colour.
LEDS_OF_JS = """([r, g, b]) => {
  const canvas = document.querySelector('[data-testid=led-preview]');
  if (!canvas || !canvas.dataset.panel) return [];
  const [w, h] = canvas.dataset.panel.split('x').map(Number);
  const pitch = canvas.width / w;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const found = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const cx = Math.floor(x * pitch + pitch / 2);
      const cy = Math.floor(y * pitch + pitch / 2);
      const i = (cy * canvas.width + cx) * 4;
      if (data[i] === r && data[i + 1] === g && data[i + 2] === b) found.push([x, y]);
    }
  }
  return found;
}"""


class Dashboard:
    """The dashboard open in one browser page."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url

    def open(self, query: str = "") -> Dashboard:
        """Load the page and wait until it shows the board's state."""
        self.page.goto(self.url + "/" + query)
        self.wait_connected()
        expect(self.page.locator("[data-testid^=app-card-]").first).to_be_visible()
        return self

    def wait_connected(self, timeout: float = 10_000) -> None:
        expect(self.connection).to_have_attribute("data-status", "connected", timeout=timeout)

    @property
    def connection(self) -> Locator:
        return self.page.get_by_test_id("connection")

    @property
    def preview(self) -> Locator:
        return self.page.get_by_test_id("led-preview")

    def card(self, app: str) -> Locator:
        return self.page.get_by_test_id(f"app-card-{app}")

    def config_form(self, app: str) -> Locator:
        """The settings form of ``app`` (its tab selected first)."""
        self.page.get_by_test_id(f"config-tab-{app}").click()
        return self.page.get_by_test_id(f"config-form-{app}")

    def carousel_row(self, index: int) -> Locator:
        return self.page.get_by_test_id(f"carousel-row-{index}")

    def lit(self, rgb: list[int]) -> list[tuple[int, int]]:
        """The preview's LEDs that show exactly ``rgb`` now, as (x, y)."""
        found: Any = self.page.evaluate(LEDS_OF_JS, rgb)
        return [(int(x), int(y)) for x, y in found]

    def leds_of(self, rgb: list[int]) -> int:
        """How many LEDs of the preview show exactly ``rgb`` now."""
        return len(self.lit(rgb))

    def lit_columns(self, rgb: list[int]) -> tuple[int, int] | None:
        """The first and last panel columns showing ``rgb``, if any."""
        columns = [x for x, _y in self.lit(rgb)]
        return (min(columns), max(columns)) if columns else None

    def frames(self) -> int:
        """Preview frames drawn so far."""
        return int(self.preview.get_attribute("data-frames") or 0)

    # --- the image library ------------------------------------------------------------

    @property
    def library(self) -> Locator:
        return self.page.get_by_test_id("image-library")

    def asset_tile(self, name: str) -> Locator:
        return self.page.get_by_test_id(f"asset-{name}")

    def choose_file(self, selector: str, path: Path) -> None:
        """Pick ``path`` in the file input ``selector`` as the file chooser would.

        Chrome DevTools Protocol ``DOM.setFileInputFiles`` (params ``files``, a list of
        paths, and the input's ``objectId``) sets the files and fires ``input`` and
        ``change``, like a person picking the file.
        """
        cdp = self.page.context.new_cdp_session(self.page)
        try:
            found = cdp.send(
                "Runtime.evaluate", {"expression": f"document.querySelector({selector!r})"}
            )
            object_id = found["result"].get("objectId")
            assert object_id, f"no element {selector}"
            cdp.send("DOM.setFileInputFiles", {"files": [str(path)], "objectId": object_id})
        finally:
            cdp.detach()

    def drop_file(self, target: Locator, name: str, data: bytes, mime: str) -> None:
        """Drop a file called ``name`` on ``target``, as dragging it from the desktop does."""
        target.evaluate(
            """(el, [name, bytes, mime]) => {
              const transfer = new DataTransfer();
              transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
              for (const type of ['dragenter', 'dragover', 'drop']) {
                el.dispatchEvent(
                  new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }),
                );
              }
            }""",
            [name, list(data), mime],
        )

    # --- time: transitions, the location, night mode --------------------------------

    @property
    def board_settings(self) -> Locator:
        """The Board settings panel: the transition and the location."""
        return self.page.get_by_test_id("board-settings")

    @property
    def night(self) -> Locator:
        """The Night mode panel."""
        return self.page.get_by_test_id("night")

    @property
    def night_status(self) -> Locator:
        """The live line: "On now", "Off", with "(by hand)" when switched by hand."""
        return self.page.get_by_test_id("night-status")

    def carousel_schedule(self, index: int) -> Locator:
        """Row ``index``'s schedule editor, opened first when it is closed."""
        editor = self.page.get_by_test_id(f"carousel-schedule-editor-{index}")
        if not editor.is_visible():
            self.page.get_by_test_id(f"carousel-schedule-toggle-{index}").click()
        return editor

    # --- notifications --------------------------------------------------------------

    @property
    def notifications(self) -> Locator:
        """The Notifications panel: the one on show, the queue and the composer."""
        return self.page.get_by_test_id("notifications")

    @property
    def current_notification(self) -> Locator:
        return self.page.get_by_test_id("notification-current")

    @property
    def queue_length(self) -> Locator:
        return self.page.get_by_test_id("notification-queue-length")

    @property
    def queued(self) -> Locator:
        """The queued notifications' entries, oldest first."""
        return self.page.get_by_test_id("notification-queue").get_by_role("listitem")

    def compose(
        self,
        text: str,
        *,
        icon: str | None = None,
        color: str | None = None,
        duration: int | None = None,
        hold: bool = False,
    ) -> None:
        """Fill the composer as a person would and press Send."""
        form = self.page.get_by_test_id("notify-form")
        form.get_by_label("Text").fill(text)
        if icon is not None:
            form.get_by_test_id("asset-picker").get_by_role("combobox").select_option(icon)
        if color is not None:
            form.get_by_label("Colour").fill(color)
        if duration is not None:  # before "hold", which disables it
            form.get_by_label("Duration (s)").fill(str(duration))
        form.get_by_label("Hold until dismissed").set_checked(hold)
        form.get_by_role("button", name="Send").click()

    def dismiss(self) -> None:
        self.current_notification.get_by_role("button", name="Dismiss").click()
