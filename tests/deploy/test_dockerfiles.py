"""The Dockerfiles: hadolint-clean, pinned, and shaped as the deployment expects.

No Docker engine here: these read the files; test_services.py runs what they run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.deployfiles import ROOT, SERVICES, instructions, load_compose, read_dockerfile

BIN = Path(sys.executable).parent
DOCKERFILES = sorted(
    [ROOT / "services" / s / "Dockerfile" for s in SERVICES]
    + [ROOT / "deploy" / "mosquitto" / "Dockerfile"]
)
IDS = [str(p.relative_to(ROOT)) for p in DOCKERFILES]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=IDS)
def test_hadolint_passes(dockerfile: Path) -> None:
    result = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=IDS)
def test_base_images_are_pinned(dockerfile: Path) -> None:
    lines = dockerfile.read_text().splitlines()
    bases = [line.split()[1] for line in lines if line.startswith("FROM ") and "${" not in line]
    bases += [line.split("=", 1)[1] for line in lines if line.startswith("ARG PYTHON_IMAGE=")]
    assert bases
    for image in bases:
        tag = image.partition(":")[2]
        # A full version (3.11.14, 2.0.22), never a moving tag such as 3.11 or latest.
        assert tag.count(".") >= 2, f"{image}: pin the full version"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=IDS)
def test_copied_sources_exist(dockerfile: Path) -> None:
    for keyword, arguments in instructions(dockerfile.read_text()):
        words = arguments.split()
        if keyword == "COPY" and not words[0].startswith("--from"):
            for source in words[:-1]:
                assert (ROOT / source).exists(), f"COPY {source} (the context is the repo root)"


def test_compose_builds_every_image_from_the_repository_root() -> None:
    built = {}
    for name, service in load_compose()["services"].items():
        assert service["build"]["context"] == "."
        built[name] = ROOT / service["build"]["dockerfile"]
    assert sorted(built.values()) == DOCKERFILES


@pytest.mark.parametrize("service", ["api", "bridge"])
def test_api_and_bridge_run_unprivileged(service: str) -> None:
    user = read_dockerfile(ROOT / "services" / service / "Dockerfile").user
    assert user is not None and not user.startswith(("0", "root"))


def test_renderer_runs_as_root_with_its_state_on_data() -> None:
    renderer = read_dockerfile(ROOT / "services" / "renderer" / "Dockerfile")
    assert renderer.user is None  # GPIO needs root
    assert renderer.env["RETROBOARD_STATE_DIR"] == "/data"


def test_renderer_builds_the_matrix_bindings_from_a_pinned_commit() -> None:
    text = (ROOT / "services" / "renderer" / "Dockerfile").read_text()
    (commit,) = [line.split("=", 1)[1] for line in text.splitlines() if "RGBMATRIX_COMMIT=" in line]
    assert len(commit) == 40 and int(commit, 16) >= 0  # a full hash, not a branch
    assert "COPY --from=rgbmatrix /wheels" in text  # only the wheel reaches the image


def test_api_image_serves_the_dashboard_and_checks_its_health() -> None:
    api = read_dockerfile(ROOT / "services" / "api" / "Dockerfile")
    text = (ROOT / "services" / "api" / "Dockerfile").read_text()
    assert "COPY --from=web /web/dist " + api.env["RETROBOARD_WEB_DIST"] in text
    assert "pnpm install --frozen-lockfile" in text
    assert api.healthcheck is not None and "/api/health" in api.healthcheck


def test_dockerignore_keeps_host_builds_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in ("web/node_modules/", "web/dist/", "**/*.egg-info/", "**/.env"):
        assert pattern in ignored
