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
# # Lab 4: failure modes on a tiny data set
#
# [![Open In Colab][colab-badge]][colab]
#
# [colab-badge]: https://colab.research.google.com/assets/colab-badge.svg
# [colab]: https://colab.research.google.com/github/pyimagesearch-gan/pyimagesearch-gan/blob/main/labs/04_failure_modes.ipynb
#
# GANs for augmentation are trained where data is scarce, and small data sets are where GANs
# fail most. This lab trains the book DCGAN (Rosebrock 2017; a deep convolutional GAN, Lab 1) on
# **100 images of one digit** and changes one setting at a time. Before each run, **predict** what the last montage will look like
# (sharper? blurrier? all tiles alike? noise?), then run it and check.
#
# **Learning goals.** After this lab you can
# 1. measure *diversity* of generated images and recognise **mode collapse** (the generator
#    ignores its noise and draws one image);
# 2. recognise a **learning rate** that is too high in the losses and the montages;
# 3. say what **one-sided label smoothing** (`--set real_label=0.9`) and **DiffAugment**
#    (`--diffaugment color,translation,cutout`) change, and why their effect depends on the
#    training budget;
# 4. run your own one-setting experiment and predict its outcome.
#
# **Time.** 3 min 40 s in full, 33 s with `LAB_QUICK=1`, measured on 2 CPU cores (shared with other jobs, loaded) (labs/README.md).
# The full lab trains six small GANs; `LAB_QUICK=1` is a smoke run whose pictures are noise.
#
# **Grading.** Exercises are nbgrader cells: answer cells, test cells with visible asserts (the
# graders add hidden ones) and written answers (labs/README.md).
#
# **Data.** MNIST twos: `$PYIMAGESEARCH_GAN_DATA/mnist/` when that variable points at a
# folder holding `mnist/`, else a one-time download through `keras.datasets`. The lab writes
# the tiny set as an image folder and trains on it with `--dataset folder`.

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
from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.runs import load_generator, open_run, sample

OUT = output_dir("04_failure_modes")
DIGIT = 2
N_IMAGES = 32 if QUICK else 100
EPOCHS = 2 if QUICK else 80  # batch 8: 80 epochs of 100 images = 960 updates
# The baseline: the book DCGAN, batch 8 (a tiny set has few batches), fakes for D from the
# training-mode generator (no BatchNorm lag, Lab 1), 64 montage tiles.
BASE = f"--batch-size 8 --epochs {EPOCHS} --set g_training_in_d_step=true --set num_benchmark=64"
print(f"quick={QUICK}  {N_IMAGES} images of digit {DIGIT}  output={OUT}")

# %% [markdown]
# ## 1. Measuring diversity
#
# A montage shows quality at a glance; variety is harder to see. A simple number: the mean
# distance between two generated images, divided by the same for two real images. About 1: as
# varied as the data. Near 0: every noise vector gives (almost) the same image, **mode
# collapse** (the generator ignores its noise; Goodfellow et al. 2014 call it the "Helvetica
# scenario"). The distance is taken between *coarse* images, each averaged over 4x4 blocks
# (7x7 pixels): the shapes of the strokes, not pixel speckle. A broken generator that adds random
# speckle to one shape would otherwise look as varied as real data, because speckle alone puts
# images far apart.

# %% [markdown] nbgrader={"grade": false, "grade_id": "e1_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 1.** Write `mean_pairwise_distance(images)`: the mean Euclidean distance over
# all pairs of different images (uint8 arrays of shape (N, 28, 28, 1); compute in float32).
# Hint: for flattened rows a, b: |a - b|² = |a|² + |b|² - 2 a·b.

# %% nbgrader={"grade": false, "grade_id": "e1_code", "locked": false, "schema_version": 3, "solution": true}
def mean_pairwise_distance(images):
    ### BEGIN SOLUTION
    x = images.reshape(len(images), -1).astype("float32")
    squares = (x**2).sum(axis=1)
    distances = np.sqrt(np.maximum(squares[:, None] + squares[None, :] - 2 * x @ x.T, 0))
    return float(distances[np.triu_indices(len(x), k=1)].mean())
    ### END SOLUTION


twos = load_dataset("mnist").of_class(DIGIT)
print("real vs real:", round(mean_pairwise_distance(twos[:100]) / mean_pairwise_distance(twos[100:200]), 2),
      "(about 1)")
print("one image repeated:", mean_pairwise_distance(np.repeat(twos[:1], 10, axis=0)), "(0: total collapse)")

# %% nbgrader={"grade": true, "grade_id": "e1_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert abs(mean_pairwise_distance(np.repeat(twos[:1], 10, axis=0))) < 1e-3, "copies of one image: distance 0"
_pair = np.stack([np.zeros((28, 28, 1), np.uint8), np.full((28, 28, 1), 1, np.uint8)])
assert abs(mean_pairwise_distance(_pair) - 28.0) < 1e-3, "784 pixels apart by 1: sqrt(784) = 28"
### BEGIN HIDDEN TESTS
from scipy.spatial.distance import pdist

_x = np.random.default_rng(0).integers(0, 256, (30, 28, 28, 1)).astype(np.uint8)
assert abs(mean_pairwise_distance(_x) - pdist(_x.reshape(30, -1).astype(np.float64)).mean()) < 0.5
assert abs(mean_pairwise_distance(twos[:50]) - pdist(twos[:50].reshape(50, -1).astype(np.float64)).mean()) < 0.5
### END HIDDEN TESTS

# %%
try:  # the demonstrations measure with your function once it is written, else with the labs' own
    mean_pairwise_distance(twos[:2])
except NotImplementedError:
    from labtools import mean_pairwise_distance

# %% [markdown]
# ## 2. The tiny set, and a helper to train and score a variant
#
# `--dataset folder` trains on any folder with one subfolder per class. `variant(name,
# flags)` trains one GAN on the tiny set with the baseline settings plus `flags` (a later
# flag of the same name wins), then draws 200 images from the final generator with the
# package's `runs.sample` and scores their diversity (on the coarse images, against the real
# images' spread).

# %%
TINY = fresh(OUT / "tiny")
(TINY / str(DIGIT)).mkdir(parents=True)
for i, image in enumerate(twos[:N_IMAGES]):
    cv2.imwrite(str(TINY / str(DIGIT) / f"{i:03d}.png"), image)


def coarse(images):
    """Each 28x28 image averaged over 4x4 blocks: (N, 7, 7, 1), the strokes without the speckle."""
    return images.reshape(len(images), 7, 4, 7, 4, 1).astype("float32").mean(axis=(2, 4))


REAL_SPREAD = mean_pairwise_distance(coarse(twos[:N_IMAGES]))
results = {}


def variant(name, flags="", preset="book-mnist"):
    """Train `name` on the tiny set; returns its run folder and records its diversity."""
    run_dir = fresh(OUT / name)
    cli(f"train --preset {preset} --dataset folder --data-dir {TINY} {BASE} {flags} --output {run_dir}")
    run = open_run(run_dir)
    generator, _ = load_generator(run, run.gans[0])
    images = sample(generator, run.cfg, run.targets()[0], 200, seed=0)
    history = json.loads((run_dir / str(DIGIT) / "history.json").read_text())
    results[name] = {"diversity": mean_pairwise_distance(coarse(images)) / REAL_SPREAD, "images": images,
                     "d_loss": history[-1]["d_loss"], "gan_loss": history[-1]["gan_loss"], "run": run_dir}
    print(f"{name}: diversity {results[name]['diversity']:.2f}")
    return run_dir


def last_montage(name):
    return sorted((results[name]["run"] / str(DIGIT)).glob("epoch_*.png"))[-1]


# %% [markdown]
# ## 3. The baseline
#
# With 100 images and batch 8 an epoch is 12 updates; 80 epochs are 960.

# %%
variant("baseline")
show([results["baseline"]["run"] / str(DIGIT) / "real.png", last_montage("baseline"),
      results["baseline"]["run"] / str(DIGIT) / "loss.png"], ["real", "baseline, last epoch", "losses"])

# %% [markdown]
# ## 4. Learning rate fifty times too high
#
# **Predict** before running: `--lr 1e-2` (both networks; the book's is 2e-4). What happens
# to the losses? To the montage?

# %%
variant("lr_1e-2", "--lr 1e-2")
show([last_montage("baseline"), last_montage("lr_1e-2"), results["lr_1e-2"]["run"] / str(DIGIT) / "loss.png"],
     ["baseline", "--lr 1e-2", "losses, --lr 1e-2"])

# %% [markdown]
# Adam's steps are about the size of the learning rate, whatever the gradient: at 1e-2 every
# update moves the weights so far that the two networks overshoot each other. The losses
# jump by orders of magnitude and the images fill with saturated speckle. The diversity score
# flags it: in our full run 0.82 against the baseline's 1.00 (every tile is the same broken shape
# under different speckle; on raw pixels, where the speckle counts as variety, both scored 0.96-0.99).
#
# ## 5. Mode collapse
#
# The fully connected GAN of Liu and Hu's *GAN-Based Image Data Augmentation* (2020, a Stanford
# CS229 project, see the references; `--preset mnist-mlp-gan`: two generator updates per
# discriminator update, label smoothing, its own learning rates) on the same tiny set, for the
# same 80 epochs.
# **Predict**: its generator is a plain MLP with dropout, nothing in it forces
# different noise vectors to different images.

# %%
variant("mlp_gan", preset="mnist-mlp-gan")
show([last_montage("baseline"), last_montage("mlp_gan")], ["baseline", "mnist-mlp-gan"])

# %% [markdown]
# Every tile is the same blob: the generator found one output that the discriminator scores
# well and maps all noise to it. The diversity number says it without looking. The book
# DCGAN (convolutions, BatchNorm, D updated as often as G) does not collapse here. The collapse
# is one of a tiny set and a short budget: at Liu and Hu's own budget (2,000 epochs on 250 or 500
# images per digit) the project's MNIST experiments (docs/experiments.md) found the same GAN good
# digit by digit (a classifier trained on its images alone reached 0.78-0.80 on the MNIST test
# set), with one late collapse (digit 1) that choosing the epoch by CAS avoided.
#
# ## 6. One-sided label smoothing
#
# `--set real_label=0.9` asks D to output 0.9, not 1, for real images (fakes stay 0; Salimans et
# al. 2016): D can never be completely sure, its gradients for G stay informative. **Predict**: on this
# baseline, which does not collapse or diverge, will it change much?

# %%
variant("smoothing", "--set real_label=0.9")

# %% [markdown]
# ## 7. DiffAugment
#
# With 100 images D can memorise the training set, and then it rejects everything else.
# DiffAugment (Zhao et al. 2020) applies the same random, differentiable transforms (colour,
# translation, cutout) to every image D sees, real and fake, in both updates, so D cannot
# memorise pixels, and G still learns through the transforms. **Predict**: after 960
# updates, sharper or blurrier than the baseline?

# %%
variant("diffaugment", "--diffaugment color,translation,cutout")
show([last_montage(name) for name in ("baseline", "smoothing", "diffaugment")],
     ["baseline", "--set real_label=0.9", "--diffaugment color,translation,cutout"])

# %% [markdown]
# DiffAugment makes D's task harder: it learns slower, so G does too, and after a short
# budget the images are blurrier. Its benefit is long training on few images, where the
# baseline's D overfits and the images get worse (the paper trains tens of thousands of
# updates; Karras et al. 2020 reach the same conclusion with augmentations whose strength adapts
# to D's overfitting). A setting can be right and still look worse at your budget.
#
# ## 8. Your turn

# %% [markdown] nbgrader={"grade": false, "grade_id": "e2_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 2.** Pick **one** setting to change (ideas: `--batch-size 32`, `--d-lr 2e-5`,
# `--g-lr 2e-3`, `--set g_steps=3`, `--set noise_dim=2`, `--set real_label=0.7`,
# `--beta-1 0.9`; `pyimagesearch-gan train --help` lists them). Write your prediction in
# `MY_PREDICTION`, then train it as variant `"mine"` and compare the montage with the
# baseline's. Afterwards, say in the text cell after the tests whether your prediction held.

# %% nbgrader={"grade": false, "grade_id": "e2_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
MY_FLAGS = "--batch-size 32"  # (a later --batch-size wins over the baseline's)
MY_PREDICTION = "4 times fewer updates per epoch (3, not 12): after 80 epochs it looks like the baseline at epoch 20"
variant("mine", MY_FLAGS)
show([last_montage("baseline"), last_montage("mine")], ["baseline", MY_FLAGS])
### END SOLUTION
print("predicted:", MY_PREDICTION)

# %% nbgrader={"grade": true, "grade_id": "e2_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false}
assert isinstance(MY_FLAGS, str) and MY_FLAGS.strip().startswith("--"), "one or more train flags"
assert isinstance(MY_PREDICTION, str) and len(MY_PREDICTION.split()) >= 5, "write a prediction of a few words"
assert "mine" in results, 'train your variant with variant("mine", MY_FLAGS)'
### BEGIN HIDDEN TESTS
assert np.isfinite(results["mine"]["diversity"]) and len(results["mine"]["images"]) == 200
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e2_why", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Answer** (for `--batch-size 32`). The prediction held: 3 updates per epoch instead of 12, so
# after 80 epochs the GAN has had 240 updates, and its montage looks like the baseline's around
# epoch 20, blurrier and less finished. A change of the batch size is also a change of the
# training budget in updates: compare at equal updates to see the batch size's own effect.
#
# **Rubric (2 points).** 1: the prediction written before the run was specific (what changes in
# the montage, the losses or the diversity) and the answer says honestly whether it held, citing
# the montage or the numbers. 1: a reason for the outcome (e.g. fewer updates per epoch, a D or G
# that learns faster or slower). A wrong prediction with a good explanation earns both points.

# %% [markdown]
# ## 9. All runs side by side

# %% [markdown] nbgrader={"grade": false, "grade_id": "e3_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 3.** A generator can also be too *close* to the data: a GAN that returns its
# training images has perfect quality and diversity and is useless for augmentation (Lab 5).
# For every variant in `results`, compute the median distance from a generated image to its
# nearest training image (`nearest[name]`), in the units of `mean_pairwise_distance`. Which
# variant is closest to the training set? Is it the best one? (Answer in the text cell at the end.)

# %% nbgrader={"grade": false, "grade_id": "e3_code", "locked": false, "schema_version": 3, "solution": true}
train = twos[:N_IMAGES].reshape(N_IMAGES, -1).astype("float32")
### BEGIN SOLUTION
nearest = {}
for name, result in results.items():
    x = result["images"].reshape(len(result["images"]), -1).astype("float32")
    squared = (x**2).sum(1)[:, None] + (train**2).sum(1)[None, :] - 2 * x @ train.T
    nearest[name] = float(np.median(np.sqrt(np.maximum(squared, 0)).min(axis=1)))
### END SOLUTION
print(f"{'variant':12s} {'diversity':>9s} {'nearest':>8s} {'d_loss':>7s} {'gan_loss':>8s}")
for name, result in results.items():
    print(f"{name:12s} {result['diversity']:9.2f} {nearest[name]:8.0f} {result['d_loss']:7.2f} "
          f"{result['gan_loss']:8.2f}")
names = list(results)
fig, axes = plt.subplots(1, len(names), figsize=(2.6 * len(names), 2.8))
for ax, name in zip(axes, names):
    ax.imshow(plt.imread(last_montage(name))[: 28 * 4, : 28 * 4], cmap="gray")
    ax.set_title(f"{name}\ndiversity {results[name]['diversity']:.2f}", fontsize=9)
    ax.axis("off")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "e3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert set(nearest) == set(results), "one entry per variant"
assert all(value >= 0 for value in nearest.values())
### BEGIN HIDDEN TESTS
from scipy.spatial.distance import cdist

for _name, _result in results.items():
    _d = cdist(_result["images"].reshape(200, -1).astype(np.float64), train.astype(np.float64)).min(axis=1)
    assert abs(nearest[_name] - np.median(_d)) < 0.5, _name
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e3_why", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Answer.** In the full run the baseline and the label-smoothing variant lie closest to the
# training set (median 1,780-1,830) and look best; the collapsed MLP GAN and `--lr 1e-2` lie
# furthest. At this budget closeness goes with quality, but it is not quality: a generator that
# returned its 100 training images would score distance 0 and perfect diversity and add nothing
# a classifier has not seen. For augmentation the best variant is varied (diversity near 1),
# looks right, and is about as far from the training images as new real images are (Lab 5
# measures that).
#
# **Rubric (2 points).** 1: names the closest variant from the table. 1: explains that closeness
# is not quality or usefulness: a GAN that copied its training images would be closest and add
# nothing, so the best variant is varied, looks right and is about as far from the training set
# as new real images. 0.5 for "closest is best" argued only from the montages.

# %% [markdown]
# ## Takeaways
#
# - Look at the montage **and** measure: diversity near 0 is mode collapse; exploding losses,
#   saturated speckle and a diversity well below 1 are a learning rate too high.
# - Label smoothing and DiffAugment are remedies for specific problems (an overconfident D,
#   a D that memorises); on a run without those problems they change little, or cost quality
#   at a short budget.
# - Change one setting at a time, predict first, and keep the baseline beside every result.

# %% [markdown]
# ## References
#
# - Goodfellow, I., Pouget-Abadie, J., Mirza, M., Xu, B., Warde-Farley, D., Ozair, S., Courville, A. and
#   Bengio, Y. (2014). Generative adversarial nets. *Advances in Neural Information Processing Systems 27* (NeurIPS 2014).
# - Salimans, T., Goodfellow, I., Zaremba, W., Cheung, V., Radford, A. and Chen, X. (2016). Improved
#   techniques for training GANs. *Advances in Neural Information Processing Systems 29* (NeurIPS 2016).
# - Zhao, S., Liu, Z., Lin, J., Zhu, J.-Y. and Han, S. (2020). Differentiable augmentation for
#   data-efficient GAN training. *Advances in Neural Information Processing Systems 33* (NeurIPS 2020).
# - Karras, T., Aittala, M., Hellsten, J., Laine, S., Lehtinen, J. and Aila, T. (2020). Training generative
#   adversarial networks with limited data. *Advances in Neural Information Processing Systems 33* (NeurIPS 2020).
# - Liu, D. and Hu, N. (2020: undated; it cites the course's problem set of 2020). GAN-based image data augmentation.
#   *Stanford CS229 (Machine Learning) final project report* (a fully connected GAN per MNIST digit, the project's
#   `mnist-mlp-gan` preset).
# - Rosebrock, A. (2017). *Deep Learning for Computer Vision with Python*, Practitioner Bundle.
#   *PyImageSearch* (the book DCGAN and its training loop).
