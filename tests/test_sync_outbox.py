"""The outbox is written with every change, in its transaction, and existing databases get it."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from typesense_server import ADMIN, HEALTH_DETAILS, REPO, SERVICE_KEYS

pytest_plugins = ["typesense_server"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@contextmanager
def service_modules(directory: Path) -> Iterator[None]:
    """Import the generated ``app`` package of ``directory`` (and forget it afterwards)."""
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        sys.path.remove(str(directory))
        for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
            del sys.modules[name]


@pytest.fixture
def app_client(
    generated_service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, Path]]:
    for name in ("TYPESENSE_URL", "TYPESENSE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    database = tmp_path / "app.db"
    with service_modules(generated_service):
        from app.core.config import Settings
        from app.core.db import Database
        from app.main import create_app

        app = create_app(
            Settings.from_env({**SERVICE_KEYS, **HEALTH_DETAILS}),
            database=Database(f"sqlite:///{database}"),
        )
        with TestClient(app) as client:
            yield client, database


def outbox_rows(database: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(
            "SELECT collection, document_id, operation FROM sync_outbox ORDER BY id"
        ).fetchall()


def registration(service_id: str, name: str = "Character Service") -> dict[str, Any]:
    return {
        "id": service_id,
        "name": name,
        "description": "d",
        "openapi_url": "https://x.example/openapi.json",
    }


def test_every_write_marks_its_document_once_even_with_sync_off(
    app_client: tuple[TestClient, Path],
) -> None:
    client, database = app_client
    assert (
        client.post("/services/register", json=registration("a"), headers=ADMIN).status_code == 201
    )
    assert outbox_rows(database) == [("services", "a", "create")]
    assert (
        client.put("/services/update/a", json=registration("a", "B"), headers=ADMIN).status_code
        == 200
    )
    assert client.delete("/services/delete/a", headers=ADMIN).status_code == 200
    assert outbox_rows(database) == [
        ("services", "a", "delete")
    ]  # one row per document: its latest write
    assert (
        client.post("/services/register", json=registration("b"), headers=ADMIN).status_code == 201
    )
    assert (
        client.post("/services/register", json=registration("b"), headers=ADMIN).status_code == 400
    )
    assert outbox_rows(database) == [("services", "a", "delete"), ("services", "b", "create")]
    figures = client.get("/healthz").json()["sync"]
    assert figures["enabled"] is False and figures["outbox"]["depth"] == 2


def test_the_outbox_row_commits_and_rolls_back_with_the_change(
    app_client: tuple[TestClient, Path],
) -> None:
    client, database = app_client
    from app.crud.services import services_table

    session = client.app.state.db.session()

    def refuse(_session: Any) -> None:
        raise RuntimeError("the commit fails")

    event.listen(session, "before_commit", refuse)
    with pytest.raises(RuntimeError):
        services_table.create(session, registration("never"))
    session.rollback()
    session.close()
    assert outbox_rows(database) == []
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT count(*) FROM services").fetchone()[0] == 0


def test_an_existing_database_gets_the_outbox_by_migration(tmp_path: Path) -> None:
    """A database made before sync existed is upgraded in place (a new revision), its data kept."""
    from specfirst.pipeline import generate
    from specfirst.steps.models_and_crud import migration_ops

    out = tmp_path / "service"
    generate(REPO / "openapi3_1.yml", out)
    # the history as a generator without sync left it: the resources' tables only
    latest = json.loads((out / "app/migrations/history.json").read_text())["revisions"][-1][
        "tables"
    ]
    before = {name: columns for name, columns in latest.items() if name != "sync_outbox"}
    up, down, notes = migration_ops({}, before)
    old_history = [
        {
            "revision": "0001",
            "down_revision": None,
            "message": "; ".join(notes),
            "upgrade": up,
            "downgrade": down,
            "tables": before,
        }
    ]
    (out / "app/migrations/history.json").write_text(
        json.dumps({"revisions": old_history}, indent=2) + "\n"
    )
    for version in (out / "app/migrations/versions").glob("*.py"):
        version.unlink()
    generate(REPO / "openapi3_1.yml", out, force=True)
    revisions = json.loads((out / "app/migrations/history.json").read_text())["revisions"]
    assert revisions[0] == old_history[0]
    assert [r["message"] for r in revisions[1:]] == ["create table sync_outbox"]

    database = tmp_path / "old.db"
    with service_modules(out):
        from alembic import command
        from alembic.config import Config
        from app.core.db import MIGRATIONS, Database

        db = Database(f"sqlite:///{database}")
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")  # the database as the older service left it
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO services (id, name) VALUES ('kept', 'Kept')")
        db.close()
        with closing(sqlite3.connect(database)) as connection:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        assert "sync_outbox" not in tables

        db = Database(f"sqlite:///{database}")
        db.migrate()  # what the service does at startup
        db.close()
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT name FROM services").fetchall() == [("Kept",)]
        assert connection.execute("SELECT count(*) FROM sync_outbox").fetchone()[0] == 0
        indexes = [row[1] for row in connection.execute("PRAGMA index_list('sync_outbox')")]
        assert "ix_sync_outbox_document_id" in indexes
