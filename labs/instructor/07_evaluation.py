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
# 4. choose an epoch by CAS and by FID, and say which one augmentation should use.
#
# **Time.** 3 min 58 s in full, 41 s with `LAB_QUICK=1`, measured on 2 CPU cores (labs/README.md).
# `LAB_QUICK=1` is a smoke run: two digits, two epochs, small samples; the numbers mean little.
#
# **Data.** MNIST digits: `$PYIMAGESEARCH_GAN_DATA/mnist/` when that variable points at a folder
# holding `mnist/`, else a one-time download through `keras.datasets`. The GANs train on 500
# training images per digit (`--max-per-class 500`); the metrics compare with the MNIST test
# images, which no GAN saw. FID values here are on the feature CNN, comparable only with runs
# measured by the same feature CNN, never with published (Inception) FIDs.
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

from labtools import QUICK, cli, fresh, output_dir, show  # labtools.py beside this notebook
from pyimagesearch_gan.evidence import classifiers, evaluate, metrics
from pyimagesearch_gan.evidence.real_data import feature_cnn, load_real

# The package's evaluate module (the `evaluate` command below) selects matplotlib's file-only
# backend when it is imported: switch this notebook back to inline figures.
# %matplotlib inline

OUT = output_dir("07_evaluation")
DIGITS = [0, 1] if QUICK else [0, 1, 7]
CLASSES = ",".join(map(str, DIGITS))
EPOCHS, EVERY = (2, 1) if QUICK else (30, 5)  # generators saved every EVERY epochs: the epochs we can evaluate
COUNT = 64 if QUICK else 500  # generated images per class and epoch
FEATURE_EPOCHS, CAS_EPOCHS = (1, 1) if QUICK else (10, 5)
SIZES = [10, 20, 40, 60] if QUICK else [25, 50, 100, 200, 400]  # sample counts for section 4 (500 images per digit)
print(f"quick={QUICK}  digits={CLASSES}  epochs={EPOCHS} (saved every {EVERY})  output={OUT}")

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
# real test images. It asks the augmentation question: do the images carry their labels and
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
# One book DCGAN per digit, as in Lab 1, with fakes for D from the training-mode generator (no
# BatchNorm lag). `--checkpoint-every EVERY` saves the generators every `EVERY` epochs, so
# `evaluate` can measure each of those epochs, not only the last one. `--dataset mnist
# --max-per-class 500` trains on 500 training images per digit (chosen by the seed) and leaves
# the MNIST test split for the measurements.

# %%
RUN = fresh(OUT / "run")
cli(f"train --preset book-mnist --dataset mnist --classes {CLASSES} --max-per-class 500 --batch-size 16 "
    f"--epochs {EPOCHS} --checkpoint-every {EVERY} --set g_training_in_d_step=true --set num_benchmark=64 "
    f"--output {RUN}")
show([RUN / str(d) / f"epoch_{EPOCHS:04d}.png" for d in DIGITS], [f"digit {d}, epoch {EPOCHS}" for d in DIGITS])

# %% [markdown]
# ## 3. `evaluate`: every saved epoch, measured
#
# `pyimagesearch-gan evaluate RUN_DIR` trains the feature CNN on the real training images (once;
# it is cached in `RUN_DIR/evaluation/`), then for every saved epoch draws `--count` images per
# digit from the same noise and computes FID and KID per digit against the real images, and CAS
# for the epoch (a classifier trained on that epoch's images of all digits, tested on the real
# test images). It also prints reference values: what *real* images score against real ones.

# %%
cli(f"evaluate {RUN} --count {COUNT} --feature-epochs {FEATURE_EPOCHS} --cas-epochs {CAS_EPOCHS}")
evaluation = json.loads((RUN / "evaluation" / "metrics.json").read_text())
rows = evaluation["rows"]  # one per digit and epoch: {"epoch", "class", "fid", "kid", "cas", "recall"}
show([RUN / "evaluation" / "fid_vs_epoch.png"], ["FID per digit and epoch"], size=7)

# %% [markdown]
# ## 4. FID needs many samples
#
# The same two *real* sets, the training and the test images of one digit, drawn from one
# distribution: their true FID is about 0. Estimated from $n$ images of each, it is not: the
# sample covariance of a few images is a poor estimate of $\Sigma$ (with fewer images than the
# 128 features it is not even full rank), and the errors do not cancel, they add up. The
# expected FID of $n$ samples is about $\mathrm{FID}_\infty + c / n$ (Chong and Forsyth 2020).
# KID's estimator is unbiased: only its noise shrinks with $n$. Below, both at several $n$ for
# real-against-real and for the last epoch's generated images against real ones.

# %%
from pyimagesearch_gan.runs import load_generator, open_run, sample

real = load_real("mnist", classes=CLASSES, holdout=0.2, seed=0)
extractor = classifiers.feature_extractor(
    feature_cnn(real.train, RUN / "evaluation" / "feature_cnn.keras", epochs=FEATURE_EPOCHS, seed=0))
digit = DIGITS[-1]
label = real.seen.class_names.index(str(digit))
train_features = metrics.features(extractor, real.seen.of_class(label))
test_features = metrics.features(extractor, real.held_out.of_class(label))
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


curves = {"real": [at_size(train_features, test_features, n) for n in SIZES],
          "generated": [at_size(generated_features, test_features, n) for n in SIZES]}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for name, values in curves.items():
    axes[0].plot(SIZES, [v[0] for v in values], "o-", label=f"{name} vs real test images")
    axes[1].plot(SIZES, [v[1] for v in values], "o-", label=f"{name} vs real test images")
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
# every $n$, only noisier at small $n$. In our full run (digit 7) the real sets scored FID 1.28 at
# $n = 25$ and 0.16 at $n = 400$, so two samples of *real* sevens compared with 25 images each
# looked worse than the GAN's sevens compared with 400 (FID 0.91); KID put the real sets at
# -0.03 to 0.04 at every $n$ and the GAN's at 0.04-0.07. Rules: compare FIDs only at the same $n$ (and the same feature
# network), use as many images as you can (`evaluate --count`), and use KID when the sets are
# small or of different sizes.

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

# %% [markdown]
# ## 5. Choosing an epoch: by FID or by CAS?
#
# A GAN's last epoch is not always its best. `evaluate`'s `metrics.json` names the lowest-FID
# epoch of each digit (`best_epoch`); for augmentation we want the epoch whose images train the
# best classifier. Its `chosen_epoch`, which `generate --epoch best` draws from, is by default
# the epoch where the CAS classifier recalls the most of each digit's real test images.

# %%
epochs = sorted({r["epoch"] for r in rows})
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for d in map(str, DIGITS):
    axes[0].plot(epochs, [r["fid"] for r in rows if r["class"] == d], "o-", label=f"digit {d}")
axes[0].set(xlabel="epoch", ylabel="FID (feature CNN, log scale)", yscale="log",
            title=f"FID per digit, {COUNT} images each")
axes[0].legend()
axes[1].plot(epochs, [next(r["cas"] for r in rows if r["epoch"] == e) for e in epochs], "o-")
axes[1].set(xlabel="epoch", ylabel="CAS", ylim=(0, 1), title="CAS: trained on that epoch's images, tested on real")
plt.tight_layout()
plt.show()
print("reference, real against real:", {d: round(v["fid"], 2) for d, v in
                                        evaluation["reference"]["held_out_vs_train"].items()})

# %% [markdown] nbgrader={"grade": false, "grade_id": "e3_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 3.** From `rows`, find `best_by_fid`, the epoch with the lowest FID averaged over
# the digits, and `best_by_cas`, the epoch with the highest CAS (the first one on a tie). Do they
# agree? Which would you pick for augmentation, and why? (Answer in the text cell after the tests.)

# %% nbgrader={"grade": false, "grade_id": "e3_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
mean_fid = {e: np.mean([r["fid"] for r in rows if r["epoch"] == e]) for e in epochs}
cas = {e: next(r["cas"] for r in rows if r["epoch"] == e) for e in epochs}
best_by_fid = min(epochs, key=lambda e: mean_fid[e])
best_by_cas = max(epochs, key=lambda e: cas[e])
### END SOLUTION
print(f"best epoch by mean FID: {best_by_fid}; by CAS: {best_by_cas}")

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
# the right question, so pick by CAS (on a validation set, not the final test set), check that
# the FID at that epoch is not far off, and look at its montage. Differences between neighbouring
# epochs smaller than the trial-to-trial noise of CAS (a point or so) do not choose anything.

# %% [markdown]
# ## 6. What the numbers do not see
#
# Two extreme "generators" for every digit, measured like the GAN: **copies**, which return real
# training images (a GAN that memorised its data), and **collapse**, which returns one image
# over and over. The real test images are the reference, and CAS trains on each set for the same
# epochs as `evaluate`'s.

# %%
test_x = np.concatenate([real.held_out.of_class(real.seen.class_names.index(str(d))) for d in DIGITS])
test_y = np.concatenate([np.full(len(real.held_out.of_class(real.seen.class_names.index(str(d)))), k)
                         for k, d in enumerate(DIGITS)])
sets = {}
for name in ("copies", "collapse"):
    images = []
    for d in DIGITS:
        pool = real.seen.of_class(real.seen.class_names.index(str(d)))
        images.append(pool[:COUNT] if name == "copies" else np.repeat(pool[:1], COUNT, axis=0))
    sets[name] = np.concatenate(images)
labels = np.repeat(np.arange(len(DIGITS)), COUNT)
last = max(epochs)
last_rows = [r for r in rows if r["epoch"] == last]
summary = {"GAN, last epoch": (np.mean([r["fid"] for r in last_rows]), last_rows[0]["cas"])}
for name, images in sets.items():
    fids = [metrics.frechet_distance(metrics.features(extractor, images[labels == k]),
                                     metrics.features(extractor, test_x[test_y == k])) for k in range(len(DIGITS))]
    score = metrics.classification_accuracy_score(images, labels, test_x, test_y, len(DIGITS), epochs=CAS_EPOCHS, seed=0)
    summary[name] = (float(np.mean(fids)), score)
for name, (f, c) in summary.items():
    print(f"{name:16s} mean FID {f:8.2f}   CAS {c:.3f}")

# %% [markdown]
# The copies score like real data on both, better than any GAN: neither FID, KID nor CAS can
# tell memorising from generalising, because each compares with the *distribution* of real
# images, and the training images are a perfect sample of it. The collapsed set is caught by
# FID (a covariance of zero: in our full run 5.6 against the GAN's 0.87), much less by CAS: a
# classifier trained on one image per digit still scored 0.89 on 0s, 1s and 7s, digits that are
# easy to tell apart. CAS measures whether the classes are separated, not the variety within
# each class. In the same run the lowest mean FID came at epoch 30 and the highest CAS at epoch
# 25 (0.966 against 0.929 at epoch 30). (The GAN's FID in the
# table is against all its digit's real training images, the copies' and collapse's against the
# test images: close enough here, but section 4 says why FIDs of different sets and sizes must
# not be compared to the decimal.)

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
# reference set; CAS on the test set used to choose the epoch is optimistic. Compare at equal
# n and extractor, choose on a validation split, and finally (3) measure what matters: a
# classifier trained on real + synthetic images against the fair baselines of Lab 5.

# %% [markdown]
# ## Takeaways
#
# - FID compares the mean and covariance of features; KID is its unbiased kernel cousin; CAS asks
#   whether the images teach a classifier. None of them sees copying.
# - FID is biased: it falls with the number of samples. Compare at equal n and with the same
#   feature network; estimate FID∞ when sizes differ, or use KID.
# - Pick epochs by the question you care about (CAS for augmentation), not by the last epoch or
#   by eye, and check near-copies before you use the images.
#
# **Try next:** `pyimagesearch-gan evaluate` on Lab 3's two runs (a conditional GAN against
# class GANs); `--count 2000` on this run to see the FID curve of section 4 in `evaluate`'s table.
# %% [markdown]
# ## References
#
# - Goodfellow, I., Pouget-Abadie, J., Mirza, M., Xu, B., Warde-Farley, D., Ozair, S., Courville, A. and
#   Bengio, Y. (2014). Generative adversarial nets. *Advances in Neural Information Processing Systems 27*.
# - Radford, A., Metz, L. and Chintala, S. (2016). Unsupervised representation learning with deep
#   convolutional generative adversarial networks. *ICLR 2016*. arXiv:1511.06434.
# - Odena, A., Olah, C. and Shlens, J. (2017). Conditional image synthesis with auxiliary classifier GANs.
#   *Proceedings of the 34th International Conference on Machine Learning (ICML)*, PMLR 70.
# - Salimans, T., Goodfellow, I., Zaremba, W., Cheung, V., Radford, A. and Chen, X. (2016). Improved
#   techniques for training GANs. *Advances in Neural Information Processing Systems 29*.
# - Zhao, S., Liu, Z., Lin, J., Zhu, J.-Y. and Han, S. (2020). Differentiable augmentation for
#   data-efficient GAN training. *Advances in Neural Information Processing Systems 33*.
# - Karras, T., Aittala, M., Hellsten, J., Laine, S., Lehtinen, J. and Aila, T. (2020). Training generative
#   adversarial networks with limited data. *Advances in Neural Information Processing Systems 33*.
# - Heusel, M., Ramsauer, H., Unterthiner, T., Nessler, B. and Hochreiter, S. (2017). GANs trained by a
#   two time-scale update rule converge to a local Nash equilibrium. *Advances in Neural Information
#   Processing Systems 30* (FID).
# - Ravuri, S. and Vinyals, O. (2019). Classification accuracy score for conditional generative models.
#   *Advances in Neural Information Processing Systems 32* (CAS).
# - Carlini, N., Hayes, J., Nasr, M., Jagielski, M., Sehwag, V., Tramèr, F., Balle, B., Ippolito, D. and
#   Wallace, E. (2023). Extracting training data from diffusion models. *32nd USENIX Security Symposium*.
# - Rosebrock, A. (2017). *Deep Learning for Computer Vision with Python*, Practitioner Bundle.
#   PyImageSearch (the book DCGAN and its training loop).
# - Bińkowski, M., Sutherland, D. J., Arbel, M. and Gretton, A. (2018). Demystifying MMD GANs. *ICLR 2018* (KID).
# - Chong, M. J. and Forsyth, D. (2020). Effectively unbiased FID and Inception Score and where to find
#   them. *CVPR 2020* (FID's bias against the sample count).
