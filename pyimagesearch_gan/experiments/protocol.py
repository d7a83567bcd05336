"""The fair protocol of the augmentation experiments: what makes "GAN images help" a claim
that can be trusted (or refuted).

- A validation split carved from the real training images of each class (`validation_split`),
  never from the test set. It stops every classifier early and chooses the GAN epochs; the
  GANs never see it.
- Classifiers trained to convergence (`fit_early_stopped`): early stopping on the validation
  loss, best weights restored, the same epoch cap and patience in every situation.
- A strong classic baseline: for textures the 8 exact symmetries of a square (flips and 90°
  rotations, `RandomSymmetry`) plus small shifts (`texture_transforms`); for digits small
  shifts and rotations, no flips (`digit_transforms`).
- The GAN epoch per class chosen by CAS on the validation split (`select_epochs`: train a
  classifier on synthetic images only, score it on the real validation images; a class takes
  the epoch where its recall is highest), with FID beside it (Ravuri & Vinyals 2019 found FID
  not predictive of classifier usefulness, so it is reported, not used).
- Optional filtering of synthetic images by a classifier trained on the real images
  (`filter_synthetic`).
- Statistics over trials: mean with a 95% t-interval (`mean_ci`), and the paired difference
  of two situations with its interval (`paired_difference`); trials of the same index share
  their seed, so the pairs differ only in the situation.
"""

import math

import keras
import numpy as np
from keras import layers, ops
from scipy import stats

from pyimagesearch_gan.evidence import classifiers, metrics
from pyimagesearch_gan.experiments.designs import validation_count
from pyimagesearch_gan.utils import per_class_split

# ---------------------------------------------------------------- data


def validation_split(labels, fraction, seed):
    """(train indices, validation indices): `fraction` of each class (at least one image, at
    least one left to train on, designs.validation_count) goes to validation, drawn by `seed`."""
    val = per_class_split(labels, lambda n: validation_count(n, fraction), [seed, 7919])
    return np.flatnonzero(~val), np.flatnonzero(val)


# ---------------------------------------------------------------- classic transforms


@keras.saving.register_keras_serializable(package="pyimagesearch_gan")
class RandomSymmetry(layers.Layer):
    """One of the 8 symmetries of a square image (identity, flips, 90° rotations, transposes),
    uniformly per image, in training only. Exact: no interpolation, no filled border."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=None):
        if not training:
            return images
        coins = keras.random.uniform((ops.shape(images)[0], 3), seed=self.seed_generator) < 0.5
        for i, flip in enumerate(
            (lambda x: ops.transpose(x, (0, 2, 1, 3)), lambda x: ops.flip(x, 1), lambda x: ops.flip(x, 2))
        ):
            images = ops.where(coins[:, i, None, None, None], flip(images), images)
        return images

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def texture_transforms(seed, side=28, shift_pixels=2):
    """Textures (NEU): the 8 symmetries and shifts of up to `shift_pixels`, borders reflected."""
    factor = shift_pixels / side
    return [RandomSymmetry(seed=seed), layers.RandomTranslation(factor, factor, fill_mode="reflect", seed=seed + 1)]


def digit_transforms(seed, side=28, shift_pixels=2, degrees=10):
    """Digits (MNIST): rotations of up to `degrees` and shifts of up to `shift_pixels`, no flips."""
    factor = shift_pixels / side
    return [
        layers.RandomRotation(degrees / 360, fill_mode="constant", fill_value=-1.0, seed=seed),
        layers.RandomTranslation(factor, factor, fill_mode="constant", fill_value=-1.0, seed=seed + 1),
    ]


def photo_transforms(seed, side=28, shift_pixels=2, degrees=10, zoom=0.1):
    """Photos: horizontal flips, shifts of up to `shift_pixels`, rotations of up to `degrees`
    and zoom of up to `zoom`, borders reflected (no vertical flips: photos have an up)."""
    factor = shift_pixels / side
    return [
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomTranslation(factor, factor, fill_mode="reflect", seed=seed + 1),
        layers.RandomRotation(degrees / 360, fill_mode="reflect", seed=seed + 2),
        layers.RandomZoom(zoom, zoom, fill_mode="reflect", seed=seed + 3),
    ]


# ---------------------------------------------------------------- classifiers


def fit_early_stopped(
    build, x, y, val_x, val_y, num_classes, *, seed, augment=None, max_epochs=200, patience=20, batch_size=32
):
    """A classifier from `build(image_shape, num_classes)` fitted on uint8 images `x`, `y`
    until the loss on (`val_x`, `val_y`) has not improved for `patience` epochs (at most
    `max_epochs`), with the weights of its best epoch. `augment`: Keras preprocessing layers put
    in front of it (active in training only). Returns (model, epochs run, best epoch)."""
    keras.utils.set_random_seed(seed)
    model = build(x.shape[1:], num_classes)
    if augment:
        model = keras.Sequential([keras.Input(x.shape[1:]), *augment, model], name=f"augmented_{model.name}")
        classifiers._compile(model)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    history = classifiers.fit_classifier(
        model,
        x,
        y,
        epochs=max_epochs,
        batch_size=min(batch_size, len(x)),
        seed=seed,
        validation_data=(val_x, val_y),
        verbose=0,
        callbacks=[stop],
    )
    losses = history.history["val_loss"]
    return model, len(losses), int(np.argmin(losses)) + 1


# ---------------------------------------------------------------- choosing the GAN epoch


def select_epochs(gans, val_x, val_y, *, build, count=200, seed=0, epochs=15, extractor=None, real_x=None, real_y=None):
    """The epoch of each class's generator chosen by CAS on the validation images.

    For every snapshot epoch of `gans` (experiments.gans.TrainedGANs): draw `count` images per
    class, fit `build`'s classifier on them alone for `epochs` epochs, score it on the real
    validation images. Each class takes the epoch where its validation recall is highest (the
    later epoch on a tie). With `extractor` (a features model) and the real training images,
    FID per class and epoch is computed beside it. Returns (chosen epochs per class, rows: one
    per epoch and class with cas, recall and fid).
    """
    num_classes = len(gans.names)
    rows = []
    for epoch in gans.epochs:
        images = [gans.synthesize(c, count, seed, epoch=epoch) for c in range(num_classes)]
        x = np.concatenate(images)
        y = np.repeat(np.arange(num_classes), count).astype("int32")
        result = metrics.classification_scores(x, y, val_x, val_y, num_classes, build=build, epochs=epochs, seed=seed)
        recall = classifiers.class_recall(result["confusion"])
        for c in range(num_classes):
            fid = None
            if extractor is not None:
                fid = metrics.frechet_distance(
                    metrics.features(extractor, images[c]), metrics.features(extractor, real_x[real_y == c])
                )
            rows.append(
                {
                    "epoch": epoch,
                    "class": gans.names[c],
                    "cas": result["accuracy"],
                    "recall": recall[c],
                    "fid": fid,
                }
            )
    chosen = []
    for name in gans.names:
        best = max((r for r in rows if r["class"] == name), key=lambda r: (r["recall"], r["epoch"]))
        chosen.append(best["epoch"])
    return chosen, rows


# ---------------------------------------------------------------- filtering


def filter_synthetic(draw, judge, label, count, threshold, *, rounds=10):
    """`count` synthetic images of class `label` whose probability under `judge` (a classifier
    of real images) is at least `threshold`. `draw(round)` gives a batch of candidates; after
    `rounds` batches the best-scored candidates fill what is missing. Returns (images, share
    of candidates that passed)."""
    kept, scored, drawn = [], [], 0
    for round_ in range(rounds):
        candidates = draw(round_)
        drawn += len(candidates)
        probability = classifiers.apply_model(judge, candidates)[:, label]
        kept.append(candidates[probability >= threshold])
        scored.append((probability, candidates))
        if sum(len(k) for k in kept) >= count:
            break
    passed = sum(len(k) for k in kept)
    images = np.concatenate(kept)[:count]
    if len(images) < count:
        probability = np.concatenate([p for p, _ in scored])
        candidates = np.concatenate([c for _, c in scored])
        rest = candidates[np.argsort(-probability)][passed : passed + count - len(images)]
        images = np.concatenate([images, rest])
    return images, passed / max(1, drawn)


# ---------------------------------------------------------------- statistics


def mean_ci(values, confidence=0.95):
    """(mean, half-width of the t-interval); the half-width is nan for a single value."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float(values.mean()), math.nan
    half = stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    return float(values.mean()), float(half)


def paired_difference(a, b, confidence=0.95):
    """Mean and t-interval half-width of a[i] - b[i] (trials paired by index)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return mean_ci(a - b, confidence)


def format_ci(mean, half, digits=3):
    return f"{mean:.{digits}f}" if math.isnan(half) else f"{mean:.{digits}f} ± {half:.{digits}f}"


def format_difference(mean, half, digits=3):
    """A signed difference with its interval, marked when the interval excludes zero."""
    if math.isnan(half):
        return f"{mean:+.{digits}f}"
    mark = " ↑" if mean - half > 0 else (" ↓" if mean + half < 0 else "")
    return f"{mean:+.{digits}f} ± {half:.{digits}f}{mark}"
