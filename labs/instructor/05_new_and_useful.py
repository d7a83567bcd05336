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
# [![Open In Colab][colab-badge]][colab]
#
# [colab-badge]: https://colab.research.google.com/assets/colab-badge.svg
# [colab]: https://colab.research.google.com/github/pyimagesearch-gan/pyimagesearch-gan/blob/main/labs/05_new_and_useful.ipynb
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
# **Time.** 4 min 19 s in full, 24 s with `LAB_QUICK=1`, measured on 2 CPU cores (shared with other jobs, loaded) (labs/README.md).
# `LAB_QUICK=1` is a smoke run: the numbers mean nothing.
#
# **Grading.** Exercises are nbgrader cells: answer cells, test cells with visible asserts (the
# graders add hidden ones) and written answers (labs/README.md).
#
# **Data.** MNIST digits: `$PYIMAGESEARCH_GAN_DATA/mnist/` when that variable points at a
# folder holding `mnist/`, else a one-time download through `keras.datasets`. The lab writes
# its small training set as an image folder, the form your own data would have.

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

import cv2
import matplotlib.pyplot as plt
import numpy as np

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

# %% [markdown] nbgrader={"grade": false, "grade_id": "e1_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 1.** With batch size 16 and 20 epochs, compute the number of classifier updates
# (`updates`, a dict) for a training set of `N_REAL` real images per digit (`"real"`) and one
# of `N_REAL + K_SYNTHETIC` per digit (`"real + GAN"`), over all `DIGITS` (count partial
# batches as updates, as Keras does). The experiment below avoids the problem: every
# situation gets `CLF_STEPS` updates.

# %% nbgrader={"grade": false, "grade_id": "e1_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
batches = lambda images: -(-images // 16)  # noqa: E731  (ceil: Keras trains on the last partial batch)
updates = {
    "real": 20 * batches(N_REAL * len(DIGITS)),
    "real + GAN": 20 * batches((N_REAL + K_SYNTHETIC) * len(DIGITS)),
}
### END SOLUTION
print(updates)

# %% nbgrader={"grade": true, "grade_id": "e1_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert set(updates) == {"real", "real + GAN"}
assert updates["real + GAN"] > updates["real"], "more images per epoch: more updates per epoch"
### BEGIN HIDDEN TESTS
assert updates["real"] == 20 * -(-N_REAL * len(DIGITS) // 16)
assert updates["real + GAN"] == 20 * -(-(N_REAL + K_SYNTHETIC) * len(DIGITS) // 16)
### END HIDDEN TESTS

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
# The book DCGAN (Rosebrock 2017; Lab 1) per digit, on `--dataset folder` (our image folder), with batch 8 (a small
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
# to the second-nearest one: the test of Carlini et al. 2023 for memorised training images; a
# nearest-neighbour check of generated defects is also how Melchior (2019) looked for copies).
# It writes a figure per class (each generated image beside its
# nearest training images) and `report.md`.
#
# The held-out real images come from the same folder: an image folder has no test split, so
# `neighbors` holds out 20% of each class of `REAL` (by seed) and compares each of them with the
# other 80%. **The GANs trained on the whole folder, so they have seen these "held-out" digits.**
# That does not spoil their use here, which is to show how close two *different real* images of a
# class normally come; but it is not a test on digits the GANs never saw (for that, pass a folder
# that holds the GANs' training images and more, or use `--dataset mnist`, whose held-out images
# are the test split).

# %%
NEIGHBORS = fresh(OUT / "neighbors")
cli(f"neighbors {SYNTHETIC} --dataset folder --data-dir {REAL} --output {NEIGHBORS} "
    f"--feature-epochs {2 if QUICK else 10}")
figures = sorted(NEIGHBORS.glob("*.png"))
show(figures[:1], [figures[0].name], size=9)
report = json.loads((NEIGHBORS / "report.json").read_text())
print((NEIGHBORS / "report.md").read_text()[:1500])

# %% [markdown] nbgrader={"grade": false, "grade_id": "e2_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 2.** `report` is the parsed `report.json`. For each digit, divide the median
# pixel distance from a generated image to its nearest training image by the same median for
# the held-out real images (new real digits): store `closeness = {"2": ratio, ...}`, and the
# number of near-copies in `flagged`. A ratio well above 1: the generated images are further
# from the training set than new real digits are (not good enough yet). Well below 1 and
# near-copies: the GAN starts to memorise. Which do you see, and what would you expect after
# ten times as many epochs on 100 images? (Answer in the text cell after the tests.)

# %% nbgrader={"grade": false, "grade_id": "e2_code", "locked": false, "schema_version": 3, "solution": true}
print(sorted(report), sorted(report["classes"][str(DIGITS[0])]))  # explore the report
### BEGIN SOLUTION
closeness = {}
for digit, stats in report["classes"].items():
    closeness[digit] = stats["pixel"]["generated"]["median"] / stats["pixel"]["held_out"]["median"]
flagged = len(report["near_copies"])
### END SOLUTION
print(f"{flagged} near-copies among {report['generated']} generated images")
print("nearest-training distance, generated / held-out real:", {d: round(r, 2) for d, r in closeness.items()})

# %% nbgrader={"grade": true, "grade_id": "e2_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert set(closeness) == {str(d) for d in DIGITS}, "one ratio per digit, keyed by the digit as a string"
assert all(ratio > 0 for ratio in closeness.values())
assert 0 <= flagged <= report["generated"]
### BEGIN HIDDEN TESTS
for _digit, _stats in report["classes"].items():
    _expected = _stats["pixel"]["generated"]["median"] / _stats["pixel"]["held_out"]["median"]
    assert abs(closeness[_digit] - _expected) < 1e-9, _digit
assert flagged == len(report["near_copies"])
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e2_why", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Answer.** After 80 epochs the ratios lie above 1 and no image is flagged: the generated digits
# are further from the training set than new real digits are, new but not yet as good. With ten
# times the epochs on only 100 images per digit, the GANs would come closer to their training
# images, and some could become near-copies (a small set is easy to memorise): run `neighbors`
# again before using such images.
#
# **Rubric (2 points).** 1: reads the ratios and the flag count correctly (above 1 and no
# near-copies: further from the training set than new real digits, new but not yet as good; or
# what the student's own run shows). 1: predicts that much longer training on 100 images moves the
# ratios down toward or below 1 and can produce near-copies (memorisation), so `neighbors` must be
# run again. 0.5 for a prediction without the reason.

# %% [markdown]
# ## 5. Do they help? A small augmentation experiment
#
# The small CNN of Farhat's *Improving Image Classification with Deep Convolutional GAN Data
# Augmentation* (2022 or later, see the references), trained for `CLF_STEPS` updates in
# every situation, tested on the real test digits, `TRIALS` times with different seeds:
#
# | situation | training images per digit |
# |---|---|
# | real | the `N_REAL` real images |
# | real + transforms | the same, randomly rotated, shifted and zoomed each time they are seen |
# | real + GAN | the real images and `K_SYNTHETIC` generated ones |
# | more real | the real images and `K_SYNTHETIC` *more real* ones: what perfect synthetic data could give |
#
# The transforms are chosen for digits: no flips (a flipped 2 is not a 2). The classifier's name
# in the package, `s3-cnn`, comes from the project's numbering of the systems it reproduces
# (S0-S4 in its reference notes): S3 is Farhat's report, and `s3-cnn` is its CNN.

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
    print(f"{name:18s} {', '.join(f'{v:.3f}' for v in values)}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "e3_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 3.** For each situation compute its mean accuracy over the trials (`means[name]`)
# and the **sample** standard deviation of its accuracies (`sds[name]`: the spread of one trial
# around the mean, with Bessel's correction, `ddof=1`; 0 when there is a single trial). The cell
# then plots them as bars with error bars on the full accuracy axis, 0 to 1. Which differences
# would you call real with `TRIALS` trials? What would you change to be sure? (Answer in the text
# cell after the tests.)

# %% nbgrader={"grade": false, "grade_id": "e3_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
means = {name: float(np.mean(values)) for name, values in accuracy.items()}
sds = {name: float(np.std(values, ddof=1)) if len(values) > 1 else 0.0 for name, values in accuracy.items()}
### END SOLUTION
for name in accuracy:
    print(f"{name:18s} {means[name]:.3f} ± {sds[name]:.3f}")
plt.bar(list(means), list(means.values()), yerr=list(sds.values()), capsize=6)
plt.ylim(0, 1)
plt.ylabel("test accuracy")
plt.title(f"{N_REAL} real images per digit, mean ± sample SD of {TRIALS} trials")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "e3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert set(means) == set(accuracy) and set(sds) == set(accuracy)
assert all(min(accuracy[n]) <= means[n] <= max(accuracy[n]) for n in accuracy)
assert all(sd >= 0 for sd in sds.values())
### BEGIN HIDDEN TESTS
for _name, _values in accuracy.items():
    assert abs(means[_name] - np.mean(_values)) < 1e-9
    assert abs(sds[_name] - (np.std(_values, ddof=1) if len(_values) > 1 else 0.0)) < 1e-9, "sample SD: ddof=1"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e3_why", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Answer.** With 3 trials the sample SDs are a few thousandths, and differences of a point or
# more (real + transforms or more real against real + GAN) are larger than the spread; smaller
# differences are not. Three trials are few: a standard deviation from 3 values is itself
# uncertain, so to be sure run more trials (10 or more), report confidence intervals of the mean
# (or a paired test over the same seeds), and use a larger test set.
#
# **Rubric (2 points).** 1: calls a difference real only when it is clearly larger than the
# spreads (e.g. compares the gap between two means with their SDs), naming which ones. 1: a
# concrete way to be sure: more trials, confidence intervals or a paired comparison over the
# same seeds, a bigger test set. 0.5 for "more trials" alone.

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
# In our full run (3 trials, mean ± sample SD) the order was: real + transforms 0.974 ± 0.001, more
# real 0.969 ± 0.004, real 0.962 ± 0.005, real + GAN 0.953 ± 0.009. The classic transforms beat
# even 100 more real images per digit, and the GAN images, new by the neighbours check,
# lowered the accuracy a little: new is not the same as useful.
#
# The package's `augment-mnist` and `augment-neu` commands run these experiments at full
# size (`--quick` for a smoke run); docs/experiments.md reports what they found. The
# course's final project (`labs/project.md`) runs the NEU one on a data set you grow yourself.

# %% [markdown]
# ## References
#
# - Rosebrock, A. (2017). *Deep Learning for Computer Vision with Python*, Practitioner Bundle.
#   *PyImageSearch* (the book DCGAN and its training loop).
# - Carlini, N., Hayes, J., Nasr, M., Jagielski, M., Sehwag, V., Tramèr, F., Balle, B., Ippolito, D. and
#   Wallace, E. (2023). Extracting training data from diffusion models. *32nd USENIX Security Symposium (USENIX Security 2023)*.
# - Melchior, L. (2019). Data augmentation with GANs for defect detection. *Blog post, Hands-on Machine Learning*,
#   13 November 2019 (a PyTorch DCGAN at 128x128 on NEU, with a nearest-neighbour check).
# - Farhat, C. (2022 or later: the report is undated and cites work of 2022). Improving image classification
#   with deep convolutional GAN data augmentation. *Machine Vision M1 project report, International Track in Electrical
#   Engineering, Université d'Evry, Université Paris-Saclay* (a 64x64 DCGAN per class and a small CNN, the project's `s3-cnn`).
