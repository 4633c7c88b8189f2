"""Build the OpenAPI document that FastAPI derives from a generated app's routes and models.

The work happens in a fresh child interpreter (``python -m specfirst.validator.derive``), so
apps generated from different documents (all with a package named ``app``) never share
imported modules, and a stale ``app`` or stale bytecode can never stand in for the files on
disk: the child imports ``app`` from the given directory only (checked), with bytecode read
from and written to nowhere. It uses ``fastapi.openapi.utils.get_openapi`` over
``app.routes``, never ``app.openapi()`` (the generated app serves the source document there).

The child never fails as a whole when a part cannot be derived. It imports the app and
builds the document once; only when that fails does it bisect the routes to find the ones
whose schemas FastAPI or pydantic cannot derive, and derives every other route as usual.
Each component schema is derived on its own. What could not be derived comes back as
:class:`Underivable` (the spec pointer and the reason); an app that does not import comes
back as a :class:`Failure` located in the generated file.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import traceback
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_MESSAGE_LIMIT = 400


class DeriveError(RuntimeError):
    """The child interpreter died without a report (a crash of the interpreter itself)."""


@dataclass(frozen=True)
class Where:
    """A place in the generated code: a file relative to the service, a line, a definition."""

    file: str
    line: int | None = None
    name: str | None = None  # "class Pet", "function list_pets", when known

    def __str__(self) -> str:
        text = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{text} ({self.name})" if self.name else text


@dataclass(frozen=True)
class Underivable:
    """A part of the document FastAPI or pydantic could not derive from the app."""

    pointer: (
        str  # where the part sits in the document ("/paths/~1pets/get", "/components/schemas/Pet")
    )
    reason: str  # "PydanticInvalidForJsonSchema: Cannot generate a JsonSchema for ..."
    where: Where | None = None
    models: tuple[Where, ...] = ()  # an operation's models that cannot be derived themselves


@dataclass(frozen=True)
class Failure:
    """The app could not be imported or built: nothing of it can be derived."""

    error: str  # "NameError: name 'Principal' is not defined"
    where: Where | None = None
    source: str = ""  # the offending line of generated code, stripped

    def __str__(self) -> str:
        text = f"{self.where}: {self.error}" if self.where else self.error
        return f"{text}\n    {self.source}" if self.source else text


@dataclass
class Derived:
    """What the child found: the document (None when the app did not import), the parts it
    could not derive, or why the app could not be used at all."""

    document: dict[str, Any] | None
    underivable: list[Underivable] = field(default_factory=list)
    failure: Failure | None = None


# --------------------------------------------------------------------------- the parent side


def derive_app(
    app_dir: str | Path,
    *,
    components: Iterable[str] | None = None,
    document: bool = True,
    interpreter: str | None = None,
) -> Derived:
    """Derive the app's document in a child interpreter.

    ``components`` names the component schemas to derive on their own (in
    ``document["x-specfirst-components"]``); ``None`` means every one in
    ``app.schemas.COMPONENTS``. Without ``document`` only whether and where derivation
    fails comes back (``Derived.document`` is None), which spares a large document's
    transfer. ``interpreter`` is the Python to derive it with (this one by default; another
    must have the service's dependencies).
    """
    root = Path(app_dir).resolve()
    options = {
        "components": None if components is None else sorted(components),
        "document": document,
    }
    report, died = _run_child([str(root)], options, interpreter)
    if report is None:
        return Derived(document=None, failure=Failure(error=f"the interpreter deriving it {died}"))
    return _from_report(report)


def derive_many(
    apps: Sequence[tuple[str | Path, Iterable[str] | None]], *, interpreter: str | None = None
) -> list[Derived]:
    """For each (app directory, ``components`` as in `derive_app`): whether the app imports
    and derives (``document`` is None in each answer), all in
    one child interpreter: each app's ``app`` package is imported fresh from its directory
    (the previous one's modules, path entry and import hook removed first), so the cost of
    importing FastAPI, pydantic and SQLAlchemy is paid once. For checking many generated
    trees at once (the generator's mutation fuzzing); one app's check uses `derive_app`."""
    roots = [
        {"root": str(Path(d).resolve()), "components": None if c is None else sorted(c)}
        for d, c in apps
    ]
    if not roots:
        return []
    reports, died = _run_child(["--many"], {"roots": roots}, interpreter)
    if not isinstance(reports, list):
        raise DeriveError(f"the interpreter deriving them {died}")
    return [_from_report(report) for report in reports]


def _run_child(
    args: list[str], options: dict[str, Any], interpreter: str | None
) -> tuple[Any, str]:
    """Run ``python -m specfirst.validator.derive ARGS REPORT`` with ``options`` on stdin;
    (the report it wrote, or None; how it died, for a message when there is no report)."""
    with tempfile.TemporaryDirectory(prefix="specfirst-derive-") as scratch:
        report_path = Path(scratch) / "report.json"
        proc = subprocess.run(
            [interpreter or sys.executable, "-m", "specfirst.validator.derive", *args]
            + [str(report_path)],
            input=json.dumps(options),
            capture_output=True,
            text=True,
            env=_child_environment(),
            cwd=scratch,
            check=False,
        )
        report = _read_report(report_path)
    tail = proc.stderr.strip().splitlines()[-1:]
    said = f": {tail[0][:_MESSAGE_LIMIT]}" if tail else ""
    return report, f"died (exit status {proc.returncode}){said}"


def _child_environment() -> dict[str, str]:
    """The child's environment: this specfirst importable, no bytecode written, no side
    effects on disk or network."""
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    env["DATABASE_URL"] = "sqlite://"  # in memory: building the app creates no data/ directory
    env.pop("TYPESENSE_URL", None)
    return env


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _where(data: dict[str, Any] | None) -> Where | None:
    return Where(**data) if data else None


def _from_report(report: dict[str, Any]) -> Derived:
    failure = report.get("failure")
    return Derived(
        document=report.get("document"),
        underivable=[
            Underivable(
                pointer=u["pointer"],
                reason=u["reason"],
                where=_where(u.get("where")),
                models=tuple(Where(**m) for m in u.get("models") or ()),
            )
            for u in report.get("underivable", [])
        ],
        failure=None
        if failure is None
        else Failure(
            error=failure["error"],
            where=_where(failure.get("where")),
            source=failure.get("source", ""),
        ),
    )


def enclosing_definition(path: Path, line: int) -> str | None:
    """The innermost class or function of a Python file that spans ``line``, as
    ``"class Name"`` or ``"function name"`` (methods as ``Class.name``); None if none does."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return _definition_above(text.splitlines(), line)
    found: str | None = None

    def visit(body: Sequence[ast.stmt], prefix: str) -> None:
        nonlocal found
        for node in body:
            if not isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if start <= line <= (node.end_lineno or node.lineno):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                found = f"{kind} {prefix}{node.name}"
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return found


_DEFINITION = re.compile(r"(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)")


def _definition_above(lines: list[str], line: int) -> str | None:
    """For a file that does not parse: the top-level ``def`` or ``class`` nearest above
    ``line`` (the code below it up to ``line`` is taken to be its body)."""
    for text in reversed(lines[:line]):
        match = _DEFINITION.match(text)
        if match:
            return f"{'class' if match.group(1) == 'class' else 'function'} {match.group(2)}"
        if text and not text[0].isspace() and not text.startswith(("@", "#", ")")):
            return None
    return None


def definition_line(path: Path, name: str) -> int | None:
    """The line where a module defines ``name`` at top level (class, function or assignment)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if (
            isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name == name
        ):
            return node.lineno
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return node.lineno
    return None


# --------------------------------------------------------------------------- the child side


def _message(exc: BaseException) -> str:
    """``Type: first line of the message``, short."""
    if isinstance(exc, SyntaxError):
        text = exc.msg or str(exc)
    else:
        text = str(exc).strip()
        text = text.splitlines()[0] if text else ""
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 3] + "..."


def _inside(root: Path, filename: str | None) -> str | None:
    if not filename or filename.startswith("<"):
        return None
    try:
        path = Path(filename).resolve()
    except OSError:
        return None
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else None


def _locate(exc: BaseException, root: Path) -> tuple[Where | None, str]:
    """The innermost place in the app's own files where ``exc`` was raised (a SyntaxError's
    own position first), and that line of code."""
    places: list[tuple[str | None, int | None]] = []
    if isinstance(exc, SyntaxError):
        places.append((exc.filename, exc.lineno))
    places += [
        (frame.filename, frame.lineno)
        for frame in reversed(traceback.extract_tb(exc.__traceback__))
    ]
    for filename, line in places:
        relative = _inside(root, filename)
        if relative is None or line is None or filename is None:
            continue
        path = Path(filename)
        try:
            source = path.read_text(encoding="utf-8").splitlines()[line - 1].strip()
        except (OSError, IndexError, UnicodeDecodeError):
            source = ""
        return Where(relative, line, enclosing_definition(path, line)), source
    return None, ""


def _source_only_hook(root: Path) -> Callable[[str], Any]:
    """A path hook that imports the modules below ``root`` from their source, never from
    bytecode in ``__pycache__``: a cache left by another run could pass for the current
    source when a file was rewritten with the same size within the same second. Libraries
    keep their caches."""
    from importlib.machinery import SOURCE_SUFFIXES, FileFinder, SourceFileLoader

    class SourceOnlyLoader(SourceFileLoader):
        def get_code(self, fullname: str) -> Any:
            path = self.get_filename(fullname)
            return self.source_to_code(self.get_data(path), path)

    make_finder = FileFinder.path_hook((SourceOnlyLoader, SOURCE_SUFFIXES))

    def hook(path: str) -> Any:
        if _inside(root, path or ".") is None:
            raise ImportError("not below the app's directory")
        return make_finder(path)

    return hook


def _import_app(root: Path) -> Any:
    """``app.main`` imported fresh from ``root``, from source: never a module already
    loaded, found anywhere else on the path, or read from stale bytecode."""
    import importlib

    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        del sys.modules[name]
    sys.dont_write_bytecode = True
    sys.path_hooks.insert(0, _source_only_hook(root))
    sys.path.insert(0, str(root))
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()
    main = importlib.import_module("app.main")
    package = sys.modules["app"]
    origin = getattr(package, "__file__", None) or next(
        iter(getattr(package, "__path__", [])), None
    )
    if _inside(root, origin) is None:
        raise ImportError(f"the package 'app' was imported from {origin}, not from {root}")
    return main


def _api_routes(routes: Sequence[Any]) -> list[Any]:
    """The operations among ``routes``, each as ``get_openapi`` takes it: FastAPI versions
    that include routers lazily list them as route contexts, older ones as routes."""
    from fastapi import routing

    contexts = getattr(routing, "iter_route_contexts", None)
    if contexts is None:
        return [route for route in routes if isinstance(route, routing.APIRoute)]
    return [c for c in contexts(routes) if isinstance(c.original_route, routing.APIRoute)]


def _route_pointers(kind: str, route: Any) -> list[str]:
    from specfirst.loader import pointer_join

    section = "/paths" if kind == "route" else "/webhooks"
    path = getattr(route, "path_format", None) or route.path
    return [pointer_join(section, path, method.lower()) for method in sorted(route.methods or ())]


def _code_place(obj: Any, root: Path) -> Where | None:
    code = getattr(obj, "__code__", None)
    relative = _inside(root, getattr(code, "co_filename", None))
    if code is None or relative is None:
        return None
    return Where(relative, code.co_firstlineno, f"function {obj.__name__}")


class _ComputedFieldsCheck:
    """FastAPI's "does this field's type reach a model with computed fields" answered once
    per model instead of once per field.

    ``get_openapi`` asks it for every field of every route (each time walking the whole model
    graph the field reaches from scratch), which is quadratic in a document with thousands of
    related models. The answer is whether any model reachable through field annotations and
    type arguments declares computed fields; models whose whole reachable set was found to
    declare none are remembered, so each is walked once in all. ``install`` swaps it in for
    FastAPI's function when that function is there (a FastAPI without it keeps its own).
    """

    def __init__(self, original: Callable[[Any], bool]) -> None:
        self.original = original
        self.clean: set[type] = set()  # models reaching no model with computed fields
        self.walked = 0  # models walked (for tests)

    def __call__(self, field: Any) -> bool:
        try:
            core_schema = field._type_adapter.core_schema
            annotation = field.field_info.annotation
        except AttributeError:
            return self.original(field)
        if core_schema.get("schema", {}).get("computed_fields", []):
            return True
        return self.reaches_computed(annotation)

    def reaches_computed(self, annotation: Any) -> bool:
        from pydantic import BaseModel

        visited: set[type] = set()
        todo = [annotation]
        while todo:
            node = todo.pop()
            try:
                is_model = isinstance(node, type) and issubclass(node, BaseModel)
            except TypeError:  # a parametrized generic, as FastAPI's lenient_issubclass
                is_model = False
            if is_model:
                if node in visited or node in self.clean:
                    continue
                visited.add(node)
                self.walked += 1
                if node.model_computed_fields:
                    return True
                todo.extend(info.annotation for info in node.model_fields.values())
            else:
                todo.extend(typing.get_args(node))
        self.clean |= visited  # everything they reach was walked too: none has computed fields
        return False

    @classmethod
    def install(cls) -> None:
        try:
            from fastapi._compat import v2
        except ImportError:  # pragma: no cover - another FastAPI layout
            return
        original = getattr(v2, "_has_computed_fields", None)
        if callable(original) and not isinstance(original, cls):
            v2._has_computed_fields = cls(original)  # type: ignore[attr-defined]


class _Openapi:
    """``get_openapi`` for the app's metadata over any subset of its routes and webhooks."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, items: Sequence[tuple[str, Any]]) -> dict[str, Any]:
        from fastapi.openapi.utils import get_openapi

        app = self.app
        return get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            summary=app.summary,
            description=app.description,
            terms_of_service=app.terms_of_service,
            contact=app.contact,
            license_info=app.license_info,
            routes=[route for kind, route in items if kind == "route"],
            webhooks=[route for kind, route in items if kind == "webhook"],
            tags=app.openapi_tags,
            servers=app.servers,
            separate_input_output_schemas=app.separate_input_output_schemas,
            external_docs=app.openapi_external_docs,
        )


def _bisect(
    items: list[tuple[str, Any]], build: Callable[[Sequence[tuple[str, Any]]], dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[tuple[tuple[str, Any], BaseException]]]:
    """Documents of the largest subsets that derive, and each route that does not on its own."""
    documents: list[dict[str, Any]] = []
    failed: list[tuple[tuple[str, Any], BaseException]] = []
    todo = [items]
    while todo:
        part = todo.pop()
        if not part:
            continue
        try:
            documents.append(build(part))
        except Exception as exc:  # noqa: BLE001 - any failure of derivation is reported
            if len(part) == 1:
                failed.append((part[0], exc))
            else:
                middle = len(part) // 2
                todo += [part[middle:], part[:middle]]
    return documents, failed


def _rename_refs(node: Any, renamed: dict[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        out = {k: _rename_refs(v, renamed) for k, v in node.items()}
        if isinstance(ref, str) and ref in renamed:
            out["$ref"] = renamed[ref]
        return out
    if isinstance(node, list):
        return [_rename_refs(v, renamed) for v in node]
    return node


def _merge(base: dict[str, Any], parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One document from documents derived over disjoint subsets of the routes.

    Paths and webhooks are disjoint per method; a component schema that two parts name alike
    but derive differently is renamed in the later part (the validator inlines every $ref,
    so names carry no meaning)."""
    merged = dict(base)
    schemas: dict[str, Any] = {}
    other: dict[str, dict[str, Any]] = {}
    for index, part in enumerate(parts):
        renamed: dict[str, str] = {}
        part_schemas = (part.get("components") or {}).get("schemas") or {}
        for name, schema in part_schemas.items():
            if name in schemas and schemas[name] != schema:
                renamed[f"#/components/schemas/{name}"] = (
                    f"#/components/schemas/{name}__part{index}"
                )
        if renamed:
            part = _rename_refs(part, renamed)
            part_schemas = (part.get("components") or {}).get("schemas") or {}
        for name, schema in part_schemas.items():
            new_name = renamed.get(
                f"#/components/schemas/{name}", f"#/components/schemas/{name}"
            ).rsplit("/", 1)[1]
            schemas.setdefault(new_name, schema)
        for section, values in (part.get("components") or {}).items():
            if section != "schemas":
                other.setdefault(section, {}).update(values)
        for section in ("paths", "webhooks"):
            for key, item in (part.get(section) or {}).items():
                merged.setdefault(section, {}).setdefault(key, {}).update(item)
    components = {**other, **({"schemas": schemas} if schemas else {})}
    if components:
        merged["components"] = components
    return merged


def _derive_document(app: Any, root: Path, report: dict[str, Any]) -> dict[str, Any]:
    items = [("route", r) for r in _api_routes(app.routes)]
    items += [("webhook", r) for r in _api_routes(app.webhooks.routes)]
    build = _Openapi(app)
    parts, failed = _bisect(items, build)  # the whole at once, halves only if that fails
    if not failed and len(parts) == 1:
        return parts[0]
    for (kind, route), exc in failed:
        place = _code_place(route.endpoint, root)
        models = [asdict(where) for where in _failing_models(route, root)]
        for pointer in _route_pointers(kind, route):
            report["underivable"].append(
                {
                    "pointer": pointer,
                    "reason": _message(exc),
                    "where": asdict(place) if place else None,
                    "models": models,
                }
            )
    return _merge(build([]), parts)


def _nested_models(annotation: Any) -> list[type]:
    """The pydantic models an annotation names, through unions, containers and Annotated."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type] = []
    for arg in typing.get_args(annotation):
        found += [m for m in _nested_models(arg) if m not in found]
    return found


def _route_annotations(route: Any) -> list[Any]:
    """The types a route's document is derived from: parameters, body, responses."""
    annotations: list[Any] = [route.response_model]
    dependant = getattr(route, "dependant", None)
    fields = [getattr(route, "body_field", None)]
    for group in ("path_params", "query_params", "header_params", "cookie_params", "body_params"):
        fields += list(getattr(dependant, group, None) or [])
    annotations += [
        getattr(getattr(f, "field_info", None), "annotation", None) for f in fields if f is not None
    ]
    for response in (getattr(route, "responses", None) or {}).values():
        if isinstance(response, dict):
            annotations.append(response.get("model"))
    return [a for a in annotations if a is not None]


def _failing_models(route: Any, root: Path) -> list[Where]:
    """The app's own models, reached from a route, whose JSON schema cannot be derived while
    that of every model they contain can: where the route's failure comes from."""
    from pydantic import TypeAdapter

    reached: dict[type, list[type]] = {}  # model -> the models its fields name
    todo = [m for a in _route_annotations(route) for m in _nested_models(a)]
    while todo:
        model = todo.pop()
        if model in reached:
            continue
        fields = getattr(model, "model_fields", {}).values()
        reached[model] = [m for f in fields for m in _nested_models(f.annotation) if m is not model]
        todo += reached[model]

    def fails(model: type) -> bool:
        for mode in ("validation", "serialization"):
            try:
                TypeAdapter(model).json_schema(mode=mode)
            except Exception:  # noqa: BLE001 - exactly what is being looked for
                return True
        return False

    failing = {model for model in reached if fails(model)}
    places: list[Where] = []
    for model, nested in reached.items():
        if model not in failing or any(m in failing for m in nested):
            continue
        relative = _inside(root, getattr(sys.modules.get(model.__module__), "__file__", None))
        if relative is not None:
            line = definition_line(root / relative, model.__name__)
            places.append(Where(relative, line, f"class {model.__name__}"))
    return sorted(places, key=lambda w: (w.file, w.line or 0))


def _component_schemas(
    document: dict[str, Any], root: Path, wanted: list[str] | None, report: dict[str, Any]
) -> dict[str, Any]:
    """The JSON schema pydantic derives for each wanted component's model or type, as
    FastAPI would: all in one generation (definitions shared, as in FastAPI's own), or, when
    that fails, each on its own so that one that cannot be derived is reported alone.

    Models nested in them are added to the document's components (FastAPI names them by
    class name too), so the validator can compare components no operation uses.
    """
    from pydantic import TypeAdapter
    from pydantic.json_schema import GenerateJsonSchema

    module = sys.modules.get("app.schemas")
    components = getattr(module, "COMPONENTS", {})
    names = list(components) if wanted is None else [n for n in wanted if n in components]
    target = document.setdefault("components", {}).setdefault("schemas", {})
    template = "#/components/schemas/{model}"
    try:
        inputs = [(name, "validation", TypeAdapter(components[name]).core_schema) for name in names]
        mapping, definitions = GenerateJsonSchema(ref_template=template).generate_definitions(
            inputs
        )
    except Exception:  # noqa: BLE001 - one at a time below, to report the ones that fail
        mapping = None
    if mapping is not None:
        for def_name, definition in definitions.items():
            target.setdefault(def_name, definition)
        return {name: mapping[(name, "validation")] for name in names}
    result: dict[str, Any] = {}
    for name in names:
        try:
            schema = TypeAdapter(components[name]).json_schema(
                ref_template=template, mode="validation"
            )
        except Exception as exc:  # noqa: BLE001 - reported as underivable, the rest goes on
            report["underivable"].append(_component_failure(name, components[name], root, exc))
            continue
        for def_name, definition in schema.pop("$defs", {}).items():
            target.setdefault(def_name, definition)
        result[name] = schema
    return result


def _component_failure(
    name: str, python_type: Any, root: Path, exc: BaseException
) -> dict[str, Any]:
    from specfirst.loader import pointer_join

    type_name = getattr(python_type, "__name__", None)
    line = definition_line(root / "app" / "schemas.py", type_name) if type_name else None
    label = f"class {type_name}" if isinstance(python_type, type) else type_name
    where = Where("app/schemas.py", line, label)
    return {
        "pointer": pointer_join("/components/schemas", name),
        "reason": _message(exc),
        "where": asdict(where),
    }


_SCHEMA_REF = "#/components/schemas/"


def _dangling_component_names(document: dict[str, Any]) -> list[str]:
    """Component names the document refers to (``$ref`` or discriminator mapping) and does not
    define. FastAPI names components after classes; the app also publishes schemas written as
    the document has them, which name components the document's way: those resolve to the
    models generated for the same components (``app.schemas.COMPONENTS``)."""
    defined = (document.get("components") or {}).get("schemas") or {}
    wanted: dict[str, None] = {}
    todo: list[Any] = [document]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
        elif isinstance(node, str) and node.startswith(_SCHEMA_REF):
            name = node[len(_SCHEMA_REF) :].replace("~1", "/").replace("~0", "~")
            if "/" not in name and name not in defined:
                wanted.setdefault(name)
    return list(wanted)


def derive_in_process(app_dir: Path, components: list[str] | None = None) -> dict[str, Any]:
    """The child's report: ``{"document", "underivable", "failure"}`` (JSON-ready)."""
    import warnings

    warnings.simplefilter("ignore")
    root = Path(app_dir).resolve()
    report: dict[str, Any] = {"document": None, "underivable": [], "failure": None}
    try:
        app = _import_app(root).create_app()
    except BaseException as exc:  # noqa: BLE001 - SystemExit and RecursionError included
        where, source = _locate(exc, root)
        report["failure"] = {
            "error": _message(exc),
            "where": asdict(where) if where else None,
            "source": source,
        }
        return report
    _ComputedFieldsCheck.install()
    document = _derive_document(app, root, report)
    dangling = _dangling_component_names(document)
    if dangling:  # named by the document's component names (a documentation copy, a mapping)
        found = _component_schemas(document, root, dangling, report)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in found.items():
            schemas.setdefault(name, schema)
    document["x-specfirst-components"] = _component_schemas(document, root, components, report)
    report["document"] = document
    return report


def _derive_each(apps: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``derive_in_process`` for each app in turn (without documents), each import fresh."""
    reports = []
    for app in apps:
        path, hooks = list(sys.path), list(sys.path_hooks)
        try:
            report = derive_in_process(Path(app["root"]), app["components"])
        finally:
            sys.path[:], sys.path_hooks[:] = path, hooks
            sys.path_importer_cache.clear()
        report["document"] = None
        reports.append(report)
    return reports


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    options = json.loads(sys.stdin.read() or "{}")
    if args[:1] == ["--many"]:
        reports = _derive_each(options["roots"])
        Path(args[1]).write_text(json.dumps(reports, default=str), encoding="utf-8")
        return
    report = derive_in_process(Path(args[0]), options.get("components"))
    if not options.get("document", True):
        report["document"] = None
    Path(args[1]).write_text(json.dumps(report, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
