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
# [![Open In Colab][colab-badge]][colab]
#
# [colab-badge]: https://colab.research.google.com/assets/colab-badge.svg
# [colab]: https://colab.research.google.com/github/pyimagesearch-gan/pyimagesearch-gan/blob/main/labs/01_book_dcgan.ipynb
#
# The first GAN of Rosebrock's *Deep Learning for Computer Vision with Python* (2017) makes MNIST
# digits with a small **DCGAN**, a *deep convolutional GAN* (Radford et al. 2016): a generator that
# grows an image from noise with transposed convolutions, and a discriminator that is a small
# convolutional classifier, both with batch normalisation. The book trains one unconditional GAN
# on all 60,000 MNIST training digits. For data augmentation we train **one GAN per class**
# instead: each GAN only ever sees one digit, so everything it draws carries that digit's label.
#
# **Learning goals.** After this lab you can
# 1. write the GAN game's losses (minimax, and the non-saturating generator loss the book uses)
#    and say why the minimax generator loss stalls at the start;
# 2. train the book DCGAN per class with one command and find what it wrote;
# 3. read a run: the real-image montage, the fixed-noise montage of every epoch, the loss plot;
# 4. count generator updates, and explain why "epochs" alone says little;
# 5. explain the *BatchNorm lag*: why both losses sit near zero at the start of the book's
#    recipe, and what the setting `g_training_in_d_step` changes.
#
# **Time.** 8 min 58 s in full, 40 s with `LAB_QUICK=1`, measured on 2 CPU cores (shared with other jobs, loaded) (labs/README.md).
# The full lab trains two runs of three digit GANs; `LAB_QUICK=1` is a smoke run whose pictures are still noise.
#
# **Grading.** Exercises are nbgrader cells: answer cells, test cells with visible asserts (the
# graders add hidden ones) and written answers (labs/README.md).
#
# **Data.** MNIST, from `$PYIMAGESEARCH_GAN_DATA/mnist/` when that variable points at a folder
# holding `mnist/` (set it before starting Jupyter, or uncomment the line in the next cell),
# otherwise downloaded once through `keras.datasets`. The lab trains on the first 500
# training images of each digit (`mnist_sample` writes them as an image folder), the size of
# the project's offline sample, so its runs take the same time with the full download.

# %%
# Setup: run this cell first. Where the package or the labs' helpers (labtools.py) are missing, as
# on Colab, it installs the package from the repository and fetches labtools.py beside this notebook.
import importlib.util
import os
import subprocess
import sys
import urllib.request

REPOSITORY = "https://github.com/pyimagesearch-gan/pyimagesearch-gan"  # this notebook's repository: labs/set_repository.py
if importlib.util.find_spec("pyimagesearch_gan") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"git+{REPOSITORY}"], check=True)
if os.path.isfile(os.path.join("..", "labtools.py")):  # an instructor notebook, in labs/instructor/
    sys.path.insert(0, os.path.abspath(".."))
if importlib.util.find_spec("labtools") is None:
    urllib.request.urlretrieve(f"{REPOSITORY}/raw/main/labs/labtools.py", "labtools.py")
# os.environ["PYIMAGESEARCH_GAN_DATA"] = "/path/to/datasets"  # a folder holding mnist/ (else: downloaded once)
from labtools import setup

setup()

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

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
# ## 0. The game, in two formulas
#
# A generator $G$ maps noise $z \sim p_z$ (here 100 numbers, uniform in $[-1, 1]$) to an image; a
# discriminator $D$ maps an image to the probability that it is real. Goodfellow et al. (2014)
# define GAN training as a two-player **minimax** game on one value function:
#
# $$\min_G \max_D \; V(D, G) = \mathbb{E}_{x \sim p_\text{data}}\big[\log D(x)\big]
#   + \mathbb{E}_{z \sim p_z}\big[\log\big(1 - D(G(z))\big)\big].$$
#
# - **D's side** is a binary cross-entropy with label 1 for real images and 0 for fakes: D's loss
#   (`d_loss` below) is $-V$, averaged over a batch of real images and a batch of fakes. For a fixed
#   $G$ the best D is $D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))$, and then
#   $V = -\log 4 + 2\,\mathrm{JS}(p_\text{data} \,\|\, p_g)$: the generator that minimises $V$
#   minimises the Jensen-Shannon divergence between the data and its images.
# - **G's side, minimax:** minimise $\mathbb{E}_z[\log(1 - D(G(z)))]$. Early in training D rejects
#   fakes easily, $D(G(z)) \approx 0$, where this loss is flat: with $D = \sigma(a)$,
#   $\partial \log(1 - \sigma(a)) / \partial a = -\sigma(a) \to 0$. The generator's gradient vanishes
#   exactly when it is worst (the loss *saturates*).
# - **G's side, non-saturating** (the paper's practical choice, and the book's): maximise
#   $\mathbb{E}_z[\log D(G(z))]$, i.e. minimise $-\mathbb{E}_z[\log D(G(z))]$, with gradient
#   $-(1 - \sigma(a)) \to -1$ when D wins. It is the binary cross-entropy of $D(G(z))$ against the
#   label 1, which is why the book trains the combined model `D(G(z))` on fakes **labelled 1**; its
#   loss is `gan_loss`. Same fixed point as the minimax game, strong gradients at the start.
#
# So neither loss is a score of image quality: each is measured against an opponent that keeps
# changing.
#
# ## 1. How much training is an epoch?
#
# The book trains one unconditional GAN on all 60,000 MNIST training digits (about 6,000 of each
# digit, all mixed) with batch size 128 for 50 epochs. Each *update* of the networks uses one
# batch, and, like the book, the project drops the last partial batch of every epoch. We train one
# GAN per digit, each on 500 images of its digit.

# %% [markdown] nbgrader={"grade": false, "grade_id": "e1_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 1.** Compute `updates_per_epoch` and `total_updates` for one digit's GAN with
# our settings (`IMAGES_PER_DIGIT`, `BATCH`, `EPOCHS`), and `book_total_updates` for the
# book's run (one GAN on 60,000 images, batch 128, 50 epochs). Which generator is updated more
# often, and what does that mean for comparing "50 epochs" with "30 epochs"? (Answer in the text
# cell after the tests.)

# %% nbgrader={"grade": false, "grade_id": "e1_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
updates_per_epoch = IMAGES_PER_DIGIT // BATCH
total_updates = updates_per_epoch * EPOCHS
book_total_updates = (60000 // 128) * 50
### END SOLUTION
print(f"ours: {updates_per_epoch} updates per epoch, {total_updates} in all; the book: {book_total_updates}")

# %% nbgrader={"grade": true, "grade_id": "e1_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert updates_per_epoch * BATCH <= IMAGES_PER_DIGIT < (updates_per_epoch + 1) * BATCH, "drop the partial batch"
assert total_updates == updates_per_epoch * EPOCHS
### BEGIN HIDDEN TESTS
assert book_total_updates == 468 * 50
assert updates_per_epoch == (7 if QUICK else 31)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e1_why", "locked": false, "points": 1, "schema_version": 3, "solution": true}
# **Answer.** The book's run: 468 updates per epoch, 23,400 in all, against our 31 per epoch and 930
# in all for each digit's GAN. An epoch is one pass over the data, so its number of updates depends
# on the data set's size and the batch size: the book's "50 epochs" on 60,000 images are 25 times the
# updates of our "30 epochs" on 500, although both say "epochs" (and the book's one GAN shares them
# among ten digits). Compare runs by updates (and images seen), not epochs.
#
# **Rubric (1 point).** 1: says the book's generator is updated more (about 25 times: 23,400
# against 930) **and** that epochs are not comparable across data set and batch sizes, so runs are
# compared by updates or images seen. 0.5: one of the two. 0: "more epochs = more training".

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
# statistics. The moving averages follow the batch statistics with momentum 0.99: each update
# moves them 1% of the way, a time constant of 1 / (1 - 0.99) = 100 updates (batch
# normalisation: Ioffe and Szegedy 2015). While the generator
# changes fast they never catch up, and in our full runs the lag lasts about 280-370 updates
# (Exercise 2 measures it): for that long they describe a generator that no longer exists. D
# learns to reject the lagging inference-mode fakes (d_loss near 0) while it still
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
options = cfg.options()  # the settings in groups: model, step, optimizers, devices ...
generator, discriminator = get_family("book").build(options.model, 0)
gan = make_gan(options, generator, discriminator)
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "e2_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 2.** Write `lag_end_epoch(rows)`: given one GAN's `history` rows (a list of dicts with
# `"epoch"` and `"d_loss"`), return where the lag ends: the `"epoch"` of the first row whose
# `d_loss` is 0.05 or more **after** `d_loss` first fell below 0.05 (a later dip below 0.05, once
# training has begun, is not the lag), or `None` when `d_loss` never went below 0.05, or stayed
# below it to the last row. The cell then makes `lag_end = {"0": 9, ...}` for our digits.

# %% nbgrader={"grade": false, "grade_id": "e2_code", "locked": false, "schema_version": 3, "solution": true}
def lag_end_epoch(rows):
    ### BEGIN SOLUTION
    losses = [r["d_loss"] for r in rows]
    low = [i for i, loss in enumerate(losses) if loss < 0.05]
    rise = [i for i in range(low[0], len(losses)) if losses[i] >= 0.05] if low else []
    return rows[rise[0]]["epoch"] if rise else None
    ### END SOLUTION


lag_end = {d: lag_end_epoch(history[d]) for d in digits}
for d, epoch in lag_end.items():
    where = f"epoch {epoch} = {epoch * updates_per_epoch} updates" if epoch else "no epoch (no lag seen)"
    print(f"digit {d}: the lag ends at {where}")

# %% nbgrader={"grade": true, "grade_id": "e2_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert set(lag_end) == set(digits), "one entry per digit"
for d, epoch in lag_end.items():
    assert epoch is None or 2 <= epoch <= EPOCHS, (d, epoch)
    if epoch is not None:
        assert history[d][epoch - 1]["d_loss"] >= 0.05, f"digit {d}: d_loss at epoch {epoch} is still below 0.05"
        assert min(r["d_loss"] for r in history[d][: epoch - 1]) < 0.05, f"digit {d}: no lag before epoch {epoch}"
### BEGIN HIDDEN TESTS
def _rows(*losses, first=1):
    return [{"epoch": first + i, "d_loss": loss} for i, loss in enumerate(losses)]


assert lag_end_epoch(_rows(0.6, 0.5, 0.04, 0.01, 0.02, 0.3, 0.6)) == 6, "the rise after the first dip"
assert lag_end_epoch(_rows(0.6, 0.01, 0.2, 0.01, 0.3)) == 3, "a later dip is not the lag"
assert lag_end_epoch(_rows(0.6, 0.5, 0.4)) is None, "never below 0.05: no lag"
assert lag_end_epoch(_rows(0.6, 0.01, 0.02)) is None, "below 0.05 to the end: the lag never ended"
assert lag_end_epoch(_rows(0.01, 0.05, first=7)) == 8, "0.05 counts as risen; the rows' own epoch numbers"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "e3_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 3 (predict).** With the book preset's batch size of 128 and 500 images per digit,
# after about how many *epochs* would the lag end, if it takes the same number of updates as
# you measured (the mean over the digits of Exercise 2; 300 updates if it found no lag, as in a
# `LAB_QUICK=1` run)? Set `predicted_lag_epochs`, a whole number. Then say, in the text cell
# below the tests, why the book, training on all of MNIST, never noticed.

# %% nbgrader={"grade": false, "grade_id": "e3_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
measured = [e * updates_per_epoch for e in lag_end.values() if e] or [300]
predicted_lag_epochs = round(np.mean(measured) / (IMAGES_PER_DIGIT // 128))
### END SOLUTION
print(f"predicted: the lag lasts about {predicted_lag_epochs} epochs at batch 128")

# %% nbgrader={"grade": true, "grade_id": "e3_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false}
assert predicted_lag_epochs == int(predicted_lag_epochs) and predicted_lag_epochs > 0
assert 100 <= predicted_lag_epochs * (IMAGES_PER_DIGIT // 128) <= 700, "a lag of a few hundred updates, 3 per epoch"
### BEGIN HIDDEN TESTS
_measured = [e * updates_per_epoch for e in lag_end.values() if e] or [300]
assert abs(predicted_lag_epochs - np.mean(_measured) / 3) <= 1
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e3_why", "locked": false, "points": 1, "schema_version": 3, "solution": true}
# **Answer.** About 100 epochs at 3 updates per epoch: longer than the book's 50-epoch run,
# which would end inside the lag. The book never noticed because it trains one GAN on all 60,000
# digits: 468 updates per epoch, so a lag of a few hundred updates is over within the first epoch,
# whose montage is expected to be noise anyway. (A GAN per digit on the full download, 6,000
# images, would have 46 updates per epoch and end the lag around epoch 7 of 50.)
#
# **Rubric (1 point).** 0.5: the lag is counted in updates, so at 3 updates per epoch it lasts
# about 100 epochs, longer than a 50-epoch run. 0.5: the book's epochs are long (468 updates on
# 60,000 digits), so its lag ends inside the first epoch. 0 for "the book's GAN is different" with
# no count.

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

# %% [markdown] nbgrader={"grade": false, "grade_id": "e4_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 4.** Make a figure that compares, for the digit of your choice, its real images
# with the generated ones of both runs at their last epoch: set `panels` to the three PNG files
# (the real montage, the book run's last epoch, the `g_training_in_d_step` run's last epoch), in
# that order; the cell shows them. Which run would you rather take synthetic training images
# from, and why? Is one montage enough to say?

# %% nbgrader={"grade": false, "grade_id": "e4_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
choice = digits[0]
panels = [RUN / choice / "real.png", RUN / choice / f"epoch_{EPOCHS:04d}.png", RUN_G / choice / f"epoch_{EPOCHS:04d}.png"]
### END SOLUTION
show(panels, ["real", "book", "g_training_in_d_step"])

# %% nbgrader={"grade": true, "grade_id": "e4_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false}
assert len(panels) == 3 and all(Path(p).is_file() for p in panels), panels
assert Path(panels[0]).name == "real.png"
### BEGIN HIDDEN TESTS
assert Path(panels[1]).parent.parent == RUN and Path(panels[2]).parent.parent == RUN_G
assert all(Path(p).name == f"epoch_{EPOCHS:04d}.png" for p in panels[1:])
assert len({Path(p).parent.name for p in panels}) == 1, "one digit in all three panels"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e4_why", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Answer.** In the full run both draw recognisable digits by epoch 30; the `g_training_in_d_step` run
# started learning earlier (no lag), so at the same budget it had more useful updates. One montage is
# one sample of 256 noise vectors at one epoch: look at several epochs (stability) and measure
# (Lab 7's FID and CAS, Lab 5's nearest neighbours) before choosing.
#
# **Rubric (2 points).** 1: a choice argued from what the montages show (quality, variety) or
# from the lag (the `g_training_in_d_step` run had more useful updates); either run is acceptable
# when argued. 1: one montage is not enough, with what else to look at (several epochs, or a
# measurement: FID/CAS, nearest neighbours). 0 for a choice without a reason.

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

# %% [markdown]
# ## References
#
# - Goodfellow, I., Pouget-Abadie, J., Mirza, M., Xu, B., Warde-Farley, D., Ozair, S., Courville, A. and
#   Bengio, Y. (2014). Generative adversarial nets. *Advances in Neural Information Processing Systems 27* (NeurIPS 2014).
# - Radford, A., Metz, L. and Chintala, S. (2016). Unsupervised representation learning with deep
#   convolutional generative adversarial networks. *International Conference on Learning Representations (ICLR 2016)*.
# - Ioffe, S. and Szegedy, C. (2015). Batch normalization: accelerating deep network training by reducing internal
#   covariate shift. *Proceedings of the 32nd International Conference on Machine Learning (ICML 2015)*, PMLR 37.
# - Rosebrock, A. (2017). *Deep Learning for Computer Vision with Python*, Practitioner Bundle.
#   *PyImageSearch* (the book DCGAN and its training loop).
