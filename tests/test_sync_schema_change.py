"""A spec edit that changes a collection's fields rebuilds it from the database at the next start."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typesense_server import (
    ADMIN,
    REPO,
    SERVICE_COLUMNS,
    ServiceProcess,
    TypesenseServer,
    collection_items,
    database_items,
    wait_until,
)

from specfirst.pipeline import generate

pytest_plugins = ["typesense_server"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def with_version_field(tmp_path: Path) -> Path:
    """openapi3_1.yml plus an integer ``version`` on the registry entries."""
    document = yaml.safe_load((REPO / "openapi3_1.yml").read_text())
    for name in ("ServiceRegistration", "ServiceResponse"):
        document["components"]["schemas"][name]["properties"]["version"] = {"type": "integer"}
    path = tmp_path / "openapi_v2.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_new_fields_rebuild_the_collection_with_the_data_kept(
    typesense_server: TypesenseServer, tmp_path: Path
) -> None:
    out = tmp_path / "service"
    generate(REPO / "openapi3_1.yml", out)
    database = tmp_path / "service.db"
    service = ServiceProcess(out, database, typesense_server.env())
    service.start()
    try:
        for n in range(5):
            assert service.register(f"svc-{n}", f"Service {n}", ["core"]).status_code == 201
        wait_until(lambda: collection_items(typesense_server) == database_items(database), 10)
        before = typesense_server.client().aliases["services"].retrieve()["collection_name"]
    finally:
        service.stop()

    generate(with_version_field(tmp_path), out)  # the spec edit: a migration and new fields
    columns = (*SERVICE_COLUMNS, "version")
    service = ServiceProcess(out, database, typesense_server.env())
    service.start()
    try:
        body = {
            "id": "svc-new",
            "name": "New",
            "description": "d",
            "openapi_url": "https://n.example/o.json",
            "version": 3,
        }
        assert service.http.post("/services/register", json=body, headers=ADMIN).status_code == 201

        def rebuilt() -> bool:
            return collection_items(typesense_server, columns=columns) == database_items(
                database, columns=columns
            )

        wait_until(rebuilt, 15)
        client = typesense_server.client()
        after = client.aliases["services"].retrieve()["collection_name"]
        assert after != before
        fields = {f["name"]: f["type"] for f in client.collections["services"].retrieve()["fields"]}
        assert fields["version"] == "int64"
        hits = client.collections["services"].documents.search(
            {"q": "*", "query_by": "name", "filter_by": "version:>2"}
        )
        assert [h["document"]["id"] for h in hits["hits"]] == ["svc-new"]
        assert before not in [c["name"] for c in client.collections.retrieve()]
    finally:
        service.stop()
