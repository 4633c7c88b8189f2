"""Load an OpenAPI 3.0/3.1 document, bundle its external ``$ref`` files into it, and check it.

``load_spec`` reads the root file (YAML or JSON), follows ``$ref``\\s into other files
(relative to the referring file, transitively, each file read once), copies every external
target into the root document's ``components`` and rewrites the refs to local ones.  It then
checks refs, operationIds and path parameters, and finally runs openapi-spec-validator on the
bundled document.  Every problem found is reported at once in a :class:`SpecError`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import reprlib
import stat
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final
from urllib.parse import unquote, urlsplit

import yaml
from jsonschema.exceptions import ValidationError, relevance
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.validation.keywords import KeywordValidator, ValueValidator
from openapi_spec_validator.validation.validators import SpecValidator

from specfirst import limits
from specfirst.errors import Problem, SpecError

__all__ = [
    "MAX_EXPANDED_NODES",
    "MAX_FILE_BYTES",
    "LoadedSpec",
    "load_spec",
    "pointer_join",
    "split_pointer",
]

MAX_EXPANDED_NODES: Final = 5_000_000
"""A YAML document whose aliases expand to more nodes than this is refused."""

MAX_FILE_BYTES: Final = 64 * 1024 * 1024
"""A file larger than this is refused before it is read."""

HTTP_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Token = str | int

# --------------------------------------------------------------------------- JSON pointers


def _escape(token: Token) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_join(base: str, *parts: Token) -> str:
    """Append ``parts`` (escaped per RFC 6901) to the JSON pointer ``base``."""
    return base + "".join("/" + _escape(part) for part in parts)


def split_pointer(pointer: str) -> list[str]:
    """Split an RFC 6901 JSON pointer into unescaped tokens (``""`` -> ``[]``)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _child(node: Any, token: Token) -> Any:
    """One JSON-pointer step; raises KeyError when there is no such child."""
    if isinstance(node, dict):
        if str(token) in node:
            return node[str(token)]
    elif isinstance(node, list):
        text = str(token)
        if text.isdigit() and int(text) < len(node):
            return node[int(text)]
    raise KeyError(token)


def _resolve_tokens(document: Any, tokens: Iterable[Token]) -> Any:
    """Follow pointer tokens literally (no $ref following); KeyError when missing."""
    node = document
    for token in tokens:
        node = _child(node, token)
    return node


# --------------------------------------------------------------------------- YAML / JSON reading

_TIMESTAMP_TAG: Final = "tag:yaml.org,2002:timestamp"


def _key_string(key: Any) -> str:
    """OpenAPI keys are strings: ``200`` -> ``"200"``, ``true`` -> ``"true"``, ``~`` -> ``"null"``."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


class _SpecYamlLoader(yaml.CSafeLoader):
    """libyaml safe loader: timestamps stay strings and mapping keys are made strings."""

    # Our own copy of the resolver table, without the timestamp resolver (the global
    # yaml.SafeLoader / CSafeLoader tables are left untouched).
    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        for key in mapping:
            if type(key) is not str:
                return {_key_string(key): value for key, value in mapping.items()}
        return mapping


# YAML 1.1 (PyYAML) wants a dot and a signed exponent in a float, so `maximum: 1E+2` or
# `1.5e3` would load as strings; YAML 1.2 and JSON read them as numbers, as spec authors mean.
_SpecYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


class _FileError(Exception):
    """A file could not be read, parsed or accepted."""

    def __init__(self, problem: Problem, *more: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
        self.problems = [problem, *more]


class _FileNotFound(_FileError):
    """The file does not exist."""


class _AliasError(Exception):
    """The document's YAML aliases expand too far or refer to themselves."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer


def _check_aliases(data: Any, limit: int = MAX_EXPANDED_NODES) -> None:
    """Refuse alias bombs and cyclic aliases without ever expanding the tree.

    The expanded size of a node is 1 + the sizes of its children; sizes are memoized by
    ``id()``, so a node shared through aliases is walked once but counted once per reference.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    path: list[Token] = []

    def size(node: dict[str, Any] | list[Any]) -> int:
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            return known
        if key in active:
            raise _AliasError(
                "self-referential YAML alias: this node contains itself; refusing to load",
                pointer_join("", *path),
            )
        active.add(key)
        total = 1
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for child_key, child in items:
            if isinstance(child, (dict, list)):
                path.append(child_key)
                total += size(child)
                path.pop()
            else:
                total += 1
            if total > limit:
                raise _AliasError(
                    f"document expands to more than {limit:,} nodes through YAML aliases "
                    "(alias bomb); refusing to load",
                    "",
                )
        active.discard(key)
        sizes[key] = total
        return total

    if isinstance(data, (dict, list)):
        size(data)


def _read_bytes(path: Path, display: str) -> bytes:
    """A regular file's bytes, at most MAX_FILE_BYTES of them.

    The file is opened without blocking (a FIFO would wait for a writer) and refused, before
    anything is read, when it is not a regular file (a device, a FIFO, a directory) or is
    larger than the cap.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise _FileNotFound(Problem(display, "", "file not found")) from None
    except OSError as exc:
        raise _FileError(Problem(display, "", f"cannot read file: {exc.strerror or exc}")) from None
    try:
        info = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise _FileError(Problem(display, "", f"cannot read file: {exc.strerror or exc}")) from None
    if not stat.S_ISREG(info.st_mode):  # before fdopen, which refuses a directory itself
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise _FileError(Problem(display, "", f"{what}; refusing to read it"))
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_FILE_BYTES:
            raise _FileError(
                Problem(
                    display,
                    "",
                    f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; refusing to read it",
                )
            )
        try:
            raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            message = f"cannot read file: {exc.strerror or exc}"
            raise _FileError(Problem(display, "", message)) from None
    if len(raw) > MAX_FILE_BYTES:  # it grew after the check
        message = f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; refusing to read it"
        raise _FileError(Problem(display, "", message))
    return raw


def _read_document(path: Path, display: str) -> Any:
    """Parse a YAML or JSON file; raise _FileError with a located problem on failure."""
    raw = _read_bytes(path, display)
    if not raw.strip():
        raise _FileError(Problem(display, "", "file is empty"))
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            problem = Problem(display, "", f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
            raise _FileError(problem) from None
        except UnicodeDecodeError as exc:
            raise _FileError(Problem(display, "", f"invalid JSON: {exc}")) from None
        except RecursionError:  # valid JSON perhaps, but deeper than the limit checked below
            line, column = limits.deep_position(raw) or (None, None)
            message = f"nested more than {limits.MAX_DEPTH} levels deep; specfirst reads at most {limits.MAX_DEPTH}"
            raise _FileError(Problem(display, "", message, line, column)) from None
    else:
        data = _read_yaml(raw, display)
    problems = limits.data_problems(data, display)
    if problems:
        raise _FileError(*problems)
    if path.suffix.lower() == ".json":
        return data
    try:
        _check_aliases(data)
    except _AliasError as exc:
        raise _FileError(Problem(display, exc.pointer, exc.message)) from None
    except RecursionError:
        raise _FileError(Problem(display, "", "document is nested too deeply")) from None
    return data


def _read_yaml(raw: bytes, display: str) -> Any:
    try:
        data = yaml.load(raw, Loader=_SpecYamlLoader)  # a safe loader (libyaml)
    except yaml.MarkedYAMLError as exc:
        raise _FileError(_yaml_problem(display, exc)) from None
    except yaml.YAMLError as exc:
        raise _FileError(Problem(display, "", f"invalid YAML: {exc}")) from None
    except RecursionError:
        raise _FileError(Problem(display, "", "invalid YAML: nested too deeply")) from None
    if data is None:
        raise _FileError(Problem(display, "", "file is empty"))
    return data


def _yaml_problem(display: str, exc: yaml.MarkedYAMLError) -> Problem:
    """Turn a PyYAML error into a problem with 1-based line and column."""
    text = exc.problem or exc.context or "syntax error"
    if exc.problem and exc.context:
        text = f"{exc.problem} ({exc.context})"
    if "maximum nesting depth" in text:  # libyaml's own bound, past ours: say ours
        text = f"nested more than {limits.MAX_DEPTH} levels deep; specfirst reads at most {limits.MAX_DEPTH}"
    else:
        text = f"invalid YAML: {text}"
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return Problem(display, "", text)
    return Problem(display, "", text, mark.line + 1, mark.column + 1)


# --------------------------------------------------------------------------- source positions


class _Positions:
    """Line/column of a JSON pointer in a file, from a lazily composed YAML node tree."""

    def __init__(self) -> None:
        self._roots: dict[Path, yaml.Node | None] = {}
        self._constructor = yaml.constructor.SafeConstructor()
        self._index: dict[int, dict[str, yaml.Node]] = {}
        """Mapping node id -> its keys (the last duplicate wins): many lookups in one large
        mapping (a components section) cost one pass over it, not one per lookup."""

    def find(self, path: Path, pointer: str) -> tuple[int | None, int | None]:
        """Position of the deepest node on ``pointer`` that exists in the file."""
        node = self._root(path)
        if node is None:
            return None, None
        try:
            tokens = split_pointer(pointer)
        except ValueError:
            tokens = []
        for token in tokens:
            child = self._child(node, token)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1, node.start_mark.column + 1

    def _root(self, path: Path) -> yaml.Node | None:
        if path not in self._roots:
            try:
                raw = _read_bytes(path, str(path))  # never a FIFO, a device or a huge file
                self._roots[path] = yaml.compose(raw, Loader=_SpecYamlLoader)
            except (_FileError, OSError, yaml.YAMLError, RecursionError):
                self._roots[path] = None
        return self._roots[path]

    def _key(self, node: yaml.Node) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            return None
        if node.tag == "tag:yaml.org,2002:str":
            return str(node.value)
        try:
            return _key_string(self._constructor.construct_object(node))
        except (yaml.YAMLError, ValueError):
            return str(node.value)

    def _child(self, node: yaml.Node, token: str, depth: int = 0) -> yaml.Node | None:
        if isinstance(node, yaml.SequenceNode):
            if token.isdigit() and int(token) < len(node.value):
                return node.value[int(token)]
            return None
        if not isinstance(node, yaml.MappingNode) or depth > 20:
            return None
        index = self._index.get(id(node))
        if index is None:
            index = {}
            for key_node, value_node in node.value:  # the last duplicate key wins
                key = self._key(key_node)
                if key is not None:
                    index[key] = value_node
            self._index[id(node)] = index
        if token in index:
            return index[token]
        for key_node, value_node in node.value:  # keys merged in with "<<"
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    found = self._child(source, token, depth + 1)
                    if found is not None:
                        return found
        return None


# --------------------------------------------------------------------------- the loaded spec


@dataclass
class LoadedSpec:
    """A loaded, bundled and checked OpenAPI document."""

    path: Path
    """The root file, as passed to load_spec."""
    document: dict[str, Any]
    """One bundled document: external $refs rewritten to local ones."""
    version: tuple[int, int]
    """(3, 0) or (3, 1)."""
    origins: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    """Bundled pointer of each copied-in node -> (display file, pointer in that file)."""
    display: str = field(default="", repr=False)
    """How the root file is displayed in problems (as the user passed it)."""
    files: dict[str, Path] = field(default_factory=dict, repr=False)
    """Display name -> path of every file read (root first, then in discovery order)."""
    warnings: list[Problem] = field(default_factory=list, repr=False)
    """Repairable defects, each saying what was assumed (``Problem.assumed``), in document
    order; the document (and the repair sets below) already carry the repairs."""
    literal_refs: list[tuple[dict[str, Any], str]] = field(default_factory=list, repr=False)
    """(object, key) of example/default/enum/const values holding a literal ``$ref`` key."""
    ignored_defaults: set[str] = field(default_factory=set, repr=False)
    """Bundled pointers of schemas whose ``default`` does not validate against them: it is
    published as documentation but never used as a runtime default."""
    _positions: _Positions = field(
        default_factory=_Positions, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.display:
            self.display = str(self.path)
        self.files = {self.display: self.path, **self.files}

    def locate(self, pointer: str) -> tuple[str, str]:
        """Map a bundled-document pointer to (display file, pointer in that file)."""
        tokens = split_pointer(pointer)
        for length in range(len(tokens), 0, -1):
            origin = self.origins.get(pointer_join("", *tokens[:length]))
            if origin is not None:
                return origin[0], pointer_join(origin[1], *tokens[length:])
        return self.display, pointer

    def problem(self, pointer: str, message: str, assumed: str | None = None) -> Problem:
        """A problem at a bundled-document pointer, located in its original file (a warning
        when ``assumed`` says how it is repaired)."""
        file, file_pointer = self.locate(self._real_pointer(pointer))
        return self._place(Problem(file, file_pointer, message, assumed=assumed))

    def warn(self, pointer: str, message: str, assumed: str) -> None:
        """Record a repairable defect at a bundled-document pointer and the repair made."""
        self.warnings.append(self.problem(pointer, message, assumed))

    def resolve(self, ref: str) -> Any:
        """Resolve a local ``#/...`` ref in the bundled document (``~0``/``~1``, %-escapes)."""
        if not ref.startswith("#"):
            raise ValueError(f"not a local $ref: {ref!r}")
        return _resolve_tokens(self.document, split_pointer(unquote(ref[1:])))

    def _real_pointer(self, pointer: str, follow_last: bool = False) -> str:
        """``pointer`` itself if it exists literally, else the pointer reached by following
        local $refs on the way (validators report paths that go through refs); with
        ``follow_last``, a $ref at the end is followed too."""
        tokens = split_pointer(pointer)
        node: Any = self.document
        current: list[str] = []
        for token in [*tokens, None]:
            for _ in range(64):
                ref = node.get("$ref") if isinstance(node, dict) else None
                if not (isinstance(ref, str) and ref.startswith("#")):
                    break
                if (token is None and not follow_last) or (token is not None and token in node):
                    break
                try:
                    node = self.resolve(ref)
                except (KeyError, ValueError):
                    return pointer
                current = split_pointer(unquote(ref[1:]))
            if token is None:
                break
            try:
                node = _child(node, token)
            except KeyError:
                return pointer
            current.append(token)
        return pointer_join("", *current)

    def _place(self, problem: Problem) -> Problem:
        """Fill in line/column (when the problem has none and the node can be found)."""
        if problem.line is not None or problem.file not in self.files:
            return problem
        line, column = self._positions.find(self.files[problem.file], problem.pointer)
        return dataclasses.replace(problem, line=line, column=column)

    def _ordered(self, problems: Iterable[Problem]) -> list[Problem]:
        """Placed, de-duplicated problems in document order (root file first)."""
        file_order = {name: index for index, name in enumerate(self.files)}
        unique = list(dict.fromkeys(self._place(problem) for problem in problems))
        return sorted(
            unique,
            key=lambda p: (file_order.get(p.file, len(file_order)), p.line or 0, p.column or 0),
        )


# --------------------------------------------------------------------------- what a $ref site is

_SECTION_KINDS: Final = {
    "schemas": "schema",
    "parameters": "parameter",
    "responses": "response",
    "requestBodies": "requestBody",
    "headers": "header",
    "examples": "example",
    "links": "link",
    "callbacks": "callback",
    "securitySchemes": "securityScheme",
    "pathItems": "pathItem",
}
_KIND_SECTIONS: Final = {kind: section for section, kind in _SECTION_KINDS.items()}
_PARAMETER_CHILDREN: Final = {
    "schema": "schema",
    "content": "map:mediaType",
    "examples": "map:example",
}
_CHILD_KINDS: Final[dict[str, dict[str, str]]] = {
    "document": {"paths": "map:pathItem", "webhooks": "map:pathItem", "components": "components"},
    "components": {section: f"map:{kind}" for section, kind in _SECTION_KINDS.items()},
    "pathItem": {**dict.fromkeys(HTTP_METHODS, "operation"), "parameters": "list:parameter"},
    "operation": {
        "parameters": "list:parameter",
        "requestBody": "requestBody",
        "responses": "map:response",
        "callbacks": "map:callback",
    },
    "parameter": _PARAMETER_CHILDREN,
    "header": _PARAMETER_CHILDREN,
    "requestBody": {"content": "map:mediaType"},
    "response": {"headers": "map:header", "content": "map:mediaType", "links": "map:link"},
    "mediaType": {"schema": "schema", "examples": "map:example", "encoding": "map:encoding"},
    "encoding": {"headers": "map:header"},
    "schema": {
        **dict.fromkeys(
            ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"),
            "map:schema",
        ),
        **dict.fromkeys(("allOf", "anyOf", "oneOf", "prefixItems"), "list:schema"),
        **dict.fromkeys(
            (
                "items",
                "not",
                "additionalProperties",
                "additionalItems",
                "contains",
                "propertyNames",
                "if",
                "then",
                "else",
                "unevaluatedItems",
                "unevaluatedProperties",
                "contentSchema",
            ),
            "schema",
        ),
    },
}


def _child_kind(kind: str, token: Token) -> str | None:
    if kind.startswith("map:"):
        return kind[4:] if isinstance(token, str) else None
    if kind.startswith("list:"):
        return kind[5:] if isinstance(token, int) else None
    if kind == "callback":  # every key of a callback is an expression -> a path item
        return "pathItem"
    if kind == "schema" and isinstance(token, int):  # tuple-style "items: [...]"
        return "schema"
    return _CHILD_KINDS.get(kind, {}).get(token) if isinstance(token, str) else None


_LITERAL_KEYS: Final[dict[str | None, frozenset[str]]] = {
    "schema": frozenset({"default", "enum", "const", "example", "examples"}),
    "parameter": frozenset({"example"}),
    "header": frozenset({"example"}),
    "mediaType": frozenset({"example"}),
    "example": frozenset({"value"}),
}
_EXTENSIBLE_MAPS: Final = frozenset({"map:pathItem", "map:response"})
"""Maps whose ``x-`` keys are extensions rather than entries (Paths, Responses)."""


def _kind_at(path: Sequence[Token]) -> str | None:
    """What the object at ``path`` of an OpenAPI document is (``None`` when unknown)."""
    kind: str | None = "document"
    for token in path:
        if kind is None:
            return None
        kind = _child_kind(kind, token)
    return kind


class _Kinds:
    """`_kind_at` for many paths of one walk: each prefix is worked out once (a walk asks
    for every node's kind, and each answer from the root would cost its depth)."""

    def __init__(self) -> None:
        self._known: dict[tuple[Token, ...], str | None] = {(): "document"}

    def __call__(self, path: Sequence[Token]) -> str | None:
        key = tuple(path)
        if key in self._known:
            return self._known[key]
        parent = self(key[:-1])
        kind = None if parent is None else _child_kind(parent, key[-1])
        self._known[key] = kind
        return kind


def _is_literal(kind: str | None, key: Token) -> bool:
    """Whether ``key`` of an object of ``kind`` holds data, never references: an ``x-``
    extension, or an example, default, enum or const value."""
    if not isinstance(key, str):
        return False
    if key.startswith("x-"):
        return kind is None or not kind.startswith(("map:", "list:")) or kind in _EXTENSIBLE_MAPS
    return key in _LITERAL_KEYS.get(kind, ())


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _has_ref_key(value: Any) -> bool:
    """Whether a data value holds a mapping with a ``$ref`` key somewhere inside."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)) and id(item) not in seen:
            seen.add(id(item))
            if isinstance(item, dict):
                if "$ref" in item:
                    return True
                stack.extend(item.values())
            else:
                stack.extend(item)
    return False


def _without_ref_keys(value: Any) -> Any:
    """A copy of a data value with its ``$ref`` keys renamed (so no validator follows them)."""
    if isinstance(value, dict):
        return {("$ref " if k == "$ref" else k): _without_ref_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ref_keys(item) for item in value]
    return value


def _section_at(path: Sequence[Token]) -> str | None:
    """The components section for an object at ``path`` of an OpenAPI document, if known."""
    kind: str | None = "document"
    for token in path:
        kind = _child_kind(kind, token) if kind is not None else None
    return _KIND_SECTIONS.get(kind) if kind is not None else None


# --------------------------------------------------------------------------- bundling

_MISSING: Final = object()


@dataclass(frozen=True)
class _Scope:
    """A walk over one node: which file it is read from and where it sits in that file."""

    file: Path
    file_base: tuple[str, ...]
    """Pointer tokens of the walked node inside ``file``."""
    bundled_depth: int
    """Length of the walked node's path in the bundled document."""

    def file_pointer(self, path: Sequence[Token]) -> str:
        return pointer_join("", *self.file_base, *path[self.bundled_depth :])


class _Bundler:
    """Follows $refs from the root document, copying external targets into its components."""

    def __init__(
        self,
        root: Path,
        display: str,
        document: dict[str, Any],
        version: tuple[int, int],
        ref_root: Path | None = None,
    ):
        self.root = root
        self.root_dir = root.parent
        self.ref_root = root.parent if ref_root is None else ref_root
        self._outside = (
            "the root document's folder (see --ref-root)"
            if ref_root is None
            else f"--ref-root {ref_root}"
        )
        self.document = document
        self.version = version
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.literal_refs: list[tuple[dict[str, Any], str]] = []
        self.origins: dict[str, tuple[str, str]] = {}
        self.files: dict[str, Path] = {display: root}
        self._kinds = _Kinds()
        self._displays: dict[Path, str] = {root: display}
        self._documents: dict[Path, Any] = {root: document}
        self._local: dict[tuple[Path, str], str] = {}  # external target -> local ref
        self._inlined: dict[tuple[Path, str], dict[str, Any]] = {}  # 3.0 path items
        self._added: dict[str, dict[str, Any]] = {}  # section -> name -> copied target
        self._taken: dict[str, set[str]] = {}  # section -> names in use
        self._not_found: set[Path] = set()
        self._refused: dict[Path, str] = {}  # file -> why it was not read (reported at each ref)
        self._root_has: dict[str, bool] = {}
        self._visited: set[int] = set()
        self._queue: deque[tuple[Any, tuple[Token, ...], _Scope]] = deque()

    def run(self) -> None:
        """Bundle everything reachable from the root document."""
        self._hoist_component_refs()
        self._visit(self.document, [], _Scope(self.root, (), 0))
        while self._queue:
            node, path, scope = self._queue.popleft()
            self._walk(node, list(path), scope)
        self._add_components()

    # -- walking

    def _enqueue(self, node: Any, path: tuple[Token, ...], scope: _Scope) -> None:
        if isinstance(node, (dict, list)) and id(node) not in self._visited:
            self._visited.add(id(node))
            self._queue.append((node, path, scope))

    def _visit(self, node: Any, path: list[Token], scope: _Scope) -> None:
        if id(node) not in self._visited:
            self._visited.add(id(node))
            self._walk(node, path, scope)

    def _walk(self, node: Any, path: list[Token], scope: _Scope) -> None:
        """Handle every $ref in ``node`` (already marked visited) and below."""
        if isinstance(node, dict):
            ref = node.get("$ref")
            keys: Iterable[str] = node
            kind = self._kinds(path)
            if isinstance(ref, str):
                keys = [key for key in node if key != "$ref"]  # handling may add keys
                self._on_ref(node, ref, path, scope)
            elif "$ref" in node and kind is not None and not kind.startswith(("map:", "list:")):
                # a reference site whose "$ref" is not a string (in a map it is a name)
                self._report(
                    scope,
                    [*path, "$ref"],
                    "a $ref must be a string (a URI reference), not "
                    + _shorten(json.dumps(ref, default=str), 60),
                )
            for key in keys:
                if _is_literal(kind, key):  # data: a "$ref" in it is not a reference
                    if key in _LITERAL_KEYS.get(kind, ()) and _has_ref_key(node[key]):
                        self.literal_refs.append((node, key))
                    continue
                child = node[key]
                if isinstance(child, (dict, list)):
                    path.append(key)
                    self._visit(child, path, scope)
                    path.pop()
        elif isinstance(node, list):
            for index, child in enumerate(node):
                if isinstance(child, (dict, list)):
                    path.append(index)
                    self._visit(child, path, scope)
                    path.pop()

    # -- one $ref

    def _on_ref(self, site: dict[str, Any], ref: str, path: list[Token], scope: _Scope) -> None:
        parsed = self._parse_ref(ref, scope.file)
        if isinstance(parsed, str):
            self._report(scope, path, parsed)
            return
        file, tokens = parsed
        pointer = pointer_join("", *tokens)
        if self._kinds(path) == "operation":  # not a $ref site in OpenAPI: use the target here
            self._inline(site, (file, pointer), ref, path, scope, "an operation")
            if "$ref" not in site:
                self._warn(
                    scope,
                    path,
                    f"operation given as a $ref ({ref!r}); OpenAPI allows no $ref here",
                    "the operation it points to is used in its place",
                )
            return
        if file == self.root:
            if not self._exists_in_root(pointer):
                self._report(scope, path, self._dangling(ref, file, pointer))
            elif not ref.startswith("#"):  # e.g. "../openapi.yaml#/components/schemas/X"
                site["$ref"] = "#" + pointer
            return
        key = (file, pointer)
        local = self._local.get(key)
        if local is None:
            section = self._section(path, tokens)
            if section == "pathItems" and self.version == (3, 0):
                self._inline(site, key, ref, path, scope, "a path item")
                return
            target = self._target(file, tokens, ref, path, scope)
            if target is _MISSING:
                return
            name = self._free_name(section, tokens[-1] if tokens else file.stem)
            local = "#" + pointer_join("/components", section, name)
            self._local[key] = local
            self._added.setdefault(section, {})[name] = target
            self.origins[local[1:]] = (self._display(file), pointer)
            self._enqueue(target, ("components", section, name), _Scope(file, tuple(tokens), 3))
        site["$ref"] = local

    def _inline(
        self,
        site: dict[str, Any],
        key: tuple[Path, str],
        ref: str,
        path: list[Token],
        scope: _Scope,
        what: str,
    ) -> None:
        """Copy the target into the site, for objects that have no components section
        (path items in OpenAPI 3.0, operations)."""
        file, pointer = key
        target = self._inlined.get(key)
        if target is None:
            found = self._target(file, split_pointer(pointer), ref, path, scope)
            if found is _MISSING:
                return
            if not isinstance(found, dict):
                self._report(scope, path, f"$ref {ref!r} does not point to {what} (a mapping)")
                return
            target = self._inlined[key] = found
            self._enqueue(
                target, tuple(path), _Scope(file, tuple(split_pointer(pointer)), len(path))
            )
        del site["$ref"]
        for name, value in target.items():
            site.setdefault(name, value)
        self.origins[pointer_join("", *path)] = (self._display(file), pointer)

    def _parse_ref(self, ref: str, base: Path) -> tuple[Path, list[str]] | str:
        """(absolute file, pointer tokens) of a ref, or a message saying why it is unusable."""
        if urlsplit(ref).scheme or ref.startswith("//"):
            return f"remote $ref {ref!r} is not supported (only local and relative file refs)"
        file_part, _, fragment = ref.partition("#")
        if "\0" in unquote(ref):
            return f"$ref {ref!r} holds a NUL character; refusing to read it"
        file = base if not file_part else (base.parent / unquote(file_part)).resolve()
        if not file.is_relative_to(self.ref_root):
            return f"$ref {ref!r} reaches outside {self._outside}; refusing to read it"
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            return f"unsupported $ref {ref!r}: the fragment must be a JSON pointer ('#/...')"
        return file, split_pointer(fragment)

    def _target(
        self, file: Path, tokens: list[str], ref: str, path: list[Token], scope: _Scope
    ) -> Any:
        """The node a ref points to, or _MISSING (with the problem reported)."""
        document = self._document(file)
        if document is _MISSING:
            if file in self._not_found:
                self._report(scope, path, f"$ref {ref!r}: file not found: {self._display(file)}")
            elif file in self._refused:
                refusal = f"{self._display(file)}: {self._refused[file]}"
                self._report(scope, path, f"$ref {ref!r}: {refusal}")
            return _MISSING
        try:
            return _resolve_tokens(document, tokens)
        except KeyError:
            self._report(scope, path, self._dangling(ref, file, pointer_join("", *tokens)))
            return _MISSING

    def _document(self, file: Path) -> Any:
        """A referenced file's data (read once), or _MISSING if it cannot be used."""
        if file not in self._documents:
            try:
                self._documents[file] = _read_document(file, self._display(file))
            except _FileNotFound:  # reported at each ref to it
                self._not_found.add(file)
                self._documents[file] = _MISSING
            except _FileError as exc:
                if exc.problem.line is None and not exc.problem.pointer:  # never read: at each ref
                    self._refused[file] = exc.problem.message
                else:  # its text is at fault: where in it
                    self.problems.extend(exc.problems)
                self._documents[file] = _MISSING
        return self._documents[file]

    def _exists_in_root(self, pointer: str) -> bool:
        if pointer not in self._root_has:
            try:
                _resolve_tokens(self.document, split_pointer(pointer))
                self._root_has[pointer] = True
            except KeyError:
                self._root_has[pointer] = False
        return self._root_has[pointer]

    def _section(self, path: Sequence[Token], tokens: Sequence[str]) -> str:
        """Components section for a target: from the ref site, else the target's own place."""
        section = _section_at(path)
        if section is not None:
            return section
        if len(tokens) == 3 and tokens[0] == "components" and tokens[1] in _SECTION_KINDS:
            return tokens[1]
        return "schemas"

    def _free_name(self, section: str, wanted: str) -> str:
        """``wanted`` made a valid component name, with _2, _3... if already taken."""
        taken = self._taken.get(section)
        if taken is None:
            existing = self.document.get("components")
            entries = existing.get(section) if isinstance(existing, dict) else None
            taken = self._taken[section] = set(entries) if isinstance(entries, dict) else set()
        base = re.sub(r"[^A-Za-z0-9._-]", "_", wanted) or "_"
        name, counter = base, 1
        while name in taken:
            counter += 1
            name = f"{base}_{counter}"
        taken.add(name)
        return name

    def _hoist_component_refs(self) -> None:
        """A root ``components/<section>/<name>`` that is just a $ref to another file is
        replaced by the target itself, so the target keeps that name."""
        components = self.document.get("components")
        if not isinstance(components, dict):
            return
        for section, entries in components.items():
            if section not in _SECTION_KINDS or not isinstance(entries, dict):
                continue
            if section == "pathItems" and self.version == (3, 0):
                continue
            for name, entry in entries.items():
                ref = entry.get("$ref") if isinstance(entry, dict) and len(entry) == 1 else None
                if not isinstance(ref, str):
                    continue
                parsed = self._parse_ref(ref, self.root)
                if isinstance(parsed, str) or parsed[0] == self.root:
                    continue
                file, tokens = parsed
                key = (file, pointer_join("", *tokens))
                document = self._document(file)
                if key in self._local or document is _MISSING:
                    continue
                try:
                    target = _resolve_tokens(document, tokens)
                except KeyError:
                    continue
                if not isinstance(target, (dict, list)) or id(target) in self._visited:
                    continue
                local = pointer_join("/components", section, name)
                self._local[key] = "#" + local
                entries[name] = target
                self.origins[local] = (self._display(file), key[1])
                self._enqueue(target, ("components", section, name), _Scope(file, tuple(tokens), 3))

    def _add_components(self) -> None:
        if not self._added:
            return
        components = self.document.setdefault("components", {})
        if not isinstance(components, dict):
            self.problems.append(
                Problem(self._displays[self.root], "/components", "must be a mapping")
            )
            return
        for section, entries in self._added.items():
            existing = components.setdefault(section, {})
            if isinstance(existing, dict):
                existing.update(entries)
            else:
                where = pointer_join("/components", section)
                self.problems.append(Problem(self._displays[self.root], where, "must be a mapping"))

    # -- reporting

    def _display(self, file: Path) -> str:
        if file not in self._displays:
            display = os.path.relpath(file, self.root_dir)
            self._displays[file] = display
            self.files[display] = file
        return self._displays[file]

    def _dangling(self, ref: str, file: Path, pointer: str) -> str:
        return f"dangling $ref {ref!r}: nothing at {pointer or '/'} in {self._display(file)}"

    def _report(self, scope: _Scope, path: Sequence[Token], message: str) -> None:
        self.problems.append(Problem(self._display(scope.file), scope.file_pointer(path), message))

    def _warn(self, scope: _Scope, path: Sequence[Token], message: str, assumed: str) -> None:
        where = scope.file_pointer(path)
        self.warnings.append(Problem(self._display(scope.file), where, message, assumed=assumed))


# --------------------------------------------------------------------------- checks


def _version(document: dict[str, Any], display: str) -> tuple[int, int] | Problem:
    """The (major, minor) OpenAPI version, or a problem saying why it is not supported."""
    if "openapi" not in document:
        swagger = document.get("swagger")
        if swagger is not None:
            return Problem(
                display,
                "/swagger",
                f"this is a Swagger {swagger} document; only OpenAPI 3.0 and 3.1 are supported "
                "(convert it first, e.g. with swagger2openapi)",
            )
        return Problem(
            display,
            "",
            "missing 'openapi' field: expected an OpenAPI 3.0 or 3.1 document "
            "(e.g. openapi: 3.0.3)",
        )
    value = document["openapi"]
    if not isinstance(value, str):
        return Problem(
            display,
            "/openapi",
            f"must be a version string such as '3.0.3', not {value!r} (quote it)",
        )
    match = re.fullmatch(r"3\.([01])\.\d+(-[0-9A-Za-z.-]+)?", value)
    if match is None:
        return Problem(
            display,
            "/openapi",
            f"unsupported OpenAPI version {value!r}: only OpenAPI 3.0.x and 3.1.x are supported",
        )
    return (3, int(match.group(1)))


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def _follow(spec: LoadedSpec, node: Any) -> Any:
    """``node``, or what its local $ref points to (None when it does not resolve)."""
    for _ in range(64):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            return node
        try:
            node = spec.resolve(ref)
        except (KeyError, ValueError):
            return None
    return None


def _path_parameters(spec: LoadedSpec, parameters: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """(name, pointer) of each ``in: path`` parameter of a parameters list."""
    if not isinstance(parameters, list):
        return
    for index, parameter in enumerate(parameters):
        parameter = _follow(spec, parameter)
        if isinstance(parameter, dict) and parameter.get("in") == "path":
            name = parameter.get("name")
            if isinstance(name, str):
                yield name, pointer_join(pointer, index)


def _check_operations(spec: LoadedSpec) -> list[Problem]:
    """Duplicate operationIds (refused), and path template parameters vs ``in: path``
    parameters (repaired, with a warning: see :func:`_repair_path_parameters`)."""
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for section in ("paths", "webhooks"):
        items = spec.document.get(section)
        if not isinstance(items, dict):
            continue
        for template, item in items.items():
            item_pointer = pointer_join("", section, template)
            control = re.search(r"[\x00-\x1f\x7f]", template)
            if section == "paths" and control is not None:
                code = f"U+{ord(control.group()):04X}"
                problems.append(
                    spec.problem(
                        item_pointer, f"path holds the control character {code}; a URL path cannot"
                    )
                )
                continue
            item = _follow(spec, item)
            if not isinstance(item, dict):
                continue
            if section == "paths":
                _repair_path_parameters(spec, template, item, item_pointer)
            for method in HTTP_METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                op_pointer = pointer_join(item_pointer, method)
                operation_id = operation.get("operationId")
                if isinstance(operation_id, str):
                    first = first_seen.setdefault(operation_id, op_pointer)
                    if first != op_pointer:
                        problems.append(_duplicate_id(spec, operation_id, op_pointer, first))
    return problems


def _repair_path_parameters(
    spec: LoadedSpec, template: str, item: dict[str, Any], item_pointer: str
) -> None:
    """Make each operation's ``in: path`` parameters match the path template.

    A ``{name}`` no parameter declares is declared as a required string path parameter of
    the operation; an ``in: path`` parameter the template does not have is dropped (it could
    never be sent).  Each repair is a warning, reported before the document is changed.
    """
    in_template = list(dict.fromkeys(re.findall(r"\{([^{}/]+)\}", template)))
    item_params = list(_path_parameters(spec, item.get("parameters"), item_pointer + "/parameters"))
    extra_item = _extra_path_parameters(spec, template, in_template, item_params)
    repairs: list[tuple[dict[str, Any], list[int], list[str]]] = []
    for method in HTTP_METHODS:
        operation = item.get(method)
        if not isinstance(operation, dict):
            continue
        op_pointer = pointer_join(item_pointer, method)
        op_params = list(
            _path_parameters(spec, operation.get("parameters"), op_pointer + "/parameters")
        )
        extra = _extra_path_parameters(spec, template, in_template, op_params)
        declared = {name for name, _ in item_params + op_params if name in in_template}
        missing = [name for name in in_template if name not in declared]
        for name in missing:
            spec.warn(
                op_pointer,
                f"path parameter {{{name}}} of {template!r} is not declared "
                "as an 'in: path' parameter",
                f"declared as a required string path parameter {name!r}",
            )
        if (missing or extra) and not isinstance(operation.get("parameters", []), list):
            continue  # not a list: the structural check refuses it
        repairs.append((operation, extra, missing))
    if extra_item and isinstance(item.get("parameters"), list):
        item["parameters"] = [p for i, p in enumerate(item["parameters"]) if i not in extra_item]
    for operation, extra, missing in repairs:
        if not (extra or missing):
            continue
        kept = [p for i, p in enumerate(operation.get("parameters") or []) if i not in extra]
        added = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in missing
        ]
        operation["parameters"] = kept + added


def _extra_path_parameters(
    spec: LoadedSpec, template: str, in_template: list[str], parameters: list[tuple[str, str]]
) -> list[int]:
    """Indexes of the ``in: path`` parameters the template has no place for (warned)."""
    extra: list[int] = []
    for name, pointer in parameters:
        if name not in in_template:
            spec.warn(
                pointer,
                f"parameter {name!r} is 'in: path' but {template!r} has no {{{name}}}",
                "ignored",
            )
            extra.append(int(split_pointer(pointer)[-1]))
    return extra


def _duplicate_id(spec: LoadedSpec, operation_id: str, pointer: str, first: str) -> Problem:
    problem = spec.problem(pointer_join(pointer, "operationId"), "")
    first_file, first_pointer = spec.locate(first)
    where = first_pointer if first_file == problem.file else f"{first_pointer} in {first_file}"
    message = f"duplicate operationId {operation_id!r} (first at {where})"
    return dataclasses.replace(problem, message=message)


def _check_nesting(spec: LoadedSpec) -> list[Problem]:
    """Nesting through local ``$ref`` s beyond the limit, and schemas composed of themselves
    (see :mod:`specfirst.limits`); both would send every recursive walk that follows into an
    endless or too deep recursion."""
    kinds = _Kinds()
    found = limits.ref_depth_problem(
        spec.document, spec.resolve, lambda path, key: _is_literal(kinds(path), key)
    )
    if found is not None:
        return [spec.problem(*found)]
    problems = []
    for pointer, steps in limits.composition_cycles(_schema_objects(spec.document), spec.resolve):
        cycle = " -> ".join(steps)
        message = (
            f"schema composed of itself ({cycle}) without descending into a property or "
            "an item: no value can be checked against it"
        )
        problems.append(spec.problem(pointer, message))
    return problems


def _schema_objects(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(pointer, schema) of every Schema Object written in the document, in document order."""
    found: list[tuple[str, dict[str, Any]]] = []
    stack: list[tuple[Any, list[Token], str | None]] = [(document, [], "document")]
    while stack:
        node, path, kind = stack.pop()
        if kind == "schema" and isinstance(node, dict):
            found.append((pointer_join("", *path), node))
        children: list[tuple[Any, list[Token], str | None]] = []
        if isinstance(node, dict):
            for key, child in node.items():
                child_kind = _child_kind(kind, key) if kind is not None else None
                if child_kind is not None and isinstance(child, (dict, list)):
                    children.append((child, [*path, key], child_kind))
        elif isinstance(node, list) and kind is not None:
            for index, child in enumerate(node):
                child_kind = _child_kind(kind, index)
                if child_kind is not None and isinstance(child, (dict, list)):
                    children.append((child, [*path, index], child_kind))
        stack.extend(reversed(children))
    return found


# --------------------------------------------------------------------------- openapi-spec-validator


def _locating(
    cls: type[KeywordValidator], located: set[int], defaults: set[tuple[tuple[Token, ...], str]]
) -> type[KeywordValidator]:
    """Subclass a keyword validator so the errors it yields carry their document path.

    openapi-spec-validator's own checks (beyond the JSON-schema check) yield errors without a
    path; the innermost keyword validator that yields an error prefixes the path it was
    called for (``located`` keeps outer validators from prefixing again; ``defaults`` gets
    the errors of a schema's ``default`` that does not validate against it).
    """

    def __call__(self: KeywordValidator, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        where = next((arg for arg in args if isinstance(arg, SchemaPath)), None)
        for error in cls.__call__(self, *args, **kwargs):
            if where is not None and id(error) not in located:
                located.add(id(error))
                prefix: list[Token] = list(where.parts)
                if issubclass(cls, ValueValidator):
                    prefix.append("default")
                error.path.extendleft(reversed(prefix))
                if issubclass(cls, ValueValidator):  # by path and message: it may be copied
                    defaults.add((tuple(error.path), error.message))
            yield error

    return type(cls.__name__, (cls,), {"__call__": __call__})


def _collect_properties_once(self: KeywordValidator, schema: SchemaPath) -> set[str]:
    """Every property name reachable from ``schema`` through allOf/anyOf/oneOf/items/not,
    each schema visited once: openapi-spec-validator's own walk has no guard, so a schema
    composing a recursive one (a JSON value whose array items are that value again) sent it
    down an endless recursion that ate gigabytes before the stack ran out."""
    props: set[str] = set()
    seen: set[int] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        value = node.read_value()
        if not isinstance(value, dict) or id(value) in seen:
            continue
        seen.add(id(value))
        if "properties" in node:
            props.update(str(key) for key in (node / "properties").keys())  # noqa: SIM118 - a SchemaPath iterates paths
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in node:
                stack.extend(node / keyword)
        for keyword in ("items", "not"):
            if keyword in node:
                stack.append(node / keyword)
    return props


def _most_specific(error: ValidationError) -> ValidationError:
    """Descend oneOf/anyOf failures to the most relevant sub-error, ignoring the
    "or it could have been a $ref" alternative."""
    while error.context:
        candidates = [
            sub
            for sub in error.context
            if not (sub.validator == "required" and sub.validator_value == ["$ref"])
        ]
        if not candidates:
            break
        error = min(candidates, key=relevance)
    return error


def _error_message(error: ValidationError) -> str:
    """The first line of the error message, with a long instance repr shortened."""
    lines = str(error.message or type(error).__name__).splitlines()
    message = lines[0] if lines else type(error).__name__
    text = repr(error.instance)
    if len(text) > 60 and message.startswith(text):
        shortener = reprlib.Repr()  # attributes, not keywords: Repr() takes none before 3.12
        shortener.maxlevel, shortener.maxlist, shortener.maxdict = 1, 3, 3
        shortener.maxstring = shortener.maxother = 40
        message = shortener.repr(error.instance) + message[len(text) :]
    return message


_BACKEND_VARIABLE = "OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND"


@contextlib.contextmanager
def _python_jsonschema_backend() -> Iterator[None]:
    """Use the jsonschema backend: its errors carry paths and stable messages.

    openapi-spec-validator switches to jsonschema-rs whenever that package is installed
    (schemathesis brings it), whose errors read differently; the setting is read from the
    environment on each validation, so it is set only for the duration of this one.
    """
    previous = os.environ.get(_BACKEND_VARIABLE)
    os.environ[_BACKEND_VARIABLE] = "jsonschema"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(_BACKEND_VARIABLE, None)
        else:
            os.environ[_BACKEND_VARIABLE] = previous


_MAX_REPAIR_ROUNDS: Final = 8
"""How many times the structural check re-runs after dropping keys it does not allow (keys
inside a ``oneOf`` alternative show up one level at a time)."""

_OBJECT_NAMES: Final = {
    "document": "OpenAPI",
    "components": "Components",
    "pathItem": "Path Item",
    "operation": "Operation",
    "parameter": "Parameter",
    "header": "Header",
    "requestBody": "Request Body",
    "response": "Response",
    "mediaType": "Media Type",
    "encoding": "Encoding",
    "example": "Example",
    "link": "Link",
    "securityScheme": "Security Scheme",
    "schema": "Schema",
}
_UNEXPECTED_KEY_VALIDATORS: Final = frozenset({"additionalProperties", "unevaluatedProperties"})


@dataclass
class _ValidatorRun:
    errors: list[ValidationError]
    located: set[int]
    """Errors of openapi-spec-validator's keyword checks (the rest are JSON-schema errors)."""
    defaults: set[tuple[tuple[Token, ...], str]]
    """(path, message) of the errors of a ``default`` that does not validate against its
    schema."""
    crash: Exception | None


def _run_validator(spec: LoadedSpec) -> _ValidatorRun:
    base: type[SpecValidator] = (
        OpenAPIV30SpecValidator if spec.version == (3, 0) else OpenAPIV31SpecValidator
    )
    run = _ValidatorRun([], set(), set(), None)
    keyword_validators = {
        name: _locating(cls, run.located, run.defaults)
        for name, cls in base.keyword_validators.items()
    }
    for name, cls in keyword_validators.items():
        if hasattr(cls, "_collect_properties"):
            overrides = {"_collect_properties": _collect_properties_once}
            keyword_validators[name] = type(cls.__name__, (cls,), overrides)
    validator_cls = type(base.__name__, (base,), {"keyword_validators": keyword_validators})
    # openapi-spec-validator follows a "$ref" key even inside a default value: it sees a copy
    originals = [(node, key, node[key]) for node, key in spec.literal_refs if key in node]
    try:
        for node, key, value in originals:
            node[key] = _without_ref_keys(value)

        def check() -> None:
            for error in validator_cls(spec.document).iter_errors():
                run.errors.append(error)  # keep the errors yielded before a crash

        with _python_jsonschema_backend():
            limits.with_deep_stack(check)
    except Exception as exc:  # noqa: BLE001 - its keyword checks assume a schema-valid document
        run.crash = exc
    finally:
        for node, key, value in originals:
            node[key] = value
    return run


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    stack = [error]
    while stack:
        current = stack.pop()
        if current.context:
            stack.extend(current.context)
        else:
            yield current


def _drop_unexpected_keys(spec: LoadedSpec, run: _ValidatorRun) -> bool:
    """Warn about and delete keys the OpenAPI schema does not allow where they are (an
    ``additionalProperties``/``unevaluatedProperties`` failure); True when any was dropped.

    A key some alternative of the failing ``oneOf`` declares is kept: there the error is a
    real structural one (e.g. the wrong alternative was picked as the most relevant).
    """
    dropped = False
    for error in run.errors:
        if id(error) in run.located:
            continue
        specific = _most_specific(error)
        if specific.validator not in _UNEXPECTED_KEY_VALIDATORS:
            continue
        path = list(specific.absolute_path)
        try:
            node = _resolve_tokens(spec.document, path)
        except KeyError:
            continue
        if not isinstance(node, dict) or node is not specific.instance:
            continue
        allowed: set[str] = set()
        for leaf in _leaf_errors(error):
            if list(leaf.absolute_path) == path and isinstance(leaf.schema, dict):
                properties = leaf.schema.get("properties")
                allowed.update(properties if isinstance(properties, dict) else ())
        kind = _OBJECT_NAMES.get(_kind_at(path) or "")
        where = f" in {'an' if kind and kind[0] in 'AEIOU' else 'a'} {kind} object" if kind else ""
        for key in [
            key
            for key in node
            if not key.startswith("x-") and key not in allowed and repr(key) in specific.message
        ]:
            spec.warn(pointer_join("", *path, key), f"key {key!r} is not allowed{where}", "ignored")
            del node[key]
            dropped = True
    return dropped


def _structural_problems(spec: LoadedSpec) -> list[Problem]:
    """Run openapi-spec-validator on the bundled document.

    Keys it does not allow where they are, and defaults that do not validate against their
    schema, are warnings (the key is dropped; the default is kept as documentation only);
    every other error is a problem.
    """
    run = _run_validator(spec)
    for _ in range(_MAX_REPAIR_ROUNDS):
        if not _drop_unexpected_keys(spec, run):
            break
        run = _run_validator(spec)
    if run.crash is not None and not run.errors:
        message = f"openapi-spec-validator failed: {type(run.crash).__name__}: {run.crash}"
        return [spec.problem("", message)]
    problems: list[Problem] = []
    schema_checked: set[tuple[str, str]] = set()
    for error in run.errors:
        specific = _most_specific(error)
        pointer = pointer_join("", *specific.absolute_path)
        if id(error) in run.located:  # keyword checks see through $refs: report at the target
            pointer = spec._real_pointer(pointer, follow_last=True)
        if (tuple(error.path), error.message) in run.defaults:
            pointer = spec._real_pointer(pointer_join("", *error.path), follow_last=True)
            schema_pointer = pointer.rpartition("/")[0] if pointer.endswith("/default") else pointer
            spec.ignored_defaults.add(schema_pointer)
            spec.warn(
                pointer,
                _error_message(specific),
                "kept as documentation, never used as the runtime default",
            )
            continue
        problem = spec.problem(pointer, _error_message(specific))
        where = (problem.file, problem.pointer)
        if id(error) not in run.located:  # from the JSON-schema check of the whole document
            schema_checked.add(where)
        elif where in schema_checked:  # a keyword check repeating it, e.g. on a schema's type
            continue
        problems.append(problem)
    return problems


# --------------------------------------------------------------------------- entry point


def load_spec(
    path: str | Path, *, strict: bool = False, ref_root: str | Path | None = None
) -> LoadedSpec:
    """Load, bundle and check an OpenAPI 3.0/3.1 document; raise SpecError listing every
    problem found.

    A ``$ref`` may only read files inside the root document's folder, or inside ``ref_root``
    when given (for layouts whose root sits in a sub-folder next to the referenced files).

    Repairable defects are repaired and listed in ``LoadedSpec.warnings``; with ``strict``
    they are problems too (the same located messages, without the repair).
    """
    from specfirst import repairs

    display = os.fspath(path)
    root = Path(path).resolve()
    positions = _Positions()

    def fail(*problems: Problem) -> SpecError:
        placed = []
        for problem in problems:
            if problem.line is None:
                line, column = positions.find(root, problem.pointer)
                problem = dataclasses.replace(problem, line=line, column=column)
            placed.append(problem)
        return SpecError(placed)

    try:
        document = _read_document(root, display)
    except _FileError as exc:
        raise fail(*exc.problems) from None
    if not isinstance(document, dict):
        raise fail(
            Problem(
                display,
                "",
                f"the document must be a mapping (an OpenAPI object), not {_describe(document)}",
            )
        )
    version = _version(document, display)
    if isinstance(version, Problem):
        raise fail(version)

    bundler = _Bundler(
        root, display, document, version, None if ref_root is None else Path(ref_root).resolve()
    )
    try:
        bundler.run()
    except RecursionError:
        raise fail(Problem(display, "", "document is nested too deeply")) from None
    spec = LoadedSpec(
        path=Path(path),
        document=document,
        version=version,
        origins=bundler.origins,
        display=display,
        files=bundler.files,
    )
    spec._positions = positions
    spec.warnings = list(bundler.warnings)
    spec.literal_refs = bundler.literal_refs
    problems = bundler.problems + _check_operations(spec)
    if not problems:
        problems = _check_nesting(spec)
    repairs.check_security_schemes(spec)
    repairs.drop_bodiless_content(spec)
    repairs.enum_types(spec)
    problems += repairs.non_finite_numbers(spec)
    if not problems:
        problems = _structural_problems(spec)
    if not problems:
        repairs.overlapping_one_of(spec)
    if strict:
        problems += [warning.as_refusal() for warning in spec.warnings]
    if problems:
        raise SpecError(spec._ordered(problems))
    spec.warnings = spec._ordered(spec.warnings)
    return spec
