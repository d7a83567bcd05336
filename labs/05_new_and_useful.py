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
# # Lab 5: are the images new, and do they help?
#
# Synthetic images are worth something for augmentation only if they are **new** (not copies
# of the training images, which a classifier has already seen) and if they **help** (a
# classifier trained with them does better on real test images than one trained without).
# Both claims need evidence, and the second needs a fair baseline.
#
# **Learning goals.** After this lab you can
# 1. train class GANs on a small labelled set and turn them into a synthetic data set (`generate`);
# 2. check for near-copies with `neighbors` and read its report;
# 3. run a small augmentation experiment: real only, real + classic transforms, real + GAN,
#    and more real data, with a classifier trained for the same number of updates in each;
# 4. argue what a fair baseline is, and how big a difference must be to mean something.
#
# **Time.** Unset `LAB_QUICK`: about 8 minutes on 2 CPU cores. `LAB_QUICK=1`: about a minute
# (a smoke run: the numbers mean nothing).
#
# **Data.** MNIST digits: `$PYIMAGESEARCH_GAN_DATA/mnist/` when that variable points at a
# folder holding `mnist/`, else a one-time download through `keras.datasets`. The lab writes
# its small training set as an image folder, the form your own data would have.

# %%
import json
import os

import cv2
import matplotlib.pyplot as plt
import numpy as np

# os.environ["PYIMAGESEARCH_GAN_DATA"] = "/path/to/datasets"  # a folder holding mnist/
from labtools import QUICK, cli, fresh, output_dir, show  # labtools.py beside this notebook

import keras  # noqa: E402  (after labtools, which quiets TensorFlow's start-up)

from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.experiments.common import fit_and_evaluate
from pyimagesearch_gan.utils import per_class_order

# The package's experiment module selects matplotlib's file-only backend when it is imported:
# switch this notebook back to inline figures.
# %matplotlib inline
OUT = output_dir("05_new_and_useful")
DIGITS = [2, 3] if QUICK else [2, 3, 5, 8]  # digits that are easy to confuse
N_REAL = 20 if QUICK else 100  # real training images per digit: a small data set
K_SYNTHETIC = N_REAL  # synthetic (or extra real) images added per digit
GAN = "--batch-size 8 --epochs 2 --set num_benchmark=16" if QUICK else "--batch-size 8 --epochs 80"
TRIALS = 1 if QUICK else 3
CLF_STEPS = 20 if QUICK else 600  # classifier updates in every situation
TEST_PER_DIGIT = 100 if QUICK else 1000
print(f"quick={QUICK}  digits={DIGITS}  n={N_REAL} real + k={K_SYNTHETIC} per digit  output={OUT}")

# %% [markdown]
# ## 1. A fair comparison starts before any training
#
# The classifier of each situation is trained on a different number of images. If every
# situation trains for the same number of *epochs*, the bigger training sets also get more
# *updates*, and "more synthetic data helped" may only mean "more training helped".
#
# **Exercise 1.** With batch size 16 and 20 epochs, compute the number of classifier updates
# (`updates`, a dict) for a training set of `N_REAL` real images per digit (`"real"`) and one
# of `N_REAL + K_SYNTHETIC` per digit (`"real + GAN"`), over all `DIGITS` (count partial
# batches as updates, as Keras does). The experiment below avoids the problem: every
# situation gets `CLF_STEPS` updates.

# %%
### BEGIN SOLUTION
batches = lambda images: -(-images // 16)  # noqa: E731  (ceil: Keras trains on the last partial batch)
updates = {
    "real": 20 * batches(N_REAL * len(DIGITS)),
    "real + GAN": 20 * batches((N_REAL + K_SYNTHETIC) * len(DIGITS)),
}
### END SOLUTION
print(updates)

# %% [markdown]
# ## 2. The small real set
#
# The real data is split once, by seed, into `N_REAL` training images per digit, a reserve
# of `K_SYNTHETIC` more real images per digit (for the "more real data" situation), and the
# MNIST test images of these digits, which no GAN and no classifier trains on. The training
# images are written as an image folder (`<folder>/<class>/<image>.png`): the GANs see these
# and nothing else.

# %%
mnist = load_dataset("mnist")
order = per_class_order(mnist.labels, seed=0)
REAL = fresh(OUT / "real")
train_x, train_y, extra_x, extra_y = [], [], [], []
for k, digit in enumerate(DIGITS):
    images = mnist.images[order[digit]]
    (REAL / str(digit)).mkdir(parents=True)
    for i, image in enumerate(images[:N_REAL]):
        cv2.imwrite(str(REAL / str(digit) / f"{digit}_{i:04d}.png"), image)
    train_x.append(images[:N_REAL])
    extra_x.append(images[N_REAL:N_REAL + K_SYNTHETIC])
    train_y.append(np.full(N_REAL, k))
    extra_y.append(np.full(K_SYNTHETIC, k))
train_x, train_y = np.concatenate(train_x), np.concatenate(train_y)
extra_x, extra_y = np.concatenate(extra_x), np.concatenate(extra_y)
test = load_dataset("mnist", split="test").subset(DIGITS)
test_order = per_class_order(test.labels, seed=0)
keep = np.concatenate([test_order[d][:TEST_PER_DIGIT] for d in DIGITS])
test_x, test_y = test.images[keep], np.searchsorted(DIGITS, test.labels[keep])
print(f"train {train_x.shape}, extra real {extra_x.shape}, test {test_x.shape}")

# %% [markdown]
# ## 3. Class GANs on the small set
#
# The book DCGAN per digit, on `--dataset folder` (our image folder), with batch 8 (a small
# set has few batches per epoch) and `g_training_in_d_step` (no BatchNorm lag, Lab 1).
# Then `generate` draws `K_SYNTHETIC` images per digit.

# %%
RUN, SYNTHETIC = fresh(OUT / "gans"), fresh(OUT / "synthetic")
cli(f"train --preset book-mnist --dataset folder --data-dir {REAL} {GAN} --set g_training_in_d_step=true "
    f"--output {RUN}")
cli(f"generate {RUN} --count {K_SYNTHETIC} --output {SYNTHETIC}")
show([RUN / str(DIGITS[0]) / "real.png", sorted((RUN / str(DIGITS[0])).glob("epoch_*.png"))[-1]],
     ["real", "generated, last epoch"])

# %% [markdown]
# ## 4. Are they new? `neighbors`
#
# For every generated image, `neighbors` finds its nearest training images, by pixel
# distance and by the features of a small CNN trained on the real images, and flags
# **near-copies**: pixel-identical images, or images much closer to one particular training
# image than held-out real images ever are to the training set (and much closer to it than
# to the second-nearest one). It writes a figure per class (each generated image beside its
# nearest training images) and `report.md`.

# %%
NEIGHBORS = fresh(OUT / "neighbors")
cli(f"neighbors {SYNTHETIC} --dataset folder --data-dir {REAL} --output {NEIGHBORS} "
    f"--feature-epochs {2 if QUICK else 10}")
figures = sorted(NEIGHBORS.glob("*.png"))
show(figures[:1], [figures[0].name], size=9)
report = json.loads((NEIGHBORS / "report.json").read_text())
print((NEIGHBORS / "report.md").read_text()[:1500])

# %% [markdown]
# **Exercise 2.** `report` is the parsed `report.json`. For each digit, divide the median
# pixel distance from a generated image to its nearest training image by the same median for
# the held-out real images (new real digits): store `closeness = {"2": ratio, ...}`, and the
# number of near-copies in `flagged`. A ratio well above 1: the generated images are further
# from the training set than new real digits are (not good enough yet). Well below 1 and
# near-copies: the GAN starts to memorise. Which do you see, and what would you expect after
# ten times as many epochs on 100 images?

# %%
print(sorted(report), sorted(report["classes"][str(DIGITS[0])]))  # explore the report
### BEGIN SOLUTION
closeness = {}
for digit, stats in report["classes"].items():
    closeness[digit] = stats["pixel"]["generated"]["median"] / stats["pixel"]["held_out"]["median"]
flagged = len(report["near_copies"])
### END SOLUTION
print(f"{flagged} near-copies among {report['generated']} generated images")
print("nearest-training distance, generated / held-out real:", {d: round(r, 2) for d, r in closeness.items()})

# %% [markdown]
# ## 5. Do they help? A small augmentation experiment
#
# S3's small CNN (`s3-cnn`), trained for `CLF_STEPS` updates in every situation, tested on
# the real test digits, `TRIALS` times with different seeds:
#
# | situation | training images per digit |
# |---|---|
# | real | the `N_REAL` real images |
# | real + transforms | the same, randomly rotated, shifted and zoomed each time they are seen |
# | real + GAN | the real images and `K_SYNTHETIC` generated ones |
# | more real | the real images and `K_SYNTHETIC` *more real* ones: what perfect synthetic data could give |
#
# The transforms are chosen for digits: no flips (a flipped 2 is not a 2).

# %%
synthetic = load_dataset("folder", SYNTHETIC)  # class folders named after the digits, in order
synthetic_y = np.searchsorted(DIGITS, [int(synthetic.class_names[c]) for c in synthetic.labels])


def digit_transforms(seed):
    return [keras.layers.RandomRotation(0.05, seed=seed), keras.layers.RandomTranslation(0.1, 0.1, seed=seed + 1),
            keras.layers.RandomZoom(0.1, seed=seed + 2)]


situations = {
    "real": (train_x, train_y, None),
    "real + transforms": (train_x, train_y, digit_transforms),
    "real + GAN": (np.concatenate([train_x, synthetic.images]), np.concatenate([train_y, synthetic_y]), None),
    "more real": (np.concatenate([train_x, extra_x]), np.concatenate([train_y, extra_y]), None),
}
accuracy = {name: [] for name in situations}
for trial in range(TRIALS):
    for name, (x, y, augment) in situations.items():
        result = fit_and_evaluate("s3-cnn", x, y, test_x, test_y, len(DIGITS), steps=CLF_STEPS, batch_size=16,
                                  seed=trial, augment=augment(trial) if augment else None)
        accuracy[name].append(result["accuracy"])
for name, values in accuracy.items():
    print(f"{name:18s} {np.mean(values):.3f} ± {np.std(values):.3f}  ({', '.join(f'{v:.3f}' for v in values)})")

# %% [markdown]
# **Exercise 3.** Plot the four situations as bars with their mean accuracy and an error bar
# of one standard deviation over trials. Which differences would you call real with
# `TRIALS` trials? What would you change to be sure?

# %%
### BEGIN SOLUTION
names = list(accuracy)
plt.bar(names, [np.mean(accuracy[n]) for n in names], yerr=[np.std(accuracy[n]) for n in names], capsize=6)
lowest = min(min(v) for v in accuracy.values())
plt.ylim(max(0.0, lowest - 0.1), 1.0)
plt.ylabel("test accuracy")
plt.title(f"{N_REAL} real images per digit, {TRIALS} trials")
plt.show()
### END SOLUTION

# %% [markdown]
# ## What is a fair baseline?
#
# Things to hold equal, or to report, when you claim that synthetic images help:
# - **the same classifier, trained for the same number of updates** (Exercise 1), each
#   situation tuned as well as the others (or none tuned);
# - **the same real images**: the GAN trains only on the classifier's real training images;
#   a GAN trained on more data, or on the test images, smuggles them in;
# - **classic augmentation** as a baseline: it is free, and a GAN must beat it, not only
#   "real only";
# - **more real data** as the ceiling: what collecting k more images would give;
# - **several trials** and the spread between them: with small test sets and few trials,
#   differences of a point or two are noise.
#
# In our full run (3 trials) the order was: real + transforms 0.974 ± 0.001, more real
# 0.969 ± 0.003, real 0.962 ± 0.004, real + GAN 0.953 ± 0.007. The classic transforms beat
# even 100 more real images per digit, and the GAN images, new by the neighbours check,
# lowered the accuracy a little: new is not the same as useful.
#
# The package's `augment-mnist` and `augment-neu` commands run these experiments at full
# size (`--quick` for a smoke run); the project README reports what they found here.
