"""A generated service reads a request body in every media type its operation declares.

JSON, XML (per the ``xml`` object) and form fields (per OpenAPI's form encoding) become the
same model, validated and handled as JSON is; a raw body keeps its declared type; a body that
does not parse, or a Content-Type the operation does not declare, gets the declared error.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = """\
openapi: 3.0.3
info: {title: Media, version: "1.0"}
paths:
  /pets:
    post:
      operationId: addPet
      tags: [pets]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Pet"}
          application/xml:
            schema: {$ref: "#/components/schemas/Pet"}
          application/x-www-form-urlencoded:
            schema: {$ref: "#/components/schemas/Pet"}
            encoding:
              photoUrls: {style: form, explode: false}
      responses:
        "200":
          description: Created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
        "400":
          description: Invalid input
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
  /pets/{petId}:
    get:
      operationId: getPet
      tags: [pets]
      parameters:
        - {name: petId, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: Found
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
        "404": {description: Not found}
  /notes:
    post:
      operationId: addNote
      tags: [notes]
      requestBody:
        required: true
        content:
          text/plain:
            schema: {type: string}
      responses:
        "204": {description: Stored}
        "400": {description: Invalid input}
        "415": {description: Not a text body}
  /searches:
    post:
      operationId: search
      tags: [notes]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [criteria]
              properties:
                criteria: {type: string}
                rows: {type: integer, default: 10}
      responses:
        "200": {description: Found}
        "400": {description: Invalid input}
components:
  schemas:
    Error:
      type: object
      required: [code, message]
      properties:
        code: {type: string}
        message: {type: string}
    Category:
      type: object
      properties:
        id: {type: integer}
        name: {type: string}
      xml: {name: category}
    Tag:
      type: object
      properties:
        name: {type: string}
      xml: {name: tag}
    Pet:
      type: object
      required: [name, photoUrls]
      properties:
        id:
          type: integer
          xml: {attribute: true}
        name: {type: string}
        category: {$ref: "#/components/schemas/Category"}
        photoUrls:
          type: array
          xml: {wrapped: true}
          items:
            type: string
            xml: {name: photoUrl}
        tags:
          type: array
          items: {$ref: "#/components/schemas/Tag"}
        status:
          type: string
          enum: [available, sold]
        vaccinated: {type: boolean}
        weight: {type: number}
      xml: {name: pet}
"""

PRELUDE = """
import warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app

XML = {"Content-Type": "application/xml"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
client = TestClient(create_app(Settings.from_env({}), database=Database("sqlite:///media.db")))
client.__enter__()

def created(response):
    assert response.status_code == 200, response.text
    pet = client.get(f"/pets/{response.json()['id']}").json()
    assert pet == response.json(), (pet, response.json())
    return {k: v for k, v in pet.items() if k != "id"}

def refused(response, status=400):
    assert response.status_code == status, (response.status_code, response.text)
    return response
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("media")
    spec = root / "media.yml"
    spec.write_text(SPEC, encoding="utf-8")
    generate(spec, root / "service")
    return root / "service"


def run(service: Path, body: str) -> None:
    script = PRELUDE + textwrap.dedent(body) + '\nprint("ok")\n'
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=service, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), (
        result.stdout + result.stderr
    )


def test_zero_discrepancies(service: Path) -> None:
    found = validate(service.parent / "media.yml", service)
    assert found == [], "\n".join(f"{d.category} {d.kind} {d.pointer}" for d in found)


def test_the_same_pet_through_json_xml_and_form_reads_back_equal(service: Path) -> None:
    run(
        service,
        """
        pet = {"name": "doggie", "category": {"id": 2, "name": "Dogs"}, "photoUrls": ["a.png", "b.png"],
               "tags": [{"name": "x"}, {"name": "y"}], "status": "sold", "vaccinated": True, "weight": 7.5}
        from_json = created(client.post("/pets", json=pet))
        from_xml = created(client.post("/pets", headers=XML, content=(
            '<?xml version="1.0"?><pet id="41"><name>doggie</name><category><id>2</id><name>Dogs</name></category>'
            '<photoUrls><photoUrl>a.png</photoUrl><photoUrl>b.png</photoUrl></photoUrls>'
            '<tag><name>x</name></tag><tag><name>y</name></tag>'
            '<status>sold</status><vaccinated>true</vaccinated><weight>7.5</weight></pet>'
        )))
        from_form = created(client.post("/pets", headers=FORM, content=(
            "id=42&name=doggie&category[id]=2&category[name]=Dogs&photoUrls=a.png,b.png"
            "&tags[0][name]=x&tags[1][name]=y&status=sold&vaccinated=true&weight=7.5"
        )))
        assert from_json == from_xml == from_form == pet, (from_json, from_xml, from_form)
        assert client.get("/pets/41").json()["name"] == "doggie"  # the XML attribute is the id
        # an object field may also come as one JSON value
        assert created(client.post("/pets", headers=FORM, content=(
            'name=doggie&photoUrls=a.png,b.png&category={"id":2,"name":"Dogs"}&tags={"name":"x"}&tags={"name":"y"}'
            "&status=sold&vaccinated=true&weight=7.5"
        )))["tags"] == pet["tags"]
        """,
    )


def test_empty_values_and_empty_collections(service: Path) -> None:
    run(
        service,
        """
        # an empty form value is a present, empty string; a required array with no field is empty
        assert created(client.post("/pets", headers=FORM, content="name=")) == {"name": "", "photoUrls": []}
        assert created(client.post("/pets", headers=XML, content="<pet><name/><photoUrls/></pet>")) == {
            "name": "", "photoUrls": []}
        # an optional form body with a required field given empty
        assert client.post("/searches", headers=FORM, content="criteria=").status_code == 501
        assert client.post("/searches").status_code == 501  # no body at all: the body is optional
        # an empty text body is the empty string, which the schema allows
        assert client.post("/notes", headers={"Content-Type": "text/plain"}, content=b"").status_code == 501
        """,
    )


def test_bodies_that_do_not_fit_get_the_declared_error(service: Path) -> None:
    run(
        service,
        """
        for content in ("<pet><name>doggie</name>", "<pet>0</pet>", "<cat><name>x</name><photoUrls/></cat>",
                        '<!DOCTYPE pet [<!ENTITY e "x">]><pet><name>&e;</name><photoUrls/></pet>',
                        "<pet><name>x</name><photoUrls/><weight>heavy</weight></pet>",
                        "<pet><name><first>x</first></name><photoUrls/></pet>"):
            answer = refused(client.post("/pets", headers=XML, content=content))
            assert set(answer.json()) == {"code", "message"}, answer.text
        refused(client.post("/pets", headers=FORM, content="photoUrls=a"))  # no name
        refused(client.post("/pets", headers=FORM, content="name=x&vaccinated=maybe"))
        refused(client.post("/pets", headers=FORM, content=b"name=%FF"))  # not UTF-8
        refused(client.post("/searches", headers=FORM, content="rows=1"))
        # a Content-Type the operation does not declare: its validation error, or 415 where declared
        refused(client.post("/pets", headers={"Content-Type": "text/plain"}, content="name=x"))
        refused(client.post("/pets", content=b'{"name": "x", "photoUrls": []}'))  # no Content-Type
        refused(client.post("/searches", json={"criteria": "x"}))
        refused(client.post("/notes", json="text"), 415)
        refused(client.post("/notes", headers={"Content-Type": "text/plain"}, content=b"\\xff\\xfe"))
        """,
    )


def test_specfirst_reads_bodies_as_the_service_does(service: Path) -> None:
    """``specfirst.wire`` (what ``specfirst fuzz`` checks a failure's body with) reads form and
    XML bodies with the service's own reader and validates them with the body model."""
    import base64

    from specfirst.wire import read_bodies

    def sent(content_type: str, body: str, path: str = "/pets") -> dict[str, str]:
        encoded = base64.b64encode(body.encode()).decode()
        return {"method": "POST", "path": path, "content_type": content_type, "body": encoded}

    form, xml = "application/x-www-form-urlencoded", "application/xml"
    readings = read_bodies(
        service,
        [
            sent(form, "name=Rex&photoUrls=a,b&tags=name"),  # tags items must be objects
            sent(form, "name=Rex&photoUrls=a"),
            sent(xml, '<pet id="3"><name>Rex</name><photoUrls></photoUrls></pet>'),
            sent(xml, "<pet><photoUrls></photoUrls></pet>"),  # no name
            sent(xml, "<pet><name>Rex</name"),  # not XML
            sent("text/csv", "a,b"),  # not a declared media type
            sent("text/plain", "hello", "/notes"),
        ],
    )
    assert [r.valid for r in readings] == [False, True, True, False, False, False, True]
    assert readings[0].value["tags"] == ["name"] and "tags.0" in readings[0].problem
    assert readings[1].value == {"name": "Rex", "photoUrls": ["a"]}
    assert readings[2].value == {"id": 3, "name": "Rex", "photoUrls": []}
    assert "name" in readings[3].problem
    assert readings[4].value is None and readings[4].problem
    assert readings[6].value == "hello"
