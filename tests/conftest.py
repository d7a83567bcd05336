"""Shared fixtures: the shared data folder, small configs, seeded Keras."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data_root(tmp_path_factory):
    """The folder holding neu/ and mnist/ ($PYIMAGESEARCH_GAN_DATA, else ../shared/datasets);
    where neither has them, small synthetic stand-ins in the same layouts (tests still run)."""
    root = Path(os.environ.get("PYIMAGESEARCH_GAN_DATA", REPO.parent / "shared" / "datasets"))
    if (root / "neu").is_dir() and (root / "mnist").is_dir():
        return root
    print(f"\nshared data sets not found at {root}: the tests use small synthetic NEU and MNIST stand-ins")
    return write_stand_in_data(tmp_path_factory.mktemp("datasets"))


def write_stand_in_data(root, per_class=120, seed=0):
    """NEU-like class folders of 200x200 JPEGs (stored as 3 channels, as NEU) and an offline MNIST
    (a 5,000-row-style CSV train sample and IDX test files), each class a different texture."""
    import gzip

    import cv2
    import numpy as np

    from pyimagesearch_gan.data import NEU_CLASSES, write_idx

    rng = np.random.default_rng(seed)
    for c, name in enumerate(NEU_CLASSES):
        folder = root / "neu" / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            noise = cv2.GaussianBlur(rng.integers(0, 256, (200, 200), dtype="uint8"), (2 * c + 3, 2 * c + 3), 0)
            cv2.imwrite(str(folder / f"{name}_{i + 1}.jpg"), cv2.cvtColor(noise, cv2.COLOR_GRAY2BGR))
    (root / "mnist").mkdir()

    def digits(count):
        labels = np.repeat(np.arange(10), count)
        images = rng.integers(0, 40, (len(labels), 28, 28)).astype("uint8")
        for i, label in enumerate(labels):
            images[i, 4 + 2 * label : 8 + 2 * label, 6:22] = 255  # a bar whose height says the digit
        return images, labels

    images, labels = digits(per_class)
    rows = np.concatenate([images.reshape(len(images), -1), labels[:, None]], axis=1)
    with gzip.open(root / "mnist" / "mnist_5k.csv.gz", "wt") as f:
        np.savetxt(f, rows, fmt="%d", delimiter=",")
    images, labels = digits(per_class // 2)
    write_idx(root / "mnist" / "t10k-images-idx3-ubyte.gz", images)
    write_idx(root / "mnist" / "t10k-labels-idx1-ubyte.gz", labels)
    return root


@pytest.fixture
def small_cfg():
    """The book preset shrunk to a few seconds of work."""
    from pyimagesearch_gan.presets import get_preset

    return get_preset("neu-dcgan").with_overrides({"epochs": 2, "batch_size": 8, "num_benchmark": 16, "seed": 1})


def write_image_tree(root, classes=("a", "b"), count=16, size=28, seed=0):
    """A class-per-subfolder tree of `count` blurred-noise gray PNGs per class (for --dataset folder)."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    for name in classes:
        folder = Path(root) / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            cv2.imwrite(
                str(folder / f"{name}_{i:03d}.png"),
                cv2.GaussianBlur(rng.integers(0, 256, (size, size), dtype="uint8"), (5, 5), 0),
            )
    return Path(root)


@pytest.fixture(name="write_image_tree", scope="session")
def write_image_tree_fixture():
    return write_image_tree


@pytest.fixture(scope="session", autouse=True)
def tensorflow_default_threads():
    """Start TensorFlow with its default thread pools before any test runs.

    A run picks its thread counts only if TensorFlow has not started yet (`accel.set_threads`):
    without this, whichever test trained first would fix them for the whole session, and the
    bit-exact comparisons with training subprocesses (default pools) would depend on test order.
    """
    import tensorflow as tf

    tf.constant(0.0) + 1.0
    yield
