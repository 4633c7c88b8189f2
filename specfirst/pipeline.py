"""The one path from spec to output: load and validate -> model -> steps -> writer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from specfirst.build import build_api
from specfirst.ir import Api
from specfirst.loader import load_spec
from specfirst.render import StepContext
from specfirst.steps import STEPS
from specfirst.writer import OutputFile, WriteResult, diff_tree, format_python, write_tree


def load_api(spec_path: str | Path) -> Api:
    """Load, check and model the document (raises SpecError with every located problem)."""
    return build_api(load_spec(spec_path))


def _reader(out_dir: str | Path | None):  # noqa: ANN202
    def previous(path: str) -> str | None:
        if out_dir is None:
            return None
        target = Path(out_dir) / path
        return target.read_text(encoding="utf-8") if target.is_file() else None

    return previous


def render_files(
    api: Api,
    spec_path: str | Path,
    steps: Sequence[ModuleType] = STEPS,
    out_dir: str | Path | None = None,
) -> list[OutputFile]:
    """Run the steps in order and format the generated Python, all in memory."""
    ctx = StepContext(api=api, spec_name=Path(spec_path).name, previous=_reader(out_dir))
    files: list[OutputFile] = []
    for step in steps:
        files.extend(step.generate(ctx))
    return format_python(files)


def generate(spec_path: str | Path, out_dir: str | Path, *, force: bool = False) -> WriteResult:
    api = load_api(spec_path)
    files = render_files(api, spec_path, out_dir=out_dir)
    return write_tree(Path(out_dir), files, force=force, source=Path(spec_path).name)


def stale_files(spec_path: str | Path, out_dir: str | Path) -> list[str]:
    """Files in ``out_dir`` that differ from what ``generate`` would write."""
    api = load_api(spec_path)
    return diff_tree(Path(out_dir), render_files(api, spec_path, out_dir=out_dir))


def generate_step(spec_path: str | Path, out_dir: str | Path, step_name: str, *, force: bool = False) -> WriteResult:
    """Write only one step's files; every other generated file keeps its current content.

    All steps are rendered in memory (cheap) to know which files belong to which step:
    a file no step produces any more is removed, other steps' files are left as they are.
    """
    from specfirst.steps import step_by_name

    api = load_api(spec_path)
    target = step_by_name(step_name)
    own = render_files(api, spec_path, steps=[target], out_dir=out_dir)
    own_paths = {f.path for f in own}
    others = [f for f in render_files(api, spec_path, out_dir=out_dir) if f.path not in own_paths]
    out = Path(out_dir)
    kept: list[OutputFile] = []
    for f in others:
        current = out / f.path
        if current.is_file():
            kept.append(
                OutputFile(
                    path=f.path,
                    content=current.read_text(encoding="utf-8"),
                    user_owned=f.user_owned,
                    functions=f.functions,
                )
            )
    return write_tree(out, own + kept, force=force, source=Path(spec_path).name)
