"""Benchmark: how generate, no-op regenerate, validate and check grow with the document.

    python bench/bench_scale.py [--sizes 25,50,...] [--quick] [--shape crud|linked]
                                [--timeout SECONDS] [--keep DIR]

Synthesizes, for each size N, an OpenAPI document of N resources. ``--shape crud`` (the
default): OpenAPI 3.1, N CRUD resources (five operations each: list, create, read, replace,
delete; one component schema and one input schema per resource; an API key scheme), no
reference between resources. ``--shape linked``: OpenAPI 3.0, N resources that refer to
each other the way large real APIs do (expandable fields: a nullable ``anyOf`` of an id
string and the resource; a nested list object of other resources; form-encoded bodies):
resource i refers to i+1, 3i+1 and i+7 (mod N), so all N schemas form one reference cycle
(``--cluster K`` cuts it into cycles of K resources, each referring on to two others, which
keeps the nesting depth logarithmic). The synthesizer is deterministic: the same arguments
always give the same bytes. For each size it runs, each as a whole ``python -m specfirst``
process in a fresh output folder:

- **generate**: the first run (load, model, render, ruff, the child import check, write);
- **no-op**: ``generate`` again with nothing changed (answered from the manifest);
- **validate**: ``validate SPEC --app OUT``;
- **check**: ``check SPEC --out OUT``.

Each command is timed (wall seconds) and its peak memory is the largest resident set of
any process of its tree (``RUSAGE_CHILDREN`` of a fresh wrapper, as bench_generate.py
does). Below the table, the log-log slope of each column (least squares of log time over
log size; 1.0 is linear) over every size, then over the largest three (where the fixed cost
of starting processes no longer hides the growth). ``--quick`` runs 25, 50 and 100 only.
The last column is the load average after the row (the machine may be shared). A command
that exceeds ``--timeout`` is stopped (its whole process group) and shown as ``>T``.
``--table FILE`` prints the table of an earlier ``--json FILE`` again. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

DEFAULT_SIZES = (25, 50, 100, 200, 400, 800)
QUICK_SIZES = (25, 50, 100)
COLUMNS = ("generate", "no-op", "validate", "check")

_WRAPPER = (
    "import os, resource, signal, subprocess, sys\n"
    "timeout = float(sys.argv[1]) or None\n"
    "child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)\n"
    "try:\n"
    "    code, timed_out = child.wait(timeout=timeout), False\n"
    "except subprocess.TimeoutExpired:\n"
    "    os.killpg(child.pid, signal.SIGKILL)\n"
    "    child.wait()\n"
    "    code, timed_out = 124, True\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, timed_out)\n"
    "sys.exit(code)\n"
)


# --------------------------------------------------------------------------- the document


def _resource_paths(i: int) -> dict[str, object]:
    name = f"Item{i:04d}"
    plural = f"items{i:04d}"
    ref = {"$ref": f"#/components/schemas/{name}"}
    input_ref = {"$ref": f"#/components/schemas/{name}Input"}
    not_found = {"$ref": "#/components/responses/NotFound"}
    item_id = {
        "name": "itemId",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
    tag = [f"Resource {i:04d}"]
    return {
        f"/{plural}": {
            "get": {
                "operationId": f"list{name}s",
                "summary": f"List {plural}",
                "tags": tag,
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"$ref": "#/components/schemas/Status"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The items",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": ref}}
                        },
                    }
                },
            },
            "post": {
                "operationId": f"create{name}",
                "summary": f"Create one of {plural}",
                "tags": tag,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": input_ref}},
                },
                "responses": {
                    "201": {
                        "description": "Created",
                        "content": {"application/json": {"schema": ref}},
                    },
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            },
        },
        f"/{plural}/{{itemId}}": {
            "parameters": [item_id],
            "get": {
                "operationId": f"get{name}",
                "summary": f"Read one of {plural}",
                "tags": tag,
                "responses": {
                    "200": {
                        "description": "The item",
                        "content": {"application/json": {"schema": ref}},
                    },
                    "404": not_found,
                },
            },
            "put": {
                "operationId": f"replace{name}",
                "summary": f"Replace one of {plural}",
                "tags": tag,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": input_ref}},
                },
                "responses": {
                    "200": {
                        "description": "Replaced",
                        "content": {"application/json": {"schema": ref}},
                    },
                    "404": not_found,
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            },
            "delete": {
                "operationId": f"delete{name}",
                "summary": f"Delete one of {plural}",
                "tags": tag,
                "responses": {"204": {"description": "Deleted"}, "404": not_found},
            },
        },
    }


def _resource_schemas(i: int) -> dict[str, object]:
    name = f"Item{i:04d}"
    fields: dict[str, object] = {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "price": {"type": "number", "minimum": 0},
        "quantity": {"type": "integer", "minimum": 0, "default": 0},
        "status": {"$ref": "#/components/schemas/Status"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
        "note": {"type": ["string", "null"]},
    }
    return {
        f"{name}Input": {"type": "object", "required": ["name", "price"], "properties": fields},
        name: {
            "type": "object",
            "required": ["id", "name", "price"],
            "properties": {"id": {"type": "integer", "readOnly": True}, **fields},
        },
    }


def _string(max_length: int = 5000) -> dict[str, object]:
    return {"type": "string", "maxLength": max_length}


def _expandable(targets: list[str], description: str) -> dict[str, object]:
    refs = [{"$ref": f"#/components/schemas/{t}"} for t in targets]
    return {
        "anyOf": [_string(), *refs],
        "description": description,
        "nullable": True,
        "x-expansionResources": {"oneOf": refs},
    }


def _linked_schemas(i: int, n: int, cluster: int) -> dict[str, object]:
    name = f"res{i:04d}"
    if cluster:
        base = i - i % cluster
        nxt, own = base + (i + 1 - base) % cluster, base + (3 * i + 1 - base) % cluster
        child_cluster = 2 * (i // cluster) + 1 + i % 2
        kid = child_cluster * cluster if child_cluster * cluster < n else base
        nxt, own = min(nxt, n - 1), min(own, n - 1)
    else:
        nxt, own, kid = (i + 1) % n, (3 * i + 1) % n, (i + 7) % n
    return {
        name: {
            "type": "object",
            "title": f"Resource {i}",
            "description": f"Resource number {i}.",
            "required": ["id", "object", "created", "parent", "children"],
            "properties": {
                "id": _string(),
                "object": {"type": "string", "enum": [name]},
                "created": {"type": "integer", "format": "unix-time"},
                "metadata": {
                    "type": "object",
                    "additionalProperties": _string(500),
                    "nullable": True,
                },
                "parent": _expandable([f"res{nxt:04d}"], "The parent."),
                "owner": _expandable([f"res{own:04d}", f"deleted_res{own:04d}"], "The owner."),
                "children": {
                    "type": "object",
                    "title": f"Res{i}ChildList",
                    "required": ["data", "has_more", "object", "url"],
                    "properties": {
                        "data": {
                            "type": "array",
                            "items": {"$ref": f"#/components/schemas/res{kid:04d}"},
                        },
                        "has_more": {"type": "boolean"},
                        "object": {"type": "string", "enum": ["list"]},
                        "url": _string(),
                    },
                },
            },
        },
        f"deleted_res{i:04d}": {
            "type": "object",
            "required": ["deleted", "id", "object"],
            "properties": {
                "deleted": {"type": "boolean", "enum": [True]},
                "id": _string(),
                "object": {"type": "string", "enum": [name]},
            },
        },
    }


def _linked_paths(i: int) -> dict[str, object]:
    name = f"res{i:04d}"
    ref = {"$ref": f"#/components/schemas/{name}"}

    def ok(schema: object, text: str) -> dict[str, object]:
        return {
            "200": {"description": text, "content": {"application/json": {"schema": schema}}},
            "default": {"$ref": "#/components/responses/Error"},
        }

    form = {
        "encoding": {"metadata": {"style": "deepObject", "explode": True}},
        "schema": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "description": _string(),
                "metadata": {
                    "anyOf": [
                        {"type": "object", "additionalProperties": _string(500)},
                        {"type": "string", "enum": [""]},
                    ]
                },
                "parent": _string(),
            },
        },
    }
    body = {"required": False, "content": {"application/x-www-form-urlencoded": form}}
    id_param = {"name": "id", "in": "path", "required": True, "schema": _string()}
    page = {
        "type": "object",
        "required": ["data", "has_more", "object", "url"],
        "properties": {
            "data": {"type": "array", "items": ref},
            "has_more": {"type": "boolean"},
            "object": {"type": "string", "enum": ["list"]},
            "url": _string(),
        },
    }
    deleted = {"$ref": f"#/components/schemas/deleted_res{i:04d}"}
    return {
        f"/v1/{name}": {
            "get": {
                "operationId": f"Get{name}s",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "starting_after", "in": "query", "schema": _string()},
                ],
                "responses": ok(page, "The list."),
            },
            "post": {
                "operationId": f"Post{name}s",
                "requestBody": body,
                "responses": ok(ref, "Created."),
            },
        },
        f"/v1/{name}/{{id}}": {
            "get": {
                "operationId": f"Get{name}",
                "parameters": [id_param],
                "responses": ok(ref, "One."),
            },
            "post": {
                "operationId": f"Post{name}",
                "parameters": [id_param],
                "requestBody": body,
                "responses": ok(ref, "Updated."),
            },
            "delete": {
                "operationId": f"Delete{name}",
                "parameters": [id_param],
                "responses": ok(deleted, "Deleted."),
            },
        },
    }


def synthesize_linked(resources: int, cluster: int = 0) -> str:
    """The YAML text of a document of ``resources`` linked resources (deterministic)."""
    paths: dict[str, object] = {}
    schemas: dict[str, object] = {
        "error": {"type": "object", "required": ["message"], "properties": {"message": _string()}}
    }
    for i in range(resources):
        paths.update(_linked_paths(i))
        schemas.update(_linked_schemas(i, resources, cluster))
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": f"Synthetic linked API ({resources} resources)", "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {"Error": {"description": "An error", "content": error}},
        },
    }
    return yaml.safe_dump(document, sort_keys=False, width=120)


def synthesize(resources: int) -> str:
    """The YAML text of a document with ``resources`` CRUD resources (deterministic)."""
    paths: dict[str, object] = {}
    schemas: dict[str, object] = {
        "Status": {"type": "string", "enum": ["active", "archived"]},
        "Error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
    }
    for i in range(resources):
        paths.update(_resource_paths(i))
        schemas.update(_resource_schemas(i))
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    document = {
        "openapi": "3.1.0",
        "info": {"title": f"Synthetic CRUD API ({resources} resources)", "version": "1.0.0"},
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                "NotFound": {"description": "No such item", **error},
                "Invalid": {"description": "The request is not valid", **error},
            },
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        },
    }
    return yaml.safe_dump(document, sort_keys=False, width=120)


# --------------------------------------------------------------------------- measuring


def timed(cmd: list[str], timeout: float) -> tuple[float, float, int, bool]:
    """Wall seconds, peak RSS in MiB of any process of that command's tree, exit code, timed out."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(timeout), *cmd],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    last = proc.stdout.strip().splitlines()[-1:] or ["0 False"]
    peak_kib, timed_out = last[0].split()
    return elapsed, int(peak_kib) / 1024, proc.returncode, timed_out == "True"


def slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(seconds) over log(size)."""
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(s, 1e-6)) for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else None


def measure(
    size: int, work: Path, timeout: float, shape: str = "crud", cluster: int = 0
) -> dict[str, object]:
    spec = work / f"{shape}_{size}.yaml"
    text = synthesize(size) if shape == "crud" else synthesize_linked(size, cluster)
    spec.write_text(text, encoding="utf-8")
    out = work / f"service_{shape}_{size}"
    specfirst = [sys.executable, "-m", "specfirst"]
    commands = {
        "generate": [*specfirst, "generate", str(spec), "--out", str(out)],
        "no-op": [*specfirst, "generate", str(spec), "--out", str(out)],
        "validate": [*specfirst, "validate", str(spec), "--app", str(out)],
        "check": [*specfirst, "check", str(spec), "--out", str(out)],
    }
    row: dict[str, object] = {"size": size, "operations": 5 * size, "bytes": spec.stat().st_size}
    for column, cmd in commands.items():
        seconds, mib, code, timed_out = timed(cmd, timeout)
        row[column] = {"s": seconds, "mib": mib, "rc": code, "timeout": timed_out}
        if column == "generate" and code != 0:
            break  # nothing to regenerate, validate or check
    return row


def _cell(value: object) -> str:
    if not isinstance(value, dict):
        return "-"
    seconds = f">{value['s']:.0f}" if value["timeout"] else f"{value['s']:.2f}"
    flag = "" if value["rc"] == 0 or value["timeout"] else f" rc={value['rc']}"
    return f"{seconds} s, {value['mib']:.0f} MiB{flag}"


def print_table(rows: list[dict[str, object]]) -> None:
    print("| resources | operations | document | " + " | ".join(COLUMNS) + " | load |")
    print("|---" * (4 + len(COLUMNS)) + "|")
    for row in rows:
        kib = f"{int(row['bytes']) / 1024:.0f} KiB"  # type: ignore[call-overload]
        cells = " | ".join(_cell(row.get(c)) for c in COLUMNS)
        load = f"{row['load']:.1f}" if "load" in row else "-"
        print(f"| {row['size']} | {row['operations']} | {kib} | {cells} | {load} |")
    for label, last in (("log-log slope", len(rows)), ("slope, largest 3 sizes", 3)):
        if last < 2 or (label != "log-log slope" and len(rows) <= 3):
            continue
        slopes = []
        for column in COLUMNS:
            points = [
                (int(row["size"]), float(row[column]["s"]))  # type: ignore[index, call-overload]
                for row in rows[-last:]
                if isinstance(row.get(column), dict) and row[column]["rc"] == 0  # type: ignore[index]
            ]
            s = slope(points)
            slopes.append("-" if s is None else f"{s:.2f}")
        print(f"| {label} | | | " + " | ".join(slopes) + " | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", help="comma-separated resource counts (default: 25,50,100,200,400,800)"
    )
    parser.add_argument("--quick", action="store_true", help="25, 50 and 100 resources only")
    parser.add_argument(
        "--shape",
        choices=("crud", "linked"),
        default="crud",
        help="independent CRUD resources, or resources that refer to each other in cycles",
    )
    parser.add_argument(
        "--cluster",
        type=int,
        default=0,
        help="with --shape linked: cycles of this many resources (0: one cycle through all)",
    )
    parser.add_argument(
        "--timeout", type=float, default=0, help="stop a command after this many seconds (0: never)"
    )
    parser.add_argument(
        "--keep", help="write the documents and services here (default: a temporary folder)"
    )
    parser.add_argument("--json", help="write the measurements to this file as well")
    parser.add_argument("--table", help="only print the table of an earlier run's --json file")
    args = parser.parse_args()
    if args.table:
        print_table(json.loads(Path(args.table).read_text(encoding="utf-8")))
        return
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    )
    load = os.getloadavg()[0]
    print(f"# {os.cpu_count()} cores, load average {load:.1f} at the start", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            row = measure(size, work, args.timeout, args.shape, args.cluster)
            row["load"] = os.getloadavg()[0]
            rows.append(row)
            cells = ", ".join(f"{c} {_cell(row.get(c))}" for c in COLUMNS)
            print(f"# {size} resources: {cells} (load {row['load']:.1f})", flush=True)
            if args.json:
                Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print_table(rows)


if __name__ == "__main__":
    main()
