"""Render intermediate-model schemas as Python type expressions for generated code.

The rule that keeps the generated app faithful: what a schema *enforces* becomes typing
and pydantic constraints (so FastAPI validates it and derives it back into the OpenAPI
document); what a schema only *says* (description, examples, readOnly ...) becomes
``Field`` metadata. Nothing here copies a schema verbatim into the generated code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from specfirst.ir import NO_VALUE, Schema
from specfirst.quoting import comment_text, py_literal

__all__ = ["TypeRenderer", "comment_text", "py_literal"]

# JSON Schema constraint -> pydantic Field keyword, by JSON type.
_STRING_CONSTRAINTS = {"minLength": "min_length", "maxLength": "max_length", "pattern": "pattern"}
_NUMBER_CONSTRAINTS = {
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "multipleOf": "multiple_of",
}
_ARRAY_CONSTRAINTS = {"minItems": "min_length", "maxItems": "max_length"}
_OBJECT_CONSTRAINTS = {"minProperties": "min_length", "maxProperties": "max_length"}

# string formats that map to a Python type whose pydantic JSON schema carries the format
_FORMAT_TYPES = {
    "date-time": "DateTime",
    "date": "Date",
    "time": "Time",
    "duration": "Duration",
}
_PLAIN_FORMAT_TYPES = {
    "date-time": "datetime",
    "date": "date",
    "time": "time",
    "duration": "timedelta",
}
_LITERAL_TYPES = (str, int, bool)

# Keywords of a schema that are metadata, rendered through Field(...) or json_schema_extra.
_FIELD_KWARGS = {"title": "title", "description": "description", "examples": "examples"}


@dataclass
class TypeRenderer:
    """Renders type expressions and records which generated names each module uses."""

    defined: set[str] = field(default_factory=set)  # names already defined above (for aliases)
    used: set[str] = field(default_factory=set)
    quote_undefined: bool = False
    quoted: bool = False  # a name was written as a forward reference (it is defined further down)
    prefix: str = ""  # e.g. "schemas." where generated names are used through their module

    def name(self, s: Schema) -> str:
        assert s.py_name is not None
        self.used.add(s.py_name)
        if self.quote_undefined and s.py_name not in self.defined:
            self.quoted = True
            return repr(s.py_name)
        return self.prefix + s.py_name

    def plain_type(self, s: Schema) -> str:
        """A readable annotation for hand-written code: the type without constraints or markers."""
        if s.py_name is not None:
            base = self.name(s)
        elif s.ref is not None:
            return self.plain_type(s.ref) + (" | None" if s.nullable else "")
        elif s.const is not NO_VALUE or s.enum is not None:
            values = [s.const] if s.const is not NO_VALUE else list(s.enum or [])
            simple = values and all(isinstance(v, _LITERAL_TYPES) for v in values)
            base = f"Literal[{', '.join(py_literal(v) for v in values)}]" if simple else "Any"
        elif s.one_of or s.any_of:
            base = " | ".join(dict.fromkeys(self.plain_type(m) for m in (s.one_of or s.any_of)))
        elif len(s.all_of) == 1 and not s.properties:
            base = self.plain_type(s.all_of[0])
        else:
            kind = s.types[0] if len(s.types) == 1 else ("array" if s.items is not None else "")
            if kind == "array":
                base = f"list[{self.plain_type(s.items) if s.items is not None else 'Any'}]"
            elif kind == "string":
                base = _PLAIN_FORMAT_TYPES.get(
                    s.format or "", "bytes" if s.format == "binary" else "str"
                )
            else:
                base = {"integer": "int", "number": "float", "boolean": "bool", "null": "None"}.get(
                    kind, "dict[str, Any]" if kind == "object" else "Any"
                )
        if self._nullable(s) and base not in ("Any", "None") and not base.endswith("| None"):
            base += " | None"
        return base

    # -- constraints and metadata ----------------------------------------------------------
    def constraint_kwargs(self, s: Schema, kind: str) -> list[str]:
        table = {
            "string": _STRING_CONSTRAINTS,
            "integer": _NUMBER_CONSTRAINTS,
            "number": _NUMBER_CONSTRAINTS,
            "array": _ARRAY_CONSTRAINTS,
            "object": _OBJECT_CONSTRAINTS,
        }.get(kind, {})
        kwargs = []
        for key, kw in table.items():
            value = s.constraints.get(key)
            if key not in s.constraints or key in self.fractional_bounds(s, kind):
                continue
            if kind == "integer" and isinstance(value, float) and key != "multipleOf":
                value = int(value)  # pydantic wants an integer bound on an integer (2.0, -1e308)
            kwargs.append(f"{kw}={py_literal(value)}")
        return kwargs

    @staticmethod
    def fractional_bounds(s: Schema, kind: str) -> dict[str, float]:
        """Bounds of an integer that are not integers (``minimum: 0.5``): pydantic cannot hold
        them, a ``Keywords`` marker checks and publishes them."""
        if kind != "integer":
            return {}
        return {
            key: value
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
            if isinstance(value := s.constraints.get(key), float) and not value.is_integer()
        }

    def metadata(self, s: Schema, *, with_default: bool = True) -> tuple[list[str], dict[str, Any]]:
        """Field keyword arguments and json_schema_extra entries for a schema's annotations."""
        kwargs: list[str] = []
        extra: dict[str, Any] = {}
        for key, value in s.annotations.items():
            if key in _FIELD_KWARGS and not (key == "examples" and not isinstance(value, list)):
                kwargs.append(f"{_FIELD_KWARGS[key]}={py_literal(value)}")
            elif key in ("contentMediaType", "contentEncoding"):
                continue  # rendered with the value type
            else:
                extra[key] = value
        extra.update(s.extensions)
        if with_default and s.default is not NO_VALUE:
            kwargs.append(f"default={py_literal(s.default)}")
        return kwargs, extra

    @staticmethod
    def field_call(kwargs: list[str], extra: dict[str, Any]) -> str:
        args = list(kwargs)
        if extra:
            args.append(f"json_schema_extra={py_literal(extra)}")
        return f"Field({', '.join(args)})"

    # -- types -----------------------------------------------------------------------------
    def value_type(self, s: Schema, *, define: bool = False) -> str:
        """The type of a schema's non-null values, constraints included, metadata excluded.

        ``define`` renders the content of a named schema instead of referring to its name.
        """
        if not define and s.py_name is not None:
            return self.name(s)
        base = self._content_type(s, define=define)
        if s.keywords:
            return f"Annotated[{base}, Keywords({py_literal(s.keywords)})]"
        return base

    def _content_type(self, s: Schema, *, define: bool) -> str:
        if s.ref is not None:
            return self.value_type(s.ref)
        if s.const is not NO_VALUE:
            return self._literal([s.const], s)
        if s.enum is not None:
            return self._literal(s.enum, s)
        if s.one_of:
            return self._union(s, s.one_of, "OneOf")
        if s.any_of:
            return self._union(s, s.any_of, None)
        if s.all_of and not s.properties and len(s.all_of) == 1 and s.types in ((), ("object",)):
            return self._with_constraints(self.value_type(s.all_of[0]), s)
        if s.all_of:
            return self._all_of(s)
        if len(s.types) > 1:
            members = [self._typed(s, t) for t in s.types]
            return f"Union[{', '.join(members)}]"
        if len(s.types) == 1:
            return self._typed(s, s.types[0])
        if s.items is not None:
            return self._typed(s, "array")
        if s.properties or s.additional is not None:
            return self._typed(s, "object")
        return "Any"

    def _all_of(self, s: Schema) -> str:
        """An allOf no class can hold (a member is a union, a scalar, an array ...): every member checks the value.

        Keywords next to the allOf are one more member. (An allOf that a class can hold is
        rendered as that class, by name.)
        """
        members = [self.full_type(_default_published(m)) for m in s.all_of]
        own = Schema(
            pointer=s.pointer,
            types=s.types,
            properties=s.properties,
            required=s.required,
            additional=s.additional,
            items=s.items,
            format=s.format,
            constraints=s.constraints,
        )
        if (
            own.types
            or own.properties
            or own.required
            or own.additional is not None
            or own.items is not None
        ):
            members.append(f"own={self.value_type(own)}")
        return f"Annotated[Any, AllOf({', '.join(members)})]"

    def _with_constraints(self, base: str, s: Schema) -> str:
        kind = s.types[0] if s.types else ""
        kwargs = self.constraint_kwargs(s, kind)
        return f"Annotated[{base}, Field({', '.join(kwargs)})]" if kwargs else base

    def _literal(self, values: list[Any], s: Schema) -> str:
        # pydantic publishes no pattern (nor number bounds) on a Literal: constraints need the base type
        constrained = len(s.types) == 1 and bool(self.constraint_kwargs(s, s.types[0]))
        if (
            values
            and all(isinstance(v, _LITERAL_TYPES) for v in values)
            and s.types != ("number",)
            and not constrained
        ):
            literal = f"Literal[{', '.join(py_literal(v) for v in values)}]"
            if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                return f"Annotated[{literal}, Integral()]"  # 2.0 is the enum value 2
            return literal
        # floats, objects or arrays in an enum, or constrained values: validate membership, keep the base type
        base = self._typed(s, s.types[0]) if s.types else "Any"
        return f"Annotated[{base}, Enum({py_literal(values)})]"

    def _union(self, s: Schema, members: list[Schema], marker: str | None) -> str:
        refused = bool(s.types) and "null" not in s.types and not s.nullable
        rendered = [self.full_type(m, null_refused=refused) for m in members]
        union = f"Union[{', '.join(rendered)}]" if len(rendered) > 1 else rendered[0]
        notes: list[str] = []
        if marker == "OneOf" and len(rendered) > 1:
            notes.append("OneOf()")
        if s.discriminator is not None:
            mapping = ""
            if s.discriminator.explicit_mapping:
                pairs = ", ".join(
                    f"{py_literal(k)}: {self.value_type(v)}"
                    for k, v in s.discriminator.mapping.items()
                )
                mapping = f", mapping={{{pairs}}}"
            named = [m for m in members if m.target().component is not None]
            if named and (len(named) == len(members) or s.discriminator.explicit_mapping):
                pairs = ", ".join(
                    f"{py_literal(m.target().component)}: {self.value_type(m)}" for m in named
                )
                mapping += f", members={{{pairs}}}"
            notes.append(f"Discriminator({py_literal(s.discriminator.property_name)}{mapping})")
        return f"Annotated[{union}, {', '.join(notes)}]" if notes else union

    def _typed(self, s: Schema, kind: str) -> str:
        fmt = s.format
        if kind == "string":
            if fmt in _FORMAT_TYPES:
                base = _FORMAT_TYPES[fmt]
            elif (
                fmt == "binary"
                or s.annotations.get("contentMediaType") == "application/octet-stream"
            ):
                base = "UploadBytes"
            else:
                base = "str"
            notes = self.constraint_kwargs(s, "string")
            extra = []
            if base in _FORMAT_TYPES.values() and notes:
                # the value becomes a datetime, date ...: its length and pattern are the string's
                extra.append(f"RawString({', '.join(notes)})")
                notes = []
            if fmt and fmt not in _FORMAT_TYPES and fmt != "binary":
                extra.append(f"Format({py_literal(fmt)})")
            if "contentMediaType" in s.annotations and base != "UploadBytes":
                extra.append(f"ContentMediaType({py_literal(s.annotations['contentMediaType'])})")
            if "contentEncoding" in s.annotations:
                extra.append(f"ContentEncoding({py_literal(s.annotations['contentEncoding'])})")
            return self._annotate(base, notes, extra)
        if kind in ("integer", "number"):
            kwargs = self.constraint_kwargs(s, kind)
            extra = [f"Format({py_literal(fmt)})"] if fmt else []
            if fractional := self.fractional_bounds(s, kind):
                extra.append(f"Keywords({py_literal(fractional)})")
            step = s.constraints.get("multipleOf")
            if step is not None and (kind == "number" or not isinstance(step, int)):
                # pydantic checks a float multipleOf within a tolerance: checked exactly instead
                kwargs = [k for k in kwargs if not k.startswith("multiple_of=")]
                extra.append(f"MultipleOf({py_literal(step)})")
            if kind == "number":
                return self._annotate("float", kwargs, extra)
            if kwargs:  # pydantic applies Field constraints to int itself, then 5.0 is read as 5
                return self._annotate("int", kwargs, [*extra, "Integral()"])
            return self._annotate("Integer", [], extra)
        if kind == "boolean":
            return "bool"
        if kind == "null":
            return "None"
        if kind == "array":
            item = self.full_type(s.items) if s.items is not None else "Any"
            extra = ["UniqueItems()"] if s.constraints.get("uniqueItems") else []
            return self._annotate(f"list[{item}]", self.constraint_kwargs(s, "array"), extra)
        if kind == "object":
            if s.properties or s.all_of:
                return self.name(s) if s.py_name else "dict[str, Any]"
            value = "Any"
            if isinstance(s.additional, Schema):
                value = self.full_type(s.additional)
            notes = self.constraint_kwargs(s, "object")
            extra = ["NoAdditionalProperties()"] if s.additional is False else []
            return self._annotate(f"dict[str, {value}]", notes, extra)
        return "Any"

    @staticmethod
    def _annotate(base: str, field_kwargs: list[str], markers: list[str]) -> str:
        meta = list(markers)
        if field_kwargs:
            meta.insert(0, f"Field({', '.join(field_kwargs)})")
        return f"Annotated[{base}, {', '.join(meta)}]" if meta else base

    def full_type(self, s: Schema, *, define: bool = False, null_refused: bool = False) -> str:
        """A type usable anywhere (array items, union members, aliases): nullability and metadata included.

        ``null_refused``: the schema around it refuses null (a union member under a ``type``
        without null), so the member's own nullability adds nothing.
        """
        base = self.value_type(s, define=define)
        if not null_refused and self._nullable(s, define=define) and base != "Any":
            base = f"Union[{base}, None]" if base.startswith("'") else f"{base} | None"
        kwargs, extra = self.metadata(s, with_default=False)
        if define and s.default is not NO_VALUE:
            # a named alias documents its default; a property using it decides whether to apply it
            extra = {**extra, "default": s.default}
        if not define and s.py_name is not None:
            kwargs, extra = self._ref_siblings(s)
        if kwargs or extra:
            return f"Annotated[{base}, {self.field_call(kwargs, extra)}]"
        return base

    def _ref_siblings(self, s: Schema) -> tuple[list[str], dict[str, Any]]:
        """Metadata next to a reference to a named schema (none: the name carries it)."""
        return [], {}

    @staticmethod
    def _nullable(s: Schema, *, define: bool = False) -> bool:
        """Null is valid: declared here or on a schema this one refers to.

        A named alias carries its own ``| None`` in its definition, so a reference to it
        adds nothing; a class cannot, so a reference to a nullable class adds ``| None``.
        """
        from specfirst.build import needs_class

        node: Schema | None = s
        seen: set[int] = set()
        while node is not None and id(node) not in seen:
            seen.add(id(node))
            if node.py_name is not None and not needs_class(node) and not (define and node is s):
                return False
            if _null_from_alias_member(node):
                return False
            if node.nullable and node.types != ("null",):
                return True
            node = node.ref
        return False

    def property_type(self, s: Schema) -> str:
        """A property or parameter annotation: nullability included, metadata left to Field()."""
        base = self.value_type(s)
        if self._nullable(s) and base != "Any":
            return f"{base} | None"
        return base


def _default_published(member: Schema) -> Schema:
    """An inline allOf member whose ``default`` is published, never applied: the value is
    checked by every member as given."""
    if member.py_name is not None or member.ref is not None or member.default is NO_VALUE:
        return member
    return replace(member, extensions={**member.extensions, "default": member.default})


def _null_from_alias_member(s: Schema) -> bool:
    """``allOf: [$ref]`` to a nullable named alias and nothing else: the type is the alias,
    whose definition already carries its ``| None`` (the wrapper is nullable through it)."""
    from specfirst.build import needs_class

    if s.py_name is not None or s.ref is not None or len(s.all_of) != 1:
        return False
    if s.types or s.properties or s.one_of or s.any_of or s.enum is not None:
        return False
    member = s.all_of[0]
    target = member.target()
    return (
        not member.nullable
        and target.py_name is not None
        and target.nullable
        and not needs_class(target)
    )
