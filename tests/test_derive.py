"""An app that does not work is never taken for one that does.

``validate`` reports what FastAPI or pydantic cannot derive as ``underivable`` discrepancies
(pointer, reason, place in the generated code) and compares everything else; an app that
does not import is one located discrepancy; a directory that is no complete service is a
located exit 2. ``generate`` derives the would-be tree before writing it: if that fails it
exits 1 with the generated file, the class or function and the spec pointer, and the
previous tree stays as it was. The generated modules are broken here on purpose, by
editing a copy or by wrapping a generator step in-process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from specfirst import cli
from specfirst.pipeline import generate
from specfirst.steps import schemas as schemas_step
from specfirst.validator.run import validate
from specfirst.writer import MANIFEST_NAME, STAGING_NAME, OutputFile

SPEC_TEXT = """\
openapi: 3.1.0
info: {title: Broken parts, version: "1"}
paths:
  /status:
    get:
      operationId: getStatus
      responses:
        "200":
          description: the status
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Status"}
  /ping:
    get:
      operationId: ping
      description: answers pong
      responses:
        "204": {description: pong}
components:
  schemas:
    Status:
      type: object
      properties:
        state: {type: string}
    Unused:
      type: object
      properties:
        code: {type: string, maxLength: 3}
"""

STATUS_FIELD = "    state: str | MISSING = MISSING\n"
UNUSED_FIELD = "    code: Annotated[str, Field(max_length=3)] | MISSING = MISSING\n"
# pydantic validates a callable, but has no JSON schema for one
CALLABLE_IMPORT = "from collections.abc import Callable\n"
CALLABLE_FIELD = "    {name}: Callable[[], None] | MISSING = MISSING\n"


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("derive") / "broken.yml"
    path.write_text(SPEC_TEXT)
    return path


@pytest.fixture(scope="module")
def service(spec: Path) -> Path:
    out = spec.parent / "service"
    generate(spec, out)
    return out


@pytest.fixture
def copy(service: Path, tmp_path: Path) -> Path:
    target = tmp_path / "service"
    shutil.copytree(service, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _line_of(path: Path, text: str) -> int:
    return path.read_text().splitlines().index(text.rstrip("\n")) + 1


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------- validate


def test_underivable_parts_are_reported_and_the_rest_is_compared(spec: Path, copy: Path) -> None:
    schemas = copy / "app/schemas.py"
    _edit(schemas, "from typing import", CALLABLE_IMPORT + "from typing import")
    _edit(schemas, STATUS_FIELD, CALLABLE_FIELD.format(name="state"))
    _edit(schemas, UNUSED_FIELD, CALLABLE_FIELD.format(name="code"))
    _edit(
        copy / "app/api/routes/default.py",
        'description="answers pong"',
        'description="answers ping"',
    )

    found = {d.pointer: d for d in validate(spec, copy)}

    assert sorted(found) == [
        "/components/schemas/Unused",
        "/paths/~1ping/get/description",
        "/paths/~1status/get",
    ]
    drift = found["/paths/~1ping/get/description"]
    assert (drift.category, drift.spec, drift.app) == ("operation", "answers pong", "answers ping")
    operation = found["/paths/~1status/get"]
    assert operation.category == "underivable"
    assert operation.spec["operationId"] == "getStatus"
    assert re.match(
        r"app/api/routes/default\.py:\d+ \(function get_status\): PydanticInvalidForJsonSchema",
        operation.reason,
    )
    status_line = _line_of(schemas, "class Status(SchemaModel):")
    assert f"app/schemas.py:{status_line} (class Status)" in operation.reason
    assert (
        f"{spec}:22:7: /components/schemas/Status" in operation.reason
    )  # where Status is in the spec
    component = found["/components/schemas/Unused"]
    unused_line = _line_of(schemas, "class Unused(SchemaModel):")
    assert component.category == "underivable"
    assert component.reason.startswith(
        f"app/schemas.py:{unused_line} (class Unused): PydanticInvalidForJsonSchema"
    )


@pytest.mark.parametrize(
    ("module", "old", "new", "pointer", "error"),
    [
        (
            "app/schemas.py",
            STATUS_FIELD,
            STATUS_FIELD + "    undefined_name\n",
            "/components/schemas/Status",
            "NameError",
        ),
        (
            "app/api/routes/default.py",
            "def ping(",
            "def ping(:",
            "/paths/~1ping/get",
            "SyntaxError",
        ),
    ],
)
def test_an_app_that_does_not_import_is_one_located_discrepancy(
    spec: Path,
    copy: Path,
    capsys: pytest.CaptureFixture[str],
    module: str,
    old: str,
    new: str,
    pointer: str,
    error: str,
) -> None:
    _edit(copy / module, old, new)
    line = _line_of(copy / module, new.splitlines()[-1])

    code, output = _run(capsys, "validate", str(spec), "--app", str(copy), "--format", "json")

    assert code == cli.EXIT_DIFFERENT
    assert "Traceback" not in output
    [found] = json.loads(output)["discrepancies"]
    assert (found["pointer"], found["category"]) == (pointer, "underivable")
    assert found["reason"].startswith(f"the generated app does not import: {module}:{line} (")
    assert f": {error}" in found["reason"]
    assert f"generated for {spec}:" in found["reason"] and found["reason"].endswith(pointer)


def test_an_interpreter_that_dies_while_importing_the_app_is_reported(
    spec: Path, copy: Path
) -> None:
    _edit(copy / "app/schemas.py", STATUS_FIELD, STATUS_FIELD + "    __import__('os')._exit(3)\n")

    [found] = validate(spec, copy)

    assert (found.pointer, found.category) == ("", "underivable")
    assert (
        found.reason
        == "the generated app does not import: the interpreter deriving it died (exit status 3)"
    )


def test_stale_bytecode_is_never_used(spec: Path, copy: Path) -> None:
    schemas = copy / "app/schemas.py"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(copy / "app")], check=True)
    before = schemas.stat()
    _edit(schemas, "max_length=3", "max_length=4")  # same size ...
    os.utime(schemas, ns=(before.st_atime_ns, before.st_mtime_ns))  # ... and same time
    read_back = subprocess.run(
        [sys.executable, "-c", "from app.schemas import Unused; print(Unused.model_json_schema())"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "'maxLength': 3" in read_back.stdout  # a plain import takes the stale bytecode

    found = validate(spec, copy)

    assert [(d.pointer, d.spec, d.app) for d in found] == [
        ("/components/schemas/Unused/properties/code/maxLength", 3, 4)
    ]


def _half_written(copy: Path) -> None:
    (copy / STAGING_NAME).mkdir()


def _missing_module(copy: Path) -> None:
    (copy / "app/schemas.py").unlink()


def _foreign(copy: Path) -> None:
    shutil.rmtree(copy / "app")
    (copy / MANIFEST_NAME).unlink()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_half_written, "a generate run into {dir} was interrupted"),
        (
            _missing_module,
            "1 generated file(s) listed in .specfirst-manifest.json are missing (app/schemas.py)",
        ),
        (_foreign, "{dir}/app/main.py: missing; {dir} is not a service generated by specfirst"),
    ],
)
def test_validate_on_what_is_not_a_complete_service_exits_2(
    spec: Path,
    copy: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], None],
    message: str,
) -> None:
    damage(copy)
    code, output = _run(capsys, "validate", str(spec), "--app", str(copy))
    assert code == cli.EXIT_BAD_INPUT
    assert message.format(dir=copy) in output
    assert "Traceback" not in output


def test_validate_on_a_missing_directory_exits_2(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = _run(capsys, "validate", str(spec), "--app", str(tmp_path / "nowhere"))
    assert code == cli.EXIT_BAD_INPUT
    assert f"{tmp_path / 'nowhere'}: no such directory" in output


# --------------------------------------------------------------------------- generate


def _break_schemas(monkeypatch: pytest.MonkeyPatch, edit: Callable[[str], str]) -> None:
    """Make the schemas step emit broken code (a generator bug, simulated)."""
    original = schemas_step.generate

    def broken(ctx: object) -> list[OutputFile]:
        return [
            dataclasses.replace(f, content=edit(f.content)) if f.path == "app/schemas.py" else f
            for f in original(ctx)
        ]

    monkeypatch.setattr(schemas_step, "generate", broken)


def _rejected_tree(output: str) -> Path:
    match = re.search(r"the rejected tree is kept in (\S+)", output)
    assert match, output
    return Path(match.group(1))


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary directories (the rejected trees) under the test's own directory."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_generate_writes_nothing_when_the_app_does_not_import(
    spec: Path,
    copy: Path,
    scratch: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    handlers = copy / "app/handlers/default.py"
    handlers.write_text(handlers.read_text() + "\n# the user's own words\n")
    before = _snapshot(copy)
    _break_schemas(
        monkeypatch, lambda text: text.replace(STATUS_FIELD, STATUS_FIELD + "    undefined_name\n")
    )

    code, output = _run(capsys, "generate", str(spec), "--out", str(copy))

    assert code == cli.EXIT_DIFFERENT
    assert "Traceback" not in output
    tree = _rejected_tree(output)
    line = _line_of(tree / "app/schemas.py", "    undefined_name")
    assert (
        f"the generated app does not import:\n  app/schemas.py:{line} (class Status): NameError"
        in output
    )
    assert f"generated for {spec}:22:7: /components/schemas/Status" in output
    assert f"nothing was written to {copy}" in output
    assert _snapshot(copy) == before
    assert (tree / "app/handlers/default.py").read_text() == (
        copy / "app/handlers/default.py"
    ).read_text()


def test_generate_names_the_operation_and_schema_that_cannot_be_derived(
    spec: Path,
    copy: Path,
    scratch: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _snapshot(copy)
    _break_schemas(
        monkeypatch,
        lambda text: text.replace(
            "from typing import", CALLABLE_IMPORT + "from typing import"
        ).replace(STATUS_FIELD, CALLABLE_FIELD.format(name="state")),
    )

    code, output = _run(capsys, "generate", str(spec), "--out", str(copy))

    assert code == cli.EXIT_DIFFERENT
    assert "FastAPI cannot derive 1 part(s) of the generated app's document:" in output
    assert f"{spec}:6:7: /paths/~1status/get: app/api/routes/default.py:" in output
    assert "(function get_status): PydanticInvalidForJsonSchema" in output
    assert "schema that cannot be derived: app/schemas.py:" in output
    assert "(class Status) (generated for " in output
    assert _snapshot(copy) == before
    assert _rejected_tree(output).is_dir()


def test_the_computed_fields_check_walks_each_model_once_and_answers_like_fastapi() -> None:
    from fastapi._compat import v2
    from pydantic import BaseModel, computed_field

    from specfirst.validator.derive import _ComputedFieldsCheck

    original = v2._has_computed_fields
    if isinstance(original, _ComputedFieldsCheck):
        original = original.original

    class Leaf(BaseModel):
        n: int = 0

    class WithComputed(BaseModel):
        n: int = 0

        @computed_field  # type: ignore[prop-decorator]
        @property
        def twice(self) -> int:
            return 2 * self.n

    chain: list[type[BaseModel]] = [Leaf]
    for i in range(12):  # each model refers to every model before it
        fields = {f"f{j}": (chain[j] | None, None) for j in range(len(chain))}
        from pydantic import create_model

        chain.append(create_model(f"M{i}", **fields))  # type: ignore[call-overload]
    top = chain[-1]
    reaching = create_model("Reaching", a=(list[top] | None, None), b=(dict[str, WithComputed], {}))  # type: ignore[call-overload]

    check = _ComputedFieldsCheck(original)
    models = [*chain, reaching]
    for model in models:
        for name in model.model_fields:
            field = v2.ModelField(field_info=model.model_fields[name], name=name)
            assert check(field) == original(field)
    # every model walked a bounded number of times, not once per field that reaches it
    assert check.walked <= 2 * len(models)
