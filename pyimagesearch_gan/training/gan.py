"""The GAN: a generator, a discriminator, the combined model D(G(z)) and one training step.

Keras 3 reads `trainable` when it traces a train function, so the Keras 2 recipe (compile D,
set `D.trainable = False`, compile the combined model) silently stops D from learning. This
step does what the book's two `train_on_batch` calls do, with explicit variable lists: the
discriminator update changes only D's weights; the generator update runs the combined model
and changes only G's, so D is frozen there. `Model.fit` drives the step, which gives us
Keras callbacks, XLA (`jit_compile`) and distribution strategies for every model family.

The step's options cover the reference systems: label smoothing (`real_label`), several
G updates per D update (`g_steps`), D on real+fake at once (book) or one after the other
(PyTorch sources), fakes for D from G in inference mode (book's predict) or training mode,
the AC-GAN class head and the balancing rule (skip the network that is ahead). The losses are
the functions of losses.py. Augmentation of D's inputs is a component the GAN is given, as in
keras.io's GAN-ADA example: an augmenter of diffaugment.py (DiffAugment, or ADA's adaptive
DiffAugment). As in the keras.io GAN examples, the options are keyword arguments and the
optimizers come to `compile`:

    gan = GAN(generator, discriminator, noise_dim=100, augmenter=DiffAugment("color,translation", seed=1))
    gan.compile(d_optimizer=book_adam(2e-4), g_optimizer=book_adam(2e-4))
    gan.fit(dataset, epochs=50)
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from pyimagesearch_gan.training import accel, losses
from pyimagesearch_gan.utils import draw_noise


def book_adam(lr, *, decay=0.0, beta_1=0.5, beta_2=0.999, loss_scale=False):
    """Adam with the book's Keras 2 `decay`: lr / (1 + decay * updates), decay per update
    (Keras 3 ignores `Adam(decay=)`). `loss_scale` wraps it for float16 gradients."""
    if decay:
        lr = keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)
    optimizer = keras.optimizers.Adam(learning_rate=lr, beta_1=beta_1, beta_2=beta_2)
    if loss_scale:  # float16 gradients underflow without loss scaling
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def combine(generator, discriminator, conditional):
    """The combined model D(G(z)) (D(G(z, y)) for conditional models), sharing both networks."""
    if not conditional:
        return keras.Sequential([generator, discriminator], name="gan")
    noise, label = generator.inputs
    return keras.Model(generator.inputs, discriminator(generator([noise, label])), name="gan")


class GAN(keras.Model):
    """One generator/discriminator pair and its training step, trained with `fit()`.

    `num_classes` > 0 makes it conditional (AC-GAN: G takes [noise, label], D has a class head).
    Step options: `real_label` < 1 is one-sided label smoothing; `g_steps` G updates per D
    update; `d_batch` "concat" (book: one D pass on real+fake) or "separate"; with
    `g_training_in_d_step` the fakes for D come from G in training mode (PyTorch sources), else
    in inference mode (the book's `predict`); `balance` skips the update of the network whose
    last loss is the lower. `augmenter` (diffaugment.py; None: none) augments every input of D,
    real and fake, in both updates, differentiably so G learns through it; after each D update
    it is told D's output on the real batch (ADA adapts its probability to it), and what it
    returns is logged. `seed` seeds the noise drawn inside the step.
    """

    def __init__(
        self,
        generator,
        discriminator,
        *,
        noise_dim=100,
        noise="uniform",
        num_classes=0,
        real_label=1.0,
        g_steps=1,
        d_batch="concat",
        g_training_in_d_step=False,
        balance=False,
        augmenter=None,
        seed=None,
        name="gan",
    ):
        super().__init__(name=name)
        self.generator = generator
        self.discriminator = discriminator
        self.num_classes = num_classes
        self.conditional = num_classes > 0
        self.combined = combine(generator, discriminator, self.conditional)
        self.noise_dim = noise_dim
        self.noise = noise
        self.real_label = real_label
        self.g_steps = g_steps
        self.d_batch = d_batch
        self.g_training_in_d_step = g_training_in_d_step
        self.balance = balance
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.augmenter = augmenter
        if augmenter is not None:
            # The augmenter's state (seed stream, ADA's p) is tracked here, before the balancing
            # losses: checkpoints keep the order they had when it was the GAN's own.
            self.augmenter_state = augmenter.state
        names = ["d_loss", "gan_loss"]
        if self.conditional:
            names += ["d_class_loss", "acc_real", "acc_fake"]
        if augmenter is not None:
            names += augmenter.log_names
        self.trackers = [keras.metrics.Mean(name=n) for n in names]
        if self.balance:
            # Last step's (d_loss, gan_loss), for the balancing rule.
            self.last_losses = self.add_weight(shape=(2,), initializer="zeros", trainable=False, name="last_losses")
        self.built = True  # no call() to build; fit under a tf.distribute strategy asks

    @property
    def metrics(self):
        return self.trackers

    def compile(self, d_optimizer, g_optimizer, jit_compile="auto", **kwargs):
        """The two optimizers (e.g. `book_adam`), and `jit_compile`: True = XLA for the whole
        step; "auto" = Keras' choice (XLA on GPU, not on CPU) and XLA for the optimizer updates;
        False = no XLA anywhere."""
        super().compile(jit_compile=jit_compile, **kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        xla = jit_compile is not False
        self.d_update = accel.optimizer_update(self.d_optimizer, self.discriminator.trainable_variables, xla)
        self.g_update = accel.optimizer_update(self.g_optimizer, self.generator.trainable_variables, xla)

    # --- inputs -----------------------------------------------------------------------------
    def sample_noise(self, n):
        shape = (n, self.noise_dim)
        if self.noise == "normal":
            return keras.random.normal(shape, seed=self.seed_generator)
        return keras.random.uniform(shape, -1.0, 1.0, seed=self.seed_generator)

    def generator_inputs(self, n):
        """Fresh generator inputs and, for conditional models, the class labels they ask for.

        Under a multi-replica strategy each replica draws the global batch's inputs and keeps
        its own slice, so replicas differ and the run sees the noise of a single device.
        """
        draw, keep = accel.replica_share(n)
        noise = keep(self.sample_noise(draw))
        if not self.conditional:
            return noise, None
        labels = keep(keras.random.randint((draw,), 0, self.num_classes, seed=self.seed_generator))
        return [noise, labels], labels

    def benchmark_inputs(self, num, seed):
        """Fixed inputs for the monitor's montages, and the grid (columns, rows) they fill.

        Unconditional: `num` noise vectors in a square grid (256 -> 16x16, as the book).
        Conditional: one row per class, the same noise vectors along each row.
        """
        if not self.conditional:
            side = math.ceil(math.sqrt(num))
            return draw_noise(seed, num, self.noise_dim, self.noise), (side, math.ceil(num / side))
        cols = max(1, min(16, num // self.num_classes))
        noise = np.tile(draw_noise(seed, cols, self.noise_dim, self.noise), (self.num_classes, 1))
        labels = np.repeat(np.arange(self.num_classes), cols).astype("int32")
        return [noise, labels], (cols, self.num_classes)

    def generate(self, inputs):
        """Images in [-1, 1] for the given generator inputs, generator in inference mode."""
        return self.generator(inputs, training=False)

    # --- the step ---------------------------------------------------------------------------
    def split_outputs(self, outputs):
        """(real/fake probability as float32, class probabilities or None)."""
        if self.conditional:
            prob, classes = outputs
            return ops.cast(prob, "float32"), ops.cast(classes, "float32")
        return ops.cast(outputs, "float32"), None

    def augment(self, images):
        """D's input as the augmenter makes it (the images themselves without one)."""
        return images if self.augmenter is None else self.augmenter(images, training=True)

    def discriminator_loss(self, real, labels):
        """D's losses on a real batch and a fresh fake batch: (adversarial, class, acc_real, acc_fake,
        D's probabilities on the real images); the AC-GAN's three are None for unconditional models."""
        n = ops.shape(real)[0]
        g_inputs, fake_labels = self.generator_inputs(n)
        fake = ops.cast(ops.stop_gradient(self.generator(g_inputs, training=self.g_training_in_d_step)), real.dtype)
        if self.d_batch == "concat":
            prob, classes = self.split_outputs(
                self.discriminator(self.augment(ops.concatenate([real, fake])), training=True)
            )
            adversarial = losses.joint_discriminator_loss(prob, n, self.real_label)
            real_prob = prob[:n]
            real_classes, fake_classes = (None, None) if classes is None else (classes[:n], classes[n:])
        else:
            real_prob, real_classes = self.split_outputs(self.discriminator(self.augment(real), training=True))
            fake_prob, fake_classes = self.split_outputs(self.discriminator(self.augment(fake), training=True))
            adversarial = losses.discriminator_loss(real_prob, fake_prob, self.real_label)
        if not self.conditional:
            return adversarial, None, None, None, real_prob
        class_loss = losses.discriminator_class_loss(labels, real_classes, fake_labels, fake_classes)
        accuracies = losses.accuracy(labels, real_classes), losses.accuracy(fake_labels, fake_classes)
        return adversarial, class_loss, *accuracies, real_prob

    def generator_loss(self, n):
        """G's loss on fresh generator inputs: D(G(z)) by the combined model, D(augment(G(z))) with an augmenter."""
        g_inputs, fake_labels = self.generator_inputs(n)
        if self.augmenter is None:
            outputs = self.combined(g_inputs, training=True)
        else:
            outputs = self.discriminator(self.augment(self.generator(g_inputs, training=True)), training=True)
        prob, classes = self.split_outputs(outputs)
        loss = losses.generator_loss(prob)
        if self.conditional:
            loss = loss + losses.class_loss(fake_labels, classes)
        return loss

    def train_discriminator(self, real, labels, enabled=True):
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            adversarial, class_loss, acc_real, acc_fake, real_prob = self.discriminator_loss(real, labels)
            loss = adversarial if class_loss is None else adversarial + class_loss
            loss = self.d_optimizer.scale_loss(loss)
        grads = tape.gradient(loss, variables)
        apply_if(enabled, self.d_update, grads)
        return adversarial, class_loss, acc_real, acc_fake, real_prob

    def train_generator(self, n, enabled=True):
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            loss = self.generator_loss(n)
            scaled = self.g_optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, variables)
        apply_if(enabled, self.g_update, grads)
        return loss

    def step(self, real, labels=None):
        """One D update then `g_steps` G updates; returns this step's losses."""
        update_d, update_g = True, True
        if self.balance:
            last_d, last_g = self.last_losses[0], self.last_losses[1]
            update_d, update_g = ops.logical_not(last_d < last_g), ops.logical_not(last_g < last_d)
        d_loss, class_loss, acc_real, acc_fake, real_prob = self.train_discriminator(real, labels, update_d)
        augmenter_logs = {} if self.augmenter is None else self.augmenter.update(real_prob, ops.shape(real)[0])
        for _ in range(self.g_steps):
            gan_loss = self.train_generator(ops.shape(real)[0], update_g)
        if self.balance:
            self.last_losses.assign(ops.stack([d_loss if class_loss is None else d_loss + class_loss, gan_loss]))
        results = {"d_loss": accel.unscaled(d_loss), "gan_loss": accel.unscaled(gan_loss)}
        if self.conditional:
            results.update(d_class_loss=accel.unscaled(class_loss), acc_real=acc_real, acc_fake=acc_fake)
        results.update(augmenter_logs)
        return results

    def train_step(self, data):
        real, labels = data if self.conditional else (data, None)
        results = self.step(real, labels)
        for tracker in self.trackers:
            tracker.update_state(results[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.trackers}


def apply_if(enabled, update, grads):
    """Apply the update, or skip it (balancing rule) without touching the optimizer's state."""
    if enabled is True:
        update(grads)
        return

    def apply():
        update(grads)
        return tf.constant(True)

    tf.cond(enabled, apply, lambda: tf.constant(False))
