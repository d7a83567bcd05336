"""The book DCGAN (Rosebrock, DL4CV Practitioner Bundle; SPEC R0), as Keras Sequential models.

Layer for layer the book's `build_generator` and `build_discriminator`, with the book's
parameter names, so 28x28x1 (MNIST, NEU) and 28x28x3 both work.
"""

import keras
from keras import layers

CONDITIONAL = False


def build_generator(dim=7, depth=64, channels=1, inputDim=100, outputDim=512):
    """Noise (inputDim,) -> image (4*dim, 4*dim, channels) in [-1, 1]."""
    return keras.Sequential(
        [
            keras.Input((inputDim,)),
            layers.Dense(outputDim),
            layers.Activation("relu"),
            layers.BatchNormalization(),
            layers.Dense(dim * dim * depth),
            layers.Activation("relu"),
            layers.BatchNormalization(),
            layers.Reshape((dim, dim, depth)),
            layers.Conv2DTranspose(32, (5, 5), strides=(2, 2), padding="same"),
            layers.Activation("relu"),
            layers.BatchNormalization(),
            layers.Conv2DTranspose(channels, (5, 5), strides=(2, 2), padding="same"),
            layers.Activation("tanh"),
        ],
        name="generator",
    )


def build_discriminator(width=28, height=28, depth=1, alpha=0.2):
    """Image (height, width, depth) -> probability that it is real."""
    return keras.Sequential(
        [
            keras.Input((height, width, depth)),
            layers.Conv2D(32, (5, 5), padding="same", strides=(2, 2)),
            layers.LeakyReLU(negative_slope=alpha),
            layers.Conv2D(64, (5, 5), padding="same", strides=(2, 2)),
            layers.LeakyReLU(negative_slope=alpha),
            layers.Flatten(),
            layers.Dense(512),
            layers.LeakyReLU(negative_slope=alpha),
            layers.Dense(1),
            layers.Activation("sigmoid"),
        ],
        name="discriminator",
    )


def build(options, num_classes):
    """Generator and discriminator for `options` (config.ModelOptions; model settings:
    dim, depth, output_dim, alpha)."""
    m = options.model
    dim = m.get("dim", options.image_size // 4)
    if dim * 4 != options.image_size:
        dim = options.image_size // 4
    generator = build_generator(dim, m.get("depth", 64), options.channels, options.noise_dim, m.get("output_dim", 512))
    discriminator = build_discriminator(options.image_size, options.image_size, options.channels, m.get("alpha", 0.2))
    return generator, discriminator
