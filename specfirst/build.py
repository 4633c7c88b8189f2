"""Build the intermediate model (:mod:`specfirst.ir`) from a loaded document, once.

Every ``$ref`` is resolved here, each target exactly once (schemas are memoized by
pointer, so recursion becomes a cycle). Problems are collected with their location and
raised together as one :class:`~specfirst.errors.SpecError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from specfirst import naming
from specfirst.errors import Problem, SpecError
from specfirst.ir import (
    ANNOTATION_KEYS,
    CONSTRAINT_KEYS,
    EVALUABLE_SUBSCHEMA_KEYS,
    EVALUATED_KEYS,
    NO_VALUE,
    UNSUPPORTED_SCHEMA_KEYS,
    Api,
    Discriminator,
    MediaType,
    OAuthFlow,
    Operation,
    Parameter,
    Property,
    RequestBody,
    Response,
    Schema,
    SecurityRequirement,
    SecurityScheme,
)
from specfirst.loader import LoadedSpec, pointer_join

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Every keyword the model reads (or knows it cannot express). Any other key of a schema object
# is an annotation JSON Schema ignores for validation (an unknown keyword, e.g. one a framework
# writes for its own tools): it is carried like an ``x-`` extension, so it is published as written.
_KNOWN_SCHEMA_KEYS = frozenset(
    (
        "$ref",
        "$schema",
        "$id",
        "$anchor",
        "$dynamicRef",
        "$dynamicAnchor",
        "$vocabulary",
        "$defs",
        "definitions",
        "type",
        "nullable",
        "enum",
        "const",
        "format",
        "default",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "allOf",
        "oneOf",
        "anyOf",
        "discriminator",
        "minContains",
        "maxContains",
        "contentSchema",
        *CONSTRAINT_KEYS,
        *ANNOTATION_KEYS,
        *UNSUPPORTED_SCHEMA_KEYS,
        *EVALUATED_KEYS,
    )
)


def evaluable_subschema(node: Any) -> bool:
    """A subschema the generated service can evaluate and publish as written: no ``$ref``,
    only keywords its evaluator knows (OpenAPI 3.1 forms: no ``nullable``, numeric bounds)."""
    if isinstance(node, bool):
        return True
    if not isinstance(node, dict):
        return False
    for key, value in node.items():
        if key.startswith("x-") or key in ANNOTATION_KEYS or key == "default":
            continue
        if key not in EVALUABLE_SUBSCHEMA_KEYS:
            return False
        if key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            return False
        if key in ("not", "items", "additionalProperties") and not evaluable_subschema(value):
            return False
        if key in ("allOf", "anyOf", "oneOf") and not (
            isinstance(value, list) and all(evaluable_subschema(v) for v in value)
        ):
            return False
        if key in ("properties", "patternProperties") and not (
            isinstance(value, dict) and all(evaluable_subschema(v) for v in value.values())
        ):
            return False
        if key == "dependentRequired" and not evaluable_keyword(key, value):
            return False
        if key == "pattern" and not _compiles(value):
            return False
    return True


def evaluable_keyword(key: str, value: Any) -> bool:
    """Whether the service can evaluate ``key: value`` (see ``EVALUATED_KEYS``)."""
    if key == "dependentRequired":
        return isinstance(value, dict) and all(
            isinstance(v, list) and all(isinstance(n, str) for n in v) for v in value.values()
        )
    if key == "patternProperties":
        return (
            isinstance(value, dict)
            and all(_compiles(p) for p in value)
            and all(evaluable_subschema(v) for v in value.values())
        )
    return evaluable_subschema(value)


def _compiles(pattern: Any) -> bool:
    try:
        re.compile(pattern)
    except (re.error, TypeError):
        return False
    return True


def _ref_pointer(ref: str) -> str:
    return ref.removeprefix("#")


class _Builder:
    def __init__(self, spec: LoadedSpec) -> None:
        self.spec = spec
        self.doc = spec.document
        self.v30 = spec.version[:2] == (3, 0)
        self.problems: list[Problem] = []
        self.schemas: dict[str, Schema] = {}  # by pointer: $ref targets and visited nodes

    # -- helpers -----------------------------------------------------------------------
    def problem(self, pointer: str, message: str) -> None:
        self.problems.append(self.spec.problem(pointer, message))

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow non-schema ``$ref`` chains (parameters, responses, ...)."""
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            target = _ref_pointer(node["$ref"])
            if target in seen:
                self.problem(pointer, f"circular $ref {node['$ref']!r}")
                return {}, pointer
            seen.add(target)
            node, pointer = self.spec.resolve(node["$ref"]), target
        return node, pointer

    # -- schemas -----------------------------------------------------------------------
    def schema(self, node: Any, pointer: str) -> Schema:
        if pointer in self.schemas:
            return self.schemas[pointer]
        s = Schema(pointer=pointer)
        self.schemas[pointer] = s
        if node is True or node is None:
            return s
        if node is False:
            s.unsupported.append("false schema")
            return s
        if not isinstance(node, dict):
            self.problem(pointer, "a schema must be an object")
            return s
        if "$ref" in node:
            ref = node["$ref"]
            target = _ref_pointer(ref)
            s.ref = self.schema(self.spec.resolve(ref), target)
            # OpenAPI 3.0 says keywords next to $ref are ignored, but documents that write them
            # (description, deprecated, nullable, x- keys) mean them, tools show them, and the
            # validator reads them as in 3.1: they apply here too
        self._fill(s, node, pointer)
        return s

    def _fill(self, s: Schema, node: dict[str, Any], pointer: str) -> None:
        declared = node.get("type")
        if isinstance(declared, str):
            types = [declared]
        elif isinstance(declared, list):
            types = [t for t in declared if isinstance(t, str)]
        else:
            types = []
        if "null" in types:
            s.nullable = True
            types = [t for t in types if t != "null"]
            if not types and "type" in node:
                types = ["null"]
        if self.v30 and node.get("nullable") is True:
            s.nullable = True
        s.types = tuple(types)
        if "enum" in node and isinstance(node["enum"], list):
            values = list(node["enum"])
            if None in values:
                s.nullable = True
                values = [v for v in values if v is not None]
            s.enum = values
        if "const" in node:
            s.const = node["const"]
        # null must be listed by an enum/const to be valid (JSON Schema; OAS 3.0.3 says the same)
        if "enum" in node and isinstance(node["enum"], list) and None not in node["enum"]:
            s.nullable = False
        if "const" in node and node["const"] is not None:
            s.nullable = False
        if isinstance(node.get("format"), str):
            s.format = node["format"]
        for key in CONSTRAINT_KEYS:
            if key in node:
                s.constraints[key] = node[key]
        for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            flag = s.constraints.get(bound)
            if isinstance(flag, bool):
                del s.constraints[bound]
                if flag and limit in s.constraints:
                    s.constraints[bound] = s.constraints.pop(limit)
        if s.constraints.get("uniqueItems") is False:
            del s.constraints["uniqueItems"]
        if "default" in node:
            if pointer in self.spec.ignored_defaults:  # does not validate: published only
                s.annotations["default"] = node["default"]
            else:
                s.default = node["default"]
        for key in ANNOTATION_KEYS:
            if key in node:
                if key in ("readOnly", "writeOnly", "deprecated") and node[key] is False:
                    continue
                s.annotations[key] = node[key]
        s.extensions = {
            k: v for k, v in node.items() if k.startswith("x-") or k not in _KNOWN_SCHEMA_KEYS
        }
        for key in UNSUPPORTED_SCHEMA_KEYS:
            if key in node:
                s.unsupported.append(key)
        for key in EVALUATED_KEYS:
            if key in node:
                if evaluable_keyword(key, node[key]):
                    s.keywords[key] = node[key]
                else:
                    s.unsupported.append(key)

        required = node.get("required") if isinstance(node.get("required"), list) else []
        props = node.get("properties")
        if isinstance(props, dict):
            base = pointer_join(pointer, "properties")
            for name, sub in props.items():
                child = self.schema(sub, pointer_join(base, name))
                s.properties[name] = Property(
                    name=name, py_name="", schema=child, required=name in required
                )
        s.required = [name for name in required if isinstance(name, str)]
        if "additionalProperties" in node:
            extra = node["additionalProperties"]
            if isinstance(extra, bool):
                s.additional = extra
            else:
                s.additional = self.schema(extra, pointer_join(pointer, "additionalProperties"))
        if "items" in node:
            s.items = self.schema(node["items"], pointer_join(pointer, "items"))
        for key, target in (("allOf", s.all_of), ("oneOf", s.one_of), ("anyOf", s.any_of)):
            members = node.get(key)
            if isinstance(members, list):
                for index, member in enumerate(members):
                    target.append(self.schema(member, pointer_join(pointer, key, index)))
        disc = node.get("discriminator")
        if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str):
            mapping: dict[str, Schema] = {}
            for value, ref in (disc.get("mapping") or {}).items():
                if isinstance(ref, str) and ref.startswith("#"):
                    mapping[str(value)] = self.schema(self.spec.resolve(ref), _ref_pointer(ref))
                else:
                    comp = f"/components/schemas/{ref}"
                    mapping[str(value)] = self.schema(self.spec.resolve("#" + comp), comp)
            s.discriminator = Discriminator(
                property_name=disc["propertyName"],
                mapping=mapping,
                explicit_mapping="mapping" in disc,
            )

    # -- operations --------------------------------------------------------------------
    def media_types(self, content: Any, pointer: str) -> list[MediaType]:
        result: list[MediaType] = []
        if not isinstance(content, dict):
            return result
        for media_type, raw in content.items():
            raw = raw if isinstance(raw, dict) else {}
            mp = pointer_join(pointer, media_type)
            schema = (
                self.schema(raw["schema"], pointer_join(mp, "schema")) if "schema" in raw else None
            )
            examples = None
            if isinstance(raw.get("examples"), dict):
                examples = {
                    k: self.deref(v, pointer_join(mp, "examples", k))[0]
                    for k, v in raw["examples"].items()
                }
            result.append(
                MediaType(
                    media_type=media_type,
                    schema=schema,
                    example=raw.get("example", NO_VALUE),
                    examples=examples,
                    encoding=raw.get("encoding"),
                    raw=raw,
                )
            )
        return result

    def parameter(self, node: Any, pointer: str) -> Parameter | None:
        node, pointer = self.deref(node, pointer)
        if not isinstance(node, dict) or "name" not in node or "in" not in node:
            return None
        location = node["in"]
        schema = (
            self.schema(node["schema"], pointer_join(pointer, "schema"))
            if "schema" in node
            else None
        )
        examples = None
        if isinstance(node.get("examples"), dict):
            examples = {
                k: self.deref(v, pointer_join(pointer, "examples", k))[0]
                for k, v in node["examples"].items()
            }
        return Parameter(
            name=str(node["name"]),
            location=location,
            py_name="",
            required=bool(node.get("required", location == "path")),
            schema=schema,
            description=node.get("description"),
            deprecated=bool(node.get("deprecated", False)),
            style=node.get("style"),
            explode=node.get("explode"),
            allow_empty_value=bool(node.get("allowEmptyValue", False)),
            allow_reserved=bool(node.get("allowReserved", False)),
            example=node.get("example", NO_VALUE),
            examples=examples,
            content=self.media_types(node.get("content"), pointer_join(pointer, "content")),
            pointer=pointer,
            extensions={k: v for k, v in node.items() if isinstance(k, str) and k.startswith("x-")},
        )

    def operation(
        self,
        path: str,
        method: str,
        node: dict[str, Any],
        pointer: str,
        shared_params: list[Parameter],
        default_security: list[SecurityRequirement],
    ) -> Operation:
        params: dict[tuple[str, str], Parameter] = {(p.location, p.name): p for p in shared_params}
        for index, raw in enumerate(node.get("parameters") or []):
            param = self.parameter(raw, pointer_join(pointer, "parameters", index))
            if param is not None:
                params[(param.location, param.name)] = param
        body = None
        if "requestBody" in node:
            raw_body, body_ptr = self.deref(
                node["requestBody"], pointer_join(pointer, "requestBody")
            )
            if isinstance(raw_body, dict):
                body = RequestBody(
                    required=bool(raw_body.get("required", False)),
                    contents=self.media_types(
                        raw_body.get("content"), pointer_join(body_ptr, "content")
                    ),
                    description=raw_body.get("description"),
                    pointer=body_ptr,
                    extensions={k: v for k, v in raw_body.items() if k.startswith("x-")},
                )
        responses: list[Response] = []
        for status, raw in (node.get("responses") or {}).items():
            raw_resp, resp_ptr = self.deref(raw, pointer_join(pointer, "responses", status))
            if not isinstance(raw_resp, dict):
                continue
            headers = {
                name: self.deref(h, pointer_join(resp_ptr, "headers", name))[0]
                for name, h in (raw_resp.get("headers") or {}).items()
            }
            links = {
                name: self.deref(link, pointer_join(resp_ptr, "links", name))[0]
                for name, link in (raw_resp.get("links") or {}).items()
            }
            key = str(status)
            key = "default" if key.lower() == "default" else key.upper()
            responses.append(
                Response(
                    status=key,
                    description=str(raw_resp.get("description", "")),
                    contents=self.media_types(
                        raw_resp.get("content"), pointer_join(resp_ptr, "content")
                    ),
                    headers=headers,
                    links=links,
                    pointer=resp_ptr,
                    empty_content=raw_resp.get("content") == {},
                )
            )
        security = node.get("security")
        if security is not None and not isinstance(security, list):
            security = None
        callbacks: dict[str, list[Operation]] = {}
        for cb_name, cb in (node.get("callbacks") or {}).items():
            cb_node, cb_ptr = self.deref(cb, pointer_join(pointer, "callbacks", cb_name))
            ops: list[Operation] = []
            for expression, item in (cb_node or {}).items():
                item, item_ptr = self.deref(item, pointer_join(cb_ptr, expression))
                for cb_method in HTTP_METHODS:
                    if isinstance(item, dict) and cb_method in item:
                        ops.append(
                            self.operation(
                                expression,
                                cb_method,
                                item[cb_method],
                                pointer_join(item_ptr, cb_method),
                                [],
                                [],
                            )
                        )
            callbacks[cb_name] = ops
        op_id = node.get("operationId")
        return Operation(
            path=path,
            method=method,
            operation_id=op_id if isinstance(op_id, str) else None,
            py_name="",
            tags=[str(t) for t in node.get("tags") or []],
            summary=node.get("summary"),
            description=node.get("description"),
            deprecated=bool(node.get("deprecated", False)),
            parameters=list(params.values()),
            request_body=body,
            responses=responses,
            security=security,
            effective_security=security if security is not None else default_security,
            callbacks=callbacks,
            external_docs=node.get("externalDocs"),
            servers=node.get("servers"),
            extensions={k: v for k, v in node.items() if k.startswith("x-")},
            pointer=pointer,
        )

    def path_items(
        self, items: dict[str, Any], base: str, default_security: list[SecurityRequirement]
    ) -> list[Operation]:
        operations: list[Operation] = []
        for path, item in items.items():
            item, item_ptr = self.deref(item, pointer_join(base, path))
            if not isinstance(item, dict):
                continue
            shared = [
                p
                for index, raw in enumerate(item.get("parameters") or [])
                if (p := self.parameter(raw, pointer_join(item_ptr, "parameters", index)))
            ]
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    operations.append(
                        self.operation(
                            path,
                            method,
                            item[method],
                            pointer_join(item_ptr, method),
                            shared,
                            default_security,
                        )
                    )
        return operations

    def security_schemes(self) -> dict[str, SecurityScheme]:
        result: dict[str, SecurityScheme] = {}
        raw_schemes = (self.doc.get("components") or {}).get("securitySchemes") or {}
        scope = naming.scheme_scope()
        for name, raw in raw_schemes.items():
            pointer = pointer_join("/components/securitySchemes", name)
            raw, pointer = self.deref(raw, pointer)
            flows = [
                OAuthFlow(
                    kind=kind,
                    authorization_url=flow.get("authorizationUrl"),
                    token_url=flow.get("tokenUrl"),
                    refresh_url=flow.get("refreshUrl"),
                    scopes=dict(flow.get("scopes") or {}),
                    extensions={k: v for k, v in flow.items() if str(k).startswith("x-")},
                )
                for kind, flow in (raw.get("flows") or {}).items()
                if isinstance(flow, dict)
            ]
            result[name] = SecurityScheme(
                name=name,
                py_name=scope.claim(naming.function_name(name)),
                type=raw.get("type", ""),
                description=raw.get("description"),
                location=raw.get("in"),
                param_name=raw.get("name"),
                scheme=raw.get("scheme"),
                bearer_format=raw.get("bearerFormat"),
                flows=flows,
                open_id_connect_url=raw.get("openIdConnectUrl"),
                extensions={k: v for k, v in raw.items() if k.startswith("x-")},
                pointer=pointer,
            )
        self._shared_credentials(result)
        return result

    def _shared_credentials(self, schemes: dict[str, SecurityScheme]) -> None:
        """Refuse two schemes whose credentials the service would read from one environment
        variable (``keyAuth``, ``key-auth``, ``KEY_AUTH``): a key for one would open the other."""
        first: dict[str, SecurityScheme] = {}
        for name, scheme in schemes.items():
            variable = naming.env_var_for_scheme(name)
            earlier = first.setdefault(variable, scheme)
            if earlier is scheme:
                continue
            where = self.spec.problem(earlier.pointer, "")
            place = f"{where.file}:{where.line}" if where.line is not None else where.file
            self.problem(
                scheme.pointer,
                f"security scheme {name!r} would read its credentials from {variable}, as "
                f"scheme {earlier.name!r} does ({place}: {where.pointer}): a key for one "
                "would open the other; rename one of them",
            )

    def build(self) -> Api:
        doc = self.doc
        global_security = doc.get("security") if isinstance(doc.get("security"), list) else None
        default_security = global_security or []
        components = (doc.get("components") or {}).get("schemas") or {}
        named: dict[str, Schema] = {}
        for name, node in components.items():
            pointer = pointer_join("/components/schemas", name)
            s = self.schema(node, pointer)
            s.component = name
            named[name] = s
        operations = self.path_items(doc.get("paths") or {}, "/paths", default_security)
        webhooks: dict[str, list[Operation]] = {}
        for hook, item in (doc.get("webhooks") or {}).items():
            ops = self.path_items({hook: item}, "/webhooks", default_security)
            webhooks[hook] = ops
        # a requirement naming an undefined scheme was warned about by the loader; it stays
        # in the requirements and the generated alternative that names it refuses everything
        schemes = self.security_schemes()
        if self.problems:
            raise SpecError(self.problems)
        api = Api(
            source=str(self.spec.path),
            openapi_version=self.spec.version,
            info=dict(doc.get("info") or {}),
            servers=list(doc.get("servers") or []),
            tags=list(doc.get("tags") or []),
            external_docs=doc.get("externalDocs"),
            security=global_security,
            operations=operations,
            webhooks=webhooks,
            schemas=[],
            components=named,
            security_schemes=schemes,
            document=doc,
            extensions={k: v for k, v in doc.items() if k.startswith("x-")},
            warnings=list(self.spec.warnings),
            input_files=dict(self.spec.files),
            loaded=self.spec,
        )
        _null_through_all_of(self.schemas.values())
        assign_names(api)
        return api


def _null_through_all_of(schemas: Iterable[Schema]) -> None:
    """An ``allOf`` that only combines members (no type, properties or alternatives of its
    own) accepts null when every member does (an OAS 3.0 ``nullable`` object used through
    ``allOf: [$ref]``): it is marked nullable, so its uses accept null as the document says."""
    wrappers = [
        s
        for s in schemas
        if s.all_of
        and not (s.nullable or s.types or s.properties or s.one_of or s.any_of or s.ref)
        and s.enum is None
        and s.const is NO_VALUE
    ]
    changed = True
    while changed:  # a wrapper may be a member of another one
        changed = False
        for s in wrappers:
            if not s.nullable and all(m.nullable or m.target().nullable for m in s.all_of):
                s.nullable = changed = True


def build_api(spec: LoadedSpec) -> Api:
    """Build the intermediate model; raises SpecError with every located problem."""
    return _Builder(spec).build()


# -- naming ------------------------------------------------------------------------------


def needs_class(s: Schema) -> bool:
    """Whether a schema becomes a pydantic model class (objects with declared properties, allOf).

    An allOf becomes a class only when a class can hold every member: each is a class (its
    base), an inline object (merged into it) or annotations only. Otherwise (a member is a
    union, a scalar, an array or a map) it is a type alias that checks every member (``AllOf``).
    """
    return _needs_class(s, frozenset())


def _needs_class(s: Schema, seen: frozenset[int]) -> bool:
    if s.ref is not None:
        return False
    if s.all_of and not (s.one_of or s.any_of):
        # one member plus annotations is a reference with siblings, not a new class
        if not (
            len(s.all_of) > 1 or bool(s.properties) or bool(s.required) or s.additional is not None
        ):
            return False
        if s.types and s.types != ("object",) or s.enum is not None or s.const is not NO_VALUE:
            return False
        if not (s.types or s.properties or s.required or s.additional is not None) and all(
            is_annotation_only(m) for m in s.all_of
        ):
            return False  # members that only describe: every value is valid, not only objects
        return all(_class_member(m, seen | {id(s)}) for m in s.all_of)
    if s.one_of or s.any_of or s.enum is not None or s.const is not NO_VALUE:
        return False
    if s.types and s.types != ("object",):
        return False
    return bool(s.properties) or bool(s.required)  # required names need fields, even untyped


def _class_member(member: Schema, seen: frozenset[int]) -> bool:
    """An allOf member a class can take: a class (as its base), an inline object or annotations only."""
    if is_inline_object(member) or is_annotation_only(member):
        return True
    target = member.target()
    return id(target) not in seen and _needs_class(target, seen)


def is_annotation_only(s: Schema) -> bool:
    """A schema that only describes (title, description, example ...): every value is valid."""
    return (
        s.ref is None
        and not (s.types or s.properties or s.required or s.all_of or s.one_of or s.any_of)
        and s.items is None
        and s.additional is None
        and s.enum is None
        and s.const is NO_VALUE
        and s.format is None
        and not s.constraints
        and not s.nullable
        and not s.unsupported
    )


def is_inline_object(s: Schema) -> bool:
    """An inline allOf member that only adds properties (it merges into its parent class)."""
    return (
        s.ref is None
        and s.component is None
        and not (s.one_of or s.any_of or s.all_of)
        and s.types in ((), ("object",))
        and (
            s.types == ("object",)
            or bool(s.properties)
            or bool(s.required)
            or s.additional is not None
        )
        and s.enum is None
        and s.const is NO_VALUE
        and not s.nullable
    )


def assign_names(api: Api) -> None:
    """Give every class-worthy schema and every operation, parameter and property a Python name.

    Component schemas are named first (their names are the most stable), then inline
    schemas after their context (``ParentProperty``, ``OperationIdRequest`` ...).
    """
    classes = naming.class_scope()
    ordered: list[Schema] = []
    seen: set[int] = set()
    absorbed: set[int] = set()  # inline allOf members whose properties join their parent class

    def visit(s: Schema | None, context: str) -> None:
        if s is None or id(s) in seen:
            return
        seen.add(id(s))
        if s.ref is not None:
            visit(s.ref, context)
        if (
            s.py_name is None
            and id(s) not in absorbed
            and (needs_class(s) or s.component is not None)
        ):
            s.py_name = classes.claim(naming.pascal(s.component or context))
        own = s.py_name or context
        props = naming.NameScope()
        members = (
            [m for m in s.all_of if is_inline_object(m)] if s.all_of and needs_class(s) else []
        )
        absorbed.update(id(m) for m in members)
        for holder in [s, *members]:
            seen.add(id(holder))
            for prop in holder.properties.values():
                prop.py_name = props.claim(naming.field_name(prop.name))
                visit(prop.schema, own + naming.pascal(prop.name))
        visit(s.items, own + "Item")
        if isinstance(s.additional, Schema):
            visit(s.additional, own + "Value")
        for index, member in enumerate(s.all_of):
            visit(member, f"{own}AllOf{index + 1}")
        for index, member in enumerate(s.one_of):
            visit(member, f"{own}Option{index + 1}")
        for index, member in enumerate(s.any_of):
            visit(member, f"{own}Variant{index + 1}")
        if s.discriminator:
            for value, member in s.discriminator.mapping.items():
                visit(member, own + naming.pascal(value))
        if s.py_name is not None:
            ordered.append(s)

    # Reserve component names first so inline names never take them.
    for name, s in api.components.items():
        if s.py_name is None:
            s.py_name = classes.claim(naming.pascal(name))
    functions = naming.function_scope()
    for s in api.components.values():
        visit(s, s.py_name or "")

    def name_operation(op: Operation) -> None:
        base = op.operation_id or naming.derived_operation_name(op.method, op.path)
        op.py_name = functions.claim(naming.function_name(base))
        params = naming.parameter_scope()
        # path parameters first: FastAPI takes any argument named like a template variable
        # for that path parameter, so a header or query parameter must not get its name
        in_path = [p for p in op.parameters if p.location == "path"]
        for param in in_path + [p for p in op.parameters if p.location != "path"]:
            param.py_name = params.claim(naming.parameter_name(param.name))
        ctx = naming.pascal(op.py_name)
        for param in op.parameters:
            visit(param.schema, ctx + naming.pascal(param.name))
        if op.request_body:
            for mt in op.request_body.contents:
                visit(mt.schema, ctx + "Request")
        for resp in op.responses:
            suffix = "Response" if resp.is_success else f"Error{naming.pascal(resp.status)}"
            for mt in resp.contents:
                visit(mt.schema, ctx + suffix)
        for cb_ops in op.callbacks.values():
            for cb in cb_ops:
                name_operation(cb)

    for op in api.operations:
        name_operation(op)
    for ops in api.webhooks.values():
        for op in ops:
            name_operation(op)
    api.schemas = ordered


def inline_refs(node: Any, document: dict[str, Any], _stack: tuple[str, ...] = ()) -> Any:
    """A copy of ``node`` with every local ``$ref`` replaced by its target.

    Used only for the few pieces FastAPI cannot derive and the routes declare as
    documentation (non-JSON media types); a recursive reference is left as a ``$ref``.
    """
    if isinstance(node, list):
        return [inline_refs(item, document, _stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#") and ref not in _stack:
        target: Any = document
        for token in ref[2:].split("/") if ref != "#" else []:
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            target = target[int(token)] if isinstance(target, list) else target[token]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        merged = inline_refs(target, document, (*_stack, ref))
        return (
            {**merged, **inline_refs(siblings, document, _stack)}
            if isinstance(merged, dict)
            else merged
        )
    return {key: inline_refs(value, document, _stack) for key, value in node.items()}
