"""``specfirst diff`` and ``specfirst changelog`` through the command line and real files:
exit codes, every output format checked against its format, the rules file, and documents
that cannot be read (exit 2 with a located message, never a traceback)."""

from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from specfirst.cli import main
from specfirst.diff.formats import escape_data, escape_property, rules_table

REPO = Path(__file__).resolve().parent.parent

OLD = """
openapi: 3.0.3
info: {title: Pets, version: '1'}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      tags: [pets]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
  /owners:
    get:
      tags: [owners]
      responses:
        '200': {description: ok}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string, nullable: true}
        tag: {type: string, maxLength: 10}
"""

# the same API, in 3.1 and with the component renamed: no change
SAME_31 = """
openapi: 3.1.0
info: {title: Pets, version: '1'}
paths:
  /owners:
    get:
      tags: [owners]
      responses:
        '200': {description: ok}
  /pets/{petId}:
    get:
      tags: [pets]
      operationId: getPet
      parameters:
        - {in: path, name: petId, schema: {type: string}, required: true}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Animal'}
components:
  schemas:
    Animal:
      type: object
      required: [name]
      properties:
        tag: {maxLength: 10, type: string}
        name: {type: [string, 'null']}
"""

# name became optional (error), the /owners path is gone (error), a tag maxLength grew
BREAKING = """
openapi: 3.1.0
info: {title: Pets, version: '2'}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      tags: [pets]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
components:
  schemas:
    Pet:
      type: object
      properties:
        name: {type: [string, 'null']}
        tag: {type: string, maxLength: 20}
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip())


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    _write(tmp_path, {"old.yaml": OLD, "same.yaml": SAME_31, "new.yaml": BREAKING})
    return tmp_path


def test_same_api_in_3_1_json_and_renamed_reports_nothing(
    docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    (docs / "same.json").write_text(json.dumps(yaml.safe_load((docs / "same.yaml").read_text())))
    for other in ("same.yaml", "same.json"):
        code, out, _err = _run(
            capsys, "diff", str(docs / "old.yaml"), str(docs / other), "--fail-on", "info"
        )
        assert code == 0, out
        assert out.strip().endswith("0 changes: 0 error, 0 warning, 0 info")


def test_fail_on_and_json(docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = str(docs / "old.yaml"), str(docs / "new.yaml")
    code, out, _ = _run(capsys, "diff", old, new, "--format", "json")
    assert code == 0  # no --fail-on: the report only
    report = json.loads(out)
    found = {
        (c["id"], c["level"], c["old"]["pointer"], c["new"]["pointer"]) for c in report["changes"]
    }
    assert found == {
        ("api-path-removed-without-deprecation", "error", "/paths/~1owners/get", "/paths"),
        (
            "response-property-became-optional",
            "error",
            "/components/schemas/Pet/properties/name",
            "/components/schemas/Pet/properties/name",
        ),
        (
            "response-property-max-length-increased",
            "warning",
            "/components/schemas/Pet/properties/tag",
            "/components/schemas/Pet/properties/tag",
        ),
    }
    name = next(c for c in report["changes"] if c["id"] == "response-property-became-optional")
    assert name["new"]["line"] == 21 and name["operations"] == ["GET /pets/{id}"]
    assert report["counts"] == {"error": 2, "warning": 1, "info": 0}
    assert _run(capsys, "diff", old, new, "--fail-on", "error")[0] == 1
    rules = docs / "rules.yaml"
    rules.write_text(
        "api-path-removed-without-deprecation: off\nresponse-property-became-optional: warning\n"
    )
    assert _run(capsys, "diff", old, new, "--fail-on", "error", "--rules", str(rules))[0] == 0
    assert _run(capsys, "diff", old, new, "--fail-on", "warning", "--rules", str(rules))[0] == 1


def test_unknown_rule_and_level_are_refused_where_written(
    docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = docs / "rules.yaml"
    rules.write_text("api-tag-added: info\nno-such-rule: error\napi-tag-removed: fatal\n")
    code, out, err = _run(
        capsys, "diff", str(docs / "old.yaml"), str(docs / "new.yaml"), "--rules", str(rules)
    )
    assert code == 2 and out == ""
    assert f"{rules}:2:1: /no-such-rule: unknown rule id 'no-such-rule'" in err
    assert f"{rules}:3:18: /api-tag-removed: level must be one of" in err


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, r"missing\.yaml"),
        ({"missing.yaml": "openapi: 3.1.0\ninfo: [\n"}, r"missing\.yaml:\d+:\d+: /: invalid YAML"),
        (
            {
                "missing.yaml": OLD.replace(
                    "$ref: '#/components/schemas/Pet'", "$ref: '../outside.yaml#/Pet'"
                )
            },
            r"missing\.yaml:\d+:\d+: /paths/~1pets~1\{id\}/get/responses/200/content/application~1json/schema",
        ),
        ({"missing.yaml": "openapi: 3.1.0\n"}, r"missing\.yaml"),
    ],
    ids=["missing-file", "broken-yaml", "ref-escaping-the-folder", "not-a-document"],
)
def test_every_input_gets_a_located_answer(
    docs: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], expected: str
) -> None:
    (docs.parent / "outside.yaml").write_text("Pet: {type: object}\n")
    _write(docs, files)
    for argv in (
        ("diff", str(docs / "old.yaml"), str(docs / "missing.yaml")),
        ("changelog", str(docs / "missing.yaml"), str(docs / "old.yaml")),
    ):
        code, out, err = _run(capsys, *argv)
        assert code == 2 and out == ""
        assert re.search(expected, err), err
        assert "Traceback" not in err and "internal error" not in err


def test_missing_arguments_and_rules_file(docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _run(capsys, "diff", str(docs / "old.yaml"))
    assert code == 2 and "OLD and NEW are required" in err
    code, _out, err = _run(
        capsys,
        "diff",
        str(docs / "old.yaml"),
        str(docs / "new.yaml"),
        "--rules",
        str(docs / "nope.yaml"),
    )
    assert code == 2 and f"{docs / 'nope.yaml'}: /: cannot read the rules file" in err
    (docs / "list.yaml").write_text("- a\n")
    code, _out, err = _run(
        capsys,
        "diff",
        str(docs / "old.yaml"),
        str(docs / "new.yaml"),
        "--rules",
        str(docs / "list.yaml"),
    )
    assert code == 2 and f"{docs / 'list.yaml'}:1: /: the rules file must map rule ids" in err


def test_compare_from_python(docs: Path) -> None:
    from specfirst.diff import compare

    report = compare(docs / "old.yaml", docs / "new.yaml")
    assert report.counts() == {"error": 2, "warning": 1, "info": 0}
    assert report.fails("warning") and not compare(docs / "old.yaml", docs / "same.yaml").changes


def test_junit_is_valid_junit_xml(docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "diff", str(docs / "old.yaml"), str(docs / "new.yaml"), "--format", "junit"
    )
    assert code == 0
    root = ET.fromstring(out.split("\n", 1)[1])  # after the XML declaration
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "3"
    suites = root.findall("testsuite")
    assert {s.get("name") for s in suites} == {"GET /owners", "GET /pets/{id}"}
    total = 0
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))
        for case in cases:
            assert case.get("classname") == suite.get("name") and case.get("name")
            failure = case.find("failure")
            assert failure is not None and failure.get("type") in ("error", "warning")
            assert failure.get("message") and failure.text
        total += len(cases)
    assert total == 3


def test_junit_holds_control_characters_of_a_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = json.loads(json.dumps(__import__("yaml").safe_load(OLD)))
    new = json.loads(json.dumps(old))
    new["components"]["schemas"]["Pet"]["properties"]["bad\u0001name"] = {"type": "string"}
    new["components"]["schemas"]["Pet"]["required"] = ["name", "bad\u0001name"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    code, out, _ = _run(
        capsys, "diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--format", "junit"
    )
    assert code == 0
    case = ET.fromstring(out.split("\n", 1)[1]).find("testsuite/testcase")
    assert case is not None and "bad\\x01name" in case.get("name", "")


_ANNOTATION = re.compile(
    r"^::(error|warning|notice) file=(?P<file>[^,:]+),line=(?P<line>\d+),title=(?P<title>[^,:]+)::(?P<msg>[^\r\n]*)$"
)


def test_github_annotations_follow_the_workflow_command_syntax(
    docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys, "diff", str(docs / "old.yaml"), str(docs / "new.yaml"), "--format", "github"
    )
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 3
    for line in lines:
        match = _ANNOTATION.match(line)
        assert match, line
        assert match["file"] == escape_property(str(docs / "new.yaml"))
    assert any(line.startswith("::error ") and ",line=21," in line for line in lines)
    assert any(line.startswith("::warning ") for line in lines)


def test_github_escapes() -> None:
    assert escape_data("50% of\r\nit: a, b") == "50%25 of%0D%0Ait: a, b"
    assert escape_property("C:\\a,b%\n") == "C%3A\\a%2Cb%25%0A"


def test_markdown_and_changelog(docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = str(docs / "old.yaml"), str(docs / "new.yaml")
    code, out, _ = _run(capsys, "diff", old, new, "--format", "markdown")
    assert code == 0
    assert "| error | `response-property-became-optional` | GET /pets/{id} |" in out
    code, out, _ = _run(capsys, "changelog", old, new)
    assert code == 0
    assert out.index("## owners") < out.index("### `GET /owners`") < out.index("## pets")
    assert out.index("## pets") < out.index("### `GET /pets/{id}`")
    assert "- **breaking**: Pet: property `name` became optional" in out
    assert "- *may break*: Pet.tag: maxLength 10 -> 20" in out


def test_multi_file_document_is_located_in_its_own_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = OLD.replace("$ref: '#/components/schemas/Pet'", "$ref: 'schemas/pet.yaml'")
    root = root[: root.index("components:")]
    pet = "type: object\nrequired: [name]\nproperties:\n  name: {type: string}\n"
    _write(tmp_path / "v1", {"api.yaml": root, "schemas/pet.yaml": pet})
    _write(
        tmp_path / "v2",
        {"api.yaml": root, "schemas/pet.yaml": pet.replace("required: [name]\n", "")},
    )
    code, out, err = _run(
        capsys,
        "diff",
        str(tmp_path / "v1/api.yaml"),
        str(tmp_path / "v2/api.yaml"),
        "--format",
        "json",
    )
    assert code == 0, err
    (change,) = json.loads(out)["changes"]
    assert change["id"] == "response-property-became-optional"
    assert change["new"] == {"file": "schemas/pet.yaml", "pointer": "/properties/name", "line": 3}


def test_readme_rule_table_is_the_generated_one() -> None:
    readme = (REPO / "README.md").read_text()
    start = readme.index("<!-- diff-rules:start -->\n") + len("<!-- diff-rules:start -->\n")
    end = readme.index("<!-- diff-rules:end -->")
    assert readme[start:end].strip() == rules_table("markdown").strip()
