"""The ``specfirst`` command line: generate, validate, check.

Exit codes: 0 success; 1 the service differs from the spec (discrepancies or stale files),
or a spec edit that rows the service already stored may not survive (``--force`` lets it
through); 2 bad input or a refused write (located message, no traceback, output tree untouched).

A defect of the document whose meaning is clear is repaired and reported on stderr as one
located ``warning:`` line saying what was assumed; ``--strict`` refuses it instead (exit 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from specfirst.errors import Problem, SpecError
from specfirst.writer import FormatError, WriteConflict, WriteResult

if TYPE_CHECKING:
    from specfirst.diff.model import Report

EXIT_OK, EXIT_DIFFERENT, EXIT_BAD_INPUT = 0, 1, 2
INTERNAL_ERROR = "internal error (a specfirst bug)"
"""How an unexpected exception is reported (exit 2, never a traceback)."""


def print_warning(warning: Problem) -> None:
    """One located line on stderr: the defect and the repair made."""
    print(f"warning: {warning}", file=sys.stderr)


def _cmd_generate(args: argparse.Namespace) -> int:
    from specfirst.pipeline import BreakingChanges, generate

    try:
        result = generate(
            args.spec,
            args.out,
            force=args.force,
            check=True,
            strict=args.strict,
            on_warning=print_warning,
            ref_root=args.ref_root,
            fail_on_breaking=args.fail_on_breaking,
        )
    except BreakingChanges as refused:
        print(str(refused), file=sys.stderr)
        return EXIT_DIFFERENT
    print_result(args.out, result)
    return EXIT_OK


def print_result(out: str, result: WriteResult) -> None:
    """The summary line, then one line per handler module that grew, orphan and warning."""
    print(f"{out}: {result.summary()}")
    for line in result.updated_user_files:
        print(f"  handlers added: {line}")
    for line in result.orphaned_handlers:
        print(f"  orphaned handler: {line}")
    for line in result.warnings:
        print(f"  warning: {line}")
    for line in result.migrations:
        print(f"  stored rows: {line}")
    if result.changes:
        print("changes since the last generation:")
        print("  " + result.changes.replace("\n", "\n  "))


def _report(discrepancies: list, fmt: str, spec: str, app: str) -> None:  # type: ignore[type-arg]
    if fmt == "json":
        print(
            json.dumps(
                {"spec": spec, "app": app, "discrepancies": [d.to_json() for d in discrepancies]},
                indent=2,
            )
        )
        return
    for d in discrepancies:
        print(f"{d.category:13} {d.kind:15} {d.pointer or '/'}")
        if d.reason is not None:
            lines = d.reason.splitlines()
            print(f"{'':13}   reason: {lines[0]}")
            for line in lines[1:]:
                print(f"{'':13}   {line}")
            continue
        print(f"{'':13}   spec: {json.dumps(d.spec, default=str)[:300]}")
        print(f"{'':13}   app:  {json.dumps(d.app, default=str)[:300]}")
    print(f"{spec} vs {app}: {len(discrepancies)} discrepancies")


def _cmd_validate(args: argparse.Namespace) -> int:
    from specfirst.validator.run import validate

    discrepancies = validate(
        args.spec, args.app, strict=args.strict, on_warning=print_warning, ref_root=args.ref_root
    )
    _report(discrepancies, args.format, args.spec, args.app)
    return EXIT_DIFFERENT if discrepancies else EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from specfirst.pipeline import stale_files
    from specfirst.validator.run import validate

    stale = stale_files(
        args.spec, args.out, strict=args.strict, on_warning=print_warning, ref_root=args.ref_root
    )
    for path in stale:
        print(f"stale: {Path(args.out) / path} differs from what `specfirst generate` would write")
    if stale:
        print(f"{args.out} is out of date: run `specfirst generate {args.spec} --out {args.out}`")
        return EXIT_DIFFERENT
    discrepancies = validate(
        args.spec, args.out, strict=args.strict, ref_root=args.ref_root
    )  # warned above
    _report(discrepancies, "text", args.spec, args.out)
    return EXIT_DIFFERENT if discrepancies else EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    from specfirst.pipeline import load_api
    from specfirst.resources import describe, describe_gaps, make_plan, spec_gaps

    api = load_api(args.spec, strict=args.strict, on_warning=print_warning, ref_root=args.ref_root)
    plan = make_plan(api)
    print(describe(plan) + describe_gaps(spec_gaps(api, plan)), end="")
    return EXIT_OK


def _cmd_diff(args: argparse.Namespace) -> int:
    from specfirst.diff.formats import RENDERERS, rules_table

    if args.list_rules:
        print(rules_table(args.format), end="")
        return EXIT_OK
    if args.new is None:
        print("error: specfirst diff: OLD and NEW are required", file=sys.stderr)
        return EXIT_BAD_INPUT
    report = _diff_report(args)
    print(RENDERERS[args.format](report), end="")
    return EXIT_DIFFERENT if args.fail_on and report.fails(args.fail_on) else EXIT_OK


def _diff_report(args: argparse.Namespace) -> Report:
    """Read the rules file and both documents (their warnings on stderr), then compare."""
    from specfirst.diff import compare_specs, load_rules
    from specfirst.loader import load_spec

    levels = load_rules(args.rules) if args.rules else None
    specs = []
    for path in (args.old, args.new):
        spec = load_spec(path, ref_root=args.ref_root)
        for warning in spec.warnings:
            print_warning(warning)
        specs.append(spec)
    return compare_specs(specs[0], specs[1], levels=levels)


def _cmd_changelog(args: argparse.Namespace) -> int:
    from specfirst.diff.formats import render_changelog

    print(render_changelog(_diff_report(args)), end="")
    return EXIT_OK


def _cmd_client(args: argparse.Namespace) -> int:
    from specfirst import naming
    from specfirst.client import ClientCheckError, generate_client

    if args.package is not None and (
        not args.package.isidentifier() or args.package != naming.module_name(args.package)
    ):
        print(f"error: --package {args.package!r}: not a snake_case Python name", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        result = generate_client(
            args.spec,
            args.out,
            package=args.package,
            force=args.force,
            check=True,
            strict=args.strict,
            on_warning=print_warning,
            ref_root=args.ref_root,
        )
    except ClientCheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DIFFERENT
    print(f"{args.out}: {result.write.summary()} (package {result.package})")
    for line in result.changes:
        print(f"  {line}")
    return EXIT_OK


def _add_strict(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse (exit 2) a document with defects that would otherwise be repaired with a warning",
    )
    parser.add_argument(
        "--ref-root",
        metavar="DIR",
        help="folder $refs may read files from (default: the document's own folder)",
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser. Given the ``argv`` it will parse, it leaves out the options
    of ``fuzz`` when ``argv`` does not name it: they come from `specfirst.fuzz`, whose HTTP
    and asyncio stack a `generate` does not need."""
    parser = argparse.ArgumentParser(prog="specfirst", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="generate (or update) the service for a spec")
    gen.add_argument("spec")
    gen.add_argument("--out", required=True, help="output directory of the service")
    gen.add_argument(
        "--force", action="store_true", help="overwrite generated files edited by hand"
    )
    gen.add_argument(
        "--fail-on-breaking",
        action="store_true",
        help="refuse to write (exit 1) when the document changed since the last generation "
        "in a way that breaks existing clients",
    )
    _add_strict(gen)
    gen.set_defaults(run=_cmd_generate)
    val = sub.add_parser(
        "validate", help="diff the app's derived OpenAPI document against the spec"
    )
    val.add_argument("spec")
    val.add_argument("--app", required=True, help="directory of the generated service")
    val.add_argument("--format", choices=("text", "json"), default="text")
    _add_strict(val)
    val.set_defaults(run=_cmd_validate)
    fz = sub.add_parser(
        "fuzz", help="serve the app on loopback and fuzz it against the spec (schemathesis)"
    )
    if argv is None or "fuzz" in argv:
        from specfirst import fuzz

        fuzz.add_arguments(fz)
        fz.set_defaults(run=fuzz.fuzz_command)
    pln = sub.add_parser(
        "plan", help="print the resources, tables and ids inferred, and which operation does what"
    )
    pln.add_argument("spec")
    _add_strict(pln)
    pln.set_defaults(run=_cmd_plan)
    cli = sub.add_parser("client", help="generate (or update) a typed Python client package")
    cli.add_argument("spec")
    cli.add_argument("--out", required=True, help="output directory of the client package")
    cli.add_argument("--package", help="import name of the package (default: from the title)")
    cli.add_argument(
        "--force", action="store_true", help="overwrite generated files edited by hand"
    )
    _add_strict(cli)
    cli.set_defaults(run=_cmd_client)
    chk = sub.add_parser("check", help="CI gate: the service is up to date and matches the spec")
    chk.add_argument("spec")
    chk.add_argument("--out", required=True)
    _add_strict(chk)
    chk.set_defaults(run=_cmd_check)
    dif = sub.add_parser(
        "diff", help="what changed between two versions of a document, and what it breaks"
    )
    dif.add_argument("old", nargs="?")
    dif.add_argument("new", nargs="?")
    dif.add_argument(
        "--format", choices=("text", "markdown", "json", "junit", "github"), default="text"
    )
    dif.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        help="exit 1 when a change at or above this level exists",
    )
    dif.add_argument("--rules", metavar="FILE", help="YAML file: rule id -> error|warning|info|off")
    dif.add_argument(
        "--list-rules", action="store_true", help="print every rule with its default level and exit"
    )
    dif.add_argument(
        "--ref-root",
        metavar="DIR",
        help="folder $refs may read files from (default: each document's own folder)",
    )
    dif.set_defaults(run=_cmd_diff)
    log = sub.add_parser(
        "changelog", help="the changes between two documents as a Markdown changelog"
    )
    log.add_argument("old")
    log.add_argument("new")
    log.add_argument("--rules", metavar="FILE", help="YAML file: rule id -> error|warning|info|off")
    log.add_argument("--ref-root", metavar="DIR", help="folder $refs may read files from")
    log.set_defaults(run=_cmd_changelog)
    return parser


def run_guarded(action: Callable[[], int]) -> int:
    """Turn every expected failure into a located message and exit code 2 (1 for a generated
    service that does not work), never a traceback."""
    from specfirst.pipeline import ServiceCheckError

    try:
        return action()
    except ServiceCheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DIFFERENT
    except SpecError as exc:
        print(str(exc), file=sys.stderr)
    except (WriteConflict, FormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - the last resort: a message, never a traceback
        # The validator's own refusals are imported only once something is raised, so that
        # a command that never reaches the validator does not pay for importing it.
        from specfirst.stored_rows import StorageRefusal
        from specfirst.validator.derive import DeriveError
        from specfirst.validator.locate import ServiceDirError

        if isinstance(exc, StorageRefusal):  # stored rows may not survive the edit
            print(str(exc), file=sys.stderr)
            return EXIT_DIFFERENT
        if isinstance(exc, (DeriveError, ServiceDirError)):
            print(f"error: {exc}", file=sys.stderr)
        else:
            print(f"error: {INTERNAL_ERROR}: {type(exc).__name__}: {exc}", file=sys.stderr)
            print("  please report it with the document that caused it", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    return run_guarded(lambda: args.run(args))


if __name__ == "__main__":
    sys.exit(main())
