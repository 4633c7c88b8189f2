"""The Ensemble service (a copy of service/) and two corpus Petstores, over real HTTP.

Each service runs under uvicorn in a child process on 127.0.0.1 (tests/e2e_server.py); the
OpenAPI documents of the services registered in the Ensemble are served from a thread.
Nothing is written inside the repository.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import REPO, corpus_document
from e2e_server import DocumentServer, Server, copy_service, generate

USER = {"X-API-KEY": "user-key"}
EMPTY_INPUT_REPLY = "Please type a question or a command."
ADMIN = {"X-ADMIN-API-KEY": "admin-key"}
ENV = {
    "API_KEY_AUTH_KEYS": "user-key",
    "ADMIN_API_KEY_AUTH_KEYS": "admin-key",
    "OPENAI_API_KEY": "",
    "OPENAPI_FETCH_ALLOW_NETWORKS": "127.0.0.1/32",  # the documents are served on 127.0.0.1
}


def openapi(title: str, *operations: tuple[str, str, str, str]) -> dict[str, Any]:
    """A small OpenAPI document: (method, path, operationId, summary) per operation."""
    paths: dict[str, Any] = {}
    for method, path, op_id, summary in operations:
        paths.setdefault(path, {})[method] = {
            "operationId": op_id,
            "summary": summary,
            "responses": {"200": {"description": "ok"}},
        }
    return {"openapi": "3.1.0", "info": {"title": title, "version": "2.0.0"}, "paths": paths}


DOCUMENTS = {
    "/character.json": openapi(
        "Character API",
        ("get", "/characters", "listCharacters", "List the characters"),
        ("post", "/characters", "createCharacter", "Create a character"),
    ),
    "/action.json": openapi(
        "Action API", ("post", "/actions", "performAction", "Perform an action")
    ),
    "/broken": "this is not JSON",
    "/v1/chat/completions": {"choices": [{"message": {"content": "Ask the Character API."}}]},
}


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The declared ErrorResponse body (errorCode, message), never FastAPI's ``detail``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) <= {"errorCode", "message", "details"}, body
    assert isinstance(body["errorCode"], str) and isinstance(body["message"], str), body
    if code is not None:
        assert body["errorCode"] == code, body
    return body


def service(sid: str, name: str, url: str, *tags: str, description: str = "") -> dict[str, Any]:
    entry = {
        "id": sid,
        "name": name,
        "description": description or f"{name} things",
        "openapi_url": url,
    }
    return {**entry, "tags": list(tags)} if tags else entry


@pytest.fixture(scope="module")
def docs() -> Iterator[DocumentServer]:
    with DocumentServer(DOCUMENTS) as server:
        yield server


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("ensemble")
    app_dir = copy_service(REPO / "service", root / "service")
    with Server(app_dir, ENV, root / "ensemble.db") as server:
        yield server


@pytest.fixture
def client(ensemble: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ensemble.url, timeout=15) as c:
        yield c


def listed(client: httpx.Client, **params: Any) -> dict[str, dict[str, Any]]:
    response = client.get("/services", params=params, headers=USER)
    assert response.status_code == 200, response.text
    return {s["id"]: s for s in response.json()["services"]}


# -- the Ensemble ----------------------------------------------------------------------------


def test_registry_flow(client: httpx.Client, docs: DocumentServer) -> None:
    character = service(
        "flow-character",
        "Character Service",
        f"{docs.url}/character.json",
        "flow-core",
        "flow-stable",
    )
    action = service(
        "flow-action", "Action Service", f"{docs.url}/action.json", "flow-core", "flow-beta"
    )
    for entry in (character, action):
        response = client.post("/services/register", json=entry, headers=ADMIN)
        assert response.status_code == 201, response.text
        assert response.json() == entry

    everything = listed(client)
    assert everything["flow-character"] == character and everything["flow-action"] == action
    assert set(listed(client, tags=["flow-core"])) == {"flow-character", "flow-action"}
    assert set(listed(client, tags=["flow-beta"])) == {"flow-action"}
    assert listed(client, tags=["flow-nothing"]) == {}

    changed = {**action, "description": "Performs actions", "tags": ["flow-core", "flow-stable"]}
    response = client.put("/services/update/flow-action", json=changed, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json() == changed
    assert listed(client)["flow-action"] == changed
    assert set(listed(client, tags=["flow-stable"])) == {"flow-character", "flow-action"}
    assert_error(
        client.put("/services/update/flow-nobody", json=changed, headers=ADMIN), 404, "not_found"
    )

    assert_error(client.post("/services/register", json=character, headers=ADMIN), 400, "duplicate")
    assert listed(client)["flow-character"] == character  # the refused duplicate changed nothing

    response = client.delete("/services/delete/flow-action", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert "flow-action" in response.json()["message"]
    assert "flow-action" not in listed(client)
    assert_error(client.delete("/services/delete/flow-action", headers=ADMIN), 404, "not_found")
    assert_error(
        client.put("/services/update/flow-action", json=action, headers=ADMIN), 404, "not_found"
    )


def test_system_prompt_covers_the_registered_services(
    client: httpx.Client, docs: DocumentServer
) -> None:
    for entry in (
        service("prompt-character", "Character Service", f"{docs.url}/character.json"),
        service("prompt-action", "Action Service", f"{docs.url}/action.json"),
        service("prompt-broken", "Broken Service", f"{docs.url}/broken"),
        service("prompt-gone", "Gone Service", f"{docs.url}/missing.json"),
    ):
        assert client.post("/services/register", json=entry, headers=ADMIN).status_code == 201

    ids = ["prompt-character", "prompt-action"]
    response = client.get("/system-prompt", params={"service_ids": ids}, headers=USER)
    assert response.status_code == 200, response.text
    prompt = response.json()["system_prompt"]
    for text in (
        "Character API", "Action API", "version 2.0.0",
        "GET /characters — listCharacters: List the characters",
        "POST /characters — createCharacter: Create a character",
        "POST /actions — performAction: Perform an action",
    ):  # fmt: skip
        assert text in prompt
    assert prompt.index("Character API") < prompt.index("Action API")  # the order asked for
    again = client.get("/system-prompt", params={"service_ids": ids}, headers=USER).json()
    assert again["system_prompt"] == prompt  # deterministic
    reverse = client.get("/system-prompt", params={"service_ids": ids[::-1]}, headers=USER).json()
    assert reverse["system_prompt"].index("Action API") < reverse["system_prompt"].index(
        "Character API"
    )

    unknown = client.get(
        "/system-prompt", params={"service_ids": ["prompt-character", "nobody"]}, headers=USER
    )
    assert "nobody" in assert_error(unknown, 400, "unknown_service")["message"]
    # a document that cannot be fetched (not JSON; 404) is said so, the other sections stay
    ids = ["prompt-broken", "prompt-gone", "prompt-action"]
    degraded = client.get("/system-prompt", params={"service_ids": ids}, headers=USER)
    assert degraded.status_code == 200, degraded.text
    text = degraded.json()["system_prompt"]
    broken = "## Broken Service (id: prompt-broken)\nBroken Service things\n"
    broken += (
        f"Its OpenAPI document could not be fetched ({docs.url}/broken: the answer is not JSON)"
    )
    assert broken in text
    assert "## Gone Service (id: prompt-gone)" in text and "404 Not Found" in text
    assert "POST /actions — performAction: Perform an action" in text


def test_interactions_are_answered_and_logged(client: httpx.Client, docs: DocumentServer) -> None:
    zebra = service(
        "log-zebra",
        "Zebra Service",
        f"{docs.url}/action.json",
        "stripes",
        description="Counts zebras",
    )
    assert client.post("/services/register", json=zebra, headers=ADMIN).status_code == 201

    first = client.post(
        "/interact", json={"user_input": "How many stripes has a zebra?"}, headers=USER
    )
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["service_responses"] == [
        {"service_name": "Zebra Service", "response": "Zebra Service matched on: stripes, zebra"}
    ]
    assert "Zebra Service" in answer["assistant_response"]
    second = client.post("/interact", json={"user_input": "xyzzy plugh"}, headers=USER)
    assert second.status_code == 200, second.text
    assert second.json() == {
        "assistant_response": "No registered service matches 'xyzzy plugh'.",
        "service_responses": [],
    }
    empty = client.post("/interact", json={}, headers=USER)  # user_input is optional
    assert empty.json() == {"assistant_response": EMPTY_INPUT_REPLY, "service_responses": []}

    logs = client.get("/logs", params={"limit": 3}, headers=USER).json()["logs"]
    assert [entry.get("user_input") for entry in logs] == [
        None,
        "xyzzy plugh",
        "How many stripes has a zebra?",
    ]
    assert logs[0]["assistant_response"] == EMPTY_INPUT_REPLY
    assert logs[2]["assistant_response"] == answer["assistant_response"]
    assert logs[2]["service_responses"] == answer["service_responses"]
    stamps = [datetime.fromisoformat(entry["timestamp"]) for entry in logs]
    assert stamps == sorted(stamps, reverse=True)
    page = client.get("/logs", params={"limit": 1, "offset": 2}, headers=USER).json()["logs"]
    assert [entry["user_input"] for entry in page] == ["How many stripes has a zebra?"]
    assert len(client.get("/logs", params={"limit": 1}, headers=USER).json()["logs"]) == 1


def test_auth_matrix(client: httpx.Client, docs: DocumentServer) -> None:
    entry = service("auth-service", "Auth Service", f"{docs.url}/action.json")
    operations = [  # in an order where each success prepares the next; (method, path, kwargs, scheme, status)
        ("POST", "/services/register", {"json": entry}, "admin", 201),
        ("GET", "/services", {}, "user", 200),
        ("PUT", "/services/update/auth-service", {"json": {**entry, "name": "Auth"}}, "admin", 200),
        ("GET", "/system-prompt", {"params": {"service_ids": ["auth-service"]}}, "user", 200),
        ("POST", "/interact", {"json": {"user_input": "auth"}}, "user", 200),
        ("GET", "/logs", {}, "user", 200),
        ("DELETE", "/services/delete/auth-service", {}, "admin", 200),
    ]
    for method, path, kwargs, scheme, status in operations:
        right, other = (ADMIN, USER) if scheme == "admin" else (USER, ADMIN)
        wrong = {name: "wrong-key" for name in right}
        for headers in ({}, wrong, other, {**other, **wrong}):
            refused = client.request(method, path, headers=headers, **kwargs)
            assert refused.status_code == 401, (method, path, headers, refused.text)
            assert_error(refused, 401, "unauthorized")
        if path == "/services/register":
            assert "auth-service" not in listed(client)  # refused requests changed nothing
        answered = client.request(method, path, headers=right, **kwargs)
        assert answered.status_code == status, (method, path, answered.text)


def test_openai_assistant_is_asked_with_the_system_prompt(
    tmp_path: Path, docs: DocumentServer
) -> None:
    """With OPENAI_API_KEY set, /interact asks chat completions (a local stand-in here)."""
    openai = {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_MODEL": "test-model",
        "OPENAI_BASE_URL": f"{docs.url}/v1",
    }
    app_dir = copy_service(REPO / "service", tmp_path / "service")
    with (
        Server(app_dir, {**ENV, **openai}, tmp_path / "openai.db") as server,
        httpx.Client(base_url=server.url) as c,
    ):
        entry = service("openai-character", "Character Service", f"{docs.url}/character.json")
        assert c.post("/services/register", json=entry, headers=ADMIN).status_code == 201
        answered = c.post("/interact", json={"user_input": "Who is John?"}, headers=USER)
        assert answered.status_code == 200, answered.text
        assert answered.json() == {
            "assistant_response": "Ask the Character API.",
            "service_responses": [],
        }
        assert c.get("/logs", headers=USER).json()["logs"][0]["user_input"] == "Who is John?"
    _, headers, body = [p for p in docs.posted if p[0] == "/v1/chat/completions"][-1]
    assert headers["Authorization"] == "Bearer sk-test"
    assert body["model"] == "test-model"
    system, user = body["messages"]
    assert system["role"] == "system" and "GET /characters — listCharacters" in system["content"]
    assert user == {"role": "user", "content": "Who is John?"}


PUBLIC_SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Notes", "version": "1.0.0"},
    "security": [{"noteKey": []}],
    "paths": {
        "/notes": {
            "get": {
                "operationId": "listNotes",
                "security": [],
                "responses": {"200": {"description": "Every note", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}}}}}},
            },
            "post": {
                "operationId": "createNote",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}},
                "responses": {
                    "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}},
                    "401": {"description": "No key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            },
        }
    },
    "components": {
        "securitySchemes": {"noteKey": {"type": "apiKey", "in": "header", "name": "X-Note-Key"}},
        "schemas": {
            "Note": {"type": "object", "required": ["id", "text"], "properties": {"id": {"type": "integer"}, "text": {"type": "string"}}},
            "Error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
        },
    },
}  # fmt: skip


def test_public_operation_needs_no_key(tmp_path: Path) -> None:
    spec = tmp_path / "notes.json"
    spec.write_text(json.dumps(PUBLIC_SPEC), encoding="utf-8")
    generate(spec, tmp_path / "notes")
    with Server(tmp_path / "notes", {"NOTE_KEY_KEYS": "note-key"}, tmp_path / "notes.db") as server:
        assert httpx.get(f"{server.url}/notes").json() == []
        for headers in ({}, {"X-Note-Key": "wrong"}):
            refused = httpx.post(
                f"{server.url}/notes", json={"id": 1, "text": "hi"}, headers=headers
            )
            assert refused.status_code == 401
            assert refused.json() == {
                "code": "unauthorized",
                "message": "missing or invalid credentials",
            }
        created = httpx.post(
            f"{server.url}/notes", json={"id": 1, "text": "hi"}, headers={"X-Note-Key": "note-key"}
        )
        assert created.status_code == 201, created.text
        assert httpx.get(f"{server.url}/notes").json() == [created.json()]


def test_data_survives_a_restart(ensemble: Server, docs: DocumentServer) -> None:
    entry = service("restart-service", "Restart Service", f"{docs.url}/action.json", "durable")
    with httpx.Client(base_url=ensemble.url, timeout=15) as client:
        assert client.post("/services/register", json=entry, headers=ADMIN).status_code == 201
        assert (
            client.post("/interact", json={"user_input": "durable?"}, headers=USER).status_code
            == 200
        )
    ensemble.restart()
    with httpx.Client(base_url=ensemble.url, timeout=15) as client:
        assert listed(client)["restart-service"] == entry
        logs = client.get("/logs", params={"limit": 1}, headers=USER).json()["logs"]
        assert logs[0]["user_input"] == "durable?"


def test_validation_failures_answer_the_declared_400(
    client: httpx.Client, docs: DocumentServer
) -> None:
    good = service("valid-service", "Valid Service", f"{docs.url}/action.json")
    cases = [
        ("POST", "/services/register", {"json": {"id": "half"}}, ADMIN),
        ("POST", "/services/register", {"json": {**good, "openapi_url": "not a uri"}}, ADMIN),
        ("POST", "/services/register", {"json": {**good, "tags": "one"}}, ADMIN),
        (
            "POST",
            "/services/register",
            {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
            ADMIN,
        ),
        ("PUT", "/services/update/valid-service", {"json": {"name": 3}}, ADMIN),
        ("GET", "/system-prompt", {}, USER),
        ("GET", "/logs", {"params": {"limit": 0}}, USER),
        ("GET", "/logs", {"params": {"offset": "many"}}, USER),
        ("POST", "/interact", {"json": ["not", "an", "object"]}, USER),
    ]
    for method, path, kwargs, auth in cases:
        headers = {**auth, **kwargs.pop("headers", {})}
        response = client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == 400, (method, path, kwargs, response.text)
        assert_error(response, 400, "invalid_request")
    missing = client.post("/services/register", json={"id": "half"}, headers=ADMIN).json()[
        "message"
    ]
    assert "name" in missing and "openapi_url" in missing
    assert "half" not in listed(client)


# -- REST CRUD on corpus documents -----------------------------------------------------------


BEARER, API_KEY = {"Authorization": "Bearer token"}, {"api_key": "key"}


@pytest.fixture(scope="module")
def petstore3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("petstore3")
    generate(corpus_document("swagger_petstore3"), root / "petstore3")
    env = {"PETSTORE_AUTH_KEYS": "token", "API_KEY_KEYS": "key"}
    with (
        Server(root / "petstore3", env, root / "petstore3.db") as server,
        httpx.Client(base_url=server.url) as client,
    ):
        yield client


def test_swagger_petstore3_crud(petstore3: httpx.Client) -> None:
    c = petstore3
    rex = {"id": 7, "name": "rex", "category": {"id": 1, "name": "Dogs"}, "photoUrls": ["a.png"], "tags": [{"id": 1, "name": "good"}], "status": "available"}  # fmt: skip
    tom = {"id": 8, "name": "tom", "photoUrls": [], "tags": [{"id": 2, "name": "lazy"}], "status": "sold"}  # fmt: skip
    assert c.post("/pet", json=rex).status_code == 401
    assert c.post("/pet", json=rex, headers={"Authorization": "Bearer nope"}).status_code == 401
    for pet in (rex, tom):
        created = c.post("/pet", json=pet, headers=BEARER)
        assert created.status_code == 200, created.text
        assert created.json() == pet
    # addPet declares no status for a duplicate (only 405): the service answers 409 Conflict
    assert c.post("/pet", json=tom, headers=BEARER).status_code == 409

    for auth in (API_KEY, BEARER):  # getPetById: api_key OR petstore_auth
        assert c.get("/pet/7", headers=auth).json() == rex
    assert c.get("/pet/7").status_code == 401

    def find(path: str, **params: Any) -> list[int]:
        response = c.get(path, params=params, headers=BEARER)
        assert response.status_code == 200, response.text
        return sorted(p["id"] for p in response.json() if p["id"] in (7, 8))

    assert find("/pet/findByStatus", status="available") == [7]
    assert find("/pet/findByStatus", status="sold") == [8]
    assert find("/pet/findByStatus") == [7]  # the declared default: available
    assert find("/pet/findByTags", tags=["good"]) == [7]
    assert find("/pet/findByTags", tags=["good", "lazy"]) == [7, 8]
    assert find("/pet/findByTags", tags=["none"]) == []

    renamed = {**rex, "name": "max", "status": "pending"}
    updated = c.put("/pet", json=renamed, headers=BEARER)
    assert updated.status_code == 200, updated.text
    assert updated.json() == renamed
    assert c.get("/pet/7", headers=API_KEY).json() == renamed
    assert find("/pet/findByStatus", status="pending") == [7]
    assert c.put("/pet", json={**renamed, "id": 99}, headers=BEARER).status_code == 404

    c.delete("/pet/7", headers=BEARER)  # its status: test_swagger_petstore3_delete_answers_success
    assert c.get("/pet/7", headers=API_KEY).status_code == 404  # getPetById declares 404
    assert find("/pet/findByStatus", status="pending") == []


def test_swagger_petstore3_invalid_requests_answer_the_declared_400(
    petstore3: httpx.Client,
) -> None:
    # findByStatus declares "400: Invalid status value", getPetById "400: Invalid ID supplied"
    lost = petstore3.get("/pet/findByStatus", params={"status": "lost"}, headers=BEARER)
    assert lost.status_code == 400
    assert petstore3.get("/pet/not-a-number", headers=BEARER).status_code == 400


def test_swagger_petstore3_delete_answers_success(petstore3: httpx.Client) -> None:
    pet = {"id": 30, "name": "gone", "photoUrls": []}
    assert petstore3.post("/pet", json=pet, headers=BEARER).status_code == 200
    deleted = petstore3.delete("/pet/30", headers=BEARER)
    assert deleted.is_success, deleted.status_code
    assert not petstore3.delete("/pet/30", headers=BEARER).is_success


def test_oai30_petstore_expanded_crud(tmp_path: Path) -> None:
    generate(corpus_document("oai30_petstore_expanded"), tmp_path / "expanded")
    with (
        Server(tmp_path / "expanded", {}, tmp_path / "expanded.db") as server,
        httpx.Client(base_url=server.url) as c,
    ):
        ids = []
        for name in ("a", "b", "c"):
            created = c.post("/pets", json={"name": name, "tag": f"tag-{name}"})
            assert created.status_code == 200, created.text
            assert created.json()["name"] == name
            ids.append(created.json()["id"])
        assert len(set(ids)) == 3  # ids are made by the service: no duplicate can be sent
        assert c.get(f"/pets/{ids[1]}").json() == {"id": ids[1], "name": "b", "tag": "tag-b"}
        assert [p["id"] for p in c.get("/pets").json()] == ids
        assert [p["id"] for p in c.get("/pets", params={"limit": 2}).json()] == ids[:2]

        assert c.delete(f"/pets/{ids[1]}").status_code == 204
        missing = c.get(f"/pets/{ids[1]}")
        assert missing.status_code == 404
        assert missing.json()["code"] == 404 and isinstance(missing.json()["message"], str)  # Error
        assert c.delete(f"/pets/{ids[1]}").status_code == 404
        assert [p["id"] for p in c.get("/pets").json()] == [ids[0], ids[2]]

        invalid = c.post("/pets", json={"tag": "nameless"})
        assert invalid.status_code == 400  # the declared default Error, not FastAPI's 422
        assert invalid.json()["code"] == 400 and "name" in invalid.json()["message"]
