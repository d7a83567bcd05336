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
# # Lab 6 (optional): where does the time go?
#
# [![Open In Colab][colab-badge]][colab]
#
# [colab-badge]: https://colab.research.google.com/assets/colab-badge.svg
# [colab]: https://colab.research.google.com/github/pyimagesearch-gan/pyimagesearch-gan/blob/main/labs/06_speed.ipynb
#
# The book's training loop (Rosebrock 2017) runs one batch at a time from Python: `generator.predict`, a NumPy
# shuffle, `discriminator.train_on_batch`, `gan.train_on_batch`. The project runs the same
# two updates inside one compiled `train_step` driven by `fit`: a TensorFlow function *traced*
# once into a graph (Lab 2: the first call records the operations, later calls run the recorded
# graph without Python) and optionally compiled further by **XLA** (Accelerated Linear Algebra,
# TensorFlow's compiler, which fuses many small operations into a few compiled kernels; Abadi
# et al. 2016 describe TensorFlow's graphs). With the small models and
# batches of GAN augmentation, most of the book loop's time is not arithmetic at all.
#
# **Learning goals.** After this lab you can
# 1. count the arithmetic (FLOPs) of a training step and compare it with the machine's speed;
# 2. time the book loop against the compiled step, at a small and a large batch, and explain
#    why the gap shrinks with the batch size;
# 3. avoid the per-call overhead of `predict()` in a loop;
# 4. run and read `pyimagesearch-gan bench`.
#
# **Time.** 2 min 21 s in full, 45 s with `LAB_QUICK=1`, measured on 2 CPU cores (shared with other jobs, loaded) (labs/README.md).
# Timings on a shared or busy machine vary by 10% or more; run twice before you believe one.
#
# **Data.** MNIST sevens for the timings (`$PYIMAGESEARCH_GAN_DATA/mnist/`, else a one-time
# download); `bench` uses the NEU images when `$PYIMAGESEARCH_GAN_DATA/neu/` exists and random
# images of the same shape otherwise (the speed is the same).
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
import time

import matplotlib.pyplot as plt
import numpy as np

from labtools import QUICK, cli, fresh, output_dir  # labtools.py beside this notebook

import keras  # noqa: E402  (after labtools, which quiets TensorFlow's start-up)

from pyimagesearch_gan.data import load_dataset, make_pipeline, to_float
from pyimagesearch_gan.models import get_family
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.speed import bench
from pyimagesearch_gan.speed.book_loop import BookLoop, clone_pair
from pyimagesearch_gan.training.trainer import make_gan, make_optimizer

OUT = output_dir("06_speed")
BATCH_SIZES = [16] if QUICK else [16, 128]
STEPS, REPEATS = (3, 1) if QUICK else (20, 3)  # steps per timed round, rounds (the median is kept)
sevens = load_dataset("mnist").of_class(7)
cfg = get_preset("book-mnist")
print(f"quick={QUICK}  batch sizes {BATCH_SIZES}  {STEPS} steps x {REPEATS} rounds")

# %% [markdown]
# ## 1. How much arithmetic is a step?
#
# A Dense layer with `n` inputs and `m` outputs does `n * m` multiply-adds per image, 2 FLOPs
# each. The book generator starts with Dense(100 -> 512) and Dense(512 -> 7*7*64).

# %% [markdown] nbgrader={"grade": false, "grade_id": "e1_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 1.** Compute `dense_gflop`, the GFLOPs of these two layers' forward pass for one
# image, then compare with the package's count of every layer (`bench.mac_layers` lists
# `(layer, multiply-adds per image)`; the cell below prints it).

# %%
generator, discriminator = get_family("book").build(cfg.options().model, 0)
for layer, macs in bench.mac_layers(generator) + bench.mac_layers(discriminator):
    print(f"{layer.name:28s} {2 * macs / 1e9:.5f} GFLOP per image")
step_gflop = {bs: bench.step_flops(generator, discriminator, bs) / 1e9 for bs in BATCH_SIZES}
print("one training step (D update + G update):", {bs: f"{g:.2f} GFLOP" for bs, g in step_gflop.items()})

# %% nbgrader={"grade": false, "grade_id": "e1_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
dense_gflop = 2 * (100 * 512 + 512 * 7 * 7 * 64) / 1e9
### END SOLUTION
print(f"your two Dense layers: {dense_gflop:.5f} GFLOP")

# %% nbgrader={"grade": true, "grade_id": "e1_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false}
_dense = [2 * macs / 1e9 for layer, macs in bench.mac_layers(generator) if isinstance(layer, keras.layers.Dense)]
assert 0 < dense_gflop < 2 * sum(macs for _, macs in bench.mac_layers(generator)) / 1e9
### BEGIN HIDDEN TESTS
assert abs(dense_gflop - sum(_dense)) < 1e-9 and abs(dense_gflop - 0.0033136) < 1e-6
### END HIDDEN TESTS

# %% [markdown]
# A batch-16 step is about 1.6 GFLOP. At the 50-100 GFLOP/s that a few CPU cores sustain
# on these small layers, that is 16-32 ms of arithmetic; whatever a step takes beyond that
# is overhead.
#
# ## 2. The book loop against the compiled step
#
# Both start from the same weights. `bench.time_book` times `BookLoop.step` (the book's loop,
# made correct for Keras 3, Lab 2); `bench.time_fit` times `fit` on the project's `GAN`, whose
# `train_step` is one traced TensorFlow function. XLA "auto" compiles the optimizer updates
# with XLA too (the default of `train`); "off" runs the traced graph without XLA.

# %%
ms = {}
for batch in BATCH_SIZES:
    keras.utils.set_random_seed(0)
    g, d = get_family("book").build(cfg.options().model, 0)
    optimizers = cfg.options().optimizers
    loop = BookLoop(*clone_pair(g, d), d_optimizer=make_optimizer(optimizers, "d"), g_optimizer=make_optimizer(optimizers, "g"))
    ms[("book", batch)] = 1000 * bench.time_book(loop, to_float(sevens), batch, STEPS, REPEATS)
    for xla in ("off", "auto"):
        gan = make_gan(cfg.options(), *clone_pair(g, d), jit_compile=bench.JIT[xla])
        data = make_pipeline(sevens, batch, seed=0)
        ms[(f"step, XLA {xla}", batch)] = 1000 * bench.time_fit(gan, data, STEPS, REPEATS)
for (mode, batch), value in ms.items():
    print(f"batch {batch:4d}  {mode:15s} {value:7.1f} ms/step")

# %% [markdown] nbgrader={"grade": false, "grade_id": "e2_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 2.** From `ms`, compute for each batch size the real images per second of each
# mode (`images_per_second[(mode, batch)]`) and the speed-up of the compiled step (XLA auto)
# over the book loop (`speedup[batch]`). Why is the speed-up smaller at batch 128? (Answer in the
# text cell after the tests.)

# %% nbgrader={"grade": false, "grade_id": "e2_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
images_per_second = {(mode, batch): batch / (value / 1000) for (mode, batch), value in ms.items()}
speedup = {batch: ms[("book", batch)] / ms[("step, XLA auto", batch)] for batch in BATCH_SIZES}
### END SOLUTION
for batch in BATCH_SIZES:
    print(f"batch {batch}: book {images_per_second[('book', batch)]:.0f} images/s, compiled step "
          f"{images_per_second[('step, XLA auto', batch)]:.0f} images/s, speed-up {speedup[batch]:.1f}x")
labels = [f"{mode}\nbatch {batch}" for mode, batch in ms]
plt.figure(figsize=(2 * len(ms), 3))
plt.bar(labels, [batch / (value / 1000) for (_, batch), value in ms.items()])
plt.ylabel("real images / s")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "e2_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert set(images_per_second) == set(ms) and set(speedup) == set(BATCH_SIZES)
assert all(value > 0 for value in images_per_second.values())
### BEGIN HIDDEN TESTS
for (_mode, _batch), _ms in ms.items():
    assert abs(images_per_second[(_mode, _batch)] - _batch * 1000 / _ms) < 1e-6 * _batch * 1000 / _ms
for _batch in BATCH_SIZES:
    assert abs(speedup[_batch] - ms[("book", _batch)] / ms[("step, XLA auto", _batch)]) < 1e-9
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e2_why", "locked": false, "points": 1, "schema_version": 3, "solution": true}
# **Answer.** The book loop pays a fixed cost per step (Python, three Keras calls, `predict`'s
# setup, copies between NumPy and TensorFlow) whatever the batch. At batch 128 the arithmetic
# grows 8 times and that fixed cost becomes a smaller part of the step, so removing it (the
# compiled step) saves a smaller fraction.
#
# **Rubric (1 point).** 1: a fixed overhead per step (Python, Keras calls, `predict`'s set-up,
# copies) against arithmetic that grows with the batch, so the overhead's share, and what
# compiling saves, shrinks. 0.5: "bigger batches are more efficient" without the fixed cost.

# %% [markdown]
# ## 3. `predict()` in a loop
#
# `model.predict` is built for whole data sets: every call sets up a data adapter, an
# iterator and callbacks. The book calls it once per batch. Calling the model directly,
# `generator(noise, training=False)`, runs only the layers.

# %%
noise = np.random.default_rng(0).uniform(-1, 1, (16, 100)).astype("float32")
generator.predict(noise, verbose=0), generator(noise, training=False)  # warm up both
calls = 5 if QUICK else 50
start = time.perf_counter()
for _ in range(calls):
    generator.predict(noise, verbose=0)
predict_ms = 1000 * (time.perf_counter() - start) / calls
start = time.perf_counter()
for _ in range(calls):
    generator(noise, training=False)
call_ms = 1000 * (time.perf_counter() - start) / calls
print(f"predict(): {predict_ms:.1f} ms per batch of 16; direct call: {call_ms:.1f} ms")

# %% [markdown]
# ## 4. The benchmark command
#
# `pyimagesearch-gan bench` times all of this on the NEU model and data, adds the concurrent
# mode (every class GAN in one compiled step), and compares with the machine's measured
# matrix-multiply speed. `--quick` is a smoke test of a few seconds of timing.

# %%
BENCH = fresh(OUT / "bench")
if QUICK:
    cli(f"bench --quick --output {BENCH}")
else:
    cli(f"bench --batch-sizes 16 --xla auto --classes 3 --repeats 2 --output {BENCH}")
print((BENCH / "bench.md").read_text())

# %% [markdown]
# **Exercise 3 (predict, then measure).** In the table, "% of matmul" compares each mode's
# FLOP rate with the machine's best matrix multiply (`matmul_gflops` in `bench.json`). Which of
# these would raise it for the compiled step, and which would not: (a) a bigger batch, (b) more
# classes trained concurrently, (c) XLA for the whole step (`--jit-compile on`), (d) a faster
# Python? Write your predictions as a dict `answers = {"a": "yes", ...}`, each `"yes"` (raises
# it), `"no"` or `"depends"` (raises it at some batch sizes and lowers it at others); they are
# graded by hand with your explanation, not against a key. Then check (a) with this lab's own
# timings: compute `matmul_share[batch]`, the compiled step's (XLA auto) share of the machine's
# matmul speed at each batch size of section 2 (its GFLOP per step, `step_gflop`, over its time,
# `ms`, divided by `matmul_gflops`). Say in the text cell after the tests which predictions held
# and why.

# %% nbgrader={"grade": false, "grade_id": "e3_code", "locked": false, "schema_version": 3, "solution": true}
matmul_gflops = json.loads((BENCH / "bench.json").read_text())["matmul_gflops"]
### BEGIN SOLUTION
answers = {"a": "yes", "b": "yes", "c": "depends", "d": "no"}
matmul_share = {b: step_gflop[b] / (ms[("step, XLA auto", b)] / 1000) / matmul_gflops for b in BATCH_SIZES}
### END SOLUTION
print("predicted:", answers)
print("compiled step, share of matmul:", {b: f"{share:.0%}" for b, share in matmul_share.items()})

# %% nbgrader={"grade": true, "grade_id": "e3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert set(answers) == {"a", "b", "c", "d"}
assert set(answers.values()) <= {"yes", "no", "depends"}, 'each answer is "yes", "no" or "depends"'
assert set(matmul_share) == set(BATCH_SIZES) and all(0 < share < 2 for share in matmul_share.values())
### BEGIN HIDDEN TESTS
for _b in BATCH_SIZES:
    _share = step_gflop[_b] / (ms[("step, XLA auto", _b)] / 1000) / matmul_gflops
    assert abs(matmul_share[_b] - _share) < 1e-6 * _share, (_b, matmul_share[_b], _share)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e3_why", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Answer.** (a) and (b) give each operation more work per dispatch, so the fixed cost per op
# matters less: yes, and the measured share grows from batch 16 to batch 128. (c) depends: XLA
# fuses the many small operations, which helps at batch 16, but at batch 128, where the ops are
# big enough on their own, the speed table of docs/speed.md measured it slower (35% of matmul with
# XLA on, 47% without). (d) no: the compiled step runs almost no Python per step; the book loop
# would gain.
#
# **Rubric (2 points).** 1: the measured shares are read correctly against prediction (a) (a
# higher share at the bigger batch, or what the student's run shows), with the reason: more work
# per operation, the same fixed cost per operation. 1: sensible reasons for (b)-(d): more
# classes per step is more work per dispatch; XLA's fusion helps small operations and may not
# help big ones; the compiled step runs no Python per step. Predictions are not marked against a
# key: a wrong prediction, honestly compared with the measurement and explained, earns the points.

# %% [markdown]
# ## Takeaways
#
# - Small GANs at small batches are overhead-bound: compile the whole step (a `train_step`
#   under `fit`), do not loop over `train_on_batch` and `predict` from Python.
# - The gap closes as the batch grows; at any size, measure before and after a change.
# - `pyimagesearch-gan bench` gives the numbers for your machine; docs/speed.md lists this
#   project's measurements.

# %% [markdown]
# ## References
#
# - Rosebrock, A. (2017). *Deep Learning for Computer Vision with Python*, Practitioner Bundle.
#   *PyImageSearch* (the book DCGAN and its training loop).
# - Abadi, M. et al. (2016). TensorFlow: a system for large-scale machine learning. *12th USENIX Symposium on
#   Operating Systems Design and Implementation (OSDI 2016)* (graphs traced from Python, XLA).
