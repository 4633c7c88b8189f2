"""Step ``models_and_crud``: SQLAlchemy models, CRUD tables and Alembic migrations per resource.

The tables come from :mod:`specfirst.resources`. Schema changes reach existing databases
through Alembic: the step keeps ``app/migrations/history.json`` (every revision with the
tables it leaves), compares the new tables with the last revision, and appends one
revision when they differ. The service upgrades its database at startup. The rows already
stored are judged too (:mod:`specfirst.stored_rows`): a new required column gets the
property's ``default`` as its server default, a column that becomes required is filled with
it, and a change the rows may not survive is refused unless ``--force``.

When the document manages resources, one more table holds the Typesense sync outbox
(:data:`OUTBOX_COLUMNS`): every create, update and delete of a resource marks its document
there in the same transaction (``Table`` in ``app/crud/base.py``), and the sync worker
(:mod:`specfirst.steps.typesense_sync`) drains it. It is part of the migration history like
the resources' tables, so existing databases get it on their next start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from specfirst import __version__, naming
from specfirst.pytypes import py_literal
from specfirst.render import StepContext
from specfirst.resources import Binding, Column, Resource
from specfirst.stored_rows import Fill, Judgement, Rules, StorageRefusal, column_rules, judge
from specfirst.writer import OutputFile

NAME = "models_and_crud"
DESCRIPTION = "SQLAlchemy models, CRUD and migrations for the resources the spec manages"

HISTORY = "app/migrations/history.json"
RULES = "stored_values"  # the rules of the stored values, in HISTORY (see specfirst.stored_rows)
CREATED = "created_ns"  # insertion order, for listing oldest or newest first

Tables = dict[
    str, dict[str, dict[str, Any]]
]  # table -> column -> {"type", "primary_key"[, "index"]}

# The sync outbox: one row per document with a write not yet in Typesense (see app/sync/outbox.py).
OUTBOX_COLUMNS: dict[str, dict[str, Any]] = {
    "id": {"type": "Integer", "primary_key": True},
    "collection": {"type": "String", "primary_key": False},
    "document_id": {"type": "String", "primary_key": False, "index": True},
    "operation": {"type": "String", "primary_key": False},
    "created_ns": {"type": "BigInteger", "primary_key": False},
    "changed_ns": {"type": "BigInteger", "primary_key": False},
    "attempts": {"type": "Integer", "primary_key": False},
    "next_attempt_ns": {"type": "BigInteger", "primary_key": False},
    "last_attempt_ns": {"type": "BigInteger", "primary_key": False},
    "last_error": {"type": "String", "primary_key": False},
    "lease_owner": {"type": "String", "primary_key": False},
    "lease_until_ns": {"type": "BigInteger", "primary_key": False},
}


@dataclass(frozen=True)
class OutboxTable:
    """Names of the sync outbox: its table, model module and class."""

    name: str
    module: str
    model_class: str


def outbox_table(resources: list[Resource]) -> OutboxTable:
    """The outbox of the resources' writes, named apart from every resource table.

    Its model always exists (the sync package imports it); the table is created only when the
    document manages resources, and only then do writes reach it.
    """
    scope = naming.NameScope(reserved=frozenset(r.name for r in resources) | {"__init__"})
    name = scope.claim("sync_outbox")
    return OutboxTable(name=name, module=name, model_class=naming.pascal(name) + "Record")


@dataclass
class ColumnDef:
    attribute: str
    annotation: str
    arguments: str


def _sa_type(c: Column) -> str:
    if c.primary_key and c.sql_type in ("Integer", "BigInteger"):
        return 'BigInteger().with_variant(Integer(), "sqlite")'
    return f"{c.sql_type}()" if c.sql_type != "JSON" else "JSON()"


def column_defs(r: Resource) -> list[ColumnDef]:
    defs = []
    for c in r.columns:
        python = "Any" if c.python_type == "Any" else c.python_type
        if c.primary_key:
            defs.append(ColumnDef(c.py_name, python, f"{_sa_type(c)}, primary_key=True"))
        else:
            annotation = "Any" if python == "Any" else f"{python} | None"
            defs.append(ColumnDef(c.py_name, annotation, f"{_sa_type(c)}, nullable=True"))
    defs.append(ColumnDef(CREATED, "int | None", "BigInteger(), nullable=True"))
    return defs


def tables_of(resources: list[Resource]) -> Tables:
    """The tables as a plain snapshot, compared between runs to write migrations."""
    tables: Tables = {}
    for r in resources:
        columns = {c.py_name: {"type": c.sql_type, "primary_key": c.primary_key} for c in r.columns}
        columns[CREATED] = {"type": "BigInteger", "primary_key": False}
        tables[r.name] = columns
    if resources:
        outbox = outbox_table(resources)
        tables[outbox.name] = {name: dict(spec) for name, spec in OUTBOX_COLUMNS.items()}
    return tables


def _column_source(name: str, spec: dict[str, Any], default: str | None = None) -> str:
    """An ``sa.Column`` expression; ``default`` is the SQL text every existing row gets."""
    kind = spec["type"]
    if spec["primary_key"] and kind in ("Integer", "BigInteger"):
        return f'sa.Column({name!r}, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)'
    if spec["primary_key"]:
        return f"sa.Column({name!r}, sa.{kind}(), primary_key=True)"
    if default is not None:
        return (
            f"sa.Column({name!r}, sa.{kind}(), nullable=True, server_default={py_literal(default)})"
        )
    return f"sa.Column({name!r}, sa.{kind}(), nullable=True)"


def _fill_source(fill: Fill) -> str:
    """An UPDATE giving the rows with no value in a column the column's default."""
    name = py_literal(fill.column)
    table = f"sa.table({py_literal(fill.table)}, sa.column({name}, sa.{fill.sql_type}()))"
    return (
        f"op.execute({table}.update().where(sa.column({name}).is_(None))"
        f".values({{{name}: {py_literal(fill.value)}}}))"
    )


def _index_source(table: str, column: str) -> str:
    return f"op.create_index(op.f({f'ix_{table}_{column}'!r}), {table!r}, [{column!r}])"


def migration_ops(
    old: Tables, new: Tables, rows: Judgement | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Upgrade lines, downgrade lines and a short description of the changes; ``rows`` says
    what the rows already stored get (a new column's server default, fills)."""
    rows = rows if rows is not None else Judgement()
    up: list[str] = []
    down: list[str] = []
    notes: list[str] = []
    for table, columns in new.items():
        if table not in old:
            cols = ", ".join(_column_source(n, c) for n, c in columns.items())
            up.append(f"op.create_table({table!r}, {cols})")
            up.extend(_index_source(table, n) for n, c in columns.items() if c.get("index"))
            down.insert(0, f"op.drop_table({table!r})")
            notes.append(f"create table {table}")
            continue
        before = old[table]
        added = [n for n in columns if n not in before]
        dropped = [n for n in before if n not in columns]
        changed = [n for n in columns if n in before and before[n]["type"] != columns[n]["type"]]
        fills = [f for f in rows.fills if f.table == table]
        if not (added or dropped or changed):
            up.extend(_fill_source(f) for f in fills)
            notes.extend(f"{table}: fill {f.column}" for f in fills)
            continue
        up.append(f"with op.batch_alter_table({table!r}) as batch:")
        down.insert(0, f"with op.batch_alter_table({table!r}) as batch:")
        undo: list[str] = []
        defaults = rows.server_defaults.get(table, {})
        for n in added:
            up.append(f"    batch.add_column({_column_source(n, columns[n], defaults.get(n))})")
            undo.append(f"    batch.drop_column({n!r})")
            notes.append(f"{table}: add column {n}")
        for n in dropped:
            up.append(f"    batch.drop_column({n!r})")
            undo.append(f"    batch.add_column({_column_source(n, before[n])})")
            notes.append(f"{table}: drop column {n}")
        for n in changed:
            up.append(f"    batch.alter_column({n!r}, type_=sa.{columns[n]['type']}())")
            undo.append(f"    batch.alter_column({n!r}, type_=sa.{before[n]['type']}())")
            notes.append(f"{table}: {n} becomes {columns[n]['type']}")
        down[1:1] = undo
        up.extend(_index_source(table, n) for n in added if columns[n].get("index"))
        up.extend(_fill_source(f) for f in fills)
        notes.extend(f"{table}: fill {f.column}" for f in fills)
    for table, columns in old.items():
        if table not in new:
            up.append(f"op.drop_table({table!r})")
            cols = ", ".join(_column_source(n, c) for n, c in columns.items())
            down.insert(0, f"op.create_table({table!r}, {cols})")
            notes.append(f"drop table {table}")
    return up, down, notes


def history(
    ctx: StepContext, tables: Tables, resources: list[Resource]
) -> tuple[list[dict[str, Any]], Rules]:
    """The previous revisions, plus one when the tables changed or stored rows need filling,
    and the rules the stored values obey from now on.

    Raises `StorageRefusal` (unless ``ctx.force``) for a change that rows already stored may
    not survive (see `specfirst.stored_rows`); what the migration does about the rows goes
    to ``ctx.notes``.
    """
    raw = ctx.previous(HISTORY)
    previous = json.loads(raw) if raw else {}
    revisions: list[dict[str, Any]] = previous.get("revisions", [])
    last: Tables = revisions[-1]["tables"] if revisions else {}
    rows = judge(last, previous.get(RULES), tables, resources, force=ctx.force)
    if rows.refused:
        raise StorageRefusal.unplaced(rows.refused)
    up, down, notes = migration_ops(last, tables, rows)
    if up:
        revisions.append(
            {
                "revision": f"{len(revisions) + 1:04d}",
                "down_revision": revisions[-1]["revision"] if revisions else None,
                "message": "; ".join(notes),
                "upgrade": up,
                "downgrade": down,
                "tables": tables,
            }
        )
    where = f"migration {revisions[-1]['revision']}" if up else "no migration"
    ctx.notes.extend(f"{where}: {line}" for line in rows.notes)
    return revisions, column_rules(resources)


def generate(ctx: StepContext) -> list[OutputFile]:
    resources = ctx.plan.resources
    outbox = outbox_table(resources)
    files: list[OutputFile] = [
        ctx.render(
            "app/models/__init__.py.j2",
            "app/models/__init__.py",
            header=ctx.header("Database tables of the resources the API manages."),
            resources=resources,
            outbox=outbox,
        ),
        ctx.render(
            "app/core/db.py.j2",
            "app/core/db.py",
            header=ctx.header("The database: engine, sessions and migrations at startup."),
            database_name=naming.module_name(ctx.api.info.get("title") or "service"),
        ),
        ctx.render(
            "app/crud/base.py.j2",
            "app/crud/base.py",
            header=ctx.header("Generic CRUD over one table."),
            synced=bool(resources),
        ),
        ctx.render(
            "app/package.py.j2", "app/crud/__init__.py", header=ctx.header("CRUD per resource.")
        ),
        ctx.render(
            "app/crud/paging.py.j2",
            "app/crud/paging.py",
            header=ctx.header("List answers: pages, cursors, envelopes and response headers."),
        ),
        ctx.render(
            "app/migrations/env.py.j2",
            "app/migrations/env.py",
            header=ctx.header("Alembic environment."),
        ),
    ]
    files.append(
        ctx.render(
            "app/models/outbox.py.j2",
            f"app/models/{outbox.module}.py",
            header=ctx.header(
                "The Typesense sync outbox: documents whose last write is not in Typesense yet."
            ),
            outbox=outbox,
        )
    )
    for r in resources:
        description = (
            r.schema.annotations.get("description") or r.schema.component or r.name
        ).strip()
        files.append(
            ctx.render(
                "app/models/model.py.j2",
                f"app/models/{r.module}.py",
                header=ctx.header("The table of one resource."),
                r=_ResourceView(r, description.splitlines()[0]),
                columns=column_defs(r),
                synced=True,
            )
        )
        columns = {c.name: c.py_name for c in r.columns}
        answers = answer_declarations(r)
        defined = {s.py_name for s in ctx.api.schemas}
        files.append(
            ctx.render(
                "app/crud/module.py.j2",
                f"app/crud/{r.module}.py",
                header=ctx.header("CRUD for one resource."),
                r=_ResourceView(r, ""),
                columns=repr(columns),
                server_values=repr(r.server_values),
                answers=[s.py_name for s in r.answer_schemas if s.py_name in defined],
                keep_null=repr(r.keep_null),
                answer_vars=answers,
                paging_names=sorted({name for _, args in answers for name in _paging_names(args)}),
            )
        )
    revisions, rules = history(ctx, tables_of(resources), resources)
    for rev in revisions:
        files.append(
            ctx.render(
                "app/migrations/revision.py.j2",
                f"app/migrations/versions/{rev['revision']}_{naming.snake(rev['message'])[:40]}.py",
                message=rev["message"],
                revision=rev["revision"],
                down_revision=rev["down_revision"],
                upgrade=rev["upgrade"],
                downgrade=rev["downgrade"],
                version=__version__,
                spec_name=ctx.spec_name,
            )
        )
    files.append(
        OutputFile(
            path=HISTORY,
            content=json.dumps({"revisions": revisions, RULES: rules}, indent=2) + "\n",
        )
    )
    return files


def answer_variable(b: Binding) -> str:
    """The name of the variable (in ``app/crud/<module>.py``) that shapes one operation's answer."""
    return naming.snake(b.operation.py_name) + ("_answer" if b.answer == "list" else "_headers")


def _headers_source(b: Binding) -> str | None:
    recipe = b.headers.headers if b.headers is not None else {}
    if not recipe:
        return None
    location = (
        b.resource.item_path if any(h["source"] == "location" for h in recipe.values()) else None
    )
    extra = f", location={py_literal(location)}" if location is not None else ""
    return f"Headers({py_literal(recipe)}{extra})"


# what an answer can only say after counting every matching item
_COUNTED = frozenset({"total", "pages", "last_link", "link_header"})


def _paging_names(args: list[str]) -> list[str]:
    """The names of app/crud/paging.py a declaration uses."""
    names = ["ListAnswer"] if args and args[0].startswith("table=") else []
    return names + [name for name in ("Paging", "Headers") if any(name + "(" in a for a in args)]


def answer_declarations(r: Resource) -> list[tuple[str, list[str]]]:
    """(variable, keyword arguments) of the ListAnswer or Headers each operation answers with."""
    found: list[tuple[str, list[str]]] = []
    table = naming.snake(r.name) + "_table"
    for b in r.operations:
        headers = _headers_source(b)
        if b.answer != "list":
            if headers is not None:
                found.append((answer_variable(b), [headers]))
            continue
        assert b.envelope is not None
        args = [f"table={table}", f"body={py_literal(b.envelope.body)}"]
        roles = {
            "limit": b.limit_param,
            "offset": b.offset_param,
            "page": b.page_param,
            "after": b.after_param,
            "before": b.before_param,
        }
        paging = [f"{role}={py_literal(p.name)}" for role, p in roles.items() if p is not None]
        if b.page_param is not None:
            paging += [f"page_base={b.page_base}", f"default_size={b.default_size}"]
        if paging:
            args.append(f"paging=Paging({', '.join(paging)})")
        if headers is not None:
            args.append(f"headers={headers}")
        if b.newest_first:
            args.append("newest_first=True")
        header_sources = (
            {h["source"] for h in b.headers.headers.values()} if b.headers is not None else set()
        )
        if not (b.envelope.sources | header_sources) & _COUNTED:
            args.append("counts=False")
        found.append((answer_variable(b), args))
    return found


class _ResourceView:
    """A resource as templates see it: its fields plus a one-line description and variable name."""

    def __init__(self, resource: Resource, description: str) -> None:
        self._r = resource
        self.description = description
        self.table_var = naming.snake(resource.name) + "_table"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._r, name)
