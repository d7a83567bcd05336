"""`pyimagesearch-gan bench`: time the book loop, the compiled step and concurrent class GANs."""

from pyimagesearch_gan.commands.options import whole


def add_parser(subparsers):
    p = subparsers.add_parser(
        "bench", help="time the book loop, the compiled step and concurrent classes; markdown table + JSON"
    )
    p.add_argument(
        "--preset", default="neu-dcgan", help="model and data to time (default neu-dcgan: R0 models, NEU classes)"
    )
    p.add_argument(
        "--data-dir",
        help=(
            "folder holding the preset's data (default $PYIMAGESEARCH_GAN_DATA, else ./datasets; random "
            "images if missing)"
        ),
    )
    p.add_argument("--batch-sizes", default="16,128", help="comma list (default 16,128)")
    p.add_argument("--classes", type=whole(1), default=6, help="class GANs in the concurrent step (default 6)")
    p.add_argument(
        "--steps", type=whole(1), default=18, help="steps per timed epoch (default 18, a NEU epoch at batch 16)"
    )
    p.add_argument(
        "--repeats",
        type=whole(1),
        default=3,
        help="timed epochs after the warm-up one; the median is reported (default 3)",
    )
    p.add_argument(
        "--modes",
        default="book,step,concurrent",
        help=(
            "comma list of book, step, concurrent, run (whole runs of --run-epochs epochs in new processes: the "
            "book's script and `train`, start-up and files included) (default book,step,concurrent)"
        ),
    )
    p.add_argument("--run-epochs", type=whole(1), default=8, help="epochs of the whole runs of --modes run (default 8)")
    p.add_argument(
        "--xla",
        default="off,auto,on",
        help=(
            "XLA settings of the compiled modes, comma list of off, auto (the default: optimizer updates "
            "only, on CPU), on (default all three)"
        ),
    )
    p.add_argument(
        "--intra-op-threads",
        type=whole(0),
        default=0,
        help=(
            "CPU threads per op for the whole bench (default 0: TensorFlow's; 1 is what training uses for "
            "concurrent classes on CPU)"
        ),
    )
    p.add_argument(
        "--fuse",
        action="store_true",
        help="the classes fused into one model (as train --fuse) where the joint step is timed: start-up, the "
        "concurrent mode and train's whole run",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="seconds, not minutes: batch 4, 2 classes, 3 steps, XLA auto (a smoke test)",
    )
    p.add_argument("--output", default="output/bench", help="folder for bench.json and bench.md (default output/bench)")
    p.set_defaults(run=run)


def run(args):
    from pyimagesearch_gan.speed.settings import settings_from_args
    from pyimagesearch_gan.utils import import_tensorflow

    settings_from_args(args)  # every option checked before TensorFlow starts
    import_tensorflow()
    from pyimagesearch_gan.speed import bench

    bench.main(args)
