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
