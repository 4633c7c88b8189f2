"""``specfirst validate``: the source document against the one FastAPI derives from the app.

Operations are compared as FastAPI publishes them. Component schemas that no operation
reaches never appear in that document, so they are compared separately: each against the
JSON schema pydantic derives from its generated model, reported under
``/components/schemas/<name>``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from specfirst.errors import Problem
from specfirst.loader import LoadedSpec, load_spec, pointer_join, split_pointer
from specfirst.validator.compare import MISSING, Discrepancy, compare_documents
from specfirst.validator.derive import Derived, derive_app
from specfirst.validator.locate import (
    build_quietly,
    check_service_dir,
    describe_failure,
    describe_underivable,
)

_PROBE = "/x-specfirst-component/"


def reached_components(document: dict[str, Any]) -> set[str]:
    """Names of components/schemas reachable through any $ref from paths and webhooks."""
    components = document.get("components") or {}
    reached: set[str] = set()
    visited: set[str] = set()
    todo: list[Any] = [document.get("paths") or {}, document.get("webhooks") or {}]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/") and ref not in visited:
                visited.add(ref)
                _, _, section, name = ref.split("/", 3)
                if section == "schemas":
                    reached.add(name)
                target = (components.get(section) or {}).get(name)
                if target is not None:
                    todo.append(target)
            mapping = node.get("mapping")
            if isinstance(mapping, dict):
                todo.extend(
                    {"$ref": v if str(v).startswith("#") else f"#/components/schemas/{v}"}
                    for v in mapping.values()
                )
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return reached


def _probe_document(document: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """A document whose only operations each return one component schema."""
    probe = {k: v for k, v in document.items() if k in ("openapi", "components")}
    probe["info"] = {"title": "", "version": ""}
    probe["paths"] = {
        f"{_PROBE}{name}": {
            "get": {
                "responses": {
                    "200": {"description": "", "content": {"application/json": {"schema": schema}}}
                }
            }
        }
        for name, schema in schemas.items()
    }
    return probe


def _component_pointer(pointer: str, names: dict[str, str]) -> str:
    for escaped, name in names.items():
        prefix = f"/paths/{escaped}/get/responses/200/content/application~1json/schema"
        if pointer.startswith(prefix):
            return pointer_join("/components/schemas", name) + pointer[len(prefix) :]
    return pointer


def unreached_components(document: dict[str, Any]) -> list[str]:
    """Names of the component schemas no operation or webhook reaches."""
    declared = (document.get("components") or {}).get("schemas") or {}
    reached = reached_components(document)
    return [name for name in declared if name not in reached]


def compare_unreached_components(
    spec_doc: dict[str, Any],
    app_doc: dict[str, Any],
    version: tuple[int, int],
    skip: frozenset[str] = frozenset(),
) -> list[Discrepancy]:
    unreached = [name for name in unreached_components(spec_doc) if name not in skip]
    if not unreached:
        return []
    derived = app_doc.get("x-specfirst-components") or {}
    spec_probe = _probe_document(
        spec_doc, {n: {"$ref": pointer_join("#/components/schemas", n)} for n in unreached}
    )
    app_probe = _probe_document(
        copy.deepcopy(app_doc), {n: derived.get(n, {"not": {}}) for n in unreached}
    )
    names = {pointer_join("", f"{_PROBE}{n}")[1:]: n for n in unreached}
    found = compare_documents(spec_probe, app_probe, spec_version=version)
    return [
        Discrepancy(
            pointer=_component_pointer(d.pointer, names),
            spec=d.spec,
            app=d.app,
            category="component",
            kind=d.kind,
        )
        for d in found
    ]


def _spec_value(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for token in split_pointer(pointer):
        if not isinstance(node, dict) or token not in node:
            return MISSING
        node = node[token]
    return node


def underivable_discrepancies(spec: LoadedSpec, derived: Derived) -> list[Discrepancy]:
    """One ``underivable`` discrepancy per part the app could not derive; for an app that
    does not import, one at the spec pointer it was generated for (the root when unknown)."""
    api = (
        build_quietly(spec)
        if derived.failure is not None or any(u.models for u in derived.underivable)
        else None
    )
    if derived.failure is not None:
        pointer, message = describe_failure(derived.failure, spec, api)
        return [
            Discrepancy(
                pointer=pointer or "",
                spec=_spec_value(spec.document, pointer) if pointer else MISSING,
                app=MISSING,
                category="underivable",
                kind="missing-in-app",
                reason=f"the generated app does not import: {message}",
            )
        ]
    return [
        Discrepancy(
            pointer=item.pointer,
            spec=_spec_value(spec.document, item.pointer),
            app=MISSING,
            category="underivable",
            kind="missing-in-app",
            reason=describe_underivable(item, spec, api),
        )
        for item in derived.underivable
    ]


def compare_derived(spec: LoadedSpec, derived: Derived) -> list[Discrepancy]:
    """Every discrepancy between the spec and what could be derived from the app."""
    found = underivable_discrepancies(spec, derived)
    if derived.document is not None:
        skipped = [u.pointer for u in derived.underivable]
        components = frozenset(
            split_pointer(p)[2] for p in skipped if p.startswith("/components/schemas/")
        )
        found += compare_documents(
            spec.document, derived.document, spec_version=spec.version, skip=skipped
        )
        found += compare_unreached_components(
            spec.document, derived.document, spec.version, components
        )
    return sorted(found, key=lambda d: (d.pointer, d.kind))


def validate(
    spec_path: str | Path,
    app_dir: str | Path,
    *,
    strict: bool = False,
    on_warning: Callable[[Problem], None] | None = None,
    ref_root: str | Path | None = None,
) -> list[Discrepancy]:
    """The discrepancies between the (repaired) spec and the document derived from the app in
    ``app_dir``; raises `ServiceDirError` when ``app_dir`` is not a complete service.
    ``strict`` refuses a spec with repairable defects, ``on_warning`` gets each repaired one."""
    spec = load_spec(spec_path, strict=strict, ref_root=ref_root)
    if on_warning is not None:
        for warning in spec.warnings:
            on_warning(warning)
    check_service_dir(app_dir)
    derived = derive_app(app_dir, components=unreached_components(spec.document))
    return compare_derived(spec, derived)
