"""Edit the spec of a running service, regenerate, restart: code and data stay, the new parts work.

A small spec of our own (a ``books`` resource with CRUD, plus one handler operation) is
generated into tmp_path, its handler filled in and data written through the server; then the
spec grows (a property, an operation), shrinks (an operation), and each time the service is
regenerated and served again over real HTTP (tests/e2e_server.py).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
from e2e_server import Server, generate

ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
BOOK = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Book"}}}}
BOOKS = {
    "content": {
        "application/json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Book"}}
        }
    }
}
BOOK_ID = {"name": "bookId", "in": "path", "required": True, "schema": {"type": "integer"}}
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Library", "version": "1.0.0"},
    "paths": {
        "/books": {
            "get": {"operationId": "listBooks", "tags": ["books"], "responses": {"200": {"description": "All books", **BOOKS}}},
            "post": {
                "operationId": "createBook", "tags": ["books"], "requestBody": {"required": True, **BOOK},
                "responses": {"201": {"description": "Created", **BOOK}, "400": {"description": "Invalid", **ERROR}},
            },
        },
        "/books/{bookId}": {
            "parameters": [BOOK_ID],
            "get": {"operationId": "getBook", "tags": ["books"], "responses": {"200": {"description": "The book", **BOOK}, "404": {"description": "No such book", **ERROR}}},
            "put": {
                "operationId": "updateBook", "tags": ["books"], "requestBody": {"required": True, **BOOK},
                "responses": {"200": {"description": "Updated", **BOOK}, "404": {"description": "No such book", **ERROR}},
            },
            "delete": {"operationId": "deleteBook", "tags": ["books"], "responses": {"204": {"description": "Deleted"}, "404": {"description": "No such book", **ERROR}}},
        },
        "/books/{bookId}/summary": {
            "get": {
                "operationId": "summarizeBook", "tags": ["books"], "parameters": [BOOK_ID],
                "responses": {
                    "200": {"description": "One line about the book", "content": {"application/json": {"schema": {"type": "object", "properties": {"summary": {"type": "string"}}}}}},
                    "404": {"description": "No such book", **ERROR},
                    "501": {"description": "Not implemented yet", **ERROR},
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Book": {
                "type": "object", "required": ["id", "title", "author"],
                "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "author": {"type": "string"}},
            },
            "Error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
        }
    },
}  # fmt: skip

SUMMARY_CODE = """    from app.crud.base import NotFound
    from app.crud.books import books_table

    try:
        book = books_table.read(ctx.db, book_id)
    except NotFound:
        raise ctx.error(404, "not_found", f"no book {book_id}") from None
    return {"summary": f"{book['title']} by {book['author']}"}
"""

RELATED_CODE = """    from app.crud.books import books_table

    book = books_table.read(ctx.db, book_id)
    return [b for b in books_table.list_items(ctx.db) if b["author"] == book["author"] and b["id"] != book_id]
"""


def write_spec(path: Path, spec: dict[str, Any]) -> Path:
    path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    return path


def implement(module: Path, function: str, code: str) -> None:
    """Replace the ``raise NotImplementedError`` of ``function``'s stub with ``code``."""
    text = module.read_text(encoding="utf-8")
    start = text.index(f"def {function}(")
    stub = text.index("    raise NotImplementedError\n", start)
    module.write_text(
        text[:stub] + code + text[stub + len("    raise NotImplementedError\n") :], encoding="utf-8"
    )


def test_regenerate_keeps_code_and_data_and_adds_the_new_parts(tmp_path: Path) -> None:
    spec, out, db = tmp_path / "library.json", tmp_path / "library", tmp_path / "library.db"
    generate(write_spec(spec, SPEC), out)
    handlers = out / "app" / "handlers" / "books.py"
    versions = out / "app" / "migrations" / "versions"
    implement(handlers, "summarize_book", SUMMARY_CODE)
    filled = handlers.read_bytes()
    first_revisions = {p.name for p in versions.glob("*.py")}

    with Server(out, {}, db) as server, httpx.Client(base_url=server.url) as c:
        created = c.post("/books", json={"id": 1, "title": "Dune", "author": "Herbert"})
        assert created.status_code == 201, created.text
        dune = created.json()
        assert c.get(f"/books/{dune['id']}/summary").json() == {"summary": "Dune by Herbert"}
        assert c.get("/books/999/summary").json() == {"code": "not_found", "message": "no book 999"}

    # the spec grows: a property of the resource, and an operation with a new operationId
    grown = copy.deepcopy(SPEC)
    grown["components"]["schemas"]["Book"]["properties"]["year"] = {"type": "integer"}
    grown["paths"]["/books/{bookId}/related"] = {
        "get": {
            "operationId": "relatedBooks", "tags": ["books"], "parameters": [BOOK_ID],
            "responses": {"200": {"description": "Books by the same author", **BOOKS}, "501": {"description": "Not implemented yet", **ERROR}},
        }
    }  # fmt: skip
    output = generate(write_spec(spec, grown), out)
    assert "handlers added: app/handlers/books.py: +related_books" in output, output
    after = handlers.read_bytes()
    assert after.startswith(filled), "the filled-in handler module was changed"
    assert (
        b"def related_books(" in after[len(filled) :]
        and b"raise NotImplementedError" in after[len(filled) :]
    )
    new_revisions = {p.name for p in versions.glob("*.py")} - first_revisions
    assert len(new_revisions) == 1, new_revisions
    assert "year" in (versions / new_revisions.pop()).read_text(encoding="utf-8")

    with Server(out, {}, db) as server, httpx.Client(base_url=server.url) as c:  # upgrades the DB
        assert c.get(f"/books/{dune['id']}").json() == dune  # written before the edit
        assert c.get(f"/books/{dune['id']}/summary").json() == {"summary": "Dune by Herbert"}
        dated = {**dune, "year": 1965}
        assert c.put(f"/books/{dune['id']}", json=dated).json() == dated
        assert c.get(f"/books/{dune['id']}").json() == dated
        messiah = c.post(
            "/books", json={"id": 2, "title": "Dune Messiah", "author": "Herbert", "year": 1969}
        ).json()
        assert messiah["year"] == 1969
        pending = c.get(f"/books/{dune['id']}/related")
        assert pending.status_code == 501
        assert pending.json() == {
            "code": "not_implemented",
            "message": "operation relatedBooks is not implemented yet",
        }

        implement(handlers, "related_books", RELATED_CODE)
        server.restart()
        assert c.get(f"/books/{dune['id']}/related").json() == [messiah]

    # the spec shrinks: the handler of the removed operation is reported, and kept
    shrunk = copy.deepcopy(grown)
    del shrunk["paths"]["/books/{bookId}/summary"]
    implemented = handlers.read_bytes()
    output = generate(write_spec(spec, shrunk), out)
    assert "orphaned handler: app/handlers/books.py: summarize_book" in output, output
    assert handlers.read_bytes() == implemented
    with Server(out, {}, db) as server, httpx.Client(base_url=server.url) as c:
        assert c.get(f"/books/{dune['id']}/summary").status_code == 404  # the route is gone
        assert c.get(f"/books/{dune['id']}/related").json() == [messiah]
