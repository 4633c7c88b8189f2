"""Jinja2 rendering of the templates in ``templates/``.

Templates hold only loops and conditionals; steps prepare every value they print.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from specfirst import __version__
from specfirst.ir import Api
from specfirst.quoting import FILTERS
from specfirst.writer import OutputFile

if TYPE_CHECKING:
    from specfirst.resources import Plan

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


@functools.lru_cache(maxsize=4)
def shared_environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """One environment per templates folder for the process: its compiled templates are
    reused by every later render (compiling them is most of a small document's render)."""
    return environment(templates_dir)


@dataclass
class StepContext:
    """What every step receives: the model, the spec's display name, the template environment."""

    api: Api
    spec_name: str
    env: jinja2.Environment = field(default_factory=shared_environment)
    previous: Callable[[str], str | None] = lambda _path: None
    """Reads a file the previous run generated (migration history), or None."""
    force: bool = False
    """``--force``: let through changes that rows already stored may not survive."""
    notes: list[str] = field(default_factory=list)
    """Lines a step reports about this run (what a migration does to stored rows)."""

    @cached_property
    def plan(self) -> Plan:
        """Resources and which operation does what: computed once, shared by the steps."""
        from specfirst.resources import make_plan

        return make_plan(self.api)

    def header(self, what: str) -> str:
        """The docstring of a generated Python module: generator text only.

        The document's file name is data: templates print it in a comment, through the
        ``comment`` filter (see :mod:`specfirst.quoting`).
        """
        if not what.isprintable() or '"' in what or "\\" in what:
            raise ValueError(f"a module docstring holds generator text only, not {what!r}")
        return what

    def render(
        self, template: str, out_path: str, *, user_owned: bool = False, **values: Any
    ) -> OutputFile:
        values.setdefault("spec_name", self.spec_name)
        values.setdefault("version", __version__)
        content = self.env.get_template(template).render(**values)
        return OutputFile(path=out_path, content=content, user_owned=user_owned)
