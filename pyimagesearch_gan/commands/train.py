"""`pyimagesearch-gan train`: train GANs (one per class) from a preset and flags, or `--resume` a run.

Every setting of a preset can be changed: the common ones have their own flags, any other
with `--set key=value` (model settings as `--set model.alpha=0.3`).
"""

import argparse
import sys

from pyimagesearch_gan.config import TrainConfig, parse_assignments
from pyimagesearch_gan.data import PAIR_ORDER
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.runs import open_run
from pyimagesearch_gan.training.plan import plan_run
from pyimagesearch_gan.utils import import_tensorflow


def check_tensorboard():
    import importlib.util

    if importlib.util.find_spec("tensorboard") is None:
        raise UserError(
            "--tensorboard needs the tensorboard package: pip install -e '.[tensorboard]' "
            "(or pip install tensorboard), or train without --tensorboard"
        )


DEFAULTS = TrainConfig()  # the help texts show the config's own defaults
TRAIN_FLAGS = {  # flag -> config field
    "dataset": "dataset",
    "data_dir": "data_dir",
    "classes": "classes",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "image_size": "image_size",
    "channels": "channels",
    "output": "output",
    "seed": "seed",
    "d_lr": "d_lr",
    "g_lr": "g_lr",
    "beta_1": "beta_1",
    "beta_2": "beta_2",
    "decay": "decay",
    "checkpoint_every": "checkpoint_every",
    "concurrent": "concurrent",
    "fuse": "fuse",
    "steps_per_execution": "steps_per_execution",
    "intra_op_threads": "intra_op_threads",
    "mixed_precision": "mixed_precision",
    "strategy": "strategy",
    "diffaugment": "diffaugment",
    "ada_target": "ada_target",
    "prefer_ext": "prefer_ext",
    "tensorboard": "tensorboard",
    "sample_every": "sample_every",
    "max_per_class": "max_per_class",
}


def add_parser(subparsers):
    p = subparsers.add_parser("train", help="train GANs (one per class) and write montages, plots and models")
    p.add_argument("--preset", help="settings to start from (see 'presets'; default neu-dcgan)")
    p.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue the run in RUN_DIR from its last checkpoints with its saved settings "
        "(only --epochs, to train longer, and --data-dir, if the data moved, may be given with it)",
    )
    p.add_argument("--dataset", help="mnist, fashion_mnist, neu or folder")
    p.add_argument(
        "--data-dir",
        help=(
            "folder holding neu/, mnist/ ... (for 'folder': the class-per-subfolder tree); default "
            "$PYIMAGESEARCH_GAN_DATA, else ./datasets"
        ),
    )
    p.add_argument("--classes", help="'all' or a comma list of class names or indices")
    p.add_argument(
        "--prefer-ext",
        choices=tuple(extension[1:] for extension in PAIR_ORDER),
        help=(
            "which file of an image + mask pair with the same name to keep (default: the first of "
            f"{', '.join(PAIR_ORDER)})"
        ),
    )
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--image-size", type=int, help="square image side the models work at")
    p.add_argument("--channels", type=int, choices=(1, 3))
    p.add_argument("--output", help="run folder (default output/<preset>_<time>)")
    p.add_argument("--seed", type=int)
    p.add_argument("--lr", type=float, help="learning rate of both optimizers")
    p.add_argument("--d-lr", type=float, help="discriminator learning rate")
    p.add_argument("--g-lr", type=float, help="generator (combined model) learning rate")
    p.add_argument("--beta-1", type=float)
    p.add_argument("--beta-2", type=float)
    p.add_argument("--decay", type=float, help="Keras 2 style decay per update (default: lr / epochs, the book's)")
    p.add_argument(
        "--diffaugment",
        metavar="POLICY",
        help="DiffAugment on every input of D, real and fake: a comma list of color, translation, cutout, or none "
        "(default none; the data-efficient preset neu-dcgan-diffaug uses all three)",
    )
    p.add_argument(
        "--ada-target",
        type=float,
        metavar="RT",
        help="adaptive augmentation (ADA): apply each --diffaugment policy with a probability that rises while "
        "D is sure of the real images (mean sign of its logit above RT) and falls otherwise; ADA uses 0.6 "
        f"(default 0: always apply; --set ada_kimg=N sets the speed, default {DEFAULTS.ada_kimg:g})",
    )
    p.add_argument(
        "--max-per-class",
        type=int,
        help="train on at most N images of each class, chosen by --seed (e.g. a quick first run on MNIST)",
    )
    p.add_argument(
        "--sample-every",
        type=int,
        help="write the fixed-noise montage every N epochs and at the last "
        f"(default {DEFAULTS.sample_every}, the book's every epoch)",
    )
    p.add_argument(
        "--checkpoint-every",
        type=int,
        help=f"epochs between checkpoints (default {DEFAULTS.checkpoint_every}; also at the end and on Ctrl-C)",
    )
    p.add_argument("--pooled", action="store_true", help="one GAN on all selected classes instead of one per class")
    p.add_argument(
        "--deterministic", action="store_true", help="enable TensorFlow op determinism (same results on every run)"
    )
    p.add_argument(
        "--jit-compile",
        choices=("auto", "on", "off"),
        help=(
            "XLA: on = the whole step, auto = the optimizer updates (and the whole step on GPU), off = none "
            "(default auto)"
        ),
    )
    p.add_argument(
        "--concurrent",
        action=argparse.BooleanOptionalAction,
        help="train the class GANs side by side in one compiled step (default: auto, always for classes of equal "
        "size, and for classes of different sizes when the run is long enough to pay for the joint step's larger "
        "graph; the first line says which and why)",
    )
    p.add_argument(
        "--fuse",
        action=argparse.BooleanOptionalAction,
        help=(
            "side by side class GANs as one model of stacked weights, its step traced once: about 4 s less "
            "start-up, about 20%% slower epochs, for short runs (default: off; not for classes of different sizes, "
            "the balancing rule, spectral norm, mixed precision or a strategy)"
        ),
    )
    p.add_argument(
        "--steps-per-execution",
        type=int,
        help=f"training steps per call into TensorFlow (default {DEFAULTS.steps_per_execution}; callbacks see every "
        "k-th batch)",
    )
    p.add_argument(
        "--intra-op-threads",
        type=int,
        help=(
            "CPU threads per op (default 0 = auto: 1 when class GANs train concurrently on CPU, else "
            "TensorFlow's choice)"
        ),
    )
    p.add_argument(
        "--mixed-precision",
        action=argparse.BooleanOptionalAction,
        help="mixed_float16 compute with loss scaling (for GPUs; slow on CPU)",
    )
    p.add_argument(
        "--strategy",
        choices=("default", "mirrored", "multiworker"),
        help="tf.distribute strategy: mirrored = every GPU of this machine, the batch split between them",
    )
    p.add_argument(
        "--tensorboard",
        action=argparse.BooleanOptionalAction,
        help="also write TensorBoard logs (losses, learning rates, montages) to RUN_DIR/tensorboard/; "
        "view with: tensorboard --logdir RUN_DIR/tensorboard",
    )
    p.add_argument(
        "--verbose",
        action="store_true",
        help="every loss of every class on each epoch line, and TensorFlow's start-up messages",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="any other setting, e.g. --set real_label=0.9 --set model.alpha=0.3",
    )
    p.set_defaults(run=run)


def train_overrides(args):
    """The config overrides named on the command line."""
    overrides = {field: getattr(args, flag) for flag, field in TRAIN_FLAGS.items() if getattr(args, flag) is not None}
    if args.lr is not None:
        overrides.setdefault("d_lr", args.lr)
        overrides.setdefault("g_lr", args.lr)
    if args.pooled:
        overrides["per_class"] = False
    if args.deterministic:
        overrides["deterministic"] = True
    if args.jit_compile:
        overrides["jit_compile"] = {"auto": "auto", "on": True, "off": False}[args.jit_compile]
    overrides.update(parse_assignments(args.set))
    return overrides


def write_run_report(run_dir):
    """The run's report page and progress GIFs, at the end of training however it ended; a
    failure here is a warning: it must never hide how training ended."""
    from pyimagesearch_gan.report import write_report

    try:
        print(f"report: {write_report(run_dir)}", flush=True)
    except Exception as err:
        print(
            f"warning: could not write the report of {run_dir} ({err}); try 'pyimagesearch-gan report {run_dir}'",
            file=sys.stderr,
        )


RESUME_FLAGS = ("epochs", "data_dir", "verbose")  # what --resume lets change: train longer, data moved


def run(args):
    if args.resume:
        return run_resume(args)
    cfg = get_preset(args.preset or "neu-dcgan").with_overrides(train_overrides(args))
    plan = plan_run(cfg)  # the input is checked before TensorFlow starts
    if cfg.tensorboard:
        check_tensorboard()
    import_tensorflow(args.verbose)
    from pyimagesearch_gan.training.trainer import train

    train(cfg, plan=plan, verbose=args.verbose, on_end=write_run_report)


def run_resume(args):
    """`train --resume RUN_DIR`: the run's saved settings; any other setting given is an error."""
    from pyimagesearch_gan.commands import build_parser

    defaults = vars(build_parser().parse_args(["train"]))
    given = [
        f"--{name.replace('_', '-')}"
        for name, value in vars(args).items()
        if name in defaults and name not in ("command", "run", "resume", *RESUME_FLAGS) and value != defaults[name]
    ]
    if given:
        raise UserError(
            f"--resume goes on with the run's saved settings: drop {', '.join(given)} "
            "(only --epochs, to train longer, and --data-dir may be given with --resume)"
        )
    cfg = resume_config(args.resume, epochs=args.epochs, data_dir=args.data_dir)
    plan = plan_run(cfg, resume=True)
    import_tensorflow(args.verbose)
    from pyimagesearch_gan.training.trainer import train

    train(cfg, resume=True, plan=plan, verbose=args.verbose, on_end=write_run_report)


def resume_config(run_dir, *, epochs=None, data_dir=None):
    """The config of the run in `run_dir` for `train --resume`, with `--epochs`/`--data-dir` applied."""
    cfg = open_run(run_dir, flag="--resume").cfg
    changes = {"output": str(run_dir)}
    if data_dir is not None:
        changes["data_dir"] = data_dir
    if epochs is not None and epochs != cfg.epochs:
        if epochs < cfg.epochs:
            raise UserError(
                f"--epochs {epochs} with --resume: the run has {cfg.epochs} epochs, --epochs can only extend it"
            )
        # The learning rates go on decaying at the saved rate: the book's lr / epochs of the original run.
        changes.update(epochs=epochs, decay_epochs=cfg.decay_epochs or cfg.epochs)
    return cfg.with_overrides(changes)
