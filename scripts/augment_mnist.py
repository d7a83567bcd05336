"""S4's MNIST augmentation experiments, the book's way: python scripts/augment_mnist.py --data-dir DIR --output DIR

The same code as `pyimagesearch-gan augment-mnist` (every flag works here too).
"""

import sys

from pyimagesearch_gan.commands import main

if __name__ == "__main__":
    main(["augment-mnist", *sys.argv[1:]])
