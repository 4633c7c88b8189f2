"""Inputs that used to end in a traceback are answered with an exit code and a located message.

The classes found by fuzzing hostile documents: YAML values with no JSON form (``!!binary``,
``!!set``, ``!!timestamp``, ``.nan``/``.inf``, custom tags), lone surrogates (JSON ``"\\ud800"``
escapes and YAML ones), NUL in a path key, recursion through circular ``allOf`` and long
``$ref`` chains, and documents nested hundreds of levels deep (valid JSON, refused with the
depth rather than as "invalid JSON"). Each document goes through ``specfirst generate``; every
one of them is refused while loading, so no service is built and the tests are fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specfirst import cli
from specfirst.limits import MAX_DEPTH, MAX_REF_DEPTH

YAML = """\
openapi: 3.1.0
info: {title: Answers, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
components:
  schemas:
    Thing:
      type: object
      properties:
        name: NAME
"""
THING = "/components/schemas/Thing"
NAME = THING + "/properties/name"


def _yaml(name: str, extra: str = "") -> str:
    return YAML.replace("NAME", name) + extra


def _json(name: object, extra: dict[str, object] | None = None) -> str:
    """The same document as JSON text, with ``name`` as the property schema (JSON text)."""
    text = json.dumps(
        {
            "openapi": "3.1.0",
            "info": {"title": "Answers", "version": "1"},
            "paths": {},
            "components": {
                "schemas": {
                    "Thing": {"type": "object", "properties": {"name": "NAME"}},
                    **(extra or {}),
                }
            },
        }
    )
    return text.replace('"NAME"', str(name))


def _chain(length: int) -> str:
    """``C0 -> C1 -> ... -> C<length>``, each only a $ref to the next."""
    lines = [f"    C{i}: {{$ref: '#/components/schemas/C{i + 1}'}}\n" for i in range(length)]
    return "".join(lines) + f"    C{length}: {{type: string}}\n"


def _block_nesting(depth: int) -> str:
    """A property schema nested ``depth`` objects deep, in YAML block style."""
    lines, indent = [], "          "
    for _ in range(depth):
        lines.append(f"{indent}type: object\n{indent}properties:\n{indent}  p:\n")
        indent += "    "
    return "\n" + "".join(lines) + f"{indent}type: string"


DEEP = f"nested more than {MAX_DEPTH} levels deep; specfirst reads at most {MAX_DEPTH}"
VIA_REFS = f"nested more than {MAX_REF_DEPTH} levels deep (counting each $ref followed as a level)"

CASES: list[tuple[str, str, str, str, str]] = [
    # (id, file suffix, document, pointer, message fragment)
    (
        "binary-example",
        "yaml",
        _yaml("{type: string, example: !!binary aGVsbG8=}"),
        NAME + "/example",
        "!!binary",
    ),
    (
        "binary-default",
        "yaml",
        _yaml("{type: string, default: !!binary aGVsbG8=}"),
        NAME + "/default",
        "!!binary",
    ),
    (
        "set-example",
        "yaml",
        _yaml("\n          type: string\n          example: !!set {a, b}"),
        NAME + "/example",
        "!!set",
    ),
    (
        "timestamp-enum",
        "yaml",
        _yaml("{type: string, enum: [!!timestamp 2001-12-14]}"),
        NAME + "/enum/0",
        "!!timestamp",
    ),
    (
        "nan-example",
        "yaml",
        _yaml("{type: number, example: .nan}"),
        NAME + "/example",
        "not a JSON number",
    ),
    (  # `maximum: .inf` admits every number: dropped with a warning (repairs), not refused
        "inf-minimum",
        "yaml",
        _yaml("{type: number, minimum: .inf}"),
        NAME + "/minimum",
        "not a JSON number",
    ),
    (
        "nan-json",
        "json",
        _json('{"type": "number", "example": NaN}'),
        NAME + "/example",
        "not a JSON number",
    ),
    (
        "python-tag",
        "yaml",
        _yaml("{type: string, default: !!python/object/apply:os.system [id]}"),
        "/",
        "could not determine a constructor",
    ),
    (
        "custom-tag",
        "yaml",
        _yaml("{type: string, example: !secret x}"),
        "/",
        "could not determine a constructor for the tag '!secret'",
    ),
    (
        "surrogate-json",
        "json",
        _json('{"type": "string", "description": "a\\ud800b"}'),
        NAME + "/description",
        "lone surrogate \\ud800",
    ),
    (
        "surrogate-json-key",
        "json",
        _json('{"type": "object", "properties": {"\\udfff": {}}}'),
        NAME + "/properties",
        "lone surrogate \\udfff",
    ),
    (
        "surrogate-yaml",
        "yaml",
        _yaml('{type: string, description: "a\\ud800b"}'),
        "/",
        "invalid Unicode character escape code",
    ),
    (
        "nul-path-yaml",
        "yaml",
        _yaml("{type: string}").replace("/things:", '"/things/\\0":'),
        "/paths/~1things~1\\x00",
        "control character U+0000",
    ),
    (
        "newline-path",
        "yaml",
        _yaml("{type: string}").replace("/things:", '"/things\\n/x":'),
        "/paths/~1things\\x0a~1x",
        "control character U+000A",
    ),
    (
        "circular-allof",
        "yaml",
        _yaml(
            "{type: string}", "    Other:\n      allOf: [{$ref: '#/components/schemas/Thing'}]\n"
        ).replace("      type: object\n", "      allOf: [{$ref: '#/components/schemas/Other'}]\n"),
        THING,
        f"schema composed of itself ({THING} -> allOf/0 -> $ref -> /components/schemas/Other -> allOf/0 -> $ref -> {THING})",
    ),
    (
        "self-ref",
        "yaml",
        _yaml(
            "{$ref: '#/components/schemas/Loop'}", "    Loop: {$ref: '#/components/schemas/Loop'}\n"
        ),
        "/components/schemas/Loop",
        "schema composed of itself",
    ),
    (
        "anyof-cycle",
        "yaml",
        _yaml("{anyOf: [{type: string}, {$ref: '#/components/schemas/Thing/properties/name'}]}"),
        NAME,
        "schema composed of itself",
    ),
    (
        "long-ref-chain",
        "yaml",
        _yaml("{$ref: '#/components/schemas/C0'}", _chain(3000)),
        NAME,
        VIA_REFS,
    ),
    ("ref-null", "yaml", _yaml("{$ref: null}"), NAME + "/$ref", "a $ref must be a string"),
    ("ref-number", "json", _json('{"$ref": 12}'), NAME + "/$ref", "not 12"),
    (
        "ref-object",
        "yaml",
        _yaml("{type: object, properties: {x: {$ref: {a: 1}}}}"),
        NAME + "/properties/x/$ref",
        'not {"a": 1}',
    ),
    ("deep-json-500", "json", _json("[" * 500 + "]" * 500), NAME + "/0" * (MAX_DEPTH - 5), DEEP),
    ("deep-json-3000", "json", _json('{"a": ' * 3000 + "1" + "}" * 3000), "/", DEEP),
    (
        "deep-yaml-100",
        "yaml",
        _yaml(_block_nesting(100)),
        NAME + "".join("/" + t for t in (["properties", "p"] * MAX_DEPTH)[: MAX_DEPTH - 5]),
        DEEP,
    ),
    ("deep-yaml-500", "yaml", _yaml(_block_nesting(500)), "/", DEEP),  # past libyaml's own bound
]


@pytest.mark.parametrize(
    ("suffix", "text", "pointer", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_answered_with_a_located_refusal(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
    text: str,
    pointer: str,
    fragment: str,
) -> None:
    spec = tmp_path / f"openapi.{suffix}"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")

    assert cli.main(["generate", str(spec), "--out", str(tmp_path / "out")]) == 2

    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "invalid JSON" not in err
    assert cli.INTERNAL_ERROR not in err
    first = err.splitlines()[0]
    assert first.startswith(f"{spec}:"), first
    assert f": {pointer}: " in first, first
    assert fragment in first, first
    assert not (tmp_path / "out").exists()


def test_the_depth_of_a_refusal_is_where_json_text_crosses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Too deep for Python's JSON parser itself: the line and column are found in the text."""
    spec = tmp_path / "openapi.json"
    spec.write_text(_json("\n" + "[" * 5000 + "]" * 5000))
    assert cli.main(["plan", str(spec)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"{spec}:2:{MAX_DEPTH - 5 + 1}: /: {DEEP}"


def test_nesting_within_the_limits_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lists of pairs (``!!omap``) are JSON lists; nesting and ref chains under the limits load."""
    text = _yaml(_block_nesting((MAX_DEPTH - 8) // 2), _chain(40)).replace(
        "      type: object\n",
        "      type: object\n      example: !!omap [{a: 1}, {b: 2}]\n      x-chain: {$ref: '#/nowhere'}\n",
        1,
    )
    spec = tmp_path / "openapi.yaml"
    spec.write_text(text)
    assert cli.main(["plan", str(spec)]) == 0
    assert capsys.readouterr().err == ""


def test_an_unexpected_exception_is_an_internal_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import specfirst.pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(specfirst.pipeline, "generate", broken)
    assert cli.main(["generate", "any.yaml", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {cli.INTERNAL_ERROR}: KeyError: 'boom'\n")
    assert "Traceback" not in err
