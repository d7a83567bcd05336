"""What `pyimagesearch-gan bench` and the book's script measure, without TensorFlow: the
settings from the command line (parsed and checked here, so that a bad bench option is one
line before TensorFlow starts) and the images they time (`class_images`); `bench.py` runs them.
"""

import dataclasses

import numpy as np

from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import check_writable
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.utils import parse_list


@dataclasses.dataclass
class BenchSettings:
    preset: str = "neu-dcgan"
    data_dir: str | None = None
    batch_sizes: tuple = (16, 128)
    classes: int = 6
    steps: int = 18
    repeats: int = 3
    modes: tuple = ("book", "step", "concurrent")
    xla: tuple = ("off", "auto", "on")
    intra_op_threads: int = 0  # 0: TensorFlow's choice; training uses 1 for concurrent classes on CPU
    run_epochs: int = 8  # epochs of the whole runs of mode "run"
    fuse: bool = False  # start-up, concurrent mode and train's whole run with the classes fused (train --fuse)

    @classmethod
    def quick(cls, **overrides):
        """Seconds, not minutes: tiny batches, two classes, the default XLA setting; for tests."""
        return cls(**{"batch_sizes": (4,), "classes": 2, "steps": 3, "repeats": 2, "xla": ("auto",), **overrides})


JIT = {"off": False, "auto": "auto", "on": True}  # --xla value -> compile(jit_compile=...)
MODES = ("book", "step", "concurrent", "run")


def positive_list(text, flag):
    values = tuple(parse_list(text, int, flag))
    if min(values) < 1:
        raise UserError(f"{flag} expects a comma list of positive whole numbers, got '{text}'")
    return values


def settings_from_args(args):
    """BenchSettings from the `bench` command line (`--quick` shrinks sizes, keeps the rest)."""
    for flag, value in (
        ("--classes", args.classes),
        ("--steps", args.steps),
        ("--repeats", args.repeats),
        ("--run-epochs", args.run_epochs),
    ):
        if value < 1:
            raise UserError(f"{flag} must be at least 1, got {value}")
    if args.intra_op_threads < 0:
        raise UserError(f"--intra-op-threads must be 0 (TensorFlow's choice) or more, got {args.intra_op_threads}")
    get_preset(args.preset)
    chosen = {
        "preset": args.preset,
        "data_dir": args.data_dir,
        "modes": tuple(parse_list(args.modes, str, "--modes", MODES)),
        "run_epochs": args.run_epochs,
        "fuse": args.fuse,
    }
    check_writable(args.output)
    if args.quick:
        return BenchSettings.quick(**chosen)
    return BenchSettings(
        **chosen,
        batch_sizes=positive_list(args.batch_sizes, "--batch-sizes"),
        classes=args.classes,
        steps=args.steps,
        repeats=args.repeats,
        xla=tuple(parse_list(args.xla, str, "--xla", tuple(JIT))),
        intra_op_threads=args.intra_op_threads,
    )


def class_images(cfg, settings):
    """uint8 images per class: the data set's first `classes` classes, else random images."""
    try:
        data = load_dataset(
            cfg.dataset,
            settings.data_dir,
            image_size=cfg.image_size,
            channels=cfg.channels,
            prefer_extension=cfg.prefer_ext,
        )
        per_class = [data.of_class(c) for c in range(min(settings.classes, len(data.class_names)))]
        source = f"{cfg.dataset} ({len(per_class)} classes, {len(per_class[0])} images in the first)"
    except UserError as err:
        rng = np.random.default_rng(cfg.seed)
        shape = (300, cfg.image_size, cfg.image_size, cfg.channels)
        per_class = [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(settings.classes)]
        source = f"random images ({err})"
    return per_class, source
