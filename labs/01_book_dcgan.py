# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 1: the book DCGAN, end to end
#
# The first GAN of Rosebrock's *Deep Learning for Computer Vision with Python* makes MNIST
# digits with a small DCGAN. For data augmentation we train **one GAN per class**: each GAN
# only ever sees one digit, so everything it draws carries that digit's label.
#
# **Learning goals.** After this lab you can
# 1. train the book DCGAN per class with one command and find what it wrote;
# 2. read a run: the real-image montage, the fixed-noise montage of every epoch, the loss plot;
# 3. count generator updates, and explain why "epochs" alone says little;
# 4. explain the *BatchNorm lag*: why both losses sit near zero at the start of the book's
#    recipe, and what the setting `g_training_in_d_step` changes.
#
# **Time.** Unset `LAB_QUICK`: about 3 minutes on 2 CPU cores (two runs of three digit GANs).
# `LAB_QUICK=1`: under a minute, a smoke run whose pictures are still noise.
#
# **Data.** MNIST, from `$PYIMAGESEARCH_GAN_DATA/mnist/` when that variable points at a folder
# holding `mnist/` (set it before starting Jupyter, or uncomment the line in the next cell),
# otherwise downloaded once through `keras.datasets`. The lab trains on the first 500
# training images of each digit (`mnist_sample` writes them as an image folder), the size of
# the project's offline sample, so its runs take the same time with the full download.

# %%
import json
import os

import matplotlib.pyplot as plt
import numpy as np

# os.environ["PYIMAGESEARCH_GAN_DATA"] = "/path/to/datasets"  # a folder holding mnist/
from labtools import QUICK, cli, fresh, mnist_sample, output_dir, show  # labtools.py beside this notebook

OUT = output_dir("01_book_dcgan")
CLASSES = "0,1" if QUICK else "0,1,7"  # which digits get a GAN
BATCH = 64 if QUICK else 16
EPOCHS = 2 if QUICK else 30
EXTRA = "--set num_benchmark=64" if QUICK else ""  # fewer montage tiles: faster epochs
IMAGES_PER_DIGIT = 500
SAMPLE = mnist_sample(OUT / "mnist_500", CLASSES.split(","), IMAGES_PER_DIGIT)  # <SAMPLE>/<digit>/*.png
print(f"quick={QUICK}  classes={CLASSES}  batch={BATCH}  epochs={EPOCHS}  output={OUT}")

# %% [markdown]
# ## 1. How much training is an epoch?
#
# The book trains on all of MNIST (about 6,000 images per digit) with batch size 128 for 50
# epochs. Each *update* of the networks uses one batch, and, like the book, the project drops
# the last partial batch of every epoch. We train on 500 images per digit.
#
# **Exercise 1.** Compute `updates_per_epoch` and `total_updates` for one digit's GAN with
# our settings (`IMAGES_PER_DIGIT`, `BATCH`, `EPOCHS`), and `book_total_updates` for the
# book's run (6,000 images, batch 128, 50 epochs). Which run updates its generator more often?

# %%
### BEGIN SOLUTION
updates_per_epoch = IMAGES_PER_DIGIT // BATCH
total_updates = updates_per_epoch * EPOCHS
book_total_updates = (6000 // 128) * 50
### END SOLUTION
print(f"ours: {updates_per_epoch} updates per epoch, {total_updates} in all; the book: {book_total_updates}")

# %% [markdown]
# With 500 images, batch 128 gives only 3 updates per epoch: the book's 50 epochs would be
# 150 updates, far too few. That is why this lab (and the quick start) trains with batch 16.
#
# ## 2. Train one GAN per digit
#
# The preset `book-mnist` holds the book's settings (model, Adam 2e-4 with beta_1 0.5 and the
# book's decay, uniform noise); flags change single settings. `--dataset folder --data-dir
# SAMPLE` trains on our image folder, one GAN per subfolder (with the offline sample,
# `--dataset mnist --classes 0,1,7` is the same data). The digit GANs train side by side in
# one compiled step, each with its own networks, optimizers and noise.

# %%
RUN = fresh(OUT / "book")
cli(f"train --preset book-mnist --dataset folder --data-dir {SAMPLE} --batch-size {BATCH} --epochs {EPOCHS} "
    f"--output {RUN} {EXTRA}")

# %% [markdown]
# ## 3. What a run writes
#
# One folder per GAN. `real.png` is a montage of its training images. `epoch_0001.png`, ...
# show what the generator draws **from the same 256 noise vectors** after each epoch (the
# book's "benchmark" noise), so one tile follows one noise vector through training.
# `history.json` and `loss.png` hold the two losses of every epoch.

# %%
digits = CLASSES.split(",")
for path in sorted((RUN / digits[0]).iterdir())[:8]:
    print(path.name)
show([RUN / d / "real.png" for d in digits], [f"real {d}" for d in digits])
show([RUN / d / f"epoch_{EPOCHS:04d}.png" for d in digits], [f"generated {d}, epoch {EPOCHS}" for d in digits])

# %% [markdown]
# Reading a montage: **quality** (do tiles look like the real digit?), **variety** (do tiles
# differ, in slant, thickness, style, as much as real ones do?), and **stability** (do
# neighbouring epochs look alike?). Watch one digit over training:

# %%
steps = sorted({1, max(1, EPOCHS // 4), max(1, EPOCHS // 2), EPOCHS})
show([RUN / digits[-1] / f"epoch_{e:04d}.png" for e in steps], [f"epoch {e}" for e in steps], size=3.5)

# %% [markdown]
# ## 4. The loss plot
#
# `d_loss` is the discriminator's binary cross-entropy on a batch of real images (label 1)
# and fakes (label 0); `gan_loss` is the "adversarial loss": the cross-entropy of the
# combined model D(G(z)) when the fakes are labelled 1, the generator's loss. A GAN's losses
# do not go down to zero when it learns: the two networks play against each other, and in a
# healthy run they settle (here, by epoch 30, around d 0.5 and g 1.3).

# %%
show([RUN / d / "loss.png" for d in digits], digits)
history = {d: json.loads((RUN / d / "history.json").read_text()) for d in digits}
for d in digits:
    print(d, " ".join(f"{r['d_loss']:.2f}" for r in history[d]), "(d_loss per epoch)")

# %% [markdown]
# In a full run both losses fall **near zero** for several epochs and the montages stay
# gray or blotchy, then the losses jump up and digits appear. A discriminator loss near zero
# means D tells real from fake perfectly; but the generator's loss is near zero too, so the
# same D is fooled by the generator. How can both be true?
#
# ## 5. The BatchNorm lag
#
# The book makes D's fakes with `generator.predict(noise)`: **inference mode**, where each
# BatchNorm layer normalises with its *moving averages*. The generator's own update runs
# through the combined model in **training mode**, where BatchNorm uses the *batch's*
# statistics. The moving averages follow the batch statistics with momentum 0.99, so they
# lag about 100 updates behind, and at the start they describe a generator that no longer
# exists. D learns to reject the lagging inference-mode fakes (d_loss near 0) while it still
# accepts the training-mode fakes that the generator's loss is measured on (gan_loss near 0).
#
# We can watch it: one GAN for one digit, built from the package's pieces, with D's mean
# score on real images and on both kinds of fakes recorded every few updates.

# %%
import keras

from pyimagesearch_gan.data import load_dataset, make_pipeline, to_float
from pyimagesearch_gan.models import get_family
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.training.trainer import make_gan
from pyimagesearch_gan.utils import draw_noise

PROBE_EVERY, PROBE_TIMES = (5, 4) if QUICK else (10, 40)  # 4 x 5 or 40 x 10 updates

cfg = get_preset("book-mnist").with_overrides({"batch_size": BATCH, "epochs": EPOCHS, "seed": 1})
sample = load_dataset("folder", SAMPLE)
digit_images = sample.of_class(sample.class_names.index(digits[-1]))
keras.utils.set_random_seed(cfg.seed)
generator, discriminator = get_family("book").build(cfg, 0)
gan = make_gan(cfg, generator, discriminator)
z = draw_noise(0, 256, cfg.noise_dim)
real = to_float(digit_images[:256])
probe = {"update": [], "real": [], "fake, inference mode": [], "fake, training mode": []}


def record(epoch, logs=None):
    moving = [v.numpy() for v in generator.non_trainable_variables]  # training=True below moves them
    probe["update"].append((epoch + 1) * PROBE_EVERY)
    probe["real"].append(float(np.mean(discriminator(real))))
    probe["fake, inference mode"].append(float(np.mean(discriminator(generator(z, training=False)))))
    probe["fake, training mode"].append(float(np.mean(discriminator(generator(z, training=True)))))
    for variable, value in zip(generator.non_trainable_variables, moving):
        variable.assign(value)


gan.fit(make_pipeline(digit_images, BATCH, seed=1), epochs=PROBE_TIMES, steps_per_epoch=PROBE_EVERY,
        verbose=0, shuffle=False, callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=record)])
for key in list(probe)[1:]:
    plt.plot(probe["update"], probe[key], label=key)
plt.xlabel("updates")
plt.ylabel("mean D(x)")
plt.legend()
plt.title("What D thinks of real images and of the two kinds of fakes")
plt.show()

# %% [markdown]
# D's score on the inference-mode fakes (what the montages show, and what D trains on) stays
# near 0 for a few hundred updates, while the training-mode fakes score much higher: two
# different generators, one of them lagging behind. When the moving averages catch up the
# curves meet and real training begins.
#
# **Exercise 2.** From `history`, find for each digit where the lag ends: the epoch after the
# last epoch whose `d_loss` is below 0.05. Make a dict `lag_end = {"0": 9, ...}` (`None` for
# a digit whose `d_loss` never went below 0.05).

# %%
### BEGIN SOLUTION
lag_end = {}
for d in digits:
    low = [r["epoch"] for r in history[d] if r["d_loss"] < 0.05]
    lag_end[d] = low[-1] + 1 if low else None
### END SOLUTION
for d, epoch in lag_end.items():
    where = f"epoch {epoch} = {epoch * updates_per_epoch} updates" if epoch else "no epoch (no lag seen)"
    print(f"digit {d}: the lag ends at {where}")

# %% [markdown]
# **Exercise 3 (predict).** With the book preset's batch size of 128 and 500 images per digit,
# after about how many *epochs* would the lag end, if it takes the same number of updates as
# you measured? Set `predicted_lag_epochs`. Then say why the book, training on all of MNIST,
# never noticed.

# %%
### BEGIN SOLUTION
measured = [e * updates_per_epoch for e in lag_end.values() if e] or [300]  # about 300 updates in a full run
predicted_lag_epochs = int(np.mean(measured) / (IMAGES_PER_DIGIT // 128))
# The book's 46 updates per epoch hide a lag of a few hundred updates inside its first epochs.
### END SOLUTION
print(f"predicted: the lag lasts about {predicted_lag_epochs} epochs at batch 128")

# %% [markdown]
# ## 6. `g_training_in_d_step`: fakes from the training-mode generator
#
# The PyTorch DCGANs that later papers use make D's fakes with the generator in training
# mode. The project's GAN step does the same with `--set g_training_in_d_step=true`: D then
# sees the same generator that the generator's loss is measured on, and no lag can appear.
# (The montages still use inference mode, so they may look washed out for the first epochs.)

# %%
RUN_G = fresh(OUT / "book_g_training")
cli(f"train --preset book-mnist --dataset folder --data-dir {SAMPLE} --batch-size {BATCH} --epochs {EPOCHS} "
    f"--output {RUN_G} --set g_training_in_d_step=true {EXTRA}")
history_g = {d: json.loads((RUN_G / d / "history.json").read_text()) for d in digits}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
for ax, hist, title in zip(axes, (history, history_g), ("book: fakes from predict()", "g_training_in_d_step=true")):
    for d in digits:
        ax.plot([r["epoch"] for r in hist[d]], [r["d_loss"] for r in hist[d]], label=f"d_loss {d}")
    ax.set(title=title, xlabel="epoch")
axes[0].legend()
plt.show()
middle = max(1, EPOCHS // 3)
show([RUN / digits[-1] / f"epoch_{middle:04d}.png", RUN_G / digits[-1] / f"epoch_{middle:04d}.png"],
     [f"book, epoch {middle}", f"g_training_in_d_step, epoch {middle}"])

# %% [markdown]
# **Exercise 4.** Make a figure that compares, for the digit of your choice, its real images
# with the generated ones of both runs at their last epoch (three panels, use `show`).
# Which run would you rather take synthetic training images from, and why? Is one montage
# enough to say?

# %%
### BEGIN SOLUTION
choice = digits[0]
show([RUN / choice / "real.png", RUN / choice / f"epoch_{EPOCHS:04d}.png", RUN_G / choice / f"epoch_{EPOCHS:04d}.png"],
     [f"real {choice}", "book", "g_training_in_d_step"])
### END SOLUTION

# %% [markdown]
# ## Takeaways
#
# - Count **updates**, not epochs: the same preset on a smaller data set trains far less.
# - The book's fakes for D come from the inference-mode generator; with few updates per epoch
#   its BatchNorm moving averages lag, and both losses near zero is the symptom.
# - `g_training_in_d_step=true` removes the lag; the montages still use inference mode.
#
# **Try next:** the book's own settings on 500 images per digit (`--batch-size 128 --epochs 50`):
# check your prediction of Exercise 3 against the montages and `history.json`. Lab 2 looks at
# the other half of the book's recipe: the frozen discriminator.
