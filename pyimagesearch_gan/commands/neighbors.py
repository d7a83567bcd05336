"""`pyimagesearch-gan neighbors GENERATED_DIR --dataset neu --output DIR`: are the images new?

Loads the real images at the generated images' size (from the manifest `generate` wrote,
else from the first image), trains or reuses the feature CNN on the real train part, and runs
evidence.neighbors.run_neighbors: every generated image against every image the GAN could
have trained on, by pixel and by feature distance, calibrated on held-out real images (see
real_data.py for how they are held out). The report folder also keeps the feature CNN
(feature_cnn.keras), reused by the next run on the same data.
"""

import json
from pathlib import Path

import cv2

from pyimagesearch_gan.commands.options import FRACTION, number, whole
from pyimagesearch_gan.data import IMAGE_EXTENSIONS, parse_classes
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.evidence.inputs import check_neighbors
from pyimagesearch_gan.utils import import_tensorflow


def read_manifest(generated_dir):
    """The manifest.json that `generate` wrote into `generated_dir`, or {}."""
    path = Path(generated_dir) / "manifest.json"
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:
        return {}


def image_shape(generated_dir):
    """(size, channels) of the first image in the class folders of `generated_dir`."""
    for path in sorted(Path(generated_dir).glob("*/*")):
        if path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith("."):
            image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            if image is not None:
                return image.shape[0], 1 if image.ndim == 2 else 3
    raise UserError(f"no images in the class folders of {generated_dir}: point it at <dir>/<class>/<image>")


def find_neighbors(
    generated_dir,
    *,
    output,
    dataset=None,
    data_dir=None,
    classes="all",
    k=5,
    percentile=1.0,
    ratio=1 / 3,
    features=None,
    feature_epochs=10,
    holdout=0.2,
    seed=0,
    image_size=None,
    channels=None,
):
    """Run the neighbours check of `generated_dir` against the real `dataset`; returns the report.
    The arguments are checked before TensorFlow starts."""
    generated_dir, output = Path(generated_dir), Path(output)
    manifest = read_manifest(generated_dir)
    dataset = dataset or manifest.get("dataset")
    check_neighbors(generated_dir, output, dataset=dataset, data_dir=data_dir, features=features)
    import_tensorflow()
    from pyimagesearch_gan.evidence import classifiers
    from pyimagesearch_gan.evidence.neighbors import run_neighbors
    from pyimagesearch_gan.evidence.real_data import feature_cnn, load_real, save_feature_cnn

    if image_size is None or channels is None:
        size, depth = (
            (manifest["image_size"], manifest["channels"]) if "image_size" in manifest else image_shape(generated_dir)
        )
        image_size, channels = image_size or size, channels or depth
    real = load_real(
        dataset, data_dir, classes=classes, image_size=image_size, channels=channels, holdout=holdout, seed=seed
    )
    print(real.note, flush=True)
    cache = Path(features) if features else output / "feature_cnn.keras"
    model = feature_cnn(real.train, cache, epochs=feature_epochs, seed=seed, save=features is not None)
    checked = (
        None
        if classes.strip().lower() == "all"
        else [  # the generated classes that are checked
            real.seen.class_names[i] for i in parse_classes(classes, real.seen.class_names)
        ]
    )
    report = run_neighbors(
        generated_dir,
        real.seen,
        real.held_out,
        extractor=classifiers.feature_extractor(model),
        k=k,
        output_dir=output,
        percentile=percentile,
        ratio=ratio,
        classes=checked,
        notes=[real.note],
    )
    save_feature_cnn(model, real.train, output / "feature_cnn.keras", epochs=feature_epochs, seed=seed)
    print(f"figures and report.md/report.json in {output}", flush=True)
    return report


def add_parser(subparsers):
    p = subparsers.add_parser("neighbors", help="nearest training images of generated ones; flag near-copies")
    p.add_argument("generated_dir", metavar="GENERATED_DIR", help="<dir>/<class>/<image>, e.g. written by 'generate'")
    p.add_argument("--output", required=True, help="report folder (replaced as a whole)")
    p.add_argument(
        "--dataset", help="the real data set: mnist, fashion_mnist, neu or folder (default: from manifest.json)"
    )
    p.add_argument(
        "--classes", default="all", help="generated classes to check and real classes to search: 'all' or a comma list"
    )
    p.add_argument("--k", type=whole(1), default=5, help="neighbours shown per generated image (default 5)")
    p.add_argument(
        "--percentile",
        type=number(0, 100, open_low=True),
        default=1.0,
        help="near-copy threshold: this percentile of held-out real distances (default 1)",
    )
    p.add_argument(
        "--ratio",
        type=number(0, 1, open_low=True),
        default=1 / 3,
        help="near-copy: nearest / second-nearest training distance below this (default 1/3)",
    )
    p.add_argument("--features", help="feature CNN .keras file to use, or to save after training")
    p.add_argument("--image-size", type=whole(8), help="default: the generated images' size")
    p.add_argument("--channels", type=int, choices=(1, 3), help="default: the generated images' channels")
    real_data_flags(p)
    p.set_defaults(run=run)


def run(args):
    find_neighbors(
        args.generated_dir,
        output=args.output,
        dataset=args.dataset,
        data_dir=args.data_dir,
        classes=args.classes,
        k=args.k,
        percentile=args.percentile,
        ratio=args.ratio,
        features=args.features,
        feature_epochs=args.feature_epochs,
        holdout=args.holdout,
        seed=args.seed,
        image_size=args.image_size,
        channels=args.channels,
    )


def real_data_flags(p):
    """Flags of the commands that compare with real images: the held-out split, the feature CNN."""
    p.add_argument(
        "--data-dir", help="folder holding neu/, mnist/ ... (default $PYIMAGESEARCH_GAN_DATA, else ./datasets)"
    )
    p.add_argument(
        "--holdout", type=FRACTION, default=0.2, help="fraction of each class held out of image folders (default 0.2)"
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed of the held-out split, the noise and the classifiers (default 0)"
    )
    p.add_argument(
        "--feature-epochs", type=whole(1), default=10, help="epochs of the feature CNN on real images (default 10)"
    )
