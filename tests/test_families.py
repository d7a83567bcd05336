"""The model families of SPEC S1-S4 (dcgan, acgan, mlp) and their presets.

For each family: the layers and parameter counts at a small size and at the preset's size,
a weight-snapshot proof that each half of the training step moves exactly what it should,
and a short CLI run on real data (NEU or the MNIST CSV) that writes montages, the loss plot,
the history and models that load back.
"""

import json
import shutil

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf

from pyimagesearch_gan.commands import main
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.models import acgan, dcgan, get_family, mlp
from pyimagesearch_gan.presets import PRESETS, get_preset
from pyimagesearch_gan.training.trainer import make_gan as config_gan

NEW_PRESETS = {
    "neu-dcgan128-sn": "S1",
    "dcgan64-rgb": "S3",
    "acgan-fashion-mnist": "S2",
    "acgan-neu": "S2",
    "mnist-mlp-gan": "S4",
}


def layer_table(model):
    return [(type(layer).__name__, tuple(layer.output.shape)) for layer in model.layers]


def snapshot(model):
    return [keras.ops.convert_to_numpy(v) for v in model.weights]


def moved(before, model):
    """{variable path: changed?} for every weight of `model`."""
    return {v.path: not np.array_equal(b, keras.ops.convert_to_numpy(v)) for b, v in zip(before, model.weights)}


def make_gan(cfg, num_classes=0):
    keras.utils.set_random_seed(cfg.seed)
    family = get_family(cfg.family)
    generator, discriminator = family.build(cfg.options().model, num_classes)
    return config_gan(
        cfg.options(), generator, discriminator, num_classes=num_classes if family.CONDITIONAL else 0, jit_compile=False
    )


def real_batch(cfg, n):
    images = (
        np.random.default_rng(0).uniform(-1, 1, (n, cfg.image_size, cfg.image_size, cfg.channels)).astype("float32")
    )
    return tf.constant(images)


# --- presets ------------------------------------------------------------------------------
def test_presets_are_listed_with_their_source(capsys):
    main(["presets"])
    lines = capsys.readouterr().out.splitlines()
    for name, section in NEW_PRESETS.items():
        line = next(line for line in lines if line.startswith(name + " "))
        assert f"[{section}" in line and PRESETS[name]["description"] in line
        get_preset(name)  # every preset is a valid config


def test_preset_settings_are_the_sources():
    s1, s3, s2, s4 = (get_preset(n) for n in ("neu-dcgan128-sn", "dcgan64-rgb", "acgan-fashion-mnist", "mnist-mlp-gan"))
    assert (s1.image_size, s1.batch_size, s1.epochs, s1.d_lr, s1.g_lr, s1.beta_1, s1.beta_2) == (
        128,
        12,
        128,
        4e-4,
        1e-4,
        0.5,
        0.999,
    )
    assert s1.model["spectral_norm"] and (s1.model["ngf"], s1.model["ndf"]) == (64, 128)
    assert (s3.noise_dim, s3.model["slope"], s3.d_lr, s3.g_lr, s3.batch_size, s3.channels, s3.image_size) == (
        10,
        0.02,
        2e-4,
        2e-4,
        1,
        3,
        64,
    )
    for cfg in (s1, s3, s4):  # the PyTorch-style loop, constant learning rates
        assert (cfg.d_batch, cfg.g_training_in_d_step, cfg.noise, cfg.optimizer_decay(cfg.d_lr)) == (
            "separate",
            True,
            "normal",
            0.0,
        )
    assert (s2.family, s2.batch_size, s2.balance) == ("acgan", 100, False)
    assert (s4.model["alpha"], s4.real_label, s4.g_steps, s4.d_lr, s4.g_lr, s4.noise) == (
        4,
        0.9,
        2,
        7.5e-4,
        1.5e-4,
        "normal",
    )


# --- DCGAN (S1, S3) -----------------------------------------------------------------------
def test_dcgan_small_layers_and_parameters():
    generator = dcgan.build_generator(image_size=32, nz=100, ngf=8, nc=1)
    assert layer_table(generator) == [
        ("Reshape", (None, 1, 1, 100)),
        ("Conv2DTranspose", (None, 4, 4, 32)),
        ("BatchNormalization", (None, 4, 4, 32)),
        ("ReLU", (None, 4, 4, 32)),
        ("Conv2DTranspose", (None, 8, 8, 16)),
        ("BatchNormalization", (None, 8, 8, 16)),
        ("ReLU", (None, 8, 8, 16)),
        ("Conv2DTranspose", (None, 16, 16, 8)),
        ("BatchNormalization", (None, 16, 16, 8)),
        ("ReLU", (None, 16, 16, 8)),
        ("Conv2DTranspose", (None, 32, 32, 1)),
        ("Activation", (None, 32, 32, 1)),
    ]
    # bias-free 4x4 kernels + BatchNorm (gamma, beta, mean, variance)
    assert generator.count_params() == 16 * (100 * 32 + 32 * 16 + 16 * 8 + 8 * 1) + 4 * (32 + 16 + 8)
    discriminator = dcgan.build_discriminator(image_size=32, nc=1, ndf=8, slope=0.2, spectral_norm=True)
    assert layer_table(discriminator) == [
        ("SpectralNormalization", (None, 16, 16, 8)),
        ("LeakyReLU", (None, 16, 16, 8)),
        ("SpectralNormalization", (None, 8, 8, 16)),
        ("BatchNormalization", (None, 8, 8, 16)),
        ("LeakyReLU", (None, 8, 8, 16)),
        ("SpectralNormalization", (None, 4, 4, 32)),
        ("BatchNormalization", (None, 4, 4, 32)),
        ("LeakyReLU", (None, 4, 4, 32)),
        ("Conv2D", (None, 1, 1, 1)),
        ("Flatten", (None, 1)),
        ("Activation", (None, 1)),
    ]
    # kernels + BatchNorm + the spectral norm's u vectors
    assert discriminator.count_params() == 16 * (1 * 8 + 8 * 16 + 16 * 32 + 32 * 1) + 4 * (16 + 32) + (8 + 16 + 32)


def test_dcgan_preset_sizes():
    g, d = get_family("dcgan").build(get_preset("neu-dcgan128-sn"), 0)  # S1: 128x128, ngf 64, ndf 128, SN
    assert g.outputs[0].shape == (None, 128, 128, 1) and g.layers[1].output.shape == (None, 4, 4, 1024)
    assert g.count_params() == 16 * (100 * 1024 + 1024 * 512 + 512 * 256 + 256 * 128 + 128 * 64 + 64 * 1) + 4 * (
        1024 + 512 + 256 + 128 + 64
    )
    assert [layer.output.shape[-1] for layer in d.layers if isinstance(layer, keras.layers.SpectralNormalization)] == [
        128,
        256,
        512,
        1024,
        2048,
    ]
    assert d.count_params() == 16 * (128 + 128 * 256 + 256 * 512 + 512 * 1024 + 1024 * 2048 + 2048) + 4 * (
        256 + 512 + 1024 + 2048
    ) + (128 + 256 + 512 + 1024 + 2048)
    g, d = get_family("dcgan").build(get_preset("dcgan64-rgb"), 0)  # S3: 64x64x3, nz 10, ngf = ndf = 64
    assert (
        g.inputs[0].shape == (None, 10)
        and g.outputs[0].shape == (None, 64, 64, 3)
        and g.layers[1].output.shape == (None, 4, 4, 512)
    )
    assert g.count_params() == 16 * (10 * 512 + 512 * 256 + 256 * 128 + 128 * 64 + 64 * 3) + 4 * (512 + 256 + 128 + 64)
    assert d.count_params() == 16 * (3 * 64 + 64 * 128 + 128 * 256 + 256 * 512 + 512) + 4 * (128 + 256 + 512)
    assert not any(isinstance(layer, keras.layers.SpectralNormalization) for layer in d.layers)
    assert [layer.negative_slope for layer in d.layers if isinstance(layer, keras.layers.LeakyReLU)] == pytest.approx(
        [0.02] * 4
    )
    bn = g.layers[2]
    assert (bn.momentum, bn.epsilon) == (0.9, 1e-5)
    assert abs(float(np.std(keras.ops.convert_to_numpy(g.layers[4].kernel))) - 0.02) < 0.002, (
        "weights drawn from N(0, 0.02)"
    )


def test_dcgan_rejects_sizes_it_cannot_build(data_root, tmp_path, capsys):
    with pytest.raises(UserError, match="--image-size 28"):
        dcgan.num_blocks(28)
    output = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "train",
                "--preset",
                "neu-dcgan128-sn",
                "--data-dir",
                str(data_root),
                "--image-size",
                "96",
                "--output",
                str(output),
            ]
        )
    assert exit_info.value.code == 2 and "--image-size 96" in capsys.readouterr().err and not output.exists()


def test_dcgan_step_moves_exactly_its_network():
    """D step: every D weight; G only its BatchNorm statistics (fakes from G in training mode).
    G step: every G weight; D's trainable weights only by the spectral norm's rescaling."""
    cfg = get_preset("neu-dcgan128-sn").with_overrides({"image_size": 32, "model.ngf": 8, "model.ndf": 8, "seed": 3})
    gan = make_gan(cfg)
    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    gan.train_discriminator(real_batch(cfg, 4), None)
    assert all(moved(d_before, gan.discriminator).values())
    assert {p for p, m in moved(g_before, gan.generator).items() if m} == {
        v.path for v in gan.generator.non_trainable_weights
    }
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 0)

    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    gan.train_generator(4)
    assert all(moved(g_before, gan.generator).values())
    sn_kernels = {
        layer.kernel.path for layer in gan.discriminator.layers if isinstance(layer, keras.layers.SpectralNormalization)
    }
    for before, variable in zip(d_before, gan.discriminator.weights):
        after = keras.ops.convert_to_numpy(variable)
        if variable.path in sn_kernels:  # Keras stores W / sigma in the kernel on every training-mode call
            ratio = after / before
            assert np.allclose(ratio, ratio.flat[0], rtol=1e-4) and 0.5 < ratio.flat[0] < 1.5, variable.path
        elif variable.trainable:
            assert np.array_equal(before, after), f"{variable.path} must not learn in the G step"
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 1)


# --- AC-GAN (S2) --------------------------------------------------------------------------
def test_acgan_small_layers_and_parameters():
    generator = acgan.build_generator(3, latent_dim=100, channels=1, dim=7, depth=16, kernel_size=5)
    assert [layer.output.shape for layer in generator.layers if isinstance(layer, keras.layers.Conv2D)] == [
        (None, 14, 14, 16),
        (None, 28, 28, 8),
        (None, 28, 28, 1),
    ]
    assert generator.count_params() == (
        3 * 100  # label embedding
        + 100 * 784
        + 784
        + 4 * 16  # dense projection, BatchNorm
        + 25 * 16 * 16
        + 16
        + 4 * 16
        + 25 * 16 * 8
        + 8
        + 4 * 8
        + 25 * 8
        + 1  # conv blocks, output conv
    )
    discriminator = acgan.build_discriminator(3, 28, 28, 1, filters=4)
    assert [layer.output.shape for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D)] == [
        (None, 14, 14, 4),
        (None, 7, 7, 8),
        (None, 4, 4, 16),
        (None, 4, 4, 32),
    ]
    assert [o.shape for o in discriminator.outputs] == [(None, 1), (None, 3)]
    assert discriminator.count_params() == (25 * 4 + 4) + (25 * 4 * 8 + 8) + (25 * 8 * 16 + 16) + (
        25 * 16 * 32 + 32
    ) + (512 + 1) + (512 * 3 + 3)


@pytest.mark.parametrize(
    "preset, classes, g_params, d_params",
    [
        ("acgan-fashion-mnist", 10, 1_251_945, 291_979),
        ("acgan-neu", 6, 1_251_545, 283_783),
    ],
)
def test_acgan_preset_sizes(preset, classes, g_params, d_params):
    generator, discriminator = get_family("acgan").build(get_preset(preset), classes)
    # G: embedding 100K + dense 633,472 + BN 512 + conv 409,728 + BN 512 + conv 204,864 + BN 256 + conv 1,601
    # D: convs 416 + 12,832 + 51,264 + 204,928, validity 2,049, classes 2,049K
    assert (generator.count_params(), discriminator.count_params()) == (g_params, d_params)
    assert generator.outputs[0].shape == (None, 28, 28, 1)
    assert [o.shape for o in discriminator.outputs] == [(None, 1), (None, classes)]


def test_acgan_generates_the_requested_classes():
    generator, discriminator = get_family("acgan").build(get_preset("acgan-neu").with_overrides({"model.depth": 16}), 6)
    noise = np.tile(np.random.default_rng(0).standard_normal((1, 100)).astype("float32"), (6, 1))
    images = keras.ops.convert_to_numpy(generator([noise, np.arange(6, dtype="int32")], training=False))
    assert images.shape == (6, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    assert len({image.tobytes() for image in images}) == 6, "the same noise with another label gives another image"
    validity, classes = discriminator(images)
    assert validity.shape == (6, 1) and classes.shape == (6, 6)
    assert np.allclose(keras.ops.convert_to_numpy(classes).sum(axis=1), 1, atol=1e-5)


def test_acgan_step_moves_exactly_its_network():
    cfg = get_preset("acgan-neu").with_overrides({"model.depth": 16, "seed": 2})
    gan = make_gan(cfg, num_classes=6)
    labels = tf.constant(np.arange(8) % 6, tf.int32)
    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    adversarial, class_loss, acc_real, acc_fake, _ = gan.train_discriminator(real_batch(cfg, 8), labels)
    assert all(moved(d_before, gan.discriminator).values()), "both heads and the trunk learn in the D step"
    assert not any(moved(g_before, gan.generator).values()), "fakes for D come from G in inference mode (Keras predict)"
    assert float(class_loss) > 0 and 0 <= float(acc_real) <= 1 and 0 <= float(acc_fake) <= 1
    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    gan.train_generator(8)
    assert all(m for p, m in moved(g_before, gan.generator).items()), (
        "the embedding and every G layer learn in the G step"
    )
    assert not any(moved(d_before, gan.discriminator).values())


def test_acgan_balancing_rule_skips_the_network_ahead():
    cfg = get_preset("acgan-neu").with_overrides({"model.depth": 16, "balance": True})
    gan = make_gan(cfg, num_classes=6)
    labels = tf.constant(np.arange(8) % 6, tf.int32)
    logs = gan.step(real_batch(cfg, 8), labels)  # no previous losses: both networks update
    assert set(logs) == {"d_loss", "gan_loss", "d_class_loss", "acc_real", "acc_fake"}
    d_ahead = float(logs["d_loss"] + logs["d_class_loss"]) < float(logs["gan_loss"])
    gan.step(real_batch(cfg, 8), labels)
    expected = (1, 2) if d_ahead else (2, 1)  # the network whose loss (with its class loss) was lower is skipped
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == expected


# --- fully connected GAN (S4) -------------------------------------------------------------
@pytest.mark.parametrize("alpha", [1, 4])
def test_mlp_layers_and_parameters(alpha):
    generator, discriminator = mlp.build_generator(alpha), mlp.build_discriminator(alpha)
    assert [layer.units for layer in generator.layers if isinstance(layer, keras.layers.Dense)] == [
        32 * alpha,
        64 * alpha,
        128 * alpha,
        784,
    ]
    assert [layer.units for layer in discriminator.layers if isinstance(layer, keras.layers.Dense)] == [
        128 * alpha,
        64 * alpha,
        32 * alpha,
        1,
    ]
    assert {
        layer.rate for layer in generator.layers + discriminator.layers if isinstance(layer, keras.layers.Dropout)
    } == {0.1}
    assert [
        layer.negative_slope for layer in discriminator.layers if isinstance(layer, keras.layers.LeakyReLU)
    ] == pytest.approx([0.01] * 3)
    g_units, d_units = [100, 32 * alpha, 64 * alpha, 128 * alpha, 784], [784, 128 * alpha, 64 * alpha, 32 * alpha, 1]
    assert generator.count_params() == sum(a * b + b for a, b in zip(g_units, g_units[1:]))
    assert discriminator.count_params() == sum(a * b + b for a, b in zip(d_units, d_units[1:]))
    assert generator.outputs[0].shape == (None, 28, 28, 1)
    if alpha == 4:  # the preset size
        assert (generator.count_params(), discriminator.count_params()) == (579_728, 566_273)


def test_mlp_step_two_g_updates_per_d_update():
    cfg = get_preset("mnist-mlp-gan").with_overrides({"model.alpha": 1, "seed": 5})
    gan = make_gan(cfg)
    d_before, g_before = snapshot(gan.discriminator), snapshot(gan.generator)
    gan.train_discriminator(real_batch(cfg, 8), None)
    assert all(moved(d_before, gan.discriminator).values()) and not any(moved(g_before, gan.generator).values())
    d_before = snapshot(gan.discriminator)
    logs = gan.step(real_batch(cfg, 8))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (2, 2), "two G updates per D update"
    assert np.isfinite(float(logs["gan_loss"]))


# --- short CLI runs on real data ----------------------------------------------------------
def train(tmp_path_factory, name, args, epochs=2):
    run = tmp_path_factory.mktemp("runs") / name
    main(["train", *args, "--epochs", str(epochs), "--seed", "3", "--output", str(run)])
    return run


def check_run(folder, epochs=2):
    for name in [
        "real.png",
        *(f"epoch_{e:04d}.png" for e in range(1, epochs + 1)),
        "loss.png",
        "history.json",
        "generator.keras",
        "discriminator.keras",
    ]:
        assert (folder / name).stat().st_size > 0, name
    history = json.loads((folder / "history.json").read_text())
    assert [r["epoch"] for r in history] == list(range(1, epochs + 1))
    assert all(np.isfinite(r["d_loss"]) and np.isfinite(r["gan_loss"]) for r in history)
    return history


@pytest.fixture(scope="module")
def rgb_folder(tmp_path_factory, data_root):
    """Six NEU images as a one-class image folder (S3's cows and horses are not public)."""
    root = tmp_path_factory.mktemp("rgb")
    for cls in ("patches",):
        (root / cls).mkdir()
        for path in sorted((data_root / "neu" / cls).glob("*.jpg"))[:6]:
            shutil.copy(path, root / cls / path.name)
    return root


def test_dcgan64_rgb_batch_one_run(tmp_path_factory, rgb_folder):
    run = train(
        tmp_path_factory,
        "dcgan64",
        [
            "--preset",
            "dcgan64-rgb",
            "--data-dir",
            str(rgb_folder),
            "--set",
            "model.ngf=8",
            "--set",
            "model.ndf=8",
            "--set",
            "num_benchmark=16",
        ],
    )
    check_run(run / "patches")
    assert cv2.imread(str(run / "patches" / "epoch_0002.png")).shape == (256, 256, 3), "4x4 tiles of 64x64"
    generator = keras.models.load_model(run / "patches" / "generator.keras")
    images = keras.ops.convert_to_numpy(
        generator(np.random.default_rng(0).standard_normal((3, 10)).astype("float32"), training=False)
    )
    assert images.shape == (3, 64, 64, 3) and np.isfinite(images).all() and images.std() > 0
    config = json.loads((run / "config.json").read_text())
    assert config["batch_size"] == 1 and config["noise_dim"] == 10


def test_dcgan128_sn_run(tmp_path_factory, data_root):
    run = train(
        tmp_path_factory,
        "dcgan128",
        [
            "--preset",
            "neu-dcgan128-sn",
            "--data-dir",
            str(data_root),
            "--classes",
            "scratches",
            "--image-size",
            "32",
            "--batch-size",
            "50",
            "--set",
            "model.ngf=8",
            "--set",
            "model.ndf=8",
        ],
    )
    check_run(run / "scratches")
    discriminator = keras.models.load_model(run / "scratches" / "discriminator.keras")
    assert sum(isinstance(layer, keras.layers.SpectralNormalization) for layer in discriminator.layers) == 3
    assert discriminator(np.zeros((2, 32, 32, 1), "float32")).shape == (2, 1)


def test_acgan_run_montage_has_one_row_per_class(tmp_path_factory, data_root):
    """One epoch, then resumed from its checkpoint for a second: the conditional GAN's state
    (embedding, both heads, benchmark noise and labels) goes through the checkpoints."""
    run = train(
        tmp_path_factory,
        "acgan",
        [
            "--preset",
            "acgan-neu",
            "--data-dir",
            str(data_root),
            "--classes",
            "crazing,patches,scratches",
            "--batch-size",
            "300",
            "--set",
            "model.depth=16",
        ],
        epochs=1,
    )
    main(["train", "--resume", str(run), "--epochs", "2"])
    folder = run / "crazing+patches+scratches"
    history = check_run(folder)
    assert all(0 <= r[k] <= 1 for r in history for k in ("acc_real", "acc_fake")) and all(
        r["d_class_loss"] > 0 for r in history
    )
    plot = cv2.imread(str(folder / "loss.png"))
    assert plot.shape[1] > 2 * plot.shape[0], "a second panel with the auxiliary classifier's accuracies"
    # 160 benchmark inputs, 3 classes: 3 rows of 16 columns, each row one class.
    assert cv2.imread(str(folder / "epoch_0002.png")).shape == (3 * 28, 16 * 28, 3)
    generator = keras.models.load_model(folder / "generator.keras")
    labels = np.array([0, 1, 2, 2], "int32")
    images = generator([np.random.default_rng(0).standard_normal((4, 100)).astype("float32"), labels], training=False)
    assert images.shape == (4, 28, 28, 1)
    _, classes = keras.models.load_model(folder / "discriminator.keras")(images)
    assert classes.shape == (4, 3)


def test_mlp_gan_run(tmp_path_factory, data_root):
    run = train(
        tmp_path_factory,
        "mlp",
        ["--preset", "mnist-mlp-gan", "--data-dir", str(data_root), "--classes", "3", "--set", "model.alpha=1"],
    )
    check_run(run / "3")
    assert cv2.imread(str(run / "3" / "epoch_0001.png")).shape == (448, 448, 3)
    generator = keras.models.load_model(run / "3" / "generator.keras")
    assert generator(np.zeros((2, 100), "float32"), training=False).shape == (2, 28, 28, 1)
