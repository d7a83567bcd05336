"""Several class GANs trained side by side in one compiled step.

With small batches (NEU: 16 images of 28x28) one GAN step leaves most of the machine idle
and pays Python and dispatch overhead per step. `ClassGANs` steps every class GAN of a run
in one `train_step`: each keeps its own models, optimizers, noise and losses, so the result
means the same as training them one after another; the logs are prefixed `<class>/`.
The GANs come compiled (each with its own optimizers); `compile` here sets the options of
the joint step only.
"""

import keras


class ClassGANs(keras.Model):
    def __init__(self, gans, names, name="class_gans"):
        super().__init__(name=name)
        self.gans = gans
        self.names = list(names)
        self.built = True  # no call() to build; fit under a tf.distribute strategy asks

    @property
    def metrics(self):
        return [tracker for gan in self.gans for tracker in gan.metrics]

    def train_step(self, data):
        logs = {}
        for name, gan, batch in zip(self.names, self.gans, data):
            for key, value in gan.train_step(batch).items():
                logs[f"{name}/{key}"] = value
        return logs
