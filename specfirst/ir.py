"""The intermediate model: typed dataclasses built once from the document.

Generator steps read only this model, never the raw document. Schemas form a graph:
a ``$ref`` resolves to the one shared :class:`Schema` of its target, so recursion is a
cycle in the graph, not an infinite tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

from specfirst.errors import Problem

if TYPE_CHECKING:
    from specfirst.loader import LoadedSpec

ParamLocation = Literal["path", "query", "header", "cookie"]


class _NoValue:
    """Marks a keyword the document does not set (distinct from an explicit ``null``)."""

    _instance: _NoValue | None = None

    def __new__(cls) -> Self:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"

    def __bool__(self) -> bool:
        return False


NO_VALUE: Any = _NoValue()

# Schema keywords that only describe (they never change which values are valid).
ANNOTATION_KEYS = (
    "title",
    "description",
    "example",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
    "xml",
    "$comment",
    "contentMediaType",
    "contentEncoding",
)
# Validation keywords carried as constraints (3.0 boolean exclusives converted to 3.1 form).
CONSTRAINT_KEYS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)


# Schema keywords a generated service neither enforces nor publishes (README, known limits);
# EVALUATED_KEYS join them where their subschemas are not self-contained.
UNSUPPORTED_SCHEMA_KEYS = (
    "if",
    "then",
    "else",
    "prefixItems",
    "contains",
    "propertyNames",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
)
# Keywords a generated service evaluates on the JSON value itself (pydantic has no type for
# them), published as written: each holds literal data or self-contained subschemas.
EVALUATED_KEYS = ("not", "patternProperties", "dependentRequired")
# What such a subschema may say: validation keywords the service's evaluator knows, and annotations.
EVALUABLE_SUBSCHEMA_KEYS = frozenset(
    {
        "type",
        "enum",
        "const",
        "format",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "allOf",
        "anyOf",
        "oneOf",
        "default",
        *CONSTRAINT_KEYS,
        *EVALUATED_KEYS,
        *ANNOTATION_KEYS,
    }
)


@dataclass(eq=False)
class Schema:
    """One schema node. ``ref`` is set when the node is a ``$ref`` (its siblings, if any, stay here)."""

    pointer: str
    ref: Schema | None = None
    component: str | None = None  # name under components/schemas, when it is one
    py_name: str | None = None  # Python name of the class or alias generated for it, if any
    types: tuple[str, ...] = ()  # declared JSON types without "null"; () means any
    nullable: bool = False
    properties: dict[str, Property] = field(default_factory=dict)
    required: list[str] = field(
        default_factory=list
    )  # as declared, including names declared elsewhere
    additional: Schema | bool | None = None  # None: not declared
    items: Schema | None = None
    all_of: list[Schema] = field(default_factory=list)
    one_of: list[Schema] = field(default_factory=list)
    any_of: list[Schema] = field(default_factory=list)
    discriminator: Discriminator | None = None
    enum: list[Any] | None = None
    const: Any = NO_VALUE
    format: str | None = None
    constraints: dict[str, Any] = field(default_factory=dict)
    default: Any = NO_VALUE
    annotations: dict[str, Any] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)
    # ``not``, ``patternProperties``, ``dependentRequired`` as written (the service evaluates them)
    keywords: dict[str, Any] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)  # keywords we cannot express

    def target(self) -> Schema:
        """Follow ``$ref`` chains to the schema that carries the content."""
        node = self
        seen: set[int] = set()
        while node.ref is not None and id(node) not in seen:
            seen.add(id(node))
            node = node.ref
        return node

    @property
    def is_object(self) -> bool:
        node = self.target()
        return node.types == ("object",) or (
            not node.types and bool(node.properties) and not (node.one_of or node.any_of)
        )

    def all_properties(self) -> dict[str, Property]:
        """Properties of an object schema through ``$ref`` and ``allOf`` (a member's own win last)."""
        props: dict[str, Property] = {}
        for node in self._merged_nodes():
            props.update(node.properties)
        return props

    def all_required(self) -> list[str]:
        """Names an object schema requires through ``$ref`` and ``allOf``, in declaration order."""
        names: list[str] = []
        for node in self._merged_nodes():
            names.extend(n for n in node.required if n not in names)
        return names

    def _merged_nodes(self) -> list[Schema]:
        """This schema and what it merges in (its ``$ref`` target, its ``allOf`` members), bases first."""
        order: list[Schema] = []
        seen: set[int] = set()

        def add(node: Schema) -> None:
            if id(node) in seen:
                return
            seen.add(id(node))
            if node.ref is not None:
                add(node.ref)
            for member in node.all_of:
                add(member)
            order.append(node)

        add(self)
        return order

    @property
    def is_pure_ref(self) -> bool:
        """A ``$ref`` with no sibling keywords of its own."""
        return (
            self.ref is not None
            and not self.annotations
            and not self.nullable
            and self.default is NO_VALUE
            and not self.constraints
        )


@dataclass(eq=False)
class Property:
    name: str  # exactly as on the wire
    py_name: str
    schema: Schema
    required: bool


@dataclass(eq=False)
class Discriminator:
    property_name: str
    mapping: dict[str, Schema] = field(default_factory=dict)  # explicit mapping only
    explicit_mapping: bool = False


@dataclass(eq=False)
class MediaType:
    media_type: str
    schema: Schema | None
    example: Any = NO_VALUE
    examples: dict[str, Any] | None = None
    encoding: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # the resolved media type object

    @property
    def is_json(self) -> bool:
        base = self.media_type.split(";")[0].strip().lower()
        return base == "application/json" or base.endswith("+json")

    @property
    def is_form(self) -> bool:
        base = self.media_type.split(";")[0].strip().lower()
        return base in ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(eq=False)
class Parameter:
    name: str
    location: ParamLocation
    py_name: str
    required: bool
    schema: Schema | None
    description: str | None = None
    deprecated: bool = False
    style: str | None = None
    explode: bool | None = None
    allow_empty_value: bool = False
    allow_reserved: bool = False
    example: Any = NO_VALUE
    examples: dict[str, Any] | None = None
    content: list[MediaType] = field(default_factory=list)
    pointer: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)  # x- keys, literal data


@dataclass(eq=False)
class RequestBody:
    required: bool
    contents: list[MediaType]
    description: str | None = None
    pointer: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class Response:
    status: str  # "200", "4XX", "default"
    description: str
    contents: list[MediaType] = field(default_factory=list)
    headers: dict[str, Any] = field(default_factory=dict)  # resolved header objects
    links: dict[str, Any] = field(default_factory=dict)  # resolved link objects
    pointer: str = ""
    empty_content: bool = False  # `content: {}`: no payload, said in so many words

    @property
    def is_success(self) -> bool:
        return self.status.startswith("2")

    @property
    def numeric(self) -> int | None:
        return int(self.status) if self.status.isdigit() else None


SecurityRequirement = dict[str, list[str]]

_ROUTABLE_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")  # Starlette's path parameter names
_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]*)\}")


@dataclass(eq=False)
class Operation:
    path: str
    method: str  # lower case
    operation_id: str | None  # as in the spec; None when absent
    py_name: str  # function name, from operationId or derived from method and path
    tags: list[str]
    summary: str | None
    description: str | None
    deprecated: bool
    parameters: list[Parameter]
    request_body: RequestBody | None
    responses: list[Response]
    security: list[SecurityRequirement] | None  # None: inherits the document's
    effective_security: list[SecurityRequirement]
    callbacks: dict[str, list[Operation]] = field(default_factory=dict)
    external_docs: dict[str, Any] | None = None
    servers: list[dict[str, Any]] | None = None
    extensions: dict[str, Any] = field(default_factory=dict)
    pointer: str = ""

    @property
    def wire_id(self) -> str:
        """The operationId FastAPI will publish: the spec's, or the derived name."""
        return self.operation_id or self.py_name

    def routes_by_python_name(self, param: Parameter) -> bool:
        """Whether path parameter ``param`` is routed under its Python name: Starlette routes
        only template variables named like ASCII identifiers (``{pet-id}`` would be text)."""
        return (
            param.location == "path"
            and _ROUTABLE_NAME.fullmatch(param.name) is None
            and "{" + param.name + "}" in self.path
        )

    @property
    def routed_path(self) -> str:
        """The path the framework routes: the spec's, with each variable Starlette cannot
        route renamed to its parameter's Python name (the names never travel in a request)."""
        renamed = {p.name: p.py_name for p in self.parameters if self.routes_by_python_name(p)}
        if not renamed:
            return self.path
        return _TEMPLATE_VARIABLE.sub(
            lambda m: "{" + renamed[m[1]] + "}" if m[1] in renamed else m[0], self.path
        )

    def primary_response(self) -> Response | None:
        """The response the route's ``status_code`` stands for.

        The lowest 2xx; else a ``2XX`` range or ``default``; else the lowest declared status.
        """
        numeric = [r for r in self.responses if r.numeric is not None]
        success = [r for r in numeric if r.is_success]
        if success:
            return min(success, key=lambda r: r.numeric or 0)
        for key in ("2XX", "default"):
            found = next((r for r in self.responses if r.status == key), None)
            if found is not None:
                return found
        return min(numeric, key=lambda r: r.numeric or 0) if numeric else None

    def declares(self, status: int | str) -> bool:
        return any(r.status == str(status) for r in self.responses)


@dataclass(eq=False)
class OAuthFlow:
    kind: str  # implicit, password, clientCredentials, authorizationCode
    authorization_url: str | None
    token_url: str | None
    refresh_url: str | None
    scopes: dict[str, str]
    extensions: dict[str, Any] = field(default_factory=dict)  # x- keys, published as written


@dataclass(eq=False)
class SecurityScheme:
    name: str  # key under components/securitySchemes
    py_name: str
    type: str  # apiKey, http, oauth2, openIdConnect, mutualTLS
    description: str | None = None
    location: str | None = None  # apiKey: header, query, cookie
    param_name: str | None = None  # apiKey: the header/query/cookie name
    scheme: str | None = None  # http: bearer, basic, ...
    bearer_format: str | None = None
    flows: list[OAuthFlow] = field(default_factory=list)
    open_id_connect_url: str | None = None
    extensions: dict[str, Any] = field(default_factory=dict)
    pointer: str = ""


@dataclass(eq=False)
class Api:
    """The whole document, ready for the steps."""

    source: str  # the spec path as given
    openapi_version: tuple[int, int]
    info: dict[str, Any]
    servers: list[dict[str, Any]]
    tags: list[dict[str, Any]]
    external_docs: dict[str, Any] | None
    security: list[SecurityRequirement] | None
    operations: list[Operation]
    webhooks: dict[str, list[Operation]]
    schemas: list[Schema]  # every schema that gets a Python name, in dependency-friendly order
    components: dict[str, Schema]  # components/schemas by spec name
    security_schemes: dict[str, SecurityScheme]
    document: dict[str, Any]  # the bundled source document, served verbatim by the app
    extensions: dict[str, Any] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)  # repaired defects (loader warnings)
    input_files: dict[str, Path] = field(
        default_factory=dict
    )  # every file of the document, root first
    loaded: LoadedSpec | None = field(default=None, repr=False)
    """The loaded document the model was built from (its files, positions, repairs)."""

    def operations_by_tag(self) -> dict[str, list[Operation]]:
        grouped: dict[str, list[Operation]] = {}
        for op in self.operations:
            grouped.setdefault(op.tags[0] if op.tags else "default", []).append(op)
        return grouped
