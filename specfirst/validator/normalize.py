"""Semantically neutral normalization of OpenAPI documents before they are diffed.

Both the source document ("spec") and the document FastAPI derives from the generated app
("app") are rewritten into one canonical, reference-free form by the fixed list of rules in
:data:`NORMALIZATIONS`. Nothing else is rewritten: every difference that survives is real.

Schemas go through three phases at every place an operation uses one:

1. *inline*: every ``$ref`` is replaced by its target, except a reference to a recursive
   component (one whose target reaches it again): that becomes a marker
   ``{"$recursive": "<ref>"}`` standing for the component's own normalized schema, which is
   normalized once, on its own (the comparison follows markers on both sides, pairing the
   schemas they stand for; their names are never compared). ``$ref`` with siblings becomes
   ``{"allOf": [target], <siblings>}`` flagged so that the siblings win when it is merged
   back. Results are memoized per ref, so shared sub-schemas are inlined once and the work
   grows with the document, not with the number of paths through its reference cycles.
2. *canonicalize* (bottom-up, memoized per node): nullability, ``allOf`` merging (a marker
   member merges as the schema it stands for), keyword defaults, enum/const, 3.0 -> 3.1
   spellings.
3. *finalize* (memoized per node): ``anyOf``/``oneOf`` members are sorted (a marker by the
   schema it stands for), private keys dropped.

The canonical forms chosen:

* nullable schema: ``{"anyOf": [S1, ..., Sn, {"type": "null"}], <annotations>}`` where the
  annotations (title, description, default, examples, example, deprecated, readOnly,
  writeOnly, externalDocs, $comment, x-*) sit on the wrapper, ``S1..Sn`` are the non-null
  alternatives (a pure ``anyOf`` is flattened into the wrapper; members end up sorted like
  every ``anyOf``) and ``null`` is never listed in an ``enum``. A nullable schema whose non-null part is ``{}`` is just ``{<annotations>}``.
  An ``enum``/``const`` that does not list ``null`` excludes ``null`` even when ``nullable:
  true`` or ``type: [T, "null"]`` says otherwise (OAS 3.0.3 and JSON Schema semantics).
* one-value ``enum`` is ``const``; ``enum`` values are sorted; ``required`` is a sorted set;
  ``type`` arrays are sorted, a one-element ``type`` array is the plain string.
* parameters: ``{"<in>:<name>": {...}}`` without ``name``/``in`` (header names lower-cased),
  path parameters always carry ``required: true``.
* security: the effective requirement list of each operation, sorted, no top-level ``security``;
  no requirement is an absent key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal, NamedTuple
from urllib.parse import unquote

__all__ = [
    "HTTP_METHODS",
    "NORMALIZATIONS",
    "SchemaNodeCanonicalizer",
    "canonical_json",
    "drop_parameter_defaults",
    "is_null_schema",
    "map_schema_children",
    "mapping_ref",
    "normalize_document",
    "parameter_key",
    "path_shape",
    "path_variables",
    "schema_children",
    "status_key",
]

JSON = Any
Side = Literal["spec", "app"]

NORMALIZATIONS: list[tuple[str, str]] = [
    (
        "$ref inlining",
        (
            "Every $ref is replaced by its target on both sides (siblings next to $ref win over the "
            "target, discriminator mapping values are inlined too; a recursive component is "
            "compared once per pair of schemas that meet, its name never compared) because "
            "component names differ between spec and app."
        ),
    ),
    (
        "auto-generated titles",
        (
            "On the app side a schema title is dropped where the spec schema at the same position has "
            "none, and the title FastAPI writes on an inline response schema (Response <code> "
            "<operationId>) is dropped before a nullable wrapper takes its member's title, because "
            "pydantic and FastAPI title every model, field, parameter and response schema."
        ),
    ),
    (
        "auto-generated summary and operationId",
        (
            "On the app side an operation's summary and operationId are dropped when the spec "
            "operation has none, because FastAPI always derives them from the function name."
        ),
    ),
    (
        "number types",
        (
            "1 and 1.0 are equal (true and 1 are not), because JSON does not distinguish integer and "
            "float spellings of a number."
        ),
    ),
    (
        "nullability",
        (
            'OAS 3.0 nullable: true, a 3.1 type array containing "null", anyOf with {"type": "null"} '
            'and null inside a nullable enum all become {"anyOf": [S..., {"type": "null"}]} with the '
            "annotations (those of a single non-null member too) on the wrapper (nullable: false is "
            "dropped), because they mean the same."
        ),
    ),
    (
        "exclusive bounds",
        (
            "OAS 3.0 exclusiveMinimum/exclusiveMaximum: true plus minimum/maximum x becomes the 3.1 "
            "exclusiveMinimum/exclusiveMaximum: x and a false flag is dropped, because that is the "
            "3.0 to 3.1 migration rule."
        ),
    ),
    (
        "keyword defaults",
        (
            "Keywords equal to their default are dropped (parameter required/deprecated/"
            "allowEmptyValue/allowReserved false, default style and explode, requestBody required "
            "false, schema uniqueItems/readOnly/writeOnly/deprecated false, required [], "
            "additionalProperties true or {}, an empty response headers or links map {}, an "
            "empty parameter or media type examples map {}, "
            'an empty operation or parameter description ""), because absence means '
            "the same."
        ),
    ),
    (
        "openapi version field",
        "The openapi field is ignored because the app always reports 3.1.0.",
    ),
    (
        "response status keys",
        (
            "Response keys are strings, default is lower-case and ranges are upper-case (4XX), "
            "because those spellings are equivalent."
        ),
    ),
    (
        "automatic 422 response",
        (
            "The app's 422 response is dropped when the spec declares no 422 for the operation and "
            "the app's 422 is exactly FastAPI's automatic HTTPValidationError response, because "
            "FastAPI adds it to every route with parameters or a body."
        ),
    ),
    (
        "automatic default response",
        (
            "The app's responses are dropped when the spec operation has no responses at all (OAS "
            "3.1 allows that) and the app's are exactly FastAPI's automatic 200 Successful Response "
            "(and automatic 422), because FastAPI gives every operation a response."
        ),
    ),
    (
        "effective security",
        (
            "Each operation carries its effective security requirement (its own, else the top-level "
            "one), requirement lists are sorted and an empty list equals absence, because that is "
            "how OpenAPI resolves security."
        ),
    ),
    (
        "parameters",
        (
            "Path-item parameters are pushed into each operation (operation-level wins) and "
            'parameters are keyed "<in>:<name>" with header names lower-cased, because parameter '
            "order carries no meaning and HTTP header names are case-insensitive."
        ),
    ),
    (
        "set-like arrays",
        (
            "required arrays, type arrays, enum values, anyOf/oneOf members and security "
            "requirement lists are sorted and a one-element type array is the plain type, because "
            "their order carries no meaning."
        ),
    ),
    (
        "allOf merging",
        (
            "An allOf whose members are all object-like (or one member) is merged into its parent "
            "when no keyword conflicts (two definitions of one property become the allOf of both, "
            "which both apply anyway; members that disagree on a title, description, example or "
            "x- key keep the later member's, as a $ref's siblings win over its target; an anyOf "
            "or oneOf of one member is one more allOf member; a repeated member that does not "
            "merge is kept once; an allOf, anyOf or oneOf member loses its null alternative where "
            "a type next to it or another allOf member refuses null), because pydantic writes a "
            "subclass as one flat object schema and these forms say the same."
        ),
    ),
    (
        "enum and const typing",
        (
            "A one-value enum is const, and on the app side the type pydantic adds next to an "
            "enum/const is dropped when the spec has none and every value has that type, because "
            "the values already fix the type."
        ),
    ),
    (
        "binary and base64 strings",
        (
            "format: binary becomes contentMediaType: application/octet-stream and format: byte "
            "becomes contentEncoding: base64, because those are the OAS 3.1 migration rules."
        ),
    ),
    (
        "parameter description copied into its schema",
        (
            "On the app side a parameter schema's description equal to the parameter's own "
            "description is dropped when the spec's parameter schema has none, because FastAPI "
            "copies a parameter's description into its schema."
        ),
    ),
    (
        "operation description whitespace",
        (
            "An operation description is compared without leading and trailing white space (and "
            "without text after a form feed), because FastAPI strips it and Markdown ignores it."
        ),
    ),
    (
        "documentation URLs",
        (
            "The url of contact, license and externalDocs objects is compared in the form pydantic's "
            "URL type writes it (a bare host gains a trailing slash), because FastAPI's OpenAPI "
            "models parse these URLs."
        ),
    ),
    (
        "HTTP auth scheme case",
        (
            "The scheme of an http security scheme (Bearer, bearer) is compared lower-case, because "
            "RFC 7235 makes authentication scheme names case-insensitive."
        ),
    ),
    (
        "property without a constraint",
        (
            "A property whose schema is the empty schema {} (on the app side once its generated "
            "title is dropped) is removed from properties, and an empty properties map with it, "
            "when the object has no additionalProperties or unevaluatedProperties, because such "
            "an entry accepts every value, exactly like no entry (a required property that no "
            "properties entry describes needs a model field, which pydantic publishes as {})."
        ),
    ),
    (
        "items without a constraint",
        (
            "items: {} is dropped on both sides, because the empty schema accepts every item, "
            "exactly like no items keyword (pydantic publishes a list of Any that way)."
        ),
    ),
    (
        "keywords of another type",
        (
            "Where a schema declares its type, keywords that only constrain values of other types "
            "(object keywords such as properties or additionalProperties on a string, array "
            "keywords on an object, string or number bounds elsewhere) are dropped, because JSON "
            "Schema applies them to values of their own type only, so they never reject anything."
        ),
    ),
    (
        "type implied by every alternative",
        (
            "A type next to oneOf or anyOf is dropped when every alternative declares exactly "
            "that type, because the alternatives already admit values of that type only (pydantic "
            "writes a union of models without it)."
        ),
    ),
    (
        "schema examples",
        (
            "example and examples inside schemas are compared as written (not merged), because they "
            "are documentation the app must reproduce."
        ),
    ),
    (
        "path variable names",
        (
            "On the app side a path whose template differs from one spec path only in the names "
            "of its variables takes the spec's names, and so do its path parameters, because "
            "those names never travel in a request (it carries only the values) and Starlette "
            "routes only variables named like Python identifiers."
        ),
    ),
    (
        "null mapping entries",
        (
            "A mapping entry whose value is null (inside an example, an extension, a default) is "
            "dropped on both sides while nulls in arrays stay, because FastAPI encodes its derived "
            "document with exclude_none and so drops every such entry."
        ),
    ),
]

HTTP_METHODS: frozenset[str] = frozenset(
    {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
)

# -- schema keyword tables -------------------------------------------------------------------

_SCHEMA_MAP_KEYS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
_SCHEMA_ONE_KEYS = frozenset(
    {
        "items",
        "additionalProperties",
        "additionalItems",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
_SCHEMA_LIST_KEYS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_UNORDERED_LIST_KEYS = frozenset({"anyOf", "oneOf"})

# Annotations: lifted onto the nullable wrapper, and "parent wins" when allOf is merged.
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "example",
        "deprecated",
        "readOnly",
        "writeOnly",
        "externalDocs",
        "$comment",
    }
)
# Annotations that describe and nothing else (no default, no read/write direction).
_DESCRIPTIVE = frozenset(
    {"title", "description", "examples", "example", "externalDocs", "$comment"}
)
# Keywords an allOf member may carry to count as "object-like".
_OBJECT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "discriminator",
    }
)

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}

RECURSIVE = "$recursive"
UNRESOLVED = "$unresolved"  # a $ref that names nothing in its document
_STATUS_RANGE = re.compile(r"^[1-5][xX][xX]$")


class _Sentinel:
    """A private dict key that can never clash with a JSON key."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


# On a recursion marker: the _Target it stands for.
_TARGET = _Sentinel("<target>")
# On a recursive component's schema merged into an allOf (phase 2 only): its annotations
# stay with it, as on a marker, rather than being lifted onto a nullable wrapper.
_EXPANDED = _Sentinel("<expanded>")
# Marks the allOf wrapper built from "$ref + siblings": siblings win when merged.
_FROM_REF = _Sentinel("<from-ref>")
_CONFLICT = _Sentinel("<conflict>")


class _Target:
    """The normalized schema of a recursive component, which its markers stand for.

    ``canonical`` is the target after phase 2 (filled in on first need), ``final`` after
    phase 3 (filled in before the document is returned).
    """

    __slots__ = ("busy", "canonical", "final", "ref")

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.canonical: JSON = None
        self.final: JSON = None
        self.busy = False


def is_marker(node: JSON) -> bool:
    """A recursion marker: ``{"$recursive": ref}`` standing for a recursive component."""
    return isinstance(node, dict) and isinstance(node.get(_TARGET), _Target)


def resolve_marker(node: JSON) -> JSON:
    """The normalized schema a recursion marker stands for (its own other keywords win);
    any other value as it is."""
    if not is_marker(node):
        return node
    target = node[_TARGET].final
    siblings = {k: v for k, v in node.items() if isinstance(k, str) and k != RECURSIVE}
    if not isinstance(target, dict):
        return node
    return {**target, **siblings} if siblings else target


def public_value(value: JSON) -> JSON:
    """``value`` without private keys (a marker shows as ``{"$recursive": ref}``)."""
    if isinstance(value, dict):
        return {k: public_value(v) for k, v in value.items() if isinstance(k, str)}
    if isinstance(value, list):
        return [public_value(v) for v in value]
    return value


# -- small helpers -----------------------------------------------------------------------------


_URL_HOLDERS = ("contact", "license", "externalDocs")


def _normalize_url(url: str) -> str:
    """The URL as FastAPI's OpenAPI models publish it (pydantic AnyUrl: ``http://a.b`` -> ``http://a.b/``)."""
    from pydantic import AnyUrl, ValidationError

    try:
        return str(AnyUrl(url))
    except ValidationError:
        return url


def _normalize_urls(node: JSON) -> JSON:
    """Normalize ``url`` in contact, license and externalDocs objects (tags, info, operations)."""
    if isinstance(node, list):
        return [_normalize_urls(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _URL_HOLDERS and isinstance(value, dict) and isinstance(value.get("url"), str):
            value = {**value, "url": _normalize_url(value["url"])}
        out[key] = value
    return out


def _http_scheme_lower(scheme: JSON) -> JSON:
    """HTTP authentication scheme names are case-insensitive (RFC 7235): compare them lower-case."""
    if (
        isinstance(scheme, dict)
        and scheme.get("type") == "http"
        and isinstance(scheme.get("scheme"), str)
    ):
        return {**scheme, "scheme": scheme["scheme"].lower()}
    return scheme


def _is_ext(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("x-")


def _is_annotation(key: Any) -> bool:
    return key in _ANNOTATIONS or _is_ext(key)


def _is_descriptive(key: Any) -> bool:
    """Words about a schema that no value is checked against: when allOf members disagree on
    one, the later member's stands (as a ``$ref``'s siblings stand over its target's)."""
    return key in _DESCRIPTIVE or _is_ext(key)


def _str_keys(node: Mapping[Any, Any]) -> list[str]:
    return [k for k in node if isinstance(k, str)]


def _canon_value(value: JSON) -> JSON:
    """Plain JSON with integral floats as ints and private keys dropped (for equality/sorting)."""
    if isinstance(value, dict):
        return {k: _canon_value(v) for k, v in value.items() if isinstance(k, str)}
    if isinstance(value, (list, tuple)):
        return [_canon_value(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def canonical_json(value: JSON) -> str:
    """A deterministic JSON dump in which 1 == 1.0 but true != 1."""
    return json.dumps(_canon_value(value), sort_keys=True, separators=(",", ":"), default=repr)


# How much of a member's canonical text its sort key keeps (see SortKey).
SORT_PREFIX_CHARS = 1024


class SortKey(NamedTuple):
    """The order key of a schema standing for its canonical JSON text ``t`` in constant size.

    ``prefix`` is ``t[:SORT_PREFIX_CHARS]``, ``exact`` tells whether it is all of ``t`` and
    ``digest`` is a hash of ``t``'s structure (equal texts, equal digests). Keys order like
    the texts whenever these differ within the prefix, and equal texts give equal keys: only
    members whose texts share their first ``SORT_PREFIX_CHARS`` characters are ordered by
    digest instead (still a deterministic, name-independent order).
    """

    prefix: str
    digest: bytes
    exact: bool


_Piece = str | SortKey  # canonical JSON text, or the key of a sub-schema


def _compose(pieces: Iterable[_Piece]) -> SortKey:
    """The key of the text made by concatenating ``pieces``."""
    texts: list[str] = []
    length = 0
    exact = True
    digest = hashlib.blake2b(digest_size=16)
    for piece in pieces:
        if isinstance(piece, str):
            digest.update(piece.encode())
            text, whole = piece, True
        else:
            digest.update(b"\x00" + piece.digest)  # canonical JSON never holds a raw NUL
            text, whole = piece.prefix, piece.exact
        if exact:
            texts.append(text)
            length += len(text)
            if not whole or length > SORT_PREFIX_CHARS:
                exact = False
    prefix = "".join(texts)
    exact = exact and len(prefix) <= SORT_PREFIX_CHARS
    return SortKey(prefix[:SORT_PREFIX_CHARS], digest.digest(), exact)


def _compose_object(parts: Mapping[str, _Piece]) -> SortKey:
    """The key of the canonical text of an object whose values are given as keys or texts."""
    pieces: list[_Piece] = ["{"]
    for index, name in enumerate(sorted(parts)):
        pieces.append(("," if index else "") + json.dumps(name) + ":")
        pieces.append(parts[name])
    pieces.append("}")
    return _compose(pieces)


def _compose_array(items: list[SortKey]) -> SortKey:
    pieces: list[_Piece] = ["["]
    for index, item in enumerate(items):
        if index:
            pieces.append(",")
        pieces.append(item)
    pieces.append("]")
    return _compose(pieces)


def _same(a: JSON, b: JSON) -> bool:
    return canonical_json(a) == canonical_json(b)


def _sorted_unique(values: Iterable[JSON]) -> list[JSON]:
    seen: dict[str, JSON] = {}
    for value in values:
        seen.setdefault(canonical_json(value), value)
    return [seen[key] for key in sorted(seen)]


def _is_null_schema(node: JSON) -> bool:
    return isinstance(node, dict) and _str_keys(node) == ["type"] and node["type"] == "null"


def _is_empty_schema(node: JSON) -> bool:
    return isinstance(node, dict) and not any(k is not _EXPANDED for k in node)


def _value_has_type(value: JSON, type_name: str) -> bool:
    if isinstance(value, bool):
        return type_name == "boolean"
    if type_name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _JSON_TYPES.get(type_name, ()))


def _unescape(token: str) -> str:
    return unquote(token).replace("~1", "/").replace("~0", "~")


def _mapping_ref(value: str) -> str:
    """A discriminator mapping value is a reference or a bare schema name."""
    return value if "#" in value or "/" in value else f"#/components/schemas/{value}"


# Keywords that constrain values of one JSON type only (format and annotations excluded).
_KEYWORDS_OF_TYPE: dict[str, frozenset[str]] = {
    "object": frozenset(
        {
            "properties",
            "required",
            "additionalProperties",
            "patternProperties",
            "unevaluatedProperties",
            "minProperties",
            "maxProperties",
            "propertyNames",
            "dependentRequired",
            "dependentSchemas",
        }
    ),
    "array": frozenset(
        {
            "items",
            "prefixItems",
            "additionalItems",
            "unevaluatedItems",
            "minItems",
            "maxItems",
            "uniqueItems",
            "contains",
            "minContains",
            "maxContains",
        }
    ),
    "string": frozenset({"minLength", "maxLength", "pattern"}),
    "number": frozenset(
        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
    ),
}

# Keywords that never reject null (they only constrain strings, numbers, arrays or objects).
_TYPE_SPECIFIC = frozenset().union(*_KEYWORDS_OF_TYPE.values()) | {
    "format",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "xml",
}


def _drop_keywords_of_other_types(node: dict[Any, Any]) -> None:
    """Remove keywords that cannot apply to any type the schema declares, in place."""
    declared = node.get("type")
    types = [declared] if isinstance(declared, str) else declared
    if not (isinstance(types, list) and types and all(isinstance(t, str) for t in types)):
        return
    allowed = {"number" if t == "integer" else t for t in types}
    for kind, keywords in _KEYWORDS_OF_TYPE.items():
        if kind not in allowed:
            for keyword in keywords & set(_str_keys(node)):
                del node[keyword]


def _drop_type_implied_by_alternatives(node: dict[Any, Any], peek: Any = lambda m: m) -> None:
    """Remove ``type`` next to oneOf/anyOf when every alternative declares that same type
    (``peek`` gives the schema a recursion marker stands for)."""
    declared = node.get("type")
    if not isinstance(declared, str):
        return
    for key in ("oneOf", "anyOf"):
        members = node.get(key)
        if (
            isinstance(members, list)
            and members
            and all(isinstance(m, dict) and m.get("type") == declared for m in map(peek, members))
        ):
            del node["type"]
            return


def _drop_unconstrained_properties(node: dict[Any, Any]) -> None:
    """Remove ``properties`` entries that are exactly ``{}`` (and an emptied map), in place.

    Only where nothing else looks at the set of declared names: additionalProperties and
    unevaluatedProperties treat a declared property differently from an undeclared one.
    """
    properties = node.get("properties")
    if (
        not isinstance(properties, dict)
        or "additionalProperties" in node
        or "unevaluatedProperties" in node
    ):
        return
    kept = {
        name: schema
        for name, schema in properties.items()
        if not (isinstance(schema, dict) and schema == {})
    }
    if kept:
        node["properties"] = kept
    else:
        del node["properties"]


def _excludes_null(node: dict[Any, Any]) -> bool:
    """Whether ``node`` refuses null: a canonical schema with a ``type`` (a nullable one is an
    ``anyOf`` with a null member by now)."""
    types = node.get("type")
    return (
        isinstance(types, str)
        and types != "null"
        or (isinstance(types, list) and "null" not in types)
    )


def _null_dropped(member: dict[Any, Any]) -> dict[Any, Any]:
    """A member (of an allOf, anyOf or oneOf) without its null alternative, where the schema
    around it (or another allOf member) refuses null anyway."""
    alternatives = member.get("anyOf")
    if not isinstance(alternatives, list) or is_marker(member):
        return member
    rest = [m for m in alternatives if not _is_null_schema(m)]
    if len(rest) == len(alternatives) or not rest:
        return member
    if not all(_is_annotation(k) for k in member if k != "anyOf"):
        return member
    words = {k: v for k, v in member.items() if k != "anyOf"}
    if len(rest) == 1 and isinstance(rest[0], dict) and not is_marker(rest[0]):
        return {**rest[0], **words}  # the wrapper's annotations are the whole's
    return {**words, "anyOf": rest}


def _said_once(members: list[dict[Any, Any]]) -> list[dict[Any, Any]]:
    """allOf members without repeats (a member said twice says it once; recursion markers
    are kept as they are)."""
    seen: set[str] = set()
    unique = []
    for member in members:
        if not is_marker(member):
            key = canonical_json(member)
            if key in seen:
                continue
            seen.add(key)
        unique.append(member)
    return unique


def _one_alternative_as_all_of(node: dict[Any, Any]) -> None:
    """An ``anyOf`` or ``oneOf`` of one member says what an ``allOf`` of it says (that member
    must hold): written as one more allOf member, to be merged like the others. Not with a
    discriminator, which names the member a value selects."""
    if "discriminator" in node:
        return
    for key in ("anyOf", "oneOf"):
        members = node.get(key)
        if isinstance(members, list) and len(members) == 1 and isinstance(members[0], dict):
            existing = node.get("allOf")
            if existing is not None and not isinstance(existing, list):
                return
            del node[key]
            node["allOf"] = [*(existing or []), members[0]]


def _schema_children(node: Mapping[Any, Any]) -> Iterable[tuple[Any, ...]]:
    """Yield (key, sub_key_or_index, child) for every sub-schema position of a schema dict."""
    for key, value in node.items():
        if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            for name, child in value.items():
                yield key, name, child
        elif key in _SCHEMA_ONE_KEYS:
            if isinstance(value, list):  # draft-04 tuple "items"
                for index, child in enumerate(value):
                    yield key, index, child
            else:
                yield key, None, value
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            for index, child in enumerate(value):
                yield key, index, child
        elif key == "discriminator" and isinstance(value, dict):
            mapping = value.get("mapping")
            if isinstance(mapping, dict):
                for name, child in mapping.items():
                    yield key, name, child


def _map_schema_children(node: dict[Any, Any], fn: Any) -> dict[Any, Any]:
    """Copy of a schema dict with ``fn`` applied to every sub-schema (data copied as is)."""
    out: dict[Any, Any] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            out[key] = {name: fn(child) for name, child in value.items()}
        elif key in _SCHEMA_ONE_KEYS:
            out[key] = [fn(c) for c in value] if isinstance(value, list) else fn(value)
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            out[key] = [fn(child) for child in value]
        elif (
            key == "discriminator"
            and isinstance(value, dict)
            and isinstance(value.get("mapping"), dict)
        ):
            out[key] = {
                **value,
                "mapping": {name: fn(child) for name, child in value["mapping"].items()},
            }
        else:
            out[key] = value
    return out


# -- the normalizer ----------------------------------------------------------------------------


class _Normalizer:
    """Normalizes one document; all memo tables live on the instance (no global state)."""

    def __init__(self, doc: dict[str, Any], version: tuple[int, int]) -> None:
        self._doc = doc
        self._v30 = tuple(version) < (3, 1)
        self._inline_memo: dict[str, JSON] = {}
        self._targets: dict[str, _Target] = {}
        self._direct_refs: dict[str, frozenset[str]] = {}
        self._reach: dict[str, frozenset[str]] = {}
        self._canon_memo: dict[int, tuple[JSON, JSON]] = {}
        self._final_memo: dict[int, tuple[JSON, JSON]] = {}
        self._sort_memo: dict[int, tuple[JSON, SortKey]] = {}
        self._shallow_memo: dict[int, tuple[JSON, SortKey]] = {}
        self._scheme_names: set[str] = set()

    # ---- reference lookup ----------------------------------------------------------------

    def _lookup(self, ref: str) -> JSON:
        """The target of a local ``$ref``; one that names nothing in this document (or is not
        local) becomes ``{"$unresolved": ref}``, which compares unequal to any schema: a
        dangling reference on either side is a discrepancy, never a crash."""
        if not ref.startswith("#"):
            return {UNRESOLVED: ref}
        node: JSON = self._doc
        fragment = ref[1:]
        if fragment in ("", "/"):
            return node
        for raw in fragment.lstrip("/").split("/"):
            token = _unescape(raw)
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return {UNRESOLVED: ref}
        return node

    def _deref(self, obj: JSON, seen: frozenset[str] = frozenset()) -> JSON:
        """Resolve a non-schema Reference Object (siblings such as description win)."""
        if not (isinstance(obj, dict) and isinstance(obj.get("$ref"), str)):
            return obj
        ref = obj["$ref"]
        if ref in seen:
            return {RECURSIVE: ref}
        target = self._deref(self._lookup(ref), seen | {ref})
        siblings = {k: v for k, v in obj.items() if k != "$ref"}
        if siblings and isinstance(target, dict):
            return {**target, **siblings}
        return target

    # ---- phase 1: inline schema references ---------------------------------------------------

    def _direct(self, ref: str) -> frozenset[str]:
        cached = self._direct_refs.get(ref)
        if cached is not None:
            return cached
        found: set[str] = set()
        todo: list[JSON] = [self._lookup(ref)]
        while todo:
            node = todo.pop()
            if isinstance(node, list):
                todo.extend(node)
                continue
            if not isinstance(node, dict):
                continue
            if isinstance(node.get("$ref"), str):
                found.add(node["$ref"])
            for key, _sub, child in _schema_children(node):
                if key == "discriminator":
                    if isinstance(child, str):
                        found.add(_mapping_ref(child))
                else:
                    todo.append(child)
        result = frozenset(found)
        self._direct_refs[ref] = result
        return result

    def _reach_of(self, ref: str) -> frozenset[str]:
        """All schema refs reachable from ``ref``'s target (contains ``ref`` iff it is cyclic)."""
        cached = self._reach.get(ref)
        if cached is not None:
            return cached
        seen: set[str] = set()
        todo = [ref]
        while todo:
            for nxt in self._direct(todo.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        result = frozenset(seen)
        self._reach[ref] = result
        return result

    def _inline_ref(self, ref: str) -> JSON:
        """The target of ``ref`` inlined; a recursive component (one its own target reaches)
        becomes a marker instead, wherever it is used: its target is normalized once, on
        its own (see `_Target`), so the work is proportional to the document, not to the
        number of paths through its reference cycles."""
        if ref in self._reach_of(ref):
            target = self._targets.get(ref)
            if target is None:
                target = self._targets[ref] = _Target(ref)
            return {RECURSIVE: ref, _TARGET: target}
        if ref not in self._inline_memo:
            self._inline_memo[ref] = self._inline(self._lookup(ref))
        return self._inline_memo[ref]

    def _inline(self, node: JSON) -> JSON:
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            target = self._inline_ref(node["$ref"])
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if not siblings:
                return target
            rest = self._inline_children(siblings)
            if "allOf" in rest:  # $ref next to an allOf: plain allOf semantics
                return {**rest, "allOf": [target, *rest["allOf"]]}
            return {**rest, "allOf": [target], _FROM_REF: True}
        return self._inline_children(node)

    def _inline_children(self, node: dict[str, Any]) -> dict[Any, Any]:
        out = _map_schema_children(node, self._inline)
        discriminator = node.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
            out["discriminator"] = {
                **discriminator,
                "mapping": {
                    name: self._inline_ref(_mapping_ref(value)) if isinstance(value, str) else value
                    for name, value in discriminator["mapping"].items()
                },
            }
        return out

    # ---- phase 2: canonicalize (bottom-up) ---------------------------------------------------

    def _canon(self, node: JSON) -> JSON:
        if not isinstance(node, dict):
            return node
        hit = self._canon_memo.get(id(node))
        if hit is not None:
            return hit[1]
        result = self._canon_node(_map_schema_children(node, self._canon))
        self._canon_memo[id(node)] = (node, result)
        return result

    def _canon_node(self, out: dict[Any, Any]) -> JSON:
        nullable = False
        if self._v30:
            if out.pop("nullable", None) is True:
                nullable = True
            for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
                flag = out.get(bound)
                if flag is False:
                    del out[bound]
                elif flag is True and limit in out:
                    out[bound] = out.pop(limit)

        if out.get("format") == "binary" and "contentMediaType" not in out:
            del out["format"]
            out["contentMediaType"] = "application/octet-stream"
        elif out.get("format") == "byte" and "contentEncoding" not in out:
            del out["format"]
            out["contentEncoding"] = "base64"

        for keyword in ("uniqueItems", "readOnly", "writeOnly", "deprecated"):
            if out.get(keyword) is False:
                del out[keyword]
        if out.get("required") == []:
            del out["required"]
        extra = out.get("additionalProperties")
        if extra is True or _is_empty_schema(extra):
            del out["additionalProperties"]

        # nullability
        types = out.get("type")
        if isinstance(types, list) and "null" in types and any(t != "null" for t in types):
            rest = [t for t in types if t != "null"]
            out["type"] = rest[0] if len(rest) == 1 else rest
            nullable = True
        any_of = out.get("anyOf")
        if isinstance(any_of, list):
            members = [m for m in any_of if not _is_null_schema(m)]
            if members and len(members) < len(any_of):
                out["anyOf"] = members
                nullable = True
        enum = out.get("enum")
        if isinstance(enum, list):
            if any(v is None for v in enum):
                others = set(_str_keys(out)) - {"enum"}
                accepts_null = nullable or all(
                    _is_annotation(k) or k in _TYPE_SPECIFIC for k in others
                )
                if len(enum) > 1 and accepts_null:
                    out["enum"] = [v for v in enum if v is not None]
                    nullable = True
            else:
                nullable = False  # the enum itself excludes null
        if "const" in out and out["const"] is not None:
            nullable = False

        if not nullable:
            return self._finish(out)
        wrapper: dict[Any, Any] = {}
        for key in [k for k in out if _is_annotation(k)]:
            wrapper[key] = out.pop(key)
        core = self._finish(out)
        if _is_empty_schema(core):
            return wrapper  # anything, null included
        if isinstance(core, dict) and _str_keys(core) == ["anyOf"]:
            members = list(core["anyOf"])
        else:
            members = [core]
        if (
            len(members) == 1
            and isinstance(members[0], dict)
            and not is_marker(members[0])
            and _EXPANDED not in members[0]
        ):
            # One non-null member: its annotations describe the whole; the wrapper's own win
            # (a recursive component's stay on it).
            member = dict(members[0])
            for key in [k for k in member if _is_annotation(k)]:
                value = member.pop(key)
                wrapper.setdefault(key, value)
            members = [member]
        wrapper["anyOf"] = [*members, {"type": "null"}]
        return wrapper

    def _finish(self, node: dict[Any, Any]) -> JSON:
        _one_alternative_as_all_of(node)
        if "allOf" in node:
            node = self._merge_all_of(node)
        if _excludes_null(node):  # the alternatives' null is refused anyway
            for key in ("oneOf", "anyOf"):
                if isinstance(node.get(key), list):
                    node[key] = [_null_dropped(m) if isinstance(m, dict) else m for m in node[key]]
        _drop_keywords_of_other_types(node)
        _drop_type_implied_by_alternatives(node, self._peek)
        enum = node.get("enum")
        if isinstance(enum, list):
            values = _sorted_unique(enum)
            if len(values) == 1 and "const" not in node:
                del node["enum"]
                node["const"] = values[0]
            else:
                node["enum"] = values
        _drop_unconstrained_properties(node)
        if isinstance(node.get("items"), dict) and node["items"] == {}:
            del node["items"]  # every item is valid either way
        required = node.get("required")
        if isinstance(required, list) and all(isinstance(r, str) for r in required):
            node["required"] = sorted(set(required))
        types = node.get("type")
        if isinstance(types, list) and all(isinstance(t, str) for t in types):
            unique = sorted(set(types))
            node["type"] = unique[0] if len(unique) == 1 else unique
        return node

    def _merge_all_of(self, node: dict[Any, Any]) -> dict[Any, Any]:
        members = node["allOf"]
        from_ref = node.get(_FROM_REF) is True
        plain = {k: v for k, v in node.items() if k is not _FROM_REF}
        if not isinstance(members, list) or not members:
            return plain
        members = [self._expanded(m) for m in members]
        if not all(isinstance(m, dict) for m in members):
            return plain
        if any(_excludes_null(m) for m in (*members, plain)):
            members = [_null_dropped(m) for m in members]  # null is refused anyway
            plain = {**plain, "allOf": members}
        if len(members) > 1 and not all(self._object_like(m) for m in members):
            members = _said_once(members)  # a member said twice is said once
            plain = {**plain, "allOf": members}
        if len(members) > 1 and not all(self._object_like(m) for m in members):
            return plain
        parent = {k: v for k, v in plain.items() if k != "allOf"}
        merged = self._merge(members, parent, siblings_win=from_ref)
        return plain if merged is None else merged

    def _canonical_target(self, target: _Target) -> JSON:
        """Phase 2 of a recursive component's schema, computed once (None while it is being
        computed: a marker inside its own allOf stays a marker)."""
        if target.canonical is None and not target.busy:
            target.busy = True
            target.canonical = self._canon(self._inline(self._lookup(target.ref)))
            target.busy = False
        return target.canonical

    def _peek(self, member: JSON) -> JSON:
        """The canonical schema a recursion marker stands for (any other node as it is)."""
        if is_marker(member):
            target = self._canonical_target(member[_TARGET])
            return member if target is None else target
        return member

    def _expanded(self, member: JSON) -> JSON:
        """An allOf member with a recursion marker replaced by the canonical schema it stands
        for (the marker's other keywords win), so that it merges like any other member."""
        target = self._peek(member)
        if target is member or not isinstance(target, dict):
            return member
        siblings = {k: v for k, v in member.items() if isinstance(k, str) and k != RECURSIVE}
        return {**target, **siblings, _EXPANDED: True}

    @staticmethod
    def _object_like(member: dict[Any, Any]) -> bool:
        for key in _str_keys(member):
            if key == "type":
                if member[key] != "object":
                    return False
            elif not (key in _OBJECT_KEYWORDS or _is_annotation(key)):
                return False
        return True

    def _merge(
        self, members: list[dict[Any, Any]], parent: dict[Any, Any], *, siblings_win: bool
    ) -> dict[Any, Any] | None:
        """Merge allOf members and the parent's own keywords; None on a conflict."""
        overridden = {k for k in parent if _is_annotation(k)} | (
            set(parent) if siblings_win else set()
        )
        result: dict[Any, Any] = {}
        for member in members:
            for key, value in member.items():
                if (
                    key not in result
                    or (key in overridden and key not in ("properties",))
                    or _is_descriptive(key)
                ):
                    result[key] = value  # a later member's title or description replaces
                else:
                    combined = self._merge_keyword(key, result[key], value)
                    if combined is _CONFLICT:
                        return None
                    result[key] = combined
        for key, value in parent.items():
            if key not in result:
                result[key] = value
            elif key == "properties" and siblings_win and isinstance(value, dict):
                result[key] = {**result[key], **value}
            elif key in ("properties", "required") or not (siblings_win or _is_annotation(key)):
                combined = self._merge_keyword(key, result[key], value)
                if combined is _CONFLICT:
                    return None
                result[key] = combined
            else:
                result[key] = value
        return result

    def _merge_keyword(self, key: str, left: JSON, right: JSON) -> JSON:
        if _same(left, right):
            return left
        if key == "required" and isinstance(left, list) and isinstance(right, list):
            return sorted({*left, *right})
        if key == "properties" and isinstance(left, dict) and isinstance(right, dict):
            out = dict(left)
            for name, schema in right.items():
                if name not in out:
                    out[name] = schema
                    continue
                if not (isinstance(out[name], dict) and isinstance(schema, dict)):
                    return _CONFLICT
                if _excludes_null(out[name]) or _excludes_null(schema):  # as allOf members
                    out[name], schema = _null_dropped(out[name]), _null_dropped(schema)
                combined = self._merge([out[name], schema], {}, siblings_win=False)
                # two definitions of one property that do not merge both apply: allOf of them
                out[name] = (
                    {"allOf": [out[name], schema]} if combined is None else self._finish(combined)
                )
            return out
        return _CONFLICT

    # ---- phase 3: finalize (top-down) ---------------------------------------------------------

    def _finalize(self, node: JSON) -> JSON:
        """Phase 3: anyOf/oneOf members sorted, private keys dropped (a marker keeps its
        target); memoized per node, so a shared sub-schema is finalized once."""
        if not isinstance(node, dict):
            return node
        hit = self._final_memo.get(id(node))
        if hit is not None:
            return hit[1]
        out = _map_schema_children(
            {k: v for k, v in node.items() if isinstance(k, str)}, self._finalize
        )
        if is_marker(node):
            out[_TARGET] = node[_TARGET]
        for key in _UNORDERED_LIST_KEYS:
            if isinstance(out.get(key), list):
                out[key] = sorted(out[key], key=self._member_sort_key)
        self._final_memo[id(node)] = (node, out)
        return out

    def _member_sort_key(self, member: JSON) -> SortKey:
        """The order key of an anyOf/oneOf member, built from the memoized keys of its sub-schemas.

        The key stands for ``canonical_json(_sort_repr(member))`` without building that text,
        whose length is the size of the member's expansion (exponential in a reference graph):
        see :class:`SortKey`. Finalized sub-schemas are shared between the places that use
        them, so each one is keyed once instead of once per place (the memo keeps the node
        alive, so ids stay unique). A recursion marker is keyed by the schema it stands for,
        in which markers are keyed alike (`_shallow_key`): name-independent and finite.
        """
        return self._key(member, shallow=False)

    def _shallow_key(self, target: _Target) -> SortKey:
        canonical = self._canonical_target(target)
        return self._key(canonical, shallow=True) if canonical is not None else _compose([""])

    def _key(self, member: JSON, *, shallow: bool) -> SortKey:
        if not isinstance(member, dict):
            return _compose([canonical_json(member)])
        memo = self._shallow_memo if shallow else self._sort_memo
        hit = memo.get(id(member))
        if hit is not None:
            return hit[1]
        if is_marker(member):
            inner_key = _compose(["0"]) if shallow else self._shallow_key(member[_TARGET])
            result = _compose_object({RECURSIVE: inner_key})
            memo[id(member)] = (member, result)
            return result
        sub = (lambda c: self._key(c, shallow=True)) if shallow else self._member_sort_key
        parts: dict[str, _Piece] = {}
        typed_by_values = "enum" in member or "const" in member
        for key, value in member.items():
            if not isinstance(key, str) or key == "title" or (key == "type" and typed_by_values):
                continue
            if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
                parts[key] = self._sort_map(value, sub)
            elif key in _SCHEMA_ONE_KEYS:
                parts[key] = (
                    _compose_array([sub(c) for c in value])
                    if isinstance(value, (list, tuple))
                    else sub(value)
                )
            elif key in _SCHEMA_LIST_KEYS and isinstance(value, (list, tuple)):
                keys = [sub(c) for c in value]
                if shallow and key in _UNORDERED_LIST_KEYS:
                    keys.sort()  # a canonical node's members are not sorted yet
                parts[key] = _compose_array(keys)
            elif (
                key == "discriminator"
                and isinstance(value, dict)
                and isinstance(value.get("mapping"), dict)
            ):
                inner: dict[str, _Piece] = {
                    k: canonical_json(v)
                    for k, v in value.items()
                    if isinstance(k, str) and k != "mapping"
                }
                inner["mapping"] = self._sort_map(value["mapping"], sub)
                parts[key] = _compose_object(inner)
            else:
                parts[key] = canonical_json(value)
        result = _compose_object(parts)
        memo[id(member)] = (member, result)
        return result

    @staticmethod
    def _sort_map(children: dict[Any, Any], sub: Any) -> SortKey:
        return _compose_object(
            {name: sub(c) for name, c in children.items() if isinstance(name, str)}
        )

    def schema(self, raw: JSON) -> JSON:
        return self._finalize(self._canon(self._inline(raw)))

    def _finish_targets(self) -> None:
        """Normalize every recursive component a marker stands for (phases 2 and 3), each
        once; normalizing one may reach more."""
        done: set[str] = set()
        while len(done) < len(self._targets):
            for ref, target in list(self._targets.items()):
                if ref not in done:
                    done.add(ref)
                    canonical = self._canonical_target(target)
                    target.final = self._finalize(canonical)

    # ---- document structure --------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        doc = self._doc
        out: dict[str, Any] = {}
        for key in ("info", "externalDocs"):
            if key in doc:
                out[key] = (
                    _normalize_urls({key: doc[key]})[key]
                    if key == "externalDocs"
                    else _normalize_urls(doc[key])
                )
        for key in ("servers", "tags"):
            if doc.get(key):
                out[key] = _normalize_urls(doc[key]) if key == "tags" else doc[key]
        top_security = doc.get("security")
        paths = doc.get("paths") or {}
        out["paths"] = {
            path: self._path_item(item, top_security) if path.startswith("/") else item
            for path, item in paths.items()
        }
        webhooks = doc.get("webhooks") or {}
        if webhooks:
            out["webhooks"] = {
                name: self._path_item(item, top_security) if not _is_ext(name) else item
                for name, item in webhooks.items()
            }
        defined = (doc.get("components") or {}).get("securitySchemes") or {}
        schemes = {
            name: _http_scheme_lower(self._deref(defined[name]))
            for name in sorted(self._scheme_names & set(defined))
        }
        if schemes:
            out["components"] = {"securitySchemes": schemes}
        self._finish_targets()
        return out

    def _path_item(
        self, item: JSON, top_security: JSON, seen: frozenset[str] = frozenset()
    ) -> JSON:
        if isinstance(item, dict) and isinstance(item.get("$ref"), str):
            ref = item["$ref"]
            if ref in seen:
                return {RECURSIVE: ref}
            seen = seen | {ref}
        item = self._deref(item)
        if not isinstance(item, dict):
            return item
        common = item.get("parameters") or []
        out: dict[str, Any] = {}
        for key, value in item.items():
            if key in HTTP_METHODS:
                out[key] = self._operation(value, common, top_security, seen)
            elif key != "parameters":
                out[key] = value
        return out

    def _operation(
        self, op: JSON, common: list[JSON], top_security: JSON, seen: frozenset[str]
    ) -> JSON:
        if not isinstance(op, dict):
            return op
        out: dict[str, Any] = {}
        for key, value in op.items():
            if key in ("parameters", "security"):
                continue
            if key == "requestBody":
                out[key] = self._request_body(value)
            elif key == "responses":
                out[key] = self._responses(value)
            elif key == "callbacks" and isinstance(value, dict):
                out[key] = {name: self._callback(cb, seen) for name, cb in value.items()}
            elif key == "deprecated" and value is False:
                continue
            elif key == "description" and isinstance(value, str):
                if value.split("\f")[0].strip():
                    out[key] = value.split("\f")[0].strip()
            elif key == "externalDocs":
                out[key] = _normalize_urls({key: value})[key]
            else:
                out[key] = value
        params: dict[str, JSON] = {}
        for raw in [*common, *(op.get("parameters") or [])]:
            param = self._deref(raw)
            if isinstance(param, dict):
                params[_parameter_key(param)] = param
        if params:
            out["parameters"] = {
                key: self._parameter(param, param.get("in")) for key, param in params.items()
            }
        security = op.get("security", top_security)
        if security:
            for requirement in security:
                if isinstance(requirement, dict):
                    self._scheme_names.update(requirement)
            out["security"] = _sorted_unique(security)
        return out

    def _callback(self, callback: JSON, seen: frozenset[str]) -> JSON:
        callback = self._deref(callback)
        if not isinstance(callback, dict):
            return callback
        return {
            expr: item if _is_ext(expr) else self._path_item(item, None, seen)
            for expr, item in callback.items()
        }

    def _parameter(self, param: JSON, location: Any) -> JSON:
        """A Parameter or Header Object (``location`` "header" for headers)."""
        param = self._deref(param)
        if not isinstance(param, dict):
            return param
        out: dict[str, Any] = {}
        for key, value in param.items():
            if key in ("name", "in"):
                continue
            if key == "schema":
                out[key] = self.schema(value)
            elif key == "content":
                out[key] = self._content(value)
            elif key == "examples" and value == {}:
                continue  # an empty map names no example: the same as none
            elif key == "examples" and isinstance(value, dict):
                out[key] = {name: self._deref(ex) for name, ex in value.items()}
            else:
                out[key] = value
        return drop_parameter_defaults(out, location)

    def _content(self, content: JSON) -> JSON:
        if not isinstance(content, dict):
            return content
        return {media: self._media_type(value) for media, value in content.items()}

    def _media_type(self, media: JSON) -> JSON:
        if not isinstance(media, dict):
            return media
        out: dict[str, Any] = {}
        for key, value in media.items():
            if key == "schema":
                out[key] = self.schema(value)
            elif key == "examples" and value == {}:
                continue  # an empty map names no example: the same as none
            elif key == "examples" and isinstance(value, dict):
                out[key] = {name: self._deref(ex) for name, ex in value.items()}
            elif key == "encoding" and isinstance(value, dict):
                out[key] = {name: self._encoding(enc) for name, enc in value.items()}
            else:
                out[key] = value
        return out

    def _encoding(self, encoding: JSON) -> JSON:
        if not isinstance(encoding, dict):
            return encoding
        out = dict(encoding)
        if isinstance(out.get("headers"), dict):
            out["headers"] = {
                name: self._parameter(h, "header") for name, h in out["headers"].items()
            }
        return out

    def _request_body(self, body: JSON) -> JSON:
        body = self._deref(body)
        if not isinstance(body, dict):
            return body
        out = {k: (self._content(v) if k == "content" else v) for k, v in body.items()}
        if out.get("required") is False:
            del out["required"]
        return out

    def _responses(self, responses: JSON) -> JSON:
        if not isinstance(responses, dict):
            return responses
        out: dict[str, Any] = {}
        for code, response in responses.items():
            key = str(code)
            if _is_ext(key):
                out[key] = response
                continue
            out[status_key(key)] = self._response(response)
        return out

    def _response(self, response: JSON) -> JSON:
        response = self._deref(response)
        if not isinstance(response, dict):
            return response
        out: dict[str, Any] = {}
        for key, value in response.items():
            if key in ("headers", "links") and value == {}:
                continue  # an empty map declares nothing: the same as none
            if key == "content":
                out[key] = self._content(value)
            elif key == "headers" and isinstance(value, dict):
                out[key] = {name: self._parameter(h, "header") for name, h in value.items()}
            elif key == "links" and isinstance(value, dict):
                out[key] = {name: self._deref(link) for name, link in value.items()}
            else:
                out[key] = value
        return out


def status_key(code: Any) -> str:
    """A response key in its one spelling: a string, ``default`` lower-case, ranges upper-case."""
    key = str(code)
    if key.lower() == "default":
        return "default"
    return key.upper() if _STATUS_RANGE.match(key) else key


def drop_parameter_defaults(out: dict[str, Any], location: Any) -> dict[str, Any]:
    """Drop the keywords of a Parameter or Header Object (``location`` "header" for headers)
    that equal their defaults, in place, and mark a path parameter required; returns ``out``."""
    if location == "path":
        out["required"] = True
    if out.get("description") == "":
        del out["description"]
    for key in ("required", "deprecated", "allowEmptyValue", "allowReserved"):
        if out.get(key) is False:
            del out[key]
    default_style = "form" if location in ("query", "cookie") else "simple"
    style = out.get("style", default_style)
    if out.get("style") == default_style:
        del out["style"]
    if "explode" in out and out["explode"] is (style == "form"):
        del out["explode"]
    return out


class SchemaNodeCanonicalizer:
    """Phase 2 (*canonicalize*) for one schema node at a time, for a caller that keeps where
    each sub-schema sits (``specfirst.diff``) instead of inlining the whole tree.

    The caller canonicalizes bottom-up itself: the node it passes has its sub-schemas in place
    already canonical (a ``$ref`` site is given as its target, see ``ref_target``). The rules
    applied are exactly the ones :func:`normalize_document` applies to every schema node
    (nullability, exclusive bounds, keyword defaults, enum/const, allOf merging, ...).
    """

    def __init__(self, version: tuple[int, int]) -> None:
        self._normalizer = _Normalizer({}, version)

    def canonical(self, node: dict[str, Any], *, ref_target: JSON | None = None) -> JSON:
        """The canonical form of ``node``; with ``ref_target``, ``node`` holds the siblings of
        a ``$ref`` whose (canonical) target is ``ref_target``: the siblings win over the target,
        as in phase 1."""
        out: dict[Any, Any] = {k: v for k, v in node.items() if k != "$ref"}
        if ref_target is not None:
            if "allOf" in out:  # $ref next to an allOf: plain allOf semantics
                out["allOf"] = [ref_target, *out["allOf"]]
            else:
                out["allOf"] = [ref_target]
                out[_FROM_REF] = True
        return self._normalizer._canon_node(out)


def is_null_schema(node: JSON) -> bool:
    """``{"type": "null"}``: the member a canonical nullable schema lists in its ``anyOf``."""
    return _is_null_schema(node)


def mapping_ref(value: str) -> str:
    """A discriminator mapping value as a reference (it may be a bare schema name)."""
    return _mapping_ref(value)


def map_schema_children(node: dict[Any, Any], fn: Any) -> dict[Any, Any]:
    """Copy of a schema dict with ``fn`` applied to every sub-schema (data copied as is)."""
    return _map_schema_children(node, fn)


def schema_children(node: Mapping[Any, Any]) -> Iterable[tuple[Any, ...]]:
    """(key, sub-key or index or None, child) for every sub-schema position of a schema dict
    (a discriminator mapping value is given as written: a reference or a bare schema name)."""
    return _schema_children(node)


_PATH_VARIABLE = re.compile(r"\{([^{}/]*)\}")


def path_variables(path: str) -> list[str]:
    """The names of a path template's variables, in order (``/a/{x}/{y}``: x, y)."""
    return _PATH_VARIABLE.findall(path)


def path_shape(path: str) -> str:
    """A path template with its variables' names left out (``/pets/{}``): two paths of one
    shape are the same path to a client, whatever the variables are called."""
    return _PATH_VARIABLE.sub("{}", path)


def parameter_key(param: Mapping[str, Any]) -> str:
    """``"<in>:<name>"``, the header name lower-cased: a parameter's identity in an operation."""
    return _parameter_key(param)


def _parameter_key(param: Mapping[str, Any]) -> str:
    location = str(param.get("in"))
    name = str(param.get("name"))
    return f"{location}:{name.lower() if location == 'header' else name}"


def _sort_repr(node: JSON) -> JSON:
    """A schema with titles (and enum-implied types) removed: the order key for anyOf/oneOf.

    Ignoring exactly what the app-side alignment may still drop keeps both sides in the same
    member order.
    """
    if not isinstance(node, dict):
        return node
    out = _map_schema_children(node, _sort_repr)
    out.pop("title", None)
    if "enum" in out or "const" in out:
        out.pop("type", None)
    return out


def _member_sort_key(member: JSON) -> str:
    return canonical_json(_sort_repr(member))


def _without_null_entries(node: JSON) -> JSON:
    """A copy without the mapping entries whose value is null (array items are kept as they are)."""
    if isinstance(node, dict):
        return {
            key: _without_null_entries(value) for key, value in node.items() if value is not None
        }
    if isinstance(node, list):
        return [_without_null_entries(item) for item in node]
    return node


def _declared_version(doc: Mapping[str, Any]) -> tuple[int, int]:
    match = re.match(r"^\s*(\d+)\.(\d+)", str(doc.get("openapi", "3.1")))
    return (int(match.group(1)), int(match.group(2))) if match else (3, 1)


def normalize_document(
    doc: dict[str, Any],
    *,
    side: Side,
    spec_version: tuple[int, int],
    reference: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Normalize one document with the fixed rules in :data:`NORMALIZATIONS`.

    ``spec_version`` is the source document's OpenAPI version and drives the 3.0-only rules
    (``nullable``, boolean exclusive bounds) for ``side="spec"``. With ``side="app"`` the
    document's own ``openapi`` field decides (FastAPI always writes 3.1.0; absent means 3.1). The spec-guided rules (app titles, summary/operationId, automatic 422,
    enum type) need the normalized spec: pass it as ``reference`` with ``side="app"``
    (:func:`compare_documents` does); without it they are skipped.
    """
    if side not in ("spec", "app"):
        raise ValueError(f"side must be 'spec' or 'app', not {side!r}")
    version = tuple(spec_version) if side == "spec" else _declared_version(doc)
    if side == "app":
        from specfirst.validator.fastapi_titles import without_response_titles

        doc = without_response_titles(doc, reference)
    normalized = _Normalizer(_without_null_entries(doc), (version[0], version[1])).document()
    if side == "app" and reference is not None:
        from specfirst.validator.align import align_app_to_spec

        normalized = align_app_to_spec(normalized, reference)
    return normalized
