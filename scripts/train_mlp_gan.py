"""Train the fully connected GAN (S4), one GAN per MNIST digit: python scripts/train_mlp_gan.py --data-dir DATA

The same code as `pyimagesearch-gan train` (every flag works here too); the defaults are the
S4 settings (preset mnist-mlp-gan: alpha 4, real label 0.9, two G updates per D update).
Other widths: --set model.alpha=1 (S4 tried 1, 2, 4 and 6).
"""

import sys

from pyimagesearch_gan.commands import main

if __name__ == "__main__":
    main(["train", "--preset", "mnist-mlp-gan", *sys.argv[1:]])
