"""The book models are layer for layer SPEC R0, and the optimizer decay is the book's."""

import keras
import numpy as np
import pytest

from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.models import book, get_family
from pyimagesearch_gan.training.trainer import make_optimizer

GENERATOR_LAYERS = [
    ("Dense", (None, 512)),
    ("Activation", (None, 512)),
    ("BatchNormalization", (None, 512)),
    ("Dense", (None, 3136)),
    ("Activation", (None, 3136)),
    ("BatchNormalization", (None, 3136)),
    ("Reshape", (None, 7, 7, 64)),
    ("Conv2DTranspose", (None, 14, 14, 32)),
    ("Activation", (None, 14, 14, 32)),
    ("BatchNormalization", (None, 14, 14, 32)),
    ("Conv2DTranspose", (None, 28, 28, 1)),
    ("Activation", (None, 28, 28, 1)),
]
DISCRIMINATOR_LAYERS = [
    ("Conv2D", (None, 14, 14, 32)),
    ("LeakyReLU", (None, 14, 14, 32)),
    ("Conv2D", (None, 7, 7, 64)),
    ("LeakyReLU", (None, 7, 7, 64)),
    ("Flatten", (None, 3136)),
    ("Dense", (None, 512)),
    ("LeakyReLU", (None, 512)),
    ("Dense", (None, 1)),
    ("Activation", (None, 1)),
]


def layer_table(model):
    return [(type(layer).__name__, tuple(layer.output.shape)) for layer in model.layers]


def test_generator_is_r0():
    model = book.build_generator()
    assert layer_table(model) == GENERATOR_LAYERS
    # Dense 51,712 + BN 2,048 + Dense 1,608,768 + BN 12,544 + ConvT 51,232 + BN 128 + ConvT 801
    assert model.count_params() == 1_727_233
    assert model.layers[1].activation.__name__ == "relu" and model.layers[-1].activation.__name__ == "tanh"
    conv = model.layers[7]
    assert conv.kernel_size == (5, 5) and conv.strides == (2, 2) and conv.padding == "same"


def test_discriminator_is_r0():
    model = book.build_discriminator()
    assert layer_table(model) == DISCRIMINATOR_LAYERS
    # Conv 832 + Conv 51,264 + Dense 1,606,144 + Dense 513
    assert model.count_params() == 1_658_753
    assert model.layers[1].negative_slope == pytest.approx(0.2)
    assert model.layers[-1].activation.__name__ == "sigmoid"


def test_rgb_and_other_sizes():
    generator = book.build_generator(channels=3)
    discriminator = book.build_discriminator(28, 28, 3)
    assert generator.outputs[0].shape == (None, 28, 28, 3)
    assert discriminator(generator(np.zeros((2, 100), "float32"))).shape == (2, 1)
    assert book.build_generator(dim=16).outputs[0].shape == (None, 64, 64, 1)


def test_build_from_config_uses_image_size(small_cfg):
    generator, discriminator = get_family("book").build(
        small_cfg.with_overrides({"image_size": 32, "channels": 3}).options().model, 0
    )
    assert generator.outputs[0].shape == (None, 32, 32, 3)
    assert discriminator.inputs[0].shape == (None, 32, 32, 3)


def test_unknown_family_is_a_user_error():
    with pytest.raises(UserError, match="unknown model family 'nope'"):
        get_family("nope")


@pytest.mark.parametrize("epochs", [25, 500])
def test_decay_schedule_is_keras2_decay(small_cfg, epochs):
    cfg = small_cfg.with_overrides({"epochs": epochs})
    lr, decay = 2e-4, 2e-4 / epochs
    schedule = make_optimizer(cfg.options().optimizers, "d")._learning_rate
    for step in (0, 1, 10, 1000, 9000):
        assert float(schedule(step)) == pytest.approx(lr / (1 + decay * step), rel=1e-6)


def test_decay_advances_once_per_update(small_cfg):
    cfg = small_cfg.with_overrides({"epochs": 4})
    optimizer = make_optimizer(cfg.options().optimizers, "d")
    variable = keras.Variable(np.ones(3, "float32"))
    for _ in range(7):
        optimizer.apply([keras.ops.ones(3)], [variable])
    assert int(optimizer.iterations) == 7
    assert float(optimizer.learning_rate) == pytest.approx(2e-4 / (1 + 7 * 2e-4 / 4), rel=1e-6)


def test_explicit_zero_decay_is_constant(small_cfg):
    optimizer = make_optimizer(small_cfg.with_overrides({"decay": 0.0, "d_lr": 1e-4}).options().optimizers, "d")
    assert float(optimizer.learning_rate) == pytest.approx(1e-4)
    assert optimizer.beta_1 == 0.5
