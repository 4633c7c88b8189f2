"""SQLite settings and writes retried on a lock (``specfirst.runtime.storage``).

The module every generated service carries as ``app/core/storage.py``. A real SQLite file; a
second connection holds the write lock the way another process would.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from specfirst.runtime import storage
from specfirst.runtime.errors import ApiError


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setattr(storage, "BUSY_TIMEOUT_MS", 50)  # each attempt gives up quickly
    monkeypatch.setattr(storage, "FIRST_PAUSE", 0.01)
    engine = create_engine(f"sqlite:///{tmp_path / 'locked.db'}")
    event.listen(engine, "connect", storage.sqlite_pragmas)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    yield engine
    engine.dispose()


def hold_lock(engine: Engine) -> sqlite3.Connection:
    """Another connection (as another process would) holding the write lock."""
    other = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (v) VALUES ('other')")
    return other


def insert(session: Session, value: str) -> int:
    session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})
    session.commit()
    return 1


def stored(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT v FROM t ORDER BY id"))]


def test_connections_are_opened_in_wal_mode_with_a_busy_timeout(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 50
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_a_write_that_never_gets_the_lock_is_a_503_not_a_server_error(engine: Engine) -> None:
    other = hold_lock(engine)
    attempts = []

    def write() -> int:
        attempts.append(1)
        return insert(session, "mine")

    with Session(engine) as session, pytest.raises(storage.StorageBusy) as caught:
        storage.retry_on_lock(session, write, retries=3)
    assert len(attempts) == 4  # the first try and three retries
    assert isinstance(caught.value, ApiError) and caught.value.status == 503
    assert caught.value.headers == {"Retry-After": "1"}
    other.rollback()
    other.close()
    assert stored(engine) == []


def test_a_write_locked_for_a_while_is_run_again_until_it_gets_the_lock(engine: Engine) -> None:
    other = hold_lock(engine)
    attempts = []

    def write() -> int:
        attempts.append(1)
        if len(attempts) == 2:  # the lock goes away once the first attempt failed
            threading.Timer(0.0, other.commit).start()
        return insert(session, "mine")

    with Session(engine) as session:
        assert storage.retry_on_lock(session, write, retries=100) == 1
    other.close()
    assert len(attempts) >= 2  # the first attempt met the lock
    assert stored(engine) == ["other", "mine"]


def test_other_errors_are_rolled_back_and_raised_as_they_are(engine: Engine) -> None:
    def write() -> int:
        session.execute(text("INSERT INTO t (v) VALUES ('half')"))
        session.execute(text("INSERT INTO nowhere VALUES (1)"))
        return 1

    with Session(engine) as session, pytest.raises(OperationalError, match="no such table"):
        storage.retry_on_lock(session, write)
    assert stored(engine) == []


def test_lock_errors_are_told_from_others() -> None:
    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    missing = OperationalError("INSERT", {}, sqlite3.OperationalError("no such table: t"))
    assert storage.is_lock_error(locked)
    assert not storage.is_lock_error(missing)
    assert not storage.is_lock_error(ValueError("database is locked"))


def test_engines_on_one_file_share_one_gate_and_other_files_have_their_own(
    engine: Engine, tmp_path: Path
) -> None:
    same_file = create_engine(engine.url)
    other_file = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with Session(engine) as a, Session(same_file) as b, Session(other_file) as c:
            gate = storage.write_gate(a)
            assert gate is not None
            assert storage.write_gate(a) is gate  # found once per engine, the same each time
            assert storage.write_gate(b) is gate
            assert storage.write_gate(c) not in (None, gate)
    finally:
        same_file.dispose()
        other_file.dispose()
