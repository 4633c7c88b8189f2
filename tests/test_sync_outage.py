"""Typesense down: every write still succeeds, and none is lost once Typesense is back."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from typesense_server import (
    ServiceProcess,
    TypesenseServer,
    collection_items,
    database_items,
    describe_difference,
    in_sync,
    outbox_depth,
    wait_in_sync,
    wait_until,
)

pytest_plugins = ["typesense_server"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def mixed_writes(service: ServiceProcess, count: int, seed: int) -> list[str]:
    """``count`` creates, updates and deletes, with deletes right after updates and re-creations."""
    rng = random.Random(seed)
    alive: list[str] = sorted(database_items(service.database))
    done: list[str] = []
    serial = 0
    while len(done) < count:
        roll = rng.random()
        if not alive or roll < 0.4:
            serial += 1
            service_id = f"svc-{seed}-{serial}"
            answer = service.register(
                service_id, f"Service {serial}", rng.sample(["core", "beta", "stable", "ai"], 2)
            )
            assert answer.status_code == 201, answer.text
            alive.append(service_id)
            done.append(f"create {service_id}")
        elif roll < 0.7:
            service_id = rng.choice(alive)
            answer = service.update(
                service_id, f"Renamed {rng.randint(0, 999)}", [rng.choice(["core", "gone"])]
            )
            assert answer.status_code == 200, answer.text
            done.append(f"update {service_id}")
        else:
            service_id = rng.choice(alive)
            answer = service.update(service_id, "Updated just before its delete")
            assert answer.status_code == 200, answer.text
            answer = service.delete(service_id)
            assert answer.status_code == 200, answer.text
            alive.remove(service_id)
            done += [f"update {service_id}", f"delete {service_id}"]
            if rng.random() < 0.5:  # the same id comes back
                answer = service.register(service_id, "Back again")
                assert answer.status_code == 201, answer.text
                alive.append(service_id)
                done.append(f"create {service_id}")
    return done


def test_writes_during_an_outage_all_reach_typesense_when_it_returns(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    service = service_factory(typesense_server.env())
    service.start()
    for n in range(5):
        assert service.register(f"before-{n}", f"Before {n}", ["core"]).status_code == 201
    wait_until(lambda: in_sync(typesense_server, service.database), 5)

    typesense_server.stop()
    writes = mixed_writes(service, 50, seed=4)
    assert len(writes) >= 50
    assert outbox_depth(service.database) > 0

    # the failed pushes are counted and reported
    wait_until(lambda: service.health()["sync"]["outbox"]["attempts"] >= 1, 15)
    figures = service.health()["sync"]
    assert figures["last_error"]
    assert figures["outbox"]["oldest_pending"] is not None
    assert figures["worker"]["reachable"] is False

    typesense_server.start()  # same port, same data directory
    seconds = wait_in_sync(typesense_server, service.database, service.log)
    print(f"in sync {seconds:.2f} s after Typesense came back")
    assert collection_items(typesense_server) == database_items(service.database)
    wait_until(lambda: service.health()["sync"]["outbox"]["depth"] == 0, 5)


def test_a_service_that_starts_while_typesense_is_down_catches_up(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    typesense_server.stop()
    service = service_factory(typesense_server.env())
    service.start()
    mixed_writes(service, 20, seed=7)
    typesense_server.start()
    wait_until(lambda: in_sync(typesense_server, service.database), 30, interval=0.2)


def test_two_instances_on_one_database_through_an_outage(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    """Two workers drain one outbox: leases keep each document's pushes in order."""
    first = service_factory(typesense_server.env())
    second = service_factory(typesense_server.env(), database=first.database)
    first.start()
    second.start()
    for n in range(3):
        mixed_writes(first if n % 2 else second, 15, seed=50 + n)
    wait_until(lambda: in_sync(typesense_server, first.database), 10)
    typesense_server.stop()
    for n in range(4):
        mixed_writes(second if n % 2 else first, 15, seed=60 + n)
    typesense_server.start()
    try:
        wait_until(lambda: in_sync(typesense_server, first.database), 30, interval=0.2)
    except AssertionError:
        raise AssertionError(describe_difference(typesense_server, first.database)) from None
    wait_until(lambda: outbox_depth(first.database) == 0, 10)
    synced = [s.health()["sync"]["worker"]["synced_documents"] for s in (first, second)]
    assert all(count > 0 for count in synced), synced  # both took part
