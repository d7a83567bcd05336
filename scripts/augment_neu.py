"""Do GAN images help a NEU classifier? The book's way: python scripts/augment_neu.py --data-dir DIR --output DIR

The same code as `pyimagesearch-gan augment-neu` (every flag works here too).
"""

import sys

from pyimagesearch_gan.commands import main

if __name__ == "__main__":
    main(["augment-neu", *sys.argv[1:]])
