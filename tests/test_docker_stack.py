"""The Docker stack for real: build the image, start docker-compose.yml, probe it, take it down.

With Docker (an engine answering ``docker info`` and ``docker compose``) the stack comes up
with ``up --build --wait`` on the official base images. With podman and podman-compose
instead, on the official images when the engine has them, else on the local stand-ins that
``scripts/standin_images.sh`` builds (debootstrap; built here when missing, once: they stay
in the engine's image store). podman-compose has no ``--wait``: the test runs each
container's own healthcheck (``podman healthcheck run``) until it passes.

It builds from a copy of the checkout's build files in a temporary directory (its own .env
there), under a compose project name of its own, on a free port of 127.0.0.1, and removes the
project's containers, volumes and network at the end; its image is kept under one tag as the
build cache of the next run. Slow (minutes: the image build installs specfirst's
dependencies from PyPI): marked ``slow``. Skipped only where neither engine exists, or where
the engine can neither pull nor build base images, with the reason.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import REPO

pytestmark = pytest.mark.slow

OFFICIAL_PYTHON = "python:3.11-slim"
OFFICIAL_TYPESENSE = "typesense/typesense:0.24.1"
STANDIN_PYTHON = "localhost/specfirst-python-standin:3.11"
STANDIN_TYPESENSE = "localhost/specfirst-typesense-standin:0.1"
# Its own compose project per run: containers, network, volumes and image named after it.
PROJECT = f"specfirst-stacktest-{os.getpid()}"
CACHE_TAG = "localhost/specfirst-stacktest-cache:latest"
# What the build needs from the checkout (the rest is in .dockerignore anyway).
BUILD_FILES = (
    "Dockerfile",
    "docker-compose.yml",
    ".dockerignore",
    "pyproject.toml",
    "README.md",
    "openapi3_1.yml",
    "specfirst",
    "templates",
    "scripts",
    "service",
)
HEALTH_DEADLINE = 300.0  # seconds for both containers to become healthy (a failure, not a figure)
SYNC_DEADLINE = 120.0  # seconds for a registered service to reach Typesense


def _run(
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _tail(result: subprocess.CompletedProcess[str], limit: int = 4000) -> str:
    return f"exit {result.returncode}\n{result.stdout[-limit:]}\n{result.stderr[-limit:]}"


@dataclass
class Engine:
    """A container engine and its compose tool, with the environment both need here."""

    name: str  # docker | podman
    compose: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return _run([self.name, *args], env=self.env, timeout=timeout)

    def has_image(self, image: str) -> bool:
        return self("image", "inspect", image).returncode == 0

    def obtain(self, image: str) -> bool:
        return self.has_image(image) or self("pull", image, timeout=600).returncode == 0


def _docker() -> tuple[Engine | None, str]:
    if shutil.which("docker") is None:
        return None, "no docker CLI"
    try:
        info = _run(["docker", "info"], timeout=30)
    except subprocess.TimeoutExpired:
        return None, "`docker info` did not answer within 30 s"
    if info.returncode != 0:
        lines = (info.stderr or info.stdout).strip().splitlines()
        return None, f"`docker info` failed ({lines[-1] if lines else info.returncode})"
    if _run(["docker", "compose", "version"]).returncode == 0:
        return Engine("docker", ["docker", "compose"], dict(os.environ)), ""
    if shutil.which("docker-compose"):
        return Engine("docker", ["docker-compose"], dict(os.environ)), ""
    return None, "docker has no compose (neither the plugin nor docker-compose)"


def _podman(scratch: Path) -> tuple[Engine | None, str]:
    if shutil.which("podman") is None:
        return None, "no podman"
    if shutil.which("podman-compose") is None:
        return None, "podman without podman-compose"
    env = dict(os.environ)
    # HEALTHCHECK is a Docker image-format instruction: OCI images drop it.
    env["BUILDAH_FORMAT"] = "docker"
    info = _run(["podman", "info"], env=env, timeout=60)
    if info.returncode != 0:
        return None, f"`podman info` failed: {_tail(info, 600)}"
    return Engine("podman", ["podman-compose"], env), ""


def _can_run(engine: Engine, image: str) -> subprocess.CompletedProcess[str]:
    return engine("run", "--rm", image, "true", timeout=120)


def _sandbox_conf(engine: Engine, scratch: Path) -> None:
    """Settings for a sandbox where the engine's defaults cannot start a container.

    Seen here: crun refuses hybrid cgroups (runc copes) and the default RLIMIT_NPROC and
    RLIMIT_NOFILE cannot be raised. A containers.conf of the test's own (CONTAINERS_CONF, not
    the machine's) runs containers with runc and with limits the sandbox grants.
    """
    import resource

    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = 65536 if nofile == resource.RLIM_INFINITY else min(nofile, 65536)
    lines = ["[containers]", f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc=4096:4096"]']
    if shutil.which("runc"):
        lines += ["[engine]", 'runtime = "runc"']
    conf = scratch / "containers.conf"
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    engine.env["CONTAINERS_CONF"] = str(conf)


@dataclass
class Stack:
    engine: Engine
    directory: Path
    port: int
    admin_key: str
    user_key: str
    typesense_key: str

    def compose(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        return _run(
            [*self.engine.compose, "-p", PROJECT, *args],
            cwd=self.directory,
            env=self.engine.env,
            timeout=timeout,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def containers(self) -> dict[str, str]:
        """Service name -> container name, from the compose labels."""
        listed = self.engine(
            "ps",
            "--all",
            "--filter",
            f"label=com.docker.compose.project={PROJECT}",
            "--format",
            "json",
        )
        assert listed.returncode == 0, _tail(listed)
        found: dict[str, str] = {}
        text = listed.stdout.strip()
        rows = (
            json.loads(text)
            if text.startswith("[")
            else [json.loads(l) for l in text.splitlines() if l]
        )
        for row in rows:
            labels = row.get("Labels") or {}
            if isinstance(labels, str):  # docker: "k=v,k=v"
                labels = dict(part.split("=", 1) for part in labels.split(",") if "=" in part)
            names = row.get("Names")
            name = names[0] if isinstance(names, list) else names
            found[labels["com.docker.compose.service"]] = name
        return found

    def volumes(self) -> set[str]:
        listed = self.engine("volume", "ls", "--format", "{{.Name}}")
        assert listed.returncode == 0, _tail(listed)
        return {v for v in listed.stdout.split() if v.startswith(f"{PROJECT}_")}

    def logs(self) -> str:
        return _tail(self.compose("logs", timeout=120), 6000)

    def up(self, *, build: bool) -> None:
        if self.engine.name == "docker":
            args = ["up", "--detach", "--wait", *(["--build"] if build else [])]
            result = self.compose(*args)
            assert result.returncode == 0, _tail(result) + self.logs()
            return
        if build:
            built = self.compose("build")
            assert built.returncode == 0, _tail(built, 8000)
        result = self.compose("up", "--detach")
        assert result.returncode == 0, _tail(result) + self.logs()
        # podman-compose has no --wait: run each container's healthcheck until it passes.
        pending = dict(self.containers())
        assert set(pending) == {"app", "typesense"}, pending
        deadline = time.monotonic() + HEALTH_DEADLINE
        while pending and time.monotonic() < deadline:
            for service, container in list(pending.items()):
                if self.engine("healthcheck", "run", container).returncode == 0:
                    del pending[service]
            if pending:
                time.sleep(2)
        assert not pending, f"not healthy: {sorted(pending)}\n{self.logs()}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _copy_build_files(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "data", ".specfirst-staging")
    for name in BUILD_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    scratch = tmp_path_factory.mktemp("engine")
    docker, docker_reason = _docker()
    found, podman_reason = (docker, "") if docker else _podman(scratch)
    if found is None:
        pytest.skip(f"no container engine: {docker_reason}; {podman_reason}")
    return found


@pytest.fixture(scope="module")
def base_images(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The official base images when the engine has or can pull them, else local stand-ins."""
    if engine.obtain(OFFICIAL_PYTHON) and engine.obtain(OFFICIAL_TYPESENSE):
        images = (OFFICIAL_PYTHON, OFFICIAL_TYPESENSE)
    else:
        missing = [i for i in (STANDIN_PYTHON, STANDIN_TYPESENSE) if not engine.has_image(i)]
        if missing:
            if os.geteuid() != 0 or shutil.which("debootstrap") is None:
                pytest.skip(
                    f"{engine.name} can pull neither {OFFICIAL_PYTHON} nor {OFFICIAL_TYPESENSE},"
                    " and the stand-ins need root and debootstrap (scripts/standin_images.sh)"
                )
            import sys

            built = _run(
                [
                    str(REPO / "scripts/standin_images.sh"),
                    "--engine",
                    engine.name,
                    "--python",
                    sys.executable,
                ],
                env=engine.env,
                timeout=1800,
            )
            assert built.returncode == 0, _tail(built)
        images = (STANDIN_PYTHON, STANDIN_TYPESENSE)
    probe = _can_run(engine, images[0])
    if probe.returncode != 0 and engine.name == "podman":
        _sandbox_conf(engine, tmp_path_factory.mktemp("conf"))
        probe = _can_run(engine, images[0])
    assert probe.returncode == 0, f"{engine.name} cannot run a container: {_tail(probe)}"
    return images


@pytest.fixture(scope="module")
def stack(
    engine: Engine, base_images: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("stack")
    _copy_build_files(directory)
    found = Stack(
        engine,
        directory,
        _free_port(),
        admin_key=secrets.token_hex(16),
        user_key=secrets.token_hex(16),
        typesense_key=secrets.token_hex(16),
    )
    env_text = (REPO / ".env.example").read_text(encoding="utf-8")
    values = {
        "API_KEY_AUTH_KEYS": found.user_key,
        "ADMIN_API_KEY_AUTH_KEYS": found.admin_key,
        "TYPESENSE_API_KEY": found.typesense_key,
        "APP_PORT": str(found.port),
        "PYTHON_IMAGE": base_images[0],
        "TYPESENSE_IMAGE": base_images[1],
    }
    lines = []
    for line in env_text.splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={values[name]}" if name in values and "=" in line else line)
    (directory / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        yield found
    finally:
        found.compose("down", "--volumes", timeout=300)
        for volume in found.volumes():
            engine("volume", "rm", "--force", volume)
        engine("network", "rm", "--force", f"{PROJECT}_default")  # podman-compose leaves it
        _keep_as_build_cache(engine)


def _keep_as_build_cache(engine: Engine) -> None:
    """The project's image becomes CACHE_TAG (the previous one goes), the project's tag goes.

    Podman drops an image's intermediate layers with it, and with them its build cache: the
    tag keeps the latest build's layers, so the next run rebuilds only the layers whose
    inputs changed (the dependencies' layer only when pyproject.toml changes).
    """
    built = next(
        (name for name in (f"{PROJECT}_app", f"{PROJECT}-app") if engine.has_image(name)), None
    )
    if built is None:
        return
    previous = engine("image", "inspect", "--format", "{{.Id}}", CACHE_TAG)
    engine("tag", built, CACHE_TAG)
    engine("image", "rm", built)
    if previous.returncode == 0:
        old = previous.stdout.strip()
        current = engine("image", "inspect", "--format", "{{.Id}}", CACHE_TAG).stdout.strip()
        if old and old != current:
            engine("image", "rm", old)


def _registered(stack: Stack, service_id: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{stack.url}/services/search",
        params={"q": service_id},
        headers={"X-API-KEY": stack.user_key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return [s for s in response.json()["services"] if s["id"] == service_id]


def _typesense_ids(stack: Stack, app_container: str) -> set[str]:
    """Every document id in every Typesense collection, asked from inside the app container."""
    script = (
        "import json, os, urllib.request\n"
        "key = os.environ['TYPESENSE_API_KEY']\n"
        "def get(path):\n"
        "    url = 'http://typesense:8108' + path\n"
        "    request = urllib.request.Request(url, headers={'X-TYPESENSE-API-KEY': key})\n"
        "    return urllib.request.urlopen(request, timeout=10).read().decode()\n"
        "ids = []\n"
        "for c in json.loads(get('/collections')):\n"
        "    for line in get('/collections/' + c['name'] + '/documents/export').splitlines():\n"
        "        if line.strip(): ids.append(json.loads(line)['id'])\n"
        "print(json.dumps(ids))\n"
    )
    result = stack.engine("exec", app_container, "python", "-c", script)
    assert result.returncode == 0, _tail(result)
    return set(json.loads(result.stdout))


def test_stack_builds_comes_up_serves_and_keeps_its_volumes(stack: Stack) -> None:
    stack.up(build=True)
    containers = stack.containers()

    # Published on the loopback interface only.
    port = stack.engine("port", containers["app"], "8000/tcp")
    assert port.returncode == 0, _tail(port)
    assert port.stdout.split() == [f"127.0.0.1:{stack.port}"], port.stdout
    assert httpx.get(f"{stack.url}/openapi.json", timeout=30).status_code == 200

    # Keys from .env are the accepted ones.
    service_id = f"stack-{secrets.token_hex(4)}"
    body = {
        "id": service_id,
        "name": "Stack probe",
        "description": "registered by the Docker stack test",
        "openapi_url": "https://example.com/openapi.json",
        "tags": ["probe"],
    }
    refused = httpx.post(f"{stack.url}/services/register", json=body, timeout=30)
    assert refused.status_code == 401, refused.text
    created = httpx.post(
        f"{stack.url}/services/register",
        json=body,
        headers={"X-ADMIN-API-KEY": stack.admin_key},
        timeout=30,
    )
    assert created.status_code == 201, created.text

    # The sync worker pushes it to the Typesense container; search then finds it.
    deadline = time.monotonic() + SYNC_DEADLINE
    while service_id not in _typesense_ids(stack, containers["app"]):
        assert time.monotonic() < deadline, f"{service_id} never reached Typesense\n{stack.logs()}"
        time.sleep(1)
    found = _registered(stack, service_id)
    assert [s["name"] for s in found] == ["Stack probe"], found

    # `down` removes the containers and keeps the named volumes, with the data in them.
    down = stack.compose("down", timeout=300)
    assert down.returncode == 0, _tail(down)
    assert stack.containers() == {}
    assert stack.volumes() >= {f"{PROJECT}_app-data", f"{PROJECT}_typesense-data"}, stack.volumes()
    stack.up(build=False)
    # Right away: a restarted Typesense may still be replaying its log, so until the worker has
    # compared it with the database the database answers the search.
    assert [s["name"] for s in _registered(stack, service_id)] == ["Stack probe"]
    deadline = time.monotonic() + SYNC_DEADLINE
    while service_id not in _typesense_ids(stack, stack.containers()["app"]):
        assert time.monotonic() < deadline, f"{service_id} left Typesense\n{stack.logs()}"
        time.sleep(1)
