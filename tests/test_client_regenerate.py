"""Regenerating a client after the document changed: the ``custom`` package is kept as the
user left it (and still used), hand edits of generated files are refused unless forced, and
the run reports which operations and models were added, removed or changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from client_support import import_client

from specfirst.cli import main
from specfirst.client import generate_client
from specfirst.writer import WriteConflict

PACKAGE = "shelter_regen_client"


def document(*, adopt: bool = False, age: bool = False, tag: bool = True) -> dict[str, object]:
    pet: dict[str, object] = {"name": {"type": "string"}}
    if tag:
        pet["tag"] = {"type": "string"}
    if age:
        pet["age"] = {"type": "integer"}
    paths: dict[str, object] = {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "tags": ["pets"],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Pet"},
                                }
                            }
                        },
                    }
                },
            }
        }
    }
    if adopt:
        paths["/pets/{petId}/adopt"] = {
            "post": {
                "operationId": "adoptPet",
                "tags": ["pets"],
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"204": {"description": "adopted"}},
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shelter", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Pet": {"type": "object", "properties": pet}}},
    }


CUSTOM = '''"""Mine."""

from __future__ import annotations


class PetsMixin:
    def greeting(self) -> str:
        return "kept"


class AsyncPetsMixin:
    pass
'''


def write(spec: Path, **changes: bool) -> Path:
    spec.write_text(yaml.safe_dump(document(**changes)), encoding="utf-8")
    return spec


def test_regeneration_keeps_custom_code_and_reports_changes(tmp_path: Path) -> None:
    spec, out = tmp_path / "shelter.yml", tmp_path / "client"
    first = generate_client(write(spec), out, package=PACKAGE)
    assert first.changes == []  # the first generation has nothing to compare with
    custom = out / PACKAGE / "custom" / "pets.py"
    assert f"{PACKAGE}/custom/pets.py" in first.write.created_user_files
    custom.write_text(CUSTOM, encoding="utf-8")

    second = generate_client(write(spec, adopt=True, age=True, tag=False), out, package=PACKAGE)
    assert custom.read_text(encoding="utf-8") == CUSTOM
    assert f"{PACKAGE}/custom/pets.py" in second.write.kept_user_files
    assert second.changes == [
        "operation added: pets.adopt_pet (POST /pets/{petId}/adopt)",
        "model changed: Pet: +age, -tag",
    ]
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "# operation added: pets.adopt_pet (POST /pets/{petId}/adopt)" in readme

    api = import_client(out, PACKAGE)
    with api.Client(base_url="http://127.0.0.1:9") as client:
        assert client.pets.greeting() == "kept"  # the user's mixin is part of the public class
        assert callable(client.pets.adopt_pet)
    assert "age" in api.models.Pet.model_fields and "tag" not in api.models.Pet.model_fields

    third = generate_client(write(spec, age=True, tag=False), out, package=PACKAGE)
    assert third.changes == ["operation removed: pets.adopt_pet (POST /pets/{petId}/adopt)"]
    again = generate_client(spec, out, package=PACKAGE)
    assert again.changes == [] and not [p for p in again.write.written if p.endswith(".py")]
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", PACKAGE],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout


def test_hand_edits_are_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = write(tmp_path / "shelter.yml"), tmp_path / "client"
    generate_client(spec, out, package=PACKAGE)
    models = out / PACKAGE / "models.py"
    models.write_text(models.read_text(encoding="utf-8") + "\n# mine\n", encoding="utf-8")
    with pytest.raises(WriteConflict):
        generate_client(write(spec, age=True), out, package=PACKAGE)
    assert main(["client", str(spec), "--out", str(out), "--package", PACKAGE]) == 2
    assert "models.py" in capsys.readouterr().err
    assert main(["client", str(spec), "--out", str(out), "--package", PACKAGE, "--force"]) == 0
    assert "model changed: Pet: +age" in capsys.readouterr().out
    assert "# mine" not in models.read_text(encoding="utf-8")


def test_a_client_that_would_not_import_is_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = write(tmp_path / "shelter.yml"), tmp_path / "client"
    assert main(["client", str(spec), "--out", str(out), "--package", PACKAGE]) == 0
    custom = out / PACKAGE / "custom" / "pets.py"
    custom.write_text("raise RuntimeError('the user broke this')\n", encoding="utf-8")
    before = (out / PACKAGE / "models.py").read_text(encoding="utf-8")
    write(spec, age=True)
    assert main(["client", str(spec), "--out", str(out), "--package", PACKAGE]) == 1
    err = capsys.readouterr().err
    assert (
        "does not import" in err and "the user broke this" in err and "nothing was written" in err
    )
    assert (out / PACKAGE / "models.py").read_text(encoding="utf-8") == before


def test_bad_input_gets_a_located_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write(tmp_path / "shelter.yml")
    assert main(["client", str(spec), "--out", str(tmp_path / "c"), "--package", "Not-A-Name"]) == 2
    assert "--package" in capsys.readouterr().err
    broken = tmp_path / "broken.yml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: x}\npaths: {'/a': {get: {responses: 7}}}\n")
    assert main(["client", str(broken), "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "broken.yml" in err and "Traceback" not in err
