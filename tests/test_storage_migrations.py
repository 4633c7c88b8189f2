"""What a spec edit does to the rows a generated service already stored, over a real SQLite file.

A small document of our own (a ``books`` resource) is generated, its app started in-process
(TestClient) on an SQLite file and rows written; then the document is edited and generated
again into the same folder:

- a required property added with a ``default`` (and an optional one made required, with a
  default): the new revision gives the column a server default and fills the rows that have
  none, so the rows written before read back with the default, in the database itself too;
- the same without a default, or a change that stored values may break (an enum losing a
  value, a tighter ``maxLength``, a narrower type): refused with exit 1, a located message
  naming the property, its schema and the choices, and the tree left byte for byte as it was;
  ``--force`` goes through and says what the migration does, and the forced revision runs;
- the repo's own spec (``openapi3_1.yml``, from a copy of ``service/``): a required property
  with a default added to the registry entries keeps the entries registered before;
- the bundled source kept in the tree (``.specfirst/source.json``): one JSON document for a
  multi-file source, read back by ``previous_source`` after the user's files changed, and a
  regeneration with nothing changed still answered from the manifest.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, importable_service
from e2e_server import copy_service
from fastapi.testclient import TestClient
from test_noop_regenerate import NOTE as PARTS_NOTE
from test_noop_regenerate import ROOT as PARTS_ROOT

from specfirst import loader
from specfirst.bundled import SOURCE_COPY, previous_source
from specfirst.cli import main
from specfirst.pipeline import generate
from specfirst.writer import MANIFEST_NAME

KEYS = {"API_KEY_AUTH_KEYS": "user-key", "ADMIN_API_KEY_AUTH_KEYS": "admin-key"}
BOOK_REF = {"$ref": "#/components/schemas/Book"}
ERROR = {
    "description": "refused",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _json(schema: dict[str, Any], description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Shelf", "version": "1.0.0"},
    "paths": {
        "/books": {
            "get": {
                "operationId": "listBooks",
                "responses": {"200": _json({"type": "array", "items": BOOK_REF})},
            },
            "post": {
                "operationId": "createBook",
                "requestBody": {"required": True, "content": {"application/json": {"schema": BOOK_REF}}},
                "responses": {"201": _json(BOOK_REF), "400": ERROR},
            },
        },
        "/books/{bookId}": {
            "get": {
                "operationId": "getBook",
                "parameters": [{"name": "bookId", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": _json(BOOK_REF), "404": ERROR},
            }
        },
    },
    "components": {
        "schemas": {
            "Book": {
                "type": "object",
                "required": ["id", "title", "format"],
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string", "maxLength": 200},
                    "format": {"type": "string", "enum": ["paper", "ebook", "audio"]},
                    "author": {"type": "string"},
                    "pages": {"type": "number"},
                },
            },
            "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
        }
    },
}  # fmt: skip


def book(spec: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = spec["components"]["schemas"]["Book"]
    return schema


def write(path: Path, spec: dict[str, Any]) -> Path:
    path.write_text(json.dumps(spec, indent=2))
    return path


def run(spec: Path, out: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["generate", str(spec), "--out", str(out), *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@contextlib.contextmanager
def serve(out: Path, database: Path, keys: dict[str, str] | None = None) -> Iterator[TestClient]:
    """The app of a generated tree on an SQLite file (migrated at startup)."""
    with importable_service(out):
        from app.core.config import Settings
        from app.core.db import Database
        from app.main import create_app

        db = Database(f"sqlite:///{database}")
        try:
            with TestClient(create_app(Settings.from_env(keys or {}), database=db)) as client:
                yield client
        finally:
            db.close()


@pytest.fixture(scope="module")
def first_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first generation of SPEC (copied by each test that edits it)."""
    root = tmp_path_factory.mktemp("first")
    spec = write(root / "shelf.json", SPEC)
    generate(spec, root / "out", check=True)
    return root


def fresh(first_tree: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the first generation and its document in tmp_path: (spec, out)."""
    shutil.copytree(first_tree / "out", tmp_path / "out")
    shutil.copy(first_tree / "shelf.json", tmp_path / "shelf.json")
    return tmp_path / "shelf.json", tmp_path / "out"


def test_a_required_property_with_a_default_keeps_the_stored_rows(
    first_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = fresh(first_tree, tmp_path)
    database = tmp_path / "shelf.db"
    with serve(out, database) as client:
        for body in (
            {"id": 1, "title": "Dune", "format": "paper", "author": "Herbert"},
            {"id": 2, "title": "Emma", "format": "ebook"},
        ):
            assert client.post("/books", json=body).status_code == 201

    edited = copy.deepcopy(SPEC)
    schema = book(edited)
    schema["properties"]["shelf"] = {"type": "string", "default": "it's new"}
    schema["properties"]["copies"] = {"type": "integer", "default": 1}
    schema["properties"]["author"]["default"] = "anonymous"
    schema["required"] += ["shelf", "copies", "author"]
    code, output = run(write(spec, edited), out, capsys=capsys)
    assert code == 0, output
    assert 'new required column; existing rows get its default "it\'s new"' in output
    assert (
        "'author' (table books, column author): becomes required; existing rows without it"
        in output
    )

    with serve(out, database) as client:
        assert client.get("/books/1").json() == {
            "id": 1, "title": "Dune", "format": "paper", "author": "Herbert", "shelf": "it's new", "copies": 1,
        }  # fmt: skip
        assert client.get("/books/2").json()["author"] == "anonymous"
        created = client.post(
            "/books",
            json={
                "id": 3,
                "title": "Ulysses",
                "format": "audio",
                "author": "J",
                "shelf": "b",
                "copies": 4,
            },
        )
        assert created.status_code == 201, created.text
    with sqlite3.connect(database) as db:  # the rows hold the defaults, not only the answers
        rows = db.execute("SELECT id, shelf, copies, author FROM books ORDER BY id").fetchall()
    assert rows == [
        (1, "it's new", 1, "Herbert"),
        (2, "it's new", 1, "anonymous"),
        (3, "b", 4, "J"),
    ]


def test_a_forced_change_migrates_the_stored_rows_as_it_says(
    first_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = fresh(first_tree, tmp_path)
    database = tmp_path / "shelf.db"
    with serve(out, database) as client:
        for body in (
            {"id": 1, "title": "Dune", "format": "paper", "pages": 412.0},
            {"id": 2, "title": "Emma", "format": "audio", "pages": 99.5},
        ):
            assert client.post("/books", json=body).status_code == 201

    edited = copy.deepcopy(SPEC)
    schema = book(edited)
    schema["properties"]["shelf"] = {"type": "string"}
    schema["required"].append("shelf")
    schema["properties"]["pages"]["type"] = "integer"
    write(spec, edited)
    assert run(spec, out, capsys=capsys)[0] == 1
    code, output = run(spec, out, "--force", capsys=capsys)
    assert code == 0, output
    assert "forced: the column is added empty (NULL) in existing rows" in output
    assert "forced: the column is altered to Integer" in output

    with serve(out, database) as client:  # the forced revision runs on the stored rows
        created = client.post(
            "/books",
            json={"id": 3, "title": "Ulysses", "format": "ebook", "shelf": "a", "pages": 7},
        )
        assert created.status_code == 201, created.text
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT id, title, shelf, pages FROM books ORDER BY id").fetchall()
        declared = {row[1]: row[2] for row in db.execute("PRAGMA table_info(books)")}
    assert rows == [(1, "Dune", None, 412), (2, "Emma", None, 99), (3, "Ulysses", "a", 7)]
    assert declared["pages"] == "INTEGER"


def test_the_golden_service_keeps_its_registry_when_a_required_property_is_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The repo's own spec: a registered service reads back with the new property's default."""
    out = copy_service(REPO / "service", tmp_path / "service")
    spec = tmp_path / "openapi3_1.yml"
    shutil.copy(REPO / "openapi3_1.yml", spec)
    database = tmp_path / "ensemble.db"
    entry = {"id": "a", "name": "A", "description": "d", "openapi_url": "http://localhost/a.json"}
    admin = {"X-ADMIN-API-KEY": "admin-key"}
    with serve(out, database, KEYS) as client:
        assert client.post("/services/register", json=entry, headers=admin).status_code == 201

    text = spec.read_text()
    response = "    ServiceResponse:\n      type: object\n      properties:\n"
    assert response in text
    status = "        status: {type: string, enum: [active, retired], default: active}\n"
    spec.write_text(
        text.replace(
            response,
            "    ServiceResponse:\n      type: object\n      required: [status]\n      properties:\n"
            + status,
        )
    )
    code, output = run(spec, out, capsys=capsys)
    assert code == 0, output
    assert 'existing rows get its default "active"' in output

    with serve(out, database, KEYS) as client:
        listed = client.get("/services", headers={"X-API-KEY": "user-key"})
        assert listed.status_code == 200, listed.text
        assert listed.json()["services"] == [{**entry, "status": "active"}]


def refused_edits() -> dict[str, tuple[Callable[[dict[str, Any]], None], str, str]]:
    """edit, the property's pointer, a phrase of the refusal."""

    def no_default(schema: dict[str, Any]) -> None:
        schema["properties"]["shelf"] = {"type": "string"}
        schema["required"].append("shelf")

    def made_required(schema: dict[str, Any]) -> None:
        schema["required"].append("author")

    def enum_loses(schema: dict[str, Any]) -> None:
        schema["properties"]["format"]["enum"] = ["paper", "ebook"]

    def shorter(schema: dict[str, Any]) -> None:
        schema["properties"]["title"]["maxLength"] = 20

    def narrower(schema: dict[str, Any]) -> None:
        schema["properties"]["pages"]["type"] = "integer"

    base = "/components/schemas/Book/properties/"
    return {
        "new required without default": (no_default, base + "shelf", "is new and required and has no default"),
        "optional made required": (made_required, base + "author", "becomes required and has no default"),
        "enum loses a value": (enum_loses, base + "format", 'its enum loses "audio"'),
        "tighter maxLength": (shorter, base + "title", "maxLength tightens to 20 (was 200)"),
        "narrower type": (narrower, base + "pages", "column type narrows from Float to Integer"),
    }  # fmt: skip


@pytest.mark.parametrize("case", list(refused_edits()))
def test_a_change_stored_rows_may_not_survive_is_refused_and_writes_nothing(
    case: str, first_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit, pointer, phrase = refused_edits()[case]
    spec, out = fresh(first_tree, tmp_path)
    edited = copy.deepcopy(SPEC)
    edit(book(edited))
    write(spec, edited)
    before = snapshot(out)
    code, output = run(spec, out, capsys=capsys)
    assert code == 1, output
    assert "Traceback" not in output
    line = next(line for line in output.splitlines() if pointer in line)
    assert re.match(rf"{re.escape(str(spec))}:\d+:\d+: {pointer}: ", line), line  # located
    assert phrase in line
    assert "--force" in line
    if "required" in phrase:
        assert "add a `default`" in line and "make it optional" in line
    else:
        assert "keep accepting the values stored so far" in line
    assert snapshot(out) == before

    code, output = run(spec, out, "--force", capsys=capsys)
    assert code == 0, output
    assert "forced:" in output
    history = json.loads((out / "app/migrations/history.json").read_text())
    assert history["stored_values"]["books"]  # the new rules are what the next edit is judged by
    assert run(spec, out, capsys=capsys)[0] == 0  # judged once: the next run is not refused


def test_check_reports_a_refused_storage_change(
    first_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = fresh(first_tree, tmp_path)
    edited = copy.deepcopy(SPEC)
    book(edited)["properties"]["format"]["enum"] = ["paper"]
    write(spec, edited)
    capsys.readouterr()
    assert main(["check", str(spec), "--out", str(out)]) == 1
    assert 'its enum loses "ebook", "audio"' in capsys.readouterr().err


def test_the_bundled_source_is_kept_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "note.yml").write_text(PARTS_NOTE)
    spec = tmp_path / "notes.yml"
    spec.write_text(PARTS_ROOT)
    out = tmp_path / "out"
    generate(spec, out)

    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert SOURCE_COPY in manifest["files"]
    text = (out / SOURCE_COPY).read_text()
    bundled = loader.load_spec(spec).document
    assert json.loads(text) == bundled
    assert text == json.dumps(bundled, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "parts/note.yml" not in text  # one document: the external file is copied in
    assert previous_source(out) == bundled

    # the user's files change: the copy still says what the tree was generated from
    (tmp_path / "parts" / "note.yml").write_text(PARTS_NOTE.replace("[text]", "[]"))
    assert previous_source(out) == bundled
    assert main(["check", str(spec), "--out", str(out)]) == 1  # stale, as before
    (tmp_path / "parts" / "note.yml").write_text(PARTS_NOTE)

    # nothing changed: answered from the manifest, the loader is never called
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the document was parsed again")

    monkeypatch.setattr(loader, "load_spec", refuse)
    assert generate(spec, out).written == []
    monkeypatch.undo()

    # a hand-edited copy is not trusted (and the next generation refuses to overwrite it)
    (out / SOURCE_COPY).write_text(text.replace('"text"', '"other"'))
    assert previous_source(out) is None
    capsys.readouterr()
    assert main(["generate", str(spec), "--out", str(out)]) == 2
    assert SOURCE_COPY in capsys.readouterr().err
    assert previous_source(tmp_path / "nowhere") is None
