"""Several class GANs trained side by side in one compiled step, whatever their class sizes.

With small batches (NEU: 16 images of 28x28) one GAN step leaves most of the machine idle
and pays Python and dispatch overhead per step. `ClassGANs` steps every class GAN of a run
in one `train_step`: each keeps its own models, optimizers, noise and losses, so the result
means the same as training them one after another; the logs are prefixed `<class>/`.
The GANs come compiled (each with its own optimizers); `compile` here sets the options of
the joint step only.

Classes of different sizes have epochs of different lengths. The joint epoch has the steps
of the largest class's epoch, and every class does exactly one of its own epochs in it: a
class of `s` steps steps at `s` positions spread evenly over the joint epoch (`schedule`)
and sits still at the others (`joint_dataset` hands it a batch with an "active" flag; the
step skips its update in a `tf.cond`, so its weights, optimizer, BatchNorm statistics,
noise stream and loss means do not move). Every class's epoch thus ends with the joint
epoch: its montage, history, checkpoints and learning-rate decay mean what they mean when
it trains alone, and a checkpoint holds every class at the same epoch (resume as usual).
Spreading the steps, rather than running each class's epochs back to back, keeps two or
more classes in most joint steps, which is where running them side by side pays.
"""

import keras
import tensorflow as tf


class ClassGANs(keras.Model):
    """The class GANs `gans` (named `names`) in one step. `steps`: each class's steps per
    epoch; when they differ, each element of the data is (batch, active flags) per class
    (`joint_dataset`)."""

    def __init__(self, gans, names, steps=None, name="class_gans"):
        super().__init__(name=name)
        self.gans = gans
        self.names = list(names)
        self.uneven = steps is not None and len(set(steps)) > 1
        self.built = True  # no call() to build; fit under a tf.distribute strategy asks

    @property
    def metrics(self):
        return [tracker for gan in self.gans for tracker in gan.metrics]

    def train_step(self, data):
        logs = {}
        for name, gan, batch in zip(self.names, self.gans, data):
            results = idle_or_step(gan, *batch) if self.uneven else gan.train_step(batch)
            for key, value in results.items():
                logs[f"{name}/{key}"] = value
        return logs


def idle_or_step(gan, batch, active):
    """`gan`'s step on `batch` where `active` (one flag per image, all the same) says so; else
    nothing moves and the logs are its epoch means so far."""
    return tf.cond(
        active[0],
        lambda: gan.train_step(batch),
        lambda: {tracker.name: tracker.result() for tracker in gan.metrics},
    )


def schedule(steps, total):
    """Where a class of `steps` steps per epoch steps within a joint epoch of `total` steps:
    `steps` positions spread evenly (each class's last step lies before the joint epoch's end)."""
    if not 1 <= steps <= total:
        raise ValueError(f"a class of {steps} steps cannot fit a joint epoch of {total}")
    active = [False] * total
    for k in range(steps):
        active[int((k + 0.5) * total / steps)] = True
    return active


def joint_dataset(pipelines, steps):
    """The data of a joint step: one element of each class pipeline per step when every class
    has `steps` alike; else each class's batches at its `schedule` positions of the longest
    epoch, as (batch, active flags), with an idle batch (all flags false) in between."""
    if len(set(steps)) == 1:
        return tf.data.Dataset.zip(tuple(pipelines))
    total = max(steps)
    return tf.data.Dataset.zip(tuple(scheduled(p, s, total) for p, s in zip(pipelines, steps)))


def scheduled(pipeline, steps, total):
    """`pipeline`'s batches in order, `steps` per joint epoch of `total`, at their positions."""
    spec = pipeline.element_spec
    batch_size = tf.nest.flatten(spec)[0].shape[0]
    real = pipeline.map(lambda *batch: (batch[0] if len(batch) == 1 else batch, tf.ones([batch_size], tf.bool)))
    idle_batch = tf.nest.map_structure(lambda s: tf.zeros(s.shape, s.dtype), spec)
    idle = tf.data.Dataset.from_tensors((idle_batch, tf.zeros([batch_size], tf.bool))).repeat()
    choice = tf.data.Dataset.from_tensor_slices(
        tf.constant([0 if active else 1 for active in schedule(steps, total)], tf.int64)
    ).repeat()
    return tf.data.Dataset.choose_from_datasets([real, idle], choice)
