"""Step ``api_routes``: one FastAPI route per operation, grouped by first tag (``app/api/routes/``).

Parameters, bodies and responses are declared through FastAPI's own machinery (typed
parameters, body models, ``response_model`` and ``responses``), so the OpenAPI document
FastAPI derives from the routes can be checked against the spec. ``openapi_extra`` carries
only documentation FastAPI has no parameter for (request body description, operation
externalDocs and servers, ``x-`` extensions, an optional credential's ``{}`` requirement, an
empty response description).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specfirst import naming
from specfirst.build import inline_refs
from specfirst.ir import NO_VALUE, Api, MediaType, Operation, Parameter, Response, Schema
from specfirst.pytypes import TypeRenderer, comment_text, py_literal
from specfirst.render import StepContext
from specfirst.resources import Binding, Plan
from specfirst.steps.authentication import requirement_function_name
from specfirst.steps.models_and_crud import answer_variable
from specfirst.writer import OutputFile, UserFunction

NAME = "api_routes"
DESCRIPTION = "routes with the spec's paths, parameters, bodies, responses and metadata"

# Comments, not docstrings: FastAPI would publish a docstring as the operation's description.
DOC_CALLBACK = (
    "# Documents the callback request; this service sends it, it does not receive it.",
    "...",
)
DOC_WEBHOOK = (
    "# Documents the webhook request; this service sends it, it does not receive it.",
    "...",
)

_PARAM_FUNCTIONS = {"path": "Path", "query": "Query", "header": "Header", "cookie": "Cookie"}


@dataclass
class ParamDef:
    name: str
    annotation: str
    default: str | None


@dataclass
class RouteDef:
    function: str
    method: str
    decorator_args: list[str]
    params: list[ParamDef]
    operation_id: str
    callbacks: list[RouteDef] = field(default_factory=list)
    callbacks_router: str | None = None
    styled: list[tuple[str, str]] = field(default_factory=list)  # (variable, StyledQuery(...))
    body: list[str] = field(default_factory=list)  # the function body, one line each
    is_async: bool = False


@dataclass
class ModuleDef:
    module: str
    tag: str
    routes: list[RouteDef] = field(default_factory=list)
    schema_names: list[str] = field(default_factory=list)
    uses_example_param: bool = False
    crud_imports: list[str] = field(default_factory=list)  # "module.table_var"
    uses_search: bool = False
    uses_paging: list[str] = field(default_factory=list)  # BadCursor, searched
    uses_body_route: bool = False
    uses_styled_header: bool = False
    handler_functions: list[UserFunction] = field(default_factory=list)
    json_responses: list[tuple[str, str]] = field(
        default_factory=list
    )  # (class name, media type literal)


def _primary(op: Operation) -> Response | None:
    return op.primary_response()


def op_body_optional(b: Binding) -> bool:
    body = b.operation.request_body
    return body is not None and not body.required


def _json_media(contents: list[MediaType]) -> MediaType | None:
    return next((mt for mt in contents if mt.is_json), None)


def _literal_content(mt: MediaType, api: Api) -> dict[str, Any]:
    """A media type object FastAPI cannot derive (non-JSON): documentation, refs inlined.

    FastAPI's document is OAS 3.1: a schema from a 3.0 document is written in 3.1 spelling.
    """
    content = inline_refs(mt.raw, api.document)
    if tuple(api.openapi_version) < (3, 1) and isinstance(content, dict) and "schema" in content:
        content = {**content, "schema": schema_as_31(content["schema"])}
    return content


_SCHEMA_MAPS = ("properties", "patternProperties")
_SCHEMA_ONES = ("items", "additionalProperties", "not")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def schema_as_31(node: Any) -> Any:
    """An OAS 3.0 Schema Object (refs inlined) in OAS 3.1 spelling, meaning unchanged.

    ``nullable: true`` adds "null" to ``type`` (or an anyOf member where there is no type),
    ``nullable: false`` goes; boolean ``exclusiveMinimum``/``exclusiveMaximum`` become the
    bound itself (true) or go (false). An ``enum`` keeps its values: one without ``null``
    excludes it either way.
    """
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: schema_as_31(child) for name, child in value.items()}
        elif key in _SCHEMA_ONES:
            out[key] = schema_as_31(value)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [schema_as_31(child) for child in value]
        else:
            out[key] = value
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(bound)
        if flag is False:
            del out[bound]
        elif flag is True:
            del out[bound]
            if limit in out:
                out[bound] = out.pop(limit)
    nullable = out.pop("nullable", False) is True
    if nullable:
        declared = out.get("type")
        if isinstance(declared, str):
            out["type"] = [declared, "null"]
        elif declared is None:
            annotations = {
                k: v
                for k, v in out.items()
                if k in ("description", "title", "example", "default", "deprecated")
            }
            rest = {k: v for k, v in out.items() if k not in annotations}
            out = {"anyOf": [rest, {"type": "null"}], **annotations} if rest else out
    return out


def _own_description(schema: Schema | None) -> Any:
    """The description a parameter schema has itself: a ``$ref``'s sibling, else its target's."""
    seen: set[int] = set()
    while schema is not None and id(schema) not in seen:
        if "description" in schema.annotations:
            return schema.annotations["description"]
        seen.add(id(schema))
        schema = schema.ref
    return NO_VALUE


def _media_docs(mt: MediaType) -> dict[str, Any]:
    docs: dict[str, Any] = {}
    if mt.example is not NO_VALUE:
        docs["example"] = mt.example
    if mt.examples is not None:
        docs["examples"] = mt.examples
    if mt.encoding is not None:
        docs["encoding"] = mt.encoding
    return docs


class _RouteBuilder:
    def __init__(self, api: Api, renderer: TypeRenderer, plan: Plan | None = None) -> None:
        self.api = api
        self.renderer = renderer
        self.plan = plan  # None for webhooks and callbacks: they only document requests
        self.uses_example_param = False
        self.uses_styled_header = False
        self.crud_imports: set[str] = set()
        self.handler_functions: list[UserFunction] = []
        self.uses_search = False
        self.uses_paging: set[str] = set()
        # JSON answers in a media type other than application/json: media type -> class name
        self.json_responses: dict[str, str] = {}
        self.class_names = naming.NameScope()

    def type_of(self, schema: Schema | None) -> str:
        return self.renderer.full_type(schema) if schema is not None else "Any"

    def json_response_class(self, media_type: str) -> str:
        """The module's JSONResponse subclass answering in ``media_type`` (declared once)."""
        if media_type not in self.json_responses:
            name = self.class_names.claim("_" + naming.pascal(media_type) + "Response")
            self.json_responses[media_type] = name
        return self.json_responses[media_type]

    # -- parameters ------------------------------------------------------------------------
    @staticmethod
    def is_styled(p: Parameter) -> bool:
        """A query parameter FastAPI cannot parse or publish by itself (style, explode, ...,
        vendor extensions: FastAPI writes no parameter-level keys of its own choosing)."""
        return p.location == "query" and (
            (p.style or "form") != "form"
            or p.explode is False
            or p.allow_reserved
            or p.allow_empty_value
            or bool(p.extensions)
            or _holds_objects(p.schema)
        )

    @staticmethod
    def is_styled_header(p: Parameter) -> bool:
        """A header parameter with vendor extensions: FastAPI writes no parameter-level keys
        of its own choosing, so ``StyledHeader`` reads and publishes it."""
        return (
            p.location == "header"
            and bool(p.extensions)
            and not p.content
            and not _holds_objects(p.schema)
        )

    @staticmethod
    def is_styled_path(p: Parameter) -> bool:
        """A path parameter holding an array or an object (FastAPI takes one value from a path
        segment, so the segment is read in the parameter's style by ``StyledPath``), or one
        carrying vendor extensions (FastAPI writes no parameter-level keys of its own
        choosing) or a label or matrix style (FastAPI reads the segment as it is):
        ``StyledPath`` reads the scalar and publishes the parameter as written)."""
        if p.location != "path" or p.schema is None or p.content:
            return False
        return bool(p.extensions) or (p.style or "simple") != "simple" or not _scalar_path(p)

    def styled_path_param(
        self, op: Operation, p: Parameter, extra: dict[str, Any]
    ) -> tuple[ParamDef, tuple[str, str]]:
        schema = p.schema
        value_type = self.renderer.full_type(schema) if schema is not None else "Any"
        variable = f"{op.py_name}_{p.py_name}_param"
        args = [py_literal(p.name), value_type]
        if op.routes_by_python_name(p):
            args.append(f"route_name={py_literal(p.py_name)}")
        if p.style and p.style != "simple":
            args.append(f"style={py_literal(p.style)}")
        if p.explode:
            args.append("explode=True")
        if _scalar_path(p):
            args.append("scalar=True")
        args += _published_arguments(p)
        extra.setdefault("parameters", []).append(f"{variable}.openapi()")
        return (
            ParamDef(
                name=p.py_name,
                annotation=f"Annotated[{value_type}, Depends({variable})]",
                default=None,
            ),
            (variable, f"StyledPath({', '.join(args)})"),
        )

    def styled_param(
        self, op: Operation, p: Parameter, extra: dict[str, Any]
    ) -> tuple[ParamDef, tuple[str, str]]:
        schema = p.schema
        value_type = self.renderer.full_type(schema) if schema is not None else "Any"
        variable = f"{op.py_name}_{p.py_name}_param"
        header = p.location == "header"
        self.uses_styled_header = self.uses_styled_header or header
        marker = _text_marker(schema) if header else None
        read_type = f"Annotated[{value_type}, {marker}]" if marker else value_type
        args = [py_literal(p.name), read_type]
        if p.style and p.style != "form" and not header:
            args.append(f"style={py_literal(p.style)}")
        if p.explode is not None and not header:
            args.append(f"explode={p.explode}")
        if p.required:
            args.append("required=True")
        if p.allow_reserved and not header:
            args.append("allow_reserved=True")
        if p.allow_empty_value and not header:
            args.append("allow_empty_value=True")
        if schema is not None and schema.default is not NO_VALUE:
            args.append(f"default={py_literal(schema.default)}")
        args += _published_arguments(p)
        extra.setdefault("parameters", []).append(f"{variable}.openapi()")
        annotation = (
            value_type
            if p.required or (schema is not None and schema.default is not NO_VALUE)
            else f"{value_type} | MISSING"
        )
        return (
            ParamDef(
                name=p.py_name,
                annotation=f"Annotated[{annotation}, Depends({variable})]",
                default=None,
            ),
            (variable, f"{'StyledHeader' if header else 'StyledQuery'}({', '.join(args)})"),
        )

    def param(self, p: Parameter, *, routed: bool = False) -> ParamDef:
        """The route function's argument for ``p``; ``routed``: a path parameter the route's
        template names by its Python name (so no alias: FastAPI reads the path by it)."""
        schema = p.schema
        if schema is None and p.content:
            schema = p.content[0].schema
        annotation = self.renderer.property_type(schema) if schema is not None else "Any"
        args: list[str] = []
        if (p.name != p.py_name and not routed) or p.location == "header":
            args.append(f"alias={py_literal(p.name)}")
        if p.location == "header":
            args.append("convert_underscores=False")
        schema_extra: dict[str, Any] = {}
        if schema is not None and schema.py_name is None:
            kwargs, schema_extra = self.renderer.metadata(schema, with_default=False)
            args.extend(k for k in kwargs if not k.startswith("description="))
        described = _own_description(schema)
        if described is not NO_VALUE and (p.description or "description" in schema.annotations):
            # the parameter's description would stand in the schema's place (FastAPI copies it there)
            schema_extra = {"description": described, **schema_extra}
        if p.description:  # FastAPI publishes no empty description
            args.append(f"description={py_literal(p.description)}")
        if p.deprecated:
            args.append("deprecated=True")
        if p.example is not NO_VALUE:
            args.append(f"example={py_literal(p.example)}")
            self.uses_example_param = True
        if p.examples:
            args.append(f"openapi_examples={py_literal(p.examples)}")
        default: str | None = None
        has_default = (
            schema is not None and schema.default is not NO_VALUE and schema.py_name is None
        )
        if has_default and p.required and schema is not None:
            # a required parameter never falls back to its default: publish it only
            schema_extra["default"] = schema.default
        if schema_extra:
            args.append(f"json_schema_extra={py_literal(schema_extra)}")
        if not p.required:
            if has_default:
                default = py_literal(schema.default) if schema is not None else None
            else:
                annotation = f"{annotation} | MISSING"
                default = "MISSING"
        function = _PARAM_FUNCTIONS[p.location]
        marker = _text_marker(schema) if not p.content else None
        markers = f", {marker}" if marker else ""
        return ParamDef(
            name=p.py_name,
            annotation=f"Annotated[{annotation}, {function}({', '.join(args)}){markers}]",
            default=default,
        )

    # -- request body ----------------------------------------------------------------------
    def body(self, op: Operation, extra: dict[str, Any]) -> ParamDef | None:
        body = op.request_body
        if body is None:
            return None
        if body.description is not None:
            extra.setdefault("requestBody", {})["description"] = body.description
        if body.extensions:  # FastAPI has no parameter for them
            extra.setdefault("requestBody", {}).update(body.extensions)
        if not body.contents:
            return None
        chosen = _json_media(body.contents) or next(
            (mt for mt in body.contents if mt.is_form), body.contents[0]
        )
        for mt in body.contents:
            if mt is not chosen:
                extra.setdefault("requestBody", {}).setdefault("content", {})[mt.media_type] = (
                    _literal_content(mt, self.api)
                )
        annotation = self.type_of(chosen.schema) if chosen.schema is not None else "Any"
        args: list[str] = []
        # Body(media_type=...) publishes the chosen media type; the router's BodyRoute
        # (app/core/bodies.py) reads every declared one into this model (FastAPI's Form would
        # take an empty form field for a missing one)
        if chosen.media_type != "application/json":
            args.append(f"media_type={py_literal(chosen.media_type)}")
        args.extend(_body_annotations(chosen.schema))
        if chosen.schema is None and not chosen.is_json and not chosen.is_form:
            annotation = "bytes"
        if chosen.example is not NO_VALUE:
            args.append(f"example={py_literal(chosen.example)}")
            self.uses_example_param = True
        if chosen.examples:
            args.append(f"openapi_examples={py_literal(chosen.examples)}")
        if chosen.encoding is not None:
            extra.setdefault("requestBody", {}).setdefault("content", {}).setdefault(
                chosen.media_type, {}
            )["encoding"] = chosen.encoding
        default = None
        if not body.required:
            annotation = f"{annotation} | MISSING"
            default = "MISSING"
        return ParamDef(
            name="body",
            annotation=f"Annotated[{annotation}, Body({', '.join(args)})]",
            default=default,
        )

    # -- responses -------------------------------------------------------------------------
    def response_entry(self, r: Response, *, primary: bool, model_media: str) -> dict[str, str]:
        """The ``responses`` entry for one status, as Python source fragments per key.

        FastAPI writes every response model under one media type, the route's response class
        (``model_media``): a JSON schema in that media type is the entry's ``model``; a JSON
        schema in any other media type (an error in ``application/problem+json`` next to
        ``application/json`` answers) is published like a non-JSON one, as documentation.
        """
        entry: dict[str, str] = {}
        content: dict[str, Any] = {}
        model_mt = next(
            (
                mt
                for mt in r.contents
                if mt.is_json and mt.schema is not None and mt.media_type == model_media
            ),
            None,
        )
        if not primary:
            entry["description"] = py_literal(r.description)
            if model_mt is not None:
                entry["model"] = self.type_of(model_mt.schema)
        for mt in r.contents:
            if mt is model_mt:
                docs = _media_docs(mt)
                if docs:
                    content[mt.media_type] = docs
            else:
                content[mt.media_type] = _literal_content(mt, self.api)
        if content or r.empty_content:  # FastAPI publishes an empty map as given
            entry["content"] = py_literal(content)
        if r.headers:
            entry["headers"] = py_literal(r.headers)
        if r.links:
            entry["links"] = py_literal(r.links)
        return entry

    def route(self, op: Operation, *, name: str | None = None) -> RouteDef:
        extra: dict[str, Any] = {}
        callbacks = [
            self.route(cb_op, name=cb_name)
            for cb_name, cb_ops in op.callbacks.items()
            for cb_op in cb_ops
        ]
        params: list[ParamDef] = []
        styled: list[tuple[str, str]] = []
        for p in op.parameters:
            if self.is_styled(p) or self.is_styled_header(p) or self.is_styled_path(p):
                read = self.styled_path_param if self.is_styled_path(p) else self.styled_param
                definition, declaration = read(op, p, extra)
                params.append(definition)
                styled.append(declaration)
            else:
                params.append(self.param(p, routed=op.routes_by_python_name(p)))
        body = self.body(op, extra)
        if body is not None:
            params.append(body)
        # required parameters first (Python needs them before defaulted ones)
        params.sort(key=lambda d: d.default is not None)

        args: list[str] = [py_literal(op.routed_path)]
        args.append(f"operation_id={py_literal(op.wire_id)}")
        if op.summary is not None:
            args.append(f"summary={py_literal(op.summary)}")
        if op.description is not None:
            args.append(f"description={py_literal(op.description)}")
        else:
            args.append('description=""')
        if op.tags:
            args.append(f"tags={py_literal(op.tags)}")
        if name is not None:
            args.append(f"name={py_literal(name)}")
        callbacks_router = f"{op.py_name}_callbacks" if callbacks else None
        if callbacks_router:
            args.append(f"callbacks={callbacks_router}.routes")
        if op.deprecated:
            args.append("deprecated=True")

        primary = _primary(op)
        responses: dict[str, dict[str, str]] = {}
        model_media = "application/json"  # where FastAPI writes the route's response models
        if primary is not None:
            status = primary.numeric if primary.numeric is not None else py_literal(primary.status)
            args.append(f"status_code={status}")
            args.append(f"response_description={py_literal(primary.description)}")
            json_mt = _json_media(primary.contents)
            if json_mt is not None and json_mt.schema is not None:
                args.append(f"response_model={self.type_of(json_mt.schema)}")
                model_media = json_mt.media_type
                if model_media != "application/json":
                    args.append(f"response_class={self.json_response_class(model_media)}")
            else:
                # no JSON schema to validate against: the content is declared as documentation
                args.append("response_model=None")
                args.append("response_class=Response")
            entry = self.response_entry(primary, primary=True, model_media=model_media)
            if entry:
                responses[primary.status] = entry
        for r in op.responses:
            if r is not primary:
                responses[r.status] = self.response_entry(r, primary=False, model_media=model_media)
        if responses:
            rendered = []
            for status, entry in responses.items():
                key = status if status.isdigit() else py_literal(status)
                items = ", ".join(f"{py_literal(k)}: {v}" for k, v in entry.items())
                rendered.append(f"{key}: {{{items}}}")
            args.append(f"responses={{{', '.join(rendered)}}}")
        implemented = self.plan is not None and name is None
        security_dep = (
            f"security.{requirement_function_name(self.api, op)}" if op.effective_security else None
        )
        if security_dep and not implemented:
            args.append(f"dependencies=[Depends({security_dep})]")
        for r in op.responses:
            if not r.description:
                # FastAPI replaces an empty description by the status phrase ("OK"), then
                # applies openapi_extra
                extra.setdefault("responses", {})[r.status] = {"description": ""}
        unwritten = [
            requirement
            for requirement in op.effective_security
            if not requirement or any(not _publishable(self.api, name) for name in requirement)
        ]
        if unwritten:
            # FastAPI writes one requirement per security dependency and has no spelling for
            # "no credential needed" ({}), for a scheme the document does not define (its
            # alternative refuses every request), nor for a mutualTLS scheme (its OpenAPI model
            # has no such type): it appends this list to the one it derives
            extra["security"] = unwritten
        if op.external_docs is not None:
            extra["externalDocs"] = op.external_docs
        if op.servers is not None:
            extra["servers"] = op.servers
        extra.update(op.extensions)
        if extra:
            args.append(f"openapi_extra={_extra_source(extra)}")
        body_lines: list[str]
        if implemented:
            assert self.plan is not None
            binding = self.plan.binding(op)
            needs_request = binding is None or binding.answer == "list" or _sends_headers(binding)
            context: list[ParamDef] = (
                [ParamDef("request", "Request", None)] if needs_request else []
            )
            context.append(ParamDef("db", "Annotated[Session, Depends(get_db)]", None))
            if security_dep:
                context.append(
                    ParamDef("principal", f"Annotated[Principal, Depends({security_dep})]", None)
                )
            params = context + params
            status_line: list[str] = []
            if primary is not None and primary.numeric is None:
                # FastAPI publishes "default"/"2XX" as given; the answer itself needs a number
                params = [ParamDef("response", "Response", None), *params]
                status_line = ["response.status_code = 200"]
            elif binding is not None and _sends_headers(binding) and binding.answer != "empty":
                params = [ParamDef("response", "Response", None), *params]
            body_lines = status_line + (
                self.crud_body(binding) if binding else self.handler_body(op, params, primary)
            )
        elif name is not None:
            body_lines = list(DOC_CALLBACK)
        else:
            body_lines = list(DOC_WEBHOOK)
        return RouteDef(
            function=op.py_name,
            method=op.method,
            decorator_args=args,
            params=params,
            operation_id=op.wire_id,
            callbacks=callbacks,
            callbacks_router=callbacks_router,
            styled=styled,
            body=body_lines,
            is_async=not implemented,
        )

    # -- what a route does ---------------------------------------------------------------------
    def crud_body(self, b: Binding) -> list[str]:
        r = b.resource
        table = naming.snake(r.name) + "_table"
        self.crud_imports.add(f"{r.module}.{table}")
        id_arg = b.id_param.py_name if b.id_param else None
        lines: list[str] = []
        if b.kind in ("create", "update") and b.body_schema is not None:
            exclude = ", exclude_unset=True" if b.partial else ""
            dump = f'body.model_dump(mode="json", by_alias=True{exclude})'
            optional = op_body_optional(b)
            lines.append(
                f"data = {{}} if body is MISSING else {dump}" if optional else f"data = {dump}"
            )
            if id_arg is None and b.kind == "update":
                id_arg = f"data.get({r.id_column.name!r})"
        if b.kind == "create" and r.id_generated is None:
            lines += [
                f"if data.get({r.id_column.name!r}) is None:",
                f'    raise ApiError({b.invalid_status}, "invalid_request", "{r.id_column.name} is required")',
            ]
        if b.kind == "create" and any(o.id_param is not None for o in r.operations):
            # an id that no path segment can spell ("", "a/b") could never be read or deleted
            where = py_literal(("body", r.id_column.name))
            lines.append(f"refuse_unaddressable(data.get({py_literal(r.id_column.name)}), {where})")
        if b.kind == "update" and b.partial:
            lines += [
                "try:",
                f"    data = merge_patch({table}.read(db, {id_arg}), data)",
                "except NotFound as exc:",
                f'    raise ApiError({b.not_found_status}, "not_found", str(exc)) from None',
            ]
        # a write the table cannot store, or could not answer afterwards, is the client's error
        unstorable = [
            "except Unstorable as exc:",
            f'    raise ApiError({b.invalid_status}, "invalid_request", str(exc)) from None',
        ]
        if b.kind == "create":
            lines += [
                "try:",
                f"    item = {table}.create(db, data)",
                "except Duplicate as exc:",
                f'    raise ApiError({b.conflict_status}, "duplicate", str(exc)) from None',
                *unstorable,
            ]
        elif b.kind in ("read", "update", "delete"):
            calls = {
                "read": [f"item = {table}.read(db, {id_arg})"],
                "update": [f"item = {table}.update(db, {id_arg}, data)"],
                "delete": [f"item = {table}.read(db, {id_arg})", f"{table}.delete(db, {id_arg})"],
            }[b.kind]
            lines += ["try:", *("    " + call for call in calls), "except NotFound as exc:"]
            lines.append(
                f'    raise ApiError({b.not_found_status}, "not_found", str(exc)) from None'
            )
            if b.kind == "update":
                lines += unstorable
        else:  # list, search
            return lines + self.list_body(b, table)
        headers = _sends_headers(b)
        if headers:
            answer = f"{r.module}.{answer_variable(b)}"
            self.crud_imports.add(answer)
            values = (
                f"{answer_variable(b)}.values(request, item=item, id_name={r.id_column.name!r})"
            )
            if b.answer != "empty":
                lines.append(f"response.headers.update({values})")
        if b.answer == "item":
            lines.append("return item")
        elif b.answer == "message":
            verb = {"create": "created", "update": "updated", "delete": "deleted", "read": "found"}[
                b.kind
            ]
            text = f'f"{r.name} {{item[{r.id_column.name!r}]!r}} {verb}"'
            lines.append(
                f"return {{{b.message_field!r}: {text}}}" if b.message_field else "return {}"
            )
        else:
            headers_arg = f", headers={values}" if headers else ""
            lines.append(f"return Response(status_code={b.status}{headers_arg})")
        return lines

    def list_body(self, b: Binding, table: str) -> list[str]:
        """A list: the page its paging parameters ask for, in its envelope, with its headers."""
        r = b.resource
        answer = answer_variable(b)
        self.crud_imports.add(f"{r.module}.{answer}")
        filters = (
            f"present([{', '.join(f'({column.name!r}, {p.py_name})' for p, column in b.filters)}])"
        )
        given_args = {
            "limit": b.limit_param,
            "offset": b.offset_param,
            "page": b.page_param,
            "after": b.after_param,
            "before": b.before_param,
        }
        paging = "".join(
            f", {role}=given({p.py_name})" for role, p in given_args.items() if p is not None
        )
        lines: list[str] = []
        if b.kind == "search":
            self.uses_search = True
            self.uses_paging.add("searched")
            query = f"given({b.search_param.py_name})" if b.search_param else "None"
            limit = f"given({b.limit_param.py_name})" if b.limit_param else "None"
            offset = f"given({b.offset_param.py_name}, 0)" if b.offset_param else "0"
            lines += [
                f"items = search_items(request, {table}, {query}, filters={filters}, limit={limit}, offset={offset})",
            ]
            local = {"items", "value", "count", "offset", "limit", "self_link"}
            if b.envelope is not None and b.envelope.sources <= local and not _sends_headers(b):
                # nothing in the answer depends on what lies beyond this page
                lines.append(
                    f"page = searched(items, total=len(items), offset={offset}, limit={limit})"
                )
            else:
                lines += [
                    f"everything = search_items(request, {table}, {query}, filters={filters}, limit=None, offset=0)",
                    f"page = searched(items, total=len(everything), offset={offset}, limit={limit})",
                ]
        else:
            fetch = f"page = {answer}.fetch(db, filters={filters}{paging})"
            if b.after_param is not None or b.before_param is not None:
                self.uses_paging.add("BadCursor")
                if b.refuses_bad_cursor:
                    refusal = f'    raise ApiError({b.invalid_status}, "invalid_request", str(exc)) from None'
                    lines += ["try:", f"    {fetch}", "except BadCursor as exc:", refusal]
                else:
                    unpaged = "".join(
                        f", {role}=given({p.py_name})"
                        for role, p in given_args.items()
                        if p is not None and role not in ("after", "before")
                    )
                    lines += [
                        "try:",
                        f"    {fetch}",
                        "except BadCursor:  # no 400 is declared: a cursor the service did not issue reads from the start",
                        f"    page = {answer}.fetch(db, filters={filters}{unpaged})",
                    ]
            else:
                lines.append(fetch)
        if _sends_headers(b):
            lines.append(f"response.headers.update({answer}.header_values(request, page))")
        lines.append(f"return {answer}.answer(request, page)")
        return lines

    def handler_body(
        self, op: Operation, params: list[ParamDef], primary: Response | None
    ) -> list[str]:
        own = [p.name for p in params if p.name not in ("request", "response", "db", "principal")]
        status = (
            primary.numeric if primary is not None and not _json_media(primary.contents) else None
        )
        self.handler_functions.append(self.handler_stub(op, primary))
        args = "".join(f", {name}={name}" for name in own)
        principal = ", principal=principal" if any(p.name == "principal" for p in params) else ""
        call = f"call_handler(handlers, {op.py_name!r}, {op.wire_id!r}, ctx, {status}{args})"
        lines = [f"ctx = HandlerContext(request=request, db=db{principal})"]
        log = self.plan.log_of(op) if self.plan else None
        if log is None:
            return [*lines, f"return {call}"]
        table = naming.snake(log.name) + "_table"
        self.crud_imports.add(f"{log.module}.{table}")
        body = "body, " if "body" in own else ""
        stamp = f", timestamp={log.timestamp!r}" if log.timestamp else ""
        return [
            *lines,
            f"answer = {call}",
            "# "
            + comment_text(
                f"x-specfirst-log: {op.extensions['x-specfirst-log']}: the call is recorded in {log.name}"
            ),
            f"{table}.record(db, {body}answer{stamp})",
            "return answer",
        ]

    def handler_stub(self, op: Operation, primary: Response | None) -> UserFunction:
        """The stub a user fills in: typed from the spec, raising NotImplementedError (501)."""
        plain = TypeRenderer(prefix="schemas.")
        parts: list[str] = []
        for p in op.parameters:
            schema = p.schema or (p.content[0].schema if p.content else None)
            kind = plain.plain_type(schema) if schema is not None else "Any"
            if p.required or (schema is not None and schema.default is not NO_VALUE):
                parts.append(f"{p.py_name}: {kind}")
            else:
                parts.append(f"{p.py_name}: {kind} | None = None")
        if op.request_body and op.request_body.contents:
            mt = _json_media(op.request_body.contents) or op.request_body.contents[0]
            kind = (
                plain.plain_type(mt.schema)
                if mt.schema is not None
                else ("Any" if mt.is_json else "bytes")
            )
            parts.append(
                f"body: {kind}" if op.request_body.required else f"body: {kind} | None = None"
            )
        parts.sort(key=lambda part: "=" in part)
        json_mt = _json_media(primary.contents) if primary else None
        returns = (
            plain.plain_type(json_mt.schema) if json_mt and json_mt.schema is not None else "Any"
        )
        signature = ", ".join(["ctx: HandlerContext", *(["*", *parts] if parts else [])])
        what = (op.summary or op.description or op.wire_id).strip().splitlines()[0:1]
        # document text is a comment, never a docstring (it could close the string)
        doc = comment_text(f"{op.method.upper()} {op.path}: {' '.join(what)}")
        source = f"def {op.py_name}({signature}) -> {returns}:\n    # {doc}\n    raise NotImplementedError"
        return UserFunction(name=op.py_name, source=source)


def _published_arguments(p: Parameter) -> list[str]:
    """The keyword arguments of a ``StyledQuery``/``StyledPath`` that only document ``p``:
    its description, deprecation, examples and extensions (published as given)."""
    args: list[str] = []
    if p.description:
        args.append(f"description={py_literal(p.description)}")
    if p.deprecated:
        args.append("deprecated=True")
    docs: dict[str, Any] = {}
    if p.example is not NO_VALUE:
        docs["example"] = p.example
    if p.examples:
        docs["examples"] = p.examples
    docs.update(p.extensions)
    if docs:
        args.append(f"docs={py_literal(docs)}")
    return args


def _scalar_path(p: Parameter) -> bool:
    """A path parameter whose value is one scalar (no array, no object)."""
    target = p.schema.target() if p.schema is not None else None
    return target is not None and "array" not in target.types and not _holds_objects(target)


def _element(schema: Schema) -> Schema:
    """What a parameter's value is made of: its array's items, else the schema itself."""
    target = schema.target()
    if target.types == ("array",) and target.items is not None:
        return target.items.target()
    return target


def _holds_objects(schema: Schema | None) -> bool:
    """An object, or an array of objects: FastAPI cannot take either as a query parameter."""
    if schema is None:
        return False
    element = _element(schema)
    return element.is_object or bool(element.properties)


def _publishable(api: Api, scheme: str) -> bool:
    """Whether FastAPI publishes a requirement of ``scheme`` from its security dependency."""
    found = api.security_schemes.get(scheme)
    return found is not None and found.type != "mutualTLS"


_TEXT_MARKERS = {"integer": "IntegerText", "number": "NumberText", "boolean": "BooleanText"}


def _text_marker(schema: Schema | None) -> str | None:
    """How a parameter's text is read when its schema (or its array's items) is one JSON type
    that is not a string: exactly as JSON writes it (see ``app/core/params.py``)."""
    if schema is None:
        return None
    element = _element(schema)
    if len(element.types) != 1 or element.one_of or element.any_of or element.all_of:
        return None
    return _TEXT_MARKERS.get(element.types[0])


def _extra_source(extra: dict[str, Any]) -> str:
    """``openapi_extra`` as source: literal documentation, styled parameters as expressions."""
    params = extra.get("parameters")
    if not params:
        return py_literal(extra)
    rest = {k: v for k, v in extra.items() if k != "parameters"}
    items = [f"{py_literal(k)}: {py_literal(v)}" for k, v in rest.items()]
    items.append(f"'parameters': [{', '.join(params)}]")
    return "{" + ", ".join(items) + "}"


def module_name_for(tag: str, scope: naming.NameScope) -> str:
    return scope.claim(naming.module_name(tag))


def _route_module(
    ctx: StepContext,
    ops: list[Operation],
    name: str,
    tag: str,
    path: str,
    what: str,
    *,
    webhooks: bool = False,
) -> tuple[ModuleDef, OutputFile]:
    """One module of routes (a tag's operations, or the webhooks) and its rendered file.

    ``webhooks``: the operations are requests this API sends (they only document them); a
    tag may be called "webhooks" too, so this never follows from the module's name.
    """
    renderer = TypeRenderer()
    builder = _RouteBuilder(ctx.api, renderer, None if webhooks else ctx.plan)
    module = ModuleDef(module=name, tag=tag)
    module.routes = [builder.route(op) for op in ops]
    module.schema_names = sorted(renderer.used)
    module.uses_example_param = builder.uses_example_param
    module.uses_styled_header = builder.uses_styled_header
    module.crud_imports = sorted(builder.crud_imports)
    module.uses_search = builder.uses_search
    module.uses_paging = sorted(builder.uses_paging)
    # every route of the API reads its request through BodyRoute (body size, media types,
    # text limits); webhooks only document requests this API sends
    module.uses_body_route = not webhooks
    module.handler_functions = builder.handler_functions
    module.json_responses = [
        (name, py_literal(media)) for media, name in builder.json_responses.items()
    ]
    rendered = ctx.render(
        "app/api/routes/module.py.j2",
        path,
        header=ctx.header(what),
        tag=None if webhooks else tag,
        module=module,
        uses_security=any(op.effective_security for op in ops),
    )
    return module, rendered


def generate(ctx: StepContext) -> list[OutputFile]:
    files: list[OutputFile] = []
    modules: list[ModuleDef] = []
    scope = naming.NameScope(reserved=frozenset({"__init__"}))
    for tag, ops in ctx.api.operations_by_tag().items():
        name = module_name_for(tag, scope)
        module, rendered = _route_module(
            ctx,
            ops,
            name,
            tag,
            f"app/api/routes/{name}.py",
            "Routes for the operations of one tag.",
        )
        modules.append(module)
        files.append(rendered)
        if module.handler_functions:
            files.append(_handler_module(ctx, module))
    if ctx.api.webhooks:
        hooks = [op for ops in ctx.api.webhooks.values() for op in ops]
        files.append(
            _route_module(
                ctx,
                hooks,
                "webhooks",
                "webhooks",
                "app/api/webhooks.py",
                "Webhooks: requests this API sends to its subscribers.",
                webhooks=True,
            )[1]
        )
    files.append(
        ctx.render(
            "app/api/routes/__init__.py.j2",
            "app/api/routes/__init__.py",
            header=ctx.header("All routes of the API, one router per tag."),
            modules=modules,
        )
    )
    files.append(
        ctx.render("app/package.py.j2", "app/api/__init__.py", header=ctx.header("The HTTP API."))
    )
    files.append(
        ctx.render(
            "app/package.py.j2",
            "app/handlers/__init__.py",
            header=ctx.header("Your code, one module per tag."),
        )
    )
    return files


def _handler_module(ctx: StepContext, module: ModuleDef) -> OutputFile:
    """The user's module for a tag: written once, then only grows by new operations' stubs."""
    rendered = ctx.render(
        "app/handlers/module.py.j2",
        f"app/handlers/{module.module}.py",
        tag=module.tag,
        spec_name=ctx.spec_name,
        functions=module.handler_functions,
    )
    return OutputFile(
        path=rendered.path,
        content=rendered.content,
        user_owned=True,
        functions=tuple(module.handler_functions),
    )


def _sends_headers(b: Binding) -> bool:
    """Whether the operation's success response declares headers the service fills."""
    return b.headers is not None and bool(b.headers.headers)


def _body_annotations(schema: Schema | None) -> list[str]:
    """``Body`` arguments for an inline body schema's own title and default.

    FastAPI titles a body with its parameter's name and publishes no default of the schema
    (a body's default is documentation: an absent body stays absent).
    """
    if schema is None or schema.py_name is not None or schema.ref is not None:
        return []
    args: list[str] = []
    title = schema.annotations.get("title")
    if isinstance(title, str):
        args.append(f"title={py_literal(title)}")
    if schema.default is not NO_VALUE:
        args.append(f"json_schema_extra={py_literal({'default': schema.default})}")
    return args
