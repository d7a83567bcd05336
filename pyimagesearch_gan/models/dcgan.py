"""The PyTorch DCGAN at 64x64 or 128x128 (SPEC S1 and S3), as Keras Sequential models.

Generator: noise (nz,) -> ConvTranspose k4 s1 "valid" to 4x4, then ConvTranspose k4 s2 layers
halving the width up to the image size, each BatchNorm + ReLU, and a ConvTranspose k4 s2 to
`channels` with tanh. The first width is ngf * image_size / 8 (64x64: 8*ngf as S3,
128x128: 16*ngf as S1). Discriminator: Conv k4 s2 layers ndf, 2*ndf, ... down to 4x4, each
LeakyReLU, BatchNorm on all but the first, optionally spectrally normalised (S1), then
Conv k4 s1 "valid" -> 1 and sigmoid.

As in the PyTorch sources: convolutions without bias, weights drawn from N(0, 0.02) and
BatchNorm scales from N(1, 0.02) (the DCGAN `weights_init`), BatchNorm momentum 0.9 and
epsilon 1e-5 (PyTorch's momentum=0.1, eps=1e-5). Keras "same" padding with k4 s2 pads one
pixel on each side, which is PyTorch's padding=1.

Keras' SpectralNormalization stores the normalised kernel in the kernel variable on every
call in training mode, so D's spectrally normalised kernels are rescaled by 1/sigma whenever
D runs in training mode, in the G step too (PyTorch recomputes W/sigma there as well).
"""

import math

import keras
from keras import layers

from pyimagesearch_gan.errors import UserError

CONDITIONAL = False


def weights(std=0.02):
    return keras.initializers.RandomNormal(0.0, std)


def batch_norm(momentum=0.9, epsilon=1e-5, std=0.02):
    return layers.BatchNormalization(
        momentum=momentum, epsilon=epsilon, gamma_initializer=keras.initializers.RandomNormal(1.0, std)
    )


def num_blocks(image_size):
    """Stride-2 layers between 4x4 and image_size (64 -> 4, 128 -> 5)."""
    blocks = int(round(math.log2(max(image_size, 1) / 4)))
    if blocks < 1 or 4 * 2**blocks != image_size:
        raise UserError(
            f"--image-size {image_size} does not fit the DCGAN family: use 4 * 2^k (8, 16, 32, 64, 128, ...)"
        )
    return blocks


def check(options):
    """Reject settings this family cannot build, before the run writes anything."""
    num_blocks(options.image_size)


def build_generator(image_size=64, nz=100, ngf=64, nc=3, momentum=0.9, epsilon=1e-5, init_std=0.02):
    """Noise (nz,) -> image (image_size, image_size, nc) in [-1, 1]."""
    blocks = num_blocks(image_size)
    model = keras.Sequential([keras.Input((nz,)), layers.Reshape((1, 1, nz))], name="generator")
    width = ngf * 2 ** (blocks - 1)
    model.add(
        layers.Conv2DTranspose(
            width, 4, strides=1, padding="valid", use_bias=False, kernel_initializer=weights(init_std)
        )
    )
    model.add(batch_norm(momentum, epsilon, init_std))
    model.add(layers.ReLU())
    for _ in range(blocks - 1):
        width //= 2
        model.add(
            layers.Conv2DTranspose(
                width, 4, strides=2, padding="same", use_bias=False, kernel_initializer=weights(init_std)
            )
        )
        model.add(batch_norm(momentum, epsilon, init_std))
        model.add(layers.ReLU())
    model.add(
        layers.Conv2DTranspose(nc, 4, strides=2, padding="same", use_bias=False, kernel_initializer=weights(init_std))
    )
    model.add(layers.Activation("tanh"))
    return model


def build_discriminator(
    image_size=64, nc=3, ndf=64, slope=0.2, spectral_norm=False, momentum=0.9, epsilon=1e-5, init_std=0.02
):
    """Image (image_size, image_size, nc) -> probability that it is real."""
    blocks = num_blocks(image_size)
    model = keras.Sequential([keras.Input((image_size, image_size, nc))], name="discriminator")
    for i in range(blocks):
        conv = layers.Conv2D(
            ndf * 2**i, 4, strides=2, padding="same", use_bias=False, kernel_initializer=weights(init_std)
        )
        model.add(layers.SpectralNormalization(conv) if spectral_norm else conv)
        if i > 0:
            model.add(batch_norm(momentum, epsilon, init_std))
        model.add(layers.LeakyReLU(negative_slope=slope))
    model.add(layers.Conv2D(1, 4, strides=1, padding="valid", use_bias=False, kernel_initializer=weights(init_std)))
    model.add(layers.Flatten())
    model.add(layers.Activation("sigmoid"))
    return model


def build(options, num_classes):
    """Generator and discriminator for `options` (config.ModelOptions; model settings:
    ngf, ndf, slope, spectral_norm,
    bn_momentum, bn_epsilon, init_std; noise size is options.noise_dim, the sources' nz)."""
    m = options.model
    bn = dict(momentum=m.get("bn_momentum", 0.9), epsilon=m.get("bn_epsilon", 1e-5), init_std=m.get("init_std", 0.02))
    generator = build_generator(options.image_size, options.noise_dim, m.get("ngf", 64), options.channels, **bn)
    discriminator = build_discriminator(
        options.image_size, options.channels, m.get("ndf", 64), m.get("slope", 0.2), m.get("spectral_norm", False), **bn
    )
    return generator, discriminator
