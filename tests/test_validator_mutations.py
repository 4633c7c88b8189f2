"""The validator is not blind: each kind of drift is reported, whether made in the code or the spec."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SPEC

from specfirst.pipeline import generate
from specfirst.validator.compare import Discrepancy
from specfirst.validator.run import validate

LOGS = "/paths/~1logs/get"
LIST = "/paths/~1services/get"
UPDATE = "/paths/~1services~1update~1{service_id}/put"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mut") / "service"
    generate(SPEC, out)
    assert validate(SPEC, out) == []
    return out


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


def _edit_re(path: Path, pattern: str, new: str) -> None:
    text = path.read_text()
    changed, n = re.subn(pattern, new, text, count=1, flags=re.DOTALL)
    assert n == 1, f"{pattern!r} not in {path}"
    path.write_text(changed)


# -- drift made in the generated code ------------------------------------------------------

CODE_MUTATIONS: dict[str, tuple[Callable[[Path], None], str, str, str]] = {
    # name: (edit of the service dir, expected pointer, category, kind)
    "constraint": (
        lambda d: _edit(d / "app/api/routes/logs_management.py", "le=1000", "le=100"),
        f"{LOGS}/parameters/query:limit/schema/maximum",
        "schema",
        "changed",
    ),
    "dropped response": (
        lambda d: _edit_re(
            d / "app/api/routes/logs_management.py",
            r"        401: \{\n.*?\n        \},\n",
            "",
        ),
        f"{LOGS}/responses/401",
        "response",
        "missing-in-app",
    ),
    "renamed parameter": (
        lambda d: _edit(
            d / "app/api/routes/logs_management.py",
            "    offset: Annotated[",
            "    skip: Annotated[",
        ),
        f"{LOGS}/parameters/query:offset",
        "parameter",
        "missing-in-app",
    ),
    "security requirement": (
        lambda d: _edit(
            d / "app/api/routes/logs_management.py",
            "security.require_api_key_auth",
            "security.require_admin_api_key_auth",
        ),
        f"{LOGS}/security",
        "security",
        "any",
    ),
    "description": (
        lambda d: _edit(
            d / "app/api/routes/service_management.py",
            'description="Returns every FountainAI service',
            'description="Lists every FountainAI service',
        ),
        f"{LIST}/description",
        "operation",
        "changed",
    ),
}


def _matching(found: list[Discrepancy], pointer: str) -> list[Discrepancy]:
    return [d for d in found if d.pointer == pointer or d.pointer.startswith(pointer + "/")]


@pytest.mark.parametrize("name", sorted(CODE_MUTATIONS))
def test_drift_in_generated_code_is_reported(name: str, service: Path, tmp_path: Path) -> None:
    edit, pointer, category, kind = CODE_MUTATIONS[name]
    mutated = tmp_path / "service"
    shutil.copytree(service, mutated)
    edit(mutated)
    found = validate(SPEC, mutated)
    hits = _matching(found, pointer)
    assert hits, f"{name}: nothing reported at {pointer}; got {[d.pointer for d in found]}"
    assert any(d.category == category and kind in ("any", d.kind) for d in hits), hits


# -- drift made in the spec ----------------------------------------------------------------


def _spec_constraint(doc: dict[str, Any]) -> None:
    params = doc["paths"]["/logs"]["get"]["parameters"]
    next(p for p in params if p["name"] == "limit")["schema"]["maximum"] = 100


def _spec_drop_response(doc: dict[str, Any]) -> None:
    del doc["paths"]["/logs"]["get"]["responses"]["401"]


def _spec_rename_parameter(doc: dict[str, Any]) -> None:
    params = doc["paths"]["/logs"]["get"]["parameters"]
    next(p for p in params if p["name"] == "offset")["name"] = "skip"


def _spec_security(doc: dict[str, Any]) -> None:
    doc["paths"]["/logs"]["get"]["security"] = [{"adminApiKeyAuth": []}]


def _spec_description(doc: dict[str, Any]) -> None:
    doc["paths"]["/services"]["get"]["description"] = "A different explanation."


SPEC_MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], None], str, str, str]] = {
    "constraint": (
        _spec_constraint,
        f"{LOGS}/parameters/query:limit/schema/maximum",
        "schema",
        "changed",
    ),
    "dropped response": (_spec_drop_response, f"{LOGS}/responses/401", "response", "extra-in-app"),
    "renamed parameter": (
        _spec_rename_parameter,
        f"{LOGS}/parameters/query:skip",
        "parameter",
        "missing-in-app",
    ),
    "security requirement": (_spec_security, f"{LOGS}/security", "security", "any"),
    "description": (_spec_description, f"{LIST}/description", "operation", "changed"),
}


@pytest.mark.parametrize("name", sorted(SPEC_MUTATIONS))
def test_drift_in_spec_is_reported(name: str, service: Path, tmp_path: Path) -> None:
    mutate, pointer, category, kind = SPEC_MUTATIONS[name]
    doc = yaml.safe_load(SPEC.read_text())
    mutate(doc)
    spec = tmp_path / "openapi3_1.yml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    found = validate(spec, service)
    hits = _matching(found, pointer)
    assert hits, f"{name}: nothing reported at {pointer}; got {[d.pointer for d in found]}"
    assert any(d.category == category and kind in ("any", d.kind) for d in hits), hits


UNUSED_COMPONENT_SPEC = """
openapi: 3.1.0
info: {title: Tiny, version: "1"}
paths:
  /ping:
    get:
      operationId: ping
      responses:
        "204": {description: pong}
components:
  schemas:
    Unused:
      type: object
      properties:
        code: {type: string, maxLength: 3}
"""


def test_drift_in_a_component_no_operation_uses_is_reported(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yml"
    spec.write_text(UNUSED_COMPONENT_SPEC)
    out = tmp_path / "service"
    generate(spec, out)
    assert validate(spec, out) == []
    _edit(out / "app/schemas.py", "max_length=3", "max_length=4")
    found = validate(spec, out)
    assert [(d.pointer, d.category, d.kind) for d in found] == [
        ("/components/schemas/Unused/properties/code/maxLength", "component", "changed")
    ]
