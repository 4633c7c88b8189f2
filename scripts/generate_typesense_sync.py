"""Run the `typesense_sync` generator step: python scripts/generate_typesense_sync.py SPEC --out DIR [--force]."""

import sys

from specfirst.scripts import run_step

if __name__ == "__main__":
    sys.exit(run_step("typesense_sync"))
