"""Evidence metrics: FID/KID values, exact nearest neighbours, the near-copy report, classifiers."""

import json
import math
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest

from pyimagesearch_gan.data import ImageSet
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.evidence import classifiers, metrics, neighbors

SIZE = 16  # image side for the synthetic image sets


# ---------------------------------------------------------------- helpers


def gaussian_features(n, d=16, seed=0):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) / math.sqrt(d)
    return rng.normal(size=(n, d)) @ mixing


def two_class_images(n_per_class, seed=0, size=SIZE):
    """Noisy uint8 images: class 0 bright on top, class 1 bright at the bottom."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 100, size=(2 * n_per_class, size, size, 1)).astype(np.uint8)
    images[:n_per_class, : size // 2] += 120
    images[n_per_class:, size // 2 :] += 120
    labels = np.repeat([0, 1], n_per_class).astype(np.int32)
    return images, labels


def image_set(images, labels, tag):
    files = [f"{tag}/img_{i}.png" for i in range(len(images))]
    return ImageSet(images, labels, ["a", "b"], files, [])


@pytest.fixture(scope="module")
def feature_model():
    keras.utils.set_random_seed(0)
    return classifiers.build_feature_cnn((SIZE, SIZE, 1), 2)


# ---------------------------------------------------------------- FID


def test_fid_of_a_set_with_itself_is_zero():
    a = gaussian_features(500)
    scale = np.trace(np.cov(a, rowvar=False))
    assert metrics.frechet_distance(a, a) < 1e-3 * scale


def test_fid_grows_with_noise_and_is_symmetric():
    a = gaussian_features(800, seed=1)
    rng = np.random.default_rng(2)
    values = [metrics.frechet_distance(a, a + s * rng.normal(size=a.shape)) for s in (0.1, 0.3, 1, 3)]
    assert all(x < y for x, y in zip(values, values[1:])), values
    b = gaussian_features(600, seed=3) + 0.5
    assert metrics.frechet_distance(a, b) == pytest.approx(metrics.frechet_distance(b, a), rel=1e-6)


def test_fid_matches_the_eigenvalue_formula():
    a, b = gaussian_features(400, seed=4), 2 * gaussian_features(300, seed=5) + 1
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    trace_root = np.sum(np.sqrt(np.clip(np.linalg.eigvals(ca @ cb).real, 0, None)))
    expected = np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(ca) + np.trace(cb) - 2 * trace_root
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)


def test_fid_is_finite_real_and_nonnegative_for_singular_covariances():
    rng = np.random.default_rng(6)
    a = np.zeros((10, 32))  # fewer samples than dimensions, and dead (ReLU-like) features
    a[:, :5] = rng.normal(size=(10, 5))
    b = np.zeros((12, 32))
    b[:, 3:9] = rng.normal(size=(12, 6))
    value = metrics.frechet_distance(a, b)
    assert isinstance(value, float) and np.isfinite(value) and value > 0
    assert metrics.frechet_distance(a, a) < 1e-6


# ---------------------------------------------------------------- KID


def brute_force_mmd2(x, y):
    d = x.shape[1]
    k = lambda u, v: (u @ v / d + 1) ** 3  # noqa: E731
    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_kid_is_the_exact_unbiased_estimator():
    x, y = gaussian_features(6, d=4, seed=7), gaussian_features(6, d=4, seed=8) + 0.3
    mean, std = metrics.kernel_distance(x, y, subsets=1, subset_size=6)
    assert mean == pytest.approx(brute_force_mmd2(x, y), rel=1e-9)
    assert std == 0.0


def test_kid_is_unbiased_on_small_sets_and_positive_for_different_distributions():
    rng = np.random.default_rng(9)
    same = [
        metrics.kernel_distance(rng.normal(size=(15, 8)), rng.normal(size=(15, 8)), subsets=1, subset_size=15)[0]
        for _ in range(300)
    ]
    standard_error = np.std(same) / math.sqrt(len(same))
    assert abs(np.mean(same)) < 3 * standard_error
    assert min(same) < 0  # an unbiased estimate of 0 must sometimes be negative
    different, _ = metrics.kernel_distance(
        rng.normal(size=(200, 8)), rng.normal(size=(200, 8)) + 1, subsets=20, subset_size=100
    )
    assert different > 20 * standard_error


# ---------------------------------------------------------------- nearest neighbours


def test_nearest_matches_brute_force():
    rng = np.random.default_rng(10)
    query = rng.integers(0, 256, size=(37, 6, 6, 1), dtype=np.uint8)
    reference = rng.integers(0, 256, size=(101, 6, 6, 1), dtype=np.uint8)
    distances, indices = neighbors.nearest(query, reference, 4, chunk_size=10)
    diff = query.reshape(37, 1, -1).astype(np.float64) - reference.reshape(1, 101, -1)
    brute = np.sqrt((diff**2).sum(-1))
    expected = np.argsort(brute, axis=1)[:, :4]
    assert distances.dtype == np.float32 and distances.shape == (37, 4)
    np.testing.assert_array_equal(indices, expected)
    np.testing.assert_allclose(distances, np.take_along_axis(brute, expected, 1), rtol=1e-5)


def test_nearest_reports_exact_copies_at_distance_zero():
    # On 64x64x3 images the ||a||^2 - 2ab + ||b||^2 trick alone leaves float32 round-off.
    reference = np.random.default_rng(11).integers(0, 256, size=(60, 64, 64, 3), dtype=np.uint8)
    copies = [3, 17, 29, 41, 58]
    distances, indices = neighbors.nearest(reference[copies], reference, 2)
    np.testing.assert_array_equal(distances[:, 0], 0.0)
    np.testing.assert_array_equal(indices[:, 0], copies)
    assert np.all(distances[:, 1] > 0)


def test_nearest_works_on_feature_vectors():
    reference = gaussian_features(50, d=8, seed=12)
    distances, indices = neighbors.nearest(reference[[7]] + 1e-3, reference, 1)
    assert indices[0, 0] == 7 and distances[0, 0] == pytest.approx(1e-3 * math.sqrt(8), rel=1e-3)


def test_near_copy_threshold_is_the_percentile_of_real_distances():
    rng = np.random.default_rng(13)
    train, held = rng.normal(size=(200, 5)), rng.normal(size=(100, 5))
    d = np.sqrt(((held[:, None] - train[None]) ** 2).sum(-1)).min(1)
    assert neighbors.near_copy_threshold(train, held, 5.0) == pytest.approx(np.percentile(d, 5), rel=1e-5)


# ---------------------------------------------------------------- the neighbours report

ODD_NAME = "Copy of #3 (final) é.PNG"


@pytest.fixture()
def planted(tmp_path):
    """Train/held-out sets and a generated folder where one file is training image 3."""
    train = image_set(*two_class_images(30, seed=20), "train")
    held_out = image_set(*two_class_images(10, seed=21), "held")
    fakes, _ = two_class_images(4, seed=22)
    gen = tmp_path / "generated"
    for name, images in (("a", fakes[:4]), ("b", fakes[4:])):
        (gen / name).mkdir(parents=True)
        for i, image in enumerate(images):
            cv2.imwrite(str(gen / name / f"{i:03d}.png"), image)
    ok, png = cv2.imencode(".png", train.images[3])
    (gen / "a" / ODD_NAME).write_bytes(png.tobytes())
    return train, held_out, gen


def figure_shape(rows, k, spaces):
    scale = math.ceil(neighbors.MIN_TILE / SIZE)
    tile = SIZE * scale + 2
    return rows * tile, (1 + k * spaces) * tile + spaces * neighbors.SEPARATOR, 3


def test_planted_copy_is_found_and_flagged(planted, tmp_path, feature_model, capsys):
    train, held_out, gen = planted
    out = tmp_path / "out" / "neighbors"
    extractor = classifiers.feature_extractor(feature_model)
    neighbors.run_neighbors(gen, train, held_out, extractor=extractor, k=3, output_dir=out)

    report = json.loads((out / "report.json").read_text())
    copy = [c for c in report["near_copies"] if c["file"].endswith(ODD_NAME)]
    assert len(copy) == 1
    assert copy[0]["distance"] == 0.0 and copy[0]["train_file"] == "train/img_3.png"
    assert copy[0]["class"] == "a" and report["near_copies"][0] == copy[0]  # closest first
    assert report["classes"]["a"]["pixel"]["generated"]["count"] == 5
    assert report["classes"]["a"]["feature"]["held_out"]["count"] == 10
    assert 0 < report["classes"]["a"]["threshold"] < report["classes"]["a"]["pixel"]["held_out"]["mean"]
    # The closest held-out image is below the threshold (the 1st percentile) but, being noise like
    # every image here, has another training image almost as close: the ratio test clears it.
    assert report["classes"]["a"]["below_threshold"] == 1 and report["classes"]["a"]["near_copies"] == 1
    assert report["classes"]["a"]["held_out_flagged_fraction"] == 0.0
    assert copy[0]["ratio"] == 0.0 and copy[0]["second_distance"] > 0
    assert report["ratio"] == pytest.approx(1 / 3) and "second-nearest" in report["rule"]

    figure = cv2.imread(str(out / "neighbors_a.png"))
    assert figure.shape == figure_shape(rows=5, k=3, spaces=2)
    assert cv2.imread(str(out / "neighbors_b.png")).shape == figure_shape(rows=4, k=3, spaces=2)
    markdown, console = (out / "report.md").read_text(), capsys.readouterr().out
    assert ODD_NAME in markdown and ODD_NAME in console
    assert report["rule"] in markdown and report["rule"] in console
    assert [p.name for p in out.parent.iterdir()] == ["neighbors"]  # no temporary folders left


def test_rerun_replaces_the_output_folder(planted, tmp_path):
    train, held_out, gen = planted
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    report = neighbors.run_neighbors(gen, train, held_out, k=2, output_dir=out)
    assert "feature" not in report["classes"]["a"]
    assert sorted(p.name for p in out.iterdir()) == ["neighbors_a.png", "neighbors_b.png", "report.json", "report.md"]
    assert cv2.imread(str(out / "neighbors_a.png")).shape == figure_shape(rows=5, k=2, spaces=1)


def test_class_folder_mismatch_is_a_user_error(planted, tmp_path):
    train, held_out, gen = planted
    (gen / "b").rename(gen / "zebra")
    out = tmp_path / "out"
    with pytest.raises(UserError, match="zebra.*a, b"):
        neighbors.run_neighbors(gen, train, held_out, output_dir=out)
    assert not out.exists()


def test_held_out_set_must_cover_the_generated_classes(planted, tmp_path):
    train, held_out, gen = planted
    only_a = held_out.subset([0])
    with pytest.raises(UserError, match="no images of class b"):
        neighbors.run_neighbors(gen, train, only_a, output_dir=tmp_path / "o")
    renamed = image_set(held_out.images, held_out.labels, "held")
    renamed.class_names = ["a", "c"]
    with pytest.raises(UserError, match="held-out set has classes"):
        neighbors.run_neighbors(gen, train, renamed, output_dir=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_missing_generated_folder_is_a_user_error(planted, tmp_path):
    train, held_out, _ = planted
    with pytest.raises(UserError, match="nowhere"):
        neighbors.run_neighbors(tmp_path / "nowhere", train, held_out, output_dir=tmp_path / "o")


# ---------------------------------------------------------------- the near-copy rule


def flat_and_textured(n_textured, n_flat, rng, size=SIZE):
    """Noisy textured images, then nearly flat ones (grey 120-136, a little noise), as uint8."""
    textured = rng.normal(128, 40, size=(n_textured, size, size, 1))
    levels = rng.uniform(120, 136, size=(n_flat, 1, 1, 1))
    flat = levels + rng.normal(0, 3, size=(n_flat, size, size, 1))
    return np.clip(np.concatenate([textured, flat]), 0, 255).round().astype(np.uint8)


def write_class_folders(root, classes):
    for name, images in classes.items():
        (root / name).mkdir(parents=True)
        for i, image in enumerate(images):
            cv2.imwrite(str(root / name / f"{name}_{i:03d}.png"), image)
    return root


@pytest.fixture()
def textures():
    """Class a: 60 textured and 10 nearly flat training images, 30 + 5 held out; class b: textured."""
    rng = np.random.default_rng(60)
    train = np.concatenate([flat_and_textured(60, 10, rng), flat_and_textured(20, 0, rng)])
    held = np.concatenate([flat_and_textured(30, 5, rng), flat_and_textured(10, 0, rng)])
    labels = lambda n_a, n_b: np.repeat([0, 1], [n_a, n_b]).astype(np.int32)  # noqa: E731
    return image_set(train, labels(70, 20), "train"), image_set(held, labels(35, 10), "held")


def bland(count, seed):
    """Flat grey images, the output of an undertrained GAN."""
    levels = np.random.default_rng(seed).uniform(120, 136, size=(count, 1, 1, 1))
    return np.broadcast_to(levels, (count, SIZE, SIZE, 1)).round().astype(np.uint8)


def test_flag_copies_rule():
    d1, d2 = np.array([0, 0, 10, 10, 10, 30]), np.array([0, 5, 40, 20, np.inf, 100])
    np.testing.assert_array_equal(
        neighbors.flag_copies(d1, d2, threshold=20, ratio=1 / 3), [True, True, True, False, True, False]
    )
    np.testing.assert_array_equal(
        neighbors.flag_copies(d1, d2, threshold=20, ratio=0), [True, True, False, False, False, False]
    )


def test_distinct_keeps_the_first_of_identical_images():
    images = np.zeros((5, 2, 2, 1), np.uint8)
    images[1] = images[3] = 7
    np.testing.assert_array_equal(neighbors.distinct(images), [True, True, False, False, False])
    mask = np.array([False, True, True, True, True])
    np.testing.assert_array_equal(neighbors.distinct(images, mask), [False, True, True, False, False])


def test_bland_images_near_flat_training_images_are_not_copies(textures, tmp_path):
    train, held_out = textures
    gen = write_class_folders(tmp_path / "gen", {"a": bland(30, seed=61)})
    report = neighbors.run_neighbors(gen, train, held_out, k=3, output_dir=tmp_path / "out")
    a = report["classes"]["a"]
    assert a["below_threshold"] >= 20  # closeness alone would call most of them copies
    assert a["near_copies"] <= 2 and len(report["near_copies"]) == a["near_copies"]
    assert a["held_out_flagged_fraction"] <= 0.05
    assert 0.5 < a["median_ratio"]["generated"] < 1


def test_exact_and_near_copies_are_flagged(textures, tmp_path):
    train, held_out = textures
    rng = np.random.default_rng(62)
    exact = train.images[[5, 65]]  # a textured and a nearly flat training image
    near = np.clip(train.images[[7]] + rng.normal(0, 2, size=(1, SIZE, SIZE, 1)), 0, 255).astype(np.uint8)
    gen = write_class_folders(tmp_path / "gen", {"a": np.concatenate([bland(10, seed=63), exact, near])})
    report = neighbors.run_neighbors(gen, train, held_out, k=3, output_dir=tmp_path / "out")
    copies = {Path(c["file"]).name: c for c in report["near_copies"]}
    assert copies["a_010.png"]["train_file"] == "train/img_5.png" and copies["a_010.png"]["distance"] == 0
    assert copies["a_011.png"]["train_file"] == "train/img_65.png" and copies["a_011.png"]["distance"] == 0
    assert copies["a_012.png"]["train_file"] == "train/img_7.png" and copies["a_012.png"]["ratio"] < 0.1
    assert len(copies) <= 4

    figure = cv2.imread(str(tmp_path / "out" / "neighbors_a.png"))
    tile = math.ceil(neighbors.MIN_TILE / SIZE) * SIZE + 2
    red_border = [tuple(figure[row * tile, 0]) == neighbors.RED for row in range(len(figure) // tile)]
    assert red_border[:3] == [True] * 3 and sum(red_border) == len(copies)  # near-copies come first


def test_copies_of_a_duplicated_training_image_are_flagged(textures, tmp_path):
    train, held_out = textures
    twice = image_set(np.concatenate([train.images, train.images[[9]]]), np.append(train.labels, 0), "train")
    near = np.clip(train.images[9].astype(int) + 2, 0, 255).astype(np.uint8)
    gen = write_class_folders(tmp_path / "gen", {"a": np.stack([train.images[9], near])})
    report = neighbors.run_neighbors(gen, twice, held_out, k=3, output_dir=tmp_path / "out")
    assert report["train_exact_duplicates"] == 1
    copies = {Path(c["file"]).name: c for c in report["near_copies"]}
    assert sorted(copies) == ["a_000.png", "a_001.png"]
    assert copies["a_000.png"]["ratio"] == 0 and copies["a_000.png"]["second_distance"] > 0
    assert copies["a_001.png"]["ratio"] < 0.1  # the second copy of image 9 is not its second neighbour


def test_ratio_zero_flags_only_exact_copies(textures, tmp_path):
    train, held_out = textures
    near = np.clip(train.images[[7]] + 1, 0, 255).astype(np.uint8)
    gen = write_class_folders(tmp_path / "gen", {"a": np.concatenate([train.images[[5]], near])})
    report = neighbors.run_neighbors(gen, train, held_out, output_dir=tmp_path / "out", ratio=0)
    assert [Path(c["file"]).name for c in report["near_copies"]] == ["a_000.png"]
    with pytest.raises(UserError, match="--ratio"):
        neighbors.run_neighbors(gen, train, held_out, output_dir=tmp_path / "o", ratio=1.5)


def test_classes_restricts_the_generated_classes_checked(textures, tmp_path):
    train, held_out = textures
    only_a = train.subset([0]), held_out.subset([0])  # the real images of --classes a
    gen = write_class_folders(tmp_path / "gen", {"a": bland(4, seed=64), "b": train.images[-3:]})
    report = neighbors.run_neighbors(gen, *only_a, k=2, output_dir=tmp_path / "out", classes=["a"])
    assert list(report["classes"]) == ["a"] and report["generated"] == 4
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["neighbors_a.png", "report.json", "report.md"]
    with pytest.raises(UserError, match="no images of class b"):
        neighbors.run_neighbors(gen, *only_a, output_dir=tmp_path / "o")
    with pytest.raises(UserError, match="unknown class 'c' in --classes"):
        neighbors.run_neighbors(gen, *only_a, output_dir=tmp_path / "o", classes=["a", "c"])
    (gen / "b").rename(tmp_path / "b")
    with pytest.raises(UserError, match="no class folder .*b for class b of --classes"):
        neighbors.run_neighbors(gen, train, held_out, output_dir=tmp_path / "o", classes=["a", "b"])
    assert not (tmp_path / "o").exists()


def test_manifest_of_generate_gives_no_warning(textures, tmp_path, capsys):
    train, held_out = textures
    gen = write_class_folders(tmp_path / "gen", {"a": bland(3, seed=65)})
    (gen / "manifest.json").write_text(json.dumps({"dataset": "folder", "classes": ["a"]}))
    neighbors.run_neighbors(gen, train, held_out, output_dir=tmp_path / "out")
    assert capsys.readouterr().err == ""
    (gen / "notes.txt").write_text("not an image")
    neighbors.run_neighbors(gen, train, held_out, output_dir=tmp_path / "out")
    err = capsys.readouterr().err
    assert "notes.txt" in err and "manifest.json" not in err


# ---------------------------------------------------------------- classifiers


def count(model):
    return sum(int(np.prod(w.shape)) for w in model.weights)


def test_s4_mlp_has_the_hand_counted_parameters():
    model = classifiers.build_s4_mlp((28, 28, 1), 10)
    assert model.output_shape == (None, 10)
    assert model.count_params() == count(model) == 784 * 300 + 300 + 300 * 10 + 10
    assert len(model.losses) == 2  # an L2 term on each kernel


def test_s3_cnn_has_the_hand_counted_parameters():
    model = classifiers.build_s3_cnn((28, 28, 1), 10)
    conv1 = 16 * 5 * 5 * 1 + 16  # 28 -> 24 -> pool 12
    conv2 = 8 * 3 * 3 * 16 + 8  # 12 -> 10 -> pool 5
    dense = 5 * 5 * 8 * 64 + 64
    assert model.output_shape == (None, 10)
    assert model.count_params() == conv1 + conv2 + dense + 64 * 10 + 10


def test_feature_cnn_shapes(feature_model):
    assert feature_model.output_shape == (None, 2)
    extractor = classifiers.feature_extractor(feature_model)
    images, _ = two_class_images(10)
    feats = metrics.features(extractor, images, batch_size=7)
    assert feats.shape == (20, 128) and feats.dtype == np.float64
    np.testing.assert_allclose(feats, metrics.features(extractor, images), rtol=1e-5, atol=1e-6)


def test_evaluate_classifier_report(feature_model):
    images, labels = two_class_images(15, seed=30)
    result = classifiers.evaluate_classifier(feature_model, images, labels, 2)
    confusion = np.array(result["confusion"])
    assert confusion.shape == (2, 2) and confusion.sum() == 30
    assert result["accuracy"] == pytest.approx(np.trace(confusion) / 30)
    assert all(0 <= result[key] <= 1 for key in ("precision", "recall", "f1"))
    assert result["loss"] > 0


def test_train_save_and_reload_feature_cnn(tmp_path):
    images, labels = two_class_images(150, seed=40)
    model = classifiers.train_feature_cnn(images, labels, 2, epochs=1, seed=0, verbose=0)
    assert {"loss", "val_accuracy"} <= set(model.history.history)
    path = classifiers.save_classifier(model, tmp_path / "features.keras")
    reloaded = classifiers.load_classifier(path)
    np.testing.assert_allclose(
        classifiers.apply_model(reloaded, images[:20]),
        classifiers.apply_model(model, images[:20]),
        rtol=1e-5,
        atol=1e-6,
    )
    assert classifiers.feature_extractor(reloaded).output_shape == (None, 128)
    assert [p.name for p in tmp_path.iterdir()] == ["features.keras"]


def test_classifier_file_errors(tmp_path, feature_model):
    with pytest.raises(UserError, match="must end in .keras"):
        classifiers.save_classifier(feature_model, tmp_path / "model.h5")
    with pytest.raises(UserError, match="missing.keras"):
        classifiers.load_classifier(tmp_path / "missing.keras")


def test_cas_is_high_for_good_synthetic_data_and_near_zero_for_swapped_labels():
    synthetic, labels = two_class_images(100, seed=50)
    real, real_labels = two_class_images(50, seed=51)
    kwargs = dict(build=classifiers.build_s4_mlp, epochs=5, batch_size=32, seed=0)
    good = metrics.classification_accuracy_score(synthetic, labels, real, real_labels, 2, **kwargs)
    assert good > 0.9
    wrong = metrics.classification_accuracy_score(synthetic, 1 - labels, real, real_labels, 2, **kwargs)
    assert wrong < 0.1
