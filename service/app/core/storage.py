# Copied verbatim from specfirst/runtime/storage.py by specfirst 0.1.0. Do not edit: regenerate.
"""SQLite under concurrent writers: connection settings and writes retried on a lock.

SQLite lets one writer at a time change a database file. Every connection is opened in WAL
mode (readers never wait for the writer, nor the writer for readers), with
``synchronous=NORMAL`` (a commit is durable once the WAL is checkpointed; a power cut loses at
most the last commits, never the database's consistency) and a busy timeout: a writer waits
for the lock instead of failing at once.

Within one process the service's own write transactions also take turns on a lock of their
own (``write_gate``): SQLite's busy wait polls with growing sleeps, which lets late writers
overtake early ones and makes the slowest writes very slow; a queue in the process is fair and
does not sleep. Between processes (several uvicorn workers, the sync worker, a shell), the busy
timeout arbitrates, and a write that still meets a lock (``database is locked``) is rolled back
and run again (``retry_on_lock``) after a short random pause, a bounded number of times. A write
that never gets the lock is answered 503 with ``Retry-After``: a lock is never a 500.

Settings (environment variables, read once at import):

* ``DATABASE_BUSY_TIMEOUT_MS``: how long one attempt waits for the lock (default 5000);
* ``DATABASE_LOCK_RETRIES``: how many times a locked write is run again (default 5).
"""

from __future__ import annotations

import os
import random
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError

from .errors import ApiError

T = TypeVar("T")


def _setting(name: str, default: int) -> int:
    try:
        return max(int(os.environ.get(name, "")), 0)
    except ValueError:
        return default


BUSY_TIMEOUT_MS = _setting("DATABASE_BUSY_TIMEOUT_MS", 5000)
LOCK_RETRIES = _setting("DATABASE_LOCK_RETRIES", 5)
FIRST_PAUSE = 0.02  # seconds before the first retry; doubled each time, up to LONGEST_PAUSE
LONGEST_PAUSE = 1.0
LOCK_MESSAGES = ("database is locked", "database table is locked", "database is busy")

_gates: dict[str, threading.Lock] = {}
_gates_lock = threading.Lock()
# each engine's gate, found once (rendering its URL on every write costs more than the write's
# bookkeeping); weak, so a disposed engine does not stay
_bound_gates: weakref.WeakKeyDictionary[Any, threading.Lock | None] = weakref.WeakKeyDictionary()


class StorageBusy(ApiError):
    """A write that could not get the database's lock: answered 503, to be tried again."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "storage_busy",
            "the database is busy with other writes: try again shortly",
            {"Retry-After": "1"},
        )


def sqlite_pragmas(connection: Any, _record: object = None) -> None:
    """Settings every SQLite connection is opened with (an engine ``connect`` listener)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_lock_error(exc: BaseException) -> bool:
    """Whether ``exc`` says another connection holds the lock (worth trying again)."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return any(message in text for message in LOCK_MESSAGES)


def write_gate(session: Any) -> threading.Lock | None:
    """The in-process lock write transactions on ``session``'s SQLite database take turns on.

    None for other databases (they lock rows, not the whole file).
    """
    bind = session.get_bind()
    try:
        return _bound_gates[bind]
    except (KeyError, TypeError):
        pass
    url = bind.url
    if url.get_backend_name() != "sqlite":
        gate = None
    else:
        key = url.render_as_string(hide_password=True)
        with _gates_lock:
            gate = _gates.setdefault(key, threading.Lock())
    try:
        _bound_gates[bind] = gate
    except TypeError:  # an object weak references cannot follow: looked up each time
        pass
    return gate


def pause(attempt: int) -> float:
    """Seconds to wait before retry ``attempt`` (1, 2, ...): doubling, with full jitter."""
    return random.uniform(0, min(FIRST_PAUSE * 2 ** (attempt - 1), LONGEST_PAUSE))


def retry_on_lock(session: Any, write: Callable[[], T], *, retries: int | None = None) -> T:
    """Run ``write`` (one whole transaction on ``session``, ending in a commit) to completion.

    ``write`` must start from nothing each time: on a lock error the session is rolled back
    and ``write`` runs again, up to ``retries`` times (``DATABASE_LOCK_RETRIES``); then
    :class:`StorageBusy`. Any other error is rolled back and raised as it is.
    """
    retries = LOCK_RETRIES if retries is None else retries
    gate = write_gate(session)
    attempt = 0
    while True:
        try:
            if gate is None:
                return write()
            with gate:
                return write()
        except OperationalError as exc:
            session.rollback()
            if not is_lock_error(exc):
                raise
            attempt += 1
            if attempt > retries:
                raise StorageBusy() from None
            time.sleep(pause(attempt))
        except BaseException:
            session.rollback()
            raise
