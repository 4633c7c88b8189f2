"""Step ``main_entry``: the app factory, settings, error handling and the served source document."""

from __future__ import annotations

import json
import os
import re
import stat
from typing import Any

from specfirst.build import HTTP_METHODS
from specfirst.ir import Api
from specfirst.pytypes import py_literal
from specfirst.render import StepContext
from specfirst.runtime import RUNTIME_MODULES, header, source
from specfirst.writer import OutputFile

NAME = "main_entry"
DESCRIPTION = "app factory, settings, error handlers, shared types and the source document"

# (template, output path, module docstring) of the modules that do not depend on the spec
_SUPPORT_MODULES = (
    (
        "app/core/types.py.j2",
        "app/core/types.py",
        "Types shared by the generated models: formats, unions, markers.",
    ),
    (
        "app/core/auth.py.j2",
        "app/core/auth.py",
        "Credential checks behind the security dependencies.",
    ),
    ("app/core/config.py.j2", "app/core/config.py", "Settings from environment variables."),
    (
        "app/core/params.py.j2",
        "app/core/params.py",
        "Query parameters in the styles FastAPI does not parse itself.",
    ),
    (
        "app/core/bodies.py.j2",
        "app/core/bodies.py",
        "Request bodies in every media type an operation declares.",
    ),
    (
        "app/core/context.py.j2",
        "app/core/context.py",
        "What handlers receive, and how routes call them.",
    ),
)


def app_arguments(ctx: StepContext) -> list[str]:
    """FastAPI(...) keyword arguments that publish the document's top-level information."""
    info = ctx.api.info
    # FastAPI refuses an empty title or version when it is built: the app is built with a
    # placeholder and given the document's (empty) value right after (see blank_info)
    args = [
        f"{key}={py_literal('-' if info.get(key) in (None, '') else info[key])}"
        for key in ("title", "version")
    ]
    for key, kw in (
        ("summary", "summary"),
        ("description", "description"),
        ("termsOfService", "terms_of_service"),
        ("contact", "contact"),
        ("license", "license_info"),
    ):
        if key in info:
            args.append(f"{kw}={py_literal(info[key])}")
    if ctx.api.servers:
        args.append(f"servers={py_literal(ctx.api.servers)}")
    if ctx.api.tags:
        args.append(f"openapi_tags={py_literal(ctx.api.tags)}")
    if ctx.api.external_docs is not None:
        args.append(f"openapi_external_docs={py_literal(ctx.api.external_docs)}")
    return args


def blank_info(ctx: StepContext) -> list[tuple[str, str]]:
    """The title or version the document leaves empty: set on the app after FastAPI is built."""
    return [
        (key, py_literal("")) for key in ("title", "version") if ctx.api.info.get(key) in (None, "")
    ]


def _match_key(path: str) -> tuple[int, ...]:
    """Sort key of a path template for matching requests, segment by segment.

    A literal segment comes before one that mixes text and a variable, which comes before a
    segment that is only a variable: concrete paths match before their templated
    counterparts, as OpenAPI defines. Paths with different numbers of segments never match
    the same request, so how they compare does not matter.
    """
    key = []
    for segment in path.split("/"):
        if "{" not in segment:
            key.append(0)
        else:
            key.append(2 if re.fullmatch(r"\{[^{}]*\}", segment) else 1)
    return tuple(key)


def paths_in_match_order(api: Api) -> list[tuple[str, tuple[str, ...]]]:
    """The served paths with their declared methods (upper case, in Path Item order), most
    specific first; paths equally specific keep the document's order."""
    methods: dict[str, list[str]] = {}
    for op in api.operations:
        methods.setdefault(op.routed_path, []).append(op.method)
    table = [
        (path, tuple(m.upper() for m in sorted(declared, key=HTTP_METHODS.index)))
        for path, declared in methods.items()
    ]
    return sorted(table, key=lambda entry: _match_key(entry[0]))


def served_document(source: str, document: dict[str, Any]) -> str:
    """The text of the service's ``openapi.json``, which ``/openapi.json`` answers byte for byte.

    The source file itself when it is JSON and holds exactly the document the service was
    generated from (one file, nothing repaired); else the bundled document as JSON (a YAML
    source, external ``$ref`` files copied in, or repairs made by the loader).
    """
    try:
        # opened without blocking and read only when it is a regular file (never a FIFO)
        with os.fdopen(os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            if stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                text = file.read().decode("utf-8")
                if json.loads(text) == document:
                    return text
    except (OSError, ValueError, RecursionError):
        pass  # YAML, not UTF-8, or unreadable now: the bundled document as JSON
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def generate(ctx: StepContext) -> list[OutputFile]:
    files = [
        ctx.render(
            "app/package.py.j2", "app/__init__.py", header=ctx.header("The generated service.")
        ),
        ctx.render(
            "app/package.py.j2",
            "app/core/__init__.py",
            header=ctx.header("Configuration, security and errors."),
        ),
    ]
    for template, path, what in _SUPPORT_MODULES:
        files.append(ctx.render(template, path, header=ctx.header(what)))
    # runtime modules that do not depend on the document: copied as they are in specfirst
    for module, path, _what in RUNTIME_MODULES:
        files.append(OutputFile(path=path, content=header(module) + source(module)))
    files.append(
        ctx.render(
            "app/core/routing.py.j2",
            "app/core/routing.py",
            header=ctx.header(
                "Routes in the order the spec's paths match, and 405 for undeclared methods."
            ),
            paths=[
                (py_literal(path), py_literal(methods))
                for path, methods in paths_in_match_order(ctx.api)
            ],
        )
    )
    files.append(
        ctx.render(
            "app/main.py.j2",
            "app/main.py",
            header=ctx.header(
                "The app factory: routes, error handlers and the served source document."
            ),
            app_args=app_arguments(ctx),
            blank_info=blank_info(ctx),
            has_webhooks=bool(ctx.api.webhooks),
            # the spec's own /healthz wins; the built-in one is added only where there is none
            spec_has_healthz=any(op.path == "/healthz" for op in ctx.api.operations),
        )
    )
    files.append(
        OutputFile(path="openapi.json", content=served_document(ctx.api.source, ctx.api.document))
    )
    return files
