"""The generator steps, in the order the master script runs them.

Each step is one module with ``NAME``, ``DESCRIPTION`` and ``generate(ctx) -> list[OutputFile]``.
"""

from __future__ import annotations

from types import ModuleType

from specfirst.steps import (
    api_routes,
    authentication,
    logging,
    main_entry,
    models_and_crud,
    schemas,
    tests,
    typesense_sync,
)

STEPS: tuple[ModuleType, ...] = (
    schemas,
    authentication,
    models_and_crud,
    typesense_sync,
    logging,
    api_routes,
    main_entry,
    tests,
)


def step_by_name(name: str) -> ModuleType:
    for step in STEPS:
        if step.NAME == name:
            return step
    raise KeyError(name)
