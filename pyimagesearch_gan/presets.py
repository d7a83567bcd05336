"""Named presets: each is the settings of one reference system (see ../shared/reference/SPEC.md).

A preset is a plain dict of TrainConfig fields. `description` is the one line that
`pyimagesearch-gan presets` prints and `source` the SPEC section it reproduces. Where the
source is vague or contradicts itself, the comment above the preset says what we chose and why.
"""

from pyimagesearch_gan.config import TrainConfig
from pyimagesearch_gan.errors import UserError

BOOK_MODEL = {"dim": 7, "depth": 64, "output_dim": 512, "alpha": 0.2}
# The training loop of the PyTorch sources (S1, S3, and S4's plain loop): D on a real batch then
# a fake batch, fakes from G in training mode, noise from N(0, 1), constant learning rates.
PYTORCH_LOOP = {"noise": "normal", "decay": 0.0, "d_batch": "separate", "g_training_in_d_step": True}
ACGAN_MODEL = {"depth": 128, "kernel_size": 5, "momentum": 0.8, "filters": 16, "alpha": 0.2, "dropout": 0.25}
ACGAN_TRAINING = {
    "image_size": 28,
    "channels": 1,
    "batch_size": 100,
    "noise": "normal",
    "noise_dim": 100,
    "d_lr": 2e-4,
    "g_lr": 2e-4,
    "beta_1": 0.5,
    "decay": 0.0,
    "d_batch": "separate",
    "g_training_in_d_step": False,
    "balance": False,
    "num_benchmark": 160,
}

NEU_DCGAN = {
    "description": "Book DCGAN on NEU steel defects at 28x28x1, one GAN per class, 500 epochs, batch 16",
    "source": "S0 (seed 000) with R0 models",
    "family": "book",
    "model": BOOK_MODEL,
    "dataset": "neu",
    "image_size": 28,
    "channels": 1,
    "epochs": 500,
    "batch_size": 16,
    "num_benchmark": 256,
}

PRESETS = {
    "book-mnist": {
        "description": "Book DCGAN on MNIST digits, one GAN per digit, 50 epochs, batch 128",
        "source": "R0",
        "family": "book",
        "model": BOOK_MODEL,
        "dataset": "mnist",
        "epochs": 50,
        "batch_size": 128,
    },
    "book-fashion-mnist": {
        "description": "Book DCGAN on Fashion-MNIST, one GAN per class, 50 epochs, batch 128",
        "source": "R0",
        "family": "book",
        "model": BOOK_MODEL,
        "dataset": "fashion_mnist",
        "epochs": 50,
        "batch_size": 128,
    },
    "neu-dcgan": NEU_DCGAN,
    # The same book DCGAN with DiffAugment (Zhao et al. 2020) on every input of D, real and fake,
    # in both updates: color, translation (1/8 of the side) and cutout (half the side), the
    # paper's policy for small data sets. Not a source's setting: the data-efficient variant that
    # the augmentation experiments compare with the faithful one.
    "neu-dcgan-diffaug": {
        **NEU_DCGAN,
        "description": "Book DCGAN on NEU, DiffAugment color,translation,cutout on D's inputs, 500 epochs, batch 16",
        "source": "S0 models and schedule + DiffAugment (Zhao et al. 2020)",
        "diffaugment": "color,translation,cutout",
    },
    # S1 settings; choices where the blog is silent or does not fit NEU:
    # - One GAN per NEU class (the project's purpose); the blog trained one GAN on the 300
    #   'scratches' images only: `--classes scratches` is exactly its run.
    # - channels 1: NEU is grayscale, the blog's 3 input/output channels are three copies.
    # - PyTorch loop of the blog: D on a real batch then a fake batch (d_batch separate), fakes
    #   from G in training mode, noise torch.randn (normal), constant learning rates (decay 0).
    #   The blog's G step re-scores the D-step fakes; ours draws fresh noise (same distribution).
    # - Weights N(0, 0.02), BatchNorm momentum 0.9 / eps 1e-5: PyTorch DCGAN (models/dcgan.py).
    "neu-dcgan128-sn": {
        "description": "PyTorch DCGAN 128x128x1 with spectral-norm D on NEU, one GAN per class, 128 epochs, batch 12",
        "source": "S1 (seed 001)",
        "family": "dcgan",
        "model": {"ngf": 64, "ndf": 128, "slope": 0.2, "spectral_norm": True},
        "dataset": "neu",
        "image_size": 128,
        "channels": 1,
        "epochs": 128,
        "batch_size": 12,
        "noise_dim": 100,
        "d_lr": 4e-4,
        "g_lr": 1e-4,
        "beta_1": 0.5,
        "beta_2": 0.999,
        **PYTORCH_LOOP,
        "num_benchmark": 64,
    },
    # S3 settings; choices where the report is unclear:
    # - LeakyReLU slope 0.02 as the report states (the PyTorch DCGAN tutorial it follows uses
    #   0.2; `--set model.slope=0.2` for that). ngf = ndf = 64 (the tutorial's; S3 names ngf only).
    # - Adam betas 0.5/0.999 (the tutorial's; S3 gives only lr 2e-4), no decay, BCE, PyTorch
    #   loop as for S1 (d_batch separate, fakes from G in training mode, normal noise nz = 10).
    # - Batch size 1 (S3's best): BatchNormalization stays. With one image its batch statistics
    #   are that image's per-channel mean/variance over its pixels (instance normalisation),
    #   exactly what PyTorch's BatchNorm2d computes in S3 (the smallest map is 4x4 = 16 values).
    #   Generation (montages, saved generator) uses the moving averages (momentum 0.9) of those
    #   per-image statistics.
    # - dataset "folder": S3's cows/horses are not public; point --data-dir at any RGB tree
    #   <dir>/<class>/*.jpg (one GAN per class, S3 had 41 images per class).
    "dcgan64-rgb": {
        "description": "PyTorch DCGAN 64x64 RGB, nz 10, one GAN per class of an image folder, batch 1, 1000 epochs",
        "source": "S3 (seed 003)",
        "family": "dcgan",
        "model": {"ngf": 64, "ndf": 64, "slope": 0.02, "spectral_norm": False},
        "dataset": "folder",
        "image_size": 64,
        "channels": 3,
        "epochs": 1000,
        "batch_size": 1,
        "noise_dim": 10,
        "d_lr": 2e-4,
        "g_lr": 2e-4,
        "beta_1": 0.5,
        "beta_2": 0.999,
        **PYTORCH_LOOP,
        "num_benchmark": 64,
    },
    # S2 settings; choices where the paper contradicts itself or is silent:
    # - Length: the paper quotes 10,000 iterations (losses every 1000) and "1400 epochs, batch
    #   100, sample every 100"; its Keras AC-GAN's "epoch" is one batch. We keep 10,000
    #   iterations of batch 100: 17 epochs of the 60,000 Fashion-MNIST images (10,200 steps).
    # - Balancing rule (skip the network whose loss is lower) off by default (`--set
    #   balance=true`): the paper's own log has G's loss below D's at every printed iteration,
    #   so the rule as written would never have trained G.
    # - Keras AC-GAN loop: D on the real batch then the fake batch (d_batch separate), fakes
    #   from G.predict (inference mode), noise N(0, 1), Adam 2e-4 / 0.5, no decay.
    # - Generator and discriminator as in models/acgan.py: kernel 5 as stated; no BatchNorm in D,
    #   which S2 lists as conv + LeakyReLU + Dropout. BatchNorm momentum 0.8, the Keras AC-GAN
    #   code's, not the paper's "momentum factor 0.99" (it does not say which momentum): with
    #   0.99 the moving statistics that the montages use lag ~100 updates behind G, and the first
    #   epochs' montages are flat gray while G in training mode already draws shapes.
    "acgan-fashion-mnist": {
        "description": (
            "AC-GAN on Fashion-MNIST, one conditional GAN for the 10 classes, batch 100, 17 epochs (10,000 iterations)"
        ),
        "source": "S2 (seed 002)",
        "family": "acgan",
        "model": ACGAN_MODEL,
        "dataset": "fashion_mnist",
        **ACGAN_TRAINING,
        "epochs": 17,
    },
    # The S2 AC-GAN on the six NEU classes at 28x28x1 (the size of neu-dcgan, S0, so the two
    # NEU GANs are compared on the same images; --image-size 64 works too). Same iteration
    # budget as S2: 10,000 iterations of batch 100 over 1,800 images = 556 epochs.
    "acgan-neu": {
        "description": (
            "AC-GAN on the six NEU classes at 28x28x1, one conditional GAN, batch 100, 556 epochs (10,000 iterations)"
        ),
        "source": "S2 (seed 002) on NEU",
        "family": "acgan",
        "model": ACGAN_MODEL,
        "dataset": "neu",
        **ACGAN_TRAINING,
        "epochs": 556,
    },
    # S4 settings; choices where the report is silent:
    # - Batch size 50 (not stated): it divides every train size the report uses (250, 500,
    #   1000, 2000 per digit), so each epoch sees every image.
    # - Adam betas 0.9/0.999 (the library default; the report names only the learning rates),
    #   no decay; D on real then fake (sum of the two BCE terms, Goodfellow's loss), fakes for
    #   D from G in training mode (dropout on), as a plain training loop does.
    # - Keras default initialisers (Glorot uniform); the report does not say.
    "mnist-mlp-gan": {
        "description": (
            "Fully connected GAN (alpha 4) per MNIST digit, label smoothing 0.9, 2 G steps per D step, 2000 epochs"
        ),
        "source": "S4 (seed 004)",
        "family": "mlp",
        "model": {"alpha": 4, "slope": 0.01, "dropout": 0.1},
        "dataset": "mnist",
        "image_size": 28,
        "channels": 1,
        "epochs": 2000,
        "batch_size": 50,
        "noise_dim": 100,
        "d_lr": 7.5e-4,
        "g_lr": 1.5e-4,
        "beta_1": 0.9,
        "beta_2": 0.999,
        **PYTORCH_LOOP,
        "real_label": 0.9,
        "g_steps": 2,
        "num_benchmark": 256,
    },
}


def get_preset(name):
    """The TrainConfig of preset `name`."""
    if name not in PRESETS:
        raise UserError(f"unknown preset '{name}'; run 'pyimagesearch-gan presets' to list them ({', '.join(PRESETS)})")
    return TrainConfig(preset=name).with_overrides(PRESETS[name])
