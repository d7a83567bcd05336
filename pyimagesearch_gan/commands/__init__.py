"""The command line: `pyimagesearch-gan COMMAND ...` (also `python -m pyimagesearch_gan`).

One module per command, each with `add_parser(subparsers)` and `run(args)`. Commands import
TensorFlow only when they run, so `--help` and bad flags answer at once.
"""

import argparse
import sys
import time

import pyimagesearch_gan
from pyimagesearch_gan.commands import augment, bench, evaluate, generate, neighbors, presets, report, train
from pyimagesearch_gan.errors import exit_on_user_error

COMMANDS = (train, presets, report, generate, neighbors, evaluate, augment, bench)


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line and exit code 2, like every other bad input."""

    def error(self, message):
        print(f"error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(2)


def build_parser():
    parser = Parser(prog="pyimagesearch-gan", description="GAN-based image data augmentation (Keras 3 / TensorFlow).")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv=None):
    pyimagesearch_gan.STARTED = time.perf_counter()  # a second command in one process starts its own clock
    args = build_parser().parse_args(argv)
    try:
        exit_on_user_error(args.run, args)
    except KeyboardInterrupt as err:  # training's Interrupted says where the run stopped and how to resume it
        print(str(err) or "interrupted", file=sys.stderr)
        raise SystemExit(getattr(err, "exit_code", 130)) from None


if __name__ == "__main__":
    main()
