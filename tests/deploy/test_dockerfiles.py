"""The Dockerfiles: hadolint-clean, pinned, and shaped as the deployment expects.

No Docker engine here: these read the files; test_services.py runs what they run.
"""

from __future__ import annotations

import shutil
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


INSTALL_SCRIPT = ROOT / "services" / "common" / "install-service.sh"


def dependency_install(service: str) -> str:
    """The shell of the RUN that installs ``service``'s dependencies."""
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    [command] = [
        arguments
        for keyword, arguments in instructions(text)
        if keyword == "RUN" and "install-service.sh dependencies" in arguments
    ]
    return command


@pytest.mark.parametrize("service", ["api", "bridge"])
def test_redis_is_installed_only_when_asked(service: str, tmp_path: Path) -> None:
    """``--build-arg SOCKETIO_REDIS=true`` adds the redis extra; the default (``false``)
    installs without it, and any other value stops the build."""
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    assert "ARG SOCKETIO_REDIS=false" in text.splitlines()
    fake_pip = tmp_path / "bin" / "pip"
    fake_pip.parent.mkdir()
    fake_pip.write_text('#!/bin/sh\necho "$@"\n')
    fake_pip.chmod(0o755)
    # Where the Dockerfile's COPY puts it: next to constraints.txt, in the work folder.
    shutil.copy(INSTALL_SCRIPT, tmp_path / INSTALL_SCRIPT.name)

    def build(value: str) -> subprocess.CompletedProcess[str]:
        env = {"PATH": f"{fake_pip.parent}:/usr/bin:/bin", "SOCKETIO_REDIS": value}
        return subprocess.run(
            ["/bin/sh", "-c", dependency_install(service)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    with_redis, without = build("true"), build("false")
    assert with_redis.returncode == 0 and without.returncode == 0
    assert "-c constraints.txt" in with_redis.stdout
    assert f"./services/{service}[redis]" in with_redis.stdout.split()
    assert f"./services/{service}" in without.stdout.split() and "[redis]" not in without.stdout
    typo = build("yes")
    assert typo.returncode != 0 and "SOCKETIO_REDIS must be true or false" in typo.stderr
