"""Where a service's memory at rest goes: RSS added by each import, in the images' venv.

    .venv/bin/python -m bench.imports

For each service, a fresh interpreter of ``.bench-venv`` (``bench.imagevenv``) imports
the heavy third-party packages one after the other, then the service's own modules,
and prints the resident memory each step added. A module shared by two steps is
counted in the first, so the order matters: the lower layers (``ssl``, pydantic) come
first, as every service pays for them.
"""

from __future__ import annotations

import itertools
import json
import subprocess

from bench.imagevenv import ensure_venv

COMMON = ("ssl", "asyncio", "pydantic", "pydantic_settings", "paho.mqtt.client")
STEPS: dict[str, tuple[str, ...]] = {
    "renderer": (*COMMON, "numpy", "PIL.Image", "prometheus_client", "retroboard_renderer.cli"),
    # The master runs the cli; the worker then imports the app (gunicorn's fork).
    "api": (
        *COMMON,
        "gevent",
        "gunicorn.app.base",
        "retroboard_api.cli",
        "flask",
        "flask_openapi3",
        "socketio",
        "geventwebsocket",
        "prometheus_client",
        "retroboard_api.app",
    ),
    "bridge": (*COMMON, "socketio", "retroboard_bridge.cli"),
}

# Runs inside the venv's interpreter: RSS from /proc before and after each import.
PROBE = """
import importlib, json, os, sys
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page / 2**20
out = [["python", rss()]]
for name in sys.argv[1:]:
    importlib.import_module(name)
    out.append([name, rss()])
print(json.dumps(out))
"""


def measure(service: str) -> list[tuple[str, float]]:
    """``(step, MiB added)`` for ``service``; the first step is the bare interpreter."""
    python = ensure_venv() / "python"
    done = subprocess.run(
        [str(python), "-c", PROBE, *STEPS[service]], capture_output=True, text=True, check=True
    )
    points = json.loads(done.stdout)
    steps = [("python", points[0][1])]
    for (_, before), (name, after) in itertools.pairwise(points):
        steps.append((name, after - before))
    return steps


def main() -> None:
    for service in STEPS:
        steps = measure(service)
        total = sum(added for _, added in steps)
        print(f"{service}: {total:.1f} MB RSS after the imports")
        for name, added in steps:
            print(f"  {name:<28} {added:6.1f} MB")


if __name__ == "__main__":
    main()
