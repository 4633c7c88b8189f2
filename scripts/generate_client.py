"""Generate the typed client package: python scripts/generate_client.py SPEC --out DIR [--package NAME] [--force]."""

import sys

from specfirst.cli import main

if __name__ == "__main__":
    sys.exit(main(["client", *sys.argv[1:]]))
