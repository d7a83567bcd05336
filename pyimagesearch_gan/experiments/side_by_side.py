"""Independent classifier fits trained side by side: several models per compiled step.

An experiment fits one small classifier per situation, trial and scenario, each early-stopped
on the validation images (protocol.fit_early_stopped). One at a time, a small CNN at batch 32
leaves most of a CPU idle between its little operations; here the fits of a phase train
together, each model taking its own next batch of its own images in one compiled step, as the
class GANs already do. Every model keeps its own of everything that made it a separate fit:
its seed (initial weights, batch order, dropout and transforms), its data stream (its own
images and epoch length: a model of 44 images starts its next epoch while one of 81 is still
in its first), its own Adam, and its own early stopping: at the end of each of its epochs its
validation loss is measured, and when it has not improved for `patience` epochs (or at
`max_epochs`) the model leaves the step, stops updating, and gets back the weights of its best
epoch. The step is compiled again for the models still training.
"""

import dataclasses
import time

import keras
import numpy as np
import tensorflow as tf

from pyimagesearch_gan.data import to_float
from pyimagesearch_gan.evidence import classifiers

JIT = False
LOSS = keras.losses.SparseCategoricalCrossentropy()


@dataclasses.dataclass
class Job:
    """One fit: `build(image_shape, num_classes)`, its uint8 images and labels, its validation
    images, its seed, and Keras preprocessing layers put in front (`augment`, or None)."""

    build: object
    x: np.ndarray
    y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    num_classes: int
    seed: int
    augment: list | None = None


class Fit:
    """A model of a Job while it trains: its batches, its epochs, its early stopping."""

    def __init__(self, job, batch_size, patience, max_epochs):
        keras.utils.set_random_seed(job.seed)
        model = job.build(job.x.shape[1:], job.num_classes)
        if job.augment:
            model = keras.Sequential(
                [keras.Input(job.x.shape[1:]), *job.augment, model], name=f"augmented_{model.name}"
            )
            classifiers._compile(model)
        model.optimizer.build(model.trainable_variables)
        self.job, self.model = job, model
        self.batch_size, self.patience, self.max_epochs = min(batch_size, len(job.x)), patience, max_epochs
        self.rng = np.random.default_rng([job.seed, 31])
        self.val_x, self.val_y = to_float(job.val_x), np.asarray(job.val_y, "int32")
        self.order, self.at = self.rng.permutation(len(job.x)), 0
        self.losses, self.best_weights, self.done = [], None, False

    def next_batch(self):
        pick = self.order[self.at : self.at + self.batch_size]
        self.at += len(pick)
        return to_float(self.job.x[pick]), np.asarray(self.job.y[pick], "int32")

    def end_of_epoch(self):
        """After the step: at the end of an epoch, score the validation images, keep the best
        weights, decide whether to stop; a new epoch reshuffles."""
        if self.at < len(self.job.x):
            return
        probs = self.model(self.val_x, training=False)
        loss = float(LOSS(self.val_y, probs)) + float(sum(self.model.losses) if self.model.losses else 0.0)
        if not self.losses or loss < min(self.losses):
            self.best_weights = [v.numpy() for v in self.model.weights]
        self.losses.append(loss)
        best = int(np.argmin(self.losses))
        self.done = len(self.losses) >= self.max_epochs or len(self.losses) - 1 - best >= self.patience
        self.order, self.at = self.rng.permutation(len(self.job.x)), 0

    def result(self):
        """(model with its best epoch's weights, epochs run, best epoch)."""
        for variable, value in zip(self.model.weights, self.best_weights):
            variable.assign(value)
        return self.model, len(self.losses), int(np.argmin(self.losses)) + 1


def compiled_step(models):
    """One update of every model still training (`active`) on its own batch, in one compiled
    function; a finished model's branch is not run, so its weights and its Adam stay as they are."""
    variables = [m.trainable_variables for m in models]

    def update(model, weights, x, y):
        with tf.GradientTape() as tape:
            loss = LOSS(y, model(x, training=True))
            if model.losses:
                loss += tf.add_n(model.losses)
        model.optimizer.apply(tape.gradient(loss, weights), weights)
        return loss

    @tf.function(reduce_retracing=True)
    def step(batches, active):
        for k, (model, weights, (x, y)) in enumerate(zip(models, variables, batches)):
            tf.cond(
                active[k],
                lambda m=model, w=weights, x=x, y=y: update(m, w, x, y),
                lambda: tf.constant(0.0),
            )

    return step


def fit_side_by_side(jobs, *, max_epochs=200, patience=20, batch_size=32, on_done=None, on_progress=None, every=60.0):
    """Fit every Job's model early-stopped on its own validation images, all side by side.
    Returns [(model, epochs run, best epoch)] in the jobs' order. As each fit finishes,
    `on_done(k, (model, epochs run, best epoch), seconds)` is called with the job's index and its
    share of the wall time (each step's time split among the models it updated); every `every`
    seconds, `on_progress(epochs run per fit, finished per fit)`."""
    fits = [Fit(job, batch_size, patience, max_epochs) for job in jobs]
    step = compiled_step([f.model for f in fits])
    empty = [(np.zeros((0, *f.job.x.shape[1:]), "float32"), np.zeros(0, "int32")) for f in fits]
    shares, shown = [0.0] * len(fits), time.perf_counter()
    while not all(f.done for f in fits):
        start, active = time.perf_counter(), [not f.done for f in fits]
        step([f.next_batch() if a else e for f, e, a in zip(fits, empty, active)], np.array(active))
        for f, a in zip(fits, active):
            if a:
                f.end_of_epoch()
        seconds = time.perf_counter() - start
        for k, (f, a) in enumerate(zip(fits, active)):
            if a:
                shares[k] += seconds / sum(active)
                if f.done and on_done:
                    on_done(k, f.result(), shares[k])
        if on_progress and time.perf_counter() - shown >= every and not all(f.done for f in fits):
            on_progress([len(f.losses) for f in fits], [f.done for f in fits])
            shown = time.perf_counter()
    return [f.result() for f in fits]
