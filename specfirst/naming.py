"""Turn names from an OpenAPI document into valid, stable, collision-free Python identifiers.

Everything on the wire keeps the spec's exact spelling (the generated code uses aliases);
only the Python side is renamed. Names are allocated in document order inside a
:class:`NameScope`, so the same document always yields the same identifiers.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from dataclasses import dataclass, field

# Attributes of pydantic.BaseModel (and names pydantic reserves) that a field must not shadow.
_MODEL_RESERVED = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "fields",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
        "from_orm",
    }
)
# Names that generated modules import or define at top level (``app/schemas.py``, the route
# and handler modules): a class, alias or field must not take one of them.
_MODULE_RESERVED = frozenset(
    {
        # typing, pydantic and the standard library
        "Annotated",
        "Any",
        "BaseModel",
        "ConfigDict",
        "Field",
        "Literal",
        "MISSING",
        "Optional",
        "TypeAliasType",
        "Union",
        "date",
        "datetime",
        "time",
        "timedelta",
        "bool",
        "bytes",
        "dict",
        "float",
        "int",
        "list",
        "object",
        "str",
        "type",
        "None",
        # FastAPI and SQLAlchemy names the route modules import
        "APIRouter",
        "Body",
        "Cookie",
        "Depends",
        "FastAPIDeprecationWarning",
        "Header",
        "Path",
        "Query",
        "Request",
        "Response",
        "Security",
        "Session",
        # FastAPI's own components: its 422 response adds them to every derived document
        "HTTPValidationError",
        "ValidationError",
        # app.core.types
        "Date",
        "DateTime",
        "Discriminator",
        "Duration",
        "Enum",
        "Format",
        "JsonData",
        "Integer",
        "Integral",
        "Keywords",
        "MultipleOf",
        "NoAdditionalProperties",
        "OneOf",
        "AllOf",
        "RawString",
        "SchemaModel",
        "Time",
        "UniqueItems",
        "UploadBytes",
        # the rest of the app
        "ApiError",
        "BodyRoute",
        "COMPONENTS",
        "Duplicate",
        "HandlerContext",
        "NotFound",
        "Principal",
        "StyledQuery",
        "StyledHeader",
        "StyledPath",
        "IntegerText",
        "NumberText",
        "BooleanText",
        "JSONResponse",
        "BadCursor",
        "Unstorable",
        "router",
    }
)
# Top-level names of the route and handler modules that an operation's function must not take.
_FUNCTION_RESERVED = frozenset(
    {
        "app",
        "router",
        "annotations",
        "warnings",
        "security",
        "handlers",
        "schemas",
        "get_db",
        "call_handler",
        "given",
        "merge_patch",
        "not_implemented",
        "present",
        "refuse_unaddressable",
        "search_items",
        "searched",
        "date",
        "datetime",
        "time",
        "timedelta",
    }
)
# Top-level names of the security module that a scheme's verifier must not take.
_SECURITY_RESERVED = frozenset(
    {
        "request",
        "satisfy",
        "check_credential",
        "check_client_certificate",
        "with_extensions",
        "ENV_VARS",
    }
)
# Names a route function takes or binds itself: a parameter must not take one of them.
_PARAMETER_RESERVED = frozenset(
    {
        "request",
        "response",
        "body",
        "db",
        "principal",
        "ctx",
        "data",
        "item",
        "items",
        "answer",
        "exc",
        *_FUNCTION_RESERVED,
    }
)
# Suffixes of module-level names the steps derive (``<table>_table``, ``<operation>_callbacks``,
# ``<operation>_<parameter>_param``, ``<scheme>_scheme``): a name from the document never ends so.
_GENERATED_SUFFIXES = ("_table", "_callbacks", "_param", "_scheme")

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9]|$|[^A-Za-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+")


def _ascii(text: str) -> str:
    """Fold accents and drop what has no ASCII form (``Café`` -> ``Cafe``)."""
    folded = unicodedata.normalize("NFKD", text)
    return folded.encode("ascii", "ignore").decode("ascii")


def words(text: str) -> list[str]:
    """Split any spelling (camelCase, kebab-case, dotted, spaced) into words."""
    return _WORD.findall(_ascii(text))


def _fallback(text: str) -> str:
    """A stable name for text with no usable ASCII characters."""
    return "x" + "".join(f"{ord(ch):x}" for ch in text)[:16]


def snake(text: str) -> str:
    """``operationId`` / ``service-id`` / ``2fa`` -> ``operation_id`` / ``service_id`` / ``n2fa``."""
    parts = [w.lower() for w in words(text)]
    name = "_".join(parts) if parts else _fallback(text)
    if name[0].isdigit():
        name = "n" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def pascal(text: str) -> str:
    """``service_response`` / ``error-response`` -> ``ServiceResponse`` / ``ErrorResponse``."""
    parts = words(text)
    name = "".join(w[:1].upper() + w[1:] for w in parts) if parts else _fallback(text).title()
    if name[0].isdigit():
        name = "N" + name
    if keyword.iskeyword(name):
        name += "_"
    return name


def field_name(text: str) -> str:
    """A pydantic field name for a property: snake case that shadows nothing on BaseModel."""
    name = snake(text)
    if name in _MODEL_RESERVED or name.startswith("model_") or name in _MODULE_RESERVED:
        name += "_"
    return name


def function_name(text: str) -> str:
    """A module-level function name for an operation or a security scheme."""
    name = snake(text)
    if name in _FUNCTION_RESERVED or name.endswith(_GENERATED_SUFFIXES):
        name += "_"
    return name


def parameter_name(text: str) -> str:
    """A route function parameter: shadows nothing the function's body uses."""
    name = field_name(text)
    if name in _PARAMETER_RESERVED or name.endswith(_GENERATED_SUFFIXES):
        name += "_"
    return name


# File systems take names of 255 bytes at most: a module (and so its file) name is cut well below.
MODULE_NAME_LIMIT = 60


def module_name(text: str) -> str:
    """A module, table or file name: snake case, at most ``MODULE_NAME_LIMIT`` characters."""
    name = snake(text)
    if len(name) > MODULE_NAME_LIMIT:
        name = name[:MODULE_NAME_LIMIT].rstrip("_")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def constant(text: str) -> str:
    """``application/json`` -> ``APPLICATION_JSON``."""
    return snake(text).upper()


def env_var_for_scheme(scheme_name: str) -> str:
    """``apiKeyAuth`` -> ``API_KEY_AUTH_KEYS``: the environment variable a generated app reads
    a security scheme's accepted credentials from. Different names can give the same variable
    (``keyAuth``, ``key-auth``, ``KEY_AUTH``): the model refuses such a document."""
    return constant(scheme_name) + "_KEYS"


@dataclass
class NameScope:
    """Allocates unique identifiers in one namespace, case-insensitively.

    Case-insensitive uniqueness keeps names apart that differ only by case, which also
    matters for module files on case-insensitive filesystems.
    """

    reserved: frozenset[str] = frozenset()
    _taken: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._taken.update(name.lower() for name in self.reserved)

    def claim(self, base: str) -> str:
        """Return ``base`` or ``base_2``, ``base_3``... whichever is free, and take it."""
        candidate = base
        counter = 2
        sep = "_" if base[-1:].isdigit() or "_" in base or base.islower() else ""
        while candidate.lower() in self._taken:
            candidate = f"{base}{sep}{counter}"
            counter += 1
        self._taken.add(candidate.lower())
        return candidate

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._taken


def class_scope() -> NameScope:
    """The namespace of generated classes and type aliases in one module."""
    return NameScope(reserved=_MODULE_RESERVED)


def function_scope() -> NameScope:
    """The namespace of operation functions (route and handler modules)."""
    return NameScope(reserved=_FUNCTION_RESERVED)


def scheme_scope() -> NameScope:
    """The namespace of security scheme functions (``app/core/security.py``)."""
    return NameScope(reserved=_FUNCTION_RESERVED | _SECURITY_RESERVED)


# Names a SQLAlchemy declarative model holds itself: a column attribute must not take one
# (``self`` is the first parameter of the model's ``__init__``, which takes columns by name).
_COLUMN_RESERVED = frozenset({"self", "metadata", "registry"})


def column_scope() -> NameScope:
    """The namespace of one table model's column attributes."""
    return NameScope(reserved=_COLUMN_RESERVED)


def parameter_scope() -> NameScope:
    """The namespace of one route function's parameters."""
    return NameScope(reserved=_PARAMETER_RESERVED)


def derived_operation_name(method: str, path: str) -> str:
    """A stable name for an operation with no operationId: ``GET /pets/{id}`` -> ``get_pets_by_id``."""
    parts: list[str] = [method.lower()]
    for segment in path.strip("/").split("/"):
        if not segment:
            continue
        if segment.startswith("{") and segment.endswith("}"):
            parts.append("by_" + snake(segment[1:-1]))
        else:
            parts.append(snake(segment))
    if len(parts) == 1:
        parts.append("root")
    return "_".join(parts)
