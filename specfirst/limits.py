"""What a document may hold before it is bundled and checked: JSON data, nested a bounded depth.

An OpenAPI document is JSON data. YAML can say more (``!!binary`` bytes, ``!!set``, ``!!timestamp``
dates, ``.nan`` and ``.inf``, lone UTF-16 surrogates through ``\\ud800`` escapes, which JSON text
can hold too); none of it has a JSON form, so none of it could be published in
``openapi.json``, nor written as a Python literal that means the same. Each such value is
refused where it is written. ``!!omap`` and ``!!pairs`` (lists of pairs) are read as the JSON
lists they print as.

Every later stage walks the document recursively (the bundler, openapi-spec-validator, the
model builder, the templates, Python's own parser for a literal), so a document nested deeper
than :data:`MAX_DEPTH` is refused with the depth and the place it is crossed — never a
``RecursionError``. The bundled document is checked again through its local ``$ref`` s, where
a ``$ref`` hop counts as one level (a chain of 3,000 refs is as deep as 3,000 nested objects),
against :data:`MAX_REF_DEPTH`; and a schema that reaches itself only through ``$ref``/``allOf``/``anyOf``/``oneOf``/``not``,
without descending into a property or an item, can describe no value: refused, with the cycle.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, Final, TypeVar

from specfirst.errors import Problem

__all__ = [
    "MAX_DEPTH",
    "MAX_REF_DEPTH",
    "composition_cycles",
    "data_problems",
    "deep_position",
    "ref_depth_problem",
    "with_deep_stack",
]

MAX_DEPTH: Final = 64
"""How deeply a file may nest objects and lists; the deepest of the corpus documents nests 25."""

MAX_REF_DEPTH: Final = 200
"""How deeply the bundled document may nest when each local ``$ref`` followed counts as a
level; the deepest of the corpus documents reaches under 100."""

_DEEP_STACK_BYTES: Final = 512 * 1024 * 1024
_DEEP_RECURSION_LIMIT: Final = 40_000

Token = str | int
_T = TypeVar("_T")


def with_deep_stack(action: Callable[[], _T]) -> _T:
    """Run ``action`` in a thread with a large stack and a raised recursion limit.

    openapi-spec-validator and jsonschema follow ``$ref`` s and subschemas recursively, at a
    few dozen Python frames a level; a document within MAX_REF_DEPTH can need more than the
    default limit of 1,000 frames (a stack this size holds the raised limit's frames).
    """
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, action()))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            outcome.append((False, exc))

    previous_size = threading.stack_size(_DEEP_STACK_BYTES)
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, _DEEP_RECURSION_LIMIT))
    try:
        worker = threading.Thread(target=run, name="specfirst-deep-stack")
        worker.start()
        worker.join()
    finally:
        threading.stack_size(previous_size)
        sys.setrecursionlimit(previous_limit)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


_COMPOSITION: Final = ("allOf", "anyOf", "oneOf")


def _pointer(tokens: list[Token]) -> str:
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def _describe(value: Any) -> str | None:
    """Why ``value`` is not JSON data (None when it is)."""
    if value is None or isinstance(value, (bool, int, str, float)):
        # YAML's .inf and .nan are judged once the document is whole, where it is known
        # whether one is a schema bound that admits every number (see
        # repairs.non_finite_numbers): refused anywhere else, with the same location.
        return None
    if isinstance(value, (bytes, bytearray)):
        return "binary data (a YAML !!binary value) is not JSON data; write it as a base64 string"
    if isinstance(value, (set, frozenset)):
        return "a set (a YAML !!set value) is not JSON data; write it as a list"
    name = type(value).__name__
    if name in ("date", "datetime"):
        return f"a {name} (a YAML !!timestamp value) is not JSON data; quote it as a string"
    return f"a {name} value is not JSON data"


def _surrogate(text: str) -> str | None:
    """The first lone UTF-16 surrogate in ``text``, escaped (None when there is none)."""
    if text.isascii():
        return None
    match = re.search("[\ud800-\udfff]", text)
    return None if match is None else f"\\u{ord(match.group()):04x}"


def data_problems(data: Any, display: str) -> list[Problem]:
    """Problems of a freshly read file: values that are not JSON data, strings (values or keys)
    holding a lone surrogate, and nesting deeper than MAX_DEPTH (reported once, where it is
    first crossed). Lists of pairs from ``!!omap``/``!!pairs`` become lists, in place."""
    problems: list[Problem] = []
    too_deep = False
    seen: set[int] = set()
    stack: list[tuple[Any, list[Token]]] = [(data, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                continue  # a YAML alias: its place was walked already
            seen.add(id(node))
            if len(path) >= MAX_DEPTH:
                if not too_deep:
                    too_deep = True
                    message = f"nested more than {MAX_DEPTH} levels deep; specfirst reads at most {MAX_DEPTH}"
                    problems.append(Problem(display, _pointer(path), message))
                continue
            children: Iterator[tuple[Token, Any]]
            if isinstance(node, dict):
                for key in node:
                    bad = _surrogate(key)
                    if bad is not None:
                        message = f"key holds a lone surrogate {bad}, which is not Unicode text"
                        problems.append(Problem(display, _pointer(path), message))
                children = iter(node.items())
            else:
                for index, item in enumerate(node):
                    if isinstance(item, tuple):
                        node[index] = list(item)
                children = enumerate(node)
            pushed = [(child, [*path, key]) for key, child in children]
            stack.extend(reversed(pushed))  # document order
        elif isinstance(node, str):
            bad = _surrogate(node)
            if bad is not None:
                problems.append(
                    Problem(
                        display,
                        _pointer(path),
                        f"string holds a lone surrogate {bad}, which is not Unicode text",
                    )
                )
        else:
            why = _describe(node)
            if why is not None:
                problems.append(Problem(display, _pointer(path), why))
    return problems


_JSON_TOKEN: Final = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def deep_position(raw: bytes) -> tuple[int, int] | None:
    """1-based (line, column) where JSON text first nests deeper than MAX_DEPTH."""
    depth = 0
    for match in _JSON_TOKEN.finditer(raw):
        char = match.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                start = match.start()
                line = raw.count(b"\n", 0, start) + 1
                return line, start - (raw.rfind(b"\n", 0, start) + 1) + 1
        elif char in (b"]", b"}"):
            depth -= 1
    return None


# --------------------------------------------------------------------------- through $ref


def ref_depth_problem(
    document: Any, resolve: Callable[[str], Any], is_data: Callable[[list[Token], Token], bool]
) -> tuple[str, str] | None:
    """(pointer, message) where the bundled document, following its local ``$ref`` s, first
    nests deeper than MAX_REF_DEPTH (a ref hop is a level); None when it never does.

    ``is_data(path, key)`` says whether ``key`` of the object at ``path`` holds data (an
    example, an extension), where a ``$ref`` is not a reference. A ref back to an object
    being walked is recursion, which is fine; each object is walked once from its
    shallowest place found first.
    """
    done: set[int] = set()
    on_path: set[int] = set()
    # (node, path, depth, entering): an explicit stack, so no recursion here either
    stack: list[tuple[Any, list[Token], int, bool]] = [(document, [], 0, True)]
    while stack:
        node, path, depth, entering = stack.pop()
        if not entering:
            on_path.discard(id(node))
            done.add(id(node))
            continue
        if id(node) in done or id(node) in on_path:
            continue
        if depth > MAX_REF_DEPTH:
            via = " (counting each $ref followed as a level)"
            return (
                _pointer(path),
                f"nested more than {MAX_REF_DEPTH} levels deep{via}; specfirst reads at most {MAX_REF_DEPTH}",
            )
        on_path.add(id(node))
        stack.append((node, path, depth, False))
        children: list[tuple[Any, list[Token]]] = []
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                try:
                    target = resolve(ref)
                except (KeyError, ValueError):
                    target = None
                if isinstance(target, (dict, list)):
                    children.append((target, path))  # reported at the referring site
            for key, child in node.items():
                if isinstance(child, (dict, list)) and not is_data(path, key):
                    children.append((child, [*path, key]))
        else:
            children = [
                (child, [*path, i])
                for i, child in enumerate(node)
                if isinstance(child, (dict, list))
            ]
        for child, child_path in reversed(children):
            stack.append((child, child_path, depth + 1, True))
    return None


def composition_cycles(
    schemas: list[tuple[str, dict[str, Any]]], resolve: Callable[[str], Any]
) -> list[tuple[str, list[str]]]:
    """Schemas that reach themselves through ``$ref``/``allOf``/``anyOf``/``oneOf``/``not``
    only: (pointer of the first schema of the cycle, the cycle's steps), once per cycle.

    ``schemas`` are (pointer, schema) of every schema object in document order.
    """
    pointer_of = {id(schema): pointer for pointer, schema in schemas}

    def edges(schema: dict[str, Any]) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            try:
                found.append(("$ref", resolve(ref)))
            except (KeyError, ValueError):
                pass
        for keyword in _COMPOSITION:
            alternatives = schema.get(keyword)
            if isinstance(alternatives, list):
                found += [(f"{keyword}/{i}", sub) for i, sub in enumerate(alternatives)]
        if "not" in schema:
            found.append(("not", schema["not"]))
        return [(step, target) for step, target in found if isinstance(target, dict)]

    cycles: list[tuple[str, list[str]]] = []
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    for _, start in schemas:
        if id(start) in state:
            continue
        path: list[tuple[dict[str, Any], str]] = []
        stack: list[tuple[dict[str, Any], Iterator[tuple[str, Any]]]] = [
            (start, iter(edges(start)))
        ]
        state[id(start)] = 1
        while stack:
            node, pending = stack[-1]
            step = next(pending, None)
            if step is None:
                stack.pop()
                state[id(node)] = 2
                if path:
                    path.pop()
                continue
            label, target = step
            seen = state.get(id(target))
            if seen == 1:
                index = next(i for i, (n, _) in enumerate([*path, (node, label)]) if n is target)
                loop = [*path, (node, label)][index:]
                steps = [pointer_of.get(id(target), "?")]
                for position, (_, lab) in enumerate(loop):
                    steps.append(lab)
                    following = loop[(position + 1) % len(loop)][0]
                    if lab == "$ref":
                        steps.append(pointer_of.get(id(following), "?"))
                cycles.append((steps[0], steps))
            elif seen is None:
                state[id(target)] = 1
                path.append((node, label))
                stack.append((target, iter(edges(target))))
    return cycles
