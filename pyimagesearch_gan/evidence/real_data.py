"""The real images that synthetic ones are measured against, and the feature CNN trained on them.

Three sets, loaded once by `load_real`:
- `seen`: every image the GANs could have trained on (the whole train split or image folder);
  generated images are searched against these for near-copies, and FID/KID compare with them.
- `train`: the images the feature CNN trains on.
- `held_out`: real images the feature CNN never saw: its test set, the CAS test set, and the
  real-to-real distance baseline of the neighbours check.
MNIST and Fashion-MNIST have a test split: train = seen = the train split, held-out = the
test split. Image folders (NEU, "folder") have none: each class is split by `seed` into
train (80% by default) and held-out parts. A GAN trained on the whole folder has seen the
held-out part too, so for the GANs it is not unseen data; it only serves the feature CNN and
the real-to-real baseline (each held-out image against the train part).

The feature CNN (evidence/classifiers.py) is cached as a .keras file with a .json beside it
that fingerprints its training data; a cache trained on other data is retrained, not reused.
"""

import dataclasses
import json
from pathlib import Path

import numpy as np

from pyimagesearch_gan.data import ImageSet, load_dataset, parse_classes
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.evidence import classifiers
from pyimagesearch_gan.files import write_json
from pyimagesearch_gan.utils import fingerprint, per_class_split

FOLDER_DATASETS = ("neu", "folder")


@dataclasses.dataclass
class RealData:
    seen: ImageSet
    train: ImageSet
    held_out: ImageSet
    note: str  # how the sets were made, for reports


def load_real(dataset, data_dir=None, *, classes="all", image_size=28, channels=1, holdout=0.2, seed=0):
    """The seen/train/held-out real images of `classes` (labels index the dataset's class names)."""
    data = load_dataset(dataset, data_dir, image_size=image_size, channels=channels)
    seen = data.subset(parse_classes(classes, data.class_names))
    if dataset not in FOLDER_DATASETS:
        test = load_dataset(dataset, data_dir, split="test", image_size=image_size, channels=channels)
        held_out = test.subset(np.unique(seen.labels))
        note = (
            f"real images: {dataset} train split ({len(seen.images)}; the GANs' data, the feature CNN's "
            f"training set); held-out: its test split ({len(held_out.images)})"
        )
        return RealData(seen, seen, held_out, note)
    if not 0 < holdout < 1:
        raise UserError(f"--holdout must be a fraction between 0 and 1, got {holdout}")
    held = split_held_out(seen.labels, holdout, seed)
    train, held_out = seen.where(~held), seen.where(held)
    note = (
        f"real images: {len(seen.images)} in {dataset} (the GANs' data); held out {holdout:.0%} of each class "
        f"by seed {seed} ({len(held_out.images)}): the feature CNN trains on the other {len(train.images)}; "
        "the GANs saw the held-out images too, so they serve only as the real-to-real distance baseline "
        "(each against the train part) and as the CAS test set"
    )
    return RealData(seen, train, held_out, note)


def split_held_out(labels, fraction, seed):
    """A boolean mask: `fraction` of each class (at least one image, never all), chosen by `seed`."""
    counts = np.bincount(labels)
    if few := [c for c in np.unique(labels) if counts[c] < 2]:
        raise UserError(f"class {few[0]} has {counts[few[0]]} image(s): need at least 2 to hold one out")
    return per_class_split(labels, lambda n: min(max(1, round(fraction * n)), n - 1), seed)


def stamp(images, epochs, seed):
    """What the feature CNN's weights depend on: its training images, labels, classes, epochs, seed."""
    return {
        "fingerprint": fingerprint(images.images, images.labels, length=None),
        "shape": list(images.images.shape),
        "class_names": list(images.class_names),
        "epochs": int(epochs),
        "seed": int(seed),
    }


def feature_cnn(train, cache, *, epochs=10, seed=0, save=True, verbose=2):
    """The feature CNN trained on `train`: loaded from `cache` (a .keras path) when it was trained
    on the same data with the same settings, else trained now (and saved there if `save`)."""
    cache = Path(cache)
    expected = stamp(train, epochs, seed)
    stamp_path = cache.with_suffix(".json")
    if cache.is_file() and stamp_path.is_file():
        try:
            same = json.loads(stamp_path.read_text()) == expected
        except ValueError:
            same = False
        if same:
            print(f"feature CNN: using {cache}", flush=True)
            return classifiers.load_classifier(cache)
        print(f"feature CNN: {cache} was trained on other data or settings; training a new one", flush=True)
    print(f"feature CNN: training on {len(train.images)} real images for {epochs} epochs", flush=True)
    model = classifiers.train_feature_cnn(
        train.images, train.labels, len(train.class_names), epochs=epochs, seed=seed, verbose=verbose
    )
    if save:
        save_feature_cnn(model, train, cache, epochs=epochs, seed=seed)
    return model


def save_feature_cnn(model, train, path, *, epochs, seed):
    """Save the feature CNN with the fingerprint of the data it was trained on beside it."""
    classifiers.save_classifier(model, path)
    write_json(Path(path).with_suffix(".json"), stamp(train, epochs, seed))


def held_out_accuracy(model, real):
    """The feature CNN's accuracy on the held-out real images: how much its features know."""
    return classifiers.evaluate_classifier(
        model, real.held_out.images, real.held_out.labels, len(real.held_out.class_names)
    )["accuracy"]
