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

from .data import IMAGE_EXTENSIONS, parse_classes
from .errors import UserError
from .evidence import classifiers
from .evidence.neighbors import run_neighbors
from .real_data import feature_cnn, load_real, save_feature_cnn


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


def find_neighbors(generated_dir, *, output, dataset=None, data_dir=None, classes="all", k=5, percentile=1.0,
                   ratio=1 / 3, features=None, feature_epochs=10, holdout=0.2, seed=0, image_size=None, channels=None):
    """Run the neighbours check of `generated_dir` against the real `dataset`; returns the report."""
    generated_dir, output = Path(generated_dir), Path(output)
    if not generated_dir.is_dir():
        raise UserError(f"generated-image folder {generated_dir} does not exist: point it at <dir>/<class>/<image>")
    manifest = read_manifest(generated_dir)
    dataset = dataset or manifest.get("dataset")
    if dataset is None:
        raise UserError(f"--dataset is needed: {generated_dir} has no manifest.json saying which data set its GAN learned")
    if image_size is None or channels is None:
        size, depth = (manifest["image_size"], manifest["channels"]) if "image_size" in manifest else image_shape(generated_dir)
        image_size, channels = image_size or size, channels or depth
    real = load_real(dataset, data_dir, classes=classes, image_size=image_size, channels=channels, holdout=holdout, seed=seed)
    print(real.note, flush=True)
    cache = Path(features) if features else output / "feature_cnn.keras"
    model = feature_cnn(real.train, cache, epochs=feature_epochs, seed=seed, save=features is not None)
    checked = None if classes.strip().lower() == "all" else [  # the generated classes that are checked
        real.seen.class_names[i] for i in parse_classes(classes, real.seen.class_names)]
    report = run_neighbors(generated_dir, real.seen, real.held_out, extractor=classifiers.feature_extractor(model),
                           k=k, output_dir=output, percentile=percentile, ratio=ratio, classes=checked,
                           notes=[real.note])
    save_feature_cnn(model, real.train, output / "feature_cnn.keras", epochs=feature_epochs, seed=seed)
    print(f"figures and report.md/report.json in {output}", flush=True)
    return report
