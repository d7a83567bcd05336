"""TensorBoard logs of a run (`train --tensorboard`): `tensorboard --logdir RUN_DIR/tensorboard`.

One folder per GAN (`RUN_DIR/tensorboard/<gan>/`, a "run" in TensorBoard's list), each with
every loss the GAN logs, both optimizers' current learning rates (the decayed values, which
Keras' own TensorBoard callback cannot see with a custom train step) and the epoch's
fixed-noise montage as an image, written with TensorFlow's summary API at each epoch's end.
"""

import keras
import numpy as np
import tensorflow as tf

from pyimagesearch_gan.data import to_uint8
from pyimagesearch_gan.training.monitor import montage


def learning_rate(optimizer):
    """The learning rate the optimizer applies at its next update (a schedule evaluated)."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
    return float(keras.ops.convert_to_numpy(inner.learning_rate))


class TensorBoardLogger(keras.callbacks.Callback):
    """Scalars and the montage of one GAN per epoch; `monitor` gives its benchmark inputs."""

    def __init__(self, folder, gan, monitor, *, prefix=""):
        super().__init__()
        self.gan = gan
        self.monitor = monitor
        self.prefix = prefix
        self.writer = tf.summary.create_file_writer(str(folder))

    def on_epoch_end(self, epoch, logs=None):
        step = epoch + 1
        images = to_uint8(keras.ops.convert_to_numpy(self.monitor.generate(self.monitor.inputs)))
        rgb = montage(images, self.monitor.grid)[..., ::-1]  # the montage is BGR (OpenCV)
        with self.writer.as_default(step=step):
            for key, value in (logs or {}).items():
                if key.startswith(self.prefix):
                    tf.summary.scalar(key[len(self.prefix) :], float(value))
            tf.summary.scalar("learning_rate/discriminator", learning_rate(self.gan.d_optimizer))
            tf.summary.scalar("learning_rate/generator", learning_rate(self.gan.g_optimizer))
            tf.summary.image("montage", np.ascontiguousarray(rgb)[None])
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.close()
