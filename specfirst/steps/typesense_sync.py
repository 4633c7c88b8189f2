"""Step ``typesense_sync``: Typesense collections of the resources, the outbox worker, search.

For every resource (:mod:`specfirst.resources`) a collection whose fields come from its
schema (:func:`collection_fields`):

- strings -> ``string``, integers -> ``int64``, numbers -> ``float``, booleans -> ``bool``;
- enums -> faceted ``string`` (or ``int64``); arrays of those -> ``string[]`` (faceted),
  ``int64[]``, ``float[]``, ``bool[]``;
- date-times -> the original ``string`` plus ``<name>_ts``, its Unix seconds (``int64``);
- a string id (Typesense's own ``id`` cannot be searched) -> a ``string`` copy, ``id_text``;
- nested objects and arrays of objects -> flattened: each scalar leaf becomes
  ``<name>__<leaf>`` (an array when an array lies on the way); the object itself is stored
  in the document as it is, unindexed;
- anything else (unions, free-form objects) is stored unindexed.

Every stored value keeps its wire name in the document, so the item a search returns is
exactly the item the database holds. A query searches every string field, string array and
nested string leaf (and the id), like the database fallback (``Table.search``). The generated ``app/sync/`` package holds the
collections, the outbox operations, the worker the app starts in its lifespan, the
``python -m app.sync`` commands and ``search_items`` for search routes. The outbox table
itself is part of the models and migrations (:mod:`specfirst.steps.models_and_crud`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from specfirst import naming
from specfirst.ir import NO_VALUE, Api, Schema
from specfirst.pytypes import py_literal
from specfirst.render import StepContext
from specfirst.resources import Resource
from specfirst.steps.models_and_crud import outbox_table
from specfirst.writer import OutputFile

NAME = "typesense_sync"
DESCRIPTION = "Typesense collections, transactional outbox worker and search for the resources"

_NESTED_DEPTH = 3
_SCALARS = {"string": "string", "integer": "int64", "number": "float", "boolean": "bool"}


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    path: tuple[str, ...]
    facet: bool = False
    derived: str | None = None

    def source(self) -> str:
        args = [py_literal(self.name), py_literal(self.type), py_literal(self.path)]
        if self.facet:
            args.append("facet=True")
        if self.derived:
            args.append(f"derived={py_literal(self.derived)}")
        return f"Field({', '.join(args)})"


@dataclass
class CollectionDef:
    name: str
    variable: str
    module: str
    table_var: str
    note: str
    keys: dict[str, str]
    fields: list[FieldDef] = field(default_factory=list)
    query_by: list[str] = field(default_factory=list)
    created_field: str = "_created_ns"


def _kinds(s: Schema) -> tuple[str, ...]:
    return tuple(k for k in s.types if k != "null")


def _members(s: Schema) -> list[Schema]:
    """A schema and its allOf members (each followed through its $ref)."""
    target = s.target()
    found = [target]
    for member in target.all_of:
        found.extend(_members(member))
    return found


def _properties(s: Schema) -> dict[str, Schema]:
    props: dict[str, Schema] = {}
    for member in _members(s):
        for name, prop in member.properties.items():
            props.setdefault(name, prop.schema)
    return props


def scalar_type(s: Schema) -> tuple[str, bool] | None:
    """(Typesense type, faceted) of a scalar schema, or None when it is not one Typesense indexes."""
    target = s.target()
    values = (
        target.enum if target.enum else ([target.const] if target.const is not NO_VALUE else None)
    )
    if values:
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, str) for v in present):
            return "string", True
        if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            return "int64", True
        return None
    kinds = _kinds(target)
    if len(kinds) != 1 or kinds[0] not in _SCALARS or target.one_of or target.any_of:
        return None
    return _SCALARS[kinds[0]], False


def _is_date_time(s: Schema) -> bool:
    target = s.target()
    return _kinds(target) == ("string",) and target.format == "date-time" and not target.enum


def _array_items(s: Schema) -> Schema | None:
    target = s.target()
    return target.items if _kinds(target) == ("array",) and target.items is not None else None


def _is_nested_object(s: Schema) -> bool:
    target = s.target()
    return (
        bool(_properties(target))
        and _kinds(target) in ((), ("object",))
        and not (target.one_of or target.any_of)
    )


class _Names:
    """Document keys, case-sensitive like Typesense's: derived fields never take a stored key."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def claim(self, base: str) -> str:
        candidate, counter = base, 2
        while candidate in self.taken:
            candidate = f"{base}_{counter}"
            counter += 1
        self.taken.add(candidate)
        return candidate


def _usable(name: str) -> bool:
    """Typesense reads a dot in a field name as nesting: such properties are stored, not indexed."""
    return bool(name) and "." not in name


def _nested_fields(
    prefix: str,
    path: tuple[str, ...],
    s: Schema,
    in_array: bool,
    names: _Names,
    seen: frozenset[int],
    depth: int,
) -> list[FieldDef]:
    fields: list[FieldDef] = []
    target = s.target()
    if id(target) in seen or depth > _NESTED_DEPTH:
        return fields
    seen = seen | {id(target)}
    for sub, sub_schema in _properties(target).items():
        if not _usable(sub):
            continue
        key = f"{prefix}__{naming.snake(sub) or 'value'}"
        items = _array_items(sub_schema)
        value_schema, array = (items, True) if items is not None else (sub_schema, in_array)
        scalar = scalar_type(value_schema)
        if scalar is not None:
            kind, facet = scalar
            fields.append(
                FieldDef(
                    names.claim(key), kind + ("[]" if array else ""), (*path, sub), facet, "nested"
                )
            )
        elif _is_nested_object(value_schema):
            fields.extend(
                _nested_fields(key, (*path, sub), value_schema, array, names, seen, depth + 1)
            )
    return fields


def collection_fields(r: Resource) -> CollectionDef:
    """The Typesense fields of a resource, the document keys of its stored values, and its text fields."""
    wire_names = [c.name for c in r.columns]
    keys: dict[str, str] = {}
    taken = set(wire_names) | {"id"}
    alternatives = _Names(taken)
    for c in r.columns:
        if c.name == "id" and not c.primary_key:
            keys[c.name] = alternatives.claim("id_value")  # "id" is the document id
        else:
            keys[c.name] = c.name
    names = _Names(set(keys.values()) | {"id"} | alternatives.taken)
    fields: list[FieldDef] = []
    query_by: list[str] = []
    for c in r.columns:
        key = keys[c.name]
        if key == "id":
            if scalar_type(c.schema) == (
                "string",
                False,
            ):  # Typesense cannot search "id": a searchable copy
                copy = names.claim("id_text")
                fields.append(FieldDef(copy, "string", (c.name,), derived="copy"))
                query_by.append(copy)
            continue
        if not _usable(key):
            continue
        schema = c.schema
        items = _array_items(schema)
        scalar = scalar_type(schema)
        if _is_date_time(schema):
            fields.append(FieldDef(key, "string", (c.name,)))
            fields.append(
                FieldDef(names.claim(f"{key}_ts"), "int64", (c.name,), derived="timestamp")
            )
            query_by.append(key)
        elif scalar is not None:
            kind, facet = scalar
            fields.append(FieldDef(key, kind, (c.name,), facet))
            if kind == "string":
                query_by.append(key)
        elif items is not None and (item_scalar := scalar_type(items)) is not None:
            kind, facet = item_scalar
            fields.append(FieldDef(key, kind + "[]", (c.name,), facet or kind == "string"))
            if kind == "string":
                query_by.append(key)
        elif items is not None and _is_nested_object(items):
            fields.extend(_nested_fields(key, (c.name,), items, True, names, frozenset(), 1))
        elif _is_nested_object(schema):
            fields.extend(_nested_fields(key, (c.name,), schema, False, names, frozenset(), 1))
    query_by.extend(f.name for f in fields if f.derived == "nested" and f.type.startswith("string"))
    created = names.claim("_created_ns")
    description = (r.schema.component or r.name) + (" (interaction log)" if r.is_log else "")
    return CollectionDef(
        name=r.name,
        variable=naming.snake(r.name).upper() + "_COLLECTION",
        module=r.module,
        table_var=naming.snake(r.name) + "_table",
        note=f"{r.name}: {description}",
        keys=keys,
        fields=fields,
        query_by=query_by,
        created_field=created,
    )


def typesense_error_model(api: Api) -> str | None:
    """The Python class of the spec's Typesense error response, if it has one.

    A component schema named like ``TypesenseError...``, else an error-like object schema
    with an integer attempt (or retry) count.
    """
    candidates = [s for s in api.components.values() if s.target().py_name and s.target().is_object]
    for s in candidates:
        lowered = (s.component or "").lower()
        if "typesense" in lowered and "error" in lowered:
            return s.target().py_name
    for s in candidates:
        props = _properties(s)
        counted = any(
            ("attempt" in name.lower() or "retr" in name.lower())
            and _kinds(p.target()) == ("integer",)
            for name, p in props.items()
        )
        if counted and "error" in (s.component or "").lower():
            return s.target().py_name
    return None


_MODULES = (
    (
        "app/sync/documents.py.j2",
        "app/sync/documents.py",
        "Typesense documents of the stored items, and back.",
    ),
    (
        "app/sync/config.py.j2",
        "app/sync/config.py",
        "Typesense sync settings from environment variables.",
    ),
    (
        "app/sync/outbox.py.j2",
        "app/sync/outbox.py",
        "The transactional outbox: marking writes, claiming and settling them.",
    ),
    (
        "app/sync/index.py.j2",
        "app/sync/index.py",
        "Typesense collections: create, rebuild, push, search.",
    ),
    (
        "app/sync/worker.py.j2",
        "app/sync/worker.py",
        "The background worker that drains the outbox to Typesense.",
    ),
    (
        "app/sync/search.py.j2",
        "app/sync/search.py",
        "Search over a resource: Typesense when sync is on, else the database.",
    ),
    (
        "app/sync/__main__.py.j2",
        "app/sync/__main__.py",
        "python -m app.sync status|reindex|verify|drain.",
    ),
)


def generate(ctx: StepContext) -> list[OutputFile]:
    resources = ctx.plan.resources
    outbox = outbox_table(resources)
    collections = [collection_fields(r) for r in resources]
    views = [
        {
            "name": c.name,
            "variable": c.variable,
            "module": c.module,
            "table_var": c.table_var,
            "note": c.note,
            "key_map": py_literal(c.keys),
            "fields": [f.source() for f in c.fields],
            "query_by": py_literal(tuple(c.query_by)),
            "created_field": c.created_field,
        }
        for c in collections
    ]
    files = [
        ctx.render(
            "app/sync/__init__.py.j2",
            "app/sync/__init__.py",
            header=ctx.header(
                "Typesense sync: every write of a resource reaches Typesense, through an outbox."
            ),
            outbox=outbox,
        ),
        ctx.render(
            "app/sync/collections.py.j2",
            "app/sync/collections.py",
            header=ctx.header(
                "The Typesense collection of every resource, with the fields its schema gives."
            ),
            collections=views,
        ),
        ctx.render(
            "app/sync/service.py.j2",
            "app/sync/service.py",
            header=ctx.header(
                "Typesense sync of one app: worker lifecycle, figures and the Typesense error response."
            ),
            error_model=typesense_error_model(ctx.api),
        ),
    ]
    for template, path, what in _MODULES:
        files.append(ctx.render(template, path, header=ctx.header(what), outbox=outbox))
    return files
