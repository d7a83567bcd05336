"""The command line: `pyimagesearch-gan train|presets|generate|neighbors|evaluate ...` (also `python -m pyimagesearch_gan`).

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
    "concurrent": "concurrent",
    "steps_per_execution": "steps_per_execution",
    "intra_op_threads": "intra_op_threads",
    "mixed_precision": "mixed_precision",
    "strategy": "strategy",
}


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line and exit code 2, like every other bad input."""

    def error(self, message):
        print(f"error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(2)


def add_train_parser(subparsers):
    p = subparsers.add_parser("train", help="train GANs (one per class) and write montages, plots and models")
    p.add_argument("--preset", help="settings to start from (see 'presets'; default neu-dcgan)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its last checkpoints with its saved settings "
                   "(only --epochs, to train longer, and --data-dir, if the data moved, may be given with it)")
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
    p.add_argument("--checkpoint-every", type=int, help="epochs between checkpoints (default 10; also at the end and on Ctrl-C)")
    p.add_argument("--pooled", action="store_true", help="one GAN on all selected classes instead of one per class")
    p.add_argument("--deterministic", action="store_true", help="enable TensorFlow op determinism (same results on every run)")
    p.add_argument("--jit-compile", choices=("auto", "on", "off"), help="XLA: on = the whole step, auto = the optimizer updates (and the whole step on GPU), off = none (default auto)")
    p.add_argument("--concurrent", action=argparse.BooleanOptionalAction, help="train the class GANs side by side in one compiled step (default: on, faster)")
    p.add_argument("--steps-per-execution", type=int, help="training steps per call into TensorFlow (default 1; callbacks see every k-th batch)")
    p.add_argument("--intra-op-threads", type=int, help="CPU threads per op (default 0 = auto: 1 when class GANs train concurrently on CPU, else TensorFlow's choice)")
    p.add_argument("--mixed-precision", action=argparse.BooleanOptionalAction, help="mixed_float16 compute with loss scaling (for GPUs; slow on CPU)")
    p.add_argument("--strategy", choices=("default", "mirrored", "multiworker"), help="tf.distribute strategy: mirrored = every GPU of this machine, the batch split between them")
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


RESUME_FLAGS = ("epochs", "data_dir")  # what --resume lets change: train longer, data moved


def run_train(args):
    from .presets import get_preset

    if args.resume:
        return run_resume(args)
    cfg = get_preset(args.preset or "neu-dcgan").with_overrides(train_overrides(args))
    from .trainer import train

    train(cfg)


def run_resume(args):
    """`train --resume RUN_DIR`: the run's saved settings; any other setting given is an error."""
    from .checkpoint import load_run

    defaults = vars(build_parser().parse_args(["train"]))
    given = [f"--{name.replace('_', '-')}" for name, value in vars(args).items()
             if name in defaults and name not in ("command", "run", "resume", *RESUME_FLAGS) and value != defaults[name]]
    if given:
        raise UserError(f"--resume goes on with the run's saved settings: drop {', '.join(given)} "
                        "(only --epochs, to train longer, and --data-dir may be given with --resume)")
    cfg = load_run(args.resume, epochs=args.epochs, data_dir=args.data_dir)
    from .trainer import train

    train(cfg, resume=True)


def run_presets(args):
    from .presets import PRESETS

    width = max(map(len, PRESETS))
    for name, preset in PRESETS.items():
        print(f"{name:<{width}}  {preset['description']}  [{preset['source']}]")


def add_generate_parser(subparsers):
    p = subparsers.add_parser("generate", help="write N synthetic images per class from a trained run, in class folders")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by 'train'")
    p.add_argument("--count", type=int, required=True, help="images per class")
    p.add_argument("--output", required=True, help="folder to create: <output>/<class>/<class>_00001.png and manifest.json")
    p.add_argument("--epoch", type=int, help="use this epoch's checkpoint (default: the final generators)")
    p.add_argument("--classes", default="all", help="'all' or a comma list of the run's class names or indices")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    p.add_argument("--batch-size", type=int, default=256, help="images per generator call")
    p.add_argument("--force", action="store_true", help="replace an existing --output folder")
    p.set_defaults(run=run_generate)


def run_generate(args):
    from .generate import generate

    generate(args.run_dir, args.output, count=args.count, seed=args.seed, epoch=args.epoch, classes=args.classes,
             force=args.force, batch_size=args.batch_size)


def add_real_data_flags(p):
    """Flags of the commands that compare with real images: the held-out split, the feature CNN."""
    p.add_argument("--data-dir", help="folder holding neu/, mnist/ ... (default $PYIMAGESEARCH_GAN_DATA, else ./datasets)")
    p.add_argument("--holdout", type=float, default=0.2, help="fraction of each class held out of image folders (default 0.2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the held-out split, the noise and the classifiers (default 0)")
    p.add_argument("--feature-epochs", type=int, default=10, help="epochs of the feature CNN on real images (default 10)")


def add_neighbors_parser(subparsers):
    p = subparsers.add_parser("neighbors", help="nearest training images of generated ones; flag near-copies")
    p.add_argument("generated_dir", metavar="GENERATED_DIR", help="<dir>/<class>/<image>, e.g. written by 'generate'")
    p.add_argument("--output", required=True, help="report folder (replaced as a whole)")
    p.add_argument("--dataset", help="the real data set: mnist, fashion_mnist, neu or folder (default: from manifest.json)")
    p.add_argument("--classes", default="all", help="real classes to search: 'all' or a comma list")
    p.add_argument("--k", type=int, default=5, help="neighbours shown per generated image (default 5)")
    p.add_argument("--percentile", type=float, default=1.0, help="near-copy threshold: this percentile of held-out real distances (default 1)")
    p.add_argument("--features", help="feature CNN .keras file to use, or to save after training")
    p.add_argument("--image-size", type=int, help="default: the generated images' size")
    p.add_argument("--channels", type=int, choices=(1, 3), help="default: the generated images' channels")
    add_real_data_flags(p)
    p.set_defaults(run=run_neighbors)


def run_neighbors(args):
    from .novelty import find_neighbors

    find_neighbors(args.generated_dir, output=args.output, dataset=args.dataset, data_dir=args.data_dir,
                   classes=args.classes, k=args.k, percentile=args.percentile, features=args.features,
                   feature_epochs=args.feature_epochs, holdout=args.holdout, seed=args.seed,
                   image_size=args.image_size, channels=args.channels)


def add_evaluate_parser(subparsers):
    p = subparsers.add_parser("evaluate", help="FID, KID and CAS of every saved epoch of a run; best epoch per class")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by 'train'; results go to RUN_DIR/evaluation/")
    p.add_argument("--count", type=int, default=500, help="images generated per class and epoch (default 500)")
    p.add_argument("--epochs", help="comma list of epochs to evaluate (default: every saved one)")
    p.add_argument("--cas-epochs", type=int, default=5, help="training epochs of the CAS classifier (default 5)")
    p.add_argument("--no-cas", action="store_true", help="skip CAS (FID/KID only, faster)")
    add_real_data_flags(p)
    p.set_defaults(run=run_evaluate)


def run_evaluate(args):
    from .evaluate import evaluate

    evaluate(args.run_dir, count=args.count, epochs=parse_int_list(args.epochs, "--epochs"), data_dir=args.data_dir,
             holdout=args.holdout, seed=args.seed, feature_epochs=args.feature_epochs, cas=not args.no_cas,
             cas_epochs=args.cas_epochs)


def parse_int_list(text, flag):
    if text is None:
        return None
    try:
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise UserError(f"{flag} expects a comma list of whole numbers, e.g. 10,20,50; got '{text}'") from None


def add_experiment_parser(subparsers, name, help, data, defaults):
    """A parser with the flags every augmentation experiment has; `defaults` documents its own."""
    p = subparsers.add_parser(name, help=help)
    p.add_argument("--data-dir", help=f"folder holding {data}/ (default $PYIMAGESEARCH_GAN_DATA, else ./datasets)")
    p.add_argument("--output", required=True, help="folder for results.csv, summary.md, plots, cached GANs (a rerun continues)")
    p.add_argument("--quick", action="store_true", help="tiny sizes, epochs and trials: the whole pipeline in a minute or two")
    p.add_argument("--sizes", help=f"real training images per class, comma list (default {defaults['sizes']})")
    p.add_argument("--trials", type=int, help="classifier trials per setting (default 5)")
    p.add_argument("--gan-preset", help=f"GAN preset (default {defaults['gan_preset']})")
    p.add_argument("--clf-steps", type=int, help=f"classifier updates, rounded to whole epochs (default {defaults['clf_steps']})")
    p.add_argument("--clf-batch", type=int, help=f"classifier batch size (default {defaults['clf_batch']})")
    p.add_argument("--seed", type=int)
    p.add_argument("--gan-set", action="append", metavar="KEY=VALUE", help="any other GAN setting, e.g. --gan-set jit_compile=false")
    return p


def run_experiment(module, args, names, lists):
    """Settings from the flags (`lists`: comma-list flags and their item type), then run."""
    from .experiments import common

    overrides = {name: tuple(common.parse_list(getattr(args, name), kind, f"--{name}")) if getattr(args, name) else None for name, kind in lists.items()}
    for name in ("trials", "gan_preset", "clf_steps", "clf_batch", "seed", *names):
        overrides[name] = getattr(args, name)
    overrides["gan_set"] = parse_assignments(args.gan_set) or None
    module.run(common.make_settings(module.Settings, module.QUICK, args.quick, overrides), args.data_dir, args.output)


def add_augment_mnist_parser(subparsers):
    p = add_experiment_parser(subparsers, "augment-mnist", "S4 experiments: classifiers on synthetic-only and real+synthetic MNIST (tables, plots)",
                              "mnist", {"sizes": "250,500", "gan_preset": "mnist-mlp-gan", "clf_steps": 1000, "clf_batch": 64})
    p.add_argument("--ratios", help="mixing ratios synthetic/real (default 0,0.25,0.5,1,2,4)")
    p.add_argument("--alphas", help="GAN sizes for Table 1; the first is used for mixing (default 4; the paper: 1,2,4,6)")
    p.add_argument("--synthetic-per-digit", type=int, help="synthetic images per digit for Table 1 (default 1000)")
    p.add_argument("--classifiers", help="comma list of s4-mlp, s3-cnn, feature-cnn (default s4-mlp,s3-cnn)")
    p.add_argument("--gan-epochs", type=int, help="GAN epochs (passes over the real images; default 2000 as the paper)")
    p.add_argument("--recursive", type=int, help="rounds of S4's recursive training (default 0: off)")
    p.set_defaults(run=run_augment_mnist)


def run_augment_mnist(args):
    from .experiments import augment_mnist

    run_experiment(augment_mnist, args, ("synthetic_per_digit", "gan_epochs", "recursive"),
                   {"sizes": int, "ratios": float, "alphas": int, "classifiers": str})


def add_augment_neu_parser(subparsers):
    p = add_experiment_parser(subparsers, "augment-neu", "S3's five situations on NEU with few real images per class (tables, plots)",
                              "neu", {"sizes": "10,20,50", "gan_preset": "neu-dcgan", "clf_steps": 600, "clf_batch": 16})
    p.add_argument("--test-per-class", type=int, help="held-out real test images per class (default 100)")
    p.add_argument("--k", type=int, help="synthetic images per class for +k (and 2k for +2k); default k = n")
    p.add_argument("--gan-steps", type=int, help="GAN updates per class GAN (default 1000)")
    p.add_argument("--gan-batch", type=int, help="GAN batch size, at most n // 2 (default 16)")
    p.add_argument("--classifier", help="s3-cnn (default) or feature-cnn")
    p.set_defaults(run=run_augment_neu)


def run_augment_neu(args):
    from .experiments import augment_neu

    run_experiment(augment_neu, args, ("test_per_class", "k", "gan_steps", "gan_batch", "classifier"), {"sizes": int})


def add_bench_parser(subparsers):
    p = subparsers.add_parser("bench", help="time the book loop, the compiled step and concurrent classes; markdown table + JSON")
    p.add_argument("--preset", default="neu-dcgan", help="model and data to time (default neu-dcgan: R0 models, NEU classes)")
    p.add_argument("--data-dir", help="folder holding the preset's data (default $PYIMAGESEARCH_GAN_DATA, else ./datasets; random images if missing)")
    p.add_argument("--batch-sizes", default="16,128", help="comma list (default 16,128)")
    p.add_argument("--classes", type=int, default=6, help="class GANs in the concurrent step (default 6)")
    p.add_argument("--steps", type=int, default=18, help="steps per timed epoch (default 18, a NEU epoch at batch 16)")
    p.add_argument("--repeats", type=int, default=3, help="timed epochs after the warm-up one; the median is reported (default 3)")
    p.add_argument("--modes", default="book,step,concurrent", help="comma list of book, step, concurrent")
    p.add_argument("--xla", default="off,auto,on", help="XLA settings of the compiled modes, comma list of off, auto (the default: optimizer updates only, on CPU), on (default all three)")
    p.add_argument("--intra-op-threads", type=int, default=0, help="CPU threads per op for the whole bench (default 0: TensorFlow's; 1 is what training uses for concurrent classes on CPU)")
    p.add_argument("--quick", action="store_true", help="seconds, not minutes: batch 4, 2 classes, 3 steps, XLA auto (a smoke test)")
    p.add_argument("--output", default="output/bench", help="folder for bench.json and bench.md (default output/bench)")
    p.set_defaults(run=run_bench)


def run_bench(args):
    from . import bench

    bench.main(args)


def build_parser():
    parser = Parser(prog="pyimagesearch-gan", description="GAN-based image data augmentation (Keras 3 / TensorFlow).")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    add_train_parser(subparsers)
    subparsers.add_parser("presets", help="list the presets with their source").set_defaults(run=run_presets)
    add_generate_parser(subparsers)
    add_neighbors_parser(subparsers)
    add_evaluate_parser(subparsers)
    add_augment_mnist_parser(subparsers)
    add_augment_neu_parser(subparsers)
    add_bench_parser(subparsers)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        exit_on_user_error(args.run, args)
    except KeyboardInterrupt as err:  # checkpoint.Interrupted says where the run stopped and how to resume it
        print(str(err) or "interrupted", file=sys.stderr)
        raise SystemExit(getattr(err, "exit_code", 130)) from None


if __name__ == "__main__":
    main()
