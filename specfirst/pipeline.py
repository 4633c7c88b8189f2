"""The one path from spec to output: load and validate -> model -> steps -> writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from specfirst.build import build_api
from specfirst.errors import Problem
from specfirst.ir import Api
from specfirst.loader import load_spec
from specfirst.render import StepContext
from specfirst.steps import STEPS
from specfirst.writer import OutputFile, WriteResult, diff_tree, format_python, write_tree

WarningSink = Callable[[Problem], None]
"""Where the warnings about repaired defects go as soon as the document is loaded."""


def load_api(
    spec_path: str | Path,
    *,
    strict: bool = False,
    on_warning: WarningSink | None = None,
    ref_root: str | Path | None = None,
) -> Api:
    """Load, check and model the document (raises SpecError with every located problem).

    Repaired defects are in ``Api.warnings`` (and passed to ``on_warning``); ``strict``
    refuses them instead; ``ref_root`` widens the folder ``$ref`` may read (see load_spec).
    """
    api = build_api(load_spec(spec_path, strict=strict, ref_root=ref_root))
    if on_warning is not None:
        for warning in api.warnings:
            on_warning(warning)
    return api


def _reader(out_dir: str | Path | None):  # noqa: ANN202
    def previous(path: str) -> str | None:
        if out_dir is None:
            return None
        target = Path(out_dir) / path
        return target.read_text(encoding="utf-8") if target.is_file() else None

    return previous


def render_by_step(api: Api, spec_path: str | Path, out_dir: str | Path | None = None) -> tuple[list[OutputFile], dict[str, str]]:
    """Every step's files, formatted together (one ruff run), and which step wrote each path."""
    ctx = StepContext(api=api, spec_name=Path(spec_path).name, previous=_reader(out_dir))
    files: list[OutputFile] = []
    owner: dict[str, str] = {}
    for step in STEPS:
        produced = step.generate(ctx)
        owner.update((f.path, step.NAME) for f in produced)
        files.extend(produced)
    return format_python(files), owner


def render_files(api: Api, spec_path: str | Path, out_dir: str | Path | None = None) -> list[OutputFile]:
    """Run the steps in order and format the generated Python, all in memory."""
    return render_by_step(api, spec_path, out_dir)[0]


def generate(
    spec_path: str | Path,
    out_dir: str | Path,
    *,
    force: bool = False,
    strict: bool = False,
    on_warning: WarningSink | None = None,
    ref_root: str | Path | None = None,
) -> WriteResult:
    api = load_api(spec_path, strict=strict, on_warning=on_warning, ref_root=ref_root)
    files = render_files(api, spec_path, out_dir=out_dir)
    return write_tree(Path(out_dir), files, force=force, source=Path(spec_path).name)


def stale_files(
    spec_path: str | Path,
    out_dir: str | Path,
    *,
    strict: bool = False,
    on_warning: WarningSink | None = None,
    ref_root: str | Path | None = None,
) -> list[str]:
    """Files in ``out_dir`` that differ from what ``generate`` would write."""
    api = load_api(spec_path, strict=strict, on_warning=on_warning, ref_root=ref_root)
    return diff_tree(Path(out_dir), render_files(api, spec_path, out_dir=out_dir))


def generate_step(spec_path: str | Path, out_dir: str | Path, step_name: str, *, force: bool = False) -> WriteResult:
    """Write only one step's files; every other generated file keeps its current content.

    All steps are rendered (and formatted together, so a step's files come out exactly as
    in a full run) to know which files belong to which step: a file no step produces any
    more is removed, other steps' files are left as they are on disk.
    """
    from specfirst.steps import step_by_name

    api = load_api(spec_path)
    step_by_name(step_name)  # an unknown step is an error before anything is read or written
    files, owner = render_by_step(api, spec_path, out_dir)
    out = Path(out_dir)
    selected: list[OutputFile] = []
    for f in files:
        current = out / f.path
        if owner[f.path] == step_name:
            selected.append(f)
        elif current.is_file():
            selected.append(
                OutputFile(
                    path=f.path,
                    content=current.read_text(encoding="utf-8"),
                    user_owned=f.user_owned,
                    functions=f.functions,
                )
            )
    return write_tree(out, selected, force=force, source=Path(spec_path).name)
