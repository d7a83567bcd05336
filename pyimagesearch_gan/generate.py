"""Synthetic data sets from a trained run: `pyimagesearch-gan generate RUN_DIR --count N --output DIR`.

Reads the run's config.json, loads each class GAN's generator (or the run's one conditional
generator), the final one or a checkpoint's (`--epoch`), and writes N images per class as PNG:
<output>/<class>/<class>_00001.png, the class-folder layout that
`keras.utils.image_dataset_from_directory` and `--dataset folder` read. manifest.json beside
the class folders says where they came from: run, model, epoch, seed, count per class.

The noise of a run's class i comes from NumPy seeded with (seed, i), in the run's noise
distribution, so a seed gives the same images whatever `--classes` selects. The output folder
appears complete or not at all, and an existing one is replaced only with `--force`.
"""
import dataclasses
import json
import time
from pathlib import Path

import cv2
import keras
import numpy as np

from . import checkpoint
from .config import TrainConfig
from .data import DIGIT_NAMES, FASHION_NAMES, NEU_CLASSES, parse_classes, resolve_data_dir, to_uint8
from .errors import UserError
from .files import atomic_dir, check_new_dir, write_image, write_json
from .models import get_family
from .trainer import folder_name


@dataclasses.dataclass
class Target:
    """One class to draw: its name, its index among the run's classes (seeds its noise), the
    GAN folder whose generator draws it, and the label a conditional generator is given."""

    name: str
    index: int
    gan: str
    label: int | None


@dataclasses.dataclass
class Run:
    """A run folder: its config, its classes in label order, and the class each GAN draws."""

    folder: Path
    cfg: TrainConfig
    classes: list
    targets_all: list
    pooled: bool = False  # one unconditional GAN for several classes: its images have no class

    def targets(self, classes="all"):
        """The targets of `classes` ('all' or a comma list of names/indices), in the order given."""
        return [self.targets_all[i] for i in parse_classes(classes or "all", self.classes)]

    @property
    def gans(self):
        return list(dict.fromkeys(t.gan for t in self.targets_all))


def dataset_class_names(cfg):
    """The class names of the run's data set, in the data layer's label order."""
    if cfg.dataset in ("mnist", "fashion_mnist"):
        return list(DIGIT_NAMES if cfg.dataset == "mnist" else FASHION_NAMES)
    try:
        folder = resolve_data_dir(cfg.data_dir, cfg.dataset)
    except UserError:
        if cfg.dataset == "neu":
            return list(NEU_CLASSES)
        raise
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_run(run_dir):
    """The Run in `run_dir`, with the GANs the trainer wrote (see trainer.plan_jobs)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"run folder {run_dir} does not exist: pass a folder written by 'pyimagesearch-gan train'")
    cfg = TrainConfig.load(run_dir / "config.json")
    names = dataset_class_names(cfg)
    selected = [names[i] for i in parse_classes(cfg.classes, names)]
    conditional = get_family(cfg.family).CONDITIONAL
    if cfg.per_class and not conditional:
        targets = [Target(name, i, folder_name(name), None) for i, name in enumerate(selected)]
    else:
        gan = folder_name("all" if len(selected) == len(names) else "+".join(selected))
        if not conditional:  # pooled: one folder of images named after the GAN
            return Run(run_dir, cfg, [gan], [Target(gan, 0, gan, None)], pooled=True)
        targets = [Target(name, i, gan, i) for i, name in enumerate(selected)]
    return Run(run_dir, cfg, selected, targets)


# ---------------------------------------------------------------- generators and epochs

def final_epoch(run, gan):
    """The epoch the saved generator.keras of `gan` was written at (its last history record)."""
    try:
        history = json.loads((run.folder / gan / "history.json").read_text())
        return int(history[-1]["epoch"])
    except (OSError, ValueError, LookupError, TypeError):
        return run.cfg.epochs


def available_epochs(run, gan):
    """Every epoch `load_generator` can load for `gan`: the checkpoints and the final one."""
    epochs = set(checkpoint.generator_epochs(run.folder, gan))
    if (run.folder / gan / "generator.keras").is_file():
        epochs.add(final_epoch(run, gan))
    return sorted(epochs)


def load_generator(run, gan, epoch=None):
    """(generator, epoch) of GAN folder `gan`: the final generator.keras, or epoch `epoch`'s."""
    final = run.folder / gan / "generator.keras"
    if epoch is None or (final.is_file() and epoch == final_epoch(run, gan)):
        if not final.is_file():
            epochs = checkpoint.generator_epochs(run.folder, gan)
            hint = f"pick a checkpoint with --epoch ({format_epochs(epochs)})" if epochs else f"finish it: {checkpoint.resume_hint(run.folder)}"
            raise UserError(f"no generator in {final.parent} (the run did not finish): {hint}")
        return load_model(final), final_epoch(run, gan)
    if epoch not in checkpoint.generator_epochs(run.folder, gan):
        raise UserError(f"--epoch {epoch}: {run.folder / gan} has generators of epochs {format_epochs(available_epochs(run, gan))} only "
                        f"(the final one and the last --set keep_checkpoints={run.cfg.keep_checkpoints} checkpoints of the run)")
    return checkpoint.load_generator(run.folder, gan, epoch), epoch


def load_model(path):
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as err:  # a damaged or foreign file; Keras raises many types
        raise UserError(f"cannot load {path} ({type(err).__name__}: {str(err)[:120]}): retrain or restore the file") from None


def format_epochs(epochs):
    return ", ".join(map(str, epochs)) if epochs else "none"


# ---------------------------------------------------------------- drawing images

def noise(cfg, count, seed, index):
    """`count` noise vectors for class `index` of a run, in the run's distribution."""
    rng = np.random.default_rng([seed, index])
    shape = (count, cfg.noise_dim)
    values = rng.standard_normal(shape) if cfg.noise == "normal" else rng.uniform(-1.0, 1.0, shape)
    return values.astype("float32")


def sample(generator, cfg, target, count, *, seed, batch_size=256, progress=None):
    """uint8 images (count, H, W, C) of `target`, the generator in inference mode."""
    z = noise(cfg, count, seed, target.index)
    batches = []
    for start in range(0, count, batch_size):
        inputs = z[start : start + batch_size]
        if target.label is not None:
            inputs = [inputs, np.full(len(inputs), target.label, "int32")]
        batches.append(to_uint8(keras.ops.convert_to_numpy(generator(inputs, training=False))))
        if progress is not None:
            progress.add(len(batches[-1]))
    return np.concatenate(batches)


def write_class(folder, name, images):
    """Write images as <folder>/<name>_00001.png ...; gray stays one channel, RGB becomes BGR."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images, start=1):
        bgr = image[..., 0] if image.shape[-1] == 1 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        write_image(folder / f"{name}_{i:05d}.png", bgr)


def generate(run_dir, output, *, count, seed=0, epoch=None, classes="all", force=False, batch_size=256):
    """Write `count` images per class of the run in `run_dir` into `output`; returns the manifest."""
    if count < 1:
        raise UserError(f"--count must be at least 1, got {count}")
    check_new_dir(output, force=force)
    run = load_run(run_dir)
    targets = run.targets(classes)
    models = {t.gan: load_generator(run, t.gan, epoch) for t in targets}
    shape = None
    with atomic_dir(output, force=force) as tmp:
        for target in targets:
            generator, used = models[target.gan]
            print(f"{target.name}: {count} images from {target.gan}/ at epoch {used}", flush=True)
            images = sample(generator, run.cfg, target, count, seed=seed, batch_size=batch_size,
                            progress=keras.utils.Progbar(count, unit_name="image"))
            shape = images.shape[1:]
            write_class(tmp / folder_name(target.name), folder_name(target.name), images)
        manifest = {
            "run_dir": str(run.folder.resolve()),
            "preset": run.cfg.preset,
            "family": run.cfg.family,
            "dataset": run.cfg.dataset,
            "epoch": epoch if epoch is not None else max(used for _, used in models.values()),
            "models": {gan: {"epoch": used} for gan, (_, used) in models.items()},
            "seed": seed,
            "noise": run.cfg.noise,
            "noise_dim": run.cfg.noise_dim,
            "classes": [t.name for t in targets],
            "count_per_class": {t.name: count for t in targets},
            "image_size": int(shape[0]),
            "channels": int(shape[2]),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        write_json(tmp / "manifest.json", manifest)
    print(f"wrote {count} images per class for {len(targets)} class(es) into {output}/<class>/, manifest.json beside them", flush=True)
    return manifest
