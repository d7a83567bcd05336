"""Model families. Each is a small module with `build(options, num_classes) -> (generator,
discriminator)` (`options`: config.ModelOptions) and `CONDITIONAL` (whether both networks take class labels).

An unconditional generator maps noise (noise_dim,) to an image in [-1, 1] and its
discriminator maps an image to a real/fake probability (N, 1). A conditional generator takes
[noise, label] and its discriminator returns [probability (N, 1), class probabilities (N, K)].
"""

import dataclasses
import importlib
import json

from pyimagesearch_gan.errors import UserError

FAMILIES = ("book", "dcgan", "acgan", "mlp")
CONDITIONAL_FAMILIES = ("acgan",)  # each module's CONDITIONAL, known without importing Keras


@dataclasses.dataclass(frozen=True)
class Setting:
    """One model setting (`--set model.NAME=VALUE`): its type and the values it takes."""

    kind: type  # int, float or bool
    low: float | None = None  # the smallest value it takes
    below: float | None = None  # a value it must stay under

    def describe(self):
        words = {int: "a whole number", float: "a number", bool: "true or false"}[self.kind]
        if self.low is not None and self.below is not None:
            return f"{words} in [{self.low:g}, {self.below:g})"
        return f"{words} of at least {self.low:g}" if self.low is not None else words

    def accepts(self, value):
        if isinstance(value, bool) or self.kind is bool:
            return isinstance(value, bool) and self.kind is bool
        if not isinstance(value, int if self.kind is int else (int, float)):
            return False
        return (self.low is None or value >= self.low) and (self.below is None or value < self.below)


COUNT, SLOPE, SHARE = Setting(int, 1), Setting(float, 0.0), Setting(float, 0.0, 1.0)
# Each family's model settings, with the values its `build` can use (known without importing Keras).
SETTINGS = {
    "book": {"dim": COUNT, "depth": COUNT, "output_dim": COUNT, "alpha": SLOPE},
    "dcgan": {
        "ngf": COUNT,
        "ndf": COUNT,
        "slope": SLOPE,
        "spectral_norm": Setting(bool),
        "bn_momentum": SHARE,
        "bn_epsilon": Setting(float, 1e-12),
        "init_std": Setting(float, 0.0),
    },
    "acgan": {
        "depth": COUNT,
        "kernel_size": COUNT,
        "momentum": SHARE,
        "filters": COUNT,
        "alpha": SLOPE,
        "dropout": SHARE,
    },
    "mlp": {"alpha": Setting(float, 1 / 32), "slope": SLOPE, "dropout": SHARE},
}


def check_model_settings(family, model):
    """A one-line UserError for a model setting `family` does not have or a value it cannot use."""
    known = SETTINGS.get(family, {})
    for name, value in model.items():
        if name not in known:
            raise UserError(
                f"unknown setting 'model.{name}' for the {family} family; its settings: "
                + ", ".join(f"model.{key}" for key in known)
            )
        if not known[name].accepts(value):
            raise UserError(f"setting 'model.{name}' must be {known[name].describe()}, got {json.dumps(value)}")


def is_conditional(name):
    return name in CONDITIONAL_FAMILIES


def get_family(name):
    """The module of model family `name`."""
    if name not in FAMILIES:
        raise UserError(f"unknown model family '{name}'; choose one of {', '.join(FAMILIES)}")
    return importlib.import_module(f"{__name__}.{name}")
