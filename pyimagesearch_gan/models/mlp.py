"""The fully connected GAN of SPEC S4 (CS229, one GAN per MNIST digit).

Generator: noise (100,) -> three hidden layers of 16*alpha*2^i units (i = 1, 2, 3: 32a, 64a,
128a), each LeakyReLU(0.01) and Dropout(0.1) -> 784 (H*W*C) tanh, reshaped to the image.
Discriminator: the flattened image -> three hidden layers of 256*alpha*2^-i units (128a, 64a,
32a), each LeakyReLU(0.01) and Dropout(0.1) -> 1 sigmoid. Images stay (H, W, C) outside
the models so that the monitor, data pipeline and saving are the same as for the CNNs.
"""

import keras
from keras import layers

CONDITIONAL = False


def hidden(units, slope, dropout):
    return [layers.Dense(units), layers.LeakyReLU(negative_slope=slope), layers.Dropout(dropout)]


def build_generator(alpha=4, noise_dim=100, image_shape=(28, 28, 1), slope=0.01, dropout=0.1):
    """Noise (noise_dim,) -> image `image_shape` in [-1, 1]."""
    size = image_shape[0] * image_shape[1] * image_shape[2]
    stack = [keras.Input((noise_dim,))]
    for i in (1, 2, 3):
        stack += hidden(int(16 * alpha * 2**i), slope, dropout)
    stack += [layers.Dense(size, activation="tanh"), layers.Reshape(image_shape)]
    return keras.Sequential(stack, name="generator")


def build_discriminator(alpha=4, image_shape=(28, 28, 1), slope=0.01, dropout=0.1):
    """Image `image_shape` -> probability that it is real."""
    stack = [keras.Input(image_shape), layers.Flatten()]
    for i in (1, 2, 3):
        stack += hidden(int(256 * alpha / 2**i), slope, dropout)
    stack += [layers.Dense(1, activation="sigmoid")]
    return keras.Sequential(stack, name="discriminator")


def build(options, num_classes):
    """Generator and discriminator for `options` (config.ModelOptions; model settings:
    alpha, slope, dropout)."""
    m = options.model
    shape = (options.image_size, options.image_size, options.channels)
    alpha, slope, dropout = m.get("alpha", 4), m.get("slope", 0.01), m.get("dropout", 0.1)
    return build_generator(alpha, options.noise_dim, shape, slope, dropout), build_discriminator(
        alpha, shape, slope, dropout
    )
