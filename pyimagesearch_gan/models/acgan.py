"""AC-GAN (Odena et al.) as used by SPEC S2: one conditional model for all classes.

Generator: the class label's embedding (num_classes -> latent_dim) multiplied with the noise,
a dense projection to (size/4, size/4, depth), BatchNorm, then UpSampling2D + Conv2D + ReLU +
BatchNorm twice and a Conv2D to `channels` with tanh: three conv layers of kernel 5 (S2).
Discriminator: four Conv2D layers (16, 32, 64, 128 filters, strides 2, 2, 2, 1), each
LeakyReLU(0.2) and Dropout, flatten, then two heads: real/fake (sigmoid) and the auxiliary
classifier (softmax over the classes). The layout follows the Keras AC-GAN that S2 describes
(Keras-GAN's `acgan.py`) with S2's kernel size 5, and that code's BatchNorm momentum 0.8.
"""

import keras
from keras import layers

CONDITIONAL = True


def build_generator(num_classes, latent_dim=100, channels=1, dim=7, depth=128, kernel_size=5, momentum=0.8):
    """[noise (latent_dim,), label ()] -> image (4*dim, 4*dim, channels) in [-1, 1]."""
    noise = keras.Input((latent_dim,), name="noise")
    label = keras.Input((), dtype="int32", name="label")
    x = layers.Multiply()([noise, layers.Embedding(num_classes, latent_dim)(label)])
    x = layers.Dense(depth * dim * dim, activation="relu")(x)
    x = layers.Reshape((dim, dim, depth))(x)
    x = layers.BatchNormalization(momentum=momentum)(x)
    for filters in (depth, depth // 2):
        x = layers.UpSampling2D()(x)
        x = layers.Conv2D(filters, kernel_size, padding="same", activation="relu")(x)
        x = layers.BatchNormalization(momentum=momentum)(x)
    image = layers.Conv2D(channels, kernel_size, padding="same", activation="tanh")(x)
    return keras.Model([noise, label], image, name="generator")


def build_discriminator(num_classes, width=28, height=28, depth=1, alpha=0.2, dropout=0.25, kernel_size=5, filters=16):
    """Image -> [probability that it is real (N, 1), class probabilities (N, num_classes)]."""
    image = keras.Input((height, width, depth), name="image")
    x = image
    for i, stride in enumerate((2, 2, 2, 1)):
        x = layers.Conv2D(filters * 2**i, kernel_size, strides=stride, padding="same")(x)
        x = layers.LeakyReLU(negative_slope=alpha)(x)
        x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    validity = layers.Dense(1, activation="sigmoid", name="validity")(x)
    label = layers.Dense(num_classes, activation="softmax", name="label")(x)
    return keras.Model(image, [validity, label], name="discriminator")


def build(options, num_classes):
    """Generator and discriminator for `options` (config.ModelOptions; model settings:
    depth, kernel_size, momentum,
    alpha, dropout, filters); the generator starts at image_size / 4."""
    m = options.model
    kernel_size = m.get("kernel_size", 5)
    generator = build_generator(
        num_classes,
        options.noise_dim,
        options.channels,
        options.image_size // 4,
        m.get("depth", 128),
        kernel_size,
        m.get("momentum", 0.8),
    )
    discriminator = build_discriminator(
        num_classes,
        options.image_size,
        options.image_size,
        options.channels,
        m.get("alpha", 0.2),
        m.get("dropout", 0.25),
        kernel_size,
        m.get("filters", 16),
    )
    return generator, discriminator
