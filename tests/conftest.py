"""Shared fixtures: the shared data folder, small configs, seeded Keras."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data_root():
    """The folder holding neu/ and mnist/ ($PYIMAGESEARCH_GAN_DATA, else ../shared/datasets)."""
    root = Path(os.environ.get("PYIMAGESEARCH_GAN_DATA", REPO.parent / "shared" / "datasets"))
    if not (root / "neu").is_dir():
        pytest.skip(f"shared data sets not found at {root}")
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
            cv2.imwrite(str(folder / f"{name}_{i:03d}.png"), cv2.GaussianBlur(rng.integers(0, 256, (size, size), dtype="uint8"), (5, 5), 0))
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
