"""schemathesis over the OpenAPI document the running api serves: no server error
but the documented 503/504, and every response as the document says.

The operations are listed from an offline app (to name one test per operation); each
test fuzzes the document as the real gunicorn api serves it.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, positive_data_acceptance

from retroboard_api import create_app
from tests.api.conftest import make_settings
from tests.api.fakes import FakeMqtt
from tests.api.stack import BOARD, Stack
from tests.fuzz.conftest import BACKGROUND_RANDOM

pytestmark = [pytest.mark.integration, BACKGROUND_RANDOM]

EXAMPLES = 50
"""Per operation (half of them on the real board and apps): every status is reached,
and the 27 operations take well under a minute."""


def operations() -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every operation in the document."""
    document = create_app(make_settings(), FakeMqtt()).test_client().get("/openapi/openapi.json")
    paths: dict[str, dict[str, Any]] = document.get_json()["paths"]
    return [(method.upper(), path) for path, ops in paths.items() for method in ops]


APPS = ["clock", "scroll_text", "stars"]


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
    return schemathesis.openapi.from_url(f"{fuzz_stack.url}/openapi/openapi.json")


@schemathesis.check
def no_undocumented_server_error(_ctx: Any, response: Any, case: Any) -> bool | None:
    """5xx only where the document lists it (503 renderer offline, 504 no answer)."""
    status = response.status_code
    if status >= 500:
        documented = case.operation.definition.raw.get("responses", {})
        assert status in (503, 504) and str(status) in documented, (
            f"{case.method} {case.formatted_path}: {status} {response.text[:300]}"
        )
    return None


STATEFUL = {
    "POST /api/config": "the body is a config of whichever app is running",
    "POST /api/carousel": "enabling needs apps, given now or already in the carousel",
    "POST /api/carousel/next": "only while the carousel runs",
}
"""Where a request the document allows may still be refused with 422 by the board's state
(documented on each operation); elsewhere schema-valid data must be accepted."""


def label(case: Any) -> str:
    """``METHOD path`` with the board prefix left out."""
    return f"{case.method} {case.operation.path}".replace("/boards/{board}", "")


def invalid_for_the_app(case: Any) -> bool:
    """Whether ``POST …/apps/<app>/config`` sent a config the app's own JSON Schema
    (published in ``GET /api/apps``) refuses once merged into its saved config.

    The api learns the apps from the renderer at run time, so its document can only say
    "an object"; the app's schema decides, and a refusal must agree with it.
    """
    if label(case) != "POST /api/apps/{app}/config" or not isinstance(case.body, dict):
        return False
    base = case.operation.base_url
    assert base, "the served document's location gives the base URL"
    board = case.path_parameters.get("board", BOARD)
    catalog = requests.get(f"{base}/api/boards/{board}/apps", timeout=10).json()["catalog"]
    app = catalog.get(case.path_parameters["app"])
    if app is None:
        return False
    merged = {**app["config"], **case.body}
    return not jsonschema_rs.validator_for(app["schema"]).is_valid(merged)


@schemathesis.check
def valid_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' positive data acceptance, but for a 422 where the board's state or
    the app's schema decides."""
    if response.status_code == 422 and (label(case) in STATEFUL or invalid_for_the_app(case)):
        return None
    result: bool | None = positive_data_acceptance(ctx, response, case)
    return result


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
        case.call_and_validate(
            base_url=fuzz_stack.url,
            excluded_checks=[not_a_server_error, positive_data_acceptance],
            additional_checks=[no_undocumented_server_error, valid_data_accepted],
        )

    fuzz()
