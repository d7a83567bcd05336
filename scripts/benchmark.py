"""Time the book loop against the project's compiled step: python scripts/benchmark.py [--quick]

The same code as `pyimagesearch-gan bench` (every flag works here too): prints a markdown
table and writes bench.json and bench.md to --output (default output/bench).
"""

import sys

from pyimagesearch_gan.commands import main

if __name__ == "__main__":
    main(["bench", *sys.argv[1:]])
