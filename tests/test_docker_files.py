"""The container files: Dockerfile, docker-compose.yml, .env.example and .dockerignore.

Structural checks that need no Docker engine; the image build runs only where `docker info`
succeeds (skipped otherwise, with the reason).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, SPEC

DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERIGNORE = REPO / ".dockerignore"

REQUIRED_VARIABLES = (
    "API_KEY_AUTH_KEYS",
    "ADMIN_API_KEY_AUTH_KEYS",
    "DATABASE_URL",
    "TYPESENSE_URL",
    "TYPESENSE_API_KEY",
    "OPENAI_API_KEY",
    "LOG_LEVEL",
)


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    line: int

    def exec_form(self) -> list[str] | None:
        """The JSON-array (exec) form of the arguments, if that is how they are written."""
        try:
            value = json.loads(self.args)
        except ValueError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions in order: comments and blank lines dropped, continuation lines joined."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        pending.append(line)
        joined = " ".join(part for part in pending if part)
        pending = []
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return instructions


def env_example_variables() -> dict[str, list[str]]:
    """Each variable of .env.example and the comment lines directly above it."""
    variables: dict[str, list[str]] = {}
    comments: list[str] = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(stripped.lstrip("#").strip())
        elif not stripped:
            comments = []
        else:
            match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", stripped)
            assert match, f".env.example: not a VARIABLE=value line: {line!r}"
            variables[match.group(1)] = comments
            comments = []
    return variables


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _all(instructions: list[Instruction], keyword: str) -> list[Instruction]:
    return [i for i in instructions if i.keyword == keyword]


def _one(instructions: list[Instruction], keyword: str) -> Instruction:
    found = _all(instructions, keyword)
    assert len(found) == 1, f"expected one {keyword}, found {len(found)}"
    return found[0]


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_parser_joins_continuations_and_drops_comments() -> None:
    parsed = parse_dockerfile('# c\nFROM x\nRUN a \\\n    # inside\n    && b\n\nCMD ["u"]\n')
    assert [(i.keyword, i.args, i.line) for i in parsed] == [
        ("FROM", "x", 2),
        ("RUN", "a && b", 3),
        ("CMD", '["u"]', 7),
    ]


def test_dockerfile_starts_from_the_official_slim_python_by_default(
    dockerfile: list[Instruction],
) -> None:
    # The base image is a build argument (a local stand-in can replace it), declared before
    # FROM with the official image as its default.
    first = dockerfile[0]
    assert (first.keyword, first.args) == ("ARG", "PYTHON_IMAGE=python:3.11-slim"), first
    assert dockerfile[1].keyword == "FROM"
    assert _one(dockerfile, "FROM").args == "${PYTHON_IMAGE}"


def test_dockerfile_generates_the_service_at_build_time(dockerfile: list[Instruction]) -> None:
    # Generation happens in the build (from SPEC_DIR/SPEC_FILE into the copy of SERVICE_DIR),
    # then validation; nothing in the image's command regenerates anything.
    args = {i.args.split("=")[0]: i.args.partition("=")[2] for i in _all(dockerfile, "ARG")}
    assert args == {
        "PYTHON_IMAGE": "python:3.11-slim",
        "SPEC_DIR": ".",
        "SPEC_FILE": "openapi3_1.yml",
        "SERVICE_DIR": "service",
    }
    copies = [i for i in _all(dockerfile, "COPY") if "${SERVICE_DIR}/" in i.args.split()]
    assert len(copies) == 1 and copies[0].args.split()[-1] in ("./", "/service/")
    generate = [i for i in _all(dockerfile, "RUN") if "specfirst generate" in i.args]
    assert len(generate) == 1, generate
    run = generate[0].args
    assert '"/opt/specfirst/spec/${SPEC_FILE}" --out /service' in run
    assert "specfirst validate" in run and run.index("generate") < run.index("validate")
    assert copies[0].line < generate[0].line < _one(dockerfile, "CMD").line
    assert "specfirst" not in _one(dockerfile, "CMD").args
    # The build runs as the service's user, so the generated tree is the user's.
    assert _one(dockerfile, "USER").line < generate[0].line


def test_dockerfile_runs_the_service_from_slash_service(dockerfile: list[Instruction]) -> None:
    workdirs = [i.args for i in _all(dockerfile, "WORKDIR")]
    assert workdirs and workdirs[-1] == "/service", workdirs


def test_dockerfile_installs_specfirst_without_test_extras(dockerfile: list[Instruction]) -> None:
    runs = " ".join(i.args for i in _all(dockerfile, "RUN"))
    # The dependencies of pyproject.toml (no extras), then the package itself without them.
    assert "tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']" in runs
    assert "pip install --no-cache-dir -r /tmp/requirements.txt" in runs
    assert re.search(r"pip install --no-cache-dir --no-deps -e \.(\s|$)", runs), runs
    assert "[test]" not in runs and "pytest" not in runs
    copied = [i.args for i in _all(dockerfile, "COPY")]
    for needed in (
        "pyproject.toml",
        "README.md",
        "specfirst/",
        "templates/",
        "scripts/",
        "openapi3_1.yml",
    ):
        assert any(needed in args.split() for args in copied), (
            f"{needed} is not copied into the image"
        )


def test_dockerfile_copies_only_files_that_exist_and_are_not_ignored(
    dockerfile: list[Instruction],
) -> None:
    ignored = [
        p for p in DOCKERIGNORE.read_text().splitlines() if p.strip() and not p.startswith("#")
    ]
    defaults = dict(i.args.split("=", 1) for i in _all(dockerfile, "ARG") if "=" in i.args)
    for copy in _all(dockerfile, "COPY"):
        sources = [a for a in copy.args.split() if not a.startswith("--")][:-1]
        for source in sources:
            # Build arguments at their defaults (the SPEC_DIR default "." is the whole context).
            source = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], source)
            if source.rstrip("/") == ".":
                continue
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"
            name = source.rstrip("/")
            assert not any(fnmatch.fnmatch(name, pattern.rstrip("/")) for pattern in ignored), (
                f"COPY {source} is excluded by .dockerignore"
            )


def test_dockerfile_runs_as_a_created_non_root_user(dockerfile: list[Instruction]) -> None:
    user = _one(dockerfile, "USER")
    name = user.args.split(":")[0]
    assert name not in ("root", "0"), "the service must not run as root"
    creating = [
        i
        for i in _all(dockerfile, "RUN")
        if re.search(rf"\b(useradd|adduser)\b.*\b{re.escape(name)}\b", i.args)
    ]
    assert creating, f"user {name} is not created with useradd/adduser"
    assert creating[0].line < user.line
    cmd = _one(dockerfile, "CMD")
    assert user.line < cmd.line


def test_dockerfile_exposes_8000_and_checks_health(dockerfile: list[Instruction]) -> None:
    assert "8000" in _one(dockerfile, "EXPOSE").args.split()
    health = _one(dockerfile, "HEALTHCHECK").args
    assert "CMD" in health
    assert "urllib" in health and "http://127.0.0.1:8000/openapi.json" in health
    assert "curl" not in health, "curl is not in the slim image"
    command = health[health.index("CMD") + 3 :].strip()
    assert json.loads(command)[0] == "python"


def test_dockerfile_cmd_serves_the_app_with_uvicorn(dockerfile: list[Instruction]) -> None:
    cmd = _one(dockerfile, "CMD").exec_form()
    assert cmd is not None, "CMD in exec form, so that uvicorn gets the signals"
    assert cmd[:2] == ["uvicorn", "app.main:app"], cmd
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--port") + 1] == "8000"


# --------------------------------------------------------------------------- docker-compose.yml


def test_compose_has_the_app_and_typesense(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"app", "typesense"}
    app = compose["services"]["app"]
    assert app["build"]["context"] == "."
    assert app["build"]["args"] == {
        "PYTHON_IMAGE": "${PYTHON_IMAGE:-python:3.11-slim}",
        "SPEC_DIR": "${SPEC_DIR:-.}",
        "SPEC_FILE": "${SPEC_FILE:-openapi3_1.yml}",
        "SERVICE_DIR": "${SERVICE_DIR:-service}",
    }
    assert app["env_file"] in (".env", [".env"])
    assert app["environment"]["TYPESENSE_URL"] == "http://typesense:8108"
    assert "${TYPESENSE_API_KEY" in app["environment"]["TYPESENSE_API_KEY"]
    assert app["depends_on"] == {"typesense": {"condition": "service_healthy"}}


def test_compose_publishes_the_app_on_loopback_only(compose: dict[str, Any]) -> None:
    # Host address and port come from .env (run_setup.sh --port), 127.0.0.1:8000 by default;
    # Typesense publishes nothing.
    assert compose["services"]["app"]["ports"] == ["${APP_BIND:-127.0.0.1}:${APP_PORT:-8000}:8000"]
    assert "ports" not in compose["services"]["typesense"]


def test_compose_typesense_image_command_and_healthcheck(compose: dict[str, Any]) -> None:
    typesense = compose["services"]["typesense"]
    assert typesense["image"] == "${TYPESENSE_IMAGE:-typesense/typesense:0.24.1}"
    command = (
        " ".join(typesense["command"])
        if isinstance(typesense["command"], list)
        else typesense["command"]
    )
    assert "--data-dir /data" in command
    assert re.search(r"--api-key=\$\{TYPESENSE_API_KEY[^}]*\}", command), command
    assert "--enable-cors" in command
    # The official image is a bare Ubuntu with the server: sh and bash, but no curl nor wget.
    # CMD-SHELL (a string run by /bin/sh): podman-compose 1.0.3 mangles the CMD list form.
    test = typesense["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL" and len(test) == 2, test
    script = test[1]
    assert script.startswith("bash -c "), script
    for absent in ("curl", "wget", "python", "nc "):
        assert absent not in script, f"{absent} is not in the typesense/typesense image"
    assert "/dev/tcp/127.0.0.1/8108" in script and "GET /health" in script


def _typesense_healthcheck_script(compose: dict[str, Any]) -> str:
    # Compose turns $$ into $ before the command runs.
    return compose["services"]["typesense"]["healthcheck"]["test"][1].replace("$$", "$")


@pytest.mark.parametrize(
    ("answer", "healthy"),
    [
        (b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"ok":true}', True),
        (b'HTTP/1.1 503 Service Unavailable\r\n\r\n{"ok":false}', False),
        (b"", False),
        (None, False),  # nothing listening
    ],
)
def test_typesense_healthcheck_runs_in_bash_against_a_socket(
    compose: dict[str, Any], answer: bytes | None, healthy: bool
) -> None:
    # The check itself, run by bash against a real socket that answers like Typesense (the
    # script's port rewritten to the socket's).
    import socket
    import threading

    if shutil.which("bash") is None:
        pytest.skip("no bash here")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    requests: list[bytes] = []
    if answer is None:
        server.close()
    else:
        server.listen(1)

        def serve() -> None:
            connection, _ = server.accept()
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                requests.append(request)
                connection.sendall(answer)

        threading.Thread(target=serve, daemon=True).start()
    script = _typesense_healthcheck_script(compose).replace("/8108", f"/{port}")
    # As the engine runs a CMD-SHELL check: /bin/sh -c SCRIPT.
    result = subprocess.run(["/bin/sh", "-c", script], capture_output=True, timeout=30, check=False)
    if answer is not None:
        server.close()
        assert requests and requests[0].startswith(b"GET /health HTTP/1."), requests
    assert (result.returncode == 0) is healthy, result


def test_compose_named_volumes_are_declared_and_used(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    used: dict[str, str] = {}
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source, _, target = str(volume).partition(":")
            if not source.startswith((".", "/", "~")):  # a named volume, not a bind mount
                used[target.split(":")[0]] = source
                assert source in declared, f"{name}: volume {source} is not declared at top level"
    assert "/service/data" in used and "/data" in used, used
    assert set(used.values()) == declared, "every declared volume is used"


def test_compose_healthchecks_on_both_services(
    compose: dict[str, Any], dockerfile: list[Instruction]
) -> None:
    # The app's healthcheck comes from its image; Typesense's is in the compose file.
    assert _all(dockerfile, "HEALTHCHECK")
    assert compose["services"]["typesense"]["healthcheck"]["test"]
    assert (
        "healthcheck" not in compose["services"]["app"]
        or compose["services"]["app"]["healthcheck"]["test"]
    )


# --------------------------------------------------------------------------- .env.example


def test_env_example_lists_every_variable_with_a_comment() -> None:
    variables = env_example_variables()
    for name in REQUIRED_VARIABLES:
        assert name in variables, f".env.example misses {name}"
    for name, comments in variables.items():
        assert comments, f".env.example: {name} has no comment above it"


def test_env_example_lists_the_key_variable_of_every_security_scheme() -> None:
    from specfirst.synth import env_var_for_scheme

    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    schemes = document["components"]["securitySchemes"]
    variables = env_example_variables()
    for scheme in schemes:
        assert env_var_for_scheme(scheme) in variables, f"{scheme}: {env_var_for_scheme(scheme)}"


def test_every_compose_variable_is_in_env_example() -> None:
    referenced = set(
        re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE.read_text(encoding="utf-8"))
    )
    assert referenced, "docker-compose.yml references its variables as ${...}"
    missing = referenced - set(env_example_variables())
    assert not missing, (
        f"referenced in docker-compose.yml, missing from .env.example: {sorted(missing)}"
    )


def test_env_example_gives_compose_settings_their_defaults(compose: dict[str, Any]) -> None:
    # podman-compose 1.0.3 takes an empty value in .env as the value (${X:-d} gives ""), so
    # every ${X:-default} of docker-compose.yml has its default written out in .env.example.
    text = COMPOSE.read_text(encoding="utf-8")
    defaults = dict(re.findall(r"\$\{([A-Z_]+):-([^}]*)\}", text))
    assert defaults, "docker-compose.yml has ${X:-default} settings"
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if re.match(r"[A-Z_]+=", line))
    for name, default in defaults.items():
        assert values.get(name) == default, (
            f".env.example: {name}={values.get(name)!r}, compose default {default!r}"
        )


def test_env_example_holds_no_secret() -> None:
    for name in (
        "API_KEY_AUTH_KEYS",
        "ADMIN_API_KEY_AUTH_KEYS",
        "TYPESENSE_API_KEY",
        "OPENAI_API_KEY",
    ):
        line = next(
            line for line in ENV_EXAMPLE.read_text().splitlines() if line.startswith(f"{name}=")
        )
        assert line == f"{name}=", f"{name} must be empty in the example"


# --------------------------------------------------------------------------- .dockerignore


def test_dockerignore_keeps_local_state_out_of_the_build() -> None:
    patterns = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()}
    for needed in (
        ".git",
        ".venv",
        ".env",
        "service/data",
        "**/__pycache__",
        ".pytest_cache",
        ".ruff_cache",
    ):
        assert needed in patterns, f".dockerignore misses {needed}"


# ---------------------------------------------------------------- run_setup.sh, Docker branch

# The engine side is tests/test_docker_stack.py; here, what the script asks of compose. The
# `docker` on PATH answers `info` and records each `compose` call with the variables compose
# reads from the environment.
RECORDING_DOCKER = """#!/bin/sh
case "$1" in
  info) exit 0 ;;
  compose)
    shift
    [ "$1" = version ] && exit 0
    echo "compose $* | APP_PORT=$APP_PORT SPEC_DIR=$SPEC_DIR SPEC_FILE=$SPEC_FILE SERVICE_DIR=$SERVICE_DIR" >> "$DOCKER_LOG"
    ;;
  *) echo "unexpected: docker $*" >> "$DOCKER_LOG"; exit 1 ;;
esac
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "specs").mkdir(parents=True)
    for name in ("run_setup.sh", ".env.example", "openapi3_1.yml"):
        shutil.copy2(REPO / name, root / name)
    shutil.copy2(REPO / "openapi3_1.yml", root / "specs" / "other.yml")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(RECORDING_DOCKER, encoding="utf-8")
    (bin_dir / "docker").chmod(0o755)
    return root


def _run_setup(checkout: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    import os

    log = checkout.parent / "docker.log"
    log.unlink(missing_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in ("TYPESENSE_API_KEY", "APP_PORT", "PORT", "SPEC_DIR", "SPEC_FILE", "SERVICE_DIR")
    }
    env["PATH"] = f"{checkout.parent / 'bin'}:{env['PATH']}"
    env["DOCKER_LOG"] = str(log)
    result = subprocess.run(
        [str(checkout / "run_setup.sh"), *args],
        cwd=checkout.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result, log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def _env_file(checkout: Path) -> dict[str, str]:
    lines = (checkout / ".env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_run_setup_docker_branch_honours_spec_out_and_port(checkout: Path) -> None:
    result, calls = _run_setup(
        checkout, "--spec", "specs/other.yml", "--out", "gen/svc", "--port", "18001"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The image is built (the service generated in it), the document's keys are filled into
    # .env by specfirst in a one-off container of that image, then the stack starts and is
    # waited for; nothing runs inside the service's own container.
    chosen = "APP_PORT=18001 SPEC_DIR=specs SPEC_FILE=other.yml SERVICE_DIR=gen/svc"
    user = f"{os.getuid()}:{os.getgid()}"
    one_off = (
        f"compose run --rm --no-deps -T --user {user} --volume {checkout}/.env:/run/specfirst.env"
        " app python -m specfirst.firstrun"
    )
    spec_and_env = "/opt/specfirst/spec/other.yml --env-file /run/specfirst.env"
    assert calls == [
        f"compose build | {chosen}",
        f"{one_off} keys {spec_and_env} | {chosen}",
        f"compose up --detach --wait | {chosen}",
        f"{one_off} try --base-url http://127.0.0.1:18001 {spec_and_env} | {chosen}",
    ], calls
    assert (checkout / "gen" / "svc").is_dir()
    assert "http://127.0.0.1:18001" in result.stdout
    # .env was created with a Typesense key (compose refuses an empty one), kept on a rerun.
    key = _env_file(checkout)["TYPESENSE_API_KEY"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,}", key), key
    again, calls = _run_setup(checkout, "--no-serve")
    assert again.returncode == 0, again.stdout + again.stderr
    assert _env_file(checkout)["TYPESENSE_API_KEY"] == key
    defaults = "APP_PORT=8000 SPEC_DIR=. SPEC_FILE=openapi3_1.yml SERVICE_DIR=service"
    spec_and_env = "/opt/specfirst/spec/openapi3_1.yml --env-file /run/specfirst.env"
    assert calls == [
        f"compose build | {defaults}",
        f"{one_off} keys {spec_and_env} | {defaults}",
        f"compose up --detach --wait | {defaults}",
        f"compose down | {defaults}",
    ], calls


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--out", "/tmp"),
            "--out /tmp: with Docker the service directory must be a directory inside",
        ),
        (("--out", "."), "--out .: with Docker the service directory must be a directory inside"),
        (("--spec", "missing.yml"), "--spec missing.yml: no such file"),
        (
            ("--spec", "/etc/hostname"),
            "--spec /etc/hostname: with Docker the document must be inside",
        ),
    ],
)
def test_run_setup_docker_branch_refuses_paths_outside_the_build_context(
    checkout: Path, args: tuple[str, ...], message: str
) -> None:
    result, calls = _run_setup(checkout, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr, result.stderr
    assert calls == []


# --------------------------------------------------------------------------- with a Docker engine


def _docker_available() -> str | None:
    """None when a Docker engine answers, else the reason why not."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    try:
        info = subprocess.run(
            ["docker", "info"], capture_output=True, text=True, timeout=30, check=False
        )
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer within 30 s"
    if info.returncode != 0:
        reason = (info.stderr or info.stdout).strip().splitlines()
        return (
            f"no Docker engine: `docker info` failed ({reason[-1] if reason else info.returncode})"
        )
    return None


def _compose_command() -> list[str] | None:
    """``docker compose`` (the plugin) or ``docker-compose``, whichever is installed."""
    if shutil.which("docker") is not None:
        plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if plugin.returncode == 0:
            return ["docker", "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def test_compose_file_is_valid_for_docker_compose(tmp_path: Path) -> None:
    # `config` needs no engine: it interpolates .env and checks the file against the schema.
    compose = _compose_command()
    if compose is None:
        pytest.skip("neither the docker compose plugin nor docker-compose is installed")
    shutil.copy(COMPOSE, tmp_path / "docker-compose.yml")
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    (tmp_path / ".env").write_text(example.replace("TYPESENSE_API_KEY=\n", "TYPESENSE_API_KEY=k\n"))
    result = subprocess.run(
        [*compose, "config"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "--api-key=k" in result.stdout
    # Without a Typesense key compose refuses to start, naming the variable.
    (tmp_path / ".env").write_text(example)
    refused = subprocess.run(
        [*compose, "config"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0 and "TYPESENSE_API_KEY" in refused.stderr


def test_image_builds() -> None:
    reason = _docker_available()
    if reason is not None:
        pytest.skip(reason)
    result = subprocess.run(
        ["docker", "build", "--tag", "specfirst-service:test", "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    inspect = subprocess.run(
        ["docker", "image", "inspect", "specfirst-service:test", "--format", "{{json .Config}}"],
        capture_output=True,
        text=True,
        check=True,
    )
    config = json.loads(inspect.stdout)
    assert config["User"] not in ("", "root", "0")
    assert config["WorkingDir"] == "/service"
    assert "8000/tcp" in config["ExposedPorts"]
    assert config["Healthcheck"]["Test"][0] in ("CMD", "CMD-SHELL")
