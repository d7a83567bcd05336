"""What an augmentation experiment compares, on which images: its design.

A design holds the classes, the test images nobody learns from, the scenarios (sets of real
training and validation images per class; a classifier is fitted per scenario, situation and
trial) and the GAN sets the scenarios draw synthetic images from. Building it needs no
TensorFlow, so a class too small to split is one line before anything starts.

- `folder_design`: any class folder, each class split by share (test, then validation, the rest
  for training); class sizes stay as they are.
- `neu_design`: NEU's fixed test set (a number per class) and, per real size n, n images of
  every class (`sizes`); with `rare`, each class in turn keeps only n_rare images while the
  others keep `rare_others`: the rare-class experiment, whose GANs learn from the rare images.
- `mnist_design`: MNIST's whole test split and, per real size s, s images of every digit; per
  size one GAN set per α of the MLP GAN (`alphas`), the first for the mixing ratios, each for
  its synthetic-only situation.

Every class takes its images from one seeded order (`utils.per_class_order`): test images
first, then the real images of each scenario, nested, validation first; so the rare class's
images are the same in its scenario and in its GAN set, and a smaller size is part of a larger.
"""

import dataclasses

import numpy as np

from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.experiments.situations import synthetic_counts
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.utils import per_class_order

MIN_TEST, MIN_VALIDATION, MIN_TRAIN = 2, 1, 4


@dataclasses.dataclass
class GanSet:
    """Per-class training and validation images that one GAN per class (per source) learns
    from and is judged on; `folder` is where under OUT/gans its run folders go; `overrides`
    are GAN settings of this set only (e.g. the MLP GAN's `model.alpha`)."""

    key: str
    folder: str
    train: list
    val: list
    overrides: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Scenario:
    """One set of real images per class. Scenarios of a `group` are summarised together, their
    trials paired by (scenario, trial); `rare` is the rare class's index in a rare scenario;
    `variants` names other GAN sets of the same images ({variant: GAN set key})."""

    key: str
    group: str
    train: list
    val: list
    gans: str
    synthetic: list  # synthetic images added per class in the GAN situations
    rare: int | None = None
    variants: dict = dataclasses.field(default_factory=dict)

    def gan_set(self, situation):
        """The key of the GAN set a GAN situation draws from."""
        return self.variants[situation.variant] if situation.variant else self.gans

    def gan_sets(self):
        """The keys of every GAN set the scenario draws from, its own first."""
        return list(dict.fromkeys([self.gans, *self.variants.values()]))

    @property
    def train_counts(self):
        return [len(x) for x in self.train]

    @property
    def imbalanced(self):
        return len(set(self.train_counts)) > 1


@dataclasses.dataclass
class Design:
    title: str
    names: list
    test_x: np.ndarray
    test_y: np.ndarray
    scenarios: list
    gan_sets: dict  # key -> GanSet
    counts: list  # per class: {"train", "validation", "test"} of the first scenario's images, for the report
    notes: object = None  # (experiment, summary.py's groups) -> summary.md lines of its own, e.g. published numbers

    def groups(self):
        return list(dict.fromkeys(s.group for s in self.scenarios))

    @property
    def rare_only(self):
        """Every scenario has a rare class: `counts` are each class's images when it is rare."""
        return all(s.rare is not None for s in self.scenarios)


def validation_count(n, share):
    """Validation images of a class of n: its share, at least one, at least one left to train on."""
    return min(n - 1, max(MIN_VALIDATION, round(share * n)))


def split_class(images, share):
    """(train, validation) of one class's images in their order: validation first."""
    n_val = validation_count(len(images), share)
    return images[n_val:], images[:n_val]


def sample_counts(scenario, test_counts):
    return [
        {"train": len(t), "validation": len(v), "test": n} for t, v, n in zip(scenario.train, scenario.val, test_counts)
    ]


def scenario_of(key, group, gans, parts, settings, rare=None, top_up=None):
    """A Scenario from (train, val) per class. Its GAN situations top every class up to the
    largest (`top_up`, default the settings') or add k per class (default k: the class's real
    images, training and validation); balanced classes have nothing to top up, so they get k."""
    train, val = [p[0] for p in parts], [p[1] for p in parts]
    counts = [len(x) for x in train]
    top_up = (settings.top_up if top_up is None else top_up) and len(set(counts)) > 1
    k = settings.k or max(len(t) + len(v) for t, v in parts)
    return Scenario(key, group, train, val, gans, synthetic_counts(counts, top_up=top_up, k=k), rare)


def folder_design(data, settings, title):
    """Any class folder: per class a test share, then a validation share of the rest."""
    orders = per_class_order(data.labels, settings.seed)
    parts, tests, too_small = [], [], []
    for c, name in enumerate(data.class_names):
        images = data.images[orders[c]]
        n_test = max(MIN_TEST, round(settings.test * len(images)))
        n_val = validation_count(len(images) - n_test, settings.validation) if len(images) > n_test else 0
        if len(images) - n_test - n_val < MIN_TRAIN or n_val < MIN_VALIDATION:
            too_small.append((name, len(images)))
            continue
        tests.append(images[:n_test])
        parts.append(split_class(images[n_test:], settings.validation))
    if too_small:
        name, n = min(too_small, key=lambda item: item[1])
        others = f" (and {len(too_small) - 1} more)" if len(too_small) > 1 else ""
        raise UserError(
            f"class '{name}'{others} has {n} images, too few to split: augment needs at least "
            f"{MIN_TEST + MIN_VALIDATION + MIN_TRAIN} per class ({MIN_TEST} test, {MIN_VALIDATION} validation, "
            f"{MIN_TRAIN} training); add images to it or move its folder out of the data folder"
        )
    scenario = scenario_of("data", "data", "data", parts, settings)
    gan_set = GanSet("data", "", scenario.train, scenario.val)
    test_x, test_y = np.concatenate(tests), np.repeat(np.arange(len(tests)), [len(t) for t in tests]).astype("int32")
    counts = sample_counts(scenario, [len(t) for t in tests])
    return Design(title, list(data.class_names), test_x, test_y, [scenario], {"data": gan_set}, counts)


def neu_design(data, settings):
    """NEU: a fixed number of test images per class; per size n a scenario of n per class; per
    rare size one scenario per class with that class rare."""
    names = list(data.class_names)
    orders = per_class_order(data.labels, settings.seed)
    most = max([*settings.sizes, *((settings.rare_others,) if settings.rare else ())])
    need = settings.test_per_class + most
    for c, name in enumerate(names):
        if need > len(orders[c]):
            raise UserError(
                f"--test-per-class {settings.test_per_class} + {most} real images = {need}, but class '{name}' has "
                f"{len(orders[c])}: lower one of them"
            )
    tests = [data.images[orders[c][: settings.test_per_class]] for c in range(len(names))]
    pools = [data.images[orders[c][settings.test_per_class :]] for c in range(len(names))]

    def parts(sizes):
        return [split_class(pool[:n], settings.validation) for pool, n in zip(pools, sizes)]

    scenarios, gan_sets = [], {}
    for n in settings.sizes:
        scenario = scenario_of(f"n={n}", f"n = {n}", f"size{n}", parts([n] * len(names)), settings)
        scenarios.append(scenario)
        gan_sets[scenario.gans] = GanSet(scenario.gans, scenario.gans, scenario.train, scenario.val)
    for n in settings.rare:
        rare_parts = parts([n] * len(names))
        gan_sets[f"rare{n}"] = GanSet(f"rare{n}", f"rare{n}", [p[0] for p in rare_parts], [p[1] for p in rare_parts])
        for c, name in enumerate(names):
            sizes = [n if i == c else settings.rare_others for i in range(len(names))]
            scenarios.append(
                scenario_of(f"rare={n} {name}", f"rare n = {n}", f"rare{n}", parts(sizes), settings, c, True)
            )
    test_x = np.concatenate(tests)
    test_y = np.repeat(np.arange(len(names)), settings.test_per_class).astype("int32")
    counts = sample_counts(scenarios[0], [settings.test_per_class] * len(names))
    if not settings.sizes:  # rare classes only: each class's images when it is the rare one
        rare_set = gan_sets[scenarios[0].gans]
        counts = [
            {"train": len(t), "validation": len(v), "test": settings.test_per_class}
            for t, v in zip(rare_set.train, rare_set.val)
        ]
    title = "Do GAN images help a NEU classifier?"
    return Design(title, names, test_x, test_y, scenarios, gan_sets, counts)


def mnist_design(train, test, settings, notes=None):
    """MNIST: the whole test split as test images; per size s a scenario of s images per digit,
    with one GAN set per α (the first its own GAN set, the others its variants `α=...`)."""
    names = list(train.class_names)
    orders = per_class_order(train.labels, settings.seed)
    for c, name in enumerate(names):
        if max(settings.sizes) > len(orders[c]):
            raise UserError(
                f"--sizes {max(settings.sizes)}: the MNIST train data has only {len(orders[c])} images of digit {name}"
            )
    mlp = get_preset(settings.gan_preset).family == "mlp"
    scenarios, gan_sets = [], {}
    for s in settings.sizes:
        parts = [split_class(train.images[orders[c][:s]], settings.validation) for c in range(len(names))]
        keys = {f"α={a}": f"size{s}_alpha{a}" for a in settings.alphas}
        scenario = scenario_of(f"s={s}", f"{s} per digit", keys[f"α={settings.alphas[0]}"], parts, settings)
        scenario.variants = keys
        scenarios.append(scenario)
        for a, key in zip(settings.alphas, keys.values()):
            gan_sets[key] = GanSet(key, key, scenario.train, scenario.val, {"model.alpha": a} if mlp else {})
    counts = sample_counts(scenarios[0], np.bincount(test.labels, minlength=len(names)).tolist())
    title = "Do GAN images help an MNIST classifier with few real digits?"
    return Design(title, names, test.images, test.labels.astype("int32"), scenarios, gan_sets, counts, notes)


def gray_if_all_are(images, tolerance=3):
    """RGB images as one channel when no pixel's channels differ by more than `tolerance`
    (gray content stored as RGB, as in many defect data sets), else unchanged."""
    spread = images.max(axis=-1).astype(int) - images.min(axis=-1).astype(int)
    return images[..., :1] if spread.max() <= tolerance else images


def load_folder_design(settings, data_dir):
    """The design of `augment` on the class folder `data_dir`, its images loaded (gray or RGB
    as --channels says, else as the images are), each class split by the settings' shares."""
    from pathlib import Path

    data = load_dataset("folder", data_dir, image_size=settings.image_size, channels=settings.channels or 3)
    if settings.channels is None:
        data = dataclasses.replace(data, images=gray_if_all_are(data.images))
    title = f"Do GAN images help on {Path(data_dir).resolve().name}?"
    return folder_design(data, settings, title)


def load_neu_design(settings, data_dir):
    return neu_design(load_dataset("neu", data_dir, image_size=28, channels=1), settings)
