"""Run the `main_entry` generator step: python scripts/generate_main_entry.py SPEC --out DIR [--force]."""

import sys

from specfirst.scripts import run_step

if __name__ == "__main__":
    sys.exit(run_step("main_entry"))
