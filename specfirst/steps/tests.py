"""Step ``tests``: a pytest suite for the generated service (``tests/``), regenerated with it.

The suite runs the app in process (``fastapi.testclient.TestClient`` over ``create_app``,
lifespan started, on a SQLite database in a temporary directory; every table is emptied
before each test, so any id a test sends is fresh) and never imports specfirst: every
request is computed here, at generation time, with :mod:`specfirst.synth` (the spec's
examples where it has any, else synthesized from the schemas, optional fields of JSON
bodies filled too; valid by construction) and written into the test files as literals, one
test function per case, named ``test_<operation>__<case>``, one module per first tag:

- ``valid``: a CRUD operation answers the plan's status, the body in the declared schema
  (read, update and delete create the item first: the id from the create body when clients
  send it, else from the create answer, else from the list). An operation served by a user
  handler is skipped with ``not implemented: <operationId> answers 501`` while it answers
  501; otherwise the request must have passed validation and authentication (nothing the
  generated layers refused) and the handler's answer must be a declared status below 500,
  the body in that status's schema (a handler may answer a made-up id with its 404).
- ``auth_missing``, ``auth_wrong_<scheme>``, ``auth_other_<scheme>``: no credential, a
  wrong one for each accepted scheme, and a valid credential of each scheme the operation
  does not accept are refused with the declared 401/403 (``specfirst.refusals``: 401, else
  403, else 4XX/default, else 401 undeclared).
- ``missing_body_field_<f>``, ``missing_param_<p>``, ``wrong_type_<f>``,
  ``out_of_range_<p>``: invalid requests are answered with the operation's declared error
  response for validation failures (``specfirst.refusals``: 400, else 422, else 4XX/default
  as 400; for a path parameter also a declared 404; FastAPI's 422 when none is declared),
  the body in its schema.
- ``<resource>__crud_round_trip`` (``test_crud_round_trips.py``): create, read, list (it
  is there), update (the change is there), delete, then 404, with the kinds it has.
- ``test_openapi_document.py``: ``/openapi.json`` is the source document.

Bodies are validated with ``jsonschema`` (Draft 2020-12, formats checked) against the spec's
own schema of the response, written into the test module as a literal dict (chosen over the
generated pydantic models: the app must not be checked against itself): ``$ref`` inlined,
or, for large and recursive schemas, kept as ``#/$defs/Name`` into ``DEFS`` (the support
module's converted components); OpenAPI 3.0's ``nullable`` and boolean exclusive bounds
become JSON Schema, annotations are dropped. ``tests/requirements.txt`` lists what the suite
needs besides the service's own dependencies (pytest, httpx, jsonschema).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, unquote

from specfirst import naming, refusals, synth
from specfirst.ir import NO_VALUE, Api, MediaType, Operation, Parameter, Property, Response, Schema
from specfirst.loader import split_pointer
from specfirst.quoting import comment_text
from specfirst.render import StepContext
from specfirst.resources import Binding, Column, Resource
from specfirst.synth import (
    RequestSpec,
    SynthesisError,
    conforms,
    credentials_for,
    valid_request,
)
from specfirst.synth import (
    canonical_value as _canonical,
)
from specfirst.writer import OutputFile

NAME = "tests"
DESCRIPTION = "a pytest suite: valid requests, auth and validation negatives, CRUD round trips"

NOT_IMPLEMENTED = 501
_SUPPORT = "api_support"
_MAX_LINE = 96


# ======================================================================================
# JSON Schema literals from the spec's schemas
# ======================================================================================

_DROPPED = frozenset(
    {
        "title",
        "description",
        "example",
        "examples",
        "externalDocs",
        "xml",
        "discriminator",
        "deprecated",
        "$comment",
        "readOnly",
        "writeOnly",
        "contentMediaType",
        "contentEncoding",
        "default",
        "$schema",
        "$id",
        "$anchor",
    }
)
_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
_SCHEMA_ONE = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
        "additionalItems",
    }
)
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})


def _resolve(document: Any, pointer: str) -> Any:
    """The node at ``pointer``, following ``$ref`` on the way (and at the end)."""
    node = document
    for token in split_pointer(pointer):
        node = _follow(document, node)
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _follow(document: Any, node: Any) -> Any:
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
        seen.add(node["$ref"])
        node = _ref_target(document, node["$ref"])
    return node


def _ref_target(document: Any, ref: str) -> Any:
    if not ref.startswith("#"):
        raise SynthesisError(f"not a local $ref: {ref!r}")
    node = document
    for token in split_pointer(unquote(ref[1:])):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


_DEFS_PREFIX = "#/$defs/"
_INLINE_LIMIT = 6000  # characters of an inlined schema literal; larger ones share DEFS


@dataclass
class SchemaLiteral:
    """A response schema as JSON Schema: inlined, or its root plus the shared ``DEFS``."""

    root: Any
    shared: bool  # True: refers to components in the support module's DEFS

    def source(self) -> str:
        if not self.shared:
            return _lit(self.root)
        root = (
            self.root if isinstance(self.root, dict) else ({} if self.root is True else {"not": {}})
        )
        text = _lit(root)
        return (text[:-1] + ", " if root else "{") + "'$defs': DEFS}"


class JsonSchemas:
    """Turns the spec's schemas into self-contained JSON Schema 2020-12.

    Every component a ``$ref`` reaches is converted once (its refs become ``#/$defs/Name``).
    A response schema whose full expansion stays small is written inlined (no refs); a larger
    or recursive one keeps its refs and uses ``DEFS``, the shared components of the support
    module. OpenAPI 3.0's ``nullable`` and boolean exclusive bounds become JSON Schema,
    annotations are dropped.
    """

    def __init__(self, api: Api) -> None:
        self.document = api.document
        self.v30 = api.openapi_version[:2] == (3, 0)
        self.names: dict[str, str] = {}  # ref -> name under $defs
        self.forms: dict[str, Any] = {}  # name -> converted schema (refs kept)
        self.shared: set[str] = set()  # names DEFS must hold
        self._sizes: dict[str, int] = {}
        self._children: dict[str, list[str]] = {}

    def of(self, schema: Schema) -> SchemaLiteral:
        root = self._convert(_resolve(self.document, schema.pointer))
        if self._size_of_form(root, ()) <= _INLINE_LIMIT:
            return SchemaLiteral(self._expand(root), shared=False)
        self._share(_refs_in(root))
        return SchemaLiteral(root, shared=True)

    def defs(self) -> dict[str, Any]:
        return {name: self.forms[name] for name in sorted(self.shared)}

    # -- sizes and expansion -------------------------------------------------------------------
    def _size_of_form(self, form: Any, stack: tuple[str, ...]) -> int:
        size = len(_lit(form))
        for name in _refs_in(form, unique=False):
            size += self._size(name, stack)
            if size > _INLINE_LIMIT:
                break
        return size

    def _size(self, name: str, stack: tuple[str, ...]) -> int:
        if name in stack:
            return _INLINE_LIMIT + 1  # recursive: never inlined
        if name not in self._sizes:
            self._sizes[name] = self._size_of_form(self.forms[name], (*stack, name))
        return self._sizes[name]

    def _expand(self, form: Any) -> Any:
        if isinstance(form, list):
            return [self._expand(item) for item in form]
        if not isinstance(form, dict):
            return form
        ref = form.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX) and len(form) == 1:
            return self._expand(self.forms[ref[len(_DEFS_PREFIX) :]])
        return {key: self._expand(value) for key, value in form.items()}

    def _share(self, names: list[str]) -> None:
        todo = [n for n in names if n not in self.shared]
        while todo:
            name = todo.pop()
            if name in self.shared:
                continue
            self.shared.add(name)
            todo.extend(n for n in _refs_in(self.forms[name]) if n not in self.shared)

    # -- conversion ----------------------------------------------------------------------------
    def _name(self, ref: str) -> str:
        if ref not in self.names:
            base = naming.pascal(unquote(ref).rsplit("/", 1)[-1]) or "Schema"
            name, counter = base, 2
            taken = set(self.names.values())
            while name in taken:
                name, counter = f"{base}{counter}", counter + 1
            self.names[ref] = name
            self.forms[name] = {}
            self.forms[name] = self._convert(_ref_target(self.document, ref))
        return self.names[ref]

    def _convert(self, node: Any) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            return {}
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = {"$ref": _DEFS_PREFIX + self._name(ref)}
            if self.v30:
                return target  # 3.0: siblings of $ref are ignored
            rest = self._convert({k: v for k, v in node.items() if k != "$ref"})
            if not rest:
                return target
            return {**rest, "allOf": [*rest.get("allOf", []), target]}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROPPED or key.startswith("x-") or key == "nullable":
                continue
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {name: self._convert(sub) for name, sub in value.items()}
            elif key in _SCHEMA_ONE and isinstance(value, dict | bool):
                out[key] = self._convert(value)
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self._convert(sub) for sub in value]
            else:
                out[key] = copy.deepcopy(value)
        if self.v30:
            for flag, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
                if isinstance(out.get(flag), bool) and out.pop(flag) and limit in out:
                    out[flag] = out.pop(limit)
            if node.get("nullable") is True:
                if isinstance(out.get("type"), str):
                    out["type"] = [out["type"], "null"]
                    if isinstance(out.get("enum"), list) and None not in out["enum"]:
                        out["enum"] = [*out["enum"], None]
                elif "type" not in out:
                    out = {"anyOf": [out, {"type": "null"}]}
        return out


def _refs_in(form: Any, *, unique: bool = True) -> list[str]:
    """The ``$defs`` names a converted schema refers to (each once, or every occurrence)."""
    found: list[str] = []
    stack = [form]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX) and len(node) == 1:
                found.append(ref[len(_DEFS_PREFIX) :])
            else:
                stack.extend(node.values())
    return list(dict.fromkeys(found)) if unique else found


# ======================================================================================
# What the spec says about one operation
# ======================================================================================


def _json_media(contents: list[MediaType]) -> MediaType | None:
    return next((mt for mt in contents if mt.is_json), None)


def _primary(op: Operation) -> Response | None:
    """The response a valid request gets (as the routes declare it)."""
    return op.primary_response()


def _declared(op: Operation, status: int, *extra: str) -> Response | None:
    """The response the operation declares for ``status``: exact, its range, default."""
    by_status = {r.status.upper() if r.status != "default" else r.status: r for r in op.responses}
    for key in (str(status), f"{str(status)[0]}XX", "default", *extra):
        if key in by_status:
            return by_status[key]
    return None


def _validation_status(
    op: Operation, refusal: refusals.Refusal = refusals.INVALID
) -> tuple[int, Response | None]:
    """What an invalid request gets, and the declared response behind it (None: FastAPI's 422)."""
    status = refusals.status_for(op, refusal)
    return status, _declared(op, status)


def _media_types(response: Response | None) -> str:
    """``expect``'s ``media_types`` argument for a refusal answered with ``response``: the
    JSON media types it declares (the body must come in one of them); empty for none."""
    if response is None or _json_media(response.contents) is None:
        return ""
    declared = tuple(
        mt.media_type.split(";")[0].strip().lower() for mt in response.contents if mt.is_json
    )
    return f", media_types={declared!r}"


def _refusal_for(p: Parameter) -> refusals.Refusal:
    """A path parameter that does not fit names nothing; any other invalid value is invalid."""
    return refusals.INVALID_PATH if p.location == "path" else refusals.INVALID


def _refusal_status(op: Operation) -> int:
    return refusals.status_for(op, refusals.CREDENTIALS)


def _flat_properties(s: Schema | None) -> dict[str, Property]:
    return s.all_properties() if s is not None else {}


def _flat_required(s: Schema | None) -> list[str]:
    return s.all_required() if s is not None else []


def _types(s: Schema | None) -> tuple[str, ...]:
    node = s
    while node is not None:
        if node.types:
            return node.types
        node = node.ref
    return ()


def _constraints(s: Schema | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    node = s
    chain: list[Schema] = []
    while node is not None and node not in chain:
        chain.append(node)
        node = node.ref
    for node in reversed(chain):
        found.update(node.constraints)
    return found


def _enum(s: Schema | None) -> list[Any] | None:
    node = s
    while node is not None:
        if node.enum is not None:
            return node.enum
        node = node.ref
    return None


def _format(s: Schema | None) -> str | None:
    node = s
    while node is not None:
        if node.format:
            return node.format
        node = node.ref
    return None


_STORING_KINDS = frozenset({"create", "update"})
"""Operations whose body becomes the stored item: an optional field must fit the item too."""


def _add_optional_fields(op: Operation, request: RequestSpec, stored: Schema | None = None) -> None:
    """Fill a synthesized JSON object body's optional fields too, two levels deep (checked valid).

    Bodies taken from the spec's examples stay as the spec wrote them. ``stored``: the schema
    of the item a create or update stores; a top-level field it also describes gets a value
    valid for both (a request may allow what the stored item does not: a field left out is
    still a valid request, a field the item cannot hold is refused).
    """
    body = op.request_body
    mt = _json_media(body.contents) if body is not None else None
    if (
        mt is None
        or mt.schema is None
        or not request.has_json
        or not isinstance(request.json, dict)
    ):
        return
    if mt.example is not NO_VALUE or mt.examples:
        return
    request.json = _fill_optional(mt.schema, request.json, 0, stored)


def _read_only(s: Schema) -> bool:
    return bool(s.annotations.get("readOnly") or s.target().annotations.get("readOnly"))


def _fill_optional(schema: Schema, value: Any, depth: int, stored: Schema | None = None) -> Any:
    """``value`` with the optional properties of its objects filled, where that stays valid
    (for ``stored`` too: the item an object at the top is stored as)."""
    if depth > 2:
        return value
    target = schema.target()
    if isinstance(value, list) and target.items is not None:
        items = [_fill_optional(target.items, item, depth + 1) for item in value]
        return items if conforms(items, schema) else value
    if not isinstance(value, dict) or target.one_of or target.any_of:
        return value
    result = dict(value)
    keeps = _flat_properties(stored) if stored is not None else {}
    for name, prop in _flat_properties(schema).items():
        if _read_only(prop.schema):
            continue
        if name in result:
            filled = _fill_optional(prop.schema, result[name], depth + 1)
        else:
            try:
                filled = _fill_optional(prop.schema, synth.example_value(prop.schema), depth + 1)
            except (SynthesisError, RecursionError):
                continue
            if filled is None:
                continue
            kept = keeps.get(name)
            if kept is not None and not conforms(filled, kept.schema):
                try:  # a value the stored item holds, if the request allows it
                    filled = synth.example_value(kept.schema)
                except (SynthesisError, RecursionError):
                    continue
                if not conforms(filled, prop.schema):
                    continue
        candidate = {**result, name: filled}
        if conforms(candidate, schema):
            result = candidate
    return result


def _applies_by_default(p: Parameter) -> bool:
    """A list filter that is always applied: required, or with a default value."""
    if p.required:
        return True
    node = p.schema
    while node is not None:
        if node.default is not NO_VALUE:
            return True
        node = node.ref
    return False


def _sendable(api: Api, requirement: dict[str, list[str]]) -> bool:
    for name in requirement:
        scheme = api.security_schemes.get(name)
        if scheme is None or scheme.type == "mutualTLS":
            return False
    return True


# ======================================================================================
# Credentials
# ======================================================================================


@dataclass
class Credential:
    scheme: str
    env: dict[str, str]
    headers: dict[str, str]
    query: dict[str, str]
    cookies: dict[str, str]

    def wrong(self, api: Api) -> Credential:
        scheme = api.security_schemes[self.scheme]
        kind, http = scheme.type, (scheme.scheme or "").lower()
        if kind == "apiKey":
            value = "wrong-key"
        elif kind == "http" and http == "basic":
            value = "Basic d3JvbmctdXNlcjp3cm9uZy1wYXNzd29yZA=="  # wrong-user:wrong-password
        elif kind == "http" and http not in ("", "bearer"):
            value = f"{scheme.scheme} wrong-token"
        else:
            value = "Bearer wrong-token"
        return Credential(
            self.scheme,
            {},
            {k: value for k in self.headers},
            {k: value for k in self.query},
            {k: value for k in self.cookies},
        )


def _credentials(api: Api) -> dict[str, Credential]:
    found: dict[str, Credential] = {}
    if not api.operations:
        return found
    template = api.operations[0]
    for name, scheme in api.security_schemes.items():
        if scheme.type == "mutualTLS":
            continue
        try:
            env, headers, query, cookies = credentials_for(
                replace(template, effective_security=[{name: []}]), api
            )
        except SynthesisError:
            continue
        found[name] = Credential(name, env, headers, query, cookies)
    return found


def _slots(cred: Credential) -> dict[tuple[str, str], str]:
    """Where the credential is sent (header names case-insensitive), and the value sent there."""
    return {
        **{("header", k.lower()): v for k, v in cred.headers.items()},
        **{("query", k): v for k, v in cred.query.items()},
        **{("cookie", k): v for k, v in cred.cookies.items()},
    }


def _with_credentials(request: RequestSpec, creds: list[Credential]) -> RequestSpec:
    out = copy.deepcopy(request)
    for cred in creds:
        out.headers.update(cred.headers)
        out.query.extend(cred.query.items())
        out.cookies.update(cred.cookies)
    return out


# ======================================================================================
# Python source for requests and checks
# ======================================================================================


def _lit(value: Any) -> str:
    return repr(value)


def _path_parts(op: Operation, concrete: str) -> list[tuple[str, str | None]]:
    """The concrete path split into (text, parameter name or None) pieces."""
    parts = re.split(r"(\{[^}/]+\})", op.path)
    pattern = "".join(
        f"(?P<p{i}>.*?)" if part.startswith("{") else re.escape(part)
        for i, part in enumerate(parts)
    )
    match = re.fullmatch(pattern, concrete)
    if match is None:
        return [(concrete, None)]
    return [
        (match.group(f"p{i}"), part[1:-1]) if part.startswith("{") else (part, None)
        for i, part in enumerate(parts)
        if part
    ]


def _path_source(
    op: Operation, concrete: str, id_param: Parameter | None, id_var: str = "item_id"
) -> str:
    """The path as a Python expression; the id parameter (if any) taken from ``id_var`` at run time."""
    if id_param is None:
        return _lit(concrete)
    pieces = []
    for text, param in _path_parts(op, concrete):
        if param == id_param.name:
            pieces.append("{path_value(" + id_var + ")}")
        else:
            pieces.append(text.replace("{", "{{").replace("}", "}}"))
    return "f" + _lit("".join(pieces))


def _replace_path_param(op: Operation, concrete: str, name: str, text: str) -> str:
    return "".join(
        (quote(text, safe="") if param == name else piece)
        for piece, param in _path_parts(op, concrete)
    )


@dataclass
class Call:
    """One request in a test: ``response = send(client, ...)``, with the body in a variable."""

    request: RequestSpec
    path_source: str
    body_var: str | None = None  # the JSON body is assigned to this variable first

    def lines(self, response_var: str = "response") -> list[str]:
        r = self.request
        out: list[str] = []
        args = [_lit(r.method), self.path_source]
        if r.query:
            args.append(f"query={_lit([tuple(pair) for pair in r.query])}")
        if r.headers:
            args.append(f"headers={_lit(r.headers)}")
        if r.cookies:
            args.append(f"cookies={_lit(r.cookies)}")
        if r.has_json:
            if self.body_var is not None:
                args.append(f"json_body={self.body_var}")
            else:
                args.append(f"json_body={_lit(r.json)}")
            if r.content_type and r.content_type != "application/json":
                args.append(f"content_type={_lit(r.content_type)}")
        elif r.files is not None:
            args.append(f"files={_lit(r.files)}")
            if r.form:
                args.append(f"form={_lit(r.form)}")
        elif r.form is not None:
            args.append(f"form={_lit(r.form)}")
        elif r.content is not None:
            args.append(f"content={_lit(r.content)}")
            if r.content_type:
                args.append(f"content_type={_lit(r.content_type)}")
        out.append(f"{response_var} = send(client, {', '.join(args)})")
        return out

    def body_lines(self) -> list[str]:
        if self.body_var is None or not self.request.has_json:
            return []
        return [f"{self.body_var} = {_lit(self.request.json)}"]


class Constants:
    """The module-level schema literals of one test module.

    A response schema that is a component is named after it (``ERROR_RESPONSE``), an inline
    one after its operation and status (``LIST_PETS_200``); equal literals are written once.
    """

    def __init__(self, schemas: JsonSchemas) -> None:
        self.schemas = schemas
        self.items: dict[str, str] = {}  # name -> literal
        self.by_literal: dict[str, str] = {}
        self.taken: set[str] = {"FASTAPI_422", "NO_BODY", "FORMATS", "DEFS"}
        self.uses_defs = False

    def schema(self, op: Operation, response: Response | None) -> str:
        """The constant holding ``response``'s JSON schema, or ``None`` (source) when it has none."""
        if response is None:
            return "None"
        mt = _json_media(response.contents)
        if mt is None or mt.schema is None:
            return "None"
        converted = self.schemas.of(mt.schema)
        literal = converted.source()
        self.uses_defs = self.uses_defs or converted.shared
        if literal not in self.by_literal:
            target = mt.schema.target()
            if mt.schema.is_pure_ref and target.component is not None:
                base = naming.constant(target.component)
            else:
                base = naming.constant(f"{op.py_name}_{response.status}")
            name, counter = base, 2
            while name in self.taken:
                name, counter = f"{base}_{counter}", counter + 1
            self.taken.add(name)
            self.items[name] = literal
            self.by_literal[literal] = name
        return self.by_literal[literal]


@dataclass
class TestDef:
    name: str
    doc: str
    lines: list[str]

    def __post_init__(self) -> None:
        self.lines = _drop_unused(self.lines)


_ASSIGNED = re.compile(r"^(\w+) = (expect\(.*)$")


def _drop_unused(lines: list[str]) -> list[str]:
    """``x = expect(...)`` becomes ``expect(...)`` when no later line reads ``x``."""
    out: list[str] = []
    for index, line in enumerate(lines):
        match = _ASSIGNED.match(line)
        if match is not None:
            name = match.group(1)
            later = lines[index + 1 :]
            used_at = next(
                (i for i, text in enumerate(later) if re.search(rf"\b{name}\b", text)), None
            )
            if (
                used_at is None
                or _ASSIGNED.match(later[used_at] or "")
                and later[used_at].startswith(f"{name} = ")
            ):
                line = match.group(2)
        out.append(line)
    return out


_comment = comment_text


@dataclass
class CreatorDef:
    """``create_<resource>(client)`` in the support module: makes one item, returns its id."""

    name: str
    doc: str
    lines: list[str]

    def __post_init__(self) -> None:
        self.lines = _drop_unused(self.lines)


@dataclass
class TestModule:
    path: str
    what: str  # generator text (the module docstring)
    tag: str | None = None  # document text: printed in a comment
    tests: list[TestDef] = field(default_factory=list)
    constants: Constants | None = None
    support_names: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


# ======================================================================================
# Values that differ, values that are wrong
# ======================================================================================


def _alternatives(s: Schema, current: Any) -> list[Any]:
    """Values for ``s`` other than ``current`` (candidates, checked by the caller)."""
    out: list[Any] = []
    enum = _enum(s)
    types = _types(s)
    fmt = _format(s)
    if enum:
        out += [v for v in enum if v != current]
    if "boolean" in types:
        out.append(not current if isinstance(current, bool) else True)
    if "integer" in types or "number" in types:
        c = _constraints(s)
        if isinstance(current, int | float) and not isinstance(current, bool):
            out += [current + 1, current - 1, current + 2, current * 2]
        out += [c[k] for k in ("minimum", "maximum") if k in c]
        out += [2, 3, 7]
    if "string" in types or not types:
        samples = {
            "date-time": "2025-02-03T04:05:06Z",
            "date": "2025-02-03",
            "time": "04:05:06Z",
            "email": "changed@example.com",
            "uri": "https://example.com/changed",
            "url": "https://example.com/changed",
            "uuid": "0b0c7d6e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
        }
        if fmt in samples:
            out.append(samples[fmt])
        if isinstance(current, str):
            out += [current + "-changed", current[:-1] + "x" if current else "x", current + "x"]
        out += ["changed", "changed value"]
    builder = getattr(synth, "_Synth", None)
    if builder is not None:
        for variant in range(1, 8):
            try:
                out.append(builder(0).value([s], variant=variant))
            except (SynthesisError, RecursionError, TypeError, ValueError, AttributeError):
                break
    return [v for v in out if _canonical(v) != _canonical(current)]


_WRONG = {
    "integer": "not-a-number",
    "number": "not-a-number",
    "boolean": "not-a-boolean",
    "array": "not-an-array",
    "object": "not-an-object",
}


def _wrong_value(s: Schema) -> Any:
    """A value of another JSON type than ``s`` declares (None when it declares none or several)."""
    types = _types(s)
    if len(types) != 1 or s.target().nullable and types == ("null",):
        return NO_VALUE
    kind = types[0]
    if kind == "string":
        return {"not": "a string"} if _format(s) else 12345
    return _WRONG.get(kind, NO_VALUE)


def _out_of_range(s: Schema, location: str) -> Any:
    """A value of the right type that breaks one of the declared constraints."""
    c = _constraints(s)
    types = _types(s)
    integer = "integer" in types
    candidates: list[Any] = []
    if "integer" in types or "number" in types:
        step = 1 if integer else 0.5
        if "maximum" in c:
            candidates.append(c["maximum"] + step)
        if "exclusiveMaximum" in c and not isinstance(c["exclusiveMaximum"], bool):
            candidates.append(c["exclusiveMaximum"])
        if "minimum" in c:
            candidates.append(c["minimum"] - step)
        if "exclusiveMinimum" in c and not isinstance(c["exclusiveMinimum"], bool):
            candidates.append(c["exclusiveMinimum"])
    if "string" in types:
        if "maxLength" in c:
            candidates.append("x" * (int(c["maxLength"]) + 1))
        if int(c.get("minLength", 0)) > 1 or (
            int(c.get("minLength", 0)) == 1 and location != "path"
        ):
            candidates.append("x" * (int(c["minLength"]) - 1))
        if _enum(s) and all(isinstance(v, str) for v in _enum(s) or []):
            candidates.append("not-a-listed-value")
        if "pattern" in c:
            candidates += ["!", "not matching !"]
    for value in candidates:
        if integer and isinstance(value, float) and value.is_integer():
            value = int(value)
        if not conforms(value, s) and not (
            isinstance(value, str) and value == "" and location == "header"
        ):
            return value
    return NO_VALUE


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _set_param(op: Operation, request: RequestSpec, p: Parameter, text: str | None) -> RequestSpec:
    """``request`` with parameter ``p`` sent as ``text`` (or left out when None)."""
    out = copy.deepcopy(request)
    if p.location == "path":
        if text is None:
            raise ValueError("a path parameter cannot be left out")
        out.path = _replace_path_param(op, out.path, p.name, text)
    elif p.location == "query":
        out.query = [(k, v) for k, v in out.query if k != p.name and not k.startswith(p.name + "[")]
        if text is not None:
            out.query.append((p.name, text))
    elif p.location == "header":
        out.headers = {k: v for k, v in out.headers.items() if k.lower() != p.name.lower()}
        if text is not None:
            out.headers[p.name] = text
    elif p.location == "cookie":
        out.cookies = {k: v for k, v in out.cookies.items() if k != p.name}
        if text is not None:
            out.cookies[p.name] = quote(text, safe="")
    return out


# ======================================================================================
# The cases
# ======================================================================================


@dataclass
class OpInfo:
    op: Operation
    binding: Binding | None
    creds: list[Credential]  # the credentials a valid request carries
    base: RequestSpec  # a valid request without credentials
    valid: RequestSpec  # with them
    problem: str | None = None


class SuiteBuilder:
    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.api = ctx.api
        self.plan = ctx.plan
        self.schemas = JsonSchemas(ctx.api)
        self.creds = _credentials(ctx.api)
        self.joint_env: dict[str, list[str]] = {}  # secrets schemes share in one requirement
        self.infos: dict[int, OpInfo] = {}
        self.problems: list[str] = []
        self.creators: dict[int, CreatorDef] = {}  # by id(resource)
        self.support_constants = Constants(self.schemas)
        for op in self.api.operations:
            info = self._info(op)
            if info is not None:
                self.infos[id(op)] = info

    # -- requests ----------------------------------------------------------------------------
    def _info(self, op: Operation) -> OpInfo | None:
        creds: list[Credential] = []
        if op.effective_security:
            for requirement in op.effective_security:
                if not _sendable(self.api, requirement) or not all(
                    n in self.creds for n in requirement
                ):
                    continue
                joint = self._requirement_credentials(requirement)
                if joint is not None:
                    creds = joint
                    break
            else:
                self.problems.append(f"{op.wire_id}: no security requirement can be sent over HTTP")
                return None
        try:
            base = valid_request(replace(op, effective_security=[]), self.api)
        except SynthesisError as exc:
            self.problems.append(f"{op.wire_id}: no valid request can be synthesized: {exc}")
            return None
        binding = self.plan.binding(op)
        stores = binding is not None and binding.kind in _STORING_KINDS
        _add_optional_fields(op, base, binding.resource.schema if stores else None)
        return OpInfo(op, self.plan.binding(op), creds, base, _with_credentials(base, creds))

    def _requirement_credentials(
        self, requirement: dict[str, list[str]]
    ) -> list[Credential] | None:
        """The credentials a request meeting ``requirement`` (an AND of schemes) carries.

        Each scheme sends its own secret, unless two of them are sent in the same place (two
        bearer schemes both read ``Authorization``): one request can hold one value there, so
        those schemes get one secret that each of them accepts besides its own. None when their
        values cannot agree (a Basic and a Bearer scheme in one header): no request meets it.
        """
        own = [self.creds[name] for name in requirement]
        slots = [slot for cred in own for slot in _slots(cred)]
        if len(slots) == len(set(slots)):
            return own
        secret = "joint-" + "-".join(naming.snake(name) for name in requirement)
        joint: list[Credential] = []
        sent: dict[tuple[str, str], str] = {}
        for name in requirement:
            env, headers, query, cookies = credentials_for(
                replace(self.api.operations[0], effective_security=[{name: []}]),
                self.api,
                secret=secret,
            )
            cred = Credential(name, env, headers, query, cookies)
            for slot, value in _slots(cred).items():
                if sent.setdefault(slot, value) != value:
                    return None
            joint.append(cred)
        for cred in joint:
            for variable, value in cred.env.items():
                self.joint_env.setdefault(variable, []).append(value)
        return joint

    def env(self) -> dict[str, str]:
        """The accepted credentials of every scheme: its own, then those it shares in a requirement."""
        env: dict[str, str] = {}
        for cred in self.creds.values():
            env.update(cred.env)
        for variable, values in self.joint_env.items():
            accepted = [env[variable]] if variable in env else []
            accepted += [v for v in values if v not in accepted]
            env[variable] = ",".join(accepted)
        return env

    # -- resources ---------------------------------------------------------------------------
    def create_binding(self, resource: Resource) -> Binding | None:
        return next(
            (
                b
                for b in resource.operations
                if b.kind == "create" and id(b.operation) in self.infos
            ),
            None,
        )

    def create_body(self, resource: Resource, binding: Binding) -> RequestSpec:
        """The create request; a client-supplied id and the always-applied list filters are filled."""
        request = copy.deepcopy(self.infos[id(binding.operation)].valid)
        if not request.has_json or not isinstance(request.json, dict):
            return request
        op_body = binding.operation.request_body
        mt = _json_media(op_body.contents) if op_body is not None else None
        wanted: list[Column] = []
        if resource.id_generated is None:
            wanted.append(resource.id_column)  # a fresh database per test: any valid id is fresh
        for lb in resource.operations:
            if lb.kind in ("list", "search"):
                wanted += [column for p, column in lb.filters if _applies_by_default(p)]
        for column in wanted:
            if column.name in request.json:
                continue
            try:
                value = synth.example_value(column.schema)
            except (SynthesisError, RecursionError):
                continue
            candidate = {**request.json, column.name: value}
            if value is not None and (
                mt is None or mt.schema is None or conforms(candidate, mt.schema)
            ):
                request.json = candidate
        return request

    def id_source(self, resource: Resource, binding: Binding, request: RequestSpec) -> str | None:
        """How the id of a created item is found: ``body``, ``answer``, or ``list``."""
        id_name = resource.id_column.name
        if (
            request.has_json
            and isinstance(request.json, dict)
            and request.json.get(id_name) is not None
        ):
            return "body"
        primary = _primary(binding.operation)
        mt = _json_media(primary.contents) if primary else None
        if binding.answer == "item" and mt is not None and id_name in _flat_properties(mt.schema):
            return "answer"
        if self.list_binding(resource) is not None:
            return "list"
        return None

    def list_binding(self, resource: Resource) -> Binding | None:
        return next(
            (
                b
                for b in resource.operations
                if b.kind in ("list", "search") and id(b.operation) in self.infos
            ),
            None,
        )

    def creator(self, resource: Resource) -> CreatorDef | None:
        """``create_<resource>`` for the support module (None when the resource cannot be created)."""
        if id(resource) in self.creators:
            return self.creators[id(resource)]
        binding = self.create_binding(resource)
        if binding is None:
            return None
        request = self.create_body(resource, binding)
        source = self.id_source(resource, binding, request)
        if source is None:
            return None
        op = binding.operation
        call = Call(request, _lit(request.path), body_var="body" if request.has_json else None)
        lines = [*call.body_lines(), *call.lines()]
        schema = self.support_constants.schema(op, _primary(op))
        lines.append(f"created = expect(response, {binding.status}, {schema})")
        id_name = resource.id_column.name
        if source == "body":
            lines.append(f"return body[{id_name!r}]")
        elif source == "answer":
            lines.append(f"return created[{id_name!r}]")
        else:
            list_binding = self.list_binding(resource)
            assert list_binding is not None
            list_info = self.infos[id(list_binding.operation)]
            lines += Call(list_info.valid, _lit(list_info.valid.path)).lines()
            list_schema = self.support_constants.schema(
                list_binding.operation, _primary(list_binding.operation)
            )
            lines.append(f"listed = expect(response, {list_binding.status}, {list_schema})")
            wrapper = _wrapper(list_binding)
            lines.append(f"return only_item(listed, {wrapper!r})[{id_name!r}]")
        name = f"create_{naming.snake(resource.name)}"
        doc = f"Create one {resource.schema.component or resource.name} with {op.wire_id}; return its id ({id_name!r})."
        creator = CreatorDef(name=name, doc=doc, lines=lines)
        self.creators[id(resource)] = creator
        return creator

    # -- per operation -----------------------------------------------------------------------
    def operation_tests(self, op: Operation, module: TestModule) -> list[TestDef]:
        info = self.infos.get(id(op))
        if info is None:
            module.notes.extend(p for p in self.problems if p.startswith(f"{op.wire_id}:"))
            return []
        consts = module.constants
        assert consts is not None
        tests = [self.valid_test(info, module)]
        tests += self.auth_tests(info, consts)
        tests += self.validation_tests(info, consts)
        return tests

    def _where(self, op: Operation) -> str:
        return f"{op.method.upper()} {op.path} ({op.wire_id})"

    def valid_test(self, info: OpInfo, module: TestModule) -> TestDef:
        op, binding = info.op, info.binding
        consts = module.constants
        assert consts is not None
        lines: list[str] = []
        primary = _primary(op)
        request = info.valid
        path_source = _lit(request.path)
        needs_item = binding is not None and binding.kind in ("read", "update", "delete")
        missing_item = False
        id_name = binding.resource.id_column.name if binding is not None else None
        if needs_item and binding is not None:
            creator = self.creator(binding.resource)
            if creator is not None:
                module.support_names.add(creator.name)
                lines.append(f"item_id = {creator.name}(client)")
                path_source = _path_source(op, request.path, binding.id_param)
            else:
                missing_item = True
        call = Call(request, path_source, body_var="body" if request.has_json else None)
        lines += call.body_lines()
        if needs_item and not missing_item and binding is not None and binding.id_param is None:
            lines.append(f"body[{id_name!r}] = item_id")
        lines += call.lines()
        if binding is not None and missing_item:
            declared = _declared(op, binding.not_found_status)
            error = consts.schema(op, declared)
            lines.append(
                f"expect(response, {binding.not_found_status}, {error}{_media_types(declared)})"
            )
            what = f"the item does not exist (its resource has no create operation): {binding.not_found_status}"
        elif binding is not None:
            lines.append(f"expect(response, {binding.status}, {consts.schema(op, primary)})")
            what = f"a valid request is answered {binding.status} in the declared schema ({binding.kind} on {binding.resource.name})"
        else:
            declared = _declared(op, NOT_IMPLEMENTED, "500")
            error = consts.schema(op, declared)
            lines.append(
                f"skip_if_not_implemented(response, {op.wire_id!r}, {error}{_media_types(declared)})"
            )
            declared = []
            for r in op.responses:
                key = r.status if r.status == "default" else r.status.upper()
                if key == "default" or key[0] in "1234":
                    declared.append(f"{key!r}: {consts.schema(op, r)}")
            lines.append(f"expect_answer(client, response, {{{', '.join(declared)}}})")
            primary_text = f" (the primary one is {primary.status})" if primary is not None else ""
            what = (
                "a valid request passes validation and authentication and its handler answers "
                f"with a declared status below 500{primary_text}, in its schema"
            )
        return TestDef(f"test_{op.py_name}__valid", f"{self._where(op)}: {what}.", lines)

    def auth_tests(self, info: OpInfo, consts: Constants) -> list[TestDef]:
        op = info.op
        reqs = op.effective_security
        if not reqs or any(not r for r in reqs):
            return []  # public, or anonymous access allowed
        status = _refusal_status(op)
        schema = consts.schema(op, _declared(op, status))
        base = info.base
        tests: list[TestDef] = []
        names: set[str] = set()
        accepted = [set(r) for r in reqs]

        def refused(sent: set[str]) -> bool:
            return not any(r <= sent for r in accepted)

        def add(case: str, request: RequestSpec, what: str) -> None:
            if case in names:
                return
            names.add(case)
            lines = [
                *Call(
                    request, _lit(request.path), body_var="body" if request.has_json else None
                ).body_lines()
            ]
            lines += Call(
                request, _lit(request.path), body_var="body" if request.has_json else None
            ).lines()
            media_types = _media_types(_declared(op, status))
            lines.append(f"expect(response, {status}, {schema}{media_types})")
            tests.append(
                TestDef(
                    f"test_{op.py_name}__{case}", f"{self._where(op)}: {what}: {status}.", lines
                )
            )

        for requirement in reqs:
            if not all(n in self.creds for n in requirement):
                continue
            for scheme in requirement:
                others = [self.creds[n] for n in requirement if n != scheme]
                if refused({c.scheme for c in others}):
                    if others:
                        case, what = (
                            f"auth_missing_{naming.snake(scheme)}",
                            f"no {scheme} credential is refused",
                        )
                    else:
                        case, what = "auth_missing", "a request without any credential is refused"
                    add(case, _with_credentials(base, others), what)
            for scheme in requirement:
                others = [self.creds[n] for n in requirement if n != scheme]
                wrong = self.creds[scheme].wrong(self.api)
                if refused({c.scheme for c in others}):
                    add(
                        f"auth_wrong_{naming.snake(scheme)}",
                        _with_credentials(base, [*others, wrong]),
                        f"a wrong {scheme} credential is refused",
                    )
        mentioned = {n for r in reqs for n in r}
        for name, cred in self.creds.items():
            if name in mentioned:
                continue
            add(
                f"auth_other_{naming.snake(name)}",
                _with_credentials(base, [cred]),
                f"a valid credential of {name}, a scheme the operation does not accept, is refused",
            )
        return tests

    def validation_tests(self, info: OpInfo, consts: Constants) -> list[TestDef]:
        op = info.op
        request = info.valid
        # (name, request, what it exercises, the refusal that answers it)
        cases: list[tuple[str, RequestSpec, str, refusals.Refusal]] = [
            (*case, refusals.INVALID) for case in self._body_cases(op, request)
        ]
        params = [p for p in op.parameters if p.schema is not None and not p.content]
        ordered_params = sorted(params, key=lambda p: (not p.required, p.location == "path"))
        for p in ordered_params:
            if p.required and p.location != "path":
                cases.append(
                    (
                        f"missing_param_{naming.snake(p.name)}",
                        _set_param(op, request, p, None),
                        f"the required {p.location} parameter {p.name!r} is missing",
                        _refusal_for(p),
                    )
                )
                break
        for p in ordered_params:
            assert p.schema is not None
            wrong = _wrong_value(p.schema)
            if (
                wrong is NO_VALUE
                or isinstance(wrong, dict | int)
                or _types(p.schema)[0] in ("array", "object")
            ):
                continue
            cases.append(
                (
                    f"wrong_type_{naming.snake(p.name)}",
                    _set_param(op, request, p, str(wrong)),
                    f"the {p.location} parameter {p.name!r} of the wrong type ({wrong!r})",
                    _refusal_for(p),
                )
            )
            break
        for p in ordered_params:
            assert p.schema is not None
            value = _out_of_range(p.schema, p.location)
            if value is NO_VALUE:
                continue
            cases.append(
                (
                    f"out_of_range_{naming.snake(p.name)}",
                    _set_param(op, request, p, _scalar_text(value)),
                    f"the {p.location} parameter {p.name!r} out of range ({value!r})",
                    _refusal_for(p),
                )
            )
            break
        tests: list[TestDef] = []
        seen: set[str] = set()
        for case, r, what, refusal in cases:
            if case in seen:
                continue
            seen.add(case)
            status, response = _validation_status(op, refusal)
            schema = consts.schema(op, response) if response is not None else "FASTAPI_422"
            call = Call(r, _lit(r.path), body_var="body" if r.has_json else None)
            expected = f"expect(response, {status}, {schema}{_media_types(response)})"
            lines = [*call.body_lines(), *call.lines(), expected]
            tests.append(
                TestDef(
                    f"test_{op.py_name}__{case}", f"{self._where(op)}: {what}: {status}.", lines
                )
            )
        return tests

    def _body_cases(
        self, op: Operation, request: RequestSpec
    ) -> list[tuple[str, RequestSpec, str]]:
        """A required body field left out, and a body field (or the whole body) of the wrong type."""
        cases: list[tuple[str, RequestSpec, str]] = []
        body = op.request_body
        if body is None or not body.contents:
            return cases
        if request.has_json:
            mt = _json_media(body.contents)
            value = request.json
        elif request.form is not None and request.files is None:
            mt = next((m for m in body.contents if m.is_form), None)
            value = request.form
        else:
            return cases
        if mt is None or mt.schema is None:
            return cases
        schema = mt.schema
        is_form = not request.has_json

        def with_body(new: Any) -> RequestSpec:
            r = copy.deepcopy(request)
            if is_form:
                r.form = new
            else:
                r.json = new
            return r

        if not isinstance(value, dict):
            wrong = _wrong_value(schema)
            if wrong is not NO_VALUE and not is_form and not conforms(wrong, schema):
                cases.append(
                    (
                        "wrong_type_body",
                        with_body(wrong),
                        f"a body of the wrong type ({_lit(wrong)})",
                    )
                )
            return cases
        props = _flat_properties(schema)
        for name in _flat_required(schema):
            if name in value:
                mutated = {k: v for k, v in value.items() if k != name}
                if is_form or not conforms(mutated, schema):
                    case = f"missing_body_field_{naming.snake(name)}"
                    cases.append(
                        (case, with_body(mutated), f"the required body field {name!r} is missing")
                    )
                    break
        for name in [*(n for n in value if n in props), *(n for n in props if n not in value)]:
            wrong = _wrong_value(props[name].schema)
            if wrong is NO_VALUE or (
                is_form
                and _types(props[name].schema) not in (("integer",), ("number",), ("boolean",))
            ):
                continue
            mutated = {**value, name: wrong}
            if is_form or not conforms(mutated, schema):
                case = f"wrong_type_{naming.snake(name)}"
                cases.append(
                    (
                        case,
                        with_body(mutated),
                        f"body field {name!r} of the wrong type ({_lit(wrong)})",
                    )
                )
                break
        return cases

    # -- CRUD round trip -----------------------------------------------------------------------
    def round_trip(
        self, resource: Resource, consts: Constants, module: TestModule
    ) -> TestDef | None:
        create = self.create_binding(resource)
        if create is None:
            return None
        id_name = resource.id_column.name
        request = self.create_body(resource, create)
        source = self.id_source(resource, create, request)
        if source is None:
            module.notes.append(
                f"{resource.name}: the id of a created item cannot be found (no id in the answer, no list)"
            )
            return None
        by_kind: dict[str, list[Binding]] = {}
        for b in resource.operations:
            if id(b.operation) in self.infos:
                by_kind.setdefault(b.kind, []).append(b)
        lines: list[str] = []
        steps: list[str] = ["create"]
        op = create.operation
        call = Call(request, _lit(request.path), body_var="body" if request.has_json else None)
        lines.append("# " + comment_text(f"create: {op.wire_id}"))
        lines += call.body_lines() + call.lines()
        lines.append(
            f"created = expect(response, {create.status}, {consts.schema(op, _primary(op))})"
        )
        expected: dict[str, Any] = {}
        read_props = set(_flat_properties(resource.schema))
        if request.has_json and isinstance(request.json, dict):
            expected = {
                k: v
                for k, v in request.json.items()
                if k in read_props and k != id_name and v is not None
            }
        lists = by_kind.get("list", []) + by_kind.get("search", [])
        if source == "body":
            lines.append(f"item_id = body[{id_name!r}]")
        elif source == "answer":
            lines.append(f"item_id = created[{id_name!r}]")
        else:
            b = lists[0]
            info = self.infos[id(b.operation)]
            lines += Call(info.valid, _lit(info.valid.path)).lines()
            lines.append(
                f"listed = expect(response, {b.status}, {consts.schema(b.operation, _primary(b.operation))})"
            )
            wrapper = _wrapper(b)
            lines.append(f"item_id = only_item(listed, {wrapper!r})[{id_name!r}]")
        if create.answer == "item" and expected:
            lines.append(f"assert_contains(created, {_lit(expected)})")
        reads = by_kind.get("read", [])

        def read_back(fields: dict[str, Any], label: str) -> None:
            if reads:
                rb = reads[0]
                info = self.infos[id(rb.operation)]
                lines.append("# " + comment_text(f"read: {rb.operation.wire_id} ({label})"))
                lines.extend(
                    Call(
                        info.valid, _path_source(rb.operation, info.valid.path, rb.id_param)
                    ).lines()
                )
                lines.append(
                    f"found = expect(response, {rb.status}, {consts.schema(rb.operation, _primary(rb.operation))})"
                )
                if id_name in read_props:
                    lines.append(f"assert_same(found[{id_name!r}], item_id)")
                if fields:
                    lines.append(f"assert_contains(found, {_lit(fields)})")
            for lb in lists:
                info = self.infos[id(lb.operation)]
                req = self._list_request(lb, info.valid, fields)
                if req is None:
                    continue
                lines.append("# " + comment_text(f"list: {lb.operation.wire_id} ({label})"))
                lines.extend(Call(req, _lit(req.path)).lines())
                lines.append(
                    f"listed = expect(response, {lb.status}, {consts.schema(lb.operation, _primary(lb.operation))})"
                )
                wrapper = _wrapper(lb)
                lines.append(f"listed_item = find_item(listed, {wrapper!r}, {id_name!r}, item_id)")
                if fields:
                    lines.append(f"assert_contains(listed_item, {_lit(fields)})")

        read_back(expected, "it is there")
        if reads:
            steps.append("read")
        if lists:
            steps.append("list")
        current = dict(expected)
        for ub in by_kind.get("update", []):
            info = self.infos[id(ub.operation)]
            update = self._update_request(
                resource, ub, info.valid, request.json if request.has_json else None
            )
            if update is None:
                continue
            req, changed = update
            lines.append(
                "# " + comment_text(f"update: {ub.operation.wire_id} (the change is there)")
            )
            call = Call(
                req,
                _path_source(ub.operation, req.path, ub.id_param),
                body_var="body" if req.has_json else None,
            )
            lines += call.body_lines()
            if ub.id_param is None:
                lines.append(f"body[{id_name!r}] = item_id")
            lines += call.lines()
            lines.append(
                f"updated = expect(response, {ub.status}, {consts.schema(ub.operation, _primary(ub.operation))})"
            )
            fields = {
                k: v
                for k, v in changed.items()
                if k in read_props and k != id_name and v is not None
            }
            if ub.answer == "item" and fields:
                lines.append(f"assert_contains(updated, {_lit(fields)})")
            if ub.partial:
                current.update(fields)
            else:
                current = fields
            read_back(fields, "the change is there")
            steps.append("update")
        deletes = by_kind.get("delete", [])
        if deletes:
            db = deletes[0]
            info = self.infos[id(db.operation)]
            lines.append("# " + comment_text(f"delete: {db.operation.wire_id}"))
            path = _path_source(db.operation, info.valid.path, db.id_param)
            call = Call(info.valid, path, body_var="body" if info.valid.has_json else None)
            lines += call.body_lines() + call.lines()
            lines.append(
                f"expect(response, {db.status}, {consts.schema(db.operation, _primary(db.operation))})"
            )
            steps.append("delete")
            gone = reads[0] if reads else (deletes[0] if deletes else None)
            if gone is not None:
                ginfo = self.infos[id(gone.operation)]
                lines.append("# " + comment_text(f"then 404: {gone.operation.wire_id}"))
                call = Call(
                    ginfo.valid,
                    _path_source(gone.operation, ginfo.valid.path, gone.id_param),
                    body_var="body" if ginfo.valid.has_json else None,
                )
                lines += call.body_lines() + call.lines()
                declared = _declared(gone.operation, gone.not_found_status)
                error = consts.schema(gone.operation, declared)
                lines.append(
                    f"expect(response, {gone.not_found_status}, {error}{_media_types(declared)})"
                )
                steps.append(str(gone.not_found_status))
        generated = (
            f"generated: {resource.id_generated.split(':')[0]}"
            if resource.id_generated
            else "sent by clients"
        )
        doc = (
            f"Resource {resource.schema.component or resource.name} (table {resource.name!r}, "
            f"id {id_name!r}, {generated}): {', '.join(steps)}."
        )
        return TestDef(f"test_{naming.snake(resource.name)}__crud_round_trip", doc, lines)

    def _list_request(
        self, b: Binding, valid: RequestSpec, fields: dict[str, Any]
    ) -> RequestSpec | None:
        """The list request; a required filter is set to the item's value (None: it cannot be)."""
        req = valid
        for p, column in b.filters:
            if not _applies_by_default(p):
                continue
            value = fields.get(column.name)
            if value is None:
                return None
            if isinstance(value, list):
                values = [v.get("name") if isinstance(v, dict) else v for v in value]
                req = copy.deepcopy(req)
                req.query = [(k, v) for k, v in req.query if k != p.name]
                req.query += [(p.name, _scalar_text(v)) for v in values]
            else:
                req = _set_param(b.operation, req, p, _scalar_text(value))
        return req

    def _update_request(
        self, resource: Resource, b: Binding, valid: RequestSpec, created: Any
    ) -> tuple[RequestSpec, dict[str, Any]] | None:
        """The update request: the create body's values where they fit, one field changed."""
        op = b.operation
        mt = _json_media(op.request_body.contents) if op.request_body else None
        if (
            mt is None
            or mt.schema is None
            or not valid.has_json
            or not isinstance(valid.json, dict)
        ):
            return None
        schema = mt.schema
        id_name = resource.id_column.name
        body = dict(valid.json)
        created = created if isinstance(created, dict) else {}
        props = _flat_properties(schema)
        for name, value in created.items():
            if name in props and name != id_name:
                candidate = {**body, name: value}
                if conforms(candidate, schema):
                    body = candidate
        read_props = _flat_properties(resource.schema)
        ordered = sorted(
            props,
            key=lambda n: (
                n not in read_props,
                n not in body,
                _types(props[n].schema)
                not in (("string",), ("integer",), ("number",), ("boolean",)),
            ),
        )
        changed_name = None
        for name in ordered:
            prop = props[name]
            if (
                name == id_name
                or prop.schema.target().annotations.get("readOnly")
                or prop.schema.annotations.get("readOnly")
            ):
                continue
            current = body.get(name, created.get(name))
            for value in _alternatives(prop.schema, current):
                candidate = {**body, name: value}
                if conforms(candidate, schema):
                    body = candidate
                    changed_name = name
                    break
            if changed_name is not None:
                break
        if changed_name is None:
            return None
        req = copy.deepcopy(valid)
        req.json = body
        return req, body


# ======================================================================================
# The step
# ======================================================================================


_CANNOT = (
    SynthesisError,
    RecursionError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
)


def _module_for(
    modules: dict[str, TestModule], scope: naming.NameScope, tag: str, schemas: JsonSchemas
) -> TestModule:
    if tag not in modules:
        name = scope.claim(f"test_{naming.module_name(tag)}")
        modules[tag] = TestModule(
            path=f"tests/{name}.py",
            what="Tests of the operations of one tag.",
            tag=tag,
            constants=Constants(schemas),
        )
    return modules[tag]


def generate(ctx: StepContext) -> list[OutputFile]:
    builder = SuiteBuilder(ctx)
    scope = naming.NameScope(reserved=frozenset({"conftest", _SUPPORT}))
    round_trip_module_name = scope.claim("test_crud_round_trips")
    document_module_name = scope.claim("test_openapi_document")
    modules: dict[str, TestModule] = {}
    for tag, ops in ctx.api.operations_by_tag().items():
        module = _module_for(modules, scope, tag, builder.schemas)
        for op in ops:
            try:
                module.tests.extend(builder.operation_tests(op, module))
            except _CANNOT as exc:  # never fail the generation: say what is not tested
                module.notes.append(
                    f"{op.wire_id}: no tests could be generated ({type(exc).__name__}: {exc})"
                )
    round_trips = TestModule(
        path=f"tests/{round_trip_module_name}.py",
        what="CRUD round trips: create, read, list, update, delete, then 404, per resource.",
        constants=Constants(builder.schemas),
    )
    for resource in ctx.plan.resources:
        assert round_trips.constants is not None
        try:
            test = builder.round_trip(resource, round_trips.constants, round_trips)
        except _CANNOT as exc:
            round_trips.notes.append(
                f"{resource.name}: no round trip could be generated ({type(exc).__name__}: {exc})"
            )
            continue
        if test is not None:
            round_trips.tests.append(test)
    files: list[OutputFile] = []
    for module in [*modules.values(), round_trips]:
        if not module.tests and not module.notes:
            continue
        assert module.constants is not None
        used = _used_names(module)
        if module.constants.uses_defs:
            used.add("DEFS")
        files.append(
            ctx.render(
                "tests/module.py.j2",
                module.path,
                header=ctx.header(module.what),
                tag=module.tag,
                imports=sorted(used),
                constants=list(module.constants.items.items()),
                tests=module.tests,
                notes=[_comment(n) for n in module.notes],
            )
        )
    files.append(
        ctx.render(
            "tests/test_openapi_document.py.j2",
            f"tests/{document_module_name}.py",
            header=ctx.header("The service serves its source document."),
        )
    )
    creators = list(builder.creators.values())
    files.append(
        ctx.render(
            "tests/api_support.py.j2",
            f"tests/{_SUPPORT}.py",
            header=ctx.header(
                "What the generated tests share: sending requests, checking answers, creating items."
            ),
            constants=list(builder.support_constants.items.items()),
            creators=creators,
            defs=_lit(builder.schemas.defs()) if builder.schemas.shared else None,
        )
    )
    files.append(
        ctx.render(
            "tests/conftest.py.j2",
            "tests/conftest.py",
            header=ctx.header(
                "Fixtures: the app with a temporary SQLite database and one accepted credential per scheme."
            ),
            env=[(_lit(k), _lit(v)) for k, v in sorted(builder.env().items())],
            problems=[_comment(p) for p in builder.problems],
        )
    )
    files.append(
        ctx.render(
            "tests/requirements.txt.j2",
            "tests/requirements.txt",
            spec_name=ctx.spec_name,
            version=_version(),
        )
    )
    return files


def _version() -> str:
    from specfirst import __version__

    return __version__


_SUPPORT_NAMES = (
    "send",
    "expect",
    "skip_if_not_implemented",
    "expect_answer",
    "path_value",
    "only_item",
    "find_item",
    "assert_contains",
    "assert_same",
    "FASTAPI_422",
)


def _used_names(module: TestModule) -> set[str]:
    text = "\n".join(line for t in module.tests for line in t.lines)
    names = {n for n in _SUPPORT_NAMES if re.search(rf"\b{n}\b", text)}
    names |= {
        n for n in module.support_names if n.startswith("create_") and re.search(rf"\b{n}\b", text)
    }
    return names


def _wrapper(b: Binding) -> str | list[str] | None:
    """Where a list answer holds its items: None (a bare array), a property, or a path of them."""
    if not b.list_path:
        return None
    return b.list_path[0] if len(b.list_path) == 1 else list(b.list_path)
