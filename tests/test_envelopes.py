"""List envelopes of every common shape, served for real and paged through.

``tests/specs/envelopes.yml`` has one resource per envelope family: a count beside the items
(``{articles, articlesCount}``), totals under ``meta`` with page numbers, a cursor with
``has_more`` (and a forged cursor refused with the declared 400), JSON:API ``data``/``meta``/
``links`` with ``page[number]``/``page[size]``, HAL ``_embedded``/``_links``, a bare array with
``Link``/``X-Total-Count``/rate-limit headers, and items nested in ``data.items`` with a marker
and a next link. The service is generated once and served by uvicorn with an SQLite file; each
test creates items, walks every page the way a client would (following the cursors and links
the answers give), and checks the figures, that the pages hold every item exactly once, and
that every answer validates against the schema the document declares.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jsonschema
import pytest
import yaml
from e2e_server import REPO, Server, generate

SPEC = REPO / "tests" / "specs" / "envelopes.yml"
DOCUMENT = yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def _inline(node: Any) -> Any:
    """The schema with every local ``$ref`` replaced by its target (the document has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = DOCUMENT
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _inline(target)
        return {key: _inline(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value) for value in node]
    return node


def check(response: httpx.Response, path: str, status: int = 200) -> Any:
    """The answer's JSON, after checking its status and that it validates against the declared schema."""
    assert response.status_code == status, response.text
    declared = DOCUMENT["paths"][path][response.request.method.lower()]["responses"][str(status)]
    schema = next(iter(declared["content"].values()))["schema"]
    body = response.json()
    jsonschema.validate(body, _inline(schema), format_checker=jsonschema.FormatChecker())
    return body


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    out = tmp_path_factory.mktemp("envelopes") / "service"
    generate(SPEC, out)
    with Server(out, db_path=out.parent / "db.sqlite") as server:
        yield server


@pytest.fixture
def client(service: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=30) as c:
        yield c


def create(
    client: httpx.Client, path: str, body: dict[str, Any], media: str = "application/json"
) -> dict[str, Any]:
    import json

    response = client.post(path, content=json.dumps(body), headers={"content-type": media})
    assert response.status_code == 201, response.text
    return response.json()


def test_plan_shows_how_each_envelope_field_is_filled() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "specfirst", "plan", str(SPEC)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in [
        "articlesCount <- total",
        "meta.total <- total",
        "meta.page <- page number",
        "has_more <- has more",
        "next_cursor <- next page cursor",
        "object <- constant 'list'",
        "meta.total_count <- total",
        "meta.count <- items in this page",
        "meta.total_pages <- page count",
        "links.next <- next page link",
        "_links.next.href <- next page link",
        "_embedded.pets <- the items of the page",
        "data.items <- the items of the page",
        "header X-Total-Count <- total",
        "header Link <- next, previous, first and last page links",
        "header Location <- the created item's URL",
        "cursor starting_after: opaque, issued by the service (any other is refused with 400)",
        "cursor marker: opaque, issued by the service (any other is read as the first page)",
    ]:
        assert line in result.stdout, f"{line!r} not in:\n{result.stdout}"


def test_count_beside_the_items(client: httpx.Client) -> None:
    ids = [create(client, "/articles", {"title": f"article {n}"})["id"] for n in range(7)]
    seen: list[int] = []
    for offset in range(0, 9, 3):
        body = check(client.get("/articles", params={"limit": 3, "offset": offset}), "/articles")
        assert body["articlesCount"] == 7
        seen += [a["id"] for a in body["articles"]]
    assert seen == ids
    # no paging parameter at all: the declared defaults, and still the count
    body = check(client.get("/articles"), "/articles")
    assert body["articlesCount"] == 7 and len(body["articles"]) == 7
    # positions past what SQL can bind: past every item, or every item
    huge = 2**80
    body = check(client.get("/articles", params={"offset": huge}), "/articles")
    assert body == {"articles": [], "articlesCount": 7}
    body = check(client.get("/articles", params={"limit": huge}), "/articles")
    assert [a["id"] for a in body["articles"]] == ids


def test_location_of_a_created_item_reads_it_back(client: httpx.Client) -> None:
    response = client.post("/articles", json={"title": "located"})
    assert response.status_code == 201
    location = response.headers["location"]
    assert location.startswith("http") and location.endswith(f"/articles/{response.json()['id']}")
    assert client.get(location).json() == response.json()


def test_meta_totals_and_page_numbers(client: httpx.Client) -> None:
    ids = [create(client, "/notes", {"text": f"note {n}"})["id"] for n in range(5)]
    seen: list[int] = []
    for page in (1, 2, 3, 4):
        body = check(client.get("/notes", params={"page": page, "limit": 2}), "/notes")
        assert body["meta"] == {"total": 5, "page": page, "limit": 2}
        seen += [n["id"] for n in body["data"]]
    assert seen == ids  # the fourth page is empty


def test_cursor_and_has_more_page_through_without_gaps_or_repeats(client: httpx.Client) -> None:
    ids = [create(client, "/events", {"name": f"event {n}"})["id"] for n in range(7)]
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 3}
    pages = 0
    while True:
        body = check(client.get("/events", params=params), "/events")
        pages += 1
        assert body["object"] == "list"
        seen += [e["id"] for e in body["data"]]
        if pages == 1:
            # items deleted and written meanwhile move no page: the cursor names an item, not a position
            assert client.delete(f"/events/{ids[0]}").status_code == 204
            ids.append(create(client, "/events", {"name": "late"})["id"])
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        assert body["next_cursor"]
        params = {"limit": 3, "starting_after": body["next_cursor"]}
    assert seen == ids
    assert pages == 3
    # backwards from the last page, with the cursor it gives
    assert "prev_cursor" in body
    back = check(
        client.get("/events", params={"limit": 3, "ending_before": body["prev_cursor"]}), "/events"
    )
    assert [e["id"] for e in back["data"]] == ids[3:6]
    assert back["has_more"] is True


@pytest.mark.parametrize(
    "cursor", ["xyz", "WzIsMSwyXQ.000000000000", "WzIsMSwyXQ", "W.\u00ff", "vT\U0003ddc2\u00b5"]
)
def test_a_cursor_the_service_did_not_issue_is_refused_with_the_declared_400(
    client: httpx.Client, cursor: str
) -> None:
    response = client.get("/events", params={"starting_after": cursor})
    body = check(response, "/events", 400)
    assert "cursor" in body["message"]


def test_jsonapi_data_meta_and_links(client: httpx.Client) -> None:
    media = "application/vnd.api+json"
    ids = [create(client, "/documents", {"title": f"doc {n}"}, media)["id"] for n in range(5)]
    url = "/documents?page[number]=1&page[size]=2"
    seen: list[int] = []
    pages = []
    while url:
        body = check(client.get(url), "/documents")
        pages.append(body)
        seen += [d["id"] for d in body["data"]]
        assert body["meta"]["total_count"] == 5 and body["meta"]["total_pages"] == 3
        assert body["meta"]["count"] == len(body["data"])
        url = body["links"].get("next")
    assert seen == ids and len(pages) == 3
    assert "prev" not in pages[0]["links"] and "prev" in pages[1]["links"]
    last = check(client.get(pages[0]["links"]["last"]), "/documents")
    assert [d["id"] for d in last["data"]] == ids[4:]
    first = check(client.get(pages[2]["links"]["first"]), "/documents")
    assert [d["id"] for d in first["data"]] == ids[:2]


def test_hal_embedded_and_links(client: httpx.Client) -> None:
    ids = [create(client, "/pets", {"name": f"pet {n}"})["id"] for n in range(5)]
    url: str | None = "/pets?limit=2"
    seen: list[int] = []
    hops = 0
    while url:
        body = check(client.get(url), "/pets")
        hops += 1
        assert body["total"] == 5
        assert body["_links"]["self"]["href"].endswith(url if hops == 1 else urlsplit(url).query)
        seen += [p["id"] for p in body["_embedded"]["pets"]]
        url = body["_links"].get("next", {}).get("href")
    assert seen == ids and hops == 3


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]*)>;\s*rel="([^"]+)"', header)}


def test_link_total_count_and_rate_limit_headers(client: httpx.Client) -> None:
    ids = [create(client, "/tags", {"label": f"tag {n}"})["id"] for n in range(5)]
    url: str | None = "/tags?per_page=2"
    seen: list[int] = []
    while url:
        response = client.get(url)
        seen += [t["id"] for t in check(response, "/tags")]
        assert response.headers["x-total-count"] == "5"
        assert int(response.headers["x-rate-limit-limit"]) >= 1
        links = _links(response.headers.get("link", ""))
        assert parse_qs(urlsplit(links["first"]).query)["page"] == ["1"]
        assert parse_qs(urlsplit(links["last"]).query)["page"] == ["3"]
        url = links.get("next")
    assert seen == ids


def test_items_nested_in_data_with_a_marker_and_a_next_link(client: httpx.Client) -> None:
    ids = [create(client, "/boxes", {"label": f"box {n}"})["id"] for n in range(5)]
    body = check(client.get("/boxes", params={"limit": 2}), "/boxes")
    seen = [b["id"] for b in body["data"]["items"]]
    assert body["kind"] == "boxes" and body["data"]["total_count"] == 5
    by_marker = check(
        client.get("/boxes", params={"limit": 2, "marker": body["next_marker"]}), "/boxes"
    )
    by_link = check(client.get(body["next_url"]), "/boxes")
    assert by_marker == by_link
    seen += [b["id"] for b in by_marker["data"]["items"]]
    last = check(client.get(by_marker["next_url"]), "/boxes")
    seen += [b["id"] for b in last["data"]["items"]]
    assert seen == ids
    assert last["next_marker"] is None and last["next_url"] is None
    # no 400 declared: a marker the service did not issue reads from the start
    again = check(client.get("/boxes", params={"limit": 2, "marker": "forged"}), "/boxes")
    assert [b["id"] for b in again["data"]["items"]] == ids[:2]


def test_the_generated_suite_passes(service: Server) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider"],
        cwd=service.app_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " failed" not in result.stdout


def test_generated_files_import(service: Server) -> None:
    assert (Path(service.app_dir) / "app" / "crud" / "paging.py").is_file()
