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
# # Lab 7: measuring a GAN: FID, KID and CAS
#
# [![Open In Colab][colab-badge]][colab]
#
# [colab-badge]: https://colab.research.google.com/assets/colab-badge.svg
# [colab]: https://colab.research.google.com/github/pyimagesearch-gan/pyimagesearch-gan/blob/main/labs/07_evaluation.ipynb
#
# Montages show a few hundred images at one epoch, judged by eye. To compare epochs, settings
# and designs we need numbers, and each number answers a narrower question than "are the
# images good?". This lab computes the three that the package's `evaluate` command reports, on
# the project's own feature CNN (a small classifier trained on the real images; no ImageNet
# network is downloaded, and an Inception network trained on photographs is a poor judge of
# 28x28 digits), and looks at what each one sees and misses.
#
# **Learning goals.** After this lab you can
# 1. say what FID, KID and CAS measure, write FID from its formula, and name what each misses;
# 2. show that FID depends on the number of samples (it is biased) and KID does not, and
#    compare FIDs only at equal sample counts;
# 3. run `pyimagesearch-gan evaluate` on a run and read its table of every saved epoch;
# 4. choose an epoch by CAS and by FID on validation images, as the package's `augment` does, and
#    say which one augmentation should use.
#
# **Time.** 5 min 17 s in full, 42 s with `LAB_QUICK=1`, measured on 2 CPU cores (shared with other jobs, loaded) (labs/README.md).
# `LAB_QUICK=1` is a smoke run: two digits, two epochs, small samples; the numbers mean little.
#
# **Data.** MNIST digits: `$PYIMAGESEARCH_GAN_DATA/mnist/` when that variable points at a folder
# holding `mnist/`, else a one-time download through `keras.datasets`. The lab takes the first 500
# training images of each digit, whichever the source (so the full download, about 6,000 per
# digit, gives the same sets and the same time), and splits them once by seed, as the package's
# `augment` experiments do (`protocol.validation_split`): **400 training images** per digit, the
# only images the GANs see, and **100 validation images** per digit, which no GAN sees. What each
# number compares with:
# - `evaluate`'s **FID and KID** (sections 3 and 5): a digit's generated images against that
#   digit's 400 training images;
# - `evaluate`'s **CAS**: a classifier trained on an epoch's generated images, tested on the 20% of
#   the training images (80 per digit) that `evaluate` holds out from its feature CNN: images the
#   GANs saw, so a report, never a choice;
# - the **choice of an epoch** (section 5) and the comparisons of section 6: CAS and FID against
#   the 100 validation images per digit, the rule of `augment` (`protocol.select_epochs`).
#
# The MNIST test split is not used: it is kept for a final measurement of whatever the choices
# lead to. FID values here are on the feature CNN, comparable only with runs measured by the same
# feature CNN, never with published (Inception) FIDs.
#
# **Grading.** Exercises are nbgrader cells: answer cells, test cells with visible asserts (the
# graders add hidden ones) and written answers (labs/README.md).

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

import cv2

from labtools import QUICK, cli, fresh, mnist_sample, output_dir, show  # labtools.py beside this notebook
from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.evidence import classifiers, evaluate, metrics
from pyimagesearch_gan.evidence.real_data import feature_cnn, load_real
from pyimagesearch_gan.experiments import protocol
from pyimagesearch_gan.experiments.gans import TrainedGANs

# The package's evaluate and experiment modules select matplotlib's file-only backend when they
# are imported: switch this notebook back to inline figures.
# %matplotlib inline

OUT = output_dir("07_evaluation")
DIGITS = [0, 1] if QUICK else [0, 1, 7]
CLASSES = ",".join(map(str, DIGITS))
EPOCHS, EVERY = (2, 1) if QUICK else (30, 5)  # generators saved every EVERY epochs: the epochs we can evaluate
COUNT = 64 if QUICK else 500  # generated images per class and epoch
FEATURE_EPOCHS, CAS_EPOCHS = (1, 1) if QUICK else (10, 5)
SIZES = [10, 20, 40, 60] if QUICK else [25, 50, 100, 200]  # sample counts for section 4 (two halves of 400 images)

first_500 = load_dataset("folder", mnist_sample(OUT / "mnist_500", DIGITS))  # 500 per digit, labels in DIGITS order
train_index, val_index = protocol.validation_split(first_500.labels, 0.2, seed=0)
TRAIN = fresh(OUT / "train")  # the GANs' training images, an image folder: <TRAIN>/<digit>/<n>.png
for i in train_index:
    folder = TRAIN / first_500.class_names[first_500.labels[i]]
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / f"{i:04d}.png"), first_500.images[i])
train_x, train_y = first_500.images[train_index], first_500.labels[train_index]
val_x, val_y = first_500.images[val_index], first_500.labels[val_index]  # no GAN trains on these
print(f"quick={QUICK}  digits={CLASSES}  epochs={EPOCHS} (saved every {EVERY})  "
      f"{len(train_x)} training and {len(val_x)} validation images  output={OUT}")

# %% [markdown]
# ## 1. Three numbers
#
# All three compare generated images with real ones through a network. Ours is the feature CNN:
# its 128-number "features" layer (the layer before the class scores) turns an image into a
# vector, and images that the CNN finds alike get nearby vectors.
#
# **FID**, the Fréchet Inception Distance (Heusel et al. 2017). Fit a Gaussian to the feature
# vectors of each set, mean $\mu$ and covariance $\Sigma$, and take the Fréchet (2-Wasserstein)
# distance between the two Gaussians:
#
# $$\mathrm{FID} = \lVert \mu_r - \mu_g \rVert^2
#   + \operatorname{Tr}\big(\Sigma_r + \Sigma_g - 2\,(\Sigma_r \Sigma_g)^{1/2}\big).$$
#
# 0 for identical sets; it grows when the generated images look different on average (the mean
# term) and when they vary less or differently (the covariance term: a collapsed generator has
# a tiny $\Sigma_g$). It sees the first two moments of the features only, it ignores labels
# (the package computes it per class), it scores copies of the training set as perfect, and its
# estimate from $n$ samples is **biased**: it is larger the smaller $n$ (section 4).
#
# **KID**, the Kernel Inception Distance (Bińkowski et al. 2018): the squared maximum mean
# discrepancy with the kernel $k(x, y) = (x \cdot y / d + 1)^3$, estimated without bias, so its
# expected value does not depend on $n$ (and it can be slightly negative for equal sets). Noisier
# than FID at equal $n$, and blind to the same things.
#
# **CAS**, the classification accuracy score (Ravuri and Vinyals 2019): train a classifier only
# on the generated images, with the labels they were generated for, and report its accuracy on
# real images it never trained on (here: validation images). It asks the augmentation question: do the images carry their labels and
# cover what a classifier must learn about each class? It misses image quality a classifier does
# not need, depends on the classifier and its budget, and also scores copies of the training set
# as perfect.

# %% [markdown] nbgrader={"grade": false, "grade_id": "e1_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 1.** Write `fid(a, b)`: the Fréchet distance between Gaussians fitted to two
# feature arrays of shape (n, d), by the formula above. Use `np.cov(x, rowvar=False)` for the
# covariances and `scipy.linalg.sqrtm` for the matrix square root (it may return tiny imaginary
# parts from round-off: keep the real part).

# %% nbgrader={"grade": false, "grade_id": "e1_code", "locked": false, "schema_version": 3, "solution": true}
from scipy import linalg


def fid(a, b):
    ### BEGIN SOLUTION
    mean_term = np.sum((a.mean(axis=0) - b.mean(axis=0)) ** 2)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b).real
    return float(mean_term + np.trace(cov_a + cov_b - 2 * root))
    ### END SOLUTION


rng = np.random.default_rng(0)
x = rng.normal(size=(2000, 4))
print("same set:", round(fid(x, x), 6), " mean shifted by 3 in one feature:", round(fid(x, x + [3, 0, 0, 0]), 3),
      " twice the spread:", round(fid(x, 2 * x), 3))

# %% nbgrader={"grade": true, "grade_id": "e1_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert abs(fid(x, x)) < 1e-6, "a set against itself: 0"
assert abs(fid(x, x + [3, 0, 0, 0]) - 9) < 1e-6, "a shift of the mean by 3: 3 squared"
### BEGIN HIDDEN TESTS
_y = rng.normal(size=(500, 6)) * [1, 2, 1, 1, 3, 1] + 0.5
_z = rng.normal(size=(400, 6))
assert abs(fid(_y, _z) - metrics.frechet_distance(_y, _z)) < 1e-6 * max(1.0, metrics.frechet_distance(_y, _z))
_c = x - x.mean(axis=0)
assert abs(fid(_c, 2 * _c) - np.trace(np.cov(_c, rowvar=False))) < 1e-6, "(2 - 1)^2 times the total variance"
### END HIDDEN TESTS

# %% [markdown]
# ## 2. A run whose epochs we can evaluate
#
# One book DCGAN (deep convolutional GAN) per digit (Rosebrock 2017), as in Lab 1, with fakes for D from the training-mode
# generator (no BatchNorm lag). `--checkpoint-every EVERY` saves the generators every `EVERY`
# epochs, so `evaluate` can measure each of those epochs, not only the last one. `--dataset folder
# --data-dir TRAIN` trains on the 400 training images per digit and nothing else.

# %%
RUN = fresh(OUT / "run")
cli(f"train --preset book-mnist --dataset folder --data-dir {TRAIN} --batch-size 16 "
    f"--epochs {EPOCHS} --checkpoint-every {EVERY} --set g_training_in_d_step=true --set num_benchmark=64 "
    f"--output {RUN}")
show([RUN / str(d) / f"epoch_{EPOCHS:04d}.png" for d in DIGITS], [f"digit {d}, epoch {EPOCHS}" for d in DIGITS])

# %% [markdown]
# ## 3. `evaluate`: every saved epoch, measured
#
# `pyimagesearch-gan evaluate RUN_DIR` reads the run's own data (the `TRAIN` folder: an image folder
# has no test split, so it holds out 20% of each digit, by seed), trains the feature CNN on the
# other 80% (once; it is cached in `RUN_DIR/evaluation/`), then for every saved epoch draws `--count`
# images per digit from the same noise and computes FID and KID per digit against the digit's 400
# training images, and CAS for the epoch (a classifier trained on that epoch's images of all
# digits, tested on the held-out 20%, images the GANs trained on). It also prints reference
# values: what *real* images score against real ones. Its table is a report of the run; section 5
# chooses on the validation images instead.

# %%
cli(f"evaluate {RUN} --count {COUNT} --feature-epochs {FEATURE_EPOCHS} --cas-epochs {CAS_EPOCHS}")
evaluation = json.loads((RUN / "evaluation" / "metrics.json").read_text())  # rows: {"epoch", "class", "fid", ...}
show([RUN / "evaluation" / "fid_vs_epoch.png"], ["FID per digit and epoch"], size=7)

# %% [markdown]
# ## 4. FID needs many samples
#
# Two *real* sets, the two halves of one digit's 400 training images, drawn from one
# distribution: their true FID is about 0. Estimated from $n$ images of each, it is not: the
# sample covariance of a few images is a poor estimate of $\Sigma$ (with fewer images than the
# 128 features it is not even full rank), and the errors do not cancel, they add up. The
# expected FID of $n$ samples is about $\mathrm{FID}_\infty + c / n$ (Chong and Forsyth 2020).
# KID's estimator is unbiased: only its noise shrinks with $n$. Below, both at several $n$ for
# real-against-real (one half against the other) and for the last epoch's generated images against
# the second half.

# %%
from pyimagesearch_gan.runs import load_generator, open_run, sample

real = load_real("folder", TRAIN, holdout=0.2, seed=0)  # as evaluate read it: its feature CNN comes from the cache
extractor = classifiers.feature_extractor(
    feature_cnn(real.train, RUN / "evaluation" / "feature_cnn.keras", epochs=FEATURE_EPOCHS, seed=0))
digit = DIGITS[-1]
label = real.seen.class_names.index(str(digit))
digit_features = metrics.features(extractor, real.seen.of_class(label))  # the digit's 400 training images
half_a, half_b = digit_features[: len(digit_features) // 2], digit_features[len(digit_features) // 2 :]
SIZES = [n for n in SIZES if n <= len(half_a)]  # a smaller data folder allows only the smaller counts
run = open_run(RUN)
target = run.targets(str(digit))[0]
generator, _ = load_generator(run, target.gan)
generated_features = metrics.features(extractor, sample(generator, run.cfg, target, max(SIZES), seed=0))
draws = np.random.default_rng(0)


def at_size(a, b, n, repeats=3):
    """Mean FID and KID of `repeats` random draws of n vectors from each of a and b."""
    fids, kids = [], []
    for _ in range(repeats):
        x, y = a[draws.choice(len(a), n, replace=False)], b[draws.choice(len(b), n, replace=False)]
        fids.append(metrics.frechet_distance(x, y))
        kids.append(metrics.kernel_distance(x, y, subsets=5, subset_size=n, seed=0)[0])
    return float(np.mean(fids)), float(np.mean(kids))


curves = {"real": [at_size(half_a, half_b, n) for n in SIZES],
          "generated": [at_size(generated_features, half_b, n) for n in SIZES]}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for name, values in curves.items():
    axes[0].plot(SIZES, [v[0] for v in values], "o-", label=f"{name} vs real (half B)")
    axes[1].plot(SIZES, [v[1] for v in values], "o-", label=f"{name} vs real (half B)")
axes[0].set(xscale="log", xlabel="images per set (n)", ylabel="FID", title=f"FID of digit {digit} against n")
axes[1].set(xscale="log", xlabel="images per set (n)", ylabel="KID", title="KID against n")
axes[1].axhline(0, color="gray", lw=0.5)
for ax in axes:
    ax.set_xticks(SIZES, [str(n) for n in SIZES])
    ax.minorticks_off()
axes[0].legend()
plt.tight_layout()
plt.show()
for name, values in curves.items():
    print(name, "  ".join(f"n={n}: FID {f:.2f} KID {k:.3f}" for n, (f, k) in zip(SIZES, values)))

# %% [markdown]
# Real against real, FID falls steadily as $n$ grows, toward a small value; KID stays near 0 at
# every $n$, only noisier at small $n$. At small $n$ two samples of *real* digits can look further
# apart by FID than the GAN's digits compared with many images. Rules: compare FIDs only at the
# same $n$ (and the same feature network), use as many images as you can (`evaluate --count`),
# and use KID when the sets are small or of different sizes.

# %% [markdown] nbgrader={"grade": false, "grade_id": "e2_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 2.** Estimate FID at infinitely many samples: for each curve in `curves`, fit
# FID = FID∞ + c / n by least squares over `SIZES` (a straight line in 1/n: `np.polyfit(1 / n,
# fid, 1)` returns `[c, FID∞]`), and store `fid_infinity = {"real": ..., "generated": ...}` and
# the slopes `bias = {"real": c, "generated": c}`. Why is the bias term of the real curve
# positive? (Answer in the text cell after the tests.)

# %% nbgrader={"grade": false, "grade_id": "e2_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
fid_infinity, bias = {}, {}
for name, values in curves.items():
    bias[name], fid_infinity[name] = np.polyfit(1 / np.array(SIZES), [v[0] for v in values], 1)
### END SOLUTION
print({name: f"FID∞ {fid_infinity[name]:.2f}, c {bias[name]:.1f}" for name in curves})

# %% nbgrader={"grade": true, "grade_id": "e2_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert set(fid_infinity) == set(curves) and set(bias) == set(curves)
assert bias["real"] > 0, "FID of real against real falls with n: a positive c / n term"
### BEGIN HIDDEN TESTS
for _name, _values in curves.items():
    _c, _f = np.polyfit(1 / np.array(SIZES), [v[0] for v in _values], 1)
    assert abs(fid_infinity[_name] - _f) < 1e-6 * max(1, abs(_f)) and abs(bias[_name] - _c) < 1e-6 * max(1, abs(_c))
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e2_why", "locked": false, "points": 1, "schema_version": 3, "solution": true}
# **Answer.** Each set's covariance and mean are estimated from n images, with errors of order
# 1/sqrt(n). The FID formula adds the squared mean error and the trace terms, which do not
# cancel on average: sampling noise makes two sets from the same distribution look different,
# by an amount that shrinks like 1/n. So FID from few samples is too high, by more the fewer.
#
# **Rubric (1 point).** 1: the means and covariances are estimated from n samples with errors, and
# the FID formula adds these errors up (squares and traces) instead of letting them cancel, so the
# expected FID is above its limit by about c / n. 0.5: "fewer samples are noisier" without why the
# bias is positive.

# %% [markdown]
# ## 5. Choosing an epoch: by FID or by CAS, on validation images
#
# A GAN's last epoch is not always its best. For augmentation we want the epoch whose images train
# the best classifier, and we must choose it on images that play no other part: not the GANs'
# training images (a GAN that copies them would win), not the test images (the final measurement
# would then be optimistic). The package's `augment` experiments choose with
# `protocol.select_epochs`, and so do we: for every saved epoch, draw `COUNT` images per digit,
# train a classifier on them alone, score it on the **validation images** (CAS, and its recall of
# each digit), and compute each digit's FID against its training images beside it. Each digit
# takes the epoch where its validation recall is highest (`chosen`).

# %%
gans = TrainedGANs(run.cfg, run, list(run.classes), conditional=False)  # the run, as the experiments open theirs
chosen, rows = protocol.select_epochs(gans, val_x, val_y, build=classifiers.build_baseline_cnn, count=COUNT, seed=0,
                                      epochs=CAS_EPOCHS, extractor=extractor, real_x=train_x, real_y=train_y)
# rows: one per epoch and digit, {"epoch", "class", "cas", "recall", "fid"}: CAS on the validation images
epochs = sorted({r["epoch"] for r in rows})
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for d in map(str, DIGITS):
    axes[0].plot(epochs, [r["fid"] for r in rows if r["class"] == d], "o-", label=f"digit {d}")
axes[0].set(xlabel="epoch", ylabel="FID (feature CNN, log scale)", yscale="log",
            title=f"FID per digit, {COUNT} images each")
axes[0].legend()
axes[1].plot(epochs, [next(r["cas"] for r in rows if r["epoch"] == e) for e in epochs], "o-")
axes[1].set(xlabel="epoch", ylabel="CAS", ylim=(0, 1), title="CAS: trained on that epoch's images, tested on validation")
plt.tight_layout()
plt.show()
print("chosen epoch per digit (validation recall):", dict(zip(gans.names, chosen)))
print("reference, real against real:", {d: round(v["fid"], 2) for d, v in
                                        evaluation["reference"]["held_out_vs_train"].items()})

# %% [markdown] nbgrader={"grade": false, "grade_id": "e3_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 3.** From `rows`, find `best_by_fid`, the epoch with the lowest FID averaged over
# the digits, and `best_by_cas`, the epoch with the highest validation CAS (the first one on a
# tie). Do they agree? Which would you pick for augmentation, and why? (Answer in the text cell
# after the tests.)

# %% nbgrader={"grade": false, "grade_id": "e3_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
mean_fid = {e: np.mean([r["fid"] for r in rows if r["epoch"] == e]) for e in epochs}
cas = {e: next(r["cas"] for r in rows if r["epoch"] == e) for e in epochs}
best_by_fid = min(epochs, key=lambda e: mean_fid[e])
best_by_cas = max(epochs, key=lambda e: cas[e])
### END SOLUTION
print(f"best epoch by mean FID: {best_by_fid}; by validation CAS: {best_by_cas}")

# %% nbgrader={"grade": true, "grade_id": "e3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert best_by_fid in epochs and best_by_cas in epochs
### BEGIN HIDDEN TESTS
_fid = {e: np.mean([r["fid"] for r in rows if r["epoch"] == e]) for e in epochs}
_cas = {e: next(r["cas"] for r in rows if r["epoch"] == e) for e in epochs}
assert best_by_fid == min(epochs, key=_fid.get) and best_by_cas == max(epochs, key=_cas.get)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e3_why", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Answer.** They need not agree: FID rewards images whose features are distributed like the
# real ones, CAS rewards images that teach a classifier the classes. For augmentation CAS asks
# the right question, so pick by CAS on validation images (as here, never on the test images that
# will measure the result), check that the FID at that epoch is not far off, and look at its
# montage. Differences between neighbouring epochs smaller than the trial-to-trial noise of CAS
# (a point or so) do not choose anything.
#
# **Rubric (2 points).** 1: reports whether the two epochs agree and explains why they may not
# (FID: feature statistics like the real ones; CAS: images that teach the classes). 1: picks by
# CAS for augmentation **on images kept apart from the final test** (validation), or argues FID
# with a sound reason; mentions checking the montage or the noise of CAS for half a point of it.

# %% [markdown]
# ## 6. What the numbers do not see
#
# Two extreme "generators" for every digit, measured like the GAN: **copies**, which return real
# training images (a GAN that memorised its data), and **collapse**, which returns one image
# over and over. All three sets (the GAN's last epoch too) are compared with the validation images:
# FID per digit against its 100 validation images (few: section 4 says FID is then high for every
# set, so compare the three rows with each other only), and CAS trained on each set for the same
# epochs as in section 5, tested on the validation images.

# %%
sets = {"GAN, last epoch": np.concatenate([gans.synthesize(k, COUNT, 0) for k in range(len(DIGITS))])}
for name in ("copies", "collapse"):
    images = []
    for k in range(len(DIGITS)):
        pool = train_x[train_y == k]
        images.append(pool[np.arange(COUNT) % len(pool)] if name == "copies" else np.repeat(pool[:1], COUNT, axis=0))
    sets[name] = np.concatenate(images)
labels = np.repeat(np.arange(len(DIGITS)), COUNT)
summary = {}
for name, images in sets.items():
    fids = [metrics.frechet_distance(metrics.features(extractor, images[labels == k]),
                                     metrics.features(extractor, val_x[val_y == k])) for k in range(len(DIGITS))]
    score = metrics.classification_accuracy_score(images, labels, val_x, val_y, len(DIGITS), epochs=CAS_EPOCHS, seed=0)
    summary[name] = (float(np.mean(fids)), score)
for name, (f, c) in summary.items():
    print(f"{name:16s} mean FID {f:8.2f}   CAS {c:.3f}")

# %% [markdown]
# The copies score like real data on both, as well as or better than the GAN: neither FID, KID nor
# CAS can tell memorising from generalising, because each compares with the *distribution* of real
# images, and the training images are a perfect sample of it. The collapsed set is caught by FID (a
# covariance of zero), much less by CAS: a classifier trained on one image per digit can still
# tell 0s, 1s and 7s apart, digits that are easy to separate. CAS measures whether the classes
# are separated, not the variety within each class.

# %% [markdown] nbgrader={"grade": false, "grade_id": "e4_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 4 (written).** A classmate reports "our GAN reached FID 1.2 and CAS 0.99, better than
# real data, so its images are ideal for augmentation". Give two reasons this does not follow,
# and say what you would run to check each (think of sections 4 and 6, and of Lab 5).

# %% [markdown] nbgrader={"grade": true, "grade_id": "e4_answer", "locked": false, "points": 3, "schema_version": 3, "solution": true}
# **Answer.** (1) The GAN may return near-copies of its training images, which score like real
# data on FID, KID and CAS and add nothing new: check with `neighbors` (Lab 5), which compares
# each generated image with its nearest training images against how close real images come.
# (2) The numbers may not be comparable: FID depends on the number of images and on the feature
# network (ours is not Inception), and "better than real" may be a smaller or differently sized
# reference set; a CAS measured on the images used to choose the epoch, or on the test set, is
# optimistic. Compare at equal n and extractor, choose on a validation split, and finally (3)
# measure what matters: a classifier trained on real + synthetic images against the fair
# baselines of Lab 5, on a test set used for nothing else.
#
# **Rubric (3 points).** 1 per reason, up to 2: copies score as well as real data (memorisation
# is invisible to FID/KID/CAS); FID depends on n and the feature network, so "better than real"
# may compare unequal sets; a CAS on the choosing or test images is optimistic; collapse can keep
# CAS high. 1: a concrete check for each named reason (`neighbors`; FID at equal n or KID; a
# validation split for choosing; the augmentation experiment against fair baselines). Half a
# point off for a check that does not test the reason it is paired with.

# %% [markdown]
# ## Takeaways
#
# - FID compares the mean and covariance of features; KID is its unbiased kernel cousin; CAS asks
#   whether the images teach a classifier. None of them sees copying.
# - FID is biased: it falls with the number of samples. Compare at equal n and with the same
#   feature network; estimate FID∞ when sizes differ, or use KID.
# - Pick epochs by the question you care about (CAS for augmentation) on validation images, not by
#   the last epoch, by eye or on the test set, and check near-copies before you use the images.
#
# **Try next:** `pyimagesearch-gan evaluate` on Lab 3's two runs (a conditional GAN against
# class GANs); `--count 2000` on this run to see the FID curve of section 4 in `evaluate`'s table;
# `pyimagesearch-gan augment` on your own image folder, which chooses epochs exactly as section 5.

# %% [markdown]
# ## References
#
# - Heusel, M., Ramsauer, H., Unterthiner, T., Nessler, B. and Hochreiter, S. (2017). GANs trained by a
#   two time-scale update rule converge to a local Nash equilibrium. *Advances in Neural Information
#   Processing Systems 30* (NeurIPS 2017; FID).
# - Bińkowski, M., Sutherland, D. J., Arbel, M. and Gretton, A. (2018). Demystifying MMD GANs.
#   *International Conference on Learning Representations (ICLR 2018)* (KID).
# - Ravuri, S. and Vinyals, O. (2019). Classification accuracy score for conditional generative models.
#   *Advances in Neural Information Processing Systems 32* (NeurIPS 2019; CAS).
# - Chong, M. J. and Forsyth, D. (2020). Effectively unbiased FID and Inception Score and where to find
#   them. *IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR 2020)* (FID's bias against the sample count).
# - Rosebrock, A. (2017). *Deep Learning for Computer Vision with Python*, Practitioner Bundle.
#   *PyImageSearch* (the book DCGAN and its training loop).
