"""schemathesis over the OpenAPI document the running api serves, with every check it
has (``--checks all``): no server error, every response as the document says, every
request the document allows accepted and every one it forbids refused.

The operations are listed from an offline app (to name one test per operation); each
test fuzzes the document as the real gunicorn api serves it.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from retroboard_api import create_app
from retroboard_common.app_catalog import APP_CONFIGS
from tests.support.api_app import make_settings
from tests.support.api_fakes import FakeMqtt
from tests.support.fuzzing import BACKGROUND_RANDOM
from tests.support.stack import BOARD, Stack

pytestmark = [pytest.mark.integration, BACKGROUND_RANDOM]

EXAMPLES = 50
"""Per operation (half of them on the real board and apps): every status is reached,
and the 27 operations take well under a minute."""


def operations() -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every operation in the document."""
    document = create_app(make_settings(), FakeMqtt()).test_client().get("/openapi/openapi.json")
    paths: dict[str, dict[str, Any]] = document.get_json()["paths"]
    return [(method.upper(), path) for path, ops in paths.items() for method in ops]


APPS = list(APP_CONFIGS)


def known_path_parameters(path: str) -> st.SearchStrategy[dict[str, str]]:
    """Half the cases address the real board and apps, not only random (404) ones."""
    fixed: dict[str, st.SearchStrategy[str]] = {}
    if "{board}" in path:
        fixed["board"] = st.just(BOARD)
    if "{app}" in path:
        fixed["app"] = st.sampled_from(APPS)
    return st.fixed_dictionaries(fixed)


@pytest.fixture(scope="module")
def served_schema(fuzz_stack: Stack) -> Any:
    """The document as the running api serves it."""
    schema = schemathesis.openapi.from_url(f"{fuzz_stack.url}/openapi/openapi.json")
    # A body past the api's size cap (docs/api.md) is refused with 413 before it is
    # read, whatever it holds; the document cannot say "at most 16 KiB" and the custom
    # app's schema (1,024 draw commands, 2,000 characters) makes such bodies.
    checks = schema.config.checks
    for check in (checks.negative_data_rejection, checks.positive_data_acceptance):
        check.expected_statuses = [*check.expected_statuses, "413"]
    return schema


@pytest.mark.parametrize(("method", "path"), operations())
def test_api_keeps_to_its_openapi_document(
    served_schema: Any, fuzz_stack: Stack, method: str, path: str
) -> None:
    operation = served_schema[path][method]
    # A carousel left running by another operation's examples would change the state
    # under this one's; start each operation from a still board.
    assert fuzz_stack.post("/api/carousel", json={"enabled": False}).status_code == 200

    @given(data=st.data())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(data: st.DataObject) -> None:
        mode = data.draw(st.sampled_from(list(GenerationMode)))
        fixed = data.draw(known_path_parameters(path)) if data.draw(st.booleans()) else {}
        case = data.draw(operation.as_strategy(mode, path_parameters=fixed))
        # Every check schemathesis has, but for uploads: their bytes are "binary" to the
        # document, which cannot say "a PNG, GIF, JPEG, WebP or BMP" (refusing others is
        # right), and schemathesis's "invalid" multipart forms are often valid uploads.
        # tests/api/test_integration_apps_assets.py checks every bad upload instead.
        # AWTRIX 3 pushes likewise: the document cannot say each draw command's shape
        # or "two gradient colours or none", and a notification ignores (and lists) the
        # app-only keys it documents for custom apps, whatever their values.
        # tests/api/test_push.py and tests/renderer/test_mqtt_custom_and_notify.py check
        # their bad input instead.
        # The legacy "config of the app showing" can only be documented as any app's
        # config: one valid for another app than the one on show is rightly refused
        # (tests/api/test_integration_rest.py checks it with the app known).
        uploads = [positive_data_acceptance, negative_data_rejection]
        pushes = path.endswith(("/assets", "/custom", "/notify"))
        showing = path in ("/api/config", "/api/boards/{board}/config")
        excluded = uploads if method == "POST" and pushes else []
        if method == "POST" and showing:
            excluded = [positive_data_acceptance]
        case.call_and_validate(base_url=fuzz_stack.url, excluded_checks=excluded)

    fuzz()
