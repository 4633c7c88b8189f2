"""Step ``schemas``: pydantic v2 models for component and inline schemas (``app/schemas.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from specfirst.ir import NO_VALUE, Property, Schema
from specfirst.pytypes import TypeRenderer, py_literal
from specfirst.render import StepContext
from specfirst.writer import OutputFile

NAME = "schemas"
DESCRIPTION = "pydantic models for every component and inline schema"


@dataclass
class FieldDef:
    name: str
    annotation: str
    default: str | None  # the right-hand side, or None for a required field without metadata


@dataclass
class ClassDef:
    name: str
    bases: list[str]
    config: str | None
    fields: list[FieldDef] = field(default_factory=list)
    extra_type: str | None = None  # type of additional properties values


@dataclass
class AliasDef:
    name: str
    expression: str


def _is_null(s: Schema) -> bool:
    return s.ref is None and s.types == ("null",)


def lifted_title(s: Schema) -> str | None:
    """The title of the one non-null alternative of an untitled nullable union, when that
    alternative is a type alias (not a class); of an untitled allOf, its members' title.

    JSON Schema reads the alternative's annotations as the whole's; pydantic would title the
    field with its own name instead (it does not for a class, which it publishes as a ``$ref``).
    """
    if "title" in s.annotations or s.ref is not None:
        return None
    if s.all_of:  # the members' title (a later member's wins), as allOf merging reads it
        title = _member_words(s, lambda node: node.annotations).get("title")
        return title if isinstance(title, str) else None
    members = [m for m in (*s.any_of, *s.one_of) if not _is_null(m)]
    if _nullable_single_all_of(s):
        members = list(s.all_of)  # ``allOf: [$ref]`` made nullable: ``Alias | None`` too
    elif len(members) != 1 or len(members) == len(s.any_of) + len(s.one_of):
        return None
    target = members[0].target()
    title = target.annotations.get("title")
    if not isinstance(title, str) or is_class(target):
        return None
    return title


def _with_member_words(s: Schema) -> Schema:
    """``s`` with the annotations and extensions of its one inline allOf member (rendered as
    that member's type, which carries none), its own winning."""
    if len(s.all_of) != 1 or s.properties:
        return s
    member = s.all_of[0]
    if member.py_name is not None or member.ref is not None:
        return s  # a named member's type carries its own
    return replace(
        s,
        annotations={**member.annotations, **s.annotations},
        extensions={**member.extensions, **s.extensions},
    )


def _nullable_single_all_of(s: Schema) -> bool:
    """``allOf`` with one member and nothing else, nullable where the member is not."""
    if len(s.all_of) != 1 or not s.nullable or s.types or s.properties or s.any_of or s.one_of:
        return False
    target = s.all_of[0].target()
    return not (s.all_of[0].nullable or target.nullable)


def field_def(prop: Property, renderer: TypeRenderer) -> FieldDef:
    s = prop.schema
    annotation = renderer.property_type(s)
    named = s.py_name is not None
    kwargs: list[str] = []
    extra: dict[str, Any] = {}
    if not named:
        described = _with_member_words(s)
        kwargs, extra = renderer.metadata(described, with_default=False)
        title = lifted_title(described)
        if title is not None:
            kwargs.insert(0, f"title={py_literal(title)}")
    has_default = not named and s.default is not NO_VALUE
    if prop.name != prop.py_name:
        kwargs.insert(0, f"alias={py_literal(prop.name)}")
    if prop.required:
        default_expr = None
        if has_default:
            # a required property never falls back to its default: publish it only
            extra = {**extra, "default": s.default}
    elif has_default:
        kwargs.insert(0, f"default={py_literal(s.default)}")
        default_expr = None
    else:
        annotation = f"{annotation} | MISSING"
        if kwargs or extra:
            kwargs.insert(0, "default=MISSING")
        else:
            default_expr = "MISSING"
    if kwargs or extra:
        default_expr = renderer.field_call(kwargs, extra)
    elif prop.required or has_default:
        default_expr = None
    return FieldDef(name=prop.py_name, annotation=annotation, default=default_expr)


def _inherited_definitions(
    s: Schema, name: str, seen: frozenset[int] = frozenset()
) -> list[Property]:
    """Every definition of property ``name`` that ``s``'s allOf members hold (the nearest in
    each member), members in order."""
    found: list[Property] = []
    for member in s.all_of:
        target = member.target()
        if name in target.properties:
            found.append(target.properties[name])
        elif id(target) not in seen:
            found.extend(_inherited_definitions(target, name, seen | {id(s)}))
    return found


def _inherited_field(s: Schema, name: str) -> Property | None:
    """The definition of ``name`` a subclass of ``s``'s bases inherits without restating it:
    the first base that has one (method resolution order), and that base's nearest one."""
    for member in s.all_of:
        target = member.target()
        if name in target.properties:
            return target.properties[name]
        found = _inherited_definitions(target, name)
        if found:
            return found[-1]
    return None


def _described_twice(s: Schema, declared: set[str]) -> list[str]:
    """Properties that two allOf members of ``s`` describe differently and ``s`` does not
    restate: a subclass would keep its first base's definition, JSON Schema applies both."""
    names: dict[str, None] = {}
    for ancestor in _ancestors(s):
        names.update(dict.fromkeys(ancestor.properties))
    twice = []
    for name in names:
        if name in declared:
            continue
        definitions = _inherited_definitions(s, name)
        winner = _inherited_field(s, name)
        if winner is not None and not all(
            _covers(winner.schema.target(), d.schema.target()) for d in definitions
        ):
            twice.append(name)
    return twice


def _bases_of(s: Schema) -> list[Schema]:
    return [m.target() for m in s.all_of if not (m.py_name is None and m.ref is None)]


def _ancestors(s: Schema) -> list[Schema]:
    """Every class ``s`` inherits from through its allOf members, however deep."""
    found: list[Schema] = []
    seen: set[int] = set()
    stack = _bases_of(s)
    while stack:
        base = stack.pop()
        if id(base) not in seen:
            seen.add(id(base))
            found.append(base)
            stack.extend(_bases_of(base))
    return found


def _member_words(s: Schema, words: Any, seen: frozenset[int] = frozenset()) -> dict[str, Any]:
    """What ``s``'s allOf members say through ``words`` (a schema's annotations or extensions),
    members in order, a later member's value replacing an earlier one's (as a ``$ref``'s
    siblings replace its target's); a named member brings what its own members say first."""
    result: dict[str, Any] = {}
    for member in s.all_of:
        target = member.target() if member.ref is not None else member
        if id(target) in seen:  # an allOf that reaches itself adds nothing new
            continue
        result.update(_member_words(target, words, seen | {id(s)}))
        result.update(words(target))
        if target is not member:  # a $ref's siblings
            result.update(words(member))
    return result


def inherited_annotations(s: Schema) -> dict[str, Any]:
    """Annotations an allOf class takes from its members (a later member's replaces an earlier
    one's; the schema's own replace both).

    pydantic does not inherit a docstring or ``json_schema_extra`` the way allOf merges
    annotations, so a class restates what its bases say.
    """
    return _member_words(s, lambda node: node.annotations)


def inherited_extensions(s: Schema) -> dict[str, Any]:
    return _member_words(s, lambda node: node.extensions)


def _covers(own: Schema, other: Schema) -> bool:
    """Whether ``own`` says everything ``other`` says (same keywords with the same values, and
    possibly more), so that a value valid for ``own`` is valid for ``other`` too."""
    if own is other:
        return True
    if other.ref is not None or own.ref is not None:
        return False
    structure = (other.items, other.additional, other.discriminator)
    if (
        any(x is not None for x in structure)
        or other.properties
        or other.all_of
        or other.one_of
        or other.any_of
    ):
        return False
    if other.keywords or (own.nullable and not other.nullable):
        return False
    if other.types and other.types != own.types:
        return False
    if other.format is not None and other.format != own.format:
        return False
    if other.enum is not None and other.enum != own.enum:
        return False
    if other.const is not NO_VALUE and other.const != own.const:
        return False
    if other.default is not NO_VALUE and other.default != own.default:
        return False
    pairs = (
        (other.constraints, own.constraints),
        (other.annotations, own.annotations),
        (other.extensions, own.extensions),
    )
    return all(
        key in mine and mine[key] == value
        for theirs, mine in pairs
        for key, value in theirs.items()
    )


def _restated(s: Schema, own: list[Property]) -> list[Property]:
    """The class's fields, one per name: a property that several allOf members describe
    (a base and this class, or two inline members) must satisfy every description, as JSON
    Schema applies them all; a pydantic subclass would keep only the last one."""
    by_name: dict[str, list[Property]] = {}
    for prop in own:
        by_name.setdefault(prop.name, []).append(prop)
    result: list[Property] = []
    for name, props in by_name.items():
        schemas: list[Schema] = []
        for inherited in _inherited_definitions(s, name) if s.all_of else []:
            if all(inherited.schema is not known for known in schemas):
                schemas.append(inherited.schema)
        for prop in props:
            if all(prop.schema is not known for known in schemas):
                schemas.append(prop.schema)
        first = props[0]
        last = props[-1].schema.target()
        if all(_covers(last, known.target()) for known in schemas):
            # the last definition says everything the others say: it is their intersection
            schemas = [props[-1].schema]
        if len(schemas) == 1:
            result.append(Property(name, first.py_name, schemas[0], any(p.required for p in props)))
            continue
        both = Schema(pointer=props[-1].schema.pointer, all_of=schemas)
        result.append(Property(name, first.py_name, both, any(p.required for p in props)))
    return result


def class_def(s: Schema, renderer: TypeRenderer) -> ClassDef:
    bases: list[str] = []
    own: list[Property] = list(s.properties.values())
    required = set(s.required)
    merged: list[Schema] = []  # inline members: their properties and annotations join the class
    named: list[Schema] = []
    for member in s.all_of:
        if member.py_name is None and member.ref is None:
            merged.append(member)
            own.extend(member.properties.values())
            required.update(member.required)
        else:
            named.append(member)
    # a class cannot name one base twice, nor a base before its own subclass (no consistent
    # method resolution order): a member already inherited through another adds nothing
    inherited = {id(a) for m in named for a in _ancestors(m.target())}
    for member in named:
        value = renderer.value_type(member)
        if value not in bases and id(member.target()) not in inherited:
            bases.append(value)
    declared = {p.name for p in own}
    missing = [n for n in s.required if n not in declared]
    missing += sorted(n for n in required - declared if n not in missing)
    for name in missing:
        definitions = _inherited_definitions(s, name)
        # the nearest definition (a subclass's own over its base's), as pydantic inherits
        inherited = definitions[-1] if definitions else None
        schema = inherited.schema if inherited else Schema(pointer=s.pointer + "/required")
        py_name = inherited.py_name if inherited else name
        own.append(Property(name=name, py_name=py_name, schema=schema, required=True))
    for name in _described_twice(s, {p.name for p in own}):
        inherited = _inherited_definitions(s, name)[-1]
        own.append(Property(name, inherited.py_name, inherited.schema, inherited.required))
    inherited_required = {name for base in _bases_of(s) for name in base.all_required()}
    fields = []
    for prop in _restated(s, own):
        # an allOf member cannot make optional what another member requires
        prop_required = prop.required or prop.name in required or prop.name in inherited_required
        fields.append(
            field_def(Property(prop.name, prop.py_name, prop.schema, prop_required), renderer)
        )

    config: dict[str, str] = {}
    annotations = {**inherited_annotations(s), **s.annotations}
    description = annotations.pop("description", None)
    extra: dict[str, Any] = {k: v for k, v in annotations.items() if k != "title"}
    extra.update({**inherited_extensions(s), **s.extensions})
    if description is not None:  # a string constant, never a docstring: document text is data
        extra["description"] = description
    if "title" in annotations:
        config["title"] = py_literal(annotations["title"])
    if s.default is not NO_VALUE:
        extra["default"] = s.default
    for key in ("minProperties", "maxProperties"):
        if key in s.constraints:
            extra[key] = s.constraints[key]
    extra.update(s.keywords)  # published here, checked by SchemaModel on the object as sent
    extra_type = None
    additional = next((n.additional for n in (s, *merged) if n.additional is not None), None)
    if additional is False:
        config["extra"] = "'forbid'"
    elif additional is True:
        config["extra"] = "'allow'"
    elif isinstance(additional, Schema):
        config["extra"] = "'allow'"
        extra_type = f"dict[str, {renderer.full_type(additional)}]"
    if extra:
        config["json_schema_extra"] = py_literal(extra)
    config_line = ", ".join(f"{k}={v}" for k, v in config.items()) if config else None
    return ClassDef(
        name=s.py_name or "",
        bases=bases or ["SchemaModel"],
        config=config_line,
        fields=fields,
        extra_type=extra_type,
    )


def _component_type(s: Schema) -> str | None:
    """The type a component stands for wherever it is used: a class cannot hold ``null``, so
    a nullable class component is ``Class | None`` (its alias definition carries its own)."""
    if s.py_name is not None and is_class(s) and s.nullable and s.types != ("null",):
        return f"{s.py_name} | None"
    return s.py_name


def is_class(s: Schema) -> bool:
    from specfirst.build import needs_class

    return needs_class(s)


def _named_references(s: Schema) -> list[Schema]:
    """The named schemas a schema's definition refers to (without looking inside them)."""
    found: list[Schema] = []
    seen: set[int] = set()
    stack: list[tuple[Schema, bool]] = [(s, True)]
    while stack:
        node, root = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if not root and node.py_name is not None:
            found.append(node)
            continue
        children: list[Any] = [
            node.ref,
            node.items,
            node.additional,
            *node.all_of,
            *node.one_of,
            *node.any_of,
        ]
        children += [p.schema for p in node.properties.values()]
        if node.discriminator is not None:
            children += list(node.discriminator.mapping.values())
        stack.extend((child, False) for child in children if isinstance(child, Schema))
    return found


def recursive_schemas(schemas: list[Schema]) -> set[int]:
    """The named schemas that take part in a cycle of references (Tarjan's algorithm, iterative)."""
    edges = {id(s): [id(t) for t in _named_references(s)] for s in schemas}
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: set[int] = set()
    for start in edges:
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            for target in targets:
                if target in on_stack:
                    low[node] = min(low[node], low[target])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, []):
                    result.update(component)
    return result


def generate(ctx: StepContext) -> list[OutputFile]:
    renderer = TypeRenderer()
    definitions: list[ClassDef | AliasDef] = []
    recursive = recursive_schemas(ctx.api.schemas)
    for s in ctx.api.schemas:
        if is_class(s):
            definitions.append(class_def(s, renderer))
        else:
            renderer.quote_undefined, renderer.quoted = True, False
            expression = renderer.full_type(s, define=True)
            if renderer.quoted or id(s) in recursive:
                # recursive, or it refers to a name defined further down: a named alias type keeps
                # the reference lazy, resolves it in this module wherever it is used, and is
                # published once (as the document's own $ref cycle) rather than unrolled
                expression = f"TypeAliasType({py_literal(s.py_name)}, {expression})"
            definitions.append(AliasDef(name=s.py_name or "", expression=expression))
            renderer.quote_undefined = False
        renderer.defined.add(s.py_name or "")
    classes = [d.name for d in definitions if isinstance(d, ClassDef)]
    expressions = " ".join(d.expression for d in definitions if isinstance(d, AliasDef))
    components = [(name, _component_type(schema)) for name, schema in ctx.api.components.items()]
    return [
        ctx.render(
            "app/schemas.py.j2",
            "app/schemas.py",
            header=ctx.header("Request and response models for every schema in the document."),
            definitions=definitions,
            classes=classes,
            uses_alias_type="TypeAliasType(" in expressions,
            components=components,
        )
    ]
