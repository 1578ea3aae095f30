"""A virtualenv holding exactly what the container images install, for memory figures.

    .venv/bin/python -m bench.imagevenv        # build or refresh it, print its packages

The development venv also holds the test, dev and benchmark packages (requests,
aiohttp, psutil, pytest, redis …), and python-socketio imports some of them wherever
they are installed, so services run from it are larger than in their images. This
venv (``.bench-venv/``, git-ignored) gets what the images' Dockerfiles pip-install on
amd64 and nothing else::

    pip install -c constraints.txt ./services/common ./services/renderer \\
        ./services/api ./services/bridge

- api and bridge without the ``[redis]`` extra (their images' default,
  ``SOCKETIO_REDIS=false``);
- the renderer without its Pi-only hardware bindings (the hzeller ``rgbmatrix`` wheel
  and, on arm64, ``[piomatter]``): a benchmark drives the emulator display;
- not the ``retroboard-stack`` package, which no image installs.

Like the Dockerfiles' two layers, the dependencies are installed again only when
constraints.txt or a pyproject.toml changed, and the four packages themselves
(non-editable, as in the images) whenever their source changed. pip builds them from
a copy of each package in a temporary folder (as the images' ``COPY``), so no
``build/`` folder is left in the work tree and no stale file from one gets in.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".bench-venv"
# In the order of the images' pip commands; common first, as every image installs it.
PACKAGES = ("common", "renderer", "api", "bridge")
PIP = ("-m", "pip", "--disable-pip-version-check", "--quiet")


def _digest(paths: list[Path]) -> str:
    """A hash of the files' names and contents."""
    sha = hashlib.sha256()
    for path in sorted(paths):
        sha.update(str(path.relative_to(ROOT)).encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def _dependency_files() -> list[Path]:
    return [ROOT / "constraints.txt"] + [
        ROOT / "services" / name / "pyproject.toml" for name in PACKAGES
    ]


# Not source: what Python and setuptools write beside it.
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")


def _source_files() -> list[Path]:
    return [
        path
        for name in PACKAGES
        for path in (ROOT / "services" / name / "src").rglob("*")
        if path.is_file()
        and not any(part == "__pycache__" or part.endswith(".egg-info") for part in path.parts)
        and path.suffix != ".pyc"
    ]


def _copy_packages(into: Path) -> list[str]:
    """Copy each package (pyproject.toml and src/) into ``into``; their paths for pip."""
    paths = []
    for name in PACKAGES:
        source, target = ROOT / "services" / name, into / name
        target.mkdir()
        shutil.copy2(source / "pyproject.toml", target / "pyproject.toml")
        shutil.copytree(source / "src", target / "src", ignore=IGNORED)
        paths.append(str(target))
    return paths


def _stamp_ok(name: str, digest: str) -> bool:
    stamp = VENV / name
    return stamp.exists() and stamp.read_text() == digest


def _pip(*args: str) -> None:
    python = VENV / "bin" / "python"
    subprocess.run([str(python), *PIP, *args], cwd=ROOT, check=True)


def ensure_venv() -> Path:
    """Build or refresh ``.bench-venv``; returns its ``bin`` folder."""
    deps = _digest(_dependency_files())
    source = _digest(_source_files())
    if _stamp_ok("deps.sha256", deps) and _stamp_ok("src.sha256", source):
        return VENV / "bin"
    with tempfile.TemporaryDirectory(prefix="rb-bench-venv-") as tmp:
        local = _copy_packages(Path(tmp))
        if not _stamp_ok("deps.sha256", deps):
            print(f"building {VENV.name}/ (what the images install) …", flush=True)
            shutil.rmtree(VENV, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
            _pip("install", "-c", str(ROOT / "constraints.txt"), *local)
            (VENV / "deps.sha256").write_text(deps)
        else:
            # The images' second layer: the source, without touching the dependencies.
            _pip("install", "--no-deps", "--force-reinstall", *local)
        (VENV / "src.sha256").write_text(source)
    return VENV / "bin"


def installed() -> list[str]:
    """``name==version`` of every package in the venv (``pip freeze --all``)."""
    python = VENV / "bin" / "python"
    out = subprocess.run(
        [str(python), *PIP, "freeze", "--all"], capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def main() -> None:
    bin_dir = ensure_venv()
    packages = installed()
    print(f"{bin_dir.parent}: {len(packages)} packages")
    print("\n".join(packages))


if __name__ == "__main__":
    main()
