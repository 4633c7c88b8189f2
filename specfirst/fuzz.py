"""Fuzz a generated service against its spec with schemathesis.

``specfirst fuzz SPEC --app DIR [--max-examples N] [--seed N]`` starts the service in DIR with
uvicorn on a free loopback port, with one generated credential per security scheme in its
environment (a scheme named ``fooBar`` reads its accepted keys from ``FOO_BAR_KEYS``), runs
``schemathesis run`` against the document SPEC with every check, a bounded number of
examples per operation, a fixed seed and its stateful phase (links), and reports:

- every distinct failure, with the request that reproduces it as a curl line;
- every operation that was skipped, with the reason. An operation whose handler is not
  implemented yet answers ``501`` to a valid request: it is listed as skipped ("not
  implemented: answers 501"), and the failures that only say "501 is a server error / an
  undocumented status" are dropped for it. Failures that are about the generated
  validation and security layer (invalid data or a missing credential reaching the handler)
  are still reported for such an operation.

Each 5xx failure also carries the exception the server logged when its request was sent
again after the run. The run is isolated: the server gets a throw-away SQLite
``DATABASE_URL`` (the app's own data is neither read nor written, every run starts empty),
outbound HTTP goes to a closed loopback port (handlers that fetch URLs from fuzzed data reach
nothing) and ``OPENAI_API_KEY`` is empty; ``env`` overrides any of it.

The server is always stopped. Exit code: 0 no failure, 1 failures (or schemathesis errors),
2 bad input (unreadable spec, no app, a server that does not start).
"""

from __future__ import annotations

import argparse
import ast
import base64
import http.client
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Self

from specfirst.wire import Reading, WireError, read_bodies

NOT_IMPLEMENTED_STATUS = 501
NOT_IMPLEMENTED_REASON = "not implemented: answers 501"

# On an operation that is not implemented, a 501 answer fails these checks only because the
# handler is missing ("server error", "undocumented status", "valid data not accepted", a
# created resource that cannot be read back). Any other check failing on a 501 means that the
# request reached the handler when it should not have (invalid data, missing credential).
EXPECTED_OF_A_501 = frozenset(
    {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "positive_data_acceptance",
        "use_after_free",
        "ensure_resource_availability",
    }
)

# Fuzzed data names other services (URLs to fetch, an OpenAI key...): the server under test
# must not reach them. Every HTTP client that honours the proxy variables (httpx, requests,
# urllib) is sent to the discard port on loopback, where nothing listens; the OpenAI key is
# cleared so that the Ensemble assistant stays local.
CLOSED_PROXY = "http://127.0.0.1:9"
SEALED_ENV: dict[str, str] = {
    **{name: CLOSED_PROXY for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
    **{name.lower(): CLOSED_PROXY for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
    "NO_PROXY": "127.0.0.1,localhost,::1",
    "no_proxy": "127.0.0.1,localhost,::1",
    "OPENAI_API_KEY": "",
    "TYPESENSE_URL": "",
    "TYPESENSE_API_KEY": "",
}

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT = 0, 1, 2
SERVER_START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 10.0


class FuzzError(Exception):
    """The fuzz run could not be carried out (bad input, server not starting, tool missing)."""


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Skipped:
    """An operation that was not (fully) tested, and why."""

    operation: str
    """``METHOD /path`` as in the spec."""
    reason: str


@dataclass(frozen=True)
class Failure:
    """One distinct failure: a check that failed on one operation, with its reproduction."""

    operation: str
    check: str
    code: str
    """Schemathesis' failure code (``ST101`` ...); ``st explain CODE`` describes it."""
    title: str
    message: str
    status: int | None
    """Status of the response that failed the check, if a response was received."""
    response_body: str
    curl: str
    """A command line that sends the failing request again (server started as reported)."""
    case_id: str
    phase: str
    generation_mode: str
    """``positive`` (valid data) or ``negative`` (data the spec forbids)."""
    description: str
    """What the case exercised (schemathesis' coverage scenario), when it says."""
    media_type: str = ""
    """Content type of the request body, if it had one."""
    negative_in: tuple[str, ...] = ()
    """The parts of the request schemathesis made invalid (``body``, ``query`` ...)."""
    server_exception: str = ""
    """For a 5xx: the exception the server logged when the request was sent again."""
    request: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The recorded request (method, uri, headers, base64 body) behind ``curl``."""
    occurrences: int = 1

    def render(self) -> str:
        lines = [f"FAIL {self.operation}: {self.check} ({self.code} {self.title})"]
        if self.message:
            lines.extend(f"    {line}" for line in self.message.splitlines())
        if self.description:
            lines.append(f"    case: {self.description} [{self.generation_mode}, {self.phase}]")
        else:
            lines.append(f"    case: {self.generation_mode} data, {self.phase} phase")
        if self.status is not None:
            lines.append(f"    response: {self.status} {_shorten(self.response_body, 300)}")
        if self.server_exception:
            lines.append(f"    server: {_shorten(self.server_exception, 500)}")
        if self.occurrences > 1:
            lines.append(f"    seen {self.occurrences} times")
        lines.append(f"    reproduce: {self.curl}")
        return "\n".join(lines)


@dataclass(frozen=True)
class SpecGap:
    """An undeclared status the service answered because its spec declares none that fits, or
    a status schemathesis expects that the spec does not declare (the service answered the
    declared one)."""

    operation: str
    status: int
    explanation: str
    """What ``specfirst plan`` says about the gap: the refusal and the statuses that would fit."""
    example: Failure
    occurrences: int = 1

    def render(self, *, strict: bool = False) -> str:
        word = "FAIL (strict) spec gap" if strict else "SPEC GAP"
        return (
            f"{word} {self.explanation}; schemathesis saw it {self.occurrences} times\n"
            f"    reproduce: {self.example.curl}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "status": self.status,
            "explanation": self.explanation,
            "occurrences": self.occurrences,
            "curl": self.example.curl,
        }


@dataclass(frozen=True)
class EncodingNote:
    """A failure that is not one: the body schemathesis sent does not say what it labelled it.

    Its label (valid or invalid data) was true of the JSON value it generated, and lost when
    that value was encoded as form fields or XML. What the bytes read as is shown (read by the
    service's own reader, validated by the operation's body model: ``specfirst.wire``).
    """

    operation: str
    check: str
    media_type: str
    reading: Reading
    example: Failure
    occurrences: int = 1

    def render(self) -> str:
        label = "invalid" if self.check == "negative_data_rejection" else "valid"
        verdict = (
            "valid" if self.reading.valid else f"not valid ({_shorten(self.reading.problem, 200)})"
        )
        sent = (
            _shorten(json.dumps(self.reading.value), 200)
            if self.reading.value is not None
            else "nothing"
        )
        scenario = f" ({self.example.description})" if self.example.description else ""
        return (
            f"NOTE {self.operation}: a case schemathesis labelled {label}{scenario}, sent as "
            f"{self.media_type}, reads as {sent}: {verdict}; its label did not survive the "
            f"encoding, seen {self.occurrences} times\n    reproduce: {self.example.curl}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "check": self.check,
            "media_type": self.media_type,
            "reads_as": self.reading.value,
            "valid": self.reading.valid,
            "problem": self.reading.problem,
            "occurrences": self.occurrences,
            "curl": self.example.curl,
        }


@dataclass
class FuzzReport:
    spec: str
    app_dir: str
    seed: int
    max_examples: int
    base_url: str = ""
    server_env: dict[str, str] = field(default_factory=dict)
    """Variables the server was started with on top of the environment: one key per security
    scheme, a throw-away ``DATABASE_URL`` and the caller's ``env``."""
    operations: list[str] = field(default_factory=list)
    """Every operation of the spec, ``METHOD /path``."""
    tested: list[str] = field(default_factory=list)
    """Operations fully tested (not skipped)."""
    skipped: list[Skipped] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Errors schemathesis reported (schema problems, network errors ...)."""
    warnings: list[str] = field(default_factory=list)
    suppressed: int = 0
    """Failures dropped because they only say that a not implemented operation answers 501."""
    declared_refusals: list[Failure] = field(default_factory=list)
    """Schema-valid requests refused with a 4xx the spec declares for that operation (an
    unknown id, a duplicate): the contract allows them, so they are listed, not failed."""
    spec_gaps: list[SpecGap] = field(default_factory=list)
    """Undeclared statuses that answer a refusal the spec declares no response for (see
    ``specfirst.refusals``): listed, and failures only with ``strict``."""
    strict: bool = False
    encoding_notes: list[EncodingNote] = field(default_factory=list)
    """Form or XML bodies whose valid/invalid label did not survive encoding (not failures)."""
    test_cases: int = 0
    schemathesis_command: list[str] = field(default_factory=list)
    schemathesis_exit_code: int | None = None
    server_errors: list[str] = field(default_factory=list)
    """Distinct exception lines the server logged (tracebacks behind 500s)."""
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors and not (self.strict and self.spec_gaps)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_FAILURES

    def render(self) -> str:
        out: list[str] = [
            (
                f"fuzz {self.spec} against {self.app_dir} "
                f"(seed {self.seed}, max {self.max_examples} examples per operation)"
            ),
            f"server: {self.base_url}, started from {self.app_dir} with "
            + " ".join(
                f"{k}={shlex.quote(v)}"
                for k, v in self.server_env.items()
                if SEALED_ENV.get(k) != v
            )
            + f" (outbound HTTP sealed: proxies point at {CLOSED_PROXY}, OPENAI_API_KEY empty)",
        ]
        for warning in self.warnings:
            out.append(f"WARNING {warning}")
        for skipped in self.skipped:
            out.append(f"SKIPPED {skipped.operation}: {skipped.reason}")
        for refusal in self.declared_refusals:
            out.append(
                f"NOTE {refusal.operation}: a schema-valid request was refused with its declared "
                f"{refusal.status} ({_shorten(refusal.response_body, 120)}), seen {refusal.occurrences} times"
            )
        for note in self.encoding_notes:
            out.append(note.render())
        for gap in self.spec_gaps:
            out.append(gap.render(strict=self.strict))
        for failure in self.failures:
            out.append(failure.render())
        for error in self.errors:
            out.append(f"ERROR {error}")
        if self.server_errors:
            out.append("server exceptions:")
            out.extend(f"    {line}" for line in self.server_errors)
        out.append(
            f"{len(self.operations)} operations: {len(self.tested)} tested, "
            f"{len(self.skipped)} skipped; {self.test_cases} test cases; "
            f"{len(self.failures)} failures, {len(self.errors)} errors"
            + (f", {len(self.spec_gaps)} spec gaps" if self.spec_gaps else "")
            + (
                f" ({self.suppressed} failures of not implemented operations dropped)"
                if self.suppressed
                else ""
            )
            + f" in {self.elapsed:.1f}s"
        )
        return "\n".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "app": self.app_dir,
            "seed": self.seed,
            "max_examples": self.max_examples,
            "operations": self.operations,
            "tested": self.tested,
            "skipped": [vars(s) for s in self.skipped],
            "test_cases": self.test_cases,
            "failures": [
                {k: v for k, v in vars(f).items() if k != "request"} for f in self.failures
            ],
            "spec_gaps": [gap.to_json() for gap in self.spec_gaps],
            "encoding_notes": [note.to_json() for note in self.encoding_notes],
            "strict": self.strict,
            "errors": self.errors,
            "warnings": self.warnings,
            "server_errors": self.server_errors,
            "ok": self.ok,
        }


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class Credential:
    """One generated credential: the server side (env var) and the client side (schemathesis)."""

    scheme: str
    env_var: str
    env_value: str
    auth: dict[str, str]
    """Schemathesis' ``[auth.openapi.<scheme>]`` table: api_key, username/password or bearer."""


def _scheme_env_vars(app_dir: Path) -> dict[str, str]:
    """The app's ``ENV_VARS`` (scheme name -> variable), read from its security module."""
    source = app_dir / "app" / "core" / "security.py"
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return {}
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "ENV_VARS" and node.value is not None:
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return {}
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
    return {}


def make_credentials(
    document: Mapping[str, Any], app_dir: Path
) -> tuple[list[Credential], list[str]]:
    """A key for each security scheme of the document; and the schemes no credential fits.

    Schemes sent in the same place (every bearer scheme in ``Authorization``, apiKeys of one
    name and location) get the same key: one request holds one value there, and a requirement
    may AND such schemes. Each scheme is still checked on its own by the service.
    """
    from specfirst.synth import env_var_for_scheme

    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    env_vars = _scheme_env_vars(app_dir)
    credentials: list[Credential] = []
    unusable: list[str] = []
    for name, scheme in schemes.items():
        if not isinstance(scheme, Mapping):
            continue  # a $ref: the bundled document keeps schemes inline in practice
        env_var = env_vars.get(name) or env_var_for_scheme(name)
        kind = str(scheme.get("type", ""))
        http_scheme = str(scheme.get("scheme", "")).lower()
        if kind == "apiKey":
            where = str(scheme.get("in", "header"))
            param = str(scheme.get("name", name))
            place = f"{where}-{param.lower() if where == 'header' else param}"
        else:
            place = f"authorization-{http_scheme or 'bearer'}"
        slug = re.sub(r"[^A-Za-z0-9]+", "-", place).strip("-").lower() or "scheme"
        secret = f"fuzz-{slug}-key"
        if kind == "apiKey":
            credentials.append(Credential(name, env_var, secret, {"api_key": secret}))
        elif kind == "http" and http_scheme == "basic":
            user, password = f"fuzz-{slug}", "fuzz-password"
            credentials.append(
                Credential(
                    name, env_var, f"{user}:{password}", {"username": user, "password": password}
                )
            )
        elif (kind == "http" and http_scheme == "bearer") or kind in ("oauth2", "openIdConnect"):
            credentials.append(Credential(name, env_var, secret, {"bearer": secret}))
        else:
            unusable.append(f"{name} ({kind} {http_scheme}".rstrip() + ")")
    return credentials, unusable


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string for these values


def schemathesis_config(credentials: Sequence[Credential]) -> str:
    """A ``schemathesis.toml`` that authenticates every scheme where the spec places it.

    Strings are generated without NUL: a generated service refuses a NUL in any value by
    design (``app/core/request_limits.py``), like a body over its size limit, although JSON
    Schema lets a string hold one.
    """
    lines: list[str] = ["[generation]", "allow-x00 = false", ""]
    for credential in credentials:
        lines.append(f"[auth.openapi.{_toml_string(credential.scheme)}]")
        lines.extend(f"{key} = {_toml_string(value)}" for key, value in credential.auth.items())
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``uvicorn app.main:app`` in ``app_dir`` on a free loopback port; a context manager."""

    def __init__(self, app_dir: Path, env: Mapping[str, str], log_path: Path) -> None:
        self.app_dir = app_dir
        self.env = dict(env)
        self.log_path = log_path
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        command = [
            sys.executable, "-m", "uvicorn", "app.main:app",
            "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.app_dir,
                env={**self.env, "PYTHONUNBUFFERED": "1"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_until_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise FuzzError(
                    f"the server in {self.app_dir} exited with code {self.process.returncode} "
                    f"before answering:\n{_tail(self.log())}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/openapi.json", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise FuzzError(
            f"the server in {self.app_dir} did not answer within {SERVER_START_TIMEOUT:.0f}s"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


# --------------------------------------------------------------------------- schemathesis results


def curl_line(request: Mapping[str, Any]) -> str:
    """A curl command that sends a recorded request again."""
    parts = ["curl", "-X", str(request.get("method", "GET"))]
    for name, values in (request.get("headers") or {}).items():
        for value in values if isinstance(values, list) else [values]:
            parts += ["-H", f"{name}: {value}"]
    body = request.get("body")
    stdin = ""
    if isinstance(body, Mapping) and "$base64" in body:
        raw = base64.b64decode(body["$base64"])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" not in text:
            parts += ["--data-binary", text]
        else:
            stdin = f"printf %s {raw.hex()} | xxd -r -p | "
            parts += ["--data-binary", "@-"]
    elif isinstance(body, str):
        parts += ["--data-binary", body]
    parts.append(str(request.get("uri", "")))
    return stdin + shlex.join(parts)


def _decode_body(content: Any) -> str:
    if isinstance(content, Mapping) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", errors="replace")
    if isinstance(content, Mapping) and "string" in content:
        return str(content["string"])
    return "" if content is None else str(content)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _events(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            line = line.strip()
            if not line:
                continue
            event = json.loads(line)
            if isinstance(event, dict) and len(event) == 1:
                (name, payload), *_ = event.items()
                yield name, payload if isinstance(payload, dict) else {}


def _local_target(document: Mapping[str, Any], node: Any) -> Any:
    """``node`` with its in-document ``$ref`` chain followed (a bundled document keeps path
    items as ``$ref``s to ``#/components/pathItems/...``); ``None`` for a dangling or
    circular chain."""
    from specfirst.loader import split_pointer

    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#") or ref in seen:
            return None
        seen.add(ref)
        try:
            node = document
            for token in split_pointer(ref[1:]):
                node = node[int(token) if isinstance(node, list) else token]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return node


def _operations(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(METHOD /path, operation)`` for every operation, path item ``$ref``s followed."""
    for path, item in (document.get("paths") or {}).items():
        item = _local_target(document, item)
        if isinstance(item, Mapping):
            for method in HTTP_METHODS:
                op = _local_target(document, item.get(method))
                if isinstance(op, Mapping):
                    yield f"{method.upper()} {path}", op


def spec_operations(document: Mapping[str, Any]) -> list[str]:
    return [label for label, _ in _operations(document)]


@dataclass
class Observations:
    """What the ndjson event stream says, before classification."""

    not_implemented: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    skip_reasons: dict[str, str] = field(default_factory=dict)
    failures: list[tuple[str, Failure]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    test_cases: int = 0


def _scenario(recorder: Mapping[str, Any], phase: str, observed: Observations) -> None:
    cases: Mapping[str, Any] = recorder.get("cases") or {}
    interactions: Mapping[str, Any] = recorder.get("interactions") or {}
    checks: Mapping[str, Any] = recorder.get("checks") or {}
    for case_id, node in cases.items():
        case = node.get("value") or {}
        label = f"{str(case.get('method', '')).upper()} {case.get('path', '')}"
        response = (interactions.get(case_id) or {}).get("response") or {}
        status = response.get("status_code")
        if status is not None:
            observed.answered.add(label)
            observed.test_cases += 1
        if status == NOT_IMPLEMENTED_STATUS:
            observed.not_implemented.add(label)
    for case_id, results in checks.items():
        case = (cases.get(case_id) or {}).get("value") or {}
        meta = case.get("meta") or {}
        interaction = interactions.get(case_id) or {}
        response = interaction.get("response") or {}
        for result in results:
            if result.get("status") != "failure":
                continue
            info = (result.get("failure_info") or {}).get("failure") or {}
            scenario = ((meta.get("phase") or {}).get("data") or {}).get("description", "")
            failure = Failure(
                operation=str(info.get("operation") or recorder.get("label", "")),
                check=str(result.get("name", "")),
                code=str(info.get("code", "")),
                title=str(info.get("title", "")),
                message=str(info.get("message", "")),
                status=response.get("status_code"),
                response_body=_decode_body(response.get("content")),
                curl=curl_line(interaction.get("request") or {}),
                case_id=case_id,
                phase=str((meta.get("phase") or {}).get("name") or phase),
                generation_mode=str((meta.get("generation") or {}).get("mode", "")),
                description=str(scenario),
                media_type=str(case.get("media_type") or ""),
                negative_in=tuple(
                    sorted(
                        part
                        for part, info in (meta.get("components") or {}).items()
                        if isinstance(info, dict) and info.get("mode") == "negative"
                    )
                ),
                request=dict(interaction.get("request") or {}),
            )
            observed.failures.append(
                (str(case.get("method", "")).upper() + " " + str(case.get("path", "")), failure)
            )


def read_events(path: Path) -> Observations:
    observed = Observations()
    for name, payload in _events(path):
        if name == "ScenarioFinished":
            recorder = payload.get("recorder") or {}
            if payload.get("status") == "skip" and payload.get("skip_reason"):
                observed.skip_reasons.setdefault(
                    str(recorder.get("label", "")), str(payload["skip_reason"])
                )
            _scenario(recorder, str(payload.get("phase", "")), observed)
        elif name in ("NonFatalError", "FatalError"):
            info = payload.get("info") or {}
            label = payload.get("label") or payload.get("phase") or ""
            message = (
                info.get("message") or info.get("title") or payload.get("exception") or payload
            )
            observed.errors.append(f"{label}: {_shorten(str(message), 500)}".strip(": "))
    return observed


def _failure_key(failure: Failure) -> tuple[str, ...]:
    """Failures with one key are one failure: same operation, check, status, request media
    type and first message line (numbers aside: lengths and values vary between cases)."""
    first_line = re.sub(r"\d+", "N", (failure.message.splitlines() or [""])[0])
    return (
        failure.operation,
        failure.check,
        failure.code,
        str(failure.status),
        failure.media_type,
        first_line,
    )


def declared_statuses(document: Mapping[str, Any]) -> dict[str, set[str]]:
    """``METHOD /path`` -> the response status keys the spec declares for it."""
    return {
        label: {str(k) for k in (op.get("responses") or {})} for label, op in _operations(document)
    }


_ENCODED = ("application/x-www-form-urlencoded", "multipart/form-data")


def _lossy(media_type: str) -> bool:
    """Media types schemathesis encodes a generated JSON value into, possibly losing its label."""
    base = media_type.split(";", 1)[0].strip().lower()
    return base in _ENCODED or base.endswith(("/xml", "+xml"))


def _wire_candidate(failure: Failure) -> bool:
    if not _lossy(failure.media_type) or not failure.request.get("body"):
        return False
    if failure.check == "negative_data_rejection":
        return failure.negative_in == ("body",)  # only the body was made invalid
    return failure.check == "positive_data_acceptance"


def _label_lost(failure: Failure, reading: Reading) -> bool:
    if failure.check == "negative_data_rejection":
        return reading.valid  # labelled invalid, the bytes sent are valid
    return failure.check == "positive_data_acceptance" and not reading.valid


def encoding_readings(app_dir: Path, observed: Observations) -> dict[str, Reading]:
    """What the form and XML bodies of the body-related failures read as, by case id."""
    candidates: list[tuple[str, dict[str, str]]] = []
    for label, failure in observed.failures:
        if not _wire_candidate(failure):
            continue
        method, _, path = (failure.operation or label).partition(" ")
        headers = {str(k).lower(): v for k, v in (failure.request.get("headers") or {}).items()}
        content_type = headers.get("content-type") or failure.media_type
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        body = failure.request.get("body")
        encoded = body.get("$base64", "") if isinstance(body, Mapping) else ""
        candidates.append(
            (
                failure.case_id,
                {
                    "method": method,
                    "path": path,
                    "content_type": str(content_type),
                    "body": encoded,
                },
            )
        )
    readings = read_bodies(app_dir, [request for _, request in candidates])
    return {case_id: reading for (case_id, _), reading in zip(candidates, readings, strict=True)}


def _tally(group: dict[Any, Any], key: Any, item: Any, again: Callable[[Any], Any]) -> None:
    """One entry per key: the first item, then ``again(entry)`` each time the key recurs."""
    seen = group.get(key)
    group[key] = item if seen is None else again(seen)


def _seen_again(entry: Any) -> Any:
    return replace(entry, occurrences=entry.occurrences + 1)


def _simpler(a: Failure, b: Failure) -> Failure:
    """The failure with the shorter reproduction (the earlier one on a tie)."""
    return a if len(a.curl) < len(b.curl) else b


def classify(
    operations: Sequence[str],
    observed: Observations,
    report: FuzzReport,
    declared: Mapping[str, set[str]] | None = None,
    gaps: Mapping[tuple[str, int], str] | None = None,
    readings: Mapping[str, Reading] | None = None,
) -> None:
    """Fill ``report``: skipped operations, distinct failures, dropped 501 failures.

    A ``positive_data_acceptance`` failure whose answer is a 4xx the spec declares for that
    operation (by exact status, by range or by ``default``) is a declared refusal, not a
    failure: schemathesis cannot know that an id or a paging cursor it made up is unknown, or
    that the same registration was sent twice.

    A ``status_code_conformance`` failure whose status is the one the service answers for a
    refusal its spec declares no response for (``gaps``: ``(operation, status)`` -> what
    ``specfirst plan`` says about it) is a spec gap, not a failure of the service.

    ``readings`` (case id -> what its body reads as, see ``encoding_readings``) turn the
    failures whose form or XML body does not say what schemathesis labelled it into notes.
    """
    skipped: dict[str, str] = {}
    for operation in operations:
        if operation in observed.not_implemented:
            skipped[operation] = NOT_IMPLEMENTED_REASON
        elif operation not in observed.answered:
            reason = observed.skip_reasons.get(operation, "no request reached the server")
            skipped[operation] = f"not tested: {reason}"
    distinct: dict[tuple[str, ...], Failure] = {}
    refused: dict[tuple[str, int | None], Failure] = {}
    notes: dict[tuple[str, str, str], EncodingNote] = {}
    gap_seen: dict[tuple[str, int | None], SpecGap] = {}
    for case_label, failure in observed.failures:
        operation = failure.operation or case_label
        if (
            failure.status == NOT_IMPLEMENTED_STATUS
            and operation in observed.not_implemented
            and failure.check in EXPECTED_OF_A_501
        ):
            report.suppressed += 1
            continue
        if (
            failure.check == "positive_data_acceptance"
            and failure.status is not None
            and 400 <= failure.status < 500
            and _covers((declared or {}).get(operation, set()), failure.status)
        ):
            _tally(refused, (operation, failure.status), failure, _seen_again)
            continue
        reading = (readings or {}).get(failure.case_id)
        if reading is not None and _label_lost(failure, reading):
            note = EncodingNote(operation, failure.check, failure.media_type, reading, failure)
            _tally(notes, (operation, failure.check, failure.media_type), note, _seen_again)
            continue
        explanation = (gaps or {}).get((operation, failure.status or 0))
        if explanation is None:
            explanation = _undeclared_expectation(failure, (declared or {}).get(operation, set()))
        if explanation is not None and failure.check in (
            "status_code_conformance",
            "missing_required_header",
        ):
            gap = SpecGap(operation, failure.status or 0, explanation, failure)
            _tally(
                gap_seen,
                (operation, failure.status),
                gap,
                lambda seen, f=failure: replace(
                    _seen_again(seen), example=_simpler(f, seen.example)
                ),
            )
            continue
        _tally(
            distinct,
            _failure_key(failure),
            failure,
            lambda seen, f=failure: replace(_simpler(f, seen), occurrences=seen.occurrences + 1),
        )
    report.declared_refusals = list(refused.values())
    report.encoding_notes = list(notes.values())
    report.spec_gaps = list(gap_seen.values())
    report.operations = list(operations)
    report.skipped = [Skipped(op, reason) for op, reason in skipped.items()]
    report.tested = [op for op in operations if op not in skipped]
    report.failures = sorted(distinct.values(), key=lambda f: (f.operation, f.check, f.message))
    report.errors = list(dict.fromkeys([*report.errors, *observed.errors]))
    report.test_cases = observed.test_cases


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*")


def _exception_lines(log: str) -> list[str]:
    return list(dict.fromkeys(line for line in log.splitlines() if _EXCEPTION_LINE.match(line)))


MAX_REPLAYS = 50


def replay(server: Server, request: Mapping[str, Any]) -> str:
    """Send a recorded request again; the exception lines the server logged meanwhile."""
    before = len(server.log())
    body = request.get("body")
    data = (
        base64.b64decode(body["$base64"])
        if isinstance(body, Mapping) and "$base64" in body
        else None
    )
    headers = {
        str(name): ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        for name, value in (request.get("headers") or {}).items()
    }
    method = str(request.get("method", "GET"))
    try:
        sent = urllib.request.Request(str(request.get("uri", "")), data, headers, method=method)
        with urllib.request.urlopen(sent, timeout=REQUEST_TIMEOUT):
            pass
    except urllib.error.HTTPError:
        pass  # the error status is what was expected
    except (OSError, ValueError, http.client.HTTPException):
        return ""
    for _ in range(20):  # the traceback is logged after the response is sent
        lines = _exception_lines(server.log()[before:])
        if lines:
            return "; ".join(lines)
        time.sleep(0.05)
    return ""


def explain_server_errors(server: Server, failures: Sequence[Failure]) -> list[Failure]:
    """Attach the server's exception to each 5xx failure, by sending its request again."""
    explained: list[Failure] = []
    replays = 0
    for failure in failures:
        if failure.status is not None and failure.status >= 500 and replays < MAX_REPLAYS:
            replays += 1
            exception = replay(server, failure.request)
            if exception:
                failure = replace(failure, server_exception=exception)
        explained.append(failure)
    return explained


# --------------------------------------------------------------------------- running


def _load(
    spec: Path, ref_root: Path | None = None
) -> tuple[dict[str, Any], dict[tuple[str, int], str]]:
    """The bundled document, and its spec gaps: ``(METHOD /path, status)`` -> explanation."""
    from specfirst.pipeline import load_api
    from specfirst.resources import make_plan, spec_gaps

    api = load_api(spec, ref_root=ref_root)
    gaps: dict[tuple[str, int], list[str]] = {}
    for gap in spec_gaps(api, make_plan(api)):
        gaps.setdefault((gap.label, gap.status), []).append(gap.render())
    return api.document, {key: "; ".join(texts) for key, texts in gaps.items()}


def schemathesis_command(
    schema: Path, base_url: str, config: Path, report_dir: Path, *, max_examples: int, seed: int
) -> list[str]:
    return [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", str(config),
        "run", str(schema),
        "--url", base_url,
        "--checks", "all",
        "--max-examples", str(max_examples),
        "--seed", str(seed),
        "--workers", "1",
        "--continue-on-failure",
        "--generation-database", "none",
        "--request-timeout", str(REQUEST_TIMEOUT),
        "--output-sanitize", "false",
        "--no-color",
        "--report", "ndjson,json",
        "--report-dir", str(report_dir),
        "--report-ndjson-path", str(report_dir / "events.ndjson"),
        "--report-json-path", str(report_dir / "report.json"),
    ]  # fmt: skip


def _covers(declared: set[str], status: int) -> bool:
    """Whether the responses ``declared`` for an operation cover ``status`` (exact, range, default)."""
    return bool({str(status), f"{str(status)[0]}XX", "default"} & declared)


_EXPECTED = re.compile(r"expected ((?:\d{3}(?:, )?)+)$")


def _undeclared_expectation(failure: Failure, declared: set[str]) -> str | None:
    """A missing required header answered with a declared 4xx, where schemathesis expects a
    status the operation does not declare (401 for a missing ``Authorization``): the
    document leaves the service no other answer. None for anything else."""
    if failure.check != "missing_required_header" or failure.status is None:
        return None
    found = _EXPECTED.search(failure.message or "")
    if found is None or not 400 <= failure.status < 500 or str(failure.status) not in declared:
        return None
    expected = [int(code) for code in found.group(1).split(", ")]
    if any(str(code) in declared or f"{str(code)[0]}XX" in declared for code in expected):
        return None
    wanted = ", ".join(map(str, expected))
    return (
        f"{failure.operation}: a request without a required header is answered with the "
        f"declared {failure.status}; schemathesis expects {wanted}, which the operation "
        "does not declare"
    )


def _summary_warnings(path: Path) -> list[str]:
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    warnings: list[str] = []
    for kind, items in (summary.get("warnings") or {}).items():
        if items:
            warnings.append(f"schemathesis {kind}: {_shorten(json.dumps(items), 400)}")
    return warnings


def run_fuzz(
    spec: Path,
    app_dir: Path,
    *,
    max_examples: int = 25,
    seed: int = 0,
    env: dict[str, str] | None = None,
    strict: bool = False,
    ref_root: Path | None = None,
) -> FuzzReport:
    """Start the app in ``app_dir``, fuzz it against ``spec`` with schemathesis, stop it.

    ``ref_root``: the folder the document's ``$ref``s may read (default: its own folder)."""
    started = time.monotonic()
    spec, app_dir = Path(spec), Path(app_dir).resolve()
    if not (app_dir / "app" / "main.py").is_file():
        raise FuzzError(f"{app_dir}: no generated service here (app/main.py is missing)")
    document, gaps = _load(spec, ref_root)
    report = FuzzReport(
        spec=str(spec), app_dir=str(app_dir), seed=seed, max_examples=max_examples, strict=strict
    )
    report.operations = spec_operations(document)
    served = app_dir / "openapi.json"
    try:
        if json.loads(served.read_text(encoding="utf-8")) != document:
            report.warnings.append(
                f"{served} differs from {spec}: the app was generated from another document "
                "(run `specfirst generate`)"
            )
    except (OSError, ValueError):
        report.warnings.append(f"{served} is missing or unreadable")
    credentials, unusable = make_credentials(document, app_dir)
    for scheme in unusable:
        report.warnings.append(f"security scheme {scheme}: no credential can be generated for it")
    with tempfile.TemporaryDirectory(prefix="specfirst-fuzz-") as tmp:
        work = Path(tmp)
        # Keys for every scheme; a database of its own, so that the run neither reads nor
        # writes the app's data and starts from the same (empty) state every time; and no
        # way out: handlers that call other services get a closed loopback port instead.
        report.server_env = {
            **{c.env_var: c.env_value for c in credentials},
            "DATABASE_URL": f"sqlite:///{work / 'fuzz.db'}",
            **SEALED_ENV,
            **(env or {}),
        }
        schema_file = work / "openapi.json"
        schema_file.write_text(json.dumps(document), encoding="utf-8")
        config = work / "schemathesis.toml"
        config.write_text(schemathesis_config(credentials), encoding="utf-8")
        report_dir = work / "report"
        with Server(app_dir, {**os.environ, **report.server_env}, work / "server.log") as server:
            report.base_url = server.base_url
            command = schemathesis_command(
                schema_file,
                server.base_url,
                config,
                report_dir,
                max_examples=max_examples,
                seed=seed,
            )
            report.schemathesis_command = command
            result = subprocess.run(
                command,
                check=False,
                cwd=work,
                capture_output=True,
                text=True,
                env={**os.environ, "NO_COLOR": "1"},
            )
            report.schemathesis_exit_code = result.returncode
            if result.returncode not in (0, 1):  # 1: failures found, anything else: trouble
                report.errors.append(
                    f"schemathesis exited with code {result.returncode}:\n"
                    + _tail(result.stdout + result.stderr, 20)
                )
            events = report_dir / "events.ndjson"
            if not events.is_file():
                raise FuzzError(
                    f"schemathesis produced no report (exit {result.returncode}):\n"
                    f"{_tail(result.stdout + result.stderr, 40)}"
                )
            report.server_errors = _exception_lines(server.log())
            observed = read_events(events)
            classify(
                report.operations,
                observed,
                report,
                declared_statuses(document),
                gaps,
                encoding_readings(app_dir, observed),
            )
            report.failures = explain_server_errors(server, report.failures)
        report.warnings += _summary_warnings(report_dir / "report.json")
    report.elapsed = time.monotonic() - started
    return report


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help="the OpenAPI document")
    parser.add_argument("--app", required=True, help="directory of the generated service")
    parser.add_argument(
        "--max-examples", type=int, default=25, help="test cases per operation (default 25)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="count spec gaps (undeclared statuses the spec leaves no choice about) as failures",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--ref-root",
        metavar="DIR",
        help="folder $refs may read files from (default: the document's own folder)",
    )


def fuzz_command(args: argparse.Namespace | Sequence[str] | None = None) -> int:
    """``specfirst fuzz SPEC --app DIR [--max-examples N] [--seed N]``; returns the exit code."""
    if not isinstance(args, argparse.Namespace):
        parser = argparse.ArgumentParser(prog="specfirst fuzz", description=__doc__.splitlines()[0])
        add_arguments(parser)
        args = parser.parse_args(args)
    from specfirst.errors import SpecError

    try:
        report = run_fuzz(
            Path(args.spec),
            Path(args.app),
            max_examples=args.max_examples,
            seed=args.seed,
            strict=getattr(args, "strict", False),
            ref_root=Path(args.ref_root) if getattr(args, "ref_root", None) else None,
        )
    except SpecError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (FuzzError, WireError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if getattr(args, "format", "text") == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.render())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(fuzz_command(sys.argv[1:]))
