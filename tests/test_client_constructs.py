"""The generated client for a document with the constructs other generators stumble on,
against a real HTTP server (``tests/client_support.py``): discriminated unions, readOnly and
writeOnly, enums strict in requests and tolerant in answers, every kind of credential
(apiKey in query and cookie, AND and OR requirements, basic, bearer, oauth2
client-credentials), idempotency keys, cursor paging, form and multipart bodies, and a
``text/event-stream`` answer; and ``mypy --strict`` over the generated package.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pydantic
import pytest
from client_support import Kennel, generate_and_import
from conftest import REPO

SPEC = REPO / "tests" / "client_specs" / "constructs.yml"
PACKAGE = "kennel_test_client"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kennel") / "client"


@pytest.fixture(scope="module")
def api(out: Path) -> ModuleType:
    return generate_and_import(SPEC, out, PACKAGE)


@pytest.fixture(scope="module")
def kennel() -> Iterator[Kennel]:
    with Kennel() as server:
        yield server


@pytest.fixture
def fresh(kennel: Kennel) -> Kennel:
    kennel.seen.clear()
    kennel.fail_next.clear()
    return kennel


def test_the_package_compiles_and_passes_mypy_strict(api: ModuleType, out: Path) -> None:
    compiled = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", PACKAGE],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", PACKAGE],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    pyproject = (out / "pyproject.toml").read_text()
    assert 'dependencies = ["httpx>=0.27", "pydantic>=2"]' in pyproject
    assert api.client.DEFAULT_BASE_URL == "https://eu.kennel.example/v2"


def test_models_read_answers_leniently_and_check_requests_strictly(api: ModuleType) -> None:
    m = api.models
    assert "id" in m.Cat.model_fields and "id" not in m.CatRequest.model_fields  # readOnly
    assert "secret" not in m.Cat.model_fields and "secret" in m.CatRequest.model_fields  # writeOnly
    pets = pydantic.TypeAdapter(list[m.Pet]).validate_python(
        [
            {"petType": "cat", "name": "Kit", "status": "pending"},
            {"petType": "hamster", "name": "H"},
        ]
    )
    assert isinstance(pets[0], m.Cat) and pets[0].status == "pending"  # unknown enum value kept
    assert pets[1] == {"petType": "hamster", "name": "H"}  # unknown kind kept as it came
    with pytest.raises(pydantic.ValidationError):
        m.CatRequest(pet_type="cat", name="Kit", status="pending")
    with pytest.raises(pydantic.ValidationError):
        pydantic.TypeAdapter(m.PetRequest).validate_python({"petType": "hamster", "name": "H"})
    cat = m.CatRequest(petType="cat", name="Kit", nickname=None)
    assert cat.to_wire() == {
        "petType": "cat",
        "name": "Kit",
        "nickname": None,
    }  # null sent, unset not


def test_cursor_paging_with_a_query_key(api: ModuleType, fresh: Kennel) -> None:
    with api.Client(base_url=fresh.url + "/v2", query_key="qk") as client:
        pets = list(client.pets.list_pets_all(limit=2))
        assert [p["id"] if isinstance(p, dict) else p.id for p in pets] == [
            "p0",
            "p1",
            "p2",
            "p3",
            "p4",
        ]
        assert isinstance(pets[0], api.models.Cat) and pets[0].born == datetime.date(2020, 2, 2)
        assert isinstance(pets[1], api.models.Dog)
        assert [q.get("after") for _, _, q, _, _ in fresh.seen] == [None, ["p1"], ["p3"]]
        assert all(
            q["key"] == ["qk"] and "status" not in q for _, _, q, _, _ in fresh.seen
        )  # UNSET: not sent
        first = client.pets.list_pets(limit=1, status="sold")
        assert first.next_cursor == "p0" and fresh.seen[-1][2]["status"] == ["sold"]
        assert "near" not in fresh.seen[-1][2] and "x-trace" not in fresh.seen[-1][3]
        # parameters declared with JSON content travel as JSON text
        client.pets.list_pets(limit=1, near={"lat": 1.5, "lon": -2}, x_trace=["a", "b"])
        assert fresh.seen[-1][2]["near"] == ['{"lat":1.5,"lon":-2}']
        assert fresh.seen[-1][3]["x-trace"] == '["a","b"]'
    with (
        api.Client(base_url=fresh.url + "/v2") as anonymous,
        pytest.raises(api.ApiError) as refused,
    ):
        anonymous.pets.list_pets()
    assert refused.value.status == 401 and refused.value.body == {"code": "no-key"}


def test_and_requirement_sends_both_credentials(api: ModuleType, fresh: Kennel) -> None:
    with api.Client(base_url=fresh.url + "/v2", query_key="qk", cookie_key="ck") as client:
        pet = client.pets.get_pet("p1")
        assert isinstance(pet, api.models.Dog) and pet.barks is True
        with pytest.raises(api.errors.GetPetNotFoundError) as missing:
            client.pets.get_pet("nope")
        assert isinstance(missing.value.body, api.models.Problem)
        assert (missing.value.body.detail, missing.value.request_id) == ("nope", "req-404")
    with (
        api.Client(base_url=fresh.url + "/v2", query_key="qk") as half,
        pytest.raises(api.ApiError) as refused,
    ):
        half.pets.get_pet("p1")
    assert refused.value.status == 401


def test_either_credential_and_idempotent_retries_of_a_post(
    api: ModuleType, fresh: Kennel, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = sys.modules[f"{PACKAGE}._runtime._core"]
    monkeypatch.setattr(core.time, "sleep", lambda _seconds: None)
    cat = api.models.CatRequest(pet_type="cat", name="Tom", secret="s3")
    for credentials in ({"basic": ("u", "p")}, {"bearer": "tok"}):
        fresh.seen.clear()
        fresh.fail_next[:] = [503]
        with api.Client(base_url=fresh.url + "/v2", **credentials) as client:
            created = client.pets.create_pet(body=cat)
        assert isinstance(created, api.models.Cat) and created.id == "p9"
        keys = [h["idempotency-key"] for _, _, _, h, _ in fresh.seen]
        assert len(keys) == 2 and keys[0] == keys[1]  # retried with the same key
        sent = json.loads(fresh.seen[-1][4])
        assert sent == {"petType": "cat", "name": "Tom", "secret": "s3"}
    with api.Client(base_url=fresh.url + "/v2", bearer="tok") as client:
        with pytest.raises(api.errors.CreatePetConflictError) as taken:
            client.pets.create_pet(
                body=api.models.DogRequest(pet_type="dog", name="Taken"), idempotency_key="k-1"
            )
        assert taken.value.body.code == "taken" and fresh.seen[-1][3]["idempotency-key"] == "k-1"
    with (
        api.Client(base_url=fresh.url + "/v2", bearer="wrong") as client,
        pytest.raises(api.ApiError),
    ):
        client.pets.create_pet(body=cat)


def test_oauth2_client_credentials_multipart_and_forms(api: ModuleType, fresh: Kennel) -> None:
    oauth = api.OAuth2ClientCredentials("client", "secret", fresh.url + "/token", scopes=["write"])
    with api.Client(base_url=fresh.url + "/v2", oauth=oauth) as client:
        stored = client.media.upload_photo(
            body=api.models.UploadPhotoRequest(file=b"\x89PNG....", note="front")
        )
        assert (stored.size, stored.note) == (8, "front")
        client.media.upload_photo(body={"file": ("a.bin", b"abc")})
        issued = fresh.tokens_issued
        assert issued == 1  # fetched once, reused
        fresh.revoked.add(f"at-{issued}")
        assert client.media.upload_photo(body={"file": b"xy"}).size == 2  # refused: fetched again
        assert fresh.tokens_issued == issued + 1
        client.media.submit_form(body=api.models.SubmitFormRequest(name="x"))
        assert fresh.seen[-1][4] == b"name=x"  # count is UNSET: not sent
        client.media.submit_form()


def test_bytes_and_text_answers(api: ModuleType, fresh: Kennel) -> None:
    with api.Client(base_url=fresh.url + "/v2") as client:
        photo = client.media.get_photo("p1")
        assert isinstance(photo, bytes) and photo == b"\x89PNGp1"
        assert client.media.about() == "Kennel\nsince 1999"


def test_range_and_default_error_answers_have_classes_of_their_own(
    api: ModuleType, fresh: Kennel
) -> None:
    """getPhoto declares 4XX and default with a body model: each gets its own class; a 404
    (which another operation declares) is also the document's NotFoundError."""
    with api.Client(base_url=fresh.url + "/v2", max_retries=0) as client:
        fresh.fail_next[:] = [418]
        with pytest.raises(api.errors.GetPhotoStatus4XXError) as teapot:
            client.media.get_photo("p1")
        assert isinstance(teapot.value.body, api.models.Problem)
        assert teapot.value.status == 418 and teapot.value.body.code == "injected"
        fresh.fail_next[:] = [404]
        with pytest.raises(api.errors.NotFoundError) as missing:
            client.media.get_photo("p1")
        assert isinstance(missing.value, api.errors.GetPhotoStatus4XXError)
        assert isinstance(missing.value.body, api.models.Problem)
        fresh.fail_next[:] = [500]
        with pytest.raises(api.errors.GetPhotoDefaultError) as failed:
            client.media.get_photo("p1")
        assert failed.value.body.code == "injected"
        assert not isinstance(failed.value, api.errors.GetPhotoStatus4XXError)


def test_event_stream_sync_and_async(api: ModuleType, fresh: Kennel) -> None:
    with api.Client(base_url=fresh.url + "/v2") as client, client.media.watch_events() as events:
        assert [e.n for e in events] == [0, 1, 2]

    async def read() -> list[int]:
        async with api.AsyncClient(base_url=fresh.url + "/v2") as client:
            stream = await client.media.watch_events()
            return [e.n async for e in stream]

    assert asyncio.run(read()) == [0, 1, 2]


def test_async_client_pages_creates_and_refreshes(api: ModuleType, fresh: Kennel) -> None:
    async def scenario() -> None:
        oauth = api.OAuth2ClientCredentials("client", "secret", fresh.url + "/token")
        async with api.AsyncClient(
            base_url=fresh.url + "/v2", query_key="qk", bearer="tok", oauth=oauth
        ) as client:
            ids = [
                p["id"] if isinstance(p, dict) else p.id
                async for p in client.pets.list_pets_all(limit=3)
            ]
            assert ids == ["p0", "p1", "p2", "p3", "p4"]
            created = await client.pets.create_pet(
                body=api.models.DogRequest(pet_type="dog", name="Rex")
            )
            assert isinstance(created, api.models.Dog)
            stored = await client.media.upload_photo(body={"file": b"abcd", "note": "n"})
            assert stored.size == 4

    asyncio.run(scenario())
