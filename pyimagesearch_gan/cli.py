"""The command line: `pyimagesearch-gan train|presets ...` (also `python -m pyimagesearch_gan`).

Every setting of a preset can be changed: the common ones have their own flags, any other
with `--set key=value` (model settings as `--set model.alpha=0.3`).
"""
import argparse
import sys

from .config import parse_assignments
from .errors import UserError, exit_on_user_error

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
}


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line and exit code 2, like every other bad input."""

    def error(self, message):
        print(f"error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(2)


def add_train_parser(subparsers):
    p = subparsers.add_parser("train", help="train GANs (one per class) and write montages, plots and models")
    p.add_argument("--preset", default="neu-dcgan", help="settings to start from (see 'presets'; default neu-dcgan)")
    p.add_argument("--dataset", help="mnist, fashion_mnist, neu or folder")
    p.add_argument("--data-dir", help="folder holding neu/, mnist/ ... (for 'folder': the class-per-subfolder tree); default $PYIMAGESEARCH_GAN_DATA, else ./datasets")
    p.add_argument("--classes", help="'all' or a comma list of class names or indices")
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
    p.add_argument("--checkpoint-every", type=int, help="epochs between checkpoints")
    p.add_argument("--pooled", action="store_true", help="one GAN on all selected classes instead of one per class")
    p.add_argument("--deterministic", action="store_true", help="enable TensorFlow op determinism (same results on every run)")
    p.add_argument("--jit-compile", choices=("auto", "on", "off"), help="XLA-compile the training step")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="any other setting, e.g. --set real_label=0.9 --set model.alpha=0.3")
    p.set_defaults(run=run_train)


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


def run_train(args):
    from .presets import get_preset
    from .trainer import train

    cfg = get_preset(args.preset).with_overrides(train_overrides(args))
    train(cfg)


def run_presets(args):
    from .presets import PRESETS

    width = max(map(len, PRESETS))
    for name, preset in PRESETS.items():
        print(f"{name:<{width}}  {preset['description']}  [{preset['source']}]")


def build_parser():
    parser = Parser(prog="pyimagesearch-gan", description="GAN-based image data augmentation (Keras 3 / TensorFlow).")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    add_train_parser(subparsers)
    subparsers.add_parser("presets", help="list the presets with their source").set_defaults(run=run_presets)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        exit_on_user_error(args.run, args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
