"""Run the `tests` generator step: python scripts/generate_tests.py SPEC --out DIR [--force]."""

import sys

from specfirst.scripts import run_step

if __name__ == "__main__":
    sys.exit(run_step("tests"))
