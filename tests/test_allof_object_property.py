"""allOf members that describe one object property differently: every description applies.

``tests/specs/allof_object_property.yml`` has the shapes: a base's map of links and a
subclass's own links object (``Review``); two bases describing one property each their own
way while the subclass only requires it (``Request``); an inline object in an allOf next to
members that only describe it (``Note``: a ``description``, an empty member, an
``example``); an ``anyOf`` or ``oneOf`` of one member, as an allOf member or a property; a
union under ``type: object`` with a nullable alternative (``Resource``: null is refused);
and map values described by allOf members that only describe (any value is valid). The
generated app must publish what the document means (0 discrepancies) and the service must
refuse, through HTTP, a body that breaks either description.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from fastapi.testclient import TestClient
from pydantic import ValidationError

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = REPO / "tests" / "specs" / "allof_object_property.yml"

REVIEW = {
    "id": "r1",
    "_links": {"self": {"href": "/reviews/1"}, "next": {"href": "/reviews/2"}},
    "stamp": {"by": "ann", "at": "2024-01-02T03:04:05Z"},
}

# (path, body, why it is refused)
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("/reviews", {**REVIEW, "_links": {"next": {"href": "/r/2"}}}, "own links: self required"),
    ("/reviews", {**REVIEW, "_links": {"self": {"href": "/r/1"}, "next": 5}}, "base: a map"),
    ("/reviews", {**REVIEW, "stamp": {"by": "x" * 9}}, "base's inline stamp: maxLength"),
    ("/reviews", {**REVIEW, "stamp": {"at": "yesterday"}}, "own stamp: a date-time"),
    ("/requests", {"id": "q1"}, "_links required by the subclass"),
    ("/requests", {"id": "q1", "_links": {"next": {"href": "/r"}}}, "second base: self"),
    ("/requests", {"id": "q1", "_links": {"self": {"href": "/r"}, "x": 1}}, "first base: map"),
    ("/requests", {**REVIEW, "id": "q1", "stamp": {"by": "x" * 9}}, "first base: maxLength"),
    ("/requests", {**REVIEW, "id": None}, "first base allows a null id, the second does not"),
    ("/notes", {"id": "n1", "owner": {"name": "a"}}, "inline owner: minLength"),
    ("/notes", {"id": "n1", "editor": {"name": "x" * 11}}, "Person: maxLength"),
    ("/notes", {"id": "n1", "editor": {}}, "Person: name required"),
    ("/notes", {"id": "n1", "folder": {"name": "f"}}, "anyOf's one member: base's id required"),
    ("/notes", {"id": "n1", "folder": {"id": "x" * 13}}, "anyOf's one member: id maxLength"),
    ("/notes", {"id": "n1", "folder": {"id": "f", "name": ""}}, "anyOf's one member: minLength"),
    ("/notes", {"id": "n1", "chosen": {}}, "oneOf's one member: name required"),
    ("/notes", {"id": "n1", "resource": None}, "an object's oneOf: null refused"),
    ("/notes", {"id": "n1", "resource": {"id": "x" * 13}}, "the nullable base's maxLength"),
]


@pytest.fixture
def service(tmp_path: Path, monkeypatch: Any, fresh_app_modules: None) -> Path:
    out = tmp_path / "out"
    generate(SPEC, out)
    monkeypatch.syspath_prepend(str(out))
    monkeypatch.chdir(out)
    return out


def test_every_description_is_published_and_enforced(service: Path) -> None:
    assert validate(SPEC, service) == []
    app = importlib.import_module("app.main").app
    note = {
        "id": "n1",
        "owner": {"name": "al"},
        "editor": {"name": "ann"},
        "folder": {"id": "f1", "name": "inbox"},
        "chosen": {"name": "bo"},
        "fields": {"name": "Ann", "size": 5, "tags": ["a"]},  # members that only describe
    }
    with TestClient(app) as client:
        for path, body in (("/reviews", REVIEW), ("/requests", {**REVIEW, "id": "q1"})):
            answer = client.post(path, json=body)
            assert answer.status_code == 201, (path, answer.text)
            assert {key: answer.json().get(key) for key in body} == body  # and defaults
        assert client.post("/notes", json=note).json() == note
        # any value: the body reaches the (unwritten) handler
        assert client.put("/notes/n1/fields", json={"a": 1, "b": [None]}).status_code == 501
        assert client.put("/notes/n1/fields", json=[1]).status_code == 422  # a map
        for path, body, why in REFUSED:
            assert client.post(path, json=body).status_code == 422, why


def test_a_model_given_in_python_is_checked_by_its_json_value(service: Path) -> None:
    schemas = importlib.import_module("app.schemas")
    links = schemas.ReviewLinks(self=schemas.Link(href="/r/1"))
    review = schemas.Review(id="r1", _links=links)
    assert review.model_dump(mode="json", by_alias=True, exclude_unset=True) == {
        "id": "r1",
        "_links": {"self": {"href": "/r/1"}},
    }
    with pytest.raises(ValidationError):  # ReviewLinks requires self
        schemas.Review(id="r1", _links={"next": {"href": "/r/2"}})
