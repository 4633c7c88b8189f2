"""Find the resources a document manages, and which operation does what to them.

A resource is a component object schema that operations create and then read, list,
update or delete, in REST shapes (``/pets``, ``/pets/{petId}``) or verb-style paths
(``/services/register``, ``/services/update/{service_id}``). Explicit vendor extensions win
over inference:

- ``x-specfirst-resource: <name>`` on an operation: it belongs to that resource (the name
  is the table name); ``x-specfirst-resource: false`` keeps it out of CRUD;
- ``x-specfirst-operation: list|create|read|update|delete|search`` on an operation;
- ``x-specfirst-id: <property>`` on a resource schema (or on an operation): its id;
- ``x-specfirst-log: interaction`` on an operation: each call is recorded (its request
  body, its answer and the time) in the ``interactions`` log, which an operation marked
  ``x-specfirst-resource: interactions`` and ``x-specfirst-operation: list`` reads back,
  newest first.

Every operation that is not CRUD goes to a user handler. The plan is computed from the
intermediate model only, once, in time linear in the number of operations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from specfirst import envelopes, naming, refusals
from specfirst.ir import NO_VALUE, Api, MediaType, Operation, Parameter, Property, Response, Schema

KINDS = ("list", "create", "read", "update", "delete", "search")
_VERBS = frozenset(
    {
        "register",
        "create",
        "add",
        "new",
        "update",
        "edit",
        "modify",
        "replace",
        "delete",
        "remove",
        "destroy",
        "list",
        "all",
    }
)
_LIMIT_NAMES = ("limit", "page_size", "pagesize", "per_page", "size", "max", "count")
_OFFSET_NAMES = ("offset", "skip", "start")
# envelope properties that may hold the items array one level down (data.items, _embedded.pets)
_DEFAULT_PAGE_SIZE = 20  # a page number sent with no page size counts pages of this many items
# names of the items array when an envelope holds several arrays of objects
_ITEMS_NAMES = frozenset(
    {
        "items",
        "data",
        "results",
        "entries",
        "records",
        "content",
        "list",
        "rows",
        "values",
        "hits",
        "elements",
        "objects",
    }
)
_CONTAINERS = frozenset(
    {
        "data",
        "embedded",
        "result",
        "results",
        "response",
        "payload",
        "content",
        "page",
        "list",
        "body",
    }
)


@dataclass(eq=False)
class Column:
    """One stored property of a resource."""

    name: str  # wire name
    py_name: str  # column and attribute name
    schema: Schema
    sql_type: str  # String, Integer, BigInteger, Float, Boolean, JSON
    python_type: str  # str, int, float, bool, Any
    primary_key: bool = False


@dataclass(eq=False)
class Resource:
    name: str  # table name
    module: str  # module name of its model and CRUD
    model_class: str  # SQLAlchemy model class
    schema: Schema  # representation (what reads return)
    id_column: Column
    id_generated: (
        str | None
    )  # "integer" (next number), "uuid", "uuid-hex" (32 hex digits), or "alphabet:<chars>:<n>" when absent; None: clients must send it
    columns: list[Column]
    operations: list[Binding] = field(default_factory=list)
    server_values: dict[str, Any] = field(default_factory=dict)  # required fields no request sends
    is_log: bool = (
        False  # an interaction log: written by x-specfirst-log operations, read newest first
    )
    timestamp: str | None = None  # wire name of the time of a log entry

    @property
    def item_path(self) -> str | None:
        """The path that reads one stored item, ``{id}`` standing for its id (a ``Location``)."""
        for b in self.operations:
            if b.kind == "read" and b.id_param is not None and not _has_inner_param(b.operation):
                return b.operation.path.replace("{" + b.id_param.name + "}", "{id}")
        return None

    @property
    def kinds(self) -> list[str]:
        return sorted({b.kind for b in self.operations})

    @property
    def answer_schemas(self) -> list[Schema]:
        """The named schemas a stored item is answered in: its representation, then each
        operation's (a write that leaves an item one of them rejects is refused)."""
        found: dict[int, Schema] = {}
        for s in [self.schema, *(b.answer_schema for b in self.operations)]:
            if s is not None and s.py_name is not None:
                found.setdefault(id(s), s)
        return list(found.values())

    @property
    def keep_null(self) -> list[str]:
        """Wire names an answer requires and accepts null for: a stored NULL reads back as null."""
        names: dict[str, None] = {}
        for s in self.answer_schemas:
            props = _props(s)
            for name in _required(s):
                if name in props and accepts_null(props[name].schema):
                    names[name] = None
        return list(names)


@dataclass(eq=False)
class Binding:
    """How one operation maps onto its resource."""

    operation: Operation
    resource: Resource
    kind: str
    id_param: Parameter | None = None  # the path parameter holding the id
    body_schema: Schema | None = None
    partial: bool = False  # PATCH: merge into the stored item
    list_path: tuple[str, ...] = ()  # list wrapped in an envelope: the path of the items array
    filters: list[tuple[Parameter, Column]] = field(default_factory=list)
    search_param: Parameter | None = None
    newest_first: bool = False
    limit_param: Parameter | None = None
    offset_param: Parameter | None = None
    page_param: Parameter | None = None  # a page number (offset = (page - page_base) * size)
    after_param: Parameter | None = None  # a cursor: the page after the item it names
    before_param: Parameter | None = None  # a cursor: the page before the item it names
    page_base: int = 1
    default_size: int | None = None  # page size of a page number sent without a size
    refuses_bad_cursor: bool = (
        False  # a cursor the service did not issue is refused (else: first page)
    )
    envelope: envelopes.Recipe | None = None  # how a list answer is built around its items
    headers: envelopes.HeaderRecipe | None = None  # how declared response headers are filled
    answer: str = "item"  # item, list, message, empty
    answer_schema: Schema | None = None  # the schema each stored item is answered in (item, list)
    message_field: str | None = None  # wire name of the message property of a message answer
    status: int = 200
    not_found_status: int = 404
    conflict_status: int = 409
    invalid_status: int = 400

    @property
    def sends_id(self) -> bool:
        """Whether the request body carries the resource's id (clients choose it)."""
        return self.body_schema is not None and self.resource.id_column.name in _props(
            self.body_schema
        )


LOG_TABLES = {"interaction": "interactions"}


@dataclass
class Plan:
    resources: list[Resource]
    bindings: dict[int, Binding]  # by id(operation)
    handlers: list[Operation]
    logs: dict[int, Resource] = field(default_factory=dict)  # by id(operation): the log it writes

    def binding(self, op: Operation) -> Binding | None:
        return self.bindings.get(id(op))

    def log_of(self, op: Operation) -> Resource | None:
        return self.logs.get(id(op))


# -- shapes ----------------------------------------------------------------------------------


def _json(contents: list[MediaType]) -> MediaType | None:
    return next((mt for mt in contents if mt.is_json), None)


def _object_component(s: Schema | None) -> Schema | None:
    """The component object schema ``s`` is or refers to."""
    if s is None:
        return None
    target = s.target()
    if target.component is not None and (target.is_object or target.all_of):
        return target
    if len(s.all_of) == 1 and not s.properties:
        return _object_component(s.all_of[0])
    return None


def _primary(op: Operation) -> Response | None:
    return op.primary_response()


def _props(s: Schema) -> dict[str, Property]:
    return s.all_properties()


def _required(s: Schema) -> set[str]:
    return set(s.all_required())


def accepts_null(s: Schema, seen: set[int] | None = None) -> bool:
    """Whether null is a valid value: declared nullable (or ``null``) here, where it refers, or
    in one of its ``oneOf``/``anyOf`` alternatives."""
    seen = set() if seen is None else seen
    node: Schema | None = s
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if node.nullable or node.types == ("null",):
            return True
        if any(accepts_null(m, seen) for m in [*node.one_of, *node.any_of]):
            return True
        node = node.ref
    return False


def _inline_object(s: Schema | None) -> Schema | None:
    return s.target() if s is not None and s.target().is_object else None


def _list_shape(
    s: Schema | None, *, inline: bool = False, collection: str = ""
) -> tuple[Schema, tuple[str, ...]] | None:
    """(item schema, path of the items array) when ``s`` is an array of objects or an envelope
    holding one: ``{items: [..]}``, or nested (``{data: {items: [..]}}``, ``{_embedded: {pets: [..]}}``).

    The items array is the only array of objects at the shallowest depth that has one (or,
    among several, the only one named like a list: ``items``, ``data``, ``results``... or like
    the ``collection`` path segment). Items must be component schemas, or (``inline``, for
    explicitly marked operations) any object.
    """
    if s is None:
        return None
    item_of = _inline_object if inline else _object_component
    target = s.target()
    if target.types == ("array",) and target.items is not None:
        item = item_of(target.items)
        return (item, ()) if item is not None else None
    level: list[tuple[tuple[str, ...], Schema]] = [((), target)] if target.is_object else []
    seen: set[int] = set()
    for _ in range(3):
        found: list[tuple[Schema, tuple[str, ...]]] = []
        deeper: list[tuple[tuple[str, ...], Schema]] = []
        for path, node in level:
            if id(node) in seen:
                continue
            seen.add(id(node))
            for name, p in _props(node).items():
                child = p.schema.target()
                if child.types == ("array",) and child.items is not None:
                    item = item_of(child.items)
                    if item is not None:
                        found.append((item, (*path, name)))
                elif child.is_object and _letters(name) in _CONTAINERS:
                    deeper.append(((*path, name), child))
        if len(found) > 1:
            names = _ITEMS_NAMES | {_letters(collection)}
            found = [f for f in found if _letters(f[1][-1]) in names]
        if found:
            return found[0] if len(found) == 1 else None
        level = deeper
    return None


def _letters(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def collection_key(path: str) -> str:
    """``/services/update/{id}`` -> ``/services``: the path up to its id, without verbs."""
    segments: list[str] = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{"):
            break
        segments.append(segment)
    while segments and segments[-1].lower() in _VERBS:
        segments.pop()
    return "/" + "/".join(segments)


def _trailing_param(op: Operation) -> Parameter | None:
    last = op.path.rstrip("/").split("/")[-1]
    if last.startswith("{") and last.endswith("}"):
        name = last[1:-1]
        return next((p for p in op.parameters if p.location == "path" and p.name == name), None)
    return None


def _has_inner_param(op: Operation) -> bool:
    segments = op.path.strip("/").split("/")
    return any(s.startswith("{") for s in segments[:-1])


def _sql_type(s: Schema) -> tuple[str, str]:
    target = s.target()
    if target.enum is not None and all(isinstance(v, str) for v in target.enum):
        return "String", "str"
    kind = target.types[0] if len(target.types) == 1 else ""
    if kind == "string":
        return "String", "str"
    if kind == "integer":
        return ("BigInteger" if target.format == "int64" else "Integer"), "int"
    if kind == "number":
        return "Float", "float"
    if kind == "boolean":
        return "Boolean", "bool"
    return "JSON", "Any"


_UNFILLABLE = object()
_ALPHABET_PATTERN = re.compile(r"^\^\[([^\]\\]+)\]\{(\d+)\}\$$")


def _id_rule(s: Schema) -> str:
    """How the service makes ids clients do not send ("" when it cannot make a valid one)."""
    target = s.target()
    kind = target.types[0] if len(target.types) == 1 else ""
    if kind == "integer":
        return "integer"
    if kind != "string" or target.enum is not None:
        return ""
    pattern = target.constraints.get("pattern")
    if pattern is None:
        if target.format not in (None, "uuid"):
            return ""
        longest = target.constraints.get("maxLength", 36)
        if longest >= 36 and target.constraints.get("minLength", 0) <= 36:
            return "uuid"  # the canonical 8-4-4-4-12 form, what format: uuid requires
        return "uuid-hex" if target.format is None and longest >= 32 else ""
    match = _ALPHABET_PATTERN.match(pattern)
    if match is None:
        return ""
    chars = match.group(1)
    alphabet = "".join(
        "".join(chr(c) for c in range(ord(part[0]), ord(part[2]) + 1)) if len(part) == 3 else part
        for part in re.findall(r".-.|.", chars)
    )
    return f"alphabet:{alphabet}:{match.group(2)}"


def _server_value(s: Schema) -> Any:
    """A valid value for a required field that no request sends (a type, a version...)."""
    target = s.target()
    if target.const is not NO_VALUE:
        return target.const
    if target.enum and len(target.enum) == 1:
        return target.enum[0]
    if target.default is not NO_VALUE:
        return target.default
    kind = target.types[0] if len(target.types) == 1 else ""
    if target.enum or target.constraints.get("pattern") or (kind == "string" and target.format):
        return _UNFILLABLE if target.format != "date-time" else "now"
    if kind == "integer":
        return target.constraints.get("minimum", 1)
    if kind == "number":
        return target.constraints.get("minimum", 0)
    if kind == "boolean":
        return False
    if kind == "string" and not target.constraints.get("minLength"):
        return ""
    if kind == "array" and not target.constraints.get("minItems"):
        return []
    if kind == "object" and not _required(target):
        return {}
    return _UNFILLABLE


def _covers(given: Schema, wanted: Schema, depth: int = 0) -> bool:
    """Whether values of ``given`` (what requests send) always hold what ``wanted`` requires."""
    a, b = given.target(), wanted.target()
    if a is b or depth > 8 or not (b.is_object or b.all_of):
        return True
    sent = _props(a)
    for name in _required(b):
        prop = _props(b).get(name)
        if name not in sent or name not in _required(a):
            return False
        if prop is not None and not _covers(sent[name].schema, prop.schema, depth + 1):
            return False
    return True


def _message_field(s: Schema | None) -> str | None:
    if s is None:
        return None
    props = _props(s.target())
    for name in ("message", "detail", "status", "result"):
        if name in props:
            return name
    return None


# -- inference ------------------------------------------------------------------------------


@dataclass
class _Candidate:
    op: Operation
    kind: str
    subject: Schema | None  # the resource schema this operation shows
    body: Schema | None = None
    list_path: tuple[str, ...] = ()


class _Groups:
    """Union-find over candidates: operations sharing a collection path or a schema group together."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def root(self, key: Any) -> Any:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, a: Any, b: Any) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self.parent[rb] = ra


def _representation(members: list[_Candidate]) -> Schema | None:
    """What the resource looks like when read: read > create > update > list item."""
    for kind in ("read", "create", "update", "list", "search"):
        for c in members:
            if c.kind == kind and c.subject is not None and c.subject is not c.body:
                return c.subject
    return next((c.subject for c in members if c.subject is not None), None)


class _Planner:
    def __init__(self, api: Api) -> None:
        self.api = api

    def classify(self, op: Operation) -> _Candidate | None:
        declared = op.extensions.get("x-specfirst-operation")
        if op.extensions.get("x-specfirst-resource") is False:
            return None
        body_mt = _json(op.request_body.contents) if op.request_body else None
        body = _object_component(body_mt.schema) if body_mt else None
        primary = _primary(op)
        resp_mt = _json(primary.contents) if primary else None
        resp_schema = resp_mt.schema if resp_mt else None
        item = _object_component(resp_schema)
        listed = _list_shape(
            resp_schema,
            inline=declared in ("list", "search"),
            collection=collection_key(op.path).rsplit("/", 1)[-1],
        )
        trailing = _trailing_param(op)
        inner = _has_inner_param(op)
        method = op.method
        kind: str | None = declared if declared in KINDS else None
        if kind is None:
            if method == "get" and trailing is not None and not inner and item is not None:
                kind = "read"
            elif (
                method == "get"
                and trailing is None
                and listed is not None
                and not any(p.location == "path" for p in op.parameters)
            ):
                kind = "list"
            elif (
                method == "post"
                and trailing is None
                and body is not None
                and not any(p.location == "path" for p in op.parameters)
            ):
                kind = "create"
            elif (
                method in ("put", "patch")
                and trailing is not None
                and not inner
                and body is not None
            ):
                kind = "update"
            elif (
                method in ("put", "patch")
                and trailing is None
                and body is not None
                and not any(p.location == "path" for p in op.parameters)
            ):
                kind = "update"  # the id travels in the body (PUT /pet)
            elif method == "delete" and trailing is not None and not inner:
                kind = "delete"
        if kind is None:
            return None
        if kind == "list" or kind == "search":
            subject, path = listed if listed is not None else (None, ())
            return _Candidate(op, kind, subject, None, path)
        if kind == "delete":
            return _Candidate(op, kind, None)  # its resource is found by its path
        return _Candidate(op, kind, item or body, body)

    def id_of(
        self, schema: Schema, params: list[Parameter], extensions: list[dict[str, Any]]
    ) -> Property | None:
        props = _props(schema)
        for source in [*extensions, schema.extensions]:
            name = source.get("x-specfirst-id")
            if isinstance(name, str) and name in props:
                return props[name]
        for param in params:
            if param.name in props:
                return props[param.name]
            lowered = param.name.lower().replace("-", "_")
            if lowered.endswith("id") and "id" in props:
                return props["id"]
        return props.get("id")

    def plan(self) -> Plan:
        candidates = [c for op in self.api.operations if (c := self.classify(op)) is not None]
        groups = _Groups()
        for index, c in enumerate(candidates):
            name = c.op.extensions.get("x-specfirst-resource")
            groups.join(
                index,
                ("name", name) if isinstance(name, str) else ("path", collection_key(c.op.path)),
            )
            if c.subject is not None and not isinstance(name, str):
                groups.join(index, ("schema", id(c.subject)))
        grouped: dict[int, list[_Candidate]] = {}
        for index, c in enumerate(candidates):
            grouped.setdefault(groups.root(index), []).append(c)

        resources: list[Resource] = []
        bindings: dict[int, Binding] = {}
        tables = naming.NameScope()
        for members in grouped.values():
            kinds = {c.kind for c in members}
            named = any(
                isinstance(c.op.extensions.get("x-specfirst-resource"), str) for c in members
            )
            schema = _representation(members)
            if schema is None or ("create" not in kinds and not named):
                continue
            params = [p for c in members if (p := _trailing_param(c.op)) is not None]
            id_prop = self.id_of(schema, params, [c.op.extensions for c in members])
            names = {c.op.extensions.get("x-specfirst-resource") for c in members}
            is_log = bool(names & set(LOG_TABLES.values()))
            if id_prop is None and is_log:
                id_prop = Property(
                    name="id",
                    py_name="id",
                    schema=Schema(pointer="", types=("integer",)),
                    required=True,
                )
            if id_prop is None:
                continue
            resource = self._resource(schema, id_prop, members, tables)
            if resource is not None and is_log:
                resource.is_log = True
                resource.timestamp = next(
                    (c.name for c in resource.columns if c.schema.target().format == "date-time"),
                    None,
                )
            if resource is None:
                continue
            for c in members:
                binding = self._binding(c, resource, id_prop)
                if binding is not None:
                    resource.operations.append(binding)
                    bindings[id(c.op)] = binding
            resources.append(resource)
        handlers = [op for op in self.api.operations if id(op) not in bindings]
        by_name = {r.name: r for r in resources if r.is_log}
        logs = {
            id(op): by_name[LOG_TABLES[kind]]
            for op in self.api.operations
            if (kind := op.extensions.get("x-specfirst-log")) in LOG_TABLES
            and LOG_TABLES[kind] in by_name
        }
        return Plan(resources=resources, bindings=bindings, handlers=handlers, logs=logs)

    def _resource(
        self, schema: Schema, id_prop: Property, members: list[_Candidate], tables: naming.NameScope
    ) -> Resource | None:
        explicit = next(
            (
                c.op.extensions["x-specfirst-resource"]
                for c in members
                if isinstance(c.op.extensions.get("x-specfirst-resource"), str)
            ),
            None,
        )
        key = collection_key(next(c.op.path for c in members))
        base = explicit or key.strip("/").split("/")[-1] or (schema.component or "items")
        table = tables.claim(naming.module_name(base))
        stored: dict[str, Property] = dict(_props(schema))
        for c in members:
            if c.body is not None:
                for name, prop in _props(c.body).items():
                    stored.setdefault(name, prop)
        columns: list[Column] = []
        id_column: Column | None = None
        scope = naming.column_scope()
        for name, prop in stored.items():
            sql, py = _sql_type(prop.schema)
            column = Column(
                name=name,
                py_name=scope.claim(naming.field_name(name)),
                schema=prop.schema,
                sql_type=sql,
                python_type=py,
                primary_key=name == id_prop.name,
            )
            columns.append(column)
            if column.primary_key:
                id_column = column
        if id_column is None:  # an internal id (interaction logs have none of their own)
            sql, py = _sql_type(id_prop.schema)
            id_column = Column(
                name=id_prop.name,
                py_name="id",
                schema=id_prop.schema,
                sql_type=sql,
                python_type=py,
                primary_key=True,
            )
            columns.insert(0, id_column)
        creates = [c for c in members if c.kind == "create"]
        inputs = {name for c in creates if c.body is not None for name in _props(c.body)}
        sent = id_prop.name in inputs
        required_in_input = any(
            id_prop.name in _required(c.body) for c in creates if c.body is not None
        )
        # ids clients may leave out are made by the service (when it can make a valid one)
        generated = None if sent and required_in_input else (_id_rule(id_prop.schema) or None)
        if not sent and generated is None:
            return None
        representation = _props(schema)
        for c in creates:
            body_props = _props(c.body) if c.body is not None else {}
            for name in _required(schema) & set(body_props):
                if name in representation and not _covers(
                    body_props[name].schema, representation[name].schema
                ):
                    return None  # reads would lack fields no create sends: leave it to handlers
        server_values: dict[str, Any] = {}
        for name in sorted(_required(schema) - inputs - {id_prop.name}):
            prop = _props(schema).get(name)
            value = _server_value(prop.schema) if prop is not None else _UNFILLABLE
            if value is _UNFILLABLE:
                return None  # the service could not produce a valid item: leave it to handlers
            server_values[name] = value
        model = naming.pascal(naming.snake(base)) + "Record"
        return Resource(
            name=table,
            module=table,
            model_class=model,
            schema=schema,
            id_column=id_column,
            id_generated=generated,
            columns=columns,
            server_values=server_values,
        )

    def _binding(self, c: _Candidate, resource: Resource, id_prop: Property) -> Binding | None:
        op = c.op
        primary = _primary(op)
        binding = Binding(
            operation=op,
            resource=resource,
            kind=c.kind,
            id_param=_trailing_param(op),
            body_schema=c.body,
            partial=op.method == "patch",
            list_path=c.list_path,
            status=primary.numeric if primary and primary.numeric and primary.is_success else 200,
            not_found_status=refusals.status_for(op, refusals.NOT_FOUND),
            conflict_status=refusals.status_for(op, refusals.CONFLICT),
            invalid_status=refusals.status_for(op, refusals.INVALID),
        )
        resp_mt = _json(primary.contents) if primary else None
        resp_item = _object_component(resp_mt.schema) if resp_mt else None
        if c.kind in ("list", "search"):
            binding.answer = "list"
            binding.answer_schema = c.subject
            binding.newest_first = op.extensions.get("x-specfirst-resource") in LOG_TABLES.values()
            props = _props(resource.schema)
            columns = {col.name: col for col in resource.columns}
            for p in op.parameters:
                if p.location != "query":
                    continue
                lowered = p.name.lower()
                role = envelopes.paging_role(p)
                if (lowered in _LIMIT_NAMES or role == "limit") and binding.limit_param is None:
                    binding.limit_param = p
                elif (
                    lowered in _OFFSET_NAMES or role == "offset"
                ) and binding.offset_param is None:
                    binding.offset_param = p
                elif role == "page" and binding.page_param is None:
                    binding.page_param = p
                elif role == "after" and binding.after_param is None:
                    binding.after_param = p
                elif role == "before" and binding.before_param is None:
                    binding.before_param = p
                elif lowered in ("q", "query", "search", "term") and binding.search_param is None:
                    binding.search_param = p
                elif p.name in props and p.name in columns:
                    binding.filters.append((p, columns[p.name]))
            self._paging(binding)
            schema = resp_mt.schema if resp_mt else None
            binding.envelope = envelopes.list_recipe(
                schema,
                c.list_path,
                cursor_paged=binding.after_param is not None or binding.before_param is not None,
            )
        elif primary is None or primary.numeric == 204 or resp_mt is None or resp_mt.schema is None:
            binding.answer = "empty"
        elif resp_item is resource.schema or (
            resp_item is not None and id_prop.name in _props(resp_item)
        ):
            binding.answer = "item"  # the stored item, in the shape the response declares
            binding.answer_schema = resp_item
        elif (field_name := _message_field(resp_mt.schema)) is not None:
            binding.answer = "message"
            binding.message_field = field_name
        else:
            binding.answer = "item"
        binding.headers = envelopes.header_recipe(primary, c.kind)
        if (
            c.kind in ("read", "update", "delete")
            and binding.id_param is None
            and not (c.kind == "update" and c.body is not None and id_prop.name in _props(c.body))
        ):
            return None
        return binding

    def _paging(self, b: Binding) -> None:
        """Page numbering and cursor refusal of a list (see :class:`Binding`)."""
        if b.page_param is not None and b.page_param.schema is not None:
            if b.page_param.schema.target().constraints.get("minimum") == 0:
                b.page_base = 0
            if b.limit_param is None:
                b.default_size = _DEFAULT_PAGE_SIZE
            elif b.limit_param.schema is not None and isinstance(
                b.limit_param.schema.target().default, int
            ):
                b.default_size = b.limit_param.schema.target().default
            else:
                b.default_size = _DEFAULT_PAGE_SIZE
        elif b.page_param is not None:
            b.default_size = _DEFAULT_PAGE_SIZE
        if b.after_param is not None or b.before_param is not None:
            b.refuses_bad_cursor = envelopes.declares_invalid(b.operation, b.invalid_status)


def make_plan(api: Api) -> Plan:
    return _Planner(api).plan()


def describe(plan: Plan) -> str:
    """What ``specfirst plan`` prints: resources, tables and ids, which operation does what."""
    lines: list[str] = []
    for r in plan.resources:
        id_note = f"id {r.id_column.name!r} ({r.id_column.python_type}"
        sent = any(b.sends_id for b in r.operations if b.kind == "create")
        how = f"generated: {r.id_generated.split(':')[0]}" if r.id_generated else ""
        id_note += f", sent by clients{', else ' + how if how else ''})" if sent else f", {how})"
        lines.append(f"resource {r.schema.component or r.name}: table {r.name!r}, {id_note}")
        lines.append(f"  columns: {', '.join(f'{c.name} {c.sql_type}' for c in r.columns)}")
        if r.server_values:
            lines.append(
                f"  filled by the service: {', '.join(f'{k}={v!r}' for k, v in r.server_values.items())}"
            )
        for b in r.operations:
            op = b.operation
            extra = []
            if b.filters:
                extra.append("filters " + ", ".join(p.name for p, _ in b.filters))
            pagers = (b.limit_param, b.offset_param, b.page_param, b.after_param, b.before_param)
            if any(pagers):
                extra.append("pages by " + ", ".join(p.name for p in pagers if p))
            if b.search_param:
                extra.append(f"searches {b.search_param.name}")
            suffix = f" ({'; '.join(extra)})" if extra else ""
            lines.append(f"  {b.kind:7} {op.method.upper():6} {op.path}  [{op.wire_id}]{suffix}")
            lines += [f"            {line}" for line in _answer_lines(b)]
    for op_id, log in plan.logs.items():
        op = next(o for o in plan.handlers if id(o) == op_id)
        lines.append(
            f"log {log.name}: every {op.method.upper()} {op.path} [{op.wire_id}] is recorded"
        )
    if plan.handlers:
        lines.append("user handlers:")
        for op in plan.handlers:
            lines.append(f"  {op.method.upper():6} {op.path}  [{op.wire_id}]")
    return "\n".join(lines) + "\n"


def _answer_lines(b: Binding) -> list[str]:
    """How ``specfirst plan`` shows a binding's envelope, cursors and headers."""
    lines: list[str] = []
    if b.envelope is not None and b.envelope.lines:
        lines += b.envelope.lines
    if b.page_param is not None:
        size = b.limit_param.name if b.limit_param else f"{b.default_size} items"
        lines.append(f"page {b.page_param.name} counts from {b.page_base}, in pages of {size}")
    for p in (b.after_param, b.before_param):
        if p is not None:
            refusal = (
                f"refused with {b.invalid_status}"
                if b.refuses_bad_cursor
                else "read as the first page"
            )
            lines.append(f"cursor {p.name}: opaque, issued by the service (any other is {refusal})")
    if b.headers is not None:
        lines += b.headers.lines
    return lines


def spec_gaps(api: Api, plan: Plan) -> list[refusals.Gap]:
    """The refusals (and successes) the service answers with a status its spec does not declare."""
    found: list[refusals.Gap] = []
    for op in api.operations:
        binding = plan.binding(op)
        kinds: list[str] = []
        success = 200
        if binding is not None:
            success = binding.status
            if binding.kind in ("read", "update", "delete"):
                kinds.append("not_found")
            if binding.kind == "create" and binding.sends_id:
                kinds.append("conflict")
        found += refusals.gaps(op, success_status=success, crud_kinds=kinds)
    return found


def describe_gaps(gaps: list[refusals.Gap]) -> str:
    """What ``specfirst plan`` prints about refusals the spec declares no response for."""
    if not gaps:
        return ""
    lines = [
        (
            f"spec gaps ({len(gaps)}): the service answers these with an undeclared status;"
            " declare a response for each to make the contract complete:"
        ),
    ]
    lines += [f"  {gap.render()}" for gap in gaps]
    return "\n".join(lines) + "\n"
