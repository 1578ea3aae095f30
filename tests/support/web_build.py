"""The dashboard's build (``web/dist``) for the tests that serve it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
WEB_DIST = WEB_DIR / "dist"
# What a build is made from: when any of it is newer than dist/, dist/ is stale.
WEB_SOURCES = ("src", "public", "index.html", "package.json", "pnpm-lock.yaml", "vite.config.ts")


def _newest_source() -> float:
    newest = 0.0
    for name in WEB_SOURCES:
        path = WEB_DIR / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def ensure_web_build() -> Path:
    """``web/dist``, built first when missing or older than its sources."""
    index = WEB_DIST / "index.html"
    if index.is_file() and index.stat().st_mtime >= _newest_source():
        return WEB_DIST
    pnpm = shutil.which("pnpm")
    if pnpm is None:
        raise RuntimeError(
            "web/dist is missing or stale and pnpm is not installed: run scripts/setup"
        )
    env = {**os.environ, "CI": "true"}  # no prompts, no progress bars
    if not (WEB_DIR / "node_modules").is_dir():
        subprocess.run([pnpm, "install", "--frozen-lockfile"], cwd=WEB_DIR, env=env, check=True)
    subprocess.run([pnpm, "build"], cwd=WEB_DIR, env=env, check=True, stdout=subprocess.DEVNULL)
    return WEB_DIST
