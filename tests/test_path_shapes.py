"""Path parameters FastAPI cannot take by itself, and parameter names that collide.

- An array or an object in a path segment is read in its style (simple, label, matrix;
  exploded or not) and validated with its declared type; so is a scalar in the label or
  matrix style, or one carrying vendor extensions (published as written).
- A header parameter named like a path variable keeps its own name apart (FastAPI takes any
  argument named like a template variable for the path parameter, and refused to import).
- A path variable that is not a Python identifier (``{thing-id}``, ``{part.no}``) is routed:
  Starlette names only identifiers, and took any other for literal text (every request 404).
  A value holding an encoded slash (``a%2Fb``) is routed too: it stays inside its segment.
- An allOf naming one component twice, or a component and its own subclass, gives a class
  that imports (one base each, in an order Python can resolve).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import importable_service
from fastapi.testclient import TestClient

from specfirst.pipeline import generate

SPEC = Path(__file__).resolve().parent / "specs" / "path_shapes.yml"

HANDLERS = """
from typing import Any


def _echo(**values: Any) -> dict[str, Any]:
    return {k: v.model_dump() if hasattr(v, "model_dump") else v for k, v in values.items()}


def simple_array(ctx, **values):
    return _echo(**values)


def label_array(ctx, **values):
    return _echo(**values)


def matrix_object(ctx, **values):
    return _echo(**values)


def simple_object(ctx, **values):
    return _echo(**values)


def get_part(ctx, **values):
    return {"found": values}


def search_parts(ctx, **values):
    return {"searched": values}


def get_sets(ctx, **values):
    return _echo(**values)


def get_tagged(ctx, **values):
    return _echo(**values)


def get_marked(ctx, **values):
    return _echo(**values)


def same_names(ctx, **values):
    found = {"name": values["dataset"], "label": values["version"], "tag": values.get("version_2")}
    return {k: v for k, v in found.items() if v is not None}
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("path-shapes") / "service"
    generate(SPEC, out, check=True)  # the child interpreter imports the app: exit 0 path
    (out / "app" / "handlers" / "default.py").write_text(HANDLERS)
    return out


@pytest.fixture(scope="module")
def client(service: Path) -> Iterator[TestClient]:
    out = service
    with importable_service(out):
        from app.main import create_app

        with TestClient(create_app(), raise_server_exceptions=False) as test_client:
            yield test_client


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/simple/3,4,5", {"ids": [3, 4, 5]}),
        ("/simple/7", {"ids": [7]}),
        ("/label/.a.b.c", {"ids": ["a", "b", "c"]}),
        ("/label/.a", {"ids": ["a"]}),
        ("/matrix/;x=1;y=2", {"point": {"x": 1, "y": 2}}),
        ("/pairs/x,1,y,2", {"point": {"x": 1, "y": 2}}),
        ("/pairs/x,1", {"point": {"x": 1}}),
        ("/tagged/7", {"tag_id": 7}),
        ("/marked/.red/;rank=3", {"code": "red", "rank": 3}),
    ],
)
def test_a_styled_path_value_is_read_and_typed(
    client: TestClient, path: str, expected: dict[str, object]
) -> None:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert {k: v for k, v in answer.json().items() if v is not None} == expected


@pytest.mark.parametrize(
    "path",
    [
        "/simple/3,x",  # not an integer
        "/simple/,",  # empty items
        "/label/a.b",  # no leading dot
        "/matrix/x=1;y=2",  # no leading semicolon
        "/matrix/;x=1",  # y is required
        "/matrix/;x=1;y",  # not name=value
        "/pairs/x,1,y",  # names and values do not pair up
        "/pairs/x,one",
        "/tagged/0",  # below the minimum
        "/tagged/seven",
        "/marked/red/;rank=3",  # no leading dot
        "/marked/.red/rank=3",  # not ;rank=
        "/marked/.red/;rank=x",
    ],
)
def test_a_malformed_path_value_is_refused_not_a_500(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code in (404, 422), (path, answer.status_code, answer.text)


def test_the_declared_422_for_an_array_path_value(client: TestClient) -> None:
    answer = client.get("/simple/3,x")
    assert answer.status_code == 422
    assert isinstance(answer.json(), dict)  # the declared error body: an object


def test_a_header_named_like_a_path_variable_is_its_own_parameter(client: TestClient) -> None:
    answer = client.post("/books/v2/records", headers={"version": "from-header"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"name": "books", "label": "v2", "tag": "from-header"}
    without = client.post("/books/v2/records")
    assert without.status_code == 200, without.text
    assert without.json() == {"name": "books", "label": "v2"}


def test_published_parameters_match_the_document(service: Path) -> None:
    from specfirst.validator.run import validate

    assert validate(SPEC, service) == []  # the document derived from the routes


def test_a_variable_named_unlike_an_identifier_is_routed(client: TestClient) -> None:
    answer = client.get("/things/abc/parts/7")
    assert answer.status_code == 200, answer.text
    found = answer.json()["found"]
    assert sorted(found.values(), key=str) == [7, "abc"]
    # the concrete path still wins over the templated one it also matches
    # an encoded slash stays inside its segment (Starlette routes the decoded path)
    slashed = client.get("/things/a%2Fb/parts/7")
    assert slashed.status_code == 200, slashed.text
    assert sorted(slashed.json()["found"].values(), key=str) == [7, "a/b"]
    assert client.get("/things/a%2fb%2Fc/parts/7").json()["found"]["thing_id"] == "a/b/c"
    searched = client.get("/things/search/parts/3")
    assert searched.status_code == 200, searched.text
    assert "searched" in searched.json()
    assert client.get("/things/abc/parts/x").status_code in (404, 422)
    styled = client.get("/sets/.1,2")
    assert styled.status_code == 200, styled.text
    assert list(styled.json().values()) == [[1, 2]]
