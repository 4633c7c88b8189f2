"""The generated client against the service generated from the same document, over real HTTP.

The service is the golden record (``service/``, generated from ``openapi3_1.yml``) under
uvicorn on 127.0.0.1 (sync with Typesense off); the client is generated from the same
document into a temporary folder and imported from there. Every operation is driven through
the sync and the async client. Faults are injected by an httpx transport that wraps the real
one: it answers some attempts itself (503, 429 with ``Retry-After``) and forwards the others
to the service.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from client_support import import_client
from conftest import REPO, corpus_document
from e2e_server import DocumentServer, Server, copy_service, generate

from specfirst.client import generate_client

ENV = {
    "API_KEY_AUTH_KEYS": "user-key",
    "ADMIN_API_KEY_AUTH_KEYS": "admin-key",
    "OPENAI_API_KEY": "",
    "OPENAPI_FETCH_ALLOW_NETWORKS": "127.0.0.1/32",
}
PACKAGE = "ensemble_e2e_client"
DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Lantern API", "version": "1.0.0"},
    "paths": {
        "/lanterns": {
            "get": {
                "operationId": "listLanterns",
                "summary": "List the lanterns",
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("client") / "ensemble-client"
    generate_client(REPO / "openapi3_1.yml", out, package=PACKAGE)
    return import_client(out, PACKAGE)


@pytest.fixture(scope="module")
def docs() -> Iterator[DocumentServer]:
    with DocumentServer({"/lantern.json": DOCUMENT}) as server:
        yield server


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("ensemble-for-client")
    app_dir = copy_service(REPO / "service", root / "service")
    with Server(app_dir, ENV, root / "ensemble.db") as server:
        yield server


class Faults(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Forwards to the real transport, except for the scripted answers (one per attempt,
    ``None`` forwards); records every request it saw."""

    def __init__(self, script: list[tuple[int, dict[str, str]] | None] | None = None) -> None:
        self.script = list(script or [])
        self.seen: list[httpx.Request] = []
        self.sync = httpx.HTTPTransport()
        self.asynchronous = httpx.AsyncHTTPTransport()

    def _scripted(self, request: httpx.Request) -> httpx.Response | None:
        self.seen.append(request)
        step = self.script.pop(0) if self.script else None
        if step is None:
            return None
        status, headers = step
        return httpx.Response(
            status, headers=headers, json={"message": "injected"}, request=request
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._scripted(request) or self.sync.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self._scripted(request) or await self.asynchronous.handle_async_request(request)


def registration(api: ModuleType, sid: str, name: str, url: str, *tags: str) -> Any:
    return api.models.ServiceRegistration(
        id=sid, name=name, description=f"{name}: what it does", openapi_url=url, tags=list(tags)
    )


async def run(value: Any) -> Any:
    """The result of a sync call, or of an async one once awaited."""
    return await value if inspect.isawaitable(value) else value


async def check_flow(
    api: ModuleType, client: Any, anonymous: Any, wrong: Any, url: str, prefix: str
) -> None:
    """Every operation of the document through ``client``, a sync or an async client."""
    m, errors = api.models, api.errors
    ids = [f"{prefix}-{n}" for n in range(5)]
    for n, sid in enumerate(ids):
        created = await run(
            client.service_management.create(
                body=registration(api, sid, f"{prefix} lamp {n}", url, prefix)
            )
        )
        assert isinstance(created, m.ServiceResponse)
        assert (created.id, created.tags) == (sid, [prefix])

    listed = await run(client.service_management.list(tags=[prefix]))
    assert sorted(s.id for s in listed.services) == ids

    changed = registration(api, ids[0], f"{prefix} beacon", url, prefix, "bright")
    updated = await run(client.service_management.update(ids[0], body=changed))
    assert (updated.name, updated.tags) == (f"{prefix} beacon", [prefix, "bright"])

    with pytest.raises(errors.UpdateServiceNotFoundError) as missing:
        await run(client.service_management.update(f"{prefix}-nowhere", body=changed))
    assert missing.value.status == 404
    assert isinstance(missing.value, errors.NotFoundError)
    assert isinstance(missing.value.body, m.ErrorResponse)
    assert missing.value.body.error_code  # the declared body, parsed into its model

    found = await run(client.service_management.search(q=f"{prefix} lamp", limit=2))
    assert len(found.services) == 2

    prompt = await run(client.system_prompt_management.generate_system_prompt(service_ids=[ids[1]]))
    assert f"{prefix} lamp 1" in prompt.system_prompt

    answer = await run(
        client.interaction_handling.handle_user_input(
            body=m.HandleUserInputRequest(user_input=f"{prefix} lamp please")
        )
    )
    assert isinstance(answer, m.HandleUserInputResponse)
    assert answer.assistant_response

    deleted = await run(client.service_management.delete(ids[4]))
    assert isinstance(deleted, m.SuccessResponse)
    with pytest.raises(errors.DeleteServiceNotFoundError) as gone:
        await run(client.service_management.delete(ids[4]))
    assert gone.value.body.error_code

    for bad in (anonymous, wrong):
        with pytest.raises(errors.ListServicesAuthenticationError) as refused:
            await run(bad.service_management.list())
        assert refused.value.status == 401
        with pytest.raises(errors.RegisterServiceAuthenticationError):
            await run(
                bad.service_management.create(body=registration(api, f"{prefix}-x", "x", url))
            )


def test_every_operation_through_the_sync_client(
    api: ModuleType, ensemble: Server, docs: DocumentServer
) -> None:
    url = f"{docs.url}/lantern.json"
    keys = {"api_key_auth": "user-key", "admin_api_key_auth": "admin-key"}
    with (
        api.Client(base_url=ensemble.url, **keys) as client,
        api.Client(base_url=ensemble.url) as anonymous,
        api.Client(base_url=ensemble.url, api_key_auth="nope", admin_api_key_auth="nope") as wrong,
    ):
        asyncio.run(check_flow(api, client, anonymous, wrong, url, "sync"))
        everything = list(client.service_management.search_all(q="sync lamp", limit=2))
        assert sorted(s.id for s in everything) == ["sync-1", "sync-2", "sync-3"]
        pages = list(client.service_management.search_all(q="sync lamp", limit=2).pages())
        assert [len(p) for p in pages] == [2, 1]
        logs = list(client.logs_management.list_all(limit=1))
        assert any(entry.user_input == "sync lamp please" for entry in logs)
        assert len(logs) == len(client.logs_management.list(limit=100).logs)


def test_every_operation_through_the_async_client(
    api: ModuleType, ensemble: Server, docs: DocumentServer
) -> None:
    url = f"{docs.url}/lantern.json"

    async def scenario() -> None:
        async with (
            api.AsyncClient(
                base_url=ensemble.url, api_key_auth="user-key", admin_api_key_auth="admin-key"
            ) as client,
            api.AsyncClient(base_url=ensemble.url) as anonymous,
            api.AsyncClient(
                base_url=ensemble.url, api_key_auth="x", admin_api_key_auth="y"
            ) as wrong,
        ):
            await check_flow(api, client, anonymous, wrong, url, "async")
            everything = [
                s.id async for s in client.service_management.search_all(q="async lamp", limit=2)
            ]
            assert sorted(everything) == ["async-1", "async-2", "async-3"]
            logs = [entry async for entry in client.logs_management.list_all(limit=1)]
            assert any(entry.user_input == "async lamp please" for entry in logs)

    asyncio.run(scenario())


def test_retries_recover_from_503s_and_honour_retry_after(
    api: ModuleType, ensemble: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    core = sys.modules[f"{PACKAGE}._runtime._core"]
    monkeypatch.setattr(core.time, "sleep", waits.append)
    faults = Faults([(503, {}), (503, {}), None])
    policy = api.RetryPolicy(max_retries=3, initial_delay=0.01, max_delay=0.02)
    with api.Client(
        base_url=ensemble.url,
        api_key_auth="user-key",
        retry=policy,
        http_client=httpx.Client(transport=faults),
    ) as client:
        listed = client.service_management.list(extra_headers={"X-Trace": "t-1"})
        assert isinstance(listed, api.models.ListServicesResponse)
        assert len(faults.seen) == 3 and len(waits) == 2
        assert all(0 < w <= 0.02 for w in waits)
        assert all(r.headers["X-Trace"] == "t-1" for r in faults.seen)

        waits.clear()
        faults.seen.clear()
        faults.script = [(429, {"Retry-After": "1"}), None]
        client.service_management.list()
        assert waits == [1.0] and len(faults.seen) == 2

        # a POST is not idempotent and the document declares no idempotency key: not retried
        faults.seen.clear()
        faults.script = [(503, {})]
        with pytest.raises(api.ApiError) as failed:
            client.service_management.create(
                body=registration(api, "retry-x", "x", "http://127.0.0.1/x.json")
            )
        assert failed.value.status == 503 and len(faults.seen) == 1

        # retries exhausted: the last answer's error
        faults.seen.clear()
        faults.script = [(503, {})] * 4
        with pytest.raises(api.ApiError) as exhausted:
            client.service_management.list()
        assert exhausted.value.status == 503 and len(faults.seen) == 4

    async def asynchronous() -> None:
        async_waits: list[float] = []

        async def record(delay: float) -> None:
            async_waits.append(delay)

        monkeypatch.setattr(core.asyncio, "sleep", record)
        faults = Faults([(503, {}), (429, {"Retry-After": "2"}), None])
        async with api.AsyncClient(
            base_url=ensemble.url,
            api_key_auth="user-key",
            retry=policy,
            http_client=httpx.AsyncClient(transport=faults),
        ) as client:
            listed = await client.service_management.list()
            assert isinstance(listed, api.models.ListServicesResponse)
        assert len(faults.seen) == 3 and async_waits[1] == 2.0

    asyncio.run(asynchronous())


def test_connection_errors_are_retried_then_raised(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from e2e_server import free_port

    core = sys.modules[f"{PACKAGE}._runtime._core"]
    waits: list[float] = []
    monkeypatch.setattr(core.time, "sleep", waits.append)
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with (
        api.Client(base_url=nobody, api_key_auth="k", max_retries=2) as client,
        pytest.raises(api.ApiConnectionError),
    ):
        client.service_management.list()
    assert len(waits) == 2
    with (
        api.Client(base_url=nobody, max_retries=0) as client,
        pytest.raises(api.ApiConnectionError) as failed,
    ):
        client.service_management.list(timeout=0.5)
    assert not isinstance(failed.value, api.ApiTimeoutError)


# -- a corpus Petstore: its generated service and its client -------------------------------------


@pytest.fixture(scope="module")
def petstore3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, str]]:
    document = corpus_document("swagger_petstore3")
    root = tmp_path_factory.mktemp("petstore3-client")
    generate(document, root / "service")
    generate_client(document, root / "client", package="petstore3_e2e_client")
    api = import_client(root / "client", "petstore3_e2e_client")
    env = {"PETSTORE_AUTH_KEYS": "token", "API_KEY_KEYS": "key"}
    with Server(root / "service", env, root / "petstore3.db") as server:
        yield api, server.url


async def petstore_flow(api: ModuleType, client: Any, anonymous: Any, base: int) -> None:
    m = api.models
    pet = m.Pet(id=base, name="rex", photo_urls=["a.png"], status="available", category=m.Category(id=1, name="Dogs"), tags=[m.Tag(id=1, name=f"good{base}")])  # fmt: skip
    created = await run(client.pet.create(body=pet))
    assert (created.id, created.tags[0].name) == (base, f"good{base}")
    assert (await run(client.pet.retrieve(base))).category.name == "Dogs"
    assert base in [p.id for p in await run(client.pet.find_pets_by_status(status="available"))]
    assert [p.id for p in await run(client.pet.find_pets_by_tags(tags=[f"good{base}"]))] == [base]
    changed = await run(
        client.pet.update(body=m.Pet(id=base, name="max", photo_urls=[], status="sold"))
    )
    assert (changed.name, changed.status) == ("max", "sold")
    order = await run(
        client.store.create(body=m.Order(id=base, pet_id=base, quantity=2, status="placed"))
    )
    assert (await run(client.store.retrieve(order.id))).quantity == 2
    await run(client.store.delete(order.id))
    with pytest.raises(api.errors.NotFoundError):
        await run(client.store.retrieve(order.id))
    user = await run(client.user.create(body=m.User(username=f"ann{base}", first_name="Ann")))
    assert user.username == f"ann{base}"
    await run(
        client.user.update(f"ann{base}", body=m.User(username=f"ann{base}", first_name="Anna"))
    )
    assert (await run(client.user.retrieve(f"ann{base}"))).first_name == "Anna"
    await run(client.user.delete(f"ann{base}"))
    # operations left to handlers answer 501 until someone writes them: an ApiError
    for pending in (
        lambda: client.pet.update_pet_with_form(base, name="x"),
        lambda: client.pet.upload_file(base, body=b"\x89PNG"),
        lambda: client.store.get_inventory(),
        lambda: client.user.login_user(username="ann", password="pw"),
        lambda: client.user.logout_user(),
        lambda: client.user.create_users_with_list_input(body=[m.User(username="bob")]),
    ):
        with pytest.raises(api.ApiError) as not_yet:
            await run(pending())
        assert not_yet.value.status == 501
    await run(client.pet.delete(base))
    with pytest.raises(api.errors.NotFoundError):
        await run(client.pet.retrieve(base))
    with pytest.raises(api.ApiError) as refused:
        await run(anonymous.pet.retrieve(base))
    assert refused.value.status == 401


def test_swagger_petstore3_through_both_clients(petstore3: tuple[ModuleType, str]) -> None:
    api, url = petstore3
    with (
        api.Client(base_url=url, petstore_auth="token", api_key="key") as client,
        api.Client(base_url=url) as anonymous,
    ):
        asyncio.run(petstore_flow(api, client, anonymous, 7))

    async def asynchronous() -> None:
        async with (
            api.AsyncClient(base_url=url, petstore_auth="token", api_key="key") as client,
            api.AsyncClient(base_url=url) as anonymous,
        ):
            await petstore_flow(api, client, anonymous, 8)

    asyncio.run(asynchronous())


def test_petstore_expanded_through_the_sync_client(tmp_path: Path) -> None:
    document = corpus_document("oai30_petstore_expanded")
    generate(document, tmp_path / "service")
    generate_client(document, tmp_path / "client", package="expanded_e2e_client")
    api = import_client(tmp_path / "client", "expanded_e2e_client")
    assert not hasattr(api.resources.DefaultResource, "list_all")  # a limit alone does not page
    with (
        Server(tmp_path / "service", {}, tmp_path / "expanded.db") as server,
        api.Client(base_url=server.url) as client,
    ):
        ids = [
            client.default.create(body=api.models.NewPet(name=n, tag=f"t-{n}")).id for n in "abc"
        ]
        assert client.default.retrieve(ids[1]).tag == "t-b"
        assert [p.id for p in client.default.list(limit=2)] == ids[:2]
        client.default.delete(ids[1])
        with pytest.raises(api.ApiError) as missing:
            client.default.retrieve(ids[1])
        assert missing.value.status == 404
        assert isinstance(missing.value.body, api.models.Error)  # the declared default answer
        assert missing.value.body.code == 404
        assert [p.id for p in client.default.list()] == [ids[0], ids[2]]


def test_link_header_paging_against_its_generated_service(tmp_path: Path) -> None:
    spec = REPO / "tests" / "client_specs" / "linked.yml"
    generate(spec, tmp_path / "service")
    generate_client(spec, tmp_path / "client", package="notebook_e2e_client")
    api = import_client(tmp_path / "client", "notebook_e2e_client")
    recorder = Faults()
    with (
        Server(tmp_path / "service", {}, tmp_path / "notes.db") as server,
        api.Client(base_url=server.url, http_client=httpx.Client(transport=recorder)) as client,
    ):
        made = [client.notes.create(body=api.models.NewNote(text=f"n{i}")).id for i in range(7)]
        recorder.seen.clear()
        assert [n.id for n in client.notes.list_all(per_page=3)] == made
        pages = [r.url for r in recorder.seen]
        assert len(pages) == 3 and all(r.method == "GET" for r in recorder.seen)
        assert "page" not in pages[0].params and pages[1].params["page"] == "2"  # from Link

        async def asynchronous() -> list[int]:
            async with api.AsyncClient(base_url=server.url) as aclient:
                return [n.id async for n in aclient.notes.list_all(per_page=2)]

        assert asyncio.run(asynchronous()) == made
