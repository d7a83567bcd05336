"""Train the AC-GAN (S2): one conditional GAN for all classes: python scripts/train_acgan.py --data-dir DATA

The same code as `pyimagesearch-gan train` (every flag works here too); the defaults are the
S2 Fashion-MNIST settings (preset acgan-fashion-mnist); `--preset acgan-neu` trains the six
NEU classes. Montages have one row per class; loss.png also plots the auxiliary classifier's
accuracy on real and generated images.
"""

import sys

from pyimagesearch_gan.commands import main

if __name__ == "__main__":
    main(["train", "--preset", "acgan-fashion-mnist", *sys.argv[1:]])
