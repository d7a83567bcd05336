"""The training step under Keras 3: D learns in its step, G in its step, nothing else moves.

Weight snapshots before and after each half of the step prove the frozen-discriminator
pattern works (the Keras 2 recipe would leave D untrained without any error).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from pyimagesearch_gan.models import book
from pyimagesearch_gan.training import losses
from pyimagesearch_gan.training.checkpoints import state_sections
from pyimagesearch_gan.training.diffaugment import AdaptiveDiffAugment, DiffAugment
from pyimagesearch_gan.training.trainer import make_gan as config_gan


def make_gan(cfg):
    keras.utils.set_random_seed(cfg.seed)
    return config_gan(cfg.options(), book.build_generator(), book.build_discriminator(), jit_compile=False)


def snapshot(model):
    return [keras.ops.convert_to_numpy(v) for v in model.weights]


def changed(before, model, trainable_only=False):
    variables = model.weights
    flags = [not np.array_equal(b, keras.ops.convert_to_numpy(v)) for b, v in zip(before, variables)]
    if trainable_only:
        flags = [f for f, v in zip(flags, variables) if v.trainable]
    return flags


def real_batch(n=8, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype("float32"))


def test_discriminator_step_moves_only_d(small_cfg):
    gan = make_gan(small_cfg)
    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    gan.train_discriminator(real_batch(), None)
    assert all(changed(d_before, gan.discriminator)), "every D weight must change in the D step"
    assert not any(changed(g_before, gan.generator)), "G (weights and BN statistics) must not move in the D step"
    assert int(gan.d_optimizer.iterations) == 1 and int(gan.g_optimizer.iterations) == 0


def test_generator_step_moves_only_g(small_cfg):
    gan = make_gan(small_cfg)
    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    gan.train_generator(8)
    assert all(changed(g_before, gan.generator, trainable_only=True)), (
        "every trainable G weight must change in the G step"
    )
    assert not any(changed(d_before, gan.discriminator)), "D is frozen in the combined model's step"
    assert int(gan.g_optimizer.iterations) == 1 and int(gan.d_optimizer.iterations) == 0


def test_fit_trains_both_and_counts_updates(small_cfg):
    cfg = small_cfg.with_overrides({"g_steps": 2})
    gan = make_gan(cfg)
    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    data = tf.data.Dataset.from_tensor_slices(real_batch(24)).batch(8, drop_remainder=True)
    history = gan.fit(data, epochs=1, verbose=0)
    assert all(changed(d_before, gan.discriminator)) and all(changed(g_before, gan.generator, trainable_only=True))
    assert int(gan.d_optimizer.iterations) == 3 and int(gan.g_optimizer.iterations) == 6
    assert set(history.history) == {"d_loss", "gan_loss"}
    assert np.isfinite(history.history["d_loss"][0]) and history.history["gan_loss"][0] > 0


def test_label_smoothing_changes_d_targets(small_cfg):
    losses = []
    for real_label in (1.0, 0.9):
        gan = make_gan(small_cfg.with_overrides({"real_label": real_label}))
        losses.append(float(gan.discriminator_loss(real_batch(), None)[0]))
    assert losses[0] != pytest.approx(losses[1])


def test_the_losses_are_binary_cross_entropies_of_d_outputs():
    real, fake = tf.constant([[0.9], [0.6]]), tf.constant([[0.2], [0.4]])
    bce = lambda targets, prob: -np.mean(targets * np.log(prob) + (1 - targets) * np.log(1 - prob))  # noqa: E731
    r, f = real.numpy(), fake.numpy()
    assert float(losses.discriminator_loss(real, fake)) == pytest.approx(bce(1, r) + bce(0, f), rel=1e-5)
    joint = losses.joint_discriminator_loss(tf.concat([real, fake], 0), 2, real_label=0.9)
    assert float(joint) == pytest.approx(bce(np.array([[0.9], [0.9], [0], [0]]), np.concatenate([r, f])), rel=1e-5)
    assert float(losses.generator_loss(fake)) == pytest.approx(bce(1, f), rel=1e-5), "non-saturating: fakes as real"
    classes = tf.constant([[0.7, 0.3], [0.4, 0.6]])
    assert float(losses.accuracy(tf.constant([0, 0]), classes)) == 0.5
    d_class = losses.discriminator_class_loss(tf.constant([0, 1]), classes, tf.constant([1, 1]), classes)
    assert float(d_class) == pytest.approx(-(np.log(0.7) + np.log(0.6) + np.log(0.3) + np.log(0.6)) / 4, rel=1e-5)


def test_separate_d_batches_and_training_mode_fakes(small_cfg):
    cfg = small_cfg.with_overrides({"d_batch": "separate", "g_training_in_d_step": True})
    gan = make_gan(cfg)
    g_before = snapshot(gan.generator)
    gan.train_discriminator(real_batch(), None)
    moved = {v.path for v, f in zip(gan.generator.weights, changed(g_before, gan.generator)) if f}
    # G in training mode updates only its BatchNormalization moving statistics, never its weights.
    assert moved and all("moving" in path for path in moved)


def test_balance_skips_the_network_that_is_ahead(small_cfg):
    gan = make_gan(small_cfg.with_overrides({"balance": True}))
    gan.last_losses.assign([0.1, 2.0])  # D ahead: skip D, train G
    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    step = tf.function(gan.step)
    step(real_batch())
    assert not any(changed(d_before, gan.discriminator)) and int(gan.d_optimizer.iterations) == 0
    assert any(changed(g_before, gan.generator, trainable_only=True)) and int(gan.g_optimizer.iterations) == 1


def test_noise_is_uniform_or_normal(small_cfg):
    uniform = np.array(make_gan(small_cfg).sample_noise(4000))
    assert uniform.min() >= -1 and uniform.max() <= 1 and abs(uniform.mean()) < 0.02
    normal = np.array(make_gan(small_cfg.with_overrides({"noise": "normal"})).sample_noise(4000))
    assert normal.min() < -2.5 and abs(normal.std() - 1) < 0.02


def test_benchmark_inputs_are_fixed_and_fill_the_grid(small_cfg):
    gan = make_gan(small_cfg)
    inputs, grid = gan.benchmark_inputs(256, seed=3)
    again, _ = gan.benchmark_inputs(256, seed=3)
    assert inputs.shape == (256, 100) and grid == (16, 16) and np.array_equal(inputs, again)


def test_diffaugment_changes_every_input_of_d_and_g_learns_through_it(small_cfg):
    gan = make_gan(small_cfg.with_overrides({"diffaugment": "color,translation,cutout"}))
    seen = []
    original = gan.augment

    def spy(images):
        out = original(images)
        seen.append((keras.ops.convert_to_numpy(images), keras.ops.convert_to_numpy(out)))
        return out

    gan.augment = spy
    gan.discriminator_loss(real_batch(), None)
    ((before, after),) = seen
    assert before.shape[0] == 16, "one D pass on real + fake (book)"
    assert not np.allclose(before[:8], after[:8]) and not np.allclose(before[8:], after[8:]), (
        "real and fake are augmented"
    )
    seen.clear()
    with tf.GradientTape() as tape:
        loss = gan.generator_loss(8)
    grads = tape.gradient(loss, gan.generator.trainable_variables)
    assert len(seen) == 1 and not np.allclose(*seen[0]), "G's fakes go through the augmentation to D"
    assert all(g is not None and np.all(np.isfinite(g)) and np.any(g != 0) for g in grads), (
        "G gets gradients through it"
    )


def test_diffaugment_step_trains_both_and_off_is_the_identity(small_cfg):
    gan = make_gan(small_cfg.with_overrides({"diffaugment": "translation,cutout", "d_batch": "separate"}))
    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    gan.step(real_batch())
    assert all(changed(d_before, gan.discriminator)) and all(changed(g_before, gan.generator, trainable_only=True))
    assert isinstance(gan.augmenter, DiffAugment) and gan.augmenter.policy == ("translation", "cutout")
    assert [v.name for v in state_sections(gan)["other"]] == ["seed_generator_state"] * 2, "noise, then augmentation"
    plain = make_gan(small_cfg)
    images = real_batch()
    assert plain.augmenter is None and plain.augment(images) is images
    assert len(state_sections(plain)["other"]) == 1, "no extra state: checkpoints of runs without it keep their layout"


def ada_gan(small_cfg, kimg=0.08):
    """A GAN with ADA whose p moves 0.1 per batch of 8 real images."""
    ada = {"diffaugment": "color,translation,cutout", "ada_target": 0.6, "ada_kimg": kimg}
    return make_gan(small_cfg.with_overrides(ada))


def test_ada_probability_rises_above_the_target_falls_below_and_stays_in_0_1(small_cfg):
    gan = ada_gan(small_cfg)
    ada = gan.augmenter
    p = lambda: float(ada.p.numpy())  # noqa: E731
    assert isinstance(ada, AdaptiveDiffAugment) and p() == 0.0, "ADA starts without augmentation"
    images = real_batch()
    assert np.array_equal(gan.augment(images).numpy(), images.numpy()), "p = 0: D sees the images as they are"
    ada.adapt(tf.constant(0.0), 8)
    assert p() == 0.0, "never below 0"
    for _ in range(3):
        ada.adapt(tf.constant(1.0), 8)
    assert p() == pytest.approx(0.3), "r_t above the target: more augmentation, batch / (kimg * 1000) per step"
    ada.adapt(tf.constant(0.5), 8)
    assert p() == pytest.approx(0.2), "r_t below the target: less"
    for _ in range(12):
        ada.adapt(tf.constant(0.75), 8)
    assert p() == 1.0, "never above 1"
    assert not np.allclose(gan.augment(images).numpy(), images.numpy())


def test_ada_step_measures_rt_on_real_images_and_moves_p(small_cfg):
    gan = ada_gan(small_cfg)
    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    results = gan.step(real_batch())
    assert all(changed(d_before, gan.discriminator)) and all(changed(g_before, gan.generator, trainable_only=True))
    rt = float(results["ada_rt"])
    assert -1.0 <= rt <= 1.0 and rt * 8 == pytest.approx(round(rt * 8)), "the mean sign over 8 real images"
    expected = 0.1 if rt > 0.6 else 0.0
    assert float(results["ada_p"]) == pytest.approx(expected) == float(gan.augmenter.p.numpy())
    # p is GAN state, so checkpoints save and restore it, in the place it always had.
    assert [v.name for v in state_sections(gan)["other"]] == [
        "augment_p",
        "seed_generator_state",
        "seed_generator_state",
    ]
    balanced = make_gan(small_cfg.with_overrides({"diffaugment": "color", "ada_target": 0.6, "balance": True}))
    assert [v.name for v in state_sections(balanced)["other"]] == [
        "augment_p",
        "last_losses",
        "seed_generator_state",
        "seed_generator_state",
    ]


def test_ada_settings_are_checked(small_cfg):
    from pyimagesearch_gan.errors import UserError
    from pyimagesearch_gan.training.fused import why_not_fused

    with pytest.raises(UserError, match="--diffaugment"):
        small_cfg.with_overrides({"ada_target": 0.6})
    with pytest.raises(UserError, match="--ada-target 1.5 must be in"):
        small_cfg.with_overrides({"diffaugment": "color", "ada_target": 1.5})
    with pytest.raises(UserError, match="ada_kimg"):
        small_cfg.with_overrides({"diffaugment": "color", "ada_target": 0.6, "ada_kimg": 0})
    cfg = small_cfg.with_overrides({"diffaugment": "color", "ada_target": 0.6})
    assert "--ada-target" in why_not_fused(cfg.options(), [2, 2], [make_gan(cfg)])
    # Experiments fingerprint GAN settings: without ADA they must read as before ADA existed.
    assert not {"ada_target", "ada_kimg"} & set(small_cfg.fingerprint_dict())
    later = ("ada_target", "ada_kimg", "updates")  # added after the experiments kept fingerprints
    assert small_cfg.fingerprint_dict() == {k: v for k, v in small_cfg.to_dict().items() if k not in later}
    assert cfg.fingerprint_dict()["ada_target"] == 0.6
    assert make_gan(small_cfg).augmenter is None, "no ADA state without ADA"


def test_the_loss_plot_shows_ada_with_its_target(tmp_path):
    from pyimagesearch_gan.training.monitor import LossPlot

    plot = LossPlot("ada", targets={"ada_rt": 0.6})
    history = [{"epoch": e, "d_loss": 0.5, "gan_loss": 1.0, "ada_p": e / 10, "ada_rt": 0.7} for e in (1, 2)]
    plot.write(history, tmp_path / "loss.png")
    assert (tmp_path / "loss.png").is_file() and len(plot.axes) == 2
    labels = {line.get_label(): line for line in plot.axes[1].lines}
    assert set(labels) == {"ada_p", "ada_rt", "ada_rt target"}
    assert list(labels["ada_rt target"].get_ydata()) == [0.6, 0.6] and plot.axes[1].get_ylim() == (-1, 1)
    assert plot.axes[1].get_title() == "ADA"
