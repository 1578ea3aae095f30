"""bench/apps.py measures every built-in app type with content a user would give it."""

from __future__ import annotations

import pytest

from bench.apps import CONFIGS, content_for
from retroboard_renderer.apps import BUILTIN_APPS


def test_every_app_type_has_content() -> None:
    assert set(CONFIGS) == set(BUILTIN_APPS)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_content_is_a_valid_config(name: str) -> None:
    BUILTIN_APPS[name].config_model.model_validate(content_for(name, "http://127.0.0.1:1"))
