"""What the thin entry points in ``scripts/`` call: one step, validation, or everything in order."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from specfirst.cli import EXIT_DIFFERENT, EXIT_OK, print_result, run_guarded


def _parse(
    description: str, argv: Sequence[str] | None, *, force: bool = True
) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("spec", nargs="?", default="openapi3_1.yml")
    parser.add_argument("--out", default="service", help="output directory of the service")
    if force:
        parser.add_argument(
            "--force", action="store_true", help="overwrite generated files edited by hand"
        )
    return parser.parse_args(argv)


def run_step(name: str, argv: Sequence[str] | None = None) -> int:
    from specfirst.pipeline import generate_step

    args = _parse(f"Run the {name} generator step.", argv)

    def action() -> int:
        result = generate_step(args.spec, args.out, name, force=args.force)
        print_result(f"[{name}] {args.out}", result)
        return EXIT_OK

    return run_guarded(action)


def run_validate(argv: Sequence[str] | None = None) -> int:
    from specfirst.cli import main

    args = _parse("Validate the generated service against the spec.", argv, force=False)
    return main(["validate", args.spec, "--app", args.out])


def run_all(argv: Sequence[str] | None = None) -> int:
    """Every step in order in one run (the spec is parsed once), then the validator."""
    from specfirst.cli import main

    args = _parse("Generate the whole service, then validate it.", argv)
    code = main(["generate", args.spec, "--out", args.out, *(["--force"] if args.force else [])])
    if code != EXIT_OK:
        return code
    code = main(["validate", args.spec, "--app", args.out])
    if code == EXIT_DIFFERENT:
        print("validation found discrepancies", file=sys.stderr)
    return code
