"""Random structural mutations of an OpenAPI document, to fuzz the generator itself.

``specfirst fuzz`` sends requests to a generated service; this module breaks the *document*:
every mutation takes a valid document and deletes a key, swaps a value for one of another
JSON type, gives a keyword a value of the wrong type or an odd one, duplicates or renames a
mapping entry, cuts or retargets a ``$ref``, nests a schema deeply, or renames something to
a name that collides with generated code. Whatever comes out must be answered by ``generate``
with exit 0 (an app that imports), 1 or 2 and a message, never a traceback (see
``tests/test_mutation_fuzz.py`` and ``bench/mutation_fuzz.py``).

Mutations are deterministic for a given ``random.Random`` and work on JSON data only.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["OPERATORS", "Mutant", "Outcome", "answer", "mutate", "pointer", "seeds", "write"]

Token = str | int


@dataclass(frozen=True)
class Mutant:
    document: dict[str, Any]
    steps: tuple[str, ...]
    """What was done, one line a mutation (``delete /paths/~1a/get/responses``)."""


def pointer(path: list[Token]) -> str:
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in path)


def _places(document: Any) -> list[tuple[list[Token], Any]]:
    """(path, node) of every node, in document order."""
    found: list[tuple[list[Token], Any]] = []
    stack: list[tuple[list[Token], Any]] = [([], document)]
    while stack:
        path, node = stack.pop()
        found.append((path, node))
        if isinstance(node, dict):
            stack.extend(reversed([([*path, k], v) for k, v in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([([*path, i], v) for i, v in enumerate(node)]))
    return found


def _parent(document: Any, path: list[Token]) -> Any:
    node = document
    for token in path[:-1]:
        node = node[token]
    return node


def _set(document: Any, path: list[Token], value: Any) -> None:
    _parent(document, path)[path[-1]] = value


_ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    10**20,
    "",
    "string",
    "x" * 300,
    [],
    ["a", 1, None],
    {},
    {"type": "string"},
    {"$ref": "#/components/schemas/Nowhere"},
]
_KEYWORD_VALUES: dict[str, list[Any]] = {
    "type": [
        "integer",
        "number",
        "boolean",
        "array",
        "object",
        "null",
        ["string", "null"],
        ["integer", "string"],
        "file",
        7,
    ],
    "format": [
        "uuid",
        "date-time",
        "date",
        "binary",
        "byte",
        "int64",
        "email",
        "uri",
        "password",
        "no-such-format",
    ],
    "pattern": ["^[a-z]+$", "(", "\\d{3}", "^(?!x).*$", ""],
    "minimum": [0, -5, 10**12, "1", 1.25],
    "maximum": [0, -10, 3, 1.75],
    "exclusiveMinimum": [True, 0, 2],
    "minLength": [0, 5, -1, 1000],
    "maxLength": [0, 2, -3],
    "minItems": [0, 3, -1],
    "maxItems": [0, 1],
    "enum": [[], ["a", "b"], [1, "1", None], [{"a": 1}], "a"],
    "required": [["id"], ["nope"], [], "id", [1]],
    "nullable": [True, False, "yes"],
    "readOnly": [True, "no"],
    "writeOnly": [True],
    "additionalProperties": [False, True, {"type": "integer"}, "no"],
    "items": [{"type": "string"}, [], {"$ref": "#/components/schemas/Nowhere"}, True],
    "properties": [
        {},
        {"id": {"type": "integer"}},
        [],
        {"class": {"type": "string"}, "db": {"type": "integer"}},
    ],
    "allOf": [[], [{"type": "object"}], [{"type": "string"}, {"type": "integer"}], {}],
    "oneOf": [[{"type": "string"}, {"type": "integer"}], []],
    "anyOf": [[{"type": "string"}, {"type": "null"}]],
    "discriminator": [
        {"propertyName": "kind"},
        {"propertyName": "nope", "mapping": {"a": "#/x"}},
        "kind",
    ],
    "default": [None, 1, "x", [], {"a": 1}],
    "example": [None, 1, "x", [], {"a": {"b": [1, 2]}}],
    "in": ["path", "query", "header", "cookie", "body", 1],
    "name": ["id", "Id", "class", "db", "request", "", "x-y", "a b"],
    "style": ["form", "simple", "deepObject", "matrix", "no"],
    "explode": [True, False, "x"],
    "schema": [{}, {"type": "array"}, {"$ref": "#/components/schemas/Nowhere"}, "string"],
    "content": [{}, {"text/plain": {}}, {"application/json": {"schema": {"type": "integer"}}}, []],
    "responses": [{}, {"200": {"description": "ok"}}, {"default": {"description": "x"}}, []],
    "operationId": ["", "listThings", "class", "get", "a-b", 5],
    "security": [[], [{}], [{"nope": []}], {}],
    "servers": [[], [{"url": "/v1"}], [{"url": "{scheme}://x"}]],
    "tags": [[], ["a", "a"], "t"],
    "description": ["", None, "x\ny", 3],
    "$ref": [
        "#/components/schemas/Nowhere",
        "#/",
        "#",
        "other.yaml#/x",
        "#/paths",
        "#/components/responses",
    ],
}
_NAMES = [
    "id",
    "ID",
    "Id",
    "class",
    "db",
    "principal",
    "request",
    "self",
    "app",
    "None",
    "2fa",
    "a-b",
    "ünï",
    "x" * 120,
    "_",
    "model_config",
]


def _delete_key(doc: dict[str, Any], rng: random.Random) -> str | None:
    places = [(p, n) for p, n in _places(doc) if isinstance(n, dict) and n]
    path, node = rng.choice(places)
    key = rng.choice(list(node))
    del node[key]
    return f"delete {pointer([*path, key])}"


def _swap_type(doc: dict[str, Any], rng: random.Random) -> str | None:
    places = [(p, n) for p, n in _places(doc) if p]
    path, node = rng.choice(places)
    options = [v for v in _ODD_VALUES if type(v) is not type(node)]
    _set(doc, path, copy.deepcopy(rng.choice(options)))
    return f"swap type {pointer(path)}"


def _keyword_value(doc: dict[str, Any], rng: random.Random) -> str | None:
    places = [
        (p, n)
        for p, n in _places(doc)
        if isinstance(n, dict) and any(k in _KEYWORD_VALUES for k in n)
    ]
    if not places:
        return None
    path, node = rng.choice(places)
    if rng.random() < 0.7:
        key = rng.choice([k for k in node if k in _KEYWORD_VALUES])
    else:  # a keyword the node does not have yet
        key = rng.choice(sorted(_KEYWORD_VALUES))
    node[key] = copy.deepcopy(rng.choice(_KEYWORD_VALUES[key]))
    return f"set {pointer([*path, key])}"


def _duplicate_or_rename(doc: dict[str, Any], rng: random.Random) -> str | None:
    places = [(p, n) for p, n in _places(doc) if isinstance(n, dict) and n and p]
    path, node = rng.choice(places)
    key = str(rng.choice(list(node)))
    new = rng.choice([key.upper(), key.lower(), key + "_2", key.replace("_", "-"), *_NAMES])
    if new == key:
        return None
    value = node[key] if rng.random() < 0.5 else node.pop(key)
    node[new] = copy.deepcopy(value)
    return f"copy {pointer([*path, key])} to {new!r}"


def _cut_ref(doc: dict[str, Any], rng: random.Random) -> str | None:
    sites = [
        (p, n) for p, n in _places(doc) if isinstance(n, dict) and isinstance(n.get("$ref"), str)
    ]
    if not sites:
        return None
    path, node = rng.choice(sites)
    targets = [
        pointer(p)
        for p, n in _places(doc)
        if isinstance(n, dict) and len(p) == 3 and p[0] == "components"
    ]
    choice = rng.random()
    if choice < 0.3:
        node["$ref"] = node["$ref"] + "Gone"
    elif choice < 0.6 and targets:
        node["$ref"] = "#" + rng.choice(targets)  # perhaps an object of the wrong kind
    elif choice < 0.8:
        node["$ref"] = "#" + pointer(path)  # itself
    else:
        del node["$ref"]
    return f"cut $ref {pointer(path)}"


def _nest(doc: dict[str, Any], rng: random.Random) -> str | None:
    schemas = [
        (p, n)
        for p, n in _places(doc)
        if isinstance(n, dict)
        and ("type" in n or "$ref" in n)
        and p
        and p[-1] not in ("properties", "paths")
    ]
    if not schemas:
        return None
    path, node = rng.choice(schemas)
    depth = rng.choice([2, 5, 12, 30])
    wrapped: Any = copy.deepcopy(node)
    for level in range(depth):
        if rng.random() < 0.5:
            wrapped = {rng.choice(["allOf", "anyOf", "oneOf"]): [wrapped]}
        else:
            wrapped = {"type": "object", "properties": {f"p{level}": wrapped}}
    _set(doc, path, wrapped)
    return f"nest {pointer(path)} {depth} deep"


def _self_compose(doc: dict[str, Any], rng: random.Random) -> str | None:
    schemas = (
        (doc.get("components") or {}).get("schemas")
        if isinstance(doc.get("components"), dict)
        else None
    )
    if not isinstance(schemas, dict) or not schemas:
        return None
    name = rng.choice(list(schemas))
    other = rng.choice(list(schemas))
    if not isinstance(schemas[name], dict):
        return None
    schemas[name].setdefault("allOf", [])
    if isinstance(schemas[name]["allOf"], list):
        schemas[name]["allOf"].append({"$ref": f"#/components/schemas/{other}"})
    return f"allOf {name} -> {other}"


_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "value"})
"""Keys whose values are data: anything goes there as far as the OpenAPI schema is concerned."""


def _exotic_values() -> list[Any]:
    import datetime

    return [
        b"\x00\xff",  # YAML !!binary
        {"a", "b"},  # YAML !!set
        datetime.date(2020, 1, 31),  # YAML !!timestamp
        float("nan"),
        float("inf"),
        "lone \ud800 surrogate",
        "nul \x00 inside",
    ]


def _exotic(doc: dict[str, Any], rng: random.Random) -> str | None:
    """A value only YAML can write (or a string no text should hold) in a random place, or a
    key holding a NUL or a lone surrogate."""
    places = [(p, n) for p, n in _places(doc) if p]
    data = [(p, n) for p, n in places if any(t in _DATA_KEYS or str(t).startswith("x-") for t in p)]
    path, _ = rng.choice(data if data and rng.random() < 0.6 else places)
    if rng.random() < 0.25:
        parent = _parent(doc, path)
        if isinstance(parent, dict):
            key = path[-1]
            odd = rng.choice(["\x00", "\ud800"])
            parent[f"{key}{odd}"] = parent.pop(key)
            return f"odd key {pointer(path)}"
    _set(doc, path, rng.choice(_exotic_values()))
    return f"exotic value {pointer(path)}"


def write(document: dict[str, Any], stem: Path) -> Path:
    """``stem.json``, or ``stem.yaml`` when the document holds what only YAML can write."""
    import json

    import yaml

    try:
        text = json.dumps(document, allow_nan=False)
        target = stem.with_suffix(".json")
    except (TypeError, ValueError):
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=False)
        target = stem.with_suffix(".yaml")
    target.write_text(text, encoding="utf-8", errors="surrogatepass")
    return target


OPERATORS: dict[str, Callable[[dict[str, Any], random.Random], str | None]] = {
    "delete": _delete_key,
    "swap-type": _swap_type,
    "keyword": _keyword_value,
    "rename": _duplicate_or_rename,
    "ref": _cut_ref,
    "nest": _nest,
    "compose": _self_compose,
    "exotic": _exotic,
}
_WEIGHTS = {
    "delete": 3,
    "swap-type": 2,
    "keyword": 5,
    "rename": 3,
    "ref": 2,
    "nest": 1,
    "compose": 1,
    "exotic": 1,
}


def mutate(document: dict[str, Any], rng: random.Random, count: int = 1) -> Mutant:
    """A copy of ``document`` with ``count`` random mutations applied."""
    doc = copy.deepcopy(document)
    steps: list[str] = []
    names = list(_WEIGHTS)
    weights = [_WEIGHTS[n] for n in names]
    attempts = 0
    while len(steps) < count and attempts < count * 20:
        attempts += 1
        operator = OPERATORS[rng.choices(names, weights)[0]]
        step = operator(doc, rng)
        if step is not None:
            steps.append(step)
    return Mutant(doc, tuple(steps))


# --------------------------------------------------------------------------- running a mutant


@dataclass(frozen=True)
class Outcome:
    """How one stage of ``specfirst generate`` answered a mutant."""

    stage: str
    """``load`` (load and model), ``render`` (steps and ruff), ``write`` (render and write the
    tree, without the import check) or ``generate`` (the whole command: render, write, and
    the child interpreter that imports the app)."""
    exit: int
    message: str
    """What the command printed on stderr (empty for exit 0 without warnings)."""
    internal: bool
    """An unexpected exception: a specfirst bug (printed as an internal error, exit 2)."""


def answer(spec: str, stage: str, out: str | None = None) -> Outcome:
    """Run one stage on ``spec`` in this process, as the command line would, and classify it."""
    import contextlib
    import io

    from specfirst import cli
    from specfirst.pipeline import generate, load_api, render_files

    def load() -> int:
        load_api(spec)
        return 0

    def render() -> int:
        render_files(load_api(spec), spec)
        return 0

    def write() -> int:  # generate without its child interpreter: see derive_many
        generate(spec, str(out))
        return 0

    actions: dict[str, Callable[[], int]] = {
        "load": load,
        "render": render,
        "write": write,
        "generate": lambda: cli.main(["generate", spec, "--out", str(out)]),
    }
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.run_guarded(actions[stage])
    text = err.getvalue()
    return Outcome(stage, code, text, cli.INTERNAL_ERROR in text)


def seeds(paths: list[str], max_bytes: int = 64 * 1024) -> list[tuple[str, dict[str, Any]]]:
    """(name, document) of each small single-file document that loads as JSON data."""
    import json
    from pathlib import Path

    import yaml

    found: list[tuple[str, dict[str, Any]]] = []
    for name in paths:
        path = Path(name)
        if path.stat().st_size > max_bytes:
            continue
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
            data = json.loads(json.dumps(data))  # JSON data only (no dates), keys strings
        except (ValueError, TypeError, yaml.YAMLError):
            continue
        external = any(
            isinstance(node, dict)
            and isinstance(node.get("$ref"), str)
            and not node["$ref"].startswith("#")
            for _, node in _places(data)
        )
        if isinstance(data, dict) and not external:  # one file: the mutant is written alone
            found.append((path.name, data))
    return found
