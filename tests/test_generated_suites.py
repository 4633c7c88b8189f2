"""The pytest suite generated into every service (its ``tests/``) passes against its app.

For the repository's spec and each document of the foundation list the suite runs inside a
freshly generated service; for ``openapi3_1.yml`` also inside a copy of the committed
``service/`` (its hand-written handlers included, the rest regenerated). Each suite runs
in one child ``python -m pytest`` process from the service directory, with a minimal
environment (no credentials, no ``DATABASE_URL``: the suite brings its own). The only
skips allowed are operations whose handler is not implemented (``not implemented: ...``);
they are printed per document.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FOUNDATION_DOCUMENTS, REPO, SPEC, corpus_document

from specfirst.pipeline import generate

SUITE_TIMEOUT = 300
_KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "VIRTUAL_ENV")
_SKIP_LINE = re.compile(r"^SKIPPED \[(\d+)\] (\S+?):(\d+): (.*)$")


@dataclass(frozen=True)
class Skip:
    count: int
    where: str
    reason: str


# Generated tests that fail because of a known generator bug (not a test bug), by document:
# the suite must fail exactly these. When a bug is fixed its tests pass, and this check
# fails until they are removed from the list (like a strict xfail).
KNOWN_GENERATOR_BUGS: dict[str, dict[str, str]] = {}  # none today
_FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+?)(?: - .*)?$")


def run_suite(service: Path) -> tuple[subprocess.CompletedProcess[str], list[Skip]]:
    env = {k: v for k, v in os.environ.items() if k in _KEPT_ENV}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["COLUMNS"] = "300"  # FAILED lines in full
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rfEs",
            "--tb=line",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::DeprecationWarning",
        ],
        cwd=service,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )
    skips = [
        Skip(int(m.group(1)), f"{m.group(2)}:{m.group(3)}", m.group(4))
        for line in proc.stdout.splitlines()
        if (m := _SKIP_LINE.match(line.strip()))
    ]
    return proc, skips


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def check_suite(document: str, service: Path) -> None:
    suite = service / "tests"
    assert (suite / "conftest.py").is_file(), f"{document}: no generated tests/conftest.py"
    for module in sorted(suite.glob("*.py")):
        assert "specfirst" not in imported_modules(module), f"{module.name} imports specfirst"
    proc, skips = run_suite(service)
    summary = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"\n{document}: {summary}")
    for skip in skips:
        print(f"  skipped: {skip.reason}" + (f" (x{skip.count})" if skip.count > 1 else ""))
    lines = [line for line in proc.stdout.splitlines() if _FAILED_LINE.match(line)]
    failed = {m.group(1) for line in lines if (m := _FAILED_LINE.match(line))}
    known = KNOWN_GENERATOR_BUGS.get(document.split(" ")[0], {})
    for test_id in sorted(failed & set(known)):
        print(f"  known generator bug: {test_id}: {known[test_id]}")
    new = [line for line in lines if _FAILED_LINE.match(line).group(1) not in known]  # type: ignore[union-attr]
    if new or (proc.returncode != 0 and not failed):
        detail = "\n".join(new) or proc.stdout[-8000:]
        pytest.fail(
            f"{document}: the generated suite failed ({summary}); run `python -m pytest -q` in "
            f"the generated service for details\n{detail}\n{proc.stderr[-2000:]}"
        )
    fixed = sorted(set(known) - failed)
    assert not fixed, f"{document}: these now pass, remove them from KNOWN_GENERATOR_BUGS: {fixed}"
    unexpected = [s for s in skips if not s.reason.startswith("not implemented")]
    assert not unexpected, f"{document}: skips that are not 'not implemented': {unexpected}"


def test_repo_service_suite_passes(tmp_path: Path) -> None:
    """The suite for openapi3_1.yml passes inside service/ (its own handlers included)."""
    service = tmp_path / "service"
    shutil.copytree(
        REPO / "service",
        service,
        ignore=shutil.ignore_patterns("__pycache__", "data", ".pytest_cache"),
    )
    generate(SPEC, service)  # brings the copy up to date and writes the suite (handlers are kept)
    check_suite("openapi3_1 (service/)", service)


@pytest.mark.parametrize("document", ["openapi3_1", *FOUNDATION_DOCUMENTS])
def test_generated_suite_passes(document: str, tmp_path: Path) -> None:
    """The suite of a freshly generated service passes (unimplemented handlers are skipped)."""
    spec = SPEC if document == "openapi3_1" else corpus_document(document)
    service = tmp_path / "service"
    generate(spec, service)
    check_suite(document, service)


WIDER_REQUEST = """\
openapi: 3.1.0
info: {title: Accounts, version: "1"}
paths:
  /accounts:
    post:
      operationId: createAccount
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewAccount"}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Account"}
        "400": {description: refused}
    get:
      operationId: listAccounts
      responses:
        "200":
          description: the accounts
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Account"}
  /accounts/{id}:
    get:
      operationId: getAccount
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: the account
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Account"}
        "404": {description: no such account}
components:
  schemas:
    NewAccount:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 20}
        channels:
          type: array
          items: {type: string}
    Account:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
        channels:
          type: array
          items: {type: string, enum: [ach, wire]}
"""


def test_optional_fields_a_stored_item_cannot_hold_are_not_sent(tmp_path: Path) -> None:
    """The create's request allows any channel, the stored item only two: the suite's valid
    create must send a channel the item holds (or none), not one the service refuses."""
    spec = tmp_path / "openapi.yml"
    spec.write_text(WIDER_REQUEST)
    service = tmp_path / "service"
    generate(spec, service)
    check_suite("wider request", service)
