"""An app type from a package outside the repository, found through its entry point:
the documented example (examples/hello-app) as an installed package would be."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from retroboard_renderer.apps import BUILTIN_APPS, ENTRY_POINT_GROUP, discover_app_types

EXAMPLE = Path(__file__).parents[2] / "examples" / "hello-app"


def install(site: Path, name: str, entry_points: dict[str, str]) -> None:
    """What pip leaves for an installed package: a dist-info with its entry points."""
    info = site / f"{name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    lines = [f"{key} = {value}" for key, value in entry_points.items()]
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n" + "\n".join(lines) + "\n")


def test_the_example_app_type_is_found_and_draws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())
    points = project["project"]["entry-points"][ENTRY_POINT_GROUP]
    install(tmp_path, "retroboard_hello", points)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(EXAMPLE))
    types = discover_app_types()
    assert list(types)[: len(BUILTIN_APPS)] == list(BUILTIN_APPS)
    hello = types["hello"]
    app = hello(hello.config_model.model_validate({"name": "Ada"}), 64, 32)
    assert np.asarray(app.render(0.0)).any()
    assert not np.asarray(app.render(1.0)).any()  # it blinks


def test_a_broken_or_clashing_plug_in_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(
        tmp_path,
        "broken_apps",
        {
            "missing": "no_such_module:App",
            "clock": "retroboard_renderer.apps.stars:Stars",
            "notanapp": "json:dumps",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert discover_app_types() == BUILTIN_APPS
