"""The situations an augmentation experiment compares, and the training set of each.

Classic situations use the real images only: as they are (`real`), with class-balanced
resampling (every class drawn up to the largest class's count, for imbalanced data), with a
family of classic transforms (`texture transforms`), and both. They are the candidates for
the classic recipe (recipe.py), chosen on the validation images. GAN situations add synthetic
images of one source on top of the recipe: either enough to top every class up to the largest
class's count (the natural use on imbalanced data) or `k` per class, or, per mixing ratio,
round(ratio x the class's real images) per class (`gan x0.5`, `gan x1 + digits transforms`).
A synthetic-only situation (`gan only`) trains on synthetic images alone, one per GAN set
`variant` (GAN sets of one scenario that differ in a GAN setting, e.g. `α=4`).
"""

import dataclasses

import numpy as np

CLASSIC, GAN = "classic", "gan"


@dataclasses.dataclass(frozen=True)
class Situation:
    name: str
    source: str | None = None  # the GAN source of the synthetic images; None for a classic one
    transforms: str = ""  # the family of classic transforms ("texture", "digits", "photo"), "" for none
    resample: bool = False
    ratio: float | None = None  # synthetic per class: round(ratio x real), instead of the scenario's counts
    only: int = 0  # > 0: this many synthetic images per class and no real ones
    variant: str | None = None  # the scenario's GAN set variant; None: its own GAN set

    @property
    def kind(self):
        return CLASSIC if self.source is None else GAN


def classic_name(family, resample):
    """The name of a classic situation: `real`, `real + resampling`, `texture transforms`,
    `texture transforms + resampling`."""
    return (f"{family} transforms" if family else "real") + (" + resampling" if resample else "")


def classic_situations(families, imbalanced):
    """The classic situations, the recipe's candidates: real, then per transform family of
    `families`; each also with resampling when the classes are `imbalanced`."""
    return [
        Situation(classic_name(family, resample), transforms=family, resample=resample)
        for family in ("", *families)
        for resample in ((False, True) if imbalanced else (False,))
    ]


def on_recipe(source, recipe, **more):
    """A GAN situation of `source` on top of the classic `recipe` (a classic Situation): its
    transforms and its resampling (of the real and synthetic images together)."""
    name = source + more.pop("label", "")
    if recipe.name != "real":
        name += recipe.name.removeprefix("real") if recipe.name.startswith("real + ") else f" + {recipe.name}"
    return Situation(name, source=source, transforms=recipe.transforms, resample=recipe.resample, **more)


def situations(sources, *, families, imbalanced, recipe=None, ratios=(), transform_ratios=None, only=0, variants=()):
    """[Situation] in the order they are fitted and shown: the classic ones first (resampling
    only when the classes are `imbalanced`, one pair per transform family), then, once the
    `recipe` (the chosen classic situation) is known, per source the synthetic images on top of
    it (one situation without ratios; with `ratios`, per ratio above 0 the real and synthetic
    images, and on top of the recipe per ratio of `transform_ratios`, default all of them, when
    the recipe has transforms), then with `only` the synthetic-only ones, per GAN set variant
    (or one, without variants)."""
    classic = classic_situations(families, imbalanced)
    transform_ratios = ratios if transform_ratios is None else transform_ratios
    gan = []
    for source in sources if recipe is not None else ():
        if not ratios:
            gan.append(on_recipe(source, recipe))
        for ratio in (r for r in ratios if r > 0):
            gan.append(Situation(f"{source} x{ratio:g}", source=source, ratio=ratio))
        for ratio in (r for r in transform_ratios if r > 0 and recipe.transforms):
            gan.append(on_recipe(source, recipe, label=f" x{ratio:g}", ratio=ratio))
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
