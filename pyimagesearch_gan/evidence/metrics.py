"""Distances between real and synthetic image sets, and the classification accuracy score.

- FID (Heusel et al. 2017): Fréchet distance between Gaussians fitted to two feature sets.
- KID (Bińkowski et al. 2018): unbiased MMD^2 with the cubic polynomial kernel
  k(x, y) = (x.y / d + 1)^3, averaged over random subsets. Unlike FID it is unbiased, so
  it is comparable across sample sizes and can be slightly negative for equal distributions.
- CAS (Ravuri & Vinyals 2019): train a classifier on synthetic images and their labels,
  report its accuracy on real images.

Features come from our own feature CNN (see classifiers.py), not Inception, so values
are comparable only between runs that use the same extractor file.
"""

import warnings

import keras
import numpy as np
from scipy import linalg

from pyimagesearch_gan.evidence import classifiers


def features(extractor, images, batch_size=256):
    """Feature vectors (float64) of uint8 images, computed in batches."""
    return classifiers.apply_model(extractor, images, batch_size).astype(np.float64)


def _check_features(feats_a, feats_b):
    a, b = np.asarray(feats_a, np.float64), np.asarray(feats_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"need two (N, d) feature arrays of equal d, got {a.shape} and {b.shape}")
    if min(len(a), len(b)) < 2:
        raise ValueError("need at least 2 feature vectors per set")
    return a, b


def _trace_sqrt_product(cov_a, cov_b):
    """tr(sqrt(cov_a @ cov_b)), retrying with a small ridge when the product is near-singular."""
    mean_variance = max((np.trace(cov_a) + np.trace(cov_b)) / (2 * len(cov_a)), 1e-30)
    for eps in (0.0, 1e-10, 1e-6):
        ridge = eps * mean_variance * np.eye(len(cov_a))
        product = (cov_a + ridge) @ (cov_b + ridge)
        with warnings.catch_warnings():  # singular products are expected; we check the error
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            root = linalg.sqrtm(product)
        if np.all(np.isfinite(root)):
            error = np.linalg.norm(root @ root - product) / max(np.linalg.norm(product), 1e-30)
            if error < 1e-3:
                break
    # Eigenvalues of a product of PSD matrices are real and >= 0; round-off leaves
    # tiny imaginary parts, which carry no information.
    return float(np.trace(root).real)


def frechet_distance(feats_a, feats_b):
    """||mu_a - mu_b||^2 + tr(C_a + C_b - 2 sqrt(C_a C_b)); 0 for identical sets."""
    a, b = _check_features(feats_a, feats_b)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    mean_term = float(np.sum((a.mean(axis=0) - b.mean(axis=0)) ** 2))
    cov_term = float(np.trace(cov_a) + np.trace(cov_b)) - 2.0 * _trace_sqrt_product(cov_a, cov_b)
    return max(mean_term + cov_term, 0.0)


def _unbiased_mmd2(x, y):
    d = x.shape[1]
    k_xx = (x @ x.T / d + 1.0) ** 3
    k_yy = (y @ y.T / d + 1.0) ** 3
    k_xy = (x @ y.T / d + 1.0) ** 3
    m, n = len(x), len(y)
    xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return xx + yy - 2.0 * k_xy.mean()


def kernel_distance(feats_a, feats_b, *, subsets=100, subset_size=1000, seed=0):
    """KID: (mean, std) of the unbiased MMD^2 over `subsets` random subsets of each set."""
    a, b = _check_features(feats_a, feats_b)
    size = min(subset_size, len(a), len(b))
    rng = np.random.default_rng(seed)
    values = [
        _unbiased_mmd2(
            a[rng.choice(len(a), size, replace=False)],
            b[rng.choice(len(b), size, replace=False)],
        )
        for _ in range(subsets)
    ]
    return float(np.mean(values)), float(np.std(values))


def classification_scores(
    synthetic_images,
    synthetic_labels,
    real_images,
    real_labels,
    num_classes,
    *,
    build=classifiers.build_feature_cnn,
    epochs=10,
    batch_size=64,
    seed=0,
    verbose=0,
):
    """How a classifier trained only on synthetic images does on real ones: the scores of
    `classifiers.evaluate_classifier` (its accuracy is the CAS, its confusion gives each class's
    recall). `build(image_shape, num_classes)` returns a compiled classifier (any builder in
    classifiers.py); images are uint8.
    """
    keras.utils.set_random_seed(seed)
    model = build(synthetic_images.shape[1:], num_classes)
    classifiers.fit_classifier(
        model,
        synthetic_images,
        synthetic_labels,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        verbose=verbose,
    )
    return classifiers.evaluate_classifier(model, real_images, real_labels, num_classes)


def classification_accuracy_score(synthetic_images, synthetic_labels, real_images, real_labels, num_classes, **kwargs):
    """CAS: accuracy on real images of a classifier trained only on synthetic ones (the
    keyword arguments of `classification_scores`)."""
    scores = classification_scores(synthetic_images, synthetic_labels, real_images, real_labels, num_classes, **kwargs)
    return scores["accuracy"]
