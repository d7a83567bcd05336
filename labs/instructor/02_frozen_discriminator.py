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
# # Lab 2: the Keras 3 frozen-discriminator trap
#
# [![Open In Colab][colab-badge]][colab]
#
# [colab-badge]: https://colab.research.google.com/assets/colab-badge.svg
# [colab]: https://colab.research.google.com/github/pyimagesearch-gan/pyimagesearch-gan/blob/main/labs/02_frozen_discriminator.ipynb
#
# Every Keras GAN tutorial written for Keras 2, the book's included (Rosebrock 2017, Lab 1), trains the generator
# through a combined model `gan = D(G(z))` in which the discriminator is "frozen":
#
# ```python
# discriminator.compile(loss="binary_crossentropy", optimizer=opt)
# discriminator.trainable = False
# gan = Sequential([generator, discriminator])
# gan.compile(loss="binary_crossentropy", optimizer=opt)
# # per batch:
# discriminator.train_on_batch(real_and_fake, labels)  # D learns
# gan.train_on_batch(noise, ones)                       # G learns, D stays fixed
# ```
#
# Keras turns each model's training step into a TensorFlow graph by **tracing** it (Abadi et al.
# 2016): the first call runs the Python code of the step once on symbolic tensors, records the
# operations it performs (which weights it reads, which gradients it applies) as a graph, and every
# later call runs that graph without running the Python again. Whatever the Python code decided
# at that first call, such as which weights are trainable, is frozen into the graph.
#
# In Keras 2 `compile` took a snapshot of which weights are trainable, so D stayed trainable
# in its own model. **Keras 3 reads `trainable` when a train function is first traced**, at
# the first `train_on_batch`, and by then it is `False`. The code runs without an error and
# trains a GAN whose discriminator never learns.
#
# **Learning goals.** After this lab you can
# 1. prove with weight snapshots which network an update changed;
# 2. explain why the Keras 2 recipe leaves D untrained under Keras 3 and what that does to G;
# 3. fix it in two ways: toggling `trainable` before each call (the project's
#    `speed/book_loop.py`), and a training step with explicit variable lists (the
#    project's `training/gan.py`, `GAN.step`).
#
# **Time.** 2 min 56 s in full, 32 s with `LAB_QUICK=1`, measured on 2 CPU cores (shared with other jobs, loaded) (labs/README.md).
#
# **Grading.** Exercises are nbgrader cells: answer cells, test cells with visible asserts (the
# graders add hidden ones) and written answers (labs/README.md).
#
# **Data.** A few hundred MNIST sevens: `$PYIMAGESEARCH_GAN_DATA/mnist/` when that variable
# points at a folder holding `mnist/`, else a one-time download through `keras.datasets`.

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
from labtools import QUICK  # the labs' helpers (labtools.py beside this notebook); first: it quiets TensorFlow

import keras
import matplotlib.pyplot as plt
import numpy as np

from pyimagesearch_gan.data import load_dataset, to_float
from pyimagesearch_gan.models.book import build_discriminator, build_generator
from pyimagesearch_gan.training.gan import book_adam
from pyimagesearch_gan.utils import draw_noise

BATCH = 32
STEPS = 5 if QUICK else 300  # updates in the comparison of section 5

sevens = to_float(load_dataset("mnist").of_class(7))  # [-1, 1], the generator's range
rng = np.random.default_rng(0)


def real_batch():
    return sevens[rng.choice(len(sevens), BATCH, replace=False)]


def noise(n=BATCH):
    return draw_noise(rng, n, 100)  # the book's noise: uniform in [-1, 1]


def snapshot(model):
    """Copies of all the model's weights (trainable ones first, then e.g. BatchNorm statistics)."""
    return [w.numpy().copy() for w in model.weights]


print(f"{len(sevens)} sevens, quick={QUICK}")

# %% [markdown]
# ## 1. A tool: which weights did an update change?

# %% [markdown] nbgrader={"grade": false, "grade_id": "e1_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 1.** Write `changed(before, after)`: given two snapshots of one model, return
# how many weight arrays differ, e.g. `changed(snapshot(D), snapshot(D))` is `0`. (The
# demonstrations below use your `changed` once it works, and the labs' own `changed_arrays`
# until then, so they run either way.)

# %% nbgrader={"grade": false, "grade_id": "e1_code", "locked": false, "schema_version": 3, "solution": true}
def changed(before, after):
    ### BEGIN SOLUTION
    return sum(not np.array_equal(a, b) for a, b in zip(before, after))
    ### END SOLUTION


probe = build_discriminator()
before = snapshot(probe)
print("nothing done:", changed(before, snapshot(probe)), "arrays differ (expect 0)")
probe.layers[-2].kernel.assign(probe.layers[-2].kernel + 1.0)  # the last Dense layer's kernel
print("one kernel edited:", changed(before, snapshot(probe)), "arrays differ (expect 1)")

# %% nbgrader={"grade": true, "grade_id": "e1_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert changed(before, before) == 0
assert changed(before, snapshot(probe)) == 1, "one kernel edited: one array differs"
### BEGIN HIDDEN TESTS
_a = [np.zeros(3), np.ones((2, 2)), np.arange(4.0)]
_b = [np.zeros(3), np.ones((2, 2)) * 2, np.arange(4.0)[::-1]]
assert changed(_a, _b) == 2 and changed(_b, _a) == 2 and changed(_a, [x.copy() for x in _a]) == 0
assert isinstance(changed(_a, _b), (int, np.integer))
### END HIDDEN TESTS

# %%
try:  # the demonstrations count with your function once it is written, else with the labs' own
    changed([], [])
except NotImplementedError:
    from labtools import changed_arrays as changed

# %% [markdown]
# ## 2. The Keras 2 recipe, run under Keras 3
#
# The models are the book's (`pyimagesearch_gan.models.book`), the optimizer is the book's
# Adam with its decay (`book_adam`). Watch the warning that the first `train_on_batch` prints.

# %%
keras.utils.set_random_seed(0)
G0, D0 = build_generator(), build_discriminator()
start = (G0.get_weights(), D0.get_weights())  # every variant of this lab starts from these weights


def book_pair():
    """Fresh book networks with the lab's starting weights."""
    generator, discriminator = build_generator(), build_discriminator()
    generator.set_weights(start[0])
    discriminator.set_weights(start[1])
    return generator, discriminator


G, D = book_pair()
D.compile(loss="binary_crossentropy", optimizer=book_adam(2e-4))
D.trainable = False
gan = keras.Sequential([G, D])
gan.compile(loss="binary_crossentropy", optimizer=book_adam(2e-4))


def d_batch(generator):
    """The book's D batch: real images labelled 1, fakes from predict() labelled 0, shuffled."""
    x = np.concatenate([real_batch(), generator.predict(noise(), verbose=0)])
    y = np.array([1] * BATCH + [0] * BATCH)
    order = rng.permutation(len(x))
    return x[order], y[order]


for step in range(3):
    d_before, g_before = snapshot(D), snapshot(G)
    d_loss = D.train_on_batch(*d_batch(G))
    d_mid = snapshot(D)
    g_loss = gan.train_on_batch(noise(), np.ones(BATCH))
    print(f"step {step}: d_loss {float(d_loss):.3f}  D step changed {changed(d_before, d_mid)}/{len(d_mid)} "
          f"of D's arrays; G step changed {changed(g_before, snapshot(G))}/{len(G.weights)} of G's, "
          f"{changed(d_mid, snapshot(D))} of D's")

# %% [markdown]
# `discriminator.train_on_batch` changed **none** of D's weights (and Keras warned: "The
# model does not have any trainable weights"). The generator step works as intended. So
# the generator trains against a discriminator frozen at its random initial weights: it
# learns to please a random function, not to draw digits. The loss printed for D is its loss
# on the batch, so it looks like training is happening.
#
# ## 3. Fix 1: set `trainable` right before each call
#
# Each train function is traced once, at its first call, with the trainable weights of that
# moment. Setting `D.trainable = True` before `D.train_on_batch` and `False` before
# `gan.train_on_batch` makes each trace see the right weights. That is all the project's
# `BookLoop` (speed/book_loop.py) changes in the book's loop; it also swaps the book's
# `Adam(decay=...)`, which Keras 3 ignores, for `book_adam`.

# %%
from pyimagesearch_gan.speed.book_loop import BookLoop

G1, D1 = book_pair()
loop = BookLoop(G1, D1, d_optimizer=book_adam(2e-4), g_optimizer=book_adam(2e-4), seed=0)
for step in range(3):
    d_before, g_before = snapshot(D1), snapshot(G1)
    d_loss, g_loss = loop.step(real_batch())
    d_changed, g_changed = changed(d_before, snapshot(D1)), changed(g_before, snapshot(G1))
    print(f"step {step}: d_loss {d_loss:.3f}  g_loss {g_loss:.3f}  D changed {d_changed}/{len(D1.weights)}, "
          f"G changed {g_changed}/{len(G1.weights)}")

# %% [markdown]
# Both networks change now. But each `step` changes both, so from this alone we cannot tell
# that the generator step left D alone. The next fix makes each half of the step visible.
#
# ## 4. Fix 2: explicit variable lists (`GAN.step`)
#
# The project's `GAN` (training/gan.py) does not use `trainable` at all. Its D update takes
# the gradient of D's loss with respect to `discriminator.trainable_variables` only, and its
# G update runs the combined model but takes the gradient with respect to
# `generator.trainable_variables` only. Nothing is frozen; each optimizer is simply given
# the variables it may change. `GAN.step(real)` is one D update then one G update; its two
# halves are `train_discriminator` and `train_generator`.

# %%
from pyimagesearch_gan.training.gan import GAN

G2, D2 = book_pair()
gan2 = GAN(G2, D2, noise_dim=100, seed=0)
gan2.compile(d_optimizer=book_adam(2e-4), g_optimizer=book_adam(2e-4), jit_compile=False)
g_before, d_before = snapshot(G2), snapshot(D2)
gan2.train_discriminator(real_batch(), None)
g_mid, d_mid = snapshot(G2), snapshot(D2)
gan2.train_generator(BATCH)
d_after, g_after = snapshot(D2), snapshot(G2)
print(f"D update: D changed {changed(d_before, d_mid)}/{len(d_mid)}, G changed {changed(g_before, g_mid)}/{len(g_mid)}")
print(f"G update: D changed {changed(d_mid, d_after)}/{len(d_mid)}, G changed {changed(g_mid, g_after)}/{len(g_mid)}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "e2_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 2.** The D update above changed no array of G, but the G update changed all of
# G's arrays, including its BatchNorm (Ioffe and Szegedy 2015) moving means and variances, which no optimizer touches.
# Check which of G's arrays the G update changed *because the optimizer updated them*:
# compare only `G2.trainable_weights` before and after one more `gan2.train_generator(BATCH)`,
# and count separately the non-trainable ones. Store the counts in `trainable_changed` and
# `non_trainable_changed`. Why do the non-trainable ones change? (Answer in the text cell after
# the tests.)

# %% nbgrader={"grade": false, "grade_id": "e2_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
trainable_before = [w.numpy().copy() for w in G2.trainable_weights]
moving_before = [w.numpy().copy() for w in G2.non_trainable_weights]
gan2.train_generator(BATCH)
trainable_changed = changed(trainable_before, [w.numpy().copy() for w in G2.trainable_weights])
non_trainable_changed = changed(moving_before, [w.numpy().copy() for w in G2.non_trainable_weights])
### END SOLUTION
print(f"trainable: {trainable_changed}/{len(G2.trainable_weights)}, non-trainable: "
      f"{non_trainable_changed}/{len(G2.non_trainable_weights)}")

# %% nbgrader={"grade": true, "grade_id": "e2_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert 0 <= trainable_changed <= len(G2.trainable_weights)
assert 0 <= non_trainable_changed <= len(G2.non_trainable_weights)
### BEGIN HIDDEN TESTS
assert trainable_changed == len(G2.trainable_weights), "Adam moves every weight with a gradient"
assert non_trainable_changed == len(G2.non_trainable_weights)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e2_why", "locked": false, "points": 1, "schema_version": 3, "solution": true}
# **Answer.** The G update runs the combined model with G in training mode, and in training mode
# each BatchNorm layer moves its moving mean and variance toward the batch's statistics during the
# forward pass. That is a side effect of running the layer, not an optimizer update: no gradient
# is involved, and it happens even when no weight is trainable.
#
# **Rubric (1 point).** 1: the moving statistics are updated by the forward pass in training mode
# (BatchNorm's batch statistics), not by the optimizer or a gradient. 0.5: "BatchNorm changes them"
# without saying how. 0: "the optimizer updates them".

# %% [markdown]
# ## 5. What the trap does to training
#
# Same starting weights, `STEPS` updates each: the broken recipe, Fix 1 and Fix 2 (here
# driven by `fit`, as the project trains). We record D's loss per update.

# %%
from pyimagesearch_gan.data import make_pipeline

curves = {}

G, D = book_pair()
D.compile(loss="binary_crossentropy", optimizer=book_adam(2e-4))
D.trainable = False
broken = keras.Sequential([G, D])
broken.compile(loss="binary_crossentropy", optimizer=book_adam(2e-4))
curves["Keras 2 recipe (broken)"] = []
for _ in range(STEPS):
    curves["Keras 2 recipe (broken)"].append(float(D.train_on_batch(*d_batch(G))))
    broken.train_on_batch(noise(), np.ones(BATCH))

loop = BookLoop(*book_pair(), d_optimizer=book_adam(2e-4), g_optimizer=book_adam(2e-4), seed=0)
curves["Fix 1: BookLoop"] = [loop.step(real_batch())[0] for _ in range(STEPS)]

gan2 = GAN(*book_pair(), noise_dim=100, seed=0)
gan2.compile(d_optimizer=book_adam(2e-4), g_optimizer=book_adam(2e-4))
history = gan2.fit(make_pipeline(load_dataset("mnist").of_class(7), BATCH, seed=0), epochs=STEPS,
                   steps_per_epoch=1, verbose=0, shuffle=False)  # one update per "epoch": a loss per update
curves["Fix 2: GAN.step via fit"] = history.history["d_loss"]

for name, values in curves.items():
    plt.plot(values, label=name)
plt.xlabel("update")
plt.ylabel("D loss")
plt.legend()
plt.show()

# %% [markdown]
# With either fix, D learns at once: its loss falls to near 0 within a few dozen updates and
# stays low to the end of the plot. D wins easily because of the BatchNorm lag of Lab 1; in
# Lab 1's longer runs the lag ends after about 280-370 updates and the loss comes back up as
# the generator catches up (not shown here: 300 updates are not enough). The two fixes do the
# same computation, and their curves lie almost on top of each other. With the Keras 2 recipe D's
# loss never falls: D is frozen at its random start, and as the generator learns to please
# this fixed function, D's loss on the fakes only goes up.

# %% [markdown] nbgrader={"grade": false, "grade_id": "e3_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 3 (why is it so easy to miss?).** Make the Keras 2 recipe work *without* touching
# `trainable` inside the loop, only by changing the order of the setup: make D's train
# function get traced while D is still trainable. Build `G3, D3 = book_pair()`, do your setup,
# then run 3 steps of the book loop and store in `d_changes` how many of D's arrays each
# `D3.train_on_batch` changed (a list of three numbers, all 8 if it worked).
# Then think: why is this fix fragile (what happens when Keras traces D's train function
# again, e.g. for a batch of another size)? Answer in the text cell after the tests.

# %% nbgrader={"grade": false, "grade_id": "e3_code", "locked": false, "schema_version": 3, "solution": true}
G3, D3 = book_pair()
### BEGIN SOLUTION
D3.compile(loss="binary_crossentropy", optimizer=book_adam(2e-4))
D3.train_on_batch(*d_batch(G3))  # traced now, while D3 is trainable
D3.trainable = False
gan3 = keras.Sequential([G3, D3])
gan3.compile(loss="binary_crossentropy", optimizer=book_adam(2e-4))
d_changes = []
for _ in range(3):
    before = snapshot(D3)
    D3.train_on_batch(*d_batch(G3))
    d_changes.append(changed(before, snapshot(D3)))
    gan3.train_on_batch(noise(), np.ones(BATCH))
### END SOLUTION
print("D arrays changed per D step:", d_changes)

# %% nbgrader={"grade": true, "grade_id": "e3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert len(d_changes) == 3, "one count per D step"
assert all(0 <= n <= len(D3.weights) for n in d_changes)
### BEGIN HIDDEN TESTS
assert d_changes == [len(D3.weights)] * 3 == [8] * 3
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e3_why", "locked": false, "points": 1, "schema_version": 3, "solution": true}
# **Answer.** It works only while Keras keeps using the train function traced at the first call.
# Anything that makes Keras build a new one reads `trainable` again, now `False`: a recompile, a
# changed `jit_compile` or run mode, or (with some settings) inputs of another shape, such as a
# last partial batch. Then D silently stops learning mid-run, with no error and a loss that
# still looks like a loss. The robust fixes do not depend on when tracing happens.
#
# **Rubric (1 point).** 0.5: the fix holds only for the train function traced while D was
# trainable. 0.5: a concrete event that traces it again (a recompile, another batch shape, a
# changed `jit_compile`) and its consequence: D silently stops learning, with no error.

# %% [markdown]
# ## Takeaways
#
# - Under Keras 3, `trainable` matters when a train function is traced, not when a model is
#   compiled; the Keras 2 GAN recipe silently trains G against a frozen random D.
# - Never trust a loss curve to say which weights moved: snapshot the weights.
# - Robust fixes: set `trainable` right before each `train_on_batch`, or write the step with
#   explicit variable lists (a custom `train_step`), as keras.io's GAN examples do (Chollet 2019).
#   The project's tests (`tests/test_gan_step.py`) keep these snapshot checks.

# %% [markdown]
# ## References
#
# - Rosebrock, A. (2017). *Deep Learning for Computer Vision with Python*, Practitioner Bundle.
#   *PyImageSearch* (the book DCGAN and its training loop).
# - Abadi, M. et al. (2016). TensorFlow: a system for large-scale machine learning. *12th USENIX Symposium on
#   Operating Systems Design and Implementation (OSDI 2016)* (graphs traced from Python, XLA).
# - Ioffe, S. and Szegedy, C. (2015). Batch normalization: accelerating deep network training by reducing internal
#   covariate shift. *Proceedings of the 32nd International Conference on Machine Learning (ICML 2015)*, PMLR 37.
# - Chollet, F. (2019). DCGAN to generate face images. *Keras code examples*, keras.io (a GAN written as a
#   `train_step` with explicit variable lists).
