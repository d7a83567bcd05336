"""Named presets: each is the settings of one reference system (see ../shared/reference/SPEC.md).

A preset is a plain dict of TrainConfig fields. `description` is the one line that
`pyimagesearch-gan presets` prints and `source` the SPEC section it reproduces.
"""
from .config import TrainConfig
from .errors import UserError

BOOK_MODEL = {"dim": 7, "depth": 64, "output_dim": 512, "alpha": 0.2}

PRESETS = {
    "book-mnist": {
        "description": "Book DCGAN on MNIST digits, one GAN per digit, 50 epochs, batch 128",
        "source": "R0",
        "family": "book",
        "model": BOOK_MODEL,
        "dataset": "mnist",
        "epochs": 50,
        "batch_size": 128,
    },
    "book-fashion-mnist": {
        "description": "Book DCGAN on Fashion-MNIST, one GAN per class, 50 epochs, batch 128",
        "source": "R0",
        "family": "book",
        "model": BOOK_MODEL,
        "dataset": "fashion_mnist",
        "epochs": 50,
        "batch_size": 128,
    },
    "neu-dcgan": {
        "description": "Book DCGAN on NEU steel defects at 28x28x1, one GAN per class, 500 epochs, batch 16",
        "source": "S0 (seed 000) with R0 models",
        "family": "book",
        "model": BOOK_MODEL,
        "dataset": "neu",
        "image_size": 28,
        "channels": 1,
        "epochs": 500,
        "batch_size": 16,
        "num_benchmark": 256,
    },
}


def get_preset(name):
    """The TrainConfig of preset `name`."""
    if name not in PRESETS:
        raise UserError(f"unknown preset '{name}'; run 'pyimagesearch-gan presets' to list them ({', '.join(PRESETS)})")
    return TrainConfig(preset=name).with_overrides(PRESETS[name])
