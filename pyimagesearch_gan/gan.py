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
the AC-GAN class head, and the balancing rule (skip the network that is ahead).
"""
import keras
import numpy as np
import tensorflow as tf
from keras import ops

from . import accel


def make_optimizer(lr, cfg):
    """Adam with the book's Keras 2 `decay`: lr / (1 + decay * updates), decay per update."""
    decay = cfg.optimizer_decay(lr)
    if decay:
        lr = keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)
    optimizer = keras.optimizers.Adam(learning_rate=lr, beta_1=cfg.beta_1, beta_2=cfg.beta_2)
    if cfg.mixed_precision:  # float16 gradients underflow without loss scaling
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def combine(generator, discriminator, conditional):
    """The combined model D(G(z)) (D(G(z, y)) for conditional models), sharing both networks."""
    if not conditional:
        return keras.Sequential([generator, discriminator], name="gan")
    noise, label = generator.inputs
    return keras.Model(generator.inputs, discriminator(generator([noise, label])), name="gan")


class GAN(keras.Model):
    """One generator/discriminator pair and its training step, trained with `fit()`."""

    def __init__(self, generator, discriminator, cfg, *, num_classes=0, conditional=False, name="gan"):
        super().__init__(name=name)
        self.generator = generator
        self.discriminator = discriminator
        self.conditional = conditional
        self.num_classes = num_classes
        self.combined = combine(generator, discriminator, conditional)
        self.noise_dim = cfg.noise_dim
        self.noise = cfg.noise
        self.real_label = cfg.real_label
        self.g_steps = cfg.g_steps
        self.d_batch = cfg.d_batch
        self.g_training_in_d_step = cfg.g_training_in_d_step
        self.balance = cfg.balance
        self.seed_generator = keras.random.SeedGenerator(cfg.seed)
        self.d_optimizer = make_optimizer(cfg.d_lr, cfg)
        self.g_optimizer = make_optimizer(cfg.g_lr, cfg)
        self.bce = keras.losses.BinaryCrossentropy()
        self.cce = keras.losses.SparseCategoricalCrossentropy()
        names = ["d_loss", "gan_loss"]
        if conditional:
            names += ["d_class_loss", "acc_real", "acc_fake"]
        self.trackers = [keras.metrics.Mean(name=n) for n in names]
        if self.balance:
            # Last step's (d_loss, gan_loss), for the balancing rule.
            self.last_losses = self.add_weight(shape=(2,), initializer="zeros", trainable=False, name="last_losses")
        self.built = True  # no call() to build; fit under a tf.distribute strategy asks

    @property
    def metrics(self):
        return self.trackers

    def compile(self, jit_compile="auto", **kwargs):
        """`jit_compile`: True = XLA for the whole step; "auto" = Keras' choice (XLA on GPU, not
        on CPU) and XLA for the optimizer updates; False = no XLA anywhere."""
        super().compile(jit_compile=jit_compile, **kwargs)
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
        rng = np.random.default_rng(seed)
        draw = (lambda shape: rng.standard_normal(shape)) if self.noise == "normal" else (lambda shape: rng.uniform(-1, 1, shape))
        if not self.conditional:
            side = int(np.ceil(np.sqrt(num)))
            return draw((num, self.noise_dim)).astype("float32"), (side, int(np.ceil(num / side)))
        cols = max(1, min(16, num // self.num_classes))
        noise = np.tile(draw((cols, self.noise_dim)).astype("float32"), (self.num_classes, 1))
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

    def discriminator_loss(self, real, labels):
        """D's losses on a real batch and a fresh fake batch: (adversarial, class, acc_real, acc_fake)."""
        n = ops.shape(real)[0]
        g_inputs, fake_labels = self.generator_inputs(n)
        fake = ops.stop_gradient(self.generator(g_inputs, training=self.g_training_in_d_step))
        real_targets = ops.full((n, 1), self.real_label)
        fake_targets = ops.zeros((n, 1))
        if self.d_batch == "concat":
            prob, classes = self.split_outputs(self.discriminator(ops.concatenate([real, ops.cast(fake, real.dtype)]), training=True))
            adversarial = self.bce(ops.concatenate([real_targets, fake_targets]), prob)
            real_classes, fake_classes = (None, None) if classes is None else (classes[:n], classes[n:])
        else:
            real_prob, real_classes = self.split_outputs(self.discriminator(real, training=True))
            fake_prob, fake_classes = self.split_outputs(self.discriminator(ops.cast(fake, real.dtype), training=True))
            adversarial = self.bce(real_targets, real_prob) + self.bce(fake_targets, fake_prob)
        if not self.conditional:
            return adversarial, None, None, None
        class_loss = (self.cce(labels, real_classes) + self.cce(fake_labels, fake_classes)) / 2.0
        return adversarial, class_loss, accuracy(labels, real_classes), accuracy(fake_labels, fake_classes)

    def generator_loss(self, n):
        """The adversarial loss of the combined model on fresh noise labelled real."""
        g_inputs, fake_labels = self.generator_inputs(n)
        prob, classes = self.split_outputs(self.combined(g_inputs, training=True))
        loss = self.bce(ops.ones((n, 1)), prob)
        if self.conditional:
            loss = loss + self.cce(fake_labels, classes)
        return loss

    def train_discriminator(self, real, labels, enabled=True):
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            adversarial, class_loss, acc_real, acc_fake = self.discriminator_loss(real, labels)
            loss = adversarial if class_loss is None else adversarial + class_loss
            loss = self.d_optimizer.scale_loss(loss)
        grads = tape.gradient(loss, variables)
        apply_if(enabled, self.d_update, grads)
        return adversarial, class_loss, acc_real, acc_fake

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
        d_loss, class_loss, acc_real, acc_fake = self.train_discriminator(real, labels, update_d)
        for _ in range(self.g_steps):
            gan_loss = self.train_generator(ops.shape(real)[0], update_g)
        if self.balance:
            self.last_losses.assign(ops.stack([d_loss if class_loss is None else d_loss + class_loss, gan_loss]))
        results = {"d_loss": accel.unscaled(d_loss), "gan_loss": accel.unscaled(gan_loss)}
        if self.conditional:
            results.update(d_class_loss=accel.unscaled(class_loss), acc_real=acc_real, acc_fake=acc_fake)
        return results

    def train_step(self, data):
        real, labels = data if self.conditional else (data, None)
        results = self.step(real, labels)
        for tracker in self.trackers:
            tracker.update_state(results[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.trackers}


def accuracy(labels, probabilities):
    return ops.mean(ops.cast(ops.equal(ops.cast(labels, "int32"), ops.cast(ops.argmax(probabilities, axis=-1), "int32")), "float32"))


def apply_if(enabled, update, grads):
    """Apply the update, or skip it (balancing rule) without touching the optimizer's state."""
    if enabled is True:
        update(grads)
        return

    def apply():
        update(grads)
        return tf.constant(True)

    tf.cond(enabled, apply, lambda: tf.constant(False))
