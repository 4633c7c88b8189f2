"""A regeneration with nothing changed is answered from the manifest: no parse, no render.

Each test generates once for real, then proves the second run did (or did not) take the
short path by making the loader unusable: a run answered from the manifest never calls it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from specfirst import loader
from specfirst.cli import main
from specfirst.errors import Problem, SpecError
from specfirst.pipeline import generate, stale_files
from specfirst.writer import MANIFEST_NAME, WriteConflict

ROOT = """\
openapi: 3.1.0
info: {title: Notes, version: "1"}
paths:
  /notes/{note_id}:
    get:
      operationId: getNote
      parameters:
        - {name: note_id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: the note
          content:
            application/json:
              schema: {$ref: "parts/note.yml"}
"""

NOTE = """\
type: object
required: [text]
properties:
  text: {type: string}
"""


class LoaderCalled(AssertionError):
    pass


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "note.yml").write_text(NOTE)
    root = tmp_path / "notes.yml"
    root.write_text(ROOT)
    return root


@pytest.fixture
def no_loader(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call to make any later load of a document fail the test."""

    def arm() -> None:
        def refuse(*args: object, **kwargs: object) -> None:
            raise LoaderCalled("the document was parsed again")

        monkeypatch.setattr(loader, "load_spec", refuse)

    return arm


def test_nothing_changed_is_answered_without_parsing(
    spec: Path, tmp_path: Path, no_loader: Callable[[], None]
) -> None:
    out = tmp_path / "out"
    first = generate(spec, out)
    manifest = (out / MANIFEST_NAME).read_bytes()
    no_loader()
    again = generate(spec, out)
    assert again.written == [] and again.removed == [] and again.created_user_files == []
    assert again.unchanged == sorted(first.written[:-1])  # every generated file, not the manifest
    assert again.kept_user_files == sorted(first.created_user_files)
    assert (out / MANIFEST_NAME).read_bytes() == manifest


@pytest.mark.parametrize("edit", ["root", "referenced file"])
def test_an_edited_document_file_is_rendered_again(
    spec: Path, tmp_path: Path, no_loader: Callable[[], None], edit: str
) -> None:
    out = tmp_path / "out"
    generate(spec, out)
    if edit == "root":
        spec.write_text(ROOT.replace("the note", "one note"))
    else:
        (spec.parent / "parts" / "note.yml").write_text(NOTE + "description: edited\n")
    no_loader()
    with pytest.raises(LoaderCalled):
        generate(spec, out)


def test_a_hand_edited_generated_file_still_conflicts(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(spec, out)
    schemas = out / "app" / "schemas.py"
    schemas.write_text(schemas.read_text() + "# mine\n")
    with pytest.raises(WriteConflict):
        generate(spec, out)


def test_a_deleted_generated_file_is_written_again(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(spec, out)
    (out / "app" / "schemas.py").unlink()
    assert generate(spec, out).written == ["app/schemas.py"]


def test_an_edited_handler_or_other_options_take_the_full_path(
    spec: Path, tmp_path: Path, no_loader: Callable[[], None]
) -> None:
    out = tmp_path / "out"
    first = generate(spec, out)
    handler = out / first.created_user_files[-1]
    handler.write_text(handler.read_text() + "\n# my note\n")
    edited = generate(spec, out)  # the full path, which records the handler as it is now
    assert handler.read_text().endswith("# my note\n") and edited.written == [MANIFEST_NAME]
    no_loader()
    generate(spec, out)  # nothing changed since: the short path again
    with pytest.raises(LoaderCalled):
        generate(spec, out, strict=True)


def test_the_previous_warnings_are_reported_again(
    tmp_path: Path, no_loader: Callable[[], None]
) -> None:
    spec = tmp_path / "warned.yml"
    # an undeclared path parameter is repaired with a warning
    declared = "        - {name: note_id, in: path, required: true, schema: {type: integer}}\n"
    undeclared = "        - {name: q, in: query, schema: {type: string}}\n"
    spec.write_text(
        ROOT.replace(declared, undeclared).replace('{$ref: "parts/note.yml"}', "{type: object}")
    )
    seen: list[Problem] = []
    generate(spec, tmp_path / "out", on_warning=seen.append)
    assert seen
    no_loader()
    again: list[Problem] = []
    generate(spec, tmp_path / "out", on_warning=again.append)
    assert again == seen


def test_a_manifest_from_another_generator_takes_the_full_path(
    spec: Path, tmp_path: Path, no_loader: Callable[[], None]
) -> None:
    out = tmp_path / "out"
    generate(spec, out)
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    manifest["inputs"]["generator"] = "0" * 64
    (out / MANIFEST_NAME).write_text(json.dumps(manifest))
    no_loader()
    with pytest.raises(LoaderCalled):
        generate(spec, out)


def test_the_command_line_reports_the_same_summary(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["generate", str(spec), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["generate", str(spec), "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "written 0," in summary and "removed 0" in summary


def test_a_refused_document_is_refused_again(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yml"
    spec.write_text(ROOT.replace("openapi: 3.1.0", "openapi: 9.9.9"))
    with pytest.raises(SpecError):
        generate(spec, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_check_knows_an_unchanged_tree_is_up_to_date_without_parsing(
    spec: Path, tmp_path: Path, no_loader: Callable[[], None]
) -> None:
    out = tmp_path / "out"
    generate(spec, out)
    no_loader()
    assert stale_files(spec, out) == []
    (out / "app" / "main.py").write_text("# edited\n")
    with pytest.raises(LoaderCalled):  # a tree that differs from its manifest is rendered
        stale_files(spec, out)
