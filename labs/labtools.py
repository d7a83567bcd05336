"""What every lab shares: the setup report, the quick switch, its output folder, the command line, showing PNGs.

A lab imports these from its first cells (`from labtools import ...`); Jupyter starts a
notebook's kernel in the notebook's folder, so this file is found there. A notebook opened on
its own (Colab) fetches this file and installs the package from `REPOSITORY` in its setup cell.

- `REPOSITORY` is the GitHub repository the labs are served from (the project's, which the
  README's `git clone` names): the labs' "Open in Colab" links and setup cells carry copies of it.
  For a fork, `python labs/set_repository.py https://github.com/you/pyimagesearch-gan` rewrites
  it here and in every lab, student and instructor versions.
- `setup()` says which package the kernel imports, where MNIST comes from (a local folder,
  or a one-time download, made now) and whether TensorFlow sees a GPU.

- `QUICK` is True when the environment variable LAB_QUICK is 1: every lab then runs top to
  bottom in about a minute on a laptop CPU, with settings too small to show real results (a
  smoke run, and what the tests run).
- `output_dir(lab)` is LAB_OUTPUT/<lab> (default: output/<lab> beside the notebooks).
- `mnist_sample(folder, digits)` writes 500 training images per digit as an image folder, so a
  lab trains on the same amount of data with the offline sample and with the full download.
- `cli("train --preset ...")` runs `pyimagesearch-gan train --preset ...` inside the kernel,
  exactly as in a terminal, and prints the command first.
- `changed_arrays(before, after)` counts the weight arrays that differ between two snapshots,
  `mean_pairwise_distance(images)` is the mean Euclidean distance over all pairs of images: Lab 2's
  and Lab 4's demonstrations use them until the exercise that writes them is solved.
"""
import os
import shlex
import shutil
from pathlib import Path

# TensorFlow's C++ log lines: XLA and oneDNN notices, and a harmless grappler "remapper failed" error
# that the book discriminator's gradient prints once per compiled step. Python errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib.pyplot as plt  # noqa: E402

from pyimagesearch_gan.commands import main  # noqa: E402
from pyimagesearch_gan.utils import import_tensorflow  # noqa: E402

import_tensorflow()  # without its start-up lines
import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")  # no retracing notes: the labs build many small models on purpose

QUICK = os.environ.get("LAB_QUICK") == "1"
REPOSITORY = "https://github.com/pyimagesearch-gan/pyimagesearch-gan"  # where the labs are served from: set_repository.py


def setup():
    """Print the package, the MNIST source and the accelerator this kernel uses."""
    import pyimagesearch_gan
    from pyimagesearch_gan.data import load_dataset, resolve_data_dir

    print(f"pyimagesearch-gan {pyimagesearch_gan.__version__} from {Path(pyimagesearch_gan.__file__).parent}")
    folder = resolve_data_dir(None, "mnist")
    mnist = load_dataset("mnist")  # reads the folder, or downloads through keras.datasets (11 MB, once)
    local = folder.is_dir() and any(folder.iterdir())
    print(f"MNIST: {len(mnist.images)} training images from {folder if local else 'keras.datasets (~/.keras)'}")
    gpus = tf.config.list_physical_devices("GPU")
    print(f"GPU: {', '.join(gpu.name for gpu in gpus)}" if gpus else "GPU: none, TensorFlow runs on the CPU")
    print(f"LAB_QUICK={'1: a smoke run' if QUICK else 'unset: the full lab'}")


def output_dir(lab):
    """The lab's output folder: $LAB_OUTPUT/<lab>, default output/<lab>."""
    return Path(os.environ.get("LAB_OUTPUT", "output")) / lab


def fresh(folder):
    """`folder`, emptied: a command refuses to write a new run over an existing one."""
    shutil.rmtree(folder, ignore_errors=True)
    return Path(folder)


def mnist_sample(folder, digits, per_digit=500):
    """The first `per_digit` MNIST training images of each of `digits`, written as an image
    folder (<folder>/<digit>/<n>.png, for `--dataset folder`); returns the folder.

    The project's offline MNIST sample holds 500 images per digit; the full download holds
    about 6,000. Training on the same 500 makes every lab's run the same size everywhere.
    """
    import cv2

    from pyimagesearch_gan.data import load_dataset

    mnist = load_dataset("mnist")
    folder = fresh(folder)
    for digit in digits:
        (folder / str(digit)).mkdir(parents=True)
        for i, image in enumerate(mnist.of_class(int(digit))[:per_digit]):
            cv2.imwrite(str(folder / str(digit) / f"{i:04d}.png"), image)
    return folder


def cli(command):
    """Run `pyimagesearch-gan COMMAND` in this kernel, exactly as in a terminal."""
    print("$ pyimagesearch-gan", command, flush=True)
    main(shlex.split(command))


def changed_arrays(before, after):
    """How many arrays differ between two weight snapshots (lists of NumPy arrays)."""
    import numpy as np

    return sum(not np.array_equal(a, b) for a, b in zip(before, after))


def mean_pairwise_distance(images):
    """The mean Euclidean distance over all pairs of different images (any shape (N, ...))."""
    from scipy.spatial.distance import pdist

    return float(pdist(images.reshape(len(images), -1).astype("float64")).mean())


def show(paths, titles=None, size=4.5):
    """PNG files side by side, each titled (default: its folder and name)."""
    paths = [Path(p) for p in paths]
    fig, axes = plt.subplots(1, len(paths), figsize=(size * len(paths), size), squeeze=False)
    for ax, path, title in zip(axes[0], paths, titles or [f"{p.parent.name}/{p.name}" for p in paths]):
        ax.imshow(plt.imread(path), cmap="gray")
        ax.set_title(title)
        ax.axis("off")
    plt.show()


def show_images(images, title="", columns=16, size=0.5):
    """uint8 images (N, H, W, C) as a grid."""
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * size, rows * size + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image in zip(axes.flat, images):
        ax.imshow(image.squeeze(), cmap="gray", vmin=0, vmax=255)
    fig.suptitle(title)
    plt.show()
