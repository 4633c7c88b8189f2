"""Render and write a client package (see :mod:`specfirst.client`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specfirst import __version__, naming
from specfirst.client.operations import Resource, plan_resources
from specfirst.client.types import ClientTypes, ModelDef, model_defs, plan_models
from specfirst.client_runtime import sources as runtime_sources
from specfirst.ir import Api, SecurityScheme
from specfirst.quoting import comment_text, py_literal
from specfirst.render import shared_environment
from specfirst.resources import make_plan
from specfirst.writer import OutputFile, WriteResult, format_python, write_tree

if TYPE_CHECKING:
    from specfirst.pipeline import WarningSink

SUMMARY_NAME = "specfirst-client.json"
"""What the last generation held (operations, models), to report what a new one changes."""

_CLIENT_RESERVED = frozenset(
    {
        "base_url",
        "timeout",
        "max_retries",
        "retry",
        "headers",
        "http_client",
        "self",
        "credentials",
    }
)


@dataclass
class Credential:
    """One security scheme as a keyword of the client's constructor."""

    name: str  # scheme name (wire)
    param: str  # constructor keyword
    annotation: str
    expression: str  # turns the keyword's value into a runtime credential
    comment: str


class ClientCheckError(Exception):
    """The client as it would be written does not import (nothing was written; the rejected
    tree is kept for inspection)."""


def _import_check(package: str, out: Path) -> Callable[[Path], None]:
    """Import the package in a child interpreter from the tree as it would be written."""

    def verify(tree: Path) -> None:
        done = subprocess.run(
            [sys.executable, "-c", f"import {package}"],
            cwd=tree,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            detail = "\n".join("  " + line for line in done.stderr.strip().splitlines()[-8:])
            raise ClientCheckError(
                f"the client package {package} does not import:\n{detail}\n"
                f"nothing was written to {out}; the rejected tree is kept in {tree}"
            )
        shutil.rmtree(tree, ignore_errors=True)

    return verify


@dataclass
class ClientResult:
    """What was written, and what changed in the document's surface since the last run."""

    write: WriteResult
    package: str
    changes: list[str] = field(default_factory=list)


def default_package(api: Api) -> str:
    title = api.info.get("title") if isinstance(api.info.get("title"), str) else ""
    return naming.module_name(f"{title} client" if title else "api client")


def _base_url(api: Api) -> str:
    for server in api.servers:
        url = server.get("url")
        if not isinstance(url, str):
            continue
        variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}

        def value(match: re.Match[str], variables: dict[str, Any] = variables) -> str:
            var = variables.get(match.group(1))
            default = var.get("default") if isinstance(var, dict) else None
            return str(default) if default is not None else ""

        return re.sub(r"\{([^{}]*)\}", value, url)
    return ""


def _credentials(api: Api) -> list[Credential]:
    scope = naming.NameScope(reserved=_CLIENT_RESERVED)
    found: list[Credential] = []
    for scheme in api.security_schemes.values():
        param = scope.claim(naming.field_name(scheme.name))
        built = _credential(scheme, param)
        if built is None:
            continue
        annotation, expression = built
        note = comment_text(scheme.description or "")
        found.append(Credential(scheme.name, param, annotation, expression, note))
    return found


def _credential(scheme: SecurityScheme, param: str) -> tuple[str, str] | None:
    if (
        scheme.type == "apiKey"
        and scheme.param_name
        and scheme.location in ("header", "query", "cookie")
    ):
        args = f"{param}, {py_literal(scheme.param_name)}, {py_literal(scheme.location)}"
        return "str | None", f"None if {param} is None else ApiKey({args})"
    if scheme.type == "http" and (scheme.scheme or "").lower() == "basic":
        return "tuple[str, str] | None", f"None if {param} is None else HttpBasic(*{param})"
    if scheme.type == "http":
        word = (scheme.scheme or "bearer").lower()
        prefix = "Bearer" if word == "bearer" else word.capitalize()
        return "str | None", f"None if {param} is None else Bearer({param}, {py_literal(prefix)})"
    if scheme.type == "oauth2":
        return (
            "str | OAuth2ClientCredentials | None",
            f"Bearer({param}) if isinstance({param}, str) else {param}",
        )
    if scheme.type == "openIdConnect":
        return "str | None", f"None if {param} is None else Bearer({param})"
    return None  # mutualTLS: configure the certificate on your own httpx client


def _token_urls(api: Api) -> dict[str, str]:
    urls: dict[str, str] = {}
    for scheme in api.security_schemes.values():
        for flow in scheme.flows:
            if flow.kind == "clientCredentials" and flow.token_url:
                urls[scheme.name] = flow.token_url
    return urls


def surface(resources: list[Resource], models: list[ModelDef]) -> dict[str, Any]:
    """The names a user of the client sees: methods by operation, models with their fields."""
    return {
        "operations": sorted(
            f"{r.attribute}.{m.name} ({m.operation.method.upper()} {m.operation.path})"
            for r in resources
            for m in r.methods
        ),
        "models": {
            d.name: sorted(f.name for f in d.fields or [])
            for d in sorted(models, key=lambda d: d.name)
        },
    }


def describe_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Lines such as ``operation added: pets.create (POST /pets)``."""
    if old is None:
        return []
    lines: list[str] = []
    for key, word in (("operations", "operation"), ("models", "model")):
        before, after = set(old.get(key, [])), set(new.get(key, []))
        lines += [f"{word} added: {name}" for name in sorted(after - before)]
        lines += [f"{word} removed: {name}" for name in sorted(before - after)]
    old_models = old.get("models") if isinstance(old.get("models"), dict) else {}
    for name, fields in new["models"].items():
        if name not in old_models:
            continue
        added = [f"+{f}" for f in fields if f not in old_models[name]]
        removed = [f"-{f}" for f in old_models[name] if f not in fields]
        if added or removed:
            lines.append(f"model changed: {name}: {', '.join(added + removed)}")
    return lines


def _read_summary(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out / SUMMARY_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def render_client(
    api: Api, spec_name: str, package: str, previous: dict[str, Any] | None = None
) -> tuple[list[OutputFile], list[str]]:
    """Every file of the client package (formatted), and the changes since ``previous``."""
    plan = make_plan(api)
    model_plan = plan_models(api)
    types = ClientTypes(
        request_names=model_plan.request_names, prefix="models.", builtins="builtins."
    )
    model_types = ClientTypes(request_names=model_plan.request_names)
    classes, aliases = model_defs(model_plan, model_types)
    resources, error_classes, statuses = plan_resources(api, plan, types)
    credentials = _credentials(api)
    info = {
        "title": api.info.get("title") if isinstance(api.info.get("title"), str) else "",
        "version": str(api.info.get("version", "")),
    }
    summary = surface(resources, [*classes, *aliases])
    changes = describe_changes(previous, summary)
    env = shared_environment()
    values: dict[str, Any] = {
        "spec_name": spec_name,
        "version": __version__,
        "package": package,
        "dist_name": package.replace("_", "-"),
        "info": info,
        "base_url": _base_url(api),
        "classes": classes,
        "aliases": aliases,
        "resources": resources,
        "error_classes": error_classes,
        "statuses": sorted(statuses.items()),
        "credentials": credentials,
        "token_urls": _token_urls(api),
        "changes": changes,
    }
    files: list[OutputFile] = []

    def add(template: str, path: str, *, user_owned: bool = False, **extra: Any) -> None:
        content = env.get_template(f"client/{template}").render(**values, **extra)
        files.append(OutputFile(path=path, content=content, user_owned=user_owned))

    add("pyproject.toml.j2", "pyproject.toml")
    add("README.md.j2", "README.md")
    add("__init__.py.j2", f"{package}/__init__.py")
    add("models.py.j2", f"{package}/models.py")
    add("errors.py.j2", f"{package}/errors.py")
    add("client.py.j2", f"{package}/client.py")
    add("resources_init.py.j2", f"{package}/resources/__init__.py")
    for resource in resources:
        add("resource.py.j2", f"{package}/resources/{resource.module}.py", resource=resource)
        add(
            "custom_resource.py.j2",
            f"{package}/custom/{resource.module}.py",
            user_owned=True,
            resource=resource,
        )
    add("custom_init.py.j2", f"{package}/custom/__init__.py", user_owned=True)
    add("custom_client.py.j2", f"{package}/custom/client.py", user_owned=True)
    files.append(OutputFile(path=f"{package}/py.typed", content=""))
    runtime_doc = '"""The client\'s runtime: copied verbatim from specfirst.client_runtime."""\n'
    files.append(OutputFile(path=f"{package}/_runtime/__init__.py", content=runtime_doc))
    for name, text in runtime_sources().items():
        files.append(OutputFile(path=f"{package}/_runtime/{name}", content=text))
    files.append(
        OutputFile(path=SUMMARY_NAME, content=json.dumps(summary, indent=2, sort_keys=True) + "\n")
    )
    runtime = {f"{package}/_runtime/{name}" for name in runtime_sources()}
    formatted = format_python([f for f in files if f.path not in runtime])
    return formatted + [f for f in files if f.path in runtime], changes


def generate_client(
    spec_path: str | Path,
    out_dir: str | Path,
    *,
    package: str | None = None,
    force: bool = False,
    check: bool = False,
    strict: bool = False,
    on_warning: WarningSink | None = None,
    ref_root: str | Path | None = None,
) -> ClientResult:
    """Generate (or update) the client package for ``spec_path`` in ``out_dir``.

    With ``check`` (what ``specfirst client`` does) the whole package, the ``custom`` modules
    as they are on disk included, is first written to a temporary folder and imported in a
    child interpreter; if that fails, `ClientCheckError` is raised and nothing is written."""
    from specfirst.pipeline import load_api

    api = load_api(spec_path, strict=strict, on_warning=on_warning, ref_root=ref_root)
    name = package or default_package(api)
    if not name.isidentifier() or name != naming.module_name(name):
        raise ValueError(f"--package {name!r} is not a Python package name (snake_case)")
    out = Path(out_dir)
    files, changes = render_client(api, Path(spec_path).name, name, _read_summary(out))
    verify = _import_check(name, out) if check else None
    result = write_tree(out, files, force=force, source=Path(spec_path).name, verify=verify)
    return ClientResult(write=result, package=name, changes=changes)
