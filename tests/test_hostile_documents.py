"""A document written by an attacker: its text never becomes code, and the service still works.

One document per OpenAPI version puts payloads (triple quotes of both kinds, backslashes,
NUL, every line separator, Jinja markup, ``__import__`` calls, names the generated code
uses, a 10,000-character name, infinite bounds) in every slot the generator reads,
including the document's own file name. Generation must answer (exit 0 or 2, never a
traceback); the app must import, serve every operation without a server error and validate
with 0 discrepancies; and the payloads, which each create a marker file when run, never run.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from specfirst.cli import main as specfirst_main
from specfirst.validator.run import validate

# Runs when Python evaluates it: creates the file named by $HOSTILE_MARKER (no "/" in it, so
# it fits in a file name too).
RUN = '__import__("os").system("touch " + __import__("os").environ["HOSTILE_MARKER"])'
RUN1 = "__import__('os').system('touch ' + __import__('os').environ['HOSTILE_MARKER'])"
LINES = "one\ntwo\rthree\u2028four\u2029five\u0085six\x0cseven\x0beight\x1cnine"
TEXTS = [
    f'x""" if {RUN} else """',
    f"x''' if {RUN1} else '''",
    "ends in a backslash \\",
    'e.g. "hello"',
    "a NUL \x00 here",
    f"{LINES}\n{RUN}\n# ",
    "{{ 7 * 7 }} {% if true %}x{% endif %} {# c #}",
    f"\\\n{RUN}",
]
ALL = " | ".join(TEXTS)
# FastAPI cuts a model's description at a form feed (as it cuts an operation's): a schema
# description with one cannot round-trip, whatever the generator does.
SCHEMA_ALL = ALL.replace("\x0c", " ")
LONG = "n" * 10_000
NAMES = [
    "db",
    "principal",
    "request",
    "self",
    "app",
    "__init__",
    "None",
    LONG,
    f"nl\n{RUN}\r# \u2028",
]


def _text(i: int) -> str:
    return TEXTS[i % len(TEXTS)]


def hostile_document(version: str) -> dict[str, Any]:
    v30 = version.startswith("3.0")
    example_key = "example" if v30 else "examples"

    def example(value: Any) -> Any:
        return value if v30 else [value]

    props: dict[str, Any] = {
        name: {
            "type": "string",
            "description": _text(i),
            "title": _text(i + 1),
            example_key: example(_text(i)),
        }
        for i, name in enumerate(NAMES)
    }
    props['q"""'] = {"type": "string", "default": _text(0), "pattern": "^(x\"\"\"|'''|\\\\|.)*$"}
    props["e'''"] = {
        "type": "string",
        "enum": [*TEXTS[:4], "{{ x }}", "\\"],
        "description": SCHEMA_ALL,
    }
    props["big"] = {"type": "number", "maximum": float("inf"), "minimum": float("-inf")}
    props["n"] = {"type": "integer", "maximum": float("inf"), "minimum": -1e308}
    thing: dict[str, Any] = {
        "type": "object",
        "description": SCHEMA_ALL,
        "title": _text(3),
        "properties": props,
        "required": ["db"],
        example_key: example({"db": _text(0)}),
    }
    # OAS 3.1 restricts component names to [a-zA-Z0-9._-]; 3.0 takes any name
    key = f'key"""auth\n{RUN}' if v30 else "__init__"
    tag = f'tag """ {RUN}'
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "query",
            "description": _text(i),
            "schema": {"type": "string", "pattern": "^[a-z]*$"},
            "example": "abc",
        }
        for i, name in enumerate(NAMES)
    ]
    params += [
        {
            "name": "X-Db",
            "in": "header",
            "description": ALL,
            "schema": {"type": "integer", "maximum": float("inf")},
        },
        {
            "name": "principal",
            "in": "cookie",
            "description": _text(1),
            "schema": {"type": "string"},
        },
    ]
    one = {"application/json": {"schema": {"$ref": "#/components/schemas/self"}}}
    return {
        "openapi": version,
        "info": {"title": ALL, "description": ALL, "version": _text(3)},
        "servers": [
            {
                "url": "https://example.com/{v}",
                "description": ALL,
                "variables": {
                    "v": {"default": "x", "enum": ["x", _text(0)], "description": _text(1)}
                },
            }
        ],
        "tags": [{"name": tag, "description": ALL}, {"name": "None", "description": _text(2)}],
        "paths": {
            "/things": {
                "get": {
                    "operationId": "__init__",
                    "summary": _text(2),
                    "description": ALL,
                    "tags": [tag],
                    "parameters": params,
                    "security": [{key: []}, {"self": []}],
                    "responses": {
                        "200": {
                            "description": ALL,
                            "headers": {
                                f"X-{name}": {"description": _text(i), "schema": {"type": "string"}}
                                for i, name in enumerate(["db", "Self", "request"])
                            },
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/self"},
                                    }
                                }
                            },
                        }
                    },
                },
                "post": {
                    "operationId": f'x"""\n{RUN}\n"""',
                    "summary": _text(0),
                    "description": _text(5),
                    "tags": [tag, "None"],
                    "requestBody": {"required": True, "description": ALL, "content": one},
                    "responses": {"201": {"description": _text(4), "content": one}},
                },
            },
            # no resource: a handler of the user's answers (its stub holds the summary in a comment)
            "/run/{app}": {
                "post": {
                    "operationId": "app",
                    "summary": "ends in a backslash \\",
                    "description": "a NUL \x00 here",
                    "tags": ["None"],
                    "parameters": [
                        {
                            "name": "app",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"type": "string", "description": 'e.g. "hello"'}
                            }
                        }
                    },
                    "responses": {
                        "200": {
                            "description": _text(0),
                            "content": {"application/json": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
            "/things/{self}": {
                "parameters": [
                    {
                        "name": "self",
                        "in": "path",
                        "required": True,
                        "description": _text(6),
                        "schema": {"type": "integer"},
                    }
                ],
                "get": {
                    "operationId": "None",
                    "summary": _text(7),
                    "tags": ["app"],
                    "responses": {
                        "200": {"description": _text(3), "content": one},
                        "404": {"description": _text(2)},
                    },
                },
                "delete": {
                    "operationId": LONG,
                    "tags": ["request"],
                    "responses": {"204": {"description": _text(1)}},
                },
            },
        },
        "components": {
            "schemas": {
                "self": thing,
                "__init__": {"type": "string", "enum": TEXTS, "default": _text(0)},
                "None": {
                    "type": "object",
                    "properties": {"app": {"$ref": "#/components/schemas/__init__"}},
                },
            },
            "securitySchemes": {
                key: {"type": "apiKey", "in": "header", "name": "X-Key", "description": ALL},
                "self": {"type": "http", "scheme": "bearer", "description": _text(1)},
            },
        },
    }


# The document's file name: quotes, a newline, a payload and a trailing backslash.
FILE_NAME = f"h'''\"\"\"\n{RUN}\\.yml"

# Imports the app and calls every operation once through real HTTP (TestClient).
CALL_EVERY_OPERATION = """
import json, os, re, sys, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
from app.core.config import ENV_VARS
os.environ.update({variable: "t" for variable in ENV_VARS.values()})  # one accepted credential
from app.main import create_app

client = TestClient(create_app(), raise_server_exceptions=False)
for method, template in json.loads(sys.argv[1]):
    path = re.sub(r"\\{[^}]*\\}", "1", template)
    body = "abc" if path.startswith("/run/") else {"db": "abc"}
    answer = client.request(method, path, json=body, headers={"Authorization": "Bearer t", "X-Key": "t"})
    assert answer.status_code < 500 or answer.status_code == 501, (method, path, answer.status_code, answer.text)
    print(method, path, answer.status_code)
"""


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_hostile_document(version: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "MARKER"
    monkeypatch.setenv("HOSTILE_MARKER", str(marker))
    spec = tmp_path / "spec" / FILE_NAME
    spec.parent.mkdir()
    document = hostile_document(version)
    spec.write_text(yaml.safe_dump(document, allow_unicode=False, sort_keys=False))
    out = tmp_path / "out"

    code = specfirst_main(["generate", str(spec), "--out", str(out)])
    assert code == 0 and not marker.exists()
    for module in out.rglob("*.py"):  # the payloads are string constants, never code
        calls = [
            node
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
            if isinstance(node, ast.Name) and node.id == "__import__"
        ]
        assert not calls, f"{module.relative_to(out)}:{calls[0].lineno}: document text became code"

    operations = [
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    ]
    result = subprocess.run(
        [sys.executable, "-c", CALL_EVERY_OPERATION, json.dumps(operations)],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = dict(line.rsplit(" ", 1) for line in result.stdout.splitlines())
    assert len(answers) == len(operations) == 5, result.stdout
    assert answers["get /things"] == "200" and answers["post /things"] == "201", answers
    assert answers["post /run/1"] == "501", answers  # the handler's stub
    assert not marker.exists()

    assert validate(spec, out) == []
    assert not marker.exists()


@pytest.mark.parametrize("value", [".nan", "-.inf"])
def test_a_non_finite_number_that_is_no_bound_is_refused(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "nan.yml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n"
        f"        - {{name: n, in: query, schema: {{type: number, maximum: {value}}}}}\n"
        "      responses: {'204': {description: done}}\n"
    )
    assert specfirst_main(["generate", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert (
        "nan.yml:7:" in err
        and "/paths/~1a/get/parameters/0/schema/maximum" in err
        and "not a JSON number" in err
    )


def test_a_refused_hostile_document_is_answered_with_a_located_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """OAS 3.1 restricts component names: the 3.0 document's scheme name is refused (exit 2)."""
    document = hostile_document("3.0.3")
    document["openapi"] = "3.1.0"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(document).replace("Infinity", "1e308"))
    assert specfirst_main(["generate", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "spec.json" in err and "/components/securitySchemes" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_hostile_document_client(
    version: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client generated from the same document: its docstrings and comments hold the
    payloads as text (every quote and backslash escaped), never as code; it imports."""
    marker = tmp_path / "MARKER"
    monkeypatch.setenv("HOSTILE_MARKER", str(marker))
    spec = tmp_path / "spec" / FILE_NAME
    spec.parent.mkdir()
    spec.write_text(yaml.safe_dump(hostile_document(version), allow_unicode=False, sort_keys=False))
    out = tmp_path / "client"

    code = specfirst_main(["client", str(spec), "--out", str(out), "--package", "hostile"])
    assert code == 0 and not marker.exists()
    docstrings = 0
    for module in out.rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "__import__"]
        assert not calls, f"{module.relative_to(out)}:{calls[0].lineno}: document text became code"
        docstrings += sum(
            1
            for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.ClassDef))
            and "__import__" in (ast.get_docstring(n) or "")
        )
    assert docstrings > 0  # the payloads reached docstrings, as inert text
    result = subprocess.run(
        [sys.executable, "-c", "import hostile; hostile.Client(base_url='http://127.0.0.1:9')"],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert not marker.exists()
