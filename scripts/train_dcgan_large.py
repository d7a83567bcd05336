"""Train the PyTorch-style DCGAN at 128x128 or 64x64, one GAN per class.

    python scripts/train_dcgan_large.py --data-dir DATA

The same code as `pyimagesearch-gan train` (every flag works here too); the defaults are the
S1 NEU settings (preset neu-dcgan128-sn: 128x128, spectral-norm discriminator). The S3 settings
(64x64 RGB, nz 10, batch 1) are `--preset dcgan64-rgb --data-dir <class-per-subfolder images>`.
"""

import sys

from pyimagesearch_gan.commands import main

if __name__ == "__main__":
    main(["train", "--preset", "neu-dcgan128-sn", *sys.argv[1:]])
