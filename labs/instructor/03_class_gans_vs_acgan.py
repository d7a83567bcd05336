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
# # Lab 3: one GAN per class, or one AC-GAN for all classes?
#
# [![Open In Colab][colab-badge]][colab]
#
# [colab-badge]: https://colab.research.google.com/assets/colab-badge.svg
# [colab]: https://colab.research.google.com/github/pyimagesearch-gan/pyimagesearch-gan/blob/main/labs/03_class_gans_vs_acgan.ipynb
#
# To make labelled synthetic images there are two designs:
#
# - **one unconditional GAN per class** (the book's DCGAN, a deep convolutional GAN: Rosebrock 2017,
#   Lab 1): K small GANs, each sees
#   one class, so whatever it draws has that label;
# - **one conditional GAN** for all classes, here the AC-GAN (Odena et al. 2017): the generator
#   takes noise *and* a class label, and the discriminator also classifies every image
#   (the "auxiliary classifier"), which pushes the generator to draw the class it was asked for.
#
# **Learning goals.** After this lab you can
# 1. train both designs on the same digits and read a conditional montage (a row per class);
# 2. compare their cost: parameters and wall time;
# 3. measure whether generated images carry their label: the accuracy of a classifier trained
#    on real digits, on generated ones; and the *classification accuracy score* (CAS): a
#    classifier trained only on generated images, tested on real ones;
# 4. say which comparison is fair.
#
# **Time.** 11 min 21 s in full, 1 min 15 s with `LAB_QUICK=1`, measured on 2 CPU cores (shared with other jobs, loaded) (labs/README.md).
# `LAB_QUICK=1` is a smoke run: the numbers mean nothing.
#
# **Grading.** Exercises are nbgrader cells: answer cells, test cells with visible asserts (the
# graders add hidden ones) and written answers (labs/README.md).
#
# **Data.** MNIST digits: `$PYIMAGESEARCH_GAN_DATA/mnist/` when that variable points at a
# folder holding `mnist/`, else a one-time download through `keras.datasets`. Both designs
# train on the first 500 training images of each digit (`mnist_sample`, as in Lab 1); the
# measurements use the 10,000-image MNIST test set. The same commands work on the NEU steel
# defects with `--preset acgan-neu` and `--preset neu-dcgan`.

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
import time

import matplotlib.pyplot as plt
import numpy as np

from labtools import QUICK, cli, fresh, mnist_sample, output_dir, show, show_images  # labtools.py beside this notebook
from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.evidence import classifiers, metrics

OUT = output_dir("03_class_gans_vs_acgan")
DIGITS = [0, 1] if QUICK else [0, 1, 7]  # in increasing order (class folders sort by name)
CLASSES = ",".join(map(str, DIGITS))
BOOK = "--batch-size 64 --epochs 1 --set num_benchmark=64" if QUICK else "--batch-size 16 --epochs 30"
ACGAN = "--batch-size 100 --epochs 1" if QUICK else "--batch-size 32 --epochs 8"
COUNT = 64 if QUICK else 500  # generated images per class for the measurements
CLF_EPOCHS = 1 if QUICK else 5
SAMPLE = mnist_sample(OUT / "mnist_500", DIGITS)  # 500 training images per digit: <SAMPLE>/<digit>/*.png
print(f"quick={QUICK}  digits={CLASSES}  output={OUT}")

# %% [markdown]
# ## 1. What does each design cost?
#
# Every model family of the package has `build(cfg, num_classes) -> (generator,
# discriminator)`; a preset gives the `cfg`. The package's AC-GAN preset, `acgan-fashion-mnist`,
# follows Mudavathu and Chandra Sekhara Rao's *Building Adversarial Networks to Augment Image
# Data Sets* (2018 or later; an AC-GAN written for Fashion-MNIST, see the references); here it runs
# on our MNIST digits with `--dataset folder`.

# %% [markdown] nbgrader={"grade": false, "grade_id": "e1_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 1.** Count the trainable parameters of the two designs for our `DIGITS`: all the
# book GANs together (one generator and one discriminator per digit) in `book_params`, the
# one AC-GAN in `acgan_params`. (`model.count_params()` counts a model's weights.)
# Which do you expect to train faster per image? (Answer in the text cell after the tests.)

# %%
from pyimagesearch_gan.models import get_family
from pyimagesearch_gan.presets import get_preset

book_cfg = get_preset("book-mnist")
acgan_cfg = get_preset("acgan-fashion-mnist").with_overrides({"dataset": "mnist"})

# %% nbgrader={"grade": false, "grade_id": "e1_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
book_params = len(DIGITS) * sum(m.count_params() for m in get_family("book").build(book_cfg.options().model, 0))
acgan_params = sum(m.count_params() for m in get_family("acgan").build(acgan_cfg.options().model, len(DIGITS)))
### END SOLUTION
print(f"{len(DIGITS)} book GANs: {book_params:,} parameters; one AC-GAN: {acgan_params:,}")

# %% nbgrader={"grade": true, "grade_id": "e1_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert book_params > 0 and acgan_params > 0
assert book_params % len(DIGITS) == 0, "the same two networks for every digit"
### BEGIN HIDDEN TESTS
assert book_params == len(DIGITS) * sum(m.count_params() for m in get_family("book").build(book_cfg.options().model, 0))
assert acgan_params == sum(m.count_params() for m in get_family("acgan").build(acgan_cfg.options().model, len(DIGITS)))
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e1_why", "locked": false, "points": 1, "schema_version": 3, "solution": true}
# **Answer.** A count of parameters does not say: a convolution applies its few weights at every
# pixel, so the cost per image is the arithmetic (multiply-adds), not the weights. The AC-GAN has
# fewer parameters than three book GANs but convolves 128 channels at 14x14 and 28x28, so each of
# its images costs more; the book generator's big Dense layers are many weights but little work.
#
# **Rubric (1 point).** 1: a prediction that separates parameters from arithmetic (convolutions
# reuse their weights at every pixel, so the cost per image follows the multiply-adds), whichever
# design it names, checked against the wall times of section 2. 0.5: a prediction from the
# parameter counts alone. 0: no reason.

# %% [markdown]
# ## 2. Train both
#
# Both designs train on the same images; the cell times each command, to check your prediction.

# %%
BOOK_RUN, ACGAN_RUN = fresh(OUT / "book"), fresh(OUT / "acgan")
seconds = {}
start = time.perf_counter()
cli(f"train --preset book-mnist --dataset folder --data-dir {SAMPLE} {BOOK} --output {BOOK_RUN}")
seconds["book, one GAN per digit"] = time.perf_counter() - start
start = time.perf_counter()
cli(f"train --preset acgan-fashion-mnist --dataset folder --data-dir {SAMPLE} {ACGAN} --output {ACGAN_RUN}")
seconds["AC-GAN"] = time.perf_counter() - start
for name, value in seconds.items():
    print(f"{name}: {value:.0f} s")

# %% [markdown]
# An AC-GAN run has one GAN folder (`open_run` reads the run's manifest to find it); its
# montage has **one row per class**, and every column uses the same noise vector: if the
# generator separates "what digit" (the label) from "how it is written" (the noise), a column
# shows one style across digits. Its loss plot has a second panel: the auxiliary
# classifier's accuracy on real (`acc_real`) and generated (`acc_fake`) images.

# %%
from pyimagesearch_gan.runs import open_run

acgan_folder = ACGAN_RUN / open_run(ACGAN_RUN).gans[0]  # the run's one GAN folder ("all": every class of the data)
last = sorted(acgan_folder.glob("epoch_*.png"))[-1]
show([last], [f"AC-GAN, {last.stem}"], size=8)
show([acgan_folder / "loss.png"], ["AC-GAN losses and accuracies"], size=8)
book_last = sorted((BOOK_RUN / str(DIGITS[-1])).glob("epoch_*.png"))[-1]
show([BOOK_RUN / str(DIGITS[-1]) / "real.png", book_last], [f"real {DIGITS[-1]}", f"book GAN, {book_last.stem}"])

# %% [markdown]
# Look along the rows: after a short run, the AC-GAN often draws nearly the same image in
# every column of a row. Its generator has learned to use the label and largely ignores the
# noise. A generator that draws only one or a few distinct images whatever its noise suffers
# **mode collapse** (the "Helvetica scenario" of Goodfellow et al. 2014; Lab 4 measures it):
# here a mild collapse inside each class. The book GANs' montages vary more.
#
# ## 3. Synthetic data sets
#
# `generate` writes N images per class into class folders (the layout
# `keras.utils.image_dataset_from_directory` reads), from the final generators. We read them
# back with the package's data layer (`--dataset folder`: one subfolder per class).

# %%
synthetic = {}
for name, run in (("book", BOOK_RUN), ("AC-GAN", ACGAN_RUN)):
    folder = fresh(OUT / f"synthetic_{name}")
    cli(f"generate {run} --count {COUNT} --output {folder}")
    synthetic[name] = load_dataset("folder", folder)  # labels 0..K-1 in the order of DIGITS
    show_images(synthetic[name].images[::COUNT // 8], f"{name}: 8 per class")

# %% [markdown]
# ## 4. Do the images carry their label?
#
# A classifier trained on **real** digits (the package's small feature CNN) is our judge.
# First its accuracy on the real test set (how good a judge it is), then on each synthetic set.

# %%
def digits_only(images):
    """The images of DIGITS, labels 0..K-1 in the order of DIGITS."""
    kept = images.subset(DIGITS)
    return kept.images, np.searchsorted(DIGITS, kept.labels)


real = load_dataset("folder", SAMPLE)  # the GANs' training images, labels 0..K-1 in the order of DIGITS
real_x, real_y = real.images, real.labels
test_x, test_y = digits_only(load_dataset("mnist", split="test"))
judge = classifiers.train_feature_cnn(real_x, real_y, len(DIGITS), epochs=CLF_EPOCHS, seed=0, verbose=0)
judge_accuracy = classifiers.evaluate_classifier(judge, test_x, test_y, len(DIGITS))["accuracy"]
print(f"judge on real test digits: {judge_accuracy:.3f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "e2_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 2.** For each synthetic set, compute the judge's accuracy per digit: the
# fraction of generated images of digit d that the judge classifies as d. Store a dict
# `label_accuracy = {"book": [acc of digit 0, ...], "AC-GAN": [...]}`.
# (`classifiers.apply_model(model, uint8_images)` returns class probabilities.)

# %% nbgrader={"grade": false, "grade_id": "e2_code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
label_accuracy = {}
for name, images in synthetic.items():
    predicted = classifiers.apply_model(judge, images.images).argmax(axis=1)
    label_accuracy[name] = [float(np.mean(predicted[images.labels == k] == k)) for k in range(len(DIGITS))]
### END SOLUTION
for name, values in label_accuracy.items():
    print(f"{name:7s}", "  ".join(f"digit {d}: {v:.2f}" for d, v in zip(DIGITS, values)))

# %% nbgrader={"grade": true, "grade_id": "e2_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert set(label_accuracy) == set(synthetic), "one entry per synthetic set"
assert all(len(v) == len(DIGITS) and all(0 <= a <= 1 for a in v) for v in label_accuracy.values())
### BEGIN HIDDEN TESTS
for _name, _set in synthetic.items():
    _predicted = classifiers.apply_model(judge, _set.images).argmax(axis=1)
    _expected = [np.mean(_predicted[_set.labels == k] == k) for k in range(len(DIGITS))]
    assert np.allclose(label_accuracy[_name], _expected), _name
### END HIDDEN TESTS

# %% [markdown]
# A generated image can be recognisable and still be a poor training image: all the
# generated sevens may look like the same seven. The **classification accuracy score**
# (Ravuri and Vinyals 2019) asks the question augmentation cares about: train a classifier only on synthetic images,
# test it on real ones. `metrics.classification_accuracy_score` does that (the `evaluate`
# command reports it for every saved epoch of a run).

# %%
cas = {name: metrics.classification_accuracy_score(s.images, s.labels, test_x, test_y, len(DIGITS),
                                                    epochs=CLF_EPOCHS, seed=0)
       for name, s in synthetic.items()}
cas["real images (ceiling)"] = metrics.classification_accuracy_score(real_x, real_y, test_x, test_y, len(DIGITS),
                                                                     epochs=CLF_EPOCHS, seed=0)
fig, ax = plt.subplots(1, 2, figsize=(10, 3))
ax[0].barh(list(cas), list(cas.values()))
ax[0].set(xlim=(0, 1), title="CAS: trained on these, tested on real")
ax[1].barh(list(seconds), list(seconds.values()))
ax[1].set(title="training wall time (s)")
plt.tight_layout()
plt.show()
print({name: round(value, 3) for name, value in cas.items()})

# %% [markdown]
# In our full run the judge recognised 93-100% of both designs' digits, yet a classifier
# trained on the AC-GAN's images scored far lower on real digits than one trained on the book
# GANs' images (CAS 0.74 against 0.97; real images: 0.98): images that all look alike teach a
# classifier one way to write each digit. Your numbers will differ with the settings; the
# gap between "recognisable" and "useful" is the point.

# %% [markdown] nbgrader={"grade": false, "grade_id": "e3_task", "locked": true, "schema_version": 3, "solution": false}
# **Exercise 3 (a fair comparison?).** The two runs above differ in more than the design:
# batch size, number of updates, images seen, wall time. Compute for each run how many
# *real images* its discriminators saw in all (`images_seen = {"book": ..., "AC-GAN": ...}`,
# using `images per digit = 500`, the batch sizes and epochs in `BOOK` and `ACGAN`, and the
# fact that both drop the last partial batch of an epoch). Then write down which budget you
# would hold equal for a fair comparison (images seen? updates? wall time?) and why, in the text
# cell after the tests.

# %% nbgrader={"grade": false, "grade_id": "e3_code", "locked": false, "schema_version": 3, "solution": true}
def flag(settings, name):
    words = settings.split()
    return int(words[words.index(name) + 1])


### BEGIN SOLUTION
per_digit = 500
book_batch, book_epochs = flag(BOOK, "--batch-size"), flag(BOOK, "--epochs")
acgan_batch, acgan_epochs = flag(ACGAN, "--batch-size"), flag(ACGAN, "--epochs")
images_seen = {
    "book": len(DIGITS) * (per_digit // book_batch) * book_batch * book_epochs,  # each digit GAN its own epochs
    "AC-GAN": (len(DIGITS) * per_digit // acgan_batch) * acgan_batch * acgan_epochs,  # one GAN, all digits
}
### END SOLUTION
print(images_seen)

# %% nbgrader={"grade": true, "grade_id": "e3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert set(images_seen) == {"book", "AC-GAN"}
assert all(seen > 0 for seen in images_seen.values())
### BEGIN HIDDEN TESTS
assert images_seen["book"] == len(DIGITS) * (500 // flag(BOOK, "--batch-size")) * flag(BOOK, "--batch-size") * flag(
    BOOK, "--epochs")
_acgan_batch = flag(ACGAN, "--batch-size")
assert images_seen["AC-GAN"] == (len(DIGITS) * 500 // _acgan_batch) * _acgan_batch * flag(ACGAN, "--epochs")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "e3_why", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Answer.** Wall time is what a user pays, so time-matched runs are the practical comparison;
# images seen (or updates) matched is the algorithmic one, independent of the machine. Here the
# book GANs saw several times the AC-GAN's images. Report the budget you held equal (ideally two
# of them), and train each design long enough that its montages and measurements stopped
# improving, so that neither is judged before it converged.
#
# **Rubric (2 points).** 1: names one budget to hold equal (images seen, updates or wall time)
# with a reason tied to the question asked (the algorithm, or what a user pays). 1: notices that
# the runs above are not equal (the book GANs saw several times the AC-GAN's images) and says what
# else must hold for fairness (the same real images, each design trained until it stops
# improving, or reporting which budget was held). 0.5 for a budget without a reason.

# %% [markdown]
# ## Takeaways
#
# - One GAN per class: small models, each image's label is guaranteed, cost grows with the
#   number of classes. One AC-GAN: one model, labels learned (check them!), classes share
#   what they have in common, and a bigger network per image.
# - "Recognisable" (the judge) and "useful for training" (CAS) are different questions.
# - Compare designs at equal budgets, and say which budget.
#
# **Try next:** `pyimagesearch-gan evaluate RUN_DIR` on both runs (FID, KID and CAS of every
# saved epoch, Lab 7); the NEU presets `neu-dcgan` and `acgan-neu` on the steel defects.

# %% [markdown]
# ## References
#
# - Goodfellow, I., Pouget-Abadie, J., Mirza, M., Xu, B., Warde-Farley, D., Ozair, S., Courville, A. and
#   Bengio, Y. (2014). Generative adversarial nets. *Advances in Neural Information Processing Systems 27* (NeurIPS 2014).
# - Odena, A., Olah, C. and Shlens, J. (2017). Conditional image synthesis with auxiliary classifier GANs.
#   *Proceedings of the 34th International Conference on Machine Learning (ICML 2017)*, PMLR 70.
# - Ravuri, S. and Vinyals, O. (2019). Classification accuracy score for conditional generative models.
#   *Advances in Neural Information Processing Systems 32* (NeurIPS 2019; CAS).
# - Rosebrock, A. (2017). *Deep Learning for Computer Vision with Python*, Practitioner Bundle.
#   *PyImageSearch* (the book DCGAN and its training loop).
# - Mudavathu, K. D. B. and Chandra Sekhara Rao, M. V. P. (2018 or later: undated; it cites work of 2018).
#   *Building adversarial networks to augment image data sets*. Manuscript; no venue given (an AC-GAN for Fashion-MNIST in Keras,
#   the project's `acgan-fashion-mnist` preset).
