"""Run the `authentication` generator step: python scripts/generate_authentication.py SPEC --out DIR [--force]."""

import sys

from specfirst.scripts import run_step

if __name__ == "__main__":
    sys.exit(run_step("authentication"))
