"""The book's training loop (SPEC R0), kept as the reference the project's step is measured against.

Per batch, as in the book: `generator.predict` on fresh uniform noise, the fakes concatenated
with the real batch (labels 1 then 0) and shuffled with NumPy, `discriminator.train_on_batch`,
then `gan.train_on_batch` on fresh noise labelled 1. Two changes make it correct under Keras 3:
Keras 3 fixes a model's trainable variables when its train function is first traced, so
`discriminator.trainable` is set right before each `train_on_batch` (True for D, False for the
combined model), which traces each function once with the right variables; and the book's
`Adam(decay=...)`, ignored by Keras 3, becomes the same schedule (`book_adam`), passed in.

The bench times this loop, and tests check the project's step reproduces its losses.
`book_run` is the book's whole script around it (class after class: the batches, a montage of
the fixed noise's images every epoch, the loss plot and the models at the end); `bench --runs`
starts it in a new process, `python -m pyimagesearch_gan.speed.book_loop`, to time a whole
run against `pyimagesearch-gan train`.
"""

import argparse
import time
from pathlib import Path

import keras
import numpy as np

from pyimagesearch_gan.training.gan import book_adam, combine
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


def book_run(cfg, per_class, output, epochs):
    """The book's script on every class of `per_class` (uint8 images), one after another, into
    `output`/<class index>/: `epochs` epochs of shuffled batches, each followed by the montage
    of the 256 fixed noise vectors' images; the loss plot and generator.keras at the end."""
    from pyimagesearch_gan.data import to_float, to_uint8
    from pyimagesearch_gan.files import write_image
    from pyimagesearch_gan.models import get_family
    from pyimagesearch_gan.training.monitor import montage, plot_history

    for c, images in enumerate(per_class):
        keras.utils.set_random_seed(cfg.seed + c)
        rng = np.random.default_rng(cfg.seed + c)
        generator, discriminator = get_family(cfg.family).build(cfg.options().model, 0)
        loop = BookLoop(
            generator,
            discriminator,
            d_optimizer=book_adam(cfg.d_lr, decay=cfg.d_lr / epochs),
            g_optimizer=book_adam(cfg.g_lr, decay=cfg.g_lr / epochs),
            noise_dim=cfg.noise_dim,
            rng=rng,
        )
        benchmark = draw_noise(rng, 256, cfg.noise_dim)
        x, folder, history = to_float(images), Path(output) / str(c), []
        folder.mkdir(parents=True, exist_ok=True)
        for epoch in range(1, epochs + 1):
            rng.shuffle(x)
            d_loss, gan_loss = loop.epoch(x, cfg.batch_size)
            history.append({"epoch": epoch, "d_loss": float(d_loss), "gan_loss": float(gan_loss)})
            fakes = to_uint8(generator.predict(benchmark, verbose=0))
            write_image(folder / f"epoch_{epoch:04d}.png", montage(fakes, (16, 16)))
            print(f"[book] class {c} epoch {epoch}/{epochs} d_loss {d_loss:.3f} gan_loss {gan_loss:.3f}", flush=True)
        plot_history(history, folder / "loss.png")
        generator.save(folder / "generator.keras")


def main(argv=None):
    """`python -m pyimagesearch_gan.speed.book_loop`: the book's script on a preset's classes."""
    from pyimagesearch_gan import STARTED
    from pyimagesearch_gan.presets import get_preset
    from pyimagesearch_gan.speed.settings import BenchSettings, class_images

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--preset", default="neu-dcgan")
    p.add_argument("--data-dir")
    p.add_argument("--classes", type=int, default=6, help="the data set's first N classes")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--output", required=True)
    args = p.parse_args(argv)
    cfg = get_preset(args.preset)
    per_class, source = class_images(cfg, BenchSettings(data_dir=args.data_dir, classes=args.classes))
    print(f"[book] {source}", flush=True)
    book_run(cfg, per_class, args.output, args.epochs)
    print(f"[book] done in {time.perf_counter() - STARTED:.1f} s", flush=True)


if __name__ == "__main__":
    main()
