"""Schema -> Python type expressions for a generated client, in two modes.

The client reads answers and writes requests; a schema can mean different things in each:

- ``readOnly`` properties are absent from the request form of a class, ``writeOnly`` ones
  from the answer form;
- an enum is strict in a request (a typo fails before it is sent) and tolerant in an answer
  (``Literal[...] | str``: a server that grows a value does not break an older client);
- a discriminated union read from an answer has a catch-all member for an unknown kind.

:class:`ClientTypes` extends :class:`specfirst.pytypes.TypeRenderer` (its readable
``plain_type``) with these modes; :func:`plan_models` decides which named schemas need a
request form of their own (used in requests and in answers, and different in the two).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from specfirst.build import needs_class
from specfirst.ir import NO_VALUE, Api, Operation, Property, Schema
from specfirst.naming import class_scope
from specfirst.pytypes import TypeRenderer, py_literal

REQUEST, RESPONSE = "request", "response"
_DATE_TYPES = {"date-time": "datetime", "date": "date", "time": "time", "duration": "timedelta"}
_LITERAL_KINDS = (str, int, bool)


def _flag(prop: Property, key: str) -> bool:
    return bool(prop.schema.annotations.get(key) or prop.schema.target().annotations.get(key))


def visible(prop: Property, mode: str) -> bool:
    """Whether a property belongs in the class of ``mode``."""
    return not _flag(prop, "readOnly" if mode == REQUEST else "writeOnly")


def _children(node: Schema) -> list[Schema]:
    kids: list[Schema | bool | None] = [
        node.ref,
        node.items,
        node.additional,
        *node.all_of,
        *node.one_of,
        *node.any_of,
    ]
    kids += [p.schema for p in node.properties.values()]
    return [k for k in kids if isinstance(k, Schema)]


def _walk(root: Schema) -> tuple[list[Schema], bool]:
    """The named schemas ``root``'s definition refers to, and whether the definition itself
    reads differently in the two modes (an enum, a discriminated union, readOnly/writeOnly)."""
    found: list[Schema] = []
    varies = False
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node is not root and node.py_name is not None:
            found.append(node)
            continue
        if node.enum is not None or (
            node.discriminator is not None and (node.one_of or node.any_of)
        ):
            varies = True
        if node.is_object and any(
            _flag(p, "readOnly") or _flag(p, "writeOnly") for p in node.properties.values()
        ):
            varies = True
        stack.extend(_children(node))
    if needs_class(root) and any(
        _flag(p, "readOnly") or _flag(p, "writeOnly") for p in root.all_properties().values()
    ):
        varies = True
    return found, varies


def _operation_roots(op: Operation) -> tuple[list[Schema], list[Schema]]:
    """Schemas an operation sends, and schemas it reads."""
    sent = [p.schema for p in op.parameters if p.schema is not None]
    sent += [mt.schema for p in op.parameters for mt in p.content if mt.schema is not None]
    if op.request_body is not None:
        sent += [mt.schema for mt in op.request_body.contents if mt.schema is not None]
    read = [mt.schema for r in op.responses for mt in r.contents if mt.schema is not None]
    return sent, read


def _reach(roots: Iterable[Schema], refs: dict[int, list[Schema]]) -> set[int]:
    """Named schemas reachable from ``roots`` (a root that is itself named counts)."""
    reached: set[int] = set()
    stack: list[Schema] = []
    for root in roots:
        if root.py_name is not None:
            stack.append(root)
        else:
            stack.extend(_walk(root)[0])
    while stack:
        node = stack.pop()
        if id(node) in reached:
            continue
        reached.add(id(node))
        stack.extend(refs.get(id(node), []))
    return reached


@dataclass
class ModelPlan:
    """Which named schema is defined in which mode, under which name."""

    definitions: list[tuple[Schema, str, str]] = field(default_factory=list)  # schema, name, mode
    request_names: dict[int, str] = field(default_factory=dict)  # id(schema) -> request form


def plan_models(api: Api) -> ModelPlan:
    """Every named schema once, in the mode its use needs; twice (``Name`` for answers and
    ``NameRequest`` for requests) when it is used in both and reads differently in them."""
    refs: dict[int, list[Schema]] = {}
    own: dict[int, bool] = {}
    for s in api.schemas:
        refs[id(s)], own[id(s)] = _walk(s)
    # a schema varies when its definition does or a schema it refers to does (fixed point over
    # the reversed graph: each schema is visited once per change of its own answer)
    users: dict[int, list[Schema]] = {}
    for s in api.schemas:
        for target in refs[id(s)]:
            users.setdefault(id(target), []).append(s)
    varies = {key for key, value in own.items() if value}
    stack = [s for s in api.schemas if id(s) in varies]
    while stack:
        node = stack.pop()
        for user in users.get(id(node), []):
            if id(user) not in varies:
                varies.add(id(user))
                stack.append(user)

    sent_roots: list[Schema] = []
    read_roots: list[Schema] = []
    for op in api.operations:
        sent, read = _operation_roots(op)
        sent_roots += sent
        read_roots += read
    in_requests = _reach(sent_roots, refs)
    in_answers = _reach(read_roots, refs)
    scope = class_scope()
    for s in api.schemas:
        assert s.py_name is not None
        scope.claim(s.py_name)
    plan = ModelPlan()
    for s in api.schemas:
        assert s.py_name is not None
        key = id(s)
        request_only = key in in_requests and key not in in_answers
        plan.definitions.append((s, s.py_name, REQUEST if request_only else RESPONSE))
        if key in in_requests and key in in_answers and key in varies:
            name = scope.claim(s.py_name + "Request")
            plan.request_names[key] = name
            plan.definitions.append((s, name, REQUEST))
    return plan


@dataclass
class ClientTypes(TypeRenderer):
    """``plain_type`` in the request or the response mode (see the module docstring)."""

    mode: str = RESPONSE
    request_names: dict[int, str] = field(default_factory=dict)
    builtins: str = ""  # "builtins." where a method named ``list`` would shadow the builtin

    def in_mode(self, mode: str) -> ClientTypes:
        return dataclasses.replace(self, mode=mode, used=self.used)

    def name(self, s: Schema) -> str:
        assert s.py_name is not None
        name = s.py_name
        if self.mode == REQUEST:
            name = self.request_names.get(id(s), name)
        self.used.add(name)
        return self.prefix + name

    def define(self, s: Schema) -> str:
        """The type a named schema that is no class stands for (its alias's right-hand side)."""
        return self.plain_type(dataclasses.replace(s, py_name=None))

    def plain_type(self, s: Schema) -> str:
        if s.py_name is None and s.ref is None:
            special = self._special(s)
            if special is not None:
                if self._nullable(s) and special != "Any" and not special.endswith("| None"):
                    special += " | None"
                return special
        return super().plain_type(s)

    def _special(self, s: Schema) -> str | None:
        if s.const is NO_VALUE and s.enum is not None:
            values = list(s.enum)
            if not values or not all(isinstance(v, (*_LITERAL_KINDS, type(None))) for v in values):
                return "Any"
            literal = f"Literal[{', '.join(py_literal(v) for v in values)}]"
            if self.mode == RESPONSE:
                kinds = {type(v) for v in values if v is not None}
                if kinds == {str}:
                    return f"{literal} | str"
                if kinds == {int}:
                    return f"{literal} | int"
            return literal
        members = s.one_of or s.any_of
        if s.discriminator is not None and members and not s.all_of:
            return self._discriminated(s, members)
        if len(s.types) == 1 and s.types[0] == "string" and s.format in _DATE_TYPES:
            return "_dt." + _DATE_TYPES[s.format]
        if members or (len(s.all_of) == 1 and not s.properties):
            return None
        kind = s.types[0] if len(s.types) == 1 else ("array" if s.items is not None else "")
        if kind == "array":
            item = self.plain_type(s.items) if s.items is not None else "Any"
            return f"{self.builtins}list[{item}]"
        if kind == "object" and not s.properties and not s.all_of:
            return f"{self.builtins}dict[str, Any]"
        return None

    def _discriminated(self, s: Schema, members: list[Schema]) -> str:
        """``Annotated[Union[Annotated[A, Tag("a")], ...], Discriminator(tag_of("kind"))]``;
        in answers with a catch-all member for a kind the document does not name."""
        assert s.discriminator is not None
        tags: dict[int, list[str]] = {}
        for value, target in s.discriminator.mapping.items():
            tags.setdefault(id(target.target()), []).append(value)
        tagged: list[str] = []
        known: list[str] = []
        for member in members:
            target = member.target()
            values = tags.get(id(target)) or ([target.component] if target.component else [])
            if not values or not target.is_object:
                return " | ".join(dict.fromkeys(self.plain_type(m) for m in members))
            for value in values:
                tagged.append(f"Annotated[{self.plain_type(member)}, _Tag({py_literal(value)})]")
                known.append(value)
        name = py_literal(s.discriminator.property_name)
        if self.mode == RESPONSE:
            tagged.append(f"Annotated[{self.builtins}dict[str, Any], _Tag(OTHER_TAG)]")
            reader = f"tag_of({name}, {py_literal(tuple(known))})"
        else:
            reader = f"tag_of({name})"
        return f"Annotated[Union[{', '.join(tagged)}], Discriminator({reader})]"


@dataclass
class FieldDef:
    name: str
    annotation: str
    default: str | None  # right-hand side, None for a required field without an alias


@dataclass
class ModelDef:
    name: str
    fields: list[FieldDef] | None  # None: a type alias
    expression: str = ""
    comment: str = ""  # the document's description of the schema (rendered as a comment)


def model_defs(plan: ModelPlan, types: ClientTypes) -> tuple[list[ModelDef], list[ModelDef]]:
    """Classes and aliases, in the order of the document's schemas."""
    classes: list[ModelDef] = []
    aliases: list[ModelDef] = []
    for s, name, mode in plan.definitions:
        renderer = types.in_mode(mode)
        note = s.annotations.get("description") or s.annotations.get("title") or ""
        if not needs_class(s):
            aliases.append(ModelDef(name, None, renderer.define(s), str(note)))
            continue
        required = set(s.all_required())
        fields: list[FieldDef] = []
        for prop in s.all_properties().values():
            if not visible(prop, mode):
                continue
            annotation = renderer.plain_type(prop.schema)
            args = []
            if prop.name != prop.py_name:
                args.append(f"serialization_alias={py_literal(prop.name)}")
                args.append(
                    f"validation_alias=_AliasChoices({py_literal(prop.name)}, {py_literal(prop.py_name)})"
                )
            if prop.name in required:
                default = f"Field({', '.join(args)})" if args else None
            else:
                if annotation != "Any" and not annotation.endswith("| None"):
                    annotation += " | None"
                default = f"Field({', '.join(['default=None', *args])})" if args else "None"
            fields.append(FieldDef(prop.py_name, annotation, default))
        classes.append(ModelDef(name, fields, comment=str(note)))
    return classes, aliases
