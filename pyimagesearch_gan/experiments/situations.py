"""The situations an augmentation experiment compares, and the training set of each.

Classic situations use the real images only: as they are (`real`), with class-balanced
resampling (every class drawn up to the largest class's count, for imbalanced data), with the
data's classic transforms (`transforms`), and both. GAN situations add synthetic images of one
source, with and without the transforms: either enough to top every class up to the largest
class's count (`top-up`, the natural use on imbalanced data) or `k` per class (`+k`).
"""

import dataclasses

import numpy as np

CLASSIC, GAN = "classic", "gan"


@dataclasses.dataclass(frozen=True)
class Situation:
    name: str
    source: str | None = None  # the GAN source of the synthetic images; None for a classic one
    transforms: bool = False
    resample: bool = False

    @property
    def kind(self):
        return CLASSIC if self.source is None else GAN


def situations(sources, *, transforms, imbalanced):
    """[Situation] in the order they are fitted and shown: the classic ones first (resampling
    only when the classes are `imbalanced`, transforms only when there are any), then per
    source the real and synthetic images without and with the transforms."""
    classic = [Situation("real")]
    if imbalanced:
        classic.append(Situation("real + resampling", resample=True))
    if transforms:
        classic.append(Situation("transforms", transforms=True))
        if imbalanced:
            classic.append(Situation("transforms + resampling", transforms=True, resample=True))
    gan = []
    for source in sources:
        gan.append(Situation(source, source=source))
        if transforms:
            gan.append(Situation(f"{source} + transforms", source=source, transforms=True))
    return classic + gan


def synthetic_counts(train_counts, *, top_up, k=None):
    """Synthetic images per class: up to the largest class's count, or `k` for every class."""
    if top_up:
        return [max(train_counts) - n for n in train_counts]
    return [k] * len(train_counts)


def resampled(y, seed):
    """Indices into labels `y` that draw every class up to the largest class's count: each
    class keeps all its images and adds draws with replacement from them."""
    rng = np.random.default_rng([seed, 4271])
    counts = np.bincount(y)
    indices = [np.arange(len(y))]
    for c, n in enumerate(counts):
        if 0 < n < counts.max():
            indices.append(rng.choice(np.flatnonzero(y == c), counts.max() - n))
    return np.concatenate(indices)
