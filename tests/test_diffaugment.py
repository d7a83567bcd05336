"""DiffAugment: the policies do what the reference code does, reproducibly, differentiably, under XLA.

Small seeded batches on CPU. The geometric tests use images whose content makes the transform
visible: a single bright pixel for translation, a constant image for the zero padding and the
cut-out square.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.training.diffaugment import (
    POLICIES,
    AdaptiveDiffAugment,
    DiffAugment,
    augment,
    cutout_size,
    make_augmenter,
    max_shift,
    parse_policy,
)

FULL = ("color", "translation", "cutout")
SIDE = 28


def images(batch=16, channels=1, dtype="float32", seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, (batch, SIDE, SIDE, channels)).astype(dtype))


def draws(seed_generator):
    """How many draws the generator has made (each keras.random call adds 1)."""
    return int(seed_generator.state.numpy()[1])


# --- parse_policy ------------------------------------------------------------------------------
def test_parse_policy_canonical_order():
    assert parse_policy("cutout, color,translation,color") == FULL
    assert parse_policy("translation") == ("translation",)
    assert POLICIES == FULL
    for empty in (None, "", "none", " None "):
        assert parse_policy(empty) == ()


def test_parse_policy_unknown_name_is_a_user_error():
    with pytest.raises(UserError) as error:
        parse_policy("color,flip")
    message = str(error.value)
    assert "--diffaugment" in message and "'flip'" in message
    assert all(name in message for name in POLICIES)


# --- the transforms ----------------------------------------------------------------------------
def test_empty_policy_is_the_identity():
    x, seed_generator = images(), keras.random.SeedGenerator(1)
    assert augment(x, (), seed_generator) is x
    assert augment(x, "none", seed_generator) is x
    assert draws(seed_generator) == 0


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("policy", POLICIES)
def test_each_policy_changes_the_batch_and_keeps_shape_and_dtype(policy, channels, dtype):
    x = images(channels=channels, dtype=dtype)
    out = augment(x, (policy,), keras.random.SeedGenerator(1))
    assert out.shape == x.shape and out.dtype == x.dtype
    changed = np.any(out.numpy() != x.numpy(), axis=(1, 2, 3))
    assert changed.mean() > 0.5  # translation by (0, 0) leaves some images as they were


def test_same_seed_same_result_and_each_call_differs():
    x = images()
    first = augment(x, FULL, keras.random.SeedGenerator(7))
    again = augment(x, FULL, keras.random.SeedGenerator(7))
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    seed_generator = keras.random.SeedGenerator(7)
    one, two = augment(x, FULL, seed_generator), augment(x, FULL, seed_generator)
    np.testing.assert_array_equal(one.numpy(), first.numpy())
    assert np.any(one.numpy() != two.numpy())
    other_seed = augment(x, FULL, keras.random.SeedGenerator(8))
    assert np.any(other_seed.numpy() != first.numpy())


def test_translation_moves_a_pixel_by_at_most_an_eighth_of_the_side():
    limit = max_shift(SIDE)
    assert limit == 4  # round(28 / 8), as the reference rounds
    x = np.zeros((64, SIDE, SIDE, 1), "float32")
    x[:, 14, 14] = 1.0
    out = augment(tf.constant(x), ("translation",), keras.random.SeedGenerator(2)).numpy()
    shifts = []
    for image in out:
        (row,), (col,) = np.nonzero(image[..., 0] == 1.0)
        shifts.append((row - 14, col - 14))
        assert np.count_nonzero(image) == 1
    shifts = np.array(shifts)
    assert np.abs(shifts).max() == limit and shifts.min() == -limit  # the whole range is used
    assert len({tuple(s) for s in shifts}) > 20


def test_translation_pads_with_zeros():
    out = augment(tf.ones((32, SIDE, SIDE, 1)), ("translation",), keras.random.SeedGenerator(3)).numpy()[..., 0]
    assert set(np.unique(out)) <= {0.0, 1.0}
    for image in out:
        ones_rows, ones_cols = np.nonzero(image.any(axis=1))[0], np.nonzero(image.any(axis=0))[0]
        # the ones form one block; the zero strips along the borders are at most `limit` wide
        assert image[np.ix_(ones_rows, ones_cols)].all() and image.sum() == len(ones_rows) * len(ones_cols)
        assert SIDE - len(ones_rows) <= max_shift(SIDE) and SIDE - len(ones_cols) <= max_shift(SIDE)
    assert (out == 0).any()


def test_cutout_zeroes_a_square_of_half_the_side():
    size = cutout_size(SIDE)
    assert size == 14
    out = augment(tf.ones((64, SIDE, SIDE, 1)), ("cutout",), keras.random.SeedGenerator(4)).numpy()[..., 0]
    full_squares = 0
    for image in out:
        zero = image == 0
        rows, cols = zero.any(axis=1), zero.any(axis=0)
        assert np.array_equal(zero, np.outer(rows, cols))  # one axis-aligned block
        # the centre lies in the image, so a square clipped at a border keeps at least half its side
        assert size // 2 <= rows.sum() <= size and size // 2 <= cols.sum() <= size
        full_squares += rows.sum() == size and cols.sum() == size
    assert full_squares > 5  # about (15 / 29)^2 of them lie fully inside


def test_color_has_no_saturation_step_on_gray_images():
    gray, rgb = images(channels=1), images(channels=3)
    seed_gray, seed_rgb = keras.random.SeedGenerator(5), keras.random.SeedGenerator(5)
    out = augment(gray, ("color",), seed_gray).numpy()
    augment(rgb, ("color",), seed_rgb)
    assert draws(seed_rgb) == draws(seed_gray) + 1  # gate, brightness, [saturation], contrast
    # brightness then contrast: each gray image is mapped by x -> a x + b, a in [0.5, 1.5]
    for before, after in zip(gray.numpy().reshape(16, -1), out.reshape(16, -1)):
        slope, offset = np.polyfit(before, after, 1)
        np.testing.assert_allclose(after, slope * before + offset, atol=1e-5)
        assert 0.5 <= slope <= 1.5


def test_saturation_keeps_gray_pixels_gray():
    gray_rgb = tf.repeat(images(channels=1), 3, axis=-1)
    out = augment(gray_rgb, ("color",), keras.random.SeedGenerator(6)).numpy()
    np.testing.assert_allclose(out[..., 0], out[..., 2], atol=1e-6)
    colour = augment(images(channels=3), ("color",), keras.random.SeedGenerator(6)).numpy()
    assert np.abs(colour[..., 0] - colour[..., 2]).max() > 0.1


def test_gradients_reach_the_input():
    x = tf.Variable(images(channels=3))
    weights = tf.constant(np.random.default_rng(1).normal(size=x.shape).astype("float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(augment(x, FULL, keras.random.SeedGenerator(1)) * weights)
    grad = tape.gradient(loss, x).numpy()
    assert np.isfinite(grad).all()
    assert (np.abs(grad).reshape(16, -1).max(axis=1) > 0).all()  # every image passes gradient


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_works_under_xla(dtype):
    seed_generator = keras.random.SeedGenerator(1)
    probability = keras.Variable(0.5, trainable=False)

    @tf.function(jit_compile=True, input_signature=[tf.TensorSpec((None, SIDE, SIDE, 3), dtype)])
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = augment(x, FULL, seed_generator, probability=probability)
            loss = tf.reduce_sum(tf.cast(out, "float32") ** 2)
        return out, tape.gradient(loss, x)

    x = images(batch=8, channels=3, dtype=dtype)
    out, grad = step(x)
    assert out.dtype == dtype and out.shape == x.shape
    assert np.isfinite(grad.numpy().astype("float32")).all() and np.any(grad.numpy() != 0)
    assert np.any(step(x)[0].numpy() != out.numpy())  # the state advances inside the compiled step
    seed_generator.state.assign([1, 0])  # a restored checkpoint replays the same draws
    np.testing.assert_array_equal(step(x)[0].numpy(), out.numpy())


def test_probability_gates_each_policy_per_image():
    x = images(batch=64)
    assert np.array_equal(augment(x, FULL, keras.random.SeedGenerator(1), probability=0.0).numpy(), x.numpy())
    ungated = augment(x, FULL, keras.random.SeedGenerator(1))
    always = augment(x, FULL, keras.random.SeedGenerator(1), probability=tf.constant(1.0))
    np.testing.assert_array_equal(always.numpy(), ungated.numpy())
    half = augment(x, ("cutout",), keras.random.SeedGenerator(1), probability=keras.Variable(0.5)).numpy()
    cut = np.any(half != x.numpy(), axis=(1, 2, 3))
    assert 16 < cut.sum() < 48


def test_augmenters_apply_the_policy_with_their_own_seed_stream():
    x = images()
    augmenter = DiffAugment("cutout,color", seed=5)
    assert augmenter.policy == ("color", "cutout") and augmenter.log_names == () and augmenter.targets == {}
    assert augmenter(x, training=False) is x
    assert np.array_equal(augmenter(x).numpy(), augment(x, ("color", "cutout"), keras.random.SeedGenerator(5)).numpy())
    assert draws(augmenter.seed_generator) > 0 and augmenter.variables == [augmenter.seed_generator.state]
    assert make_augmenter("none", 5) is None and make_augmenter((), 5) is None
    assert type(make_augmenter("color", 5)) is DiffAugment
    ada = make_augmenter("color", 5, ada_target=0.6, ada_kimg=0.08)
    assert (
        isinstance(ada, AdaptiveDiffAugment) and ada.targets == {"ada_rt": 0.6} and ada.log_names == ("ada_p", "ada_rt")
    )
    assert [v.name for v in ada.variables] == ["augment_p", "seed_generator_state"]


def test_ada_update_measures_rt_from_d_probabilities_and_moves_p():
    ada = AdaptiveDiffAugment("color", seed=1, target=0.6, kimg=0.08)  # 0.1 per 8 images
    logs = ada.update(tf.constant([[0.9], [0.8], [0.7], [0.6]]), 8)  # every logit > 0: r_t = 1
    assert float(logs["ada_rt"]) == 1.0 and float(logs["ada_p"]) == pytest.approx(0.1) == float(ada.p.numpy())
    logs = ada.update(tf.constant([[0.9], [0.8], [0.2], [0.7]]), 8)  # r_t = (3 - 1) / 4, below the target
    assert float(logs["ada_rt"]) == 0.5 and float(ada.p.numpy()) == pytest.approx(0.0)
    assert DiffAugment("color").update(tf.constant([[0.9]]), 1) == {}, "plain DiffAugment: nothing to adapt or log"
