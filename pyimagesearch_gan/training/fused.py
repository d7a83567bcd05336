"""Class GANs fused into one model: each variable stacked over the classes, one step traced once.

`ClassGANs` puts every class GAN's step into one graph: TensorFlow builds and optimises as
many copies of the step as there are classes before the first step runs, most of a short
run's start-up. `FusedClassGANs` keeps each variable of the class GANs as one stacked
variable (classes first) and runs the GAN's own loss code (its passes of D and G, the losses
of losses.py), traced once for one class, over all classes with `tf.vectorized_map`: Dense
layers become batched matmuls, BatchNormalization one op over the classes' channels, Adam one
update per stacked variable. Each class keeps its
own weights, optimizer moments, noise and augmentation seeds and losses: the step computes
what `ClassGANs` computes (tests compare the two with training one class after another).

It trades epoch time for start-up (less to trace, but one chain of ops instead of one per
class for the cores to share), so `--fuse` is for short runs (labs, quick looks) and off by
default; docs/speed.md has the measurements. Convolutions stay per class (the vectorized
filter gradient loops over the classes): a grouped convolution over the classes' channels
was slower than the classes' separate convolutions on CPU.

The class GANs stay what the rest of training reads and writes: `ClassSync` copies their
variables into the stacked ones when `fit` begins (after a checkpoint was restored) and back
at the end of every epoch, before the monitors, checkpoints and TensorBoard read them.

Fusing needs the classes in lock step: one optimizer iteration count for all, so equal steps
per epoch and no balancing rule (it skips updates per class); one device and no loss scaling
(one scale for all classes); no spectral normalisation (it assigns its kernel inside the
step, which the gradient would then see); no ADA (its probability is updated by the step
outside the losses fusing runs). `why_not_fused` names what stands in the way, and
the trainer uses `ClassGANs` then.
"""

import contextlib
import logging

import keras
import numpy as np
import tensorflow as tf

from pyimagesearch_gan.training import accel


def why_not_fused(options, steps, gans):
    """None when the class GANs `gans` of a run's `options`, `steps` per epoch each, can be
    fused, else the reason."""
    if len(set(steps)) > 1:
        return "classes of different sizes"
    if options.step.balance:
        return "the balancing rule"
    networks = (gans[0].generator, gans[0].discriminator)
    if any(isinstance(layer, keras.layers.SpectralNormalization) for net in networks for layer in net.layers):
        return "spectral normalization (it rewrites its kernel inside the step)"
    if options.devices.mixed_precision:
        return "mixed precision"
    if options.step.ada_target:
        return "--ada-target (its probability is a step's own state)"
    if options.devices.strategy != "default":
        return f"--strategy {options.devices.strategy}"
    return None


def class_state(gan):
    """The variables one class's step reads and writes, optimizers aside: G's and D's (weights,
    BatchNorm statistics, dropout seeds), the noise seed and the augmenter's seed."""
    augmenter = [] if gan.augmenter is None else gan.augmenter.variables
    return [*gan.generator.variables, *gan.discriminator.variables, gan.seed_generator.state, *augmenter]


class FusedClassGANs(keras.Model):
    """The unconditional class GANs `gans` (named `names`, equal steps per epoch) as one model.
    Each element of the data is one batch per class; the logs are prefixed `<class>/`."""

    def __init__(self, gans, names, name="fused_class_gans"):
        super().__init__(name=name)
        self.gans = gans
        self.names = list(names)
        self.template = gans[0]  # whose step code runs, on each class's values
        self.class_vars = [class_state(gan) for gan in gans]
        self.stacked = [
            keras.Variable(
                np.stack([keras.ops.convert_to_numpy(v) for v in same]),
                dtype=same[0].dtype,
                trainable=same[0].trainable,
                name=f"stacked_{i}",
            )
            for i, same in enumerate(zip(*self.class_vars))
        ]
        position = {id(v): i for i, v in enumerate(self.class_vars[0])}
        self.updated = {
            "d": [position[id(v)] for v in self.template.discriminator.trainable_variables],
            "g": [position[id(v)] for v in self.template.generator.trainable_variables],
        }
        self.assigned = {}  # network -> the non-trainable variables its step writes (found when traced)
        self.built = True  # no call() to build

    @property
    def metrics(self):
        return [tracker for gan in self.gans for tracker in gan.metrics]

    def compile(self, d_optimizer, g_optimizer, jit_compile="auto", **kwargs):
        """Optimizers for the stacked D and G weights, made as each class GAN's (Adam's update
        is elementwise, so one over the stack is each class's own); `jit_compile` as `GAN.compile`."""
        super().compile(jit_compile=jit_compile, **kwargs)
        self.optimizers = {"d": d_optimizer, "g": g_optimizer}
        self.apply_update = {}
        for network, optimizer in self.optimizers.items():
            variables = [self.stacked[i] for i in self.updated[network]]
            optimizer.build(variables)
            self.apply_update[network] = accel.optimizer_update(optimizer, variables, jit_compile is not False)
        # Once per epoch: traced, a few ms; eagerly its thousand small ops take half a second.
        self.store_classes = tf.function(self.copy_to_classes, autograph=False)

    # --- the step ---------------------------------------------------------------------------
    def class_update(self, network, values, real):
        """One class's losses and gradients for an update of `network` ("d" or "g"), its
        variables read as `values`: (gradients, new values of what the step assigns, loss)."""
        template, variables = self.template, self.class_vars[0]
        with tf.GradientTape() as tape:
            with keras.StatelessScope(list(zip(variables, values))) as scope:
                before = [scope.get_current_value(v) for v in variables]
                targets = [before[i] for i in self.updated[network]]
                tape.watch(targets)
                if network == "d":
                    loss = template.discriminator_loss(real, None)[0]
                else:
                    loss = template.generator_loss(tf.shape(real)[0])
        after = [scope.get_current_value(v) for v in variables]
        self.assigned[network] = [i for i, (new, old) in enumerate(zip(after, before)) if new is not old]
        return tape.gradient(loss, targets), [after[i] for i in self.assigned[network]], loss

    def update(self, network, real):
        """Update `network` of every class on `real` (classes first); returns the losses per class."""
        values = [v.value for v in self.stacked]
        with quiet_tensorflow_warnings():  # "Conv2DBackpropFilter uses a while_loop": measured, it is the fastest
            grads, assigned, losses = tf.vectorized_map(lambda args: self.class_update(network, *args), (values, real))
        for i, value in zip(self.assigned[network], assigned):
            self.stacked[i].assign(value)
        self.apply_update[network](grads)
        return losses

    def train_step(self, data):
        real = tf.stack(list(data))
        d_losses = self.update("d", real)
        for _ in range(self.template.g_steps):
            g_losses = self.update("g", real)
        logs = {}
        for k, (name, gan) in enumerate(zip(self.names, self.gans)):
            for tracker, losses in zip(gan.trackers, (d_losses, g_losses)):  # d_loss, gan_loss
                tracker.update_state(losses[k])
                logs[f"{name}/{tracker.name}"] = tracker.result()
        return logs

    # --- the class GANs ---------------------------------------------------------------------
    def pairs(self):
        """(fused variable, the classes' variables) for the step's variables and the optimizers'.
        An optimizer's iteration count is one for all classes (they step in lock step)."""
        pairs = list(zip(self.stacked, zip(*self.class_vars)))
        for network, optimizer in self.optimizers.items():
            per_class = [(gan.d_optimizer if network == "d" else gan.g_optimizer).variables for gan in self.gans]
            pairs += list(zip(optimizer.variables, zip(*per_class)))
        return pairs

    def load_classes(self):
        for fused, per_class in self.pairs():
            shared = fused.shape == per_class[0].shape
            fused.assign(per_class[0] if shared else tf.stack([v.value for v in per_class]))

    def copy_to_classes(self):
        for fused, per_class in self.pairs():
            shared = fused.shape == per_class[0].shape
            parts = [fused.value] * len(per_class) if shared else tf.unstack(fused.value)
            for variable, part in zip(per_class, parts):
                variable.assign(part)


@contextlib.contextmanager
def quiet_tensorflow_warnings():
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class ClassSync(keras.callbacks.Callback):
    """Keeps a `FusedClassGANs` and its class GANs the same: the classes' state goes into the
    fused model when training begins, and back to the classes at the end of every epoch (put
    this callback first, so that the others read the epoch's state)."""

    def __init__(self, fused):
        super().__init__()
        self.fused = fused

    def on_train_begin(self, logs=None):
        self.fused.load_classes()

    def on_epoch_end(self, epoch, logs=None):
        self.fused.store_classes()


def sync_callbacks(model):
    """The callbacks `model` needs first in `fit`: `ClassSync` for a fused model, else none."""
    return [ClassSync(model)] if isinstance(model, FusedClassGANs) else []
