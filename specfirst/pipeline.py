"""The one path from spec to output: load and validate -> model -> steps -> writer."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specfirst import fingerprint
from specfirst.bundled import source_file
from specfirst.errors import Problem, SpecError
from specfirst.writer import (
    MANIFEST_NAME,
    OutputFile,
    WriteResult,
    diff_tree,
    format_python,
    write_tree,
)

if TYPE_CHECKING:
    from specfirst.diff import Report
    from specfirst.ir import Api

# The loader, the model and the steps are imported where they are used: a regeneration
# answered from the manifest (see `generate`) needs none of them.

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
    from specfirst.build import build_api
    from specfirst.loader import load_spec

    api = build_api(load_spec(spec_path, strict=strict, ref_root=ref_root))
    if on_warning is not None:
        for warning in api.warnings:
            on_warning(warning)
    return api


def _reader(out_dir: str | Path | None) -> Callable[[str], str | None]:
    def previous(path: str) -> str | None:
        if out_dir is None:
            return None
        target = Path(out_dir) / path
        return target.read_text(encoding="utf-8") if target.is_file() else None

    return previous


def render_by_step(
    api: Api,
    spec_path: str | Path,
    out_dir: str | Path | None = None,
    *,
    force: bool = False,
    notes: list[str] | None = None,
    ref_root: str | Path | None = None,
) -> tuple[list[OutputFile], dict[str, str]]:
    """Every step's files, formatted together (one ruff run), and which step wrote each path.

    A change the rows stored by the service in ``out_dir`` may not survive raises a located
    `StorageRefusal` unless ``force``; what the migrations do about stored rows is appended to
    ``notes``."""
    from specfirst.render import StepContext
    from specfirst.steps import STEPS
    from specfirst.stored_rows import StorageRefusal

    ctx = StepContext(
        api=api, spec_name=Path(spec_path).name, previous=_reader(out_dir), force=force
    )
    files: list[OutputFile] = []
    owner: dict[str, str] = {}
    try:
        for step in STEPS:
            produced = step.generate(ctx)
            owner.update((f.path, step.NAME) for f in produced)
            files.extend(produced)
    except StorageRefusal as exc:
        raise exc.located(spec_path, ref_root) from None
    if notes is not None:
        notes.extend(ctx.notes)
    copy = source_file(api.document)  # what the next run compares its document with
    owner[copy.path] = "source"
    files.append(copy)
    return format_python(files), owner


def render_files(
    api: Api,
    spec_path: str | Path,
    out_dir: str | Path | None = None,
    *,
    ref_root: str | Path | None = None,
) -> list[OutputFile]:
    """Run the steps in order and format the generated Python, all in memory."""
    return render_by_step(api, spec_path, out_dir, ref_root=ref_root)[0]


class BreakingChanges(Exception):
    """``--fail-on-breaking``: the document changed since the tree's last generation in ways
    that break existing clients; nothing was written. The message is the diff's summary."""


def changes_since(out_dir: str | Path, api: Api) -> Report | None:
    """What changed from the document ``out_dir`` was last generated from (the bundled copy
    kept in the tree) to ``api``'s document; None when the tree keeps no trusted copy."""
    from specfirst.bundled import SOURCE_COPY, previous_source
    from specfirst.diff import compare_specs
    from specfirst.loader import LoadedSpec

    previous = previous_source(out_dir)
    if previous is None or api.loaded is None:
        return None
    version = (3, 0) if str(previous.get("openapi", "")).startswith("3.0") else (3, 1)
    old = LoadedSpec(
        path=Path(out_dir) / SOURCE_COPY,
        document=previous,
        version=version,
        display="the last generation",
    )
    return compare_specs(old, api.loaded)


class ServiceCheckError(Exception):
    """The generated service does not import, or FastAPI cannot derive its document; nothing
    was written (the rejected tree is kept for inspection)."""


def check_tree(
    spec_path: str | Path,
    api: Api,
    tree: Path,
    out_dir: Path,
    *,
    ref_root: str | Path | None = None,
) -> None:
    """Import the app in ``tree`` and derive its document in a child interpreter, as the
    validator does; raise `ServiceCheckError` naming the generated file, the schema or
    operation and its place in the spec for whatever fails."""
    from specfirst.loader import load_spec
    from specfirst.validator.derive import derive_app
    from specfirst.validator.locate import describe_failure, describe_underivable, place
    from specfirst.validator.run import unreached_components

    derived = derive_app(tree, components=unreached_components(api.document), document=False)
    if derived.failure is None and not derived.underivable:
        return
    try:
        spec = load_spec(spec_path, ref_root=ref_root)  # only to place pointers in their files
    except SpecError:
        spec = None
    if derived.failure is not None:
        lines = [
            "the generated app does not import:",
            describe_failure(derived.failure, spec, api)[1],
        ]
    elif derived.underivable:
        lines = [
            f"FastAPI cannot derive {len(derived.underivable)} part(s) of the generated app's document:"
        ]
        for item in derived.underivable:
            lines.append(f"{place(spec, item.pointer)}: {describe_underivable(item, spec, api)}")
    lines = [lines[0], *("  " + line for text in lines[1:] for line in text.splitlines())]
    lines.append(f"nothing was written to {out_dir}; the rejected tree is kept in {tree}")
    raise ServiceCheckError("\n".join(lines))


def generate(
    spec_path: str | Path,
    out_dir: str | Path,
    *,
    force: bool = False,
    check: bool = False,
    strict: bool = False,
    on_warning: WarningSink | None = None,
    ref_root: str | Path | None = None,
    fail_on_breaking: bool = False,
) -> WriteResult:
    """Render and write the service. With ``check`` (what ``specfirst generate`` does), the
    whole tree is first built in a temporary directory, its app imported and its document
    derived in a child interpreter; if that fails, `ServiceCheckError` is raised and
    ``out_dir`` is left as it was. ``strict``, ``on_warning`` and ``ref_root``: see `load_api`.

    The changes since the tree's previous generation are summarized in
    ``WriteResult.changes``; with ``fail_on_breaking``, a change that breaks existing clients
    raises `BreakingChanges` before anything is written."""
    out = Path(out_dir)
    previous, manifest, generator, options = _previous_run(spec_path, out, strict, ref_root)
    if previous is not None:
        return _unchanged(previous, manifest, on_warning)

    api = load_api(spec_path, strict=strict, on_warning=on_warning, ref_root=ref_root)
    changes = changes_since(out, api)
    if fail_on_breaking and changes is not None and changes.breaking:
        raise BreakingChanges(
            changes.summary() + f"\n--fail-on-breaking: nothing was written to {out_dir}"
        )
    notes: list[str] = []
    files = render_by_step(
        api, spec_path, out_dir=out_dir, force=force, notes=notes, ref_root=ref_root
    )[0]
    inputs = fingerprint.record_inputs(out, Path(spec_path), api.input_files, generator, options)
    inputs.report["load_warnings"] = [dataclasses.asdict(w) for w in api.warnings]

    def verify(tree: Path) -> None:
        try:
            check_tree(spec_path, api, tree, Path(out_dir), ref_root=ref_root)
        except ServiceCheckError:
            raise  # its message names the tree, kept for inspection
        except BaseException:
            shutil.rmtree(tree, ignore_errors=True)
            raise

    result = write_tree(
        out,
        files,
        force=force,
        source=Path(spec_path).name,
        verify=verify if check else None,
        inputs=inputs,
    )
    result.migrations = notes
    result.changes = changes.summary() if changes is not None and changes.changes else ""
    return result


def _previous_run(
    spec_path: str | Path, out: Path, strict: bool, ref_root: str | Path | None
) -> tuple[fingerprint.InputsRecord | None, dict[str, Any], str, dict[str, Any]]:
    """The record of the run that wrote ``out`` when a new one would change nothing there
    (else None), with the manifest, and the generator digest and options of a new run."""
    options = fingerprint.options_of(out, strict=strict, ref_root=ref_root)
    generator = fingerprint.generator_digest()
    manifest = fingerprint.read_manifest(out / MANIFEST_NAME) or {}
    previous = fingerprint.answer_from_manifest(manifest, out, Path(spec_path), generator, options)
    return previous, manifest, generator, options


def _replay_warnings(record: fingerprint.InputsRecord, on_warning: WarningSink | None) -> None:
    """The load warnings of the recorded run, reported again as a new parse would."""
    if on_warning is not None:
        for warning in record.report.get("load_warnings", []):
            on_warning(Problem(**warning))


def _unchanged(
    record: fingerprint.InputsRecord, manifest: dict[str, Any], on_warning: WarningSink | None
) -> WriteResult:
    """What a run with nothing changed reports: the previous run's warnings again, every file
    unchanged."""
    _replay_warnings(record, on_warning)
    return WriteResult(
        written=[],
        unchanged=sorted(manifest.get("files", {})),
        removed=[],
        created_user_files=[],
        kept_user_files=sorted(record.user_files),
        orphaned_handlers=list(record.report.get("orphaned_handlers", [])),
        warnings=list(record.report.get("warnings", [])),
    )


def stale_files(
    spec_path: str | Path,
    out_dir: str | Path,
    *,
    strict: bool = False,
    on_warning: WarningSink | None = None,
    ref_root: str | Path | None = None,
) -> list[str]:
    """Files in ``out_dir`` that differ from what ``generate`` would write (none, without
    parsing the document, when the manifest says nothing changed since it was written)."""
    previous = _previous_run(spec_path, Path(out_dir), strict, ref_root)[0]
    if previous is not None:
        _replay_warnings(previous, on_warning)
        return []
    api = load_api(spec_path, strict=strict, on_warning=on_warning, ref_root=ref_root)
    return diff_tree(
        Path(out_dir), render_files(api, spec_path, out_dir=out_dir, ref_root=ref_root)
    )


def generate_step(
    spec_path: str | Path, out_dir: str | Path, step_name: str, *, force: bool = False
) -> WriteResult:
    """Write only one step's files; every other generated file keeps its current content.

    All steps are rendered (and formatted together, so a step's files come out exactly as
    in a full run) to know which files belong to which step: a file no step produces any
    more is removed, other steps' files are left as they are on disk.
    """
    from specfirst.steps import step_by_name

    api = load_api(spec_path)
    step_by_name(step_name)  # an unknown step is an error before anything is read or written
    files, owner = render_by_step(api, spec_path, out_dir, force=force)
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
