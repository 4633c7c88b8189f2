"""Operations -> methods of a generated client: signature, request, answers, errors, paging.

Everything a method prints is computed here from the intermediate model once, as code built
from quoted parts (type expressions from :class:`~specfirst.client.types.ClientTypes`, wire
names through :func:`specfirst.quoting.py_literal`) or identifiers from
:mod:`specfirst.naming`; the templates only lay it out, once for the sync and once for the
async client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specfirst import envelopes, naming
from specfirst.client.types import REQUEST, RESPONSE, ClientTypes
from specfirst.ir import Api, MediaType, Operation, Parameter, Response, Schema
from specfirst.quoting import comment_text, py_literal
from specfirst.resources import Binding, Plan

# Exception class names for well-known error statuses (anything else: ``Status418Error``).
STATUS_NAMES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    402: "PaymentRequiredError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    406: "NotAcceptableError",
    408: "RequestTimeoutError",
    409: "ConflictError",
    410: "GoneError",
    412: "PreconditionFailedError",
    413: "PayloadTooLargeError",
    415: "UnsupportedMediaTypeError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
    500: "InternalServerError",
    501: "NotImplementedServerError",
    502: "BadGatewayError",
    503: "ServiceUnavailableError",
    504: "GatewayTimeoutError",
}
# Method names by what the planner says an operation does (when it is the only one in its group).
KIND_METHODS = {
    "list": "list",
    "search": "search",
    "read": "retrieve",
    "create": "create",
    "update": "update",
    "delete": "delete",
}
# Names a method's own parameters take; a document's parameter never shadows them.
_CALL_RESERVED = frozenset({"self", "body", "timeout", "extra_headers", "cast", "models", "errors"})
# Headers that OpenAPI says are not parameters (the body and auth set them).
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
IDEMPOTENCY_HEADERS = frozenset({"idempotency-key", "x-idempotency-key"})


_RANGE_CLASS_SUFFIX: dict[str, str] = {
    "4XX": "Status4XXError",
    "5XX": "Status5XXError",
    "default": "DefaultError",
    **{f"{d}XX": f"Status{d}XXError" for d in "123"},
}
"""The class name suffix of an operation's range or default error answer."""


def status_class(status: int) -> str:
    return STATUS_NAMES.get(status, f"Status{status}Error")


@dataclass
class Arg:
    name: str  # Python parameter name
    annotation: str
    default: str | None  # None: required
    wire: str  # name on the wire
    location: str  # path, query, header, cookie
    comment: str = ""


@dataclass
class ErrorClass:
    name: str
    base: str
    body: str  # type expression of the parsed body


@dataclass
class Method:
    """One operation as a method of a resource class."""

    name: str
    operation: Operation
    doc: str  # the document's summary and description (printed through ``docstring``)
    spec_name: str  # module constant holding its OperationSpec
    spec: str  # the OperationSpec(...) expression
    positional: list[Arg]
    keyword: list[Arg]
    body: Arg | None
    body_kind: str | None  # json, form, multipart, content
    content_type: str | None
    returns: str  # the return annotation
    call: str  # the Call(...) expression
    stream_item: str | None = None  # text/event-stream: the type of each event's data
    paged_item: str | None = None  # a paged list: the type of its items
    paging: str | None = None  # the Paging(...) expression
    errors: list[ErrorClass] = field(default_factory=list)
    attribute: str = ""  # the resource's attribute on the client

    @property
    def signature(self) -> list[str]:
        """The parameters after ``self``, rendered."""
        parts = [f"{a.name}: {a.annotation}" for a in self.positional]
        rest = ([self.body] if self.body is not None else []) + self.keyword
        required = [a for a in rest if a.default is None]
        optional = [a for a in rest if a.default is not None]
        parts.append("*")
        parts += [f"{a.name}: {a.annotation}" for a in required]
        parts += [f"{a.name}: {a.annotation} = {a.default}" for a in optional]
        parts.append("timeout: Timeout | Unset = UNSET")
        parts.append("extra_headers: Mapping[str, str] | None = None")
        return parts

    def _example_args(self, with_body: bool) -> str:
        args = [_placeholder(a.annotation) for a in self.positional]
        if with_body and self.body is not None and self.body.default is None:
            args.append("body=...")
        args += [
            f"{a.name}={_placeholder(a.annotation)}" for a in self.keyword if a.default is None
        ]
        return ", ".join(args)

    @property
    def example(self) -> str:
        """A call of the method for the README (placeholders for the required values)."""
        return f"result = client.{self.attribute}.{self.name}({self._example_args(True)})"

    @property
    def example_all(self) -> str:
        return f"client.{self.attribute}.{self.name}_all({self._example_args(True)})"


def _placeholder(annotation: str) -> str:
    """A placeholder argument for a README example (generator text)."""
    if annotation.startswith("str"):
        return '"..."'
    if annotation.startswith("int"):
        return "1"
    if annotation.startswith("bool"):
        return "True"
    return "..."


def _media(contents: list[MediaType]) -> tuple[str, MediaType] | None:
    """The body kind and media type a client sends or reads first: JSON, form, multipart, other."""
    for mt in contents:
        if mt.is_json:
            return "json", mt
    for mt in contents:
        base = mt.media_type.split(";")[0].strip().lower()
        if base == "application/x-www-form-urlencoded":
            return "form", mt
        if base == "multipart/form-data":
            return "multipart", mt
    for mt in contents:
        base = mt.media_type.split(";")[0].strip().lower()
        if base == "text/event-stream":
            return "stream", mt
    for mt in contents:
        base = mt.media_type.split(";")[0].strip().lower()
        return ("text" if base.startswith("text/") else "content"), mt
    return None


def _answer_type(response: Response, types: ClientTypes) -> tuple[str, str | None]:
    """(the type a success answer is read as, the event type when it is an event stream)."""
    chosen = _media(response.contents)
    if chosen is None:
        return "None", None
    kind, mt = chosen
    if kind == "stream":
        item = "str"
        if mt.schema is not None and mt.schema.target().types not in ((), ("string",)):
            item = types.plain_type(mt.schema)
        return "None", item
    if kind == "text":
        return "str", None
    if kind == "content":
        return "bytes", None
    return (types.plain_type(mt.schema) if mt.schema is not None else "Any"), None


def _union(types: list[str]) -> str:
    unique = list(dict.fromkeys(types))
    if "Any" in unique:
        return "Any"
    if "None" in unique and len(unique) > 1:
        unique = [t for t in unique if t != "None"] + ["None"]
    return " | ".join(unique)


def _security(op: Operation, api: Api) -> str:
    alternatives = []
    for requirement in op.effective_security:
        names = [n for n in requirement if n in api.security_schemes]
        alternatives.append(names)
    if not alternatives:
        return "()"
    return py_literal(tuple(tuple(names) for names in alternatives))


def _is_json_media(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _param_type(p: Parameter, types: ClientTypes) -> str:
    if p.schema is not None:
        return types.plain_type(p.schema)
    if p.content and p.content[0].schema is not None:
        return types.plain_type(p.content[0].schema)
    return "Any"


def _walk_items(s: Schema | None, path: tuple[str, ...]) -> Schema | None:
    node = s
    for key in path:
        if node is None:
            return None
        prop = node.all_properties().get(key)
        node = prop.schema if prop is not None else None
    if node is None:
        return None
    target = node.target()
    return target.items if target.types == ("array",) or target.items is not None else None


def _source_paths(body: dict[str, Any], path: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """Where each source of an envelope recipe sits in the answer."""
    found: dict[str, tuple[str, ...]] = {}
    if "fields" in body:
        for name, child in body["fields"].items():
            for source, where in _source_paths(child, (*path, name)).items():
                found.setdefault(source, where)
    elif "source" in body:
        found[body["source"]] = path
    return found


@dataclass
class _ListPaging:
    """What paging a list needs, from the planner's binding or read from the operation."""

    items_path: tuple[str, ...]
    item: Schema
    limit: Parameter | None = None
    offset: Parameter | None = None
    page: Parameter | None = None
    after: Parameter | None = None
    page_base: int = 1
    default_size: int | None = None
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    id_field: str | None = None
    link_header: bool = False


def _json_schema(response: Response | None) -> Schema | None:
    chosen = _media(response.contents) if response is not None else None
    return chosen[1].schema if chosen is not None and chosen[0] == "json" else None


def _from_binding(b: Binding, success: Response | None) -> _ListPaging | None:
    if b.kind not in ("list", "search"):
        return None
    item = _walk_items(_json_schema(success), b.list_path)
    if item is None:
        return None
    links = b.headers is not None and any(
        h.get("source") == "link_header" for h in b.headers.headers.values()
    )
    return _ListPaging(
        items_path=b.list_path,
        item=item,
        limit=b.limit_param,
        offset=b.offset_param,
        page=b.page_param,
        after=b.after_param,
        page_base=b.page_base,
        default_size=b.default_size,
        sources=_source_paths(b.envelope.body) if b.envelope is not None else {},
        id_field=b.resource.id_column.name,
        link_header=links,
    )


_ITEM_NAMES = ("data", "items", "results", "entries", "records", "values", "elements")


def _items_path(s: Schema | None) -> tuple[str, ...] | None:
    """Where the items of a list answer are: () for a bare array, else the one array property
    (or, among several, the one named like a list of items)."""
    if s is None:
        return None
    target = s.target()
    if target.types == ("array",):
        return ()
    arrays = [
        name
        for name, prop in target.all_properties().items()
        if prop.schema.target().types == ("array",)
    ]
    if len(arrays) > 1:
        arrays = [name for name in arrays if name.lower() in _ITEM_NAMES]
    return (arrays[0],) if len(arrays) == 1 else None


def _from_operation(op: Operation, success: Response | None) -> _ListPaging | None:
    """A GET the planner binds to no resource (its items are no stored resource) that still
    pages: paging parameters by the service's names, items found as the service finds them."""
    if op.method != "get":
        return None
    roles: dict[str, Parameter] = {}
    for p in op.parameters:
        role = envelopes.paging_role(p)
        if role is not None:
            roles.setdefault(role, p)
    links = success is not None and any(name.lower() == "link" for name in success.headers)
    if not roles and not links:
        return None
    schema = _json_schema(success)
    path = _items_path(schema)
    item = _walk_items(schema, path) if path is not None else None
    if schema is None or path is None or item is None:
        return None
    recipe = envelopes.list_recipe(schema, path, cursor_paged="after" in roles)
    item_props = item.target().all_properties()
    for member in (*item.target().one_of, *item.target().any_of):
        item_props = {**member.target().all_properties(), **item_props}
    return _ListPaging(
        items_path=path,
        item=item,
        limit=roles.get("limit"),
        offset=roles.get("offset"),
        page=roles.get("page"),
        after=roles.get("after"),
        sources=_source_paths(recipe.body),
        id_field="id" if "id" in item_props else None,
        link_header=links,
    )


def _paging(op: Operation, b: Binding | None, types: ClientTypes) -> tuple[str, str] | None:
    """(the Paging(...) expression, the item type) of a list that pages."""
    success = op.primary_response()
    found = _from_binding(b, success) if b is not None else _from_operation(op, success)
    if found is None:
        return None
    sources = found.sources
    if not (
        found.offset or found.page or found.after or found.link_header or "next_link" in sources
    ):
        return None  # a size alone (or nothing) asks for one page: there is no next one
    if found.after is not None and "next_cursor" not in sources and found.id_field is None:
        return None  # a cursor the client cannot compute
    args = [f"items={py_literal(tuple(found.items_path))}"]
    for key, param in (
        ("limit", found.limit),
        ("offset", found.offset),
        ("page", found.page),
        ("cursor", found.after),
    ):
        if param is not None:
            args.append(f"{key}={py_literal(param.name)}")
    if found.page is not None:
        args.append(f"page_base={py_literal(found.page_base)}")
    if found.default_size is not None:
        args.append(f"default_size={py_literal(found.default_size)}")
    for key in ("next_cursor", "has_more", "next_link", "total"):
        if key in sources and (key != "next_cursor" or found.after is not None):
            args.append(f"{key}={py_literal(tuple(sources[key]))}")
    if found.after is not None and "next_cursor" not in sources:
        args.append(f"cursor_from_item={py_literal(found.id_field)}")
    if found.link_header:
        args.append("link_header=True")
    return f"Paging({', '.join(args)})", types.in_mode(RESPONSE).plain_type(found.item)


@dataclass
class Resource:
    """The operations of one tag: one class in the sync and one in the async client."""

    tag: str
    attribute: str  # client.<attribute>
    class_name: str  # <Class>Resource / Async<Class>Resource
    module: str
    methods: list[Method]


def plan_resources(
    api: Api, plan: Plan, types: ClientTypes
) -> tuple[list[Resource], list[ErrorClass], dict[int, str]]:
    """Resources by tag (in the document's order), the per-operation error classes, and the
    exception class of each declared error status."""
    groups = api.operations_by_tag()
    attributes = naming.NameScope(
        reserved=frozenset({"close", "base_url", "credentials", "timeout", "retry", "headers"})
    )
    classes = naming.class_scope()
    statuses: dict[int, str] = {}
    for op in api.operations:
        for r in op.responses:
            if r.numeric is not None and r.numeric >= 400:
                statuses.setdefault(r.numeric, status_class(r.numeric))
    for name in statuses.values():
        classes.claim(name)
    for reserved in (
        "ApiError",
        "ApiConnectionError",
        "ApiTimeoutError",
        "ClientError",
        "ResponseParseError",
    ):
        classes.claim(reserved)
    spec_names = naming.NameScope()
    modules = naming.NameScope(reserved=frozenset({"__init__"}))
    resources: list[Resource] = []
    error_classes: list[ErrorClass] = []
    for tag, ops in groups.items():
        attribute = attributes.claim(naming.field_name(tag))
        class_name = naming.pascal(tag)
        module = modules.claim(naming.module_name(tag))
        kinds: dict[str, int] = {}
        for op in ops:
            b = plan.binding(op)
            if b is not None:
                kinds[b.kind] = kinds.get(b.kind, 0) + 1
        methods_scope = naming.NameScope(reserved=frozenset({"with_options"}))
        methods: list[Method] = []
        for op in ops:
            b = plan.binding(op)
            kind = b.kind if b is not None else None
            preferred = (
                KIND_METHODS[kind]
                if kind in KIND_METHODS and kinds.get(kind) == 1
                else naming.function_name(op.py_name)
            )
            name = methods_scope.claim(preferred)
            method = _method(
                api,
                op,
                b,
                name,
                spec_names.claim(f"_{naming.constant(op.py_name)}"),
                types,
                classes,
                statuses,
            )
            if method.paging is not None:
                methods_scope.claim(name + "_all")
            method.attribute = attribute
            error_classes.extend(method.errors)
            methods.append(method)
        resources.append(Resource(tag, attribute, class_name, module, methods))
    return resources, error_classes, statuses


def _method(
    api: Api,
    op: Operation,
    b: Binding | None,
    name: str,
    spec_name: str,
    types: ClientTypes,
    classes: naming.NameScope,
    statuses: dict[int, str],
) -> Method:
    request = types.in_mode(REQUEST)
    answers = types.in_mode(RESPONSE)
    scope = naming.NameScope(reserved=_CALL_RESERVED)
    positional: list[Arg] = []
    keyword: list[Arg] = []
    idempotency: str | None = None
    styles: dict[str, tuple[str, bool]] = {}
    json_parameters: list[str] = []
    for p in op.parameters:
        if p.location == "header" and p.name.lower() in _IGNORED_HEADERS:
            continue
        annotation = _param_type(p, request)
        arg = Arg(
            scope.claim(naming.parameter_name(p.name)),
            annotation,
            None,
            p.name,
            p.location,
            comment_text(p.description or ""),
        )
        if p.location == "header" and p.name.lower() in IDEMPOTENCY_HEADERS:
            idempotency = p.name
            arg.annotation, arg.default = f"{annotation} | Unset", "UNSET"  # sent automatically
        elif not p.required:
            arg.annotation, arg.default = f"{annotation} | Unset", "UNSET"
        if p.schema is None and p.content and _is_json_media(p.content[0].media_type):
            json_parameters.append(p.name)
        elif p.location == "query" and (p.style not in (None, "form") or p.explode is False):
            styles[p.name] = (
                p.style or "form",
                p.explode if p.explode is not None else p.style in (None, "form"),
            )
        (positional if p.location == "path" else keyword).append(arg)

    body: Arg | None = None
    body_kind: str | None = None
    content_type: str | None = None
    if op.request_body is not None:
        chosen = _media(op.request_body.contents)
        if chosen is not None:
            body_kind, mt = chosen
            content_type = mt.media_type
            if body_kind in ("json", "form", "multipart"):
                annotation = request.plain_type(mt.schema) if mt.schema is not None else "Any"
                if (
                    body_kind != "json"
                    and annotation not in ("Any",)
                    and "dict[" not in annotation.split("|")[0]
                ):
                    annotation = f"{annotation} | Mapping[str, Any]"
            elif body_kind in ("text", "stream"):
                body_kind, annotation = "content", "str | bytes"
            else:
                annotation = "bytes"
            body = Arg("body", annotation, None, "", "body")
            if not op.request_body.required:
                body.annotation, body.default = f"{annotation} | Unset", "UNSET"

    success = [r for r in op.responses if r.is_success or r.status == "2XX"]
    if not success:
        success = [r for r in op.responses if r.status == "default"]
    success_types: dict[str, str] = {}
    stream_item: str | None = None
    for r in success:
        answer, item = _answer_type(r, answers)
        success_types[r.status] = answer
        stream_item = stream_item or item
    returns = _union(list(success_types.values())) if success_types else "Any"

    errors: list[ErrorClass] = []
    error_entries: dict[str, str] = {}
    for r in op.responses:
        if (
            r.is_success
            or r.status == "2XX"
            or (
                r.status == "default"
                and not [x for x in op.responses if x.is_success or x.status == "2XX"]
            )
        ):
            continue
        chosen = _media(r.contents)
        body_type = (
            answers.plain_type(chosen[1].schema)
            if chosen is not None and chosen[0] == "json" and chosen[1].schema is not None
            else None
        )
        if r.numeric is not None and r.numeric >= 400:
            base = statuses[r.numeric]
            cls = base
            if body_type is not None and body_type != "Any":
                cls = classes.claim(naming.pascal(op.py_name) + base)
                errors.append(ErrorClass(cls, base, body_type))
            error_entries[r.status] = f"(errors.{cls}, {body_type or 'None'})"
        elif r.numeric is None and body_type is not None and body_type != "Any":
            # a range or default answer with a declared body: a class of its own (the
            # runtime also makes it the exact status's class where the document has one)
            cls = classes.claim(naming.pascal(op.py_name) + _RANGE_CLASS_SUFFIX[r.status])
            errors.append(ErrorClass(cls, "ApiError", body_type))
            error_entries[r.status] = f"(errors.{cls}, {body_type})"
        elif r.numeric is None:
            error_entries[r.status] = f"(None, {body_type or 'None'})"

    spec_args = [f"method={py_literal(op.method.upper())}", f"path={py_literal(op.path)}"]
    security = _security(op, api)
    if security != "()":
        spec_args.append(f"security={security}")
    if idempotency is not None:
        spec_args.append(f"idempotency_header={py_literal(idempotency)}")
    if success_types:
        pairs = ", ".join(f"{py_literal(k)}: {v}" for k, v in success_types.items())
        spec_args.append(f"success={{{pairs}}}")
    if error_entries:
        pairs = ", ".join(f"{py_literal(k)}: {v}" for k, v in error_entries.items())
        spec_args.append(f"errors={{{pairs}}}")
    if styles:
        spec_args.append(f"styles={py_literal(styles)}")
    if json_parameters:
        spec_args.append(f"json_parameters=frozenset({py_literal(json_parameters)})")
    spec = f"OperationSpec({', '.join(spec_args)})"

    call_args: list[str] = []
    for location in ("path", "query", "header", "cookie"):
        located = [a for a in [*positional, *keyword] if a.location == location]
        if located:
            pairs = ", ".join(f"{py_literal(a.wire)}: {a.name}" for a in located)
            call_args.append(
                f"{'headers' if location == 'header' else location + ('s' if location == 'cookie' else '')}={{{pairs}}}"
            )
    if body is not None:
        if body_kind == "json":
            call_args.append("json=body")
        elif body_kind == "form":
            call_args.append("data=form_fields(body)")
        elif body_kind == "multipart":
            call_args.append("data=form_fields(body)")
            call_args.append("files=form_files(body)")
        else:
            call_args.append(
                "content=None if isinstance(body, Unset) else (body.encode() if isinstance(body, str) else body)"
            )
            call_args.append(f"content_type={py_literal(content_type)}")
    call_args += ["timeout=timeout", "extra_headers=extra_headers"]
    call = f"Call({', '.join(call_args)})"

    doc = "\n\n".join(str(text).strip() for text in (op.summary, op.description) if text)
    paging = _paging(op, b, types)
    return Method(
        name=name,
        operation=op,
        doc=doc,
        spec_name=spec_name,
        spec=spec,
        positional=positional,
        keyword=keyword,
        body=body,
        body_kind=body_kind,
        content_type=content_type,
        returns=returns,
        call=call,
        stream_item=stream_item,
        paged_item=paging[1] if paging else None,
        paging=paging[0] if paging else None,
        errors=errors,
    )
