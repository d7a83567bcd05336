"""DiffAugment: differentiable augmentation of every image the discriminator sees.

Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training"
(https://arxiv.org/abs/2006.10738). With little data the discriminator memorises the real
images and stops teaching the generator. DiffAugment applies the same random transforms to
real and fake images before D, in the D update and in the G update; the transforms are
differentiable, so G's gradients pass through them and G learns to make un-augmented images.

Three policies, with the magnitudes of the authors' reference code (`DiffAugment_tf.py`):

- color: brightness (add U(-0.5, 0.5)), saturation (scale each pixel's distance to its channel
  mean by U(0, 2); 3-channel images only, a no-op on gray ones), contrast (scale the distance
  to the image mean by U(0.5, 1.5));
- translation: shift by a whole number of pixels in [-r, r] in each axis, r = round(side / 8),
  filling with zeros;
- cutout: set a square of round(side / 2) pixels to zero; its centre is uniform over the image,
  so the square may be clipped at a border.

Every draw is one value per image from `keras.random` with the caller's `SeedGenerator`, so a run
is reproducible and its random state is a variable that checkpoints save. (TensorFlow draws other
float values under XLA than without it: compare runs with the same `jit_compile`.) The transforms
use comparisons, `where` and `take_along_axis` only (no scatter), so they compile under XLA.

`probability` gates each policy per image, as ADA does: each image gets each policy with that
probability. The gate is drawn whether or not `probability` is given, so `probability=1` gives
exactly the ungated result for the same seed state, and `probability=0` the input.

A GAN is given its augmentation as an object, as keras.io's GAN-ADA example passes its
`AdaptiveAugmenter`: `DiffAugment` applies a policy with its own seed stream;
`AdaptiveDiffAugment` adds ADA (Karras et al. 2020, "Training Generative Adversarial Networks
with Limited Data", https://arxiv.org/abs/2006.06676): the probability p is its state, moved after
every D update by the overfitting measure r_t = mean(sign(D's logit on the real batch)).
`make_augmenter` picks one from the settings (None: no augmentation).
"""

import keras
from keras import ops

from pyimagesearch_gan.config import POLICIES, parse_policy  # noqa: F401 (part of this module's interface)

TRANSLATION_RATIO = 0.125  # largest shift, as a fraction of the side
CUTOUT_RATIO = 0.5  # side of the cut-out square, as a fraction of the image side


def per_image(images, seed_generator, low, high):
    """One uniform value in [low, high) per image, shaped (batch, 1, 1, 1) to broadcast."""
    return keras.random.uniform((ops.shape(images)[0], 1, 1, 1), low, high, seed=seed_generator)


def brightness(images, seed_generator):
    return images + per_image(images, seed_generator, -0.5, 0.5)


def saturation(images, seed_generator):
    mean = ops.mean(images, axis=3, keepdims=True)
    return (images - mean) * per_image(images, seed_generator, 0.0, 2.0) + mean


def contrast(images, seed_generator):
    mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
    return (images - mean) * per_image(images, seed_generator, 0.5, 1.5) + mean


def shift_axis(images, shift, axis):
    """Image b moved by -shift[b] pixels along `axis` (1 = rows, 2 = columns), zeros coming in."""
    size = images.shape[axis]
    source = ops.arange(size, dtype="int32")[None, :] + shift[:, None]  # (batch, size)
    inside = ops.logical_and(source >= 0, source < size)
    index_shape = (-1, size, 1, 1) if axis == 1 else (-1, 1, size, 1)
    moved = ops.take_along_axis(images, ops.reshape(ops.clip(source, 0, size - 1), index_shape), axis=axis)
    return ops.where(ops.reshape(inside, index_shape), moved, ops.zeros_like(moved))


def max_shift(side):
    return int(side * TRANSLATION_RATIO + 0.5)


def translation(images, seed_generator):
    batch = ops.shape(images)[0]
    for axis in (1, 2):
        limit = max_shift(images.shape[axis])
        shift = keras.random.randint((batch,), -limit, limit + 1, dtype="int32", seed=seed_generator)
        images = shift_axis(images, shift, axis)
    return images


def cutout_size(side):
    return int(side * CUTOUT_RATIO + 0.5)


def cutout(images, seed_generator):
    batch = ops.shape(images)[0]
    inside = []
    for axis in (1, 2):
        side, size = images.shape[axis], cutout_size(images.shape[axis])
        # As the reference: the centre is uniform over the image, one more place for even sizes.
        centre = keras.random.randint((batch, 1), 0, side + 1 - size % 2, dtype="int32", seed=seed_generator)
        start = centre - size // 2
        position = ops.arange(side, dtype="int32")[None, :]
        inside.append(ops.logical_and(position >= start, position < start + size))  # (batch, side)
    square = ops.logical_and(inside[0][:, :, None, None], inside[1][:, None, :, None])
    return ops.where(square, ops.zeros_like(images), images)


def transforms(policy, channels):
    """The transforms of one policy name, in order; saturation only for colour images."""
    if policy == "color":
        return (brightness, saturation, contrast) if channels == 3 else (brightness, contrast)
    return {"translation": (translation,), "cutout": (cutout,)}[policy]


def as_policy(policy):
    """A policy as `parse_policy` gives it, from its text or a tuple of names."""
    return parse_policy(policy) if policy is None or isinstance(policy, str) else tuple(policy)


# --- the entry point ---------------------------------------------------------------------------
def augment(images, policy, seed_generator, *, probability=None):
    """DiffAugment `images` (NHWC in [-1, 1], 1 or 3 channels, static height and width).

    policy: a tuple from `parse_policy` (or its text). seed_generator: a
    `keras.random.SeedGenerator`; each call advances it. probability: None (always), or a float
    or scalar tensor/variable: each policy is applied to each image with that probability.
    Returns images of the input's shape and dtype; computes in float32. () returns `images` itself.
    """
    policy = as_policy(policy)
    if not policy:
        return images
    dtype = images.dtype
    height, width, channels = images.shape[1:]
    if height is None or width is None:
        raise ValueError(f"DiffAugment needs a static image height and width, got shape {images.shape}")
    x = ops.cast(images, "float32")
    for name in policy:
        gate = keras.random.uniform((ops.shape(x)[0], 1, 1, 1), seed=seed_generator)
        augmented = x
        for transform in transforms(name, channels):
            augmented = transform(augmented, seed_generator)
        if probability is None:
            x = augmented
        else:
            x = ops.where(gate < ops.cast(probability, "float32"), augmented, x)
    return ops.cast(x, dtype)


# --- the augmenter a GAN is given ----------------------------------------------------------------
class DiffAugment:
    """DiffAugment with `policy` on every image D sees, drawn from its own seed stream (`seed`),
    so the GAN's noise is the same with and without augmentation."""

    log_names = ()  # what `update` returns, logged by the GAN after its losses
    targets = {}  # {log name: its target}, drawn in the loss plot

    def __init__(self, policy, seed=None):
        self.policy = as_policy(policy)
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def state(self):
        """What training changes: the GAN holds it as its own, so checkpoints save it."""
        return [self.seed_generator]

    @property
    def variables(self):
        return [self.seed_generator.state]

    def __call__(self, images, training=True):
        return augment(images, self.policy, self.seed_generator) if training else images

    def update(self, real_probabilities, n):
        """After each D update, with D's probabilities on the `n` real images: nothing to adapt."""
        return {}


class AdaptiveDiffAugment(DiffAugment):
    """ADA: each policy applies to each image with probability p, which starts at 0 and after each
    D update moves by n / (`kimg` * 1000) towards more augmentation while r_t is above `target`,
    towards less while it is below (ADA measures r_t over 4 batches; here each batch). Logs p and
    r_t as `ada_p`, `ada_rt`."""

    log_names = ("ada_p", "ada_rt")

    def __init__(self, policy, seed=None, *, target=0.6, kimg=100.0):
        super().__init__(policy, seed)
        self.target = target
        self.targets = {"ada_rt": target}
        self.p_step = 1.0 / (kimg * 1000.0)  # p's change per real image seen
        self.p = keras.Variable(0.0, dtype="float32", trainable=False, name="augment_p")

    @property
    def state(self):
        return [self.p, self.seed_generator]

    @property
    def variables(self):
        return [self.p, self.seed_generator.state]

    def __call__(self, images, training=True):
        return augment(images, self.policy, self.seed_generator, probability=self.p) if training else images

    def update(self, real_probabilities, n):
        """Measure r_t on D's output for the real batch (sigmoid(logit): sign(logit) = sign(prob - 0.5))
        and move p; returns the values to log."""
        rt = ops.mean(ops.sign(real_probabilities - 0.5))
        self.adapt(rt, n)
        return {"ada_p": ops.convert_to_tensor(self.p), "ada_rt": rt}

    def adapt(self, rt, n):
        """Move p one step of `n` images towards more augmentation if `rt` is above the target, else less."""
        direction = ops.sign(rt - self.target)
        self.p.assign(ops.clip(self.p + direction * ops.cast(n, "float32") * self.p_step, 0.0, 1.0))


def make_augmenter(policy, seed=None, *, ada_target=0.0, ada_kimg=100.0):
    """The augmenter for these settings: None without a policy, `AdaptiveDiffAugment` when
    `ada_target` > 0, else `DiffAugment`."""
    policy = as_policy(policy)
    if not policy:
        return None
    if ada_target:
        return AdaptiveDiffAugment(policy, seed, target=ada_target, kimg=ada_kimg)
    return DiffAugment(policy, seed)
