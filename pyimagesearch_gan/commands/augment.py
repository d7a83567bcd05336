"""`pyimagesearch-gan augment-mnist` and `augment-neu`: do synthetic images help a classifier?

The experiments of the reference papers (S4 on MNIST, S3's five situations on NEU); a rerun
with the same --output continues where the last one stopped.
"""

from pyimagesearch_gan.config import parse_assignments
from pyimagesearch_gan.utils import import_tensorflow, parse_list


def add_experiment_parser(subparsers, name, help, data, defaults):
    """A parser with the flags every augmentation experiment has; `defaults` documents its own."""
    p = subparsers.add_parser(name, help=help)
    p.add_argument("--data-dir", help=f"folder holding {data}/ (default $PYIMAGESEARCH_GAN_DATA, else ./datasets)")
    p.add_argument(
        "--output", required=True, help="folder for results.csv, summary.md, plots, cached GANs (a rerun continues)"
    )
    p.add_argument(
        "--quick", action="store_true", help="tiny sizes, epochs and trials: the whole pipeline in a minute or two"
    )
    p.add_argument("--sizes", help=f"real training images per class, comma list (default {defaults['sizes']})")
    p.add_argument("--trials", type=int, help="classifier trials per setting (default 5)")
    p.add_argument("--gan-preset", help=f"GAN preset (default {defaults['gan_preset']})")
    p.add_argument(
        "--clf-steps", type=int, help=f"classifier updates, rounded to whole epochs (default {defaults['clf_steps']})"
    )
    p.add_argument("--clf-batch", type=int, help=f"classifier batch size (default {defaults['clf_batch']})")
    p.add_argument("--seed", type=int)
    p.add_argument(
        "--gan-set",
        action="append",
        metavar="KEY=VALUE",
        help="any other GAN setting, e.g. --gan-set jit_compile=false",
    )
    return p


def run_experiment(module, args, names, lists):
    """Settings from the flags (`lists`: comma-list flags and their item type), then run."""
    import_tensorflow()
    from pyimagesearch_gan.experiments import common

    overrides = {
        name: tuple(parse_list(getattr(args, name), kind, f"--{name}")) if getattr(args, name) else None
        for name, kind in lists.items()
    }
    for name in ("trials", "gan_preset", "clf_steps", "clf_batch", "seed", *names):
        overrides[name] = getattr(args, name)
    overrides["gan_set"] = parse_assignments(args.gan_set) or None
    module.run(common.make_settings(module.Settings, module.QUICK, args.quick, overrides), args.data_dir, args.output)


def add_mnist_parser(subparsers):
    p = add_experiment_parser(
        subparsers,
        "augment-mnist",
        "S4 experiments: classifiers on synthetic-only and real+synthetic MNIST (tables, plots)",
        "mnist",
        {"sizes": "250,500", "gan_preset": "mnist-mlp-gan", "clf_steps": 1000, "clf_batch": 64},
    )
    p.add_argument("--ratios", help="mixing ratios synthetic/real (default 0,0.25,0.5,1,2,4)")
    p.add_argument(
        "--alphas", help="GAN sizes for Table 1; the first is used for mixing (default 4; the paper: 1,2,4,6)"
    )
    p.add_argument("--synthetic-per-digit", type=int, help="synthetic images per digit for Table 1 (default 1000)")
    p.add_argument("--classifiers", help="comma list of s4-mlp, s3-cnn, feature-cnn (default s4-mlp,s3-cnn)")
    p.add_argument("--gan-epochs", type=int, help="GAN epochs (passes over the real images; default 2000 as the paper)")
    p.add_argument("--recursive", type=int, help="rounds of S4's recursive training (default 0: off)")
    p.set_defaults(run=run_mnist)


def run_mnist(args):
    from pyimagesearch_gan.experiments import augment_mnist

    run_experiment(
        augment_mnist,
        args,
        ("synthetic_per_digit", "gan_epochs", "recursive"),
        {"sizes": int, "ratios": float, "alphas": int, "classifiers": str},
    )


def add_neu_parser(subparsers):
    p = add_experiment_parser(
        subparsers,
        "augment-neu",
        "S3's five situations on NEU with few real images per class (tables, plots)",
        "neu",
        {"sizes": "10,20,50", "gan_preset": "neu-dcgan", "clf_steps": 600, "clf_batch": 16},
    )
    p.add_argument("--test-per-class", type=int, help="held-out real test images per class (default 100)")
    p.add_argument("--k", type=int, help="synthetic images per class for +k (and 2k for +2k); default k = n")
    p.add_argument("--gan-steps", type=int, help="GAN updates per class GAN (default 1000)")
    p.add_argument("--gan-batch", type=int, help="GAN batch size, at most n // 2 (default 16)")
    p.add_argument("--classifier", help="s3-cnn (default) or feature-cnn")
    p.set_defaults(run=run_neu)


def run_neu(args):
    from pyimagesearch_gan.experiments import augment_neu

    run_experiment(augment_neu, args, ("test_per_class", "k", "gan_steps", "gan_batch", "classifier"), {"sizes": int})


def add_parser(subparsers):
    add_mnist_parser(subparsers)
    add_neu_parser(subparsers)
