"""Generated services answer valid requests: 501 until implemented, never another 5xx.

For each document, the service is generated into a temporary directory and started with
uvicorn on a free local port in a subprocess of its own (every generated service is a
package named ``app``). One request synthesized by :mod:`specfirst.synth` goes to every
operation with credentials, and once more without them when the operation requires
security. The unit tests at the end check the synthesized values themselves against the
spec's schemas with ``jsonschema``.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import pytest
from conftest import FOUNDATION_DOCUMENTS
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from specfirst.ir import Api, Operation, Response, Schema
from specfirst.pipeline import generate, load_api
from specfirst.synth import (
    RequestSpec,
    SynthesisError,
    conforms,
    credentials_for,
    env_var_for_scheme,
    example_value,
    valid_request,
)

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("SPECFIRST_CORPUS", REPO.parent / "shared" / "corpus" / "public"))
# Set to fail (instead of warn) when a valid request is refused with a 4xx.
STRICT = os.environ.get("SPECFIRST_STRICT_REQUESTS", "") not in ("", "0")
RUN_TIMEOUT = 60

CORPUS_DOCUMENTS = list(FOUNDATION_DOCUMENTS)

# Runs inside the generated service's directory: serves the app with uvicorn on a free
# port and sends the planned requests over real HTTP with httpx.
RUNNER = textwrap.dedent(
    """
    import json, socket, sys, threading, time
    from pathlib import Path

    import httpx
    import uvicorn

    from specfirst.synth import RequestSpec

    from app.core import security
    from app.core.config import Settings
    from app.main import create_app

    plan = json.loads(Path(sys.argv[1]).read_text())
    app = create_app(settings=Settings.from_env(plan["env"]))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="critical", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sys.exit("uvicorn did not start")
        time.sleep(0.01)
    results = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15) as client:
        for request in plan["requests"]:
            kwargs = RequestSpec.from_json(request).httpx_kwargs()
            try:
                response = client.request(**kwargs)
            except httpx.HTTPError as exc:
                results.append({"status": None, "body": repr(exc)})
                continue
            results.append({"status": response.status_code, "body": response.text})
    server.should_exit = True
    thread.join(10)
    Path(sys.argv[2]).write_text(json.dumps({"env_vars": security.ENV_VARS, "results": results}))
    """
)


# -- helpers ------------------------------------------------------------------------------


def spec_path(name: str) -> Path:
    if name == "openapi3_1":
        return REPO / "openapi3_1.yml"
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (set SPECFIRST_CORPUS)")
    for suffix in (".yml", ".yaml", ".json"):
        candidate = CORPUS / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    pytest.skip(f"{name} is not in the corpus at {CORPUS}")


def json_schema_document(document: dict[str, Any], version: tuple[int, int]) -> dict[str, Any]:
    """The document with OpenAPI 3.0 schema dialect turned into JSON Schema 2020-12."""
    doc = copy.deepcopy(document)
    if version[:2] != (3, 0):
        return doc

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: convert(value) for key, value in node.items()}
        for flag, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            # 3.0's boolean exclusiveMinimum/-Maximum turn their limit exclusive
            if isinstance(node.get(flag), bool) and node.pop(flag) and limit in node:
                node[flag] = node.pop(limit)
        if node.get("nullable") is True:
            del node["nullable"]
            if isinstance(node.get("type"), str):
                node["type"] = [node["type"], "null"]
                if isinstance(node.get("enum"), list) and None not in node["enum"]:
                    node["enum"] = [*node["enum"], None]
            elif "type" not in node:
                node = {"anyOf": [{"type": "null"}, node]}
        return node

    return convert(doc)


class SpecSchemas:
    """Validates instances against the spec's schemas (by JSON pointer) with jsonschema."""

    BASE = "urn:specfirst:document"

    def __init__(self, api: Api, *, formats: bool = False) -> None:
        doc = json_schema_document(api.document, api.openapi_version)
        resource = Resource(contents=doc, specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(self.BASE, resource)
        self.format_checker = FormatChecker() if formats else None

    def errors(self, instance: Any, schema: Schema) -> list[str]:
        ref = f"{self.BASE}#{quote(schema.pointer, safe='/~')}"
        validator = Draft202012Validator(
            {"$ref": ref}, registry=self.registry, format_checker=self.format_checker
        )
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}"
            for e in validator.iter_errors(instance)
        ]


def describe(op: Operation) -> str:
    return f"{op.method.upper()} {op.path} ({op.wire_id})"


def json_schema_of(response: Response | None) -> Schema | None:
    if response is None:
        return None
    media = next((mt for mt in response.contents if mt.is_json), None)
    return media.schema if media is not None else None


def declared_response(op: Operation, keys: tuple[str, ...]) -> Response | None:
    by_status = {r.status: r for r in op.responses}
    return next((by_status[k] for k in keys if k in by_status), None)


def error_schema(op: Operation, status: int) -> Schema | None:
    """The JSON schema the operation declares for an error status, if it declares one.

    The exact status, its range, then ``default``; for a 501 (not implemented yet) the
    operation's 500 response also counts, as the declared shape of server errors.
    """
    code = str(status)
    keys = (code, f"{code[0]}XX", "default", *(("500",) if status == 501 else ()))
    return json_schema_of(declared_response(op, keys))


def requires_security(op: Operation) -> bool:
    """Security that cannot be skipped: no requirement object is the anonymous ``{}``."""
    return bool(op.effective_security) and all(op.effective_security)


def refusal_statuses(op: Operation) -> set[int]:
    """What a request without credentials must get: the declared 401/403, 401 by default."""
    declared = {int(r.status) for r in op.responses if r.status in ("401", "403")}
    return declared or {401}


def body_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def summarize(document: str, failures: list[str], detailed: int = 12) -> str:
    """The first failures in full (request and response), the rest one line each."""
    lines = [f"{len(failures)} problem(s) in {document}:"]
    lines += failures[:detailed]
    lines += [failure.splitlines()[0] for failure in failures[detailed:]]
    return "\n".join(lines)


@dataclass
class Case:
    op: Operation
    request: RequestSpec
    kind: str  # "required": required parameters only; "optional": all; "anonymous": no credentials

    @property
    def anonymous(self) -> bool:
        return self.kind == "anonymous"

    def where(self) -> str:
        suffix = {"optional": " with optional parameters", "anonymous": " without credentials"}
        return describe(self.op) + suffix.get(self.kind, "")

    def show(self) -> str:
        data = self.request.to_json()
        compact = {k: v for k, v in data.items() if v not in (None, [], {})}
        return json.dumps(compact, ensure_ascii=False)[:600]


def plan_cases(api: Api) -> tuple[list[Case], dict[str, str], list[str]]:
    cases: list[Case] = []
    env: dict[str, str] = {}
    problems: list[str] = []
    for op in api.operations:
        try:
            request = valid_request(op, api)
            op_env, headers, query, cookies = credentials_for(op, api)
        except SynthesisError as exc:
            problems.append(f"{describe(op)}: cannot synthesize a request: {exc}")
            continue
        env.update(op_env)
        cases.append(Case(op, request, "required"))
        if any(not p.required for p in op.parameters):
            try:
                cases.append(Case(op, valid_request(op, api, include_optional=True), "optional"))
            except SynthesisError as exc:
                problems.append(f"{describe(op)}: cannot synthesize optional parameters: {exc}")
        if requires_security(op):
            bare = request.without_credentials(headers, query, cookies)
            cases.append(Case(op, bare, "anonymous"))
    return cases, env, problems


def run_service(service: Path, cases: list[Case], env: dict[str, str], tmp: Path) -> dict[str, Any]:
    plan = tmp / "plan.json"
    out = tmp / "results.json"
    plan.write_text(json.dumps({"env": env, "requests": [c.request.to_json() for c in cases]}))
    child_env = {k: v for k, v in os.environ.items() if not k.endswith("_KEYS")}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(plan), str(out)],
        check=False,
        cwd=service,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    if proc.returncode != 0 or not out.exists():
        pytest.fail(
            f"service run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-4000:]}"
        )
    return json.loads(out.read_text())


def judge(
    case: Case, status: int | None, body: str, schemas: SpecSchemas
) -> tuple[str | None, str | None]:
    """``(failure, refusal)`` for one answer; a refusal is a valid request answered with 4xx."""
    detail = f"\n    request: {case.show()}\n    response: {status} {body[:600]}"
    if status is None:
        return f"{case.where()}: no response{detail}", None
    if case.anonymous:
        expected = refusal_statuses(case.op)
        if status not in expected:
            return f"{case.where()}: expected {sorted(expected)}, got {status}{detail}", None
    elif status >= 500 and status != 501:
        return f"{case.where()}: server error {status}{detail}", None
    refusal = None
    if not case.anonymous and 400 <= status < 500:
        refusal = f"{case.where()}: valid request refused with {status}{detail}"
    if status >= 400 and (schema := error_schema(case.op, status)) is not None:
        problems = schemas.errors(body_json(body), schema)
        if problems:
            message = f"{status} body does not match {schema.pointer}: {problems[:3]}"
            return f"{case.where()}: {message}{detail}", refusal
    return None, refusal


# -- the end-to-end check ---------------------------------------------------------------


@pytest.mark.parametrize("document", ["openapi3_1", *CORPUS_DOCUMENTS])
def test_every_operation_answers_a_valid_request(document: str, tmp_path: Path) -> None:
    path = spec_path(document)
    api = load_api(path)
    service = tmp_path / "service"
    generate(path, service)
    cases, env, failures = plan_cases(api)
    outcome = run_service(service, cases, env, tmp_path)

    app_vars: dict[str, str] = outcome["env_vars"]
    for scheme in api.security_schemes:
        if scheme in app_vars and app_vars[scheme] != env_var_for_scheme(scheme):
            failures.append(
                f"scheme {scheme!r}: the app reads {app_vars[scheme]}, "
                f"expected {env_var_for_scheme(scheme)}"
            )

    schemas = SpecSchemas(api)
    refused: list[str] = []
    for case, result in zip(cases, outcome["results"], strict=True):
        problem, refusal = judge(case, result["status"], result["body"], schemas)
        if problem is not None:
            failures.append(problem)
        if refusal is not None:
            refused.append(refusal)
    if refused:
        if STRICT:
            failures.extend(refused)
        else:
            warnings.warn("\n".join(refused), stacklevel=1)
    assert not failures, summarize(document, failures)


# -- unit tests for synth -----------------------------------------------------------------

TRICKY_31 = """
openapi: 3.1.0
info: {title: tricky, version: "1"}
paths: {}
components:
  schemas:
    Code:
      type: string
      pattern: '^[A-Z]{3}-\\d{4}$'
    Slug:
      type: string
      pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$'
      minLength: 12
      maxLength: 20
    Animal:
      type: string
      pattern: '^(cat|dog|bird)s?$'
    Fraction:
      type: number
      exclusiveMinimum: 0
      exclusiveMaximum: 1
      multipleOf: 0.01
    Sevens:
      type: integer
      minimum: 10
      maximum: 20
      multipleOf: 7
    Negative:
      type: integer
      exclusiveMaximum: -3
    MaybeName:
      type: [string, "null"]
      minLength: 3
    OnlyNull:
      type: "null"
    Pet:
      oneOf:
        - $ref: '#/components/schemas/Cat'
        - $ref: '#/components/schemas/Dog'
      discriminator:
        propertyName: kind
        mapping:
          kitty: '#/components/schemas/Cat'
          doggo: '#/components/schemas/Dog'
    PetBase:
      type: object
      required: [kind, name]
      properties:
        kind: {type: string}
        name: {type: string, minLength: 2}
    Cat:
      allOf:
        - $ref: '#/components/schemas/PetBase'
        - type: object
          required: [lives]
          properties:
            lives: {type: integer, minimum: 1, maximum: 9}
    Dog:
      allOf:
        - $ref: '#/components/schemas/PetBase'
        - type: object
          required: [barks]
          properties:
            barks: {type: boolean}
    Creature:
      type: object
      required: [species]
      properties: {species: {type: string}}
      discriminator: {propertyName: species}
    Lion:
      allOf:
        - $ref: '#/components/schemas/Creature'
        - type: object
          properties: {mane: {type: boolean}}
    Shape:
      oneOf:
        - type: object
          required: [radius]
          properties: {radius: {type: number, minimum: 1}}
          additionalProperties: false
        - type: object
          required: [side]
          properties: {side: {type: number}}
          additionalProperties: false
    Merged:
      allOf:
        - type: object
          required: [count]
          properties: {count: {type: integer, minimum: 5}}
        - type: object
          required: [contact]
          properties: {contact: {type: string, format: email}}
        - type: object
          properties: {count: {type: integer, maximum: 6, multipleOf: 3}}
    Node:
      type: object
      required: [name, children]
      properties:
        name: {type: string}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
        parent: {$ref: '#/components/schemas/Node'}
    LinkedList:
      type: object
      required: [value, next]
      properties:
        value: {type: integer}
        next:
          oneOf:
            - $ref: '#/components/schemas/LinkedList'
            - type: "null"
    Formats:
      type: object
      required: [at, day, id, mail, home, v4, v6, host, blob, small, big]
      properties:
        at: {type: string, format: date-time}
        day: {type: string, format: date}
        id: {type: string, format: uuid}
        mail: {type: string, format: email}
        home: {type: string, format: uri}
        v4: {type: string, format: ipv4}
        v6: {type: string, format: ipv6}
        host: {type: string, format: hostname}
        blob: {type: string, format: byte}
        small: {type: integer, format: int32, minimum: 2147483640}
        big: {type: integer, format: int64}
    Letters:
      type: array
      minItems: 3
      uniqueItems: true
      items: {type: string, enum: [a, b, c, d]}
    UniqueCodes:
      type: array
      minItems: 4
      uniqueItems: true
      items: {$ref: '#/components/schemas/Code'}
    Bag:
      type: object
      minProperties: 2
      additionalProperties: {type: integer, minimum: 3}
    Closed:
      type: object
      required: [a]
      properties: {a: {const: 42}}
      additionalProperties: false
    WithExample:
      type: object
      required: [size]
      properties: {size: {type: integer, maximum: 10}}
      example: {size: 7}
    BadExample:
      type: object
      required: [size]
      properties: {size: {type: integer, maximum: 10}}
      examples: [{size: 70}]
      default: {size: 3}
    Impossible:
      type: string
      minLength: 5
      maxLength: 3
    LookaheadOnly:
      type: string
      pattern: '^(?=.*[0-9])[a-z]+$'
"""

TRICKY_30 = """
openapi: 3.0.3
info: {title: tricky 3.0, version: "1"}
paths: {}
components:
  schemas:
    Price:
      type: number
      minimum: 0
      exclusiveMinimum: true
      maximum: 0.5
      exclusiveMaximum: true
    Note:
      type: string
      nullable: true
      maxLength: 4
    Wrapped:
      nullable: true
      allOf:
        - $ref: '#/components/schemas/Price'
    Status:
      type: string
      enum: [up, down]
      example: sideways
"""


def _load(tmp_path: Path, text: str, name: str = "spec.yaml") -> Api:
    path = tmp_path / name
    path.write_text(text)
    return load_api(path)


VALID_31 = [
    "Code",
    "Slug",
    "Animal",
    "Fraction",
    "Sevens",
    "Negative",
    "MaybeName",
    "OnlyNull",
    "Pet",
    "Cat",
    "Dog",
    "Lion",
    "Shape",
    "Merged",
    "Node",
    "LinkedList",
    "Formats",
    "Letters",
    "UniqueCodes",
    "Bag",
    "Closed",
    "WithExample",
    "BadExample",
]


@pytest.mark.parametrize("name", VALID_31)
def test_example_value_validates_with_jsonschema(name: str, tmp_path: Path) -> None:
    api = _load(tmp_path, TRICKY_31)
    schema = api.components[name]
    value = example_value(schema)
    assert SpecSchemas(api, formats=True).errors(value, schema) == []
    assert conforms(value, schema)
    assert example_value(schema) == value  # deterministic


@pytest.mark.parametrize("name", ["Price", "Note", "Wrapped", "Status"])
def test_example_value_validates_openapi_30(name: str, tmp_path: Path) -> None:
    api = _load(tmp_path, TRICKY_30)
    schema = api.components[name]
    value = example_value(schema)
    assert SpecSchemas(api, formats=True).errors(value, schema) == []


def test_example_value_specifics(tmp_path: Path) -> None:
    api = _load(tmp_path, TRICKY_31)
    value = {name: example_value(api.components[name]) for name in VALID_31}
    assert value["Sevens"] == 14
    assert value["Negative"] < -3
    assert 0 < value["Fraction"] < 1
    assert value["MaybeName"] is not None  # null only when nothing else is possible
    assert value["OnlyNull"] is None
    assert value["Pet"]["kind"] == "kitty"  # the first member, by its mapping key
    assert value["Lion"]["species"] == "Lion"  # the base's discriminator names the child
    assert value["Merged"]["count"] == 6
    assert value["Node"]["children"] == []  # recursion ends at the empty array
    assert "parent" not in value["Node"]  # optional properties only when needed
    assert value["LinkedList"]["next"] is None
    assert len(set(value["Letters"])) == 3
    assert len(set(value["UniqueCodes"])) == 4
    assert value["WithExample"] == {"size": 7}  # the spec's example, when valid
    assert value["BadExample"] == {"size": 3}  # invalid example skipped, default taken
    assert value["Closed"] == {"a": 42}


@pytest.mark.parametrize("name", ["Impossible", "LookaheadOnly"])
def test_example_value_without_a_way_raises(name: str, tmp_path: Path) -> None:
    api = _load(tmp_path, TRICKY_31)
    with pytest.raises(SynthesisError):
        example_value(api.components[name])


def test_invalid_spec_example_is_not_used(tmp_path: Path) -> None:
    api = _load(tmp_path, TRICKY_30)
    assert example_value(api.components["Status"]) == "up"


REQUESTS = """
openapi: 3.1.0
info: {title: requests, version: "1"}
security:
  - fooBar: []
paths:
  /items/{itemId}/{kind}:
    post:
      operationId: makeItem
      parameters:
        - {name: itemId, in: path, required: true, schema: {type: string}, example: "a b/c"}
        - {name: kind, in: path, required: true, schema: {type: integer, minimum: 3}}
        - name: tags
          in: query
          required: true
          schema: {type: array, minItems: 2, items: {type: string, enum: [x, y, z]}, uniqueItems: true}
        - name: ids
          in: query
          required: true
          explode: false
          schema: {type: array, items: {type: integer}, minItems: 2}
        - {name: X-Trace, in: header, required: true, schema: {type: string, format: uuid}}
        - {name: session, in: cookie, required: true, schema: {type: string, pattern: '^s-[0-9]{3}$'}}
        - {name: verbose, in: query, schema: {type: boolean}}
      requestBody:
        required: true
        content:
          application/xml: {schema: {type: string}}
          application/json:
            schema:
              type: object
              required: [name]
              properties: {name: {type: string, minLength: 2}}
      responses:
        "200": {description: ok}
  /forms:
    post:
      security:
        - basicAuth: []
          keyInQuery: []
        - {}
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [count, names]
              properties:
                count: {type: integer}
                names: {type: array, items: {type: string}}
      responses:
        "200": {description: ok}
  /raw:
    put:
      security:
        - keyInCookie: []
          oauth: [read]
      requestBody:
        required: true
        content:
          text/plain: {schema: {type: string, minLength: 3}}
      responses:
        "204": {description: done}
  /open:
    get:
      security: []
      responses:
        "200": {description: ok}
components:
  securitySchemes:
    fooBar: {type: http, scheme: bearer}
    basicAuth: {type: http, scheme: basic}
    keyInQuery: {type: apiKey, in: query, name: key}
    keyInCookie: {type: apiKey, in: cookie, name: sid}
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: "https://example.com/token", scopes: {read: read}}
"""


def _operation(api: Api, path: str) -> Operation:
    return next(op for op in api.operations if op.path == path)


def test_valid_request_fills_parameters_and_body(tmp_path: Path) -> None:
    api = _load(tmp_path, REQUESTS)
    request = valid_request(_operation(api, "/items/{itemId}/{kind}"), api)
    assert request.method == "POST"
    item, kind = request.path.split("/")[2:]
    assert unquote(item) == "a b/c" and "/" not in item and " " not in item
    assert int(kind) >= 3
    tags = [v for k, v in request.query if k == "tags"]
    assert len(tags) == 2 and len(set(tags)) == 2  # arrays: one key per item
    [ids] = [v for k, v in request.query if k == "ids"]
    assert len(ids.split(",")) == 2  # explode: false joins with commas
    assert not any(k == "verbose" for k, _ in request.query)  # optional: left out
    assert len(request.headers["X-Trace"]) == 36
    assert request.cookies["session"].startswith("s-")
    assert request.json["name"] and len(request.json["name"]) >= 2
    assert request.content_type == "application/json"
    assert request.headers["Authorization"] == "Bearer test-foobar-secret"
    kwargs = request.httpx_kwargs()
    assert json.loads(kwargs["content"]) == request.json
    assert kwargs["headers"]["Cookie"].startswith("session=s-")


def test_valid_request_form_and_raw_bodies(tmp_path: Path) -> None:
    api = _load(tmp_path, REQUESTS)
    form = valid_request(_operation(api, "/forms"), api)
    assert form.form is not None and set(form.form) == {"count", "names"}
    assert isinstance(form.form["names"], list)
    assert form.content_type == "application/x-www-form-urlencoded"
    raw = valid_request(_operation(api, "/raw"), api)
    assert raw.content_type == "text/plain"
    assert raw.content is not None and len(raw.content) >= 3
    round_trip = RequestSpec.from_json(json.loads(json.dumps(raw.to_json())))
    assert round_trip == raw


def test_credentials_for_each_scheme_kind(tmp_path: Path) -> None:
    api = _load(tmp_path, REQUESTS)
    env, headers, query, cookies = credentials_for(_operation(api, "/items/{itemId}/{kind}"), api)
    assert env == {"FOO_BAR_KEYS": "test-foobar-secret"}
    assert headers == {"Authorization": "Bearer test-foobar-secret"}

    env, headers, query, cookies = credentials_for(_operation(api, "/forms"), api)
    user_password = env["BASIC_AUTH_KEYS"]
    assert ":" in user_password
    scheme, encoded = headers["Authorization"].split(" ")
    assert scheme == "Basic" and base64.b64decode(encoded).decode() == user_password
    assert query == {"key": env["KEY_IN_QUERY_KEYS"]}

    env, headers, query, cookies = credentials_for(_operation(api, "/raw"), api)
    assert cookies == {"sid": env["KEY_IN_COOKIE_KEYS"]}
    assert headers == {"Authorization": f"Bearer {env['OAUTH_KEYS']}"}

    assert credentials_for(_operation(api, "/open"), api) == ({}, {}, {}, {})


def test_request_without_credentials(tmp_path: Path) -> None:
    api = _load(tmp_path, REQUESTS)
    op = _operation(api, "/forms")
    request = valid_request(op, api)
    _, headers, query, cookies = credentials_for(op, api)
    bare = request.without_credentials(headers, query, cookies)
    assert "Authorization" not in bare.headers
    assert all(k != "key" for k, _ in bare.query)
    assert bare.form == request.form
    assert dict(parse_qsl("&".join(f"{k}={v}" for k, v in request.query)))["key"]


@pytest.mark.parametrize(
    ("scheme", "variable"),
    [
        ("fooBar", "FOO_BAR_KEYS"),
        ("api_key", "API_KEY_KEYS"),
        ("xInternalAuthRequired", "X_INTERNAL_AUTH_REQUIRED_KEYS"),
        ("oauth_2_0", "OAUTH_2_0_KEYS"),
        ("app2AppOauth", "APP2_APP_OAUTH_KEYS"),
        ("petstore-auth", "PETSTORE_AUTH_KEYS"),
    ],
)
def test_env_var_for_scheme(scheme: str, variable: str) -> None:
    assert env_var_for_scheme(scheme) == variable


def test_corpus_schemas_synthesize(tmp_path: Path) -> None:
    """Every component schema of the corpus documents gets a value jsonschema accepts."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    failures: list[str] = []
    for name in ["openapi3_1", *CORPUS_DOCUMENTS]:
        try:
            path = spec_path(name)
        except pytest.skip.Exception:
            continue
        api = load_api(path)
        schemas = SpecSchemas(api)
        for component, schema in api.components.items():
            try:
                value = example_value(schema)
            except SynthesisError as exc:
                failures.append(f"{name} {component}: {exc}")
                continue
            problems = schemas.errors(value, schema)
            if problems:
                failures.append(f"{name} {component}: {value!r:.200}: {problems[:2]}")
    assert not failures, "\n".join(failures)
