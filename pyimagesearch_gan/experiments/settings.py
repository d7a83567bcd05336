"""The experiments' settings and their checks, without TensorFlow.

`augment-neu` and `augment-mnist` build their settings here from the flags and check every one
of them (names known, numbers in range, the data folder there, the output folder writable,
every `--gan-set` a GAN setting of the right type) before TensorFlow starts, so that a bad
option is one line within a second.
"""

import dataclasses

from pyimagesearch_gan.config import parse_policy
from pyimagesearch_gan.data import resolve_data_dir
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import check_writable
from pyimagesearch_gan.presets import PRESETS, get_preset

CLASSIFIERS = ("cnn", "s4-mlp", "s3-cnn", "feature-cnn")  # the builders: common.CLASSIFIERS

# source: (preset, DiffAugment on D's inputs with the --diffaugment policy, ADA's r_t target or 0)
SOURCES = {
    "gan": ("neu-dcgan", False, 0.0),
    "gan-da": ("neu-dcgan", True, 0.0),
    "gan-ada": ("neu-dcgan", True, 0.6),
    "acgan": ("acgan-neu", False, 0.0),
    "acgan-da": ("acgan-neu", True, 0.0),
}


@dataclasses.dataclass
class Settings:
    """What every experiment has: real sizes, the validation share, the classifiers and their
    fitting, trials, the GAN snapshots and their CAS choice, filtering, other GAN settings."""

    sizes: tuple = ()
    validation: float = 0.15
    classifiers: tuple = ()
    trials: int = 5
    recipe_trials: int = 2  # trials of every recipe candidate; real and the recipe then get all `trials`
    snapshots: int = 10
    max_epochs: int = 200
    patience: int = 20
    clf_batch: int = 32
    side_by_side: int = 6  # classifier fits trained together in one compiled step (1: one at a time)
    filter: float | None = None
    cas_count: int = 200
    cas_epochs: int = 15
    gan_set: dict = dataclasses.field(default_factory=dict)  # any other GAN config setting
    seed: int = 0
    quick: bool = False  # --quick: tiny settings that test the pipeline, no verdict


@dataclasses.dataclass
class AugmentSettings(Settings):
    """The one augmentation experiment on a class folder (`augment`): a test and a validation
    share per class, the classic recipe (chosen on the validation images among the transform
    families, `auto`, or of the family named), GAN sources topping every class up to the
    largest (or adding k per class, or per mixing ratio round(ratio x real) per class), a
    synthetic-only situation, a budget of updates (or passes) per GAN."""

    classifiers: tuple = ("cnn",)
    test: float = 0.2
    test_per_class: int | None = None  # NEU: a fixed number per class instead of a share
    transforms: str = "auto"  # a family, none, or auto: the classic recipe chosen on the validation images
    top_up: bool = True
    k: int | None = None
    image_size: int = 28
    channels: int | None = None  # None: gray when every image is, else RGB
    sources: tuple = ("gan-da",)
    diffaugment: str = "color,translation,cutout"  # the policy of the -da sources
    gan_steps: int = 9000  # updates per GAN, whatever its class's size
    gan_batch: int = 16
    rare: tuple = ()  # NEU: rare sizes, each class in turn keeping only n_rare real images
    rare_others: int = 200
    ratios: tuple = ()  # GAN situations per mixing ratio instead of one topping up (or adding k)
    transform_ratios: tuple | None = None  # the ratios also fitted with the transforms (None: all)
    synthetic_only: int = 0  # synthetic images per class of the synthetic-only situation (0: none)
    gan_preset: str | None = None  # the GAN preset of every source instead of the source's own
    gan_epochs: int | None = None  # passes over the smallest class per GAN instead of gan_steps


@dataclasses.dataclass
class NeuSettings(AugmentSettings):
    sizes: tuple = (50, 200)
    classifiers: tuple = ("cnn", "s3-cnn")
    trials: int = 5
    test_per_class: int = 100
    top_up: bool = False
    channels: int | None = 1
    sources: tuple = ("gan-da", "gan", "acgan-da")


AUGMENT_QUICK = {
    "quick": True,
    "gan_set": {"jit_compile": False},
    "trials": 2,
    "gan_steps": 8,
    "snapshots": 2,
    "max_epochs": 3,
    "patience": 2,
    "cas_count": 10,
    "cas_epochs": 1,
}

NEU_QUICK = {
    **AUGMENT_QUICK,
    "sizes": (8,),
    "test_per_class": 10,
    "sources": ("gan-da", "acgan"),
    "classifiers": ("cnn",),
    "gan_steps": 4,
}


@dataclasses.dataclass
class MnistSettings(AugmentSettings):
    """S4 on MNIST: its MLP GAN per digit for 2,000 epochs, one GAN set per α, its mixing
    ratios (Figure 2) and 1,000 synthetic images per digit alone (Table 1)."""

    sizes: tuple = (250, 500)
    classifiers: tuple = ("s4-mlp", "cnn")
    trials: int = 5
    clf_batch: int = 64
    test: float = 0.0  # the whole MNIST test split is the test set
    transforms: str = "digits"
    top_up: bool = False
    channels: int | None = 1
    sources: tuple = ("gan",)
    ratios: tuple = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
    transform_ratios: tuple | None = (0.0, 1.0)
    synthetic_only: int = 1000
    alphas: tuple = (4,)
    gan_preset: str | None = "mnist-mlp-gan"
    gan_epochs: int | None = 2000
    gan_batch: int = 50


MNIST_QUICK = {
    "quick": True,
    "gan_set": {"jit_compile": False},
    "sizes": (20,),
    "ratios": (0.0, 1.0),
    "transform_ratios": (0.0,),
    "synthetic_only": 20,
    "classifiers": ("s4-mlp",),
    "trials": 2,
    "gan_epochs": 2,
    "snapshots": 2,
    "max_epochs": 3,
    "patience": 2,
    "cas_count": 10,
    "cas_epochs": 1,
}


def make_settings(cls, quick_values, quick, overrides):
    """`cls()` with the quick values (when `quick`) and then the given overrides (None = unset)."""
    values = dict(quick_values) if quick else {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return cls(**values)


def at_least(settings, low, *names):
    """A one-line UserError for the first of `names` below `low` (flags are --name-with-dashes)."""
    for name in names:
        value = getattr(settings, name)
        for item in value if isinstance(value, tuple) else (value,):
            if item is not None and item < low:
                raise UserError(f"--{name.replace('_', '-')} {item}: must be at least {low}")


def check_common(settings, flag_word):
    """The checks every experiment shares; `flag_word` is what a size counts ('class', 'digit')."""
    for name in settings.classifiers:
        if name not in CLASSIFIERS:
            raise UserError(f"--classifiers: unknown classifier '{name}'; choose from {', '.join(CLASSIFIERS)}")
    at_least(
        settings,
        1,
        "trials",
        "recipe_trials",
        "clf_batch",
        "side_by_side",
        "max_epochs",
        "snapshots",
        "cas_count",
        "cas_epochs",
    )
    at_least(settings, 0, "patience")
    if settings.sizes and min(settings.sizes) < 4:
        raise UserError(
            f"--sizes {min(settings.sizes)}: every size must be at least 4 images per {flag_word} "
            "(training and validation images)"
        )
    if not 0 < settings.validation < 0.5:
        raise UserError(f"--validation {settings.validation}: give a share of the real images between 0 and 0.5")
    if settings.filter is not None and not 0 < settings.filter < 1:
        raise UserError(f"--filter {settings.filter}: give a class probability between 0 and 1, e.g. 0.5")


def check_gan_set(settings, presets):
    """Every --gan-set must be a setting of the GAN presets the experiment trains, of its type."""
    for preset in presets:
        try:
            get_preset(preset).with_overrides(settings.gan_set)
        except UserError as err:
            raise UserError(f"--gan-set: {err}") from None


def check_folders(dataset, data_dir, output):
    """The output folder can be written and the data set's folder exists (the same rule as train's)."""
    check_writable(output)
    resolve_data_dir(data_dir, dataset)


TRANSFORMS = ("auto", "texture", "digits", "photo", "none")
IMAGE_SIZES = (28, 64)


def check_augment(settings, data_dir=None, output=None, dataset="folder"):
    """Every setting of `augment` (and of augment-neu, its NEU preset) before TensorFlow starts."""
    check_common(settings, "class")
    unknown = [s for s in settings.sources if s not in SOURCES]
    if unknown:
        raise UserError(f"--sources: unknown source '{unknown[0]}'; choose from {', '.join(SOURCES)}")
    if settings.transforms not in TRANSFORMS:
        raise UserError(f"--transforms {settings.transforms}: choose from {', '.join(TRANSFORMS)}")
    if settings.image_size not in IMAGE_SIZES:
        raise UserError(f"--image-size {settings.image_size}: choose 28 (the book DCGAN) or 64 (the DCGAN-64 family)")
    if settings.image_size != 28:
        conditional = [s for s in settings.sources if SOURCES[s][0] == "acgan-neu"]
        if conditional:
            raise UserError(f"--sources {conditional[0]}: the AC-GAN draws 28x28 images; use --image-size 28 for it")
    if settings.channels not in (None, 1, 3):
        raise UserError(f"--channels {settings.channels}: give 1 (gray) or 3 (RGB), or leave it out to detect it")
    if not parse_policy(settings.diffaugment):
        raise UserError(f"--diffaugment {settings.diffaugment}: the -da sources need a policy, e.g. color,translation")
    if not 0 < settings.test < 0.5:
        raise UserError(f"--test {settings.test}: give a share of each class's images between 0 and 0.5, e.g. 0.2")
    at_least(settings, 1, "gan_steps", "k", "test_per_class", "rare_others")
    at_least(settings, 2, "gan_batch")
    at_least(settings, 4, "rare")
    check_gan_set(settings, sorted({source_preset(settings, s)[0] for s in settings.sources}))
    if output is not None:
        check_folders(dataset, data_dir, output)


def source_preset(settings, source):
    """(GAN preset, DiffAugment policy or None, ADA target or 0) of a source at the image size,
    or of the settings' `gan_preset` where there is one."""
    preset, diffaugment, ada_target = SOURCES[source]
    if settings.gan_preset:
        preset = settings.gan_preset
    elif settings.image_size == 64 and preset == "neu-dcgan":
        preset = "dcgan64-rgb"
    elif (
        diffaugment
        and preset == "neu-dcgan"
        and parse_policy(settings.diffaugment) == parse_policy("color,translation,cutout")
    ):
        preset = "neu-dcgan-diffaug"
    return preset, (",".join(parse_policy(settings.diffaugment)) if diffaugment else None), ada_target


def check_neu(settings, data_dir=None, output=None):
    check_augment(settings, data_dir, output, dataset="neu")


def check_mnist(settings, data_dir=None, output=None):
    check_common(settings, "digit")
    if settings.gan_preset not in PRESETS:
        raise UserError(f"--gan-preset: unknown preset '{settings.gan_preset}'; see 'pyimagesearch-gan presets'")
    at_least(settings, 0, "ratios", "transform_ratios", "synthetic_only")
    at_least(settings, 1, "alphas", "gan_epochs")
    at_least(settings, 2, "gan_batch")
    if len(settings.alphas) > 1 and get_preset(settings.gan_preset).family != "mlp":
        raise UserError(f"--alphas: α is a setting of the mlp GANs, not of {settings.gan_preset}'s; give one α")
    check_gan_set(settings, [settings.gan_preset])
    if output is not None:
        check_folders("mnist", data_dir, output)
