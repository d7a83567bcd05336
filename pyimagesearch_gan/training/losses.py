"""The GAN losses, as functions of the discriminator's outputs (probabilities, float32).

The one definition that the step of a GAN (gan.py) and the fused step of class GANs (fused.py,
which runs the GAN's own step code) compute their losses with:

- D: binary cross-entropy, real images labelled `real_label` (< 1: one-sided label smoothing,
  Salimans et al. 2016), fakes 0: `joint_discriminator_loss` when D saw real and fake as one
  batch (the book's one `train_on_batch` on both: one mean over both), `discriminator_loss`
  when it saw them one after the other (the PyTorch sources: the sum of the two means).
- G: the non-saturating loss, binary cross-entropy of D's output on fakes labelled real.
- AC-GAN (Odena et al. 2017): sparse categorical cross-entropy of D's class head; D's class
  loss is the mean of the real and the fake batch's, G's the fake batch's.
"""

import keras
from keras import ops

bce = keras.losses.BinaryCrossentropy()
cce = keras.losses.SparseCategoricalCrossentropy()


def discriminator_loss(real_prob, fake_prob, real_label=1.0):
    """D's adversarial loss on a real and a fake batch, (batch, 1) probabilities each."""
    real_targets = ops.full((ops.shape(real_prob)[0], 1), real_label)
    return bce(real_targets, real_prob) + bce(ops.zeros((ops.shape(fake_prob)[0], 1)), fake_prob)


def joint_discriminator_loss(prob, n_real, real_label=1.0):
    """D's adversarial loss on one batch of `n_real` real images followed by fakes, (batch, 1)
    probabilities. Over the batch D saw, not its two halves put together again: TensorFlow's
    graph for that rounds the gradients differently."""
    targets = ops.concatenate([ops.full((n_real, 1), real_label), ops.zeros((ops.shape(prob)[0] - n_real, 1))])
    return bce(targets, prob)


def generator_loss(fake_prob):
    """G's non-saturating loss: D's output on G's images against the "real" label 1."""
    return bce(ops.ones((ops.shape(fake_prob)[0], 1)), fake_prob)


def class_loss(labels, class_probabilities):
    """The AC-GAN class loss of one batch: G's on its fakes (the labels it was asked for)."""
    return cce(labels, class_probabilities)


def discriminator_class_loss(real_labels, real_classes, fake_labels, fake_classes):
    """D's AC-GAN class loss: the mean of the real and the fake batch's."""
    return (class_loss(real_labels, real_classes) + class_loss(fake_labels, fake_classes)) / 2.0


def accuracy(labels, class_probabilities):
    """Share of the batch whose most probable class is its label."""
    predicted = ops.cast(ops.argmax(class_probabilities, axis=-1), "int32")
    return ops.mean(ops.cast(ops.equal(ops.cast(labels, "int32"), predicted), "float32"))
