"""`pyimagesearch-gan augment DATA_DIR`, `augment-neu` and `augment-mnist`: do synthetic
images help a classifier?

`augment` judges any class folder; `augment-neu` is its NEU preset (few real images per class,
or one rare class at a time); `augment-mnist` its MNIST preset, with S4's mixing ratios and
synthetic-only classifiers. A rerun with the same --output
continues where the last one stopped.
"""

from pathlib import Path

from pyimagesearch_gan.commands.options import FRACTION, whole
from pyimagesearch_gan.config import parse_assignments
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.experiments.settings import (
    AUGMENT_QUICK,
    MNIST_QUICK,
    NEU_QUICK,
    SOURCES,
    TRANSFORMS,
    AugmentSettings,
    MnistSettings,
    NeuSettings,
    check_augment,
    check_mnist,
    check_neu,
    make_settings,
)
from pyimagesearch_gan.utils import import_tensorflow, parse_list


def default(settings, name):
    """The default of setting `name` of the settings class, as a flag takes it ('250,500')."""
    value = getattr(settings, name)
    return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) if isinstance(value, tuple) else value


def add_experiment_parser(subparsers, name, help, data, settings):
    """A parser with the flags every augmentation experiment has; help texts show the defaults of
    its `settings` class. `data` None: the data folder is the first argument."""

    def d(field):
        return default(settings, field)

    p = subparsers.add_parser(name, help=help)
    if data is None:
        p.add_argument("data_dir", metavar="DATA_DIR", help="the image folder: DATA_DIR/<class>/.../<image>")
    else:
        p.add_argument("--data-dir", help=f"folder holding {data}/ (default $PYIMAGESEARCH_GAN_DATA, else ./datasets)")
    p.add_argument(
        "--output", required=True, help="folder for results.csv, summary.md, plots, cached GANs (a rerun continues)"
    )
    p.add_argument(
        "--quick", action="store_true", help="tiny sizes, epochs and trials: the whole pipeline in a minute or two"
    )
    if settings.sizes:  # a folder keeps its classes' sizes: nothing to choose
        p.add_argument("--sizes", help=f"real training images per class, comma list (default {d('sizes')})")
    p.add_argument("--trials", type=int, help=f"classifier trials per setting (default {d('trials')})")
    p.add_argument(
        "--recipe-trials",
        type=int,
        metavar="N",
        help="trials of each classic candidate that choose the recipe on the validation images; real and the "
        f"recipe then get every trial (default {d('recipe_trials')})",
    )
    p.add_argument("--clf-batch", type=int, help=f"classifier batch size (default {d('clf_batch')})")
    p.add_argument(
        "--side-by-side",
        type=int,
        metavar="N",
        help=f"classifier fits trained together, each with its own data and early stop (default {d('side_by_side')}; "
        "1: one at a time)",
    )
    p.add_argument(
        "--validation", type=float, help=f"share of the real images kept for validation (default {d('validation')})"
    )
    p.add_argument("--classifiers", help=f"comma list of cnn, s3-cnn, s4-mlp, feature-cnn (default {d('classifiers')})")
    p.add_argument(
        "--max-epochs",
        type=int,
        help=f"classifier epoch cap; early stopping ends most fits sooner (default {d('max_epochs')})",
    )
    p.add_argument("--patience", type=int, help=f"early-stopping patience in epochs (default {d('patience')})")
    p.add_argument(
        "--snapshots",
        type=int,
        help=f"generator snapshots per GAN for choosing its epoch by CAS (default {d('snapshots')})",
    )
    p.add_argument(
        "--filter",
        type=float,
        help="keep synthetic images whose class probability under a real-image classifier is >= P",
    )
    p.add_argument("--seed", type=int)
    p.add_argument(
        "--gan-set",
        action="append",
        metavar="KEY=VALUE",
        help="any other GAN setting, e.g. --gan-set jit_compile=false",
    )
    return p


def experiment_settings(cls, quick_values, check, args, names, lists):
    """The settings from the flags (`lists`: comma-list flags and their item type), checked with
    `check` before TensorFlow starts."""
    if "sources" in lists and args.sources is not None and not args.sources.strip(" ,"):
        raise UserError("--sources is empty: give a comma list of sources, or none for the classic situations alone")
    overrides = {
        name: tuple(parse_list(getattr(args, name), kind, f"--{name.replace('_', '-')}"))
        if getattr(args, name) is not None
        else None
        for name, kind in lists.items()
    }
    if overrides.get("sources") == ("none",):  # the classic recipe alone, no GAN trained
        overrides["sources"] = ()
    shared = (
        "trials",
        "recipe_trials",
        "clf_batch",
        "side_by_side",
        "seed",
        "validation",
        "max_epochs",
        "patience",
        "snapshots",
        "filter",
    )
    for name in (*shared, *names):
        overrides[name] = getattr(args, name)
    overrides["gan_set"] = parse_assignments(args.gan_set, flag="--gan-set") or None
    settings = make_settings(cls, quick_values, args.quick, overrides)
    check(settings, args.data_dir, args.output)
    return settings


def run_experiment(name, settings, args, **more):
    """Run experiment module `name` with checked `settings` (and the `more` keywords)."""
    import importlib

    import_tensorflow()
    from pyimagesearch_gan.training.stopping import Interrupted

    module = importlib.import_module(f"pyimagesearch_gan.experiments.{name}")
    try:
        module.run(settings, args.data_dir, args.output, **more)
    except KeyboardInterrupt as err:  # the GAN trainer's "resume with train --resume" is not the way here
        where = str(err).split(" Resume with:")[0] or "interrupted."
        raise Interrupted(
            f"{where} The finished GAN epochs and classifier fits stay in {args.output}: run the same command "
            "again to go on.",
            getattr(err, "exit_code", 130),
        ) from None


def add_mnist_parser(subparsers):
    p = add_experiment_parser(
        subparsers,
        "augment-mnist",
        "S4 experiments: classifiers on synthetic-only and real+synthetic MNIST (tables, plots)",
        "mnist",
        MnistSettings,
    )
    p.add_argument("--gan-preset", help=f"GAN preset (default {default(MnistSettings, 'gan_preset')})")
    p.add_argument("--ratios", help=f"mixing ratios synthetic/real (default {default(MnistSettings, 'ratios')})")
    p.add_argument(
        "--transform-ratios",
        help="mixing ratios also fitted with shifts and rotations "
        f"(default {default(MnistSettings, 'transform_ratios')}; 0 = real only)",
    )
    p.add_argument(
        "--alphas",
        help="GAN sizes for Table 1; the first is used for mixing "
        f"(default {default(MnistSettings, 'alphas')}; the paper: 1,2,4,6)",
    )
    p.add_argument(
        "--synthetic-per-digit",
        dest="synthetic_only",
        type=int,
        help="synthetic images per digit of the synthetic-only classifiers, Table 1 "
        f"(default {default(MnistSettings, 'synthetic_only')}; 0: none)",
    )
    p.add_argument(
        "--gan-epochs",
        type=int,
        help=f"GAN epochs (passes over the real images; default {default(MnistSettings, 'gan_epochs')} as the paper)",
    )
    p.set_defaults(run=run_mnist)


def run_mnist(args):
    settings = experiment_settings(
        MnistSettings,
        MNIST_QUICK,
        check_mnist,
        args,
        ("gan_preset", "synthetic_only", "gan_epochs"),
        {"sizes": int, "ratios": float, "transform_ratios": float, "alphas": int, "classifiers": str},
    )
    run_experiment("augment_mnist", settings, args)


def add_neu_parser(subparsers):
    p = add_experiment_parser(
        subparsers,
        "augment-neu",
        "do GAN images help a NEU classifier? early-stopped classifiers, a strong baseline, CIs (tables, plots)",
        "neu",
        NeuSettings,
    )
    p.add_argument(
        "--test-per-class",
        type=int,
        help=f"held-out real test images per class (default {default(NeuSettings, 'test_per_class')})",
    )
    p.add_argument("--k", type=int, help="synthetic images per class added to the real ones (default k = n)")
    p.add_argument(
        "--rare",
        help="the rare-class experiment: each class in turn keeps only N real images (comma list, e.g. 10,20), "
        "the others --rare-others; GAN images top the rare class up",
    )
    p.add_argument(
        "--rare-others",
        type=int,
        help=f"real images of the other classes in the rare-class experiment (default {NeuSettings.rare_others})",
    )
    add_gan_flags(p, NeuSettings)
    p.set_defaults(run=run_neu)


def run_neu(args):
    settings = experiment_settings(
        NeuSettings,
        NEU_QUICK,
        check_neu,
        args,
        ("test_per_class", "k", "transforms", "diffaugment", "gan_steps", "gan_batch", "rare_others"),
        {"sizes": int, "sources": str, "classifiers": str, "rare": int},
    )
    if settings.rare and not args.sizes:  # --rare alone runs the rare-class experiment only
        settings.sizes = ()
    run_experiment("augment_neu", settings, args)


def add_gan_flags(p, settings):
    """The flags `augment` and `augment-neu` share: the classic recipe's transforms, the GAN
    sources, DiffAugment policy, budget, batch."""
    p.add_argument(
        "--transforms",
        choices=TRANSFORMS,
        help="classic transforms: auto (the recipe chosen on the validation images among real, resampling and "
        "the families that fit the channels), texture (8 symmetries + shifts), digits (small rotations + shifts), "
        f"photo (horizontal flip, shifts, rotations, zoom), none (default {default(settings, 'transforms')})",
    )
    p.add_argument(
        "--sources",
        help="comma list of " + ", ".join(SOURCES) + " (-da: DiffAugment, -ada: adaptive DiffAugment), or none "
        f"for the classic situations alone (default {default(settings, 'sources')})",
    )
    p.add_argument(
        "--diffaugment", help=f"DiffAugment policy of the -da sources (default {default(settings, 'diffaugment')})"
    )
    p.add_argument(
        "--gan-steps",
        type=int,
        help=f"updates per GAN, whatever its class's size (default {default(settings, 'gan_steps')})",
    )
    p.add_argument(
        "--gan-batch",
        type=int,
        help=f"class GAN batch size, at most half the smallest class (default {default(settings, 'gan_batch')})",
    )


def add_augment_parser(subparsers):
    p = add_experiment_parser(
        subparsers,
        "augment",
        "does a GAN's synthetic data help a classifier on this image folder? (summary.md, report.html)",
        None,
        AugmentSettings,
    )
    p.add_argument(
        "--test", type=FRACTION, help=f"share of each class held out as test images (default {AugmentSettings.test})"
    )
    p.add_argument(
        "--add", dest="k", type=whole(1), metavar="K", help="add K synthetic images per class instead of topping up"
    )
    p.add_argument("--image-size", type=int, choices=(28, 64), help="image side (default 28; 64: the DCGAN-64 family)")
    p.add_argument("--channels", type=int, choices=(1, 3), help="1 gray or 3 RGB (default: gray when every image is)")
    add_gan_flags(p, AugmentSettings)
    p.set_defaults(run=run_augment)


def run_augment(args):
    if not Path(args.data_dir).expanduser().is_dir():
        raise UserError(
            f"DATA_DIR {args.data_dir} does not exist or is not a folder: give the image folder, "
            "DATA_DIR/<class>/.../<image> with one subfolder per class"
        )
    settings = experiment_settings(
        AugmentSettings,
        AUGMENT_QUICK,
        check_augment,
        args,
        ("test", "transforms", "k", "image_size", "channels", "diffaugment", "gan_steps", "gan_batch"),
        {"sources": str, "classifiers": str},
    )
    if settings.k is not None:
        settings.top_up = False
    from pyimagesearch_gan.experiments.designs import load_folder_design

    design = load_folder_design(settings, args.data_dir)
    run_experiment("engine", settings, args, design=design)


def add_parser(subparsers):
    add_augment_parser(subparsers)
    add_mnist_parser(subparsers)
    add_neu_parser(subparsers)
