"""The book's training loop (SPEC R0), kept as the reference the project's step is measured against.

Per batch, as in the book: `generator.predict` on fresh uniform noise, the fakes concatenated
with the real batch (labels 1 then 0) and shuffled with NumPy, `discriminator.train_on_batch`,
then `gan.train_on_batch` on fresh noise labelled 1. Two changes make it correct under Keras 3:
Keras 3 fixes a model's trainable variables when its train function is first traced, so
`discriminator.trainable` is set right before each `train_on_batch` (True for D, False for the
combined model), which traces each function once with the right variables; and the book's
`Adam(decay=...)`, ignored by Keras 3, becomes the same schedule (`book_adam`), passed in.

The bench times this loop, and tests check the project's step reproduces its losses.
"""

import keras
import numpy as np

from pyimagesearch_gan.training.gan import combine
from pyimagesearch_gan.utils import draw_noise


class BookLoop:
    """The book's D and combined models compiled for `train_on_batch`, one `step` per batch.

    `noise(n)` returns the generator inputs (default: NumPy uniform in [-1, 1], the book's);
    `rng` shuffles the discriminator's batch.
    """

    def __init__(
        self, generator, discriminator, *, d_optimizer, g_optimizer, noise_dim=100, seed=0, noise=None, rng=None
    ):
        self.generator = generator
        self.discriminator = discriminator
        self.rng = rng or np.random.default_rng(seed)
        self.noise = noise or (lambda n: draw_noise(self.rng, n, noise_dim))
        discriminator.compile(loss="binary_crossentropy", optimizer=d_optimizer)
        discriminator.trainable = False
        self.gan = combine(generator, discriminator, conditional=False)
        self.gan.compile(loss="binary_crossentropy", optimizer=g_optimizer)

    def step(self, real):
        """One book batch on the float [-1, 1] images `real`; returns (d_loss, gan_loss)."""
        n = len(real)
        fake = self.generator.predict(self.noise(n), verbose=0)
        x = np.concatenate([real, fake])
        y = np.reshape([1] * n + [0] * n, (-1,))
        order = self.rng.permutation(2 * n)
        x, y = x[order], y[order]
        self.discriminator.trainable = True
        d_loss = self.discriminator.train_on_batch(x, y)
        self.discriminator.trainable = False
        gan_loss = self.gan.train_on_batch(self.noise(n), np.reshape([1] * n, (-1,)))
        return float(d_loss), float(gan_loss)

    def epoch(self, images, batch_size):
        """The book's epoch: consecutive batches of `images`, the last partial batch dropped."""
        losses = [self.step(images[i * batch_size : (i + 1) * batch_size]) for i in range(len(images) // batch_size)]
        return np.mean(losses, axis=0)


def clone_pair(generator, discriminator):
    """Copies of both networks with the same weights, so two loops can start from one state."""
    copies = []
    for model in (generator, discriminator):
        copy = keras.models.clone_model(model)
        copy.set_weights(model.get_weights())
        copies.append(copy)
    return tuple(copies)
