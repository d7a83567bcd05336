"""The situations an augmentation experiment compares, and the training set of each.

Classic situations use the real images only: as they are (`real`), with class-balanced
resampling (every class drawn up to the largest class's count, for imbalanced data), with the
data's classic transforms (`transforms`), and both. GAN situations add synthetic images of one
source, with and without the transforms: either enough to top every class up to the largest
class's count (the natural use on imbalanced data) or `k` per class, or, per mixing ratio,
round(ratio x the class's real images) per class (`gan x0.5`, `gan x1 + transforms`). A
synthetic-only situation (`gan only`) trains on synthetic images alone, one per GAN set
`variant` (GAN sets of one scenario that differ in a GAN setting, e.g. `α=4`).
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
    ratio: float | None = None  # synthetic per class: round(ratio x real), instead of the scenario's counts
    only: int = 0  # > 0: this many synthetic images per class and no real ones
    variant: str | None = None  # the scenario's GAN set variant; None: its own GAN set

    @property
    def kind(self):
        return CLASSIC if self.source is None else GAN


def situations(sources, *, transforms, imbalanced, ratios=(), transform_ratios=None, only=0, variants=()):
    """[Situation] in the order they are fitted and shown: the classic ones first (resampling
    only when the classes are `imbalanced`, transforms only when there are any), then per
    source the real and synthetic images without and with the transforms (per ratio of
    `ratios` above 0, and with the transforms per ratio of `transform_ratios`, default all of
    them; one situation each without ratios), then with `only` the synthetic-only ones, per
    GAN set variant (or one, without variants)."""
    classic = [Situation("real")]
    if imbalanced:
        classic.append(Situation("real + resampling", resample=True))
    if transforms:
        classic.append(Situation("transforms", transforms=True))
        if imbalanced:
            classic.append(Situation("transforms + resampling", transforms=True, resample=True))
    transform_ratios = ratios if transform_ratios is None else transform_ratios
    gan = []
    for source in sources:
        if not ratios:
            gan.append(Situation(source, source=source))
            if transforms:
                gan.append(Situation(f"{source} + transforms", source=source, transforms=True))
        for ratio in (r for r in ratios if r > 0):
            gan.append(Situation(f"{source} x{ratio:g}", source=source, ratio=ratio))
        for ratio in (r for r in transform_ratios if r > 0 and transforms):
            gan.append(Situation(f"{source} x{ratio:g} + transforms", source=source, transforms=True, ratio=ratio))
        if only:
            for variant in variants or (None,):
                name = f"{source} only" if variant is None else f"{source} only {variant}"
                gan.append(Situation(name, source=source, only=only, variant=variant))
    return classic + gan


def synthetic_counts(train_counts, *, top_up, k=None):
    """Synthetic images per class: up to the largest class's count, or `k` for every class."""
    if top_up:
        return [max(train_counts) - n for n in train_counts]
    return [k] * len(train_counts)


def added(situation, scenario):
    """Synthetic images per class of `situation` in `scenario` (designs.Scenario)."""
    if situation.source is None:
        return [0] * len(scenario.train)
    if situation.only:
        return [situation.only] * len(scenario.train)
    if situation.ratio is not None:
        return [round(situation.ratio * (len(t) + len(v))) for t, v in zip(scenario.train, scenario.val)]
    return list(scenario.synthetic)


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
