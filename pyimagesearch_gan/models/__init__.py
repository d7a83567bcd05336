"""Model families. Each is a small module with `build(cfg, num_classes) -> (generator,
discriminator)` and `CONDITIONAL` (whether both networks take class labels).

An unconditional generator maps noise (noise_dim,) to an image in [-1, 1] and its
discriminator maps an image to a real/fake probability (N, 1). A conditional generator takes
[noise, label] and its discriminator returns [probability (N, 1), class probabilities (N, K)].
"""

import importlib

from pyimagesearch_gan.errors import UserError

FAMILIES = ("book", "dcgan", "acgan", "mlp")
CONDITIONAL_FAMILIES = ("acgan",)  # each module's CONDITIONAL, known without importing Keras


def is_conditional(name):
    return name in CONDITIONAL_FAMILIES


def get_family(name):
    """The module of model family `name`."""
    if name not in FAMILIES:
        raise UserError(f"unknown model family '{name}'; choose one of {', '.join(FAMILIES)}")
    return importlib.import_module(f"{__name__}.{name}")
