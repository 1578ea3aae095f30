"""The gunicorn master of ``retroboard-api``, started lean.

``retroboard-api`` (:mod:`retroboard_api.cli`) loads and checks the settings and the
port, then replaces itself (same process id, same environment) with
``python -P -m retroboard_api.master``: a master that imports gunicorn and nothing else
of the api (no pydantic, paho or Flask), given gunicorn's options as JSON. Each worker
loads the settings again from the same environment and arguments, then creates the app
(:class:`retroboard_api.server.SlimApiServer`).

Why: the master forked the worker with pydantic, pydantic-settings and paho already
imported, which RSS counts twice. Measured at rest: the master's RSS 45 → 30 MB (what
is left is Python, gunicorn and the gevent worker class gunicorn loads), the worker's
unchanged.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from retroboard_api.settings import ApiSettings

OPTIONS_ENV = "_RETROBOARD_API_GUNICORN_OPTIONS"


def master_options(settings: ApiSettings) -> dict[str, Any]:
    """:func:`~retroboard_api.server.gunicorn_options` without the hooks (not JSON)."""
    from retroboard_api.server import gunicorn_options

    return {key: value for key, value in gunicorn_options(settings).items() if not callable(value)}


def exec_master(settings: ApiSettings, argv: Sequence[str]) -> NoReturn:
    """Replace this process with the lean master serving ``settings``."""
    os.environ[OPTIONS_ENV] = json.dumps(master_options(settings))
    sys.stdout.flush()
    sys.stderr.flush()
    # -P: no current folder on sys.path, as for the console script.
    os.execv(sys.executable, [sys.executable, "-P", "-m", __name__, *argv])


def main() -> None:
    """Run gunicorn with the options ``exec_master`` left in the environment."""
    from retroboard_api.server import SlimApiServer

    options = json.loads(os.environ.pop(OPTIONS_ENV))
    SlimApiServer(options, sys.argv[1:]).run()


if __name__ == "__main__":
    main()
