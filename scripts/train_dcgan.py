"""Train the book DCGAN one GAN per class, the book's way: python scripts/train_dcgan.py --dataset neu

The same code as `pyimagesearch-gan train` (every flag works here too); the defaults are the
seed-000 NEU settings (preset neu-dcgan).
"""

import sys

from pyimagesearch_gan.commands import main

if __name__ == "__main__":
    main(["train", *sys.argv[1:]])
