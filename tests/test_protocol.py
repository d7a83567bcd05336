"""The fair protocol's parts: validation split, exact symmetries, early stopping, filtering,
intervals and paired differences, and the experiment GANs' resume and epoch snapshots."""

import math
import time

import keras
import numpy as np
import pytest

from pyimagesearch_gan.evidence import classifiers
from pyimagesearch_gan.experiments import protocol
from pyimagesearch_gan.experiments.designs import neu_design
from pyimagesearch_gan.experiments.gans import train_gans
from pyimagesearch_gan.experiments.settings import NeuSettings
from pyimagesearch_gan.experiments.side_by_side import Job, fit_side_by_side
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.runs import checkpoint_path, open_run, read_checkpoint, read_history


def test_validation_split_is_per_class_and_disjoint():
    labels = np.repeat(np.arange(3), [10, 20, 2])
    train, val = protocol.validation_split(labels, 0.15, seed=0)
    assert not set(train) & set(val) and len(train) + len(val) == len(labels)
    assert np.bincount(labels[val]).tolist() == [2, 3, 1]  # at least one, and one left to train on
    again_train, again_val = protocol.validation_split(labels, 0.15, seed=0)
    assert np.array_equal(val, again_val) and not np.array_equal(val, protocol.validation_split(labels, 0.15, 1)[1])


def test_neu_real_sets_keep_validation_and_test_images_apart(data_root):
    from pyimagesearch_gan.data import load_dataset

    design = neu_design(load_dataset("neu", data_root), NeuSettings(sizes=(20,), test_per_class=50))
    scenario = design.scenarios[0]
    assert scenario.train_counts == [17] * 6 and [len(v) for v in scenario.val] == [3] * 6
    seen = {image.tobytes() for part in scenario.train for image in part}
    val = {image.tobytes() for part in scenario.val for image in part}
    assert not seen & val and not seen & {image.tobytes() for image in design.test_x}


def test_random_symmetry_draws_the_eight_symmetries_in_training_only():
    image = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    layer = protocol.RandomSymmetry(seed=1)
    batch = np.repeat(image, 256, axis=0)
    out = keras.ops.convert_to_numpy(layer(batch, training=True))
    square = image[0, :, :, 0]
    symmetries = {np.rot90(m, k).tobytes() for m in (square, square.T) for k in range(4)}
    found = {o[:, :, 0].tobytes() for o in out}
    assert found == symmetries  # all 8, and nothing else (exact: no interpolation)
    assert np.array_equal(keras.ops.convert_to_numpy(layer(batch, training=False)), batch)


def test_early_stopping_restores_the_best_epoch():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (60, 8, 8, 1), dtype="uint8")
    y = rng.integers(0, 2, 60).astype("int32")
    val_y = rng.integers(0, 2, 20).astype("int32")  # random labels: validation loss soon rises
    val_x = rng.integers(0, 256, (20, 8, 8, 1), dtype="uint8")
    model, epochs, best = protocol.fit_early_stopped(
        build_tiny, x, y, val_x, val_y, 2, seed=0, max_epochs=60, patience=3
    )
    assert epochs < 60 and epochs == best + 3
    loss = classifiers.evaluate_classifier(model, val_x, val_y, 2)["loss"]
    history_best = model.evaluate(np.asarray(val_x, "float32") / 127.5 - 1, val_y, verbose=0)[0]
    assert math.isclose(loss, history_best, rel_tol=1e-3)


def test_side_by_side_fits_each_stop_early_on_their_own_and_keep_their_best_weights():
    rng = np.random.default_rng(0)

    def job(n, seed, learnable):
        y = rng.integers(0, 2, n).astype("int32")
        x = (rng.integers(0, 100, (n, 8, 8, 1)) + 150 * y[:, None, None, None]).astype("uint8")
        val_y = rng.integers(0, 2, 20).astype("int32")
        val_x = (rng.integers(0, 100, (20, 8, 8, 1)) + 150 * val_y[:, None, None, None]).astype("uint8")
        return Job(build_tiny, x, y, val_x, val_y if learnable else 1 - val_y, 2, seed)

    jobs = [job(40, 0, True), job(24, 1, False), job(56, 2, True)]  # 5, 3 and 7 batches of 8 per epoch
    fitted = fit_side_by_side(jobs, max_epochs=40, patience=3, batch_size=8)
    stops = [(epochs, best) for _, epochs, best in fitted]
    for (model, epochs, best), j in zip(fitted, jobs):
        assert epochs == min(40, best + 3)  # its own patience after its own best epoch
        # a finished model stopped updating: its Adam took exactly the steps of its own epochs
        assert int(model.optimizer.iterations.numpy()) == epochs * -(-len(j.x) // 8)
        best_loss = classifiers.evaluate_classifier(model, j.val_x, j.val_y, 2)["loss"]
        assert best_loss < 0.7 if j is not jobs[1] else best_loss > 0.6
    assert stops[1][0] < min(stops[0][0], stops[2][0])  # validation that disagrees stops its model first
    reported, progress = [], []
    start = time.perf_counter()
    again = fit_side_by_side(
        jobs,
        max_epochs=40,
        patience=3,
        batch_size=8,
        on_done=lambda k, fit, seconds: reported.append((k, fit[1], fit[2], seconds)),
        on_progress=lambda epochs, done: progress.append((epochs, done)),
        every=0,
    )
    wall = time.perf_counter() - start
    assert stops == [(e, b) for _, e, b in again], stops
    # each fit is reported once, as it ends: the one that stopped first, first
    assert sorted(k for k, *_ in reported) == [0, 1, 2] and reported[0][0] == 1
    assert [(e, b) for _, e, b, _ in sorted(reported)] == stops
    assert all(seconds > 0 for *_, seconds in reported) and sum(s for *_, s in reported) <= wall
    for (epochs, done), (later, later_done) in zip(progress, progress[1:]):
        assert all(a <= b for a, b in zip(epochs, later)) and all(b for a, b in zip(done, later_done) if a)
    assert progress and not all(progress[-1][1]) and progress[-1][0][1] == stops[1][0]


def build_tiny(shape, num_classes):
    model = keras.Sequential([keras.Input(shape), keras.layers.Flatten(), keras.layers.Dense(num_classes, "softmax")])
    return classifiers._compile(model, learning_rate=0.05)


class Judge:
    """A stand-in classifier: the probability of class 0 is the image's mean brightness."""

    def __call__(self, x, training=False):
        p = keras.ops.mean(x, axis=(1, 2, 3)) * 0.5 + 0.5
        return keras.ops.stack([p, 1 - p], axis=1)


def test_filter_keeps_images_the_judge_believes_and_fills_up_with_the_best():
    rng = np.random.default_rng(0)

    def draw(round_):
        return rng.integers(0, 256, (10, 4, 4, 1)).astype("uint8")

    images, rate = protocol.filter_synthetic(draw, Judge(), 0, 5, 0.5, rounds=5)
    assert len(images) == 5 and (images.reshape(5, -1).mean(axis=1) >= 127.5).all() and 0 < rate < 1
    images, rate = protocol.filter_synthetic(draw, Judge(), 0, 5, 0.999, rounds=2)
    assert len(images) == 5 and rate == 0.0  # nothing passes: the 5 brightest of the 20 drawn


def test_intervals_and_paired_differences():
    mean, half = protocol.mean_ci([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.3027 / math.sqrt(3), rel=1e-4)
    assert math.isnan(protocol.mean_ci([0.5])[1])
    # a constant gain of +0.02 in every trial is significant whatever the spread between trials
    a, b = [0.80, 0.90, 0.70, 0.85], [0.78, 0.88, 0.68, 0.83]
    diff, half = protocol.paired_difference(a, b)
    assert diff == pytest.approx(0.02) and half == pytest.approx(0.0, abs=1e-9)
    assert protocol.format_difference(0.05, 0.01).endswith("↑") and protocol.format_difference(-0.05, 0.01).endswith(
        "↓"
    )
    assert protocol.format_difference(0.01, 0.05) == "+0.010 ± 0.050"


def test_experiment_gans_keep_a_generator_per_epoch_and_resume(tmp_path):
    cfg = get_preset("neu-dcgan").with_overrides({"batch_size": 4, "num_benchmark": 4, "jit_compile": False})
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (8, 28, 28, 1), dtype="uint8") for _ in range(2)]
    gans = train_gans(cfg, ["a", "b"], images, tmp_path / "gans", updates=8, snapshots=2)
    assert gans.epochs == [1, 2] and gans.updates == 8
    first, final = gans.generator(1, epoch=1), gans.generator(1)
    assert not all(np.array_equal(u, v) for u, v in zip(first.get_weights(), final.get_weights()))
    assert gans.synthesize(1, 3, seed=0).shape == (3, 28, 28, 1)
    (tmp_path / "gans" / "done.json").unlink()  # as if stopped after its last epoch: resumes, trains nothing more
    again = train_gans(cfg, ["a", "b"], images, tmp_path / "gans", updates=8, snapshots=2)
    assert all(np.array_equal(u, v) for u, v in zip(final.get_weights(), again.generator(1).get_weights()))


def test_experiment_gans_of_different_class_sizes_get_the_same_updates(tmp_path):
    """An update budget, not passes: a class of 8 images trains as long as one of 24, and the
    GAN folder is a run folder like train's (config.json, run.json, openable)."""
    cfg = get_preset("neu-dcgan").with_overrides({"batch_size": 4, "num_benchmark": 4, "jit_compile": False})
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, (n, 28, 28, 1), dtype="uint8") for n in (8, 24)]
    gans = train_gans(cfg, ["small", "large"], images, tmp_path / "gans", updates=6, snapshots=2)
    run = open_run(tmp_path / "gans")
    assert run.cfg.updates == 6 and run.classes == ["small", "large"] and gans.updates == 6
    for gan in run.gans:
        state = read_checkpoint(checkpoint_path(run.folder, gan, 2))["state"]
        assert [int(np.ravel(v)[0]) for v in state["d_optimizer"][:1]] == [6], gan
        assert [r["epoch"] for r in read_history(run.folder / gan)] == [1, 2]
