"""`specfirst generate` says what changed since the tree's last generation, and what it breaks.

The tree keeps the bundled document it was generated from (``.specfirst/source.json``); the
next generation compares the new document with it (the rules of ``specfirst diff``), prints a
summary, and with ``--fail-on-breaking`` refuses to write when a change breaks clients.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from specfirst import cli

SPEC = """\
openapi: 3.1.0
info: {title: Notes, version: "1"}
paths:
  /notes/{noteId}:
    get:
      operationId: getNote
      parameters:
        - {name: noteId, in: path, required: true, schema: {type: string}}
        - {name: verbose, in: query, schema: {type: boolean}}
      responses:
        "200":
          description: the note
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Note"}
        "404": {description: no such note}
components:
  schemas:
    Note:
      type: object
      required: [id, text]
      properties:
        id: {type: string}
        text: {type: string, maxLength: 200}
"""


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def generated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    spec = tmp_path / "openapi.yml"
    spec.write_text(SPEC)
    out = tmp_path / "service"
    assert cli.main(["generate", str(spec), "--out", str(out)]) == 0
    first = capsys.readouterr().out
    assert "changes since the last generation" not in first  # nothing to compare with yet
    return spec, out


def test_a_breaking_edit_is_summarized_and_refused_with_fail_on_breaking(
    generated: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = generated
    # the query parameter becomes required: a request that was valid is refused now
    spec.write_text(
        SPEC.replace(
            "{name: verbose, in: query, schema",
            "{name: verbose, in: query, required: true, schema",
        )
    )
    before = _tree(out)

    assert cli.main(["generate", str(spec), "--out", str(out), "--fail-on-breaking"]) == 1
    captured = capsys.readouterr()
    assert "request-parameter-became-required" in captured.err
    assert "1 breaking" in captured.err
    assert "nothing was written" in captured.err
    assert _tree(out) == before

    assert cli.main(["generate", str(spec), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "changes since the last generation:" in said
    assert "request-parameter-became-required" in said
    assert "GET /notes/{noteId}" in said
    # the tree now keeps the new document: the same run again reports nothing
    assert cli.main(["generate", str(spec), "--out", str(out), "--fail-on-breaking"]) == 0
    assert "changes since" not in capsys.readouterr().out


def test_an_edit_that_breaks_nothing_goes_through_fail_on_breaking(
    generated: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = generated
    # a wider request (a longer text allowed) and a new optional parameter break no client
    spec.write_text(
        SPEC.replace("maxLength: 200", "maxLength: 400").replace(
            "        - {name: verbose,",
            "        - {name: lang, in: query, schema: {type: string}}\n        - {name: verbose,",
        )
    )
    assert cli.main(["generate", str(spec), "--out", str(out), "--fail-on-breaking"]) == 0
    said = capsys.readouterr().out
    assert "changes since the last generation:" in said
    assert "0 breaking" in said


def test_a_hand_edited_source_copy_is_not_trusted(
    generated: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = generated
    copy = out / ".specfirst" / "source.json"
    copy.write_text(copy.read_text().replace('"getNote"', '"fetchNote"'))
    spec.write_text(SPEC.replace("maxLength: 200", "maxLength: 300"))
    # the edited copy is a hand edit of a generated file: refused as every other one (exit 2)
    assert cli.main(["generate", str(spec), "--out", str(out), "--fail-on-breaking"]) == 2
    assert "changes since" not in capsys.readouterr().out


def test_the_repo_spec_after_a_breaking_edit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's case: openapi3_1.yml regenerated after an edit that breaks its clients."""
    source = Path(__file__).resolve().parent.parent / "openapi3_1.yml"
    spec = tmp_path / "openapi3_1.yml"
    spec.write_text(source.read_text())
    out = tmp_path / "service"
    assert cli.main(["generate", str(spec), "--out", str(out)]) == 0
    capsys.readouterr()
    text = source.read_text()
    edited = text.replace("  /services/delete/{service_id}:", "  /services/remove/{service_id}:")
    assert edited != text
    spec.write_text(edited)
    before = _tree(out)

    assert cli.main(["generate", str(spec), "--out", str(out), "--fail-on-breaking"]) == 1
    refused = capsys.readouterr().err
    assert "api-path-removed-without-deprecation" in refused
    assert "DELETE /services/delete/{service_id}" in refused
    assert _tree(out) == before
