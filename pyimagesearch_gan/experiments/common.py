"""What the augmentation experiments share: class GANs trained once and cached, classifiers
fitted for a fixed number of updates, the results log that lets a run continue after a crash,
and the summary files (CSV, markdown, plots).

Class GANs are trained with the project's trainer (`trainer.train_group`, all classes side by
side). The monitor writes montages and loss plots once per Keras epoch; to keep that to
`snapshots` times per GAN, one Keras epoch here is `repeat` passes over the real images (the
images are repeated `repeat` times, so a batch may hold an image twice). The GAN folder holds
`done.json` with the settings and a hash of the images it was trained on: a rerun with the
same settings loads the generators instead of training again.
"""

import csv
import dataclasses
import io
import json
import math
from pathlib import Path

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pyimagesearch_gan.errors import UserError  # noqa: E402
from pyimagesearch_gan.evidence import classifiers  # noqa: E402
from pyimagesearch_gan.files import atomic_path, ensure_writable_dir, write_json  # noqa: E402
from pyimagesearch_gan.models import get_family  # noqa: E402
from pyimagesearch_gan.runs import Target, folder_name, load_model, sample  # noqa: E402
from pyimagesearch_gan.training.plan import Job, plan_groups
from pyimagesearch_gan.training.trainer import train_group  # noqa: E402
from pyimagesearch_gan.utils import Stopwatch, fingerprint, format_seconds  # noqa: E402

METRICS = ("loss", "accuracy", "precision", "recall", "f1")
MAX_EPOCHS = 25
CLASSIFIERS = {
    "s4-mlp": classifiers.build_s4_mlp,
    "s3-cnn": classifiers.build_s3_cnn,
    "feature-cnn": classifiers.build_feature_cnn,
}


def check_classifiers(names, flag="--classifiers"):
    for name in names:
        if name not in CLASSIFIERS:
            raise UserError(f"{flag}: unknown classifier '{name}'; choose from {', '.join(CLASSIFIERS)}")
    return names


class Clock(Stopwatch):
    """The experiments' progress: units of work done, elapsed time, time left."""

    def status(self):
        return (
            f"{len(self.times)}/{self.total}, elapsed {format_seconds(self.elapsed())}, left "
            f"~{format_seconds(self.left())}"
        )


def log(message):
    print(message, flush=True)


# ---------------------------------------------------------------- class GANs


def same_training(done, record):
    """True when `done.json` says the GANs were trained like `record` says. Config fields that
    one side lacks (added to TrainConfig later, at their defaults) do not count."""
    if not done.is_file():
        return False
    old = json.loads(done.read_text())
    if any(old.get(key) != value for key, value in record.items() if key != "cfg"):
        return False
    old_cfg, cfg = old.get("cfg", {}), record["cfg"]
    return all(old_cfg[key] == cfg[key] for key in old_cfg.keys() & cfg.keys())


def class_generators(cfg, names, images_per_class, folder, *, passes, snapshots=10):
    """One generator per class, trained on `images_per_class[i]` for `passes` passes (rounded up
    to whole epochs of `repeat` passes), or loaded from `folder` when a previous run trained
    them with the same settings and images."""
    folder = ensure_writable_dir(folder)
    repeat = max(1, passes // max(1, snapshots))
    epochs = math.ceil(passes / repeat)
    decay = cfg.decay if cfg.decay is not None else cfg.d_lr / passes  # the book's lr / epochs, per pass
    cfg = cfg.with_overrides({"epochs": epochs, "decay": decay, "concurrent": True})
    record = {
        "images": fingerprint(*images_per_class, length=None),
        "names": list(names),
        "passes": passes,
        "repeat": repeat,
        "cfg": cfg.to_dict(),
    }
    done = folder / "done.json"
    folders = [folder / folder_name(name) for name in names]
    if same_training(done, record):
        log(f"  reusing the GANs in {folder}")
        return [load_model(f / "generator.keras") for f in folders], cfg
    jobs = []
    for index, (name, images, job_folder) in enumerate(zip(names, images_per_class, folders)):
        job = Job(index, name, np.concatenate([images] * repeat), None, [name])
        job.folder = ensure_writable_dir(job_folder)
        jobs.append(job)
    cfg.save(folder / "config.json")
    log(
        f"  training {len(jobs)} GANs ({cfg.preset}) on {', '.join(str(len(i)) for i in images_per_class)} images "
        f"for {passes} passes (batch {cfg.batch_size}; {epochs} epochs of {repeat} passes) into {folder}"
    )
    family = get_family(cfg.family)
    generators = []
    groups = plan_groups(cfg, jobs)
    for i, group in enumerate(groups):
        gans = train_group(cfg, family, group, remaining_after=cfg.epochs * (len(groups) - i - 1))
        generators += [gan.generator for gan in gans]
    write_json(done, record)
    return generators, cfg


def synthesize(generator, cfg, index, count, seed):
    """`count` uint8 images of class `index` from `generator`, noise seeded by (seed, index)."""
    if count <= 0:
        return None
    return sample(generator, cfg, Target(str(index), index, str(index), None), count, seed=seed)


def stack(parts):
    """Concatenate (images, label) parts, skipping empty ones -> (images, labels)."""
    parts = [(images, label) for images, label in parts if images is not None and len(images)]
    x = np.concatenate([images for images, _ in parts])
    y = np.concatenate([np.full(len(images), label, "int32") for images, label in parts])
    return x, y


# ---------------------------------------------------------------- classifiers


def fit_and_evaluate(name, x, y, test_x, test_y, num_classes, *, steps, batch_size, seed, augment=None):
    """Fit classifier `name` for about `steps` updates (whole epochs), evaluate on the test set.

    `augment` is a list of Keras preprocessing layers put in front of the classifier; they
    change images only in training. Returns the test metrics plus train accuracy and epochs.
    """
    keras.utils.set_random_seed(seed)
    model = CLASSIFIERS[name](x.shape[1:], num_classes)
    if augment:
        model = keras.Sequential([keras.Input(x.shape[1:]), *augment, model], name=f"augmented_{model.name}")
        classifiers._compile(model)
    batch_size = min(batch_size, len(x))
    # Tiny sets would need hundreds of epochs, and Keras pays a fixed cost per epoch: past
    # MAX_EPOCHS, one epoch is `repeat` passes over the (repeated) images.
    repeat = math.ceil(steps * batch_size / len(x) / MAX_EPOCHS)
    epochs = max(1, round(steps * batch_size / (len(x) * repeat)))
    classifiers.fit_classifier(
        model,
        np.concatenate([x] * repeat),
        np.concatenate([y] * repeat),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        verbose=0,
    )
    result = classifiers.evaluate_classifier(model, test_x, test_y, num_classes)
    train = classifiers.evaluate_classifier(model, x, y, num_classes)
    result.update(train_loss=train["loss"], train_accuracy=train["accuracy"], epochs=epochs * repeat)
    return result


# ---------------------------------------------------------------- results


class Results:
    """results.csv, one row per setting and trial, rewritten after every row.

    When `output/config.json` holds the same settings, the rows already there are kept and
    `done(key)` lets the caller skip them: a crashed or stopped run continues where it was.
    """

    def __init__(self, output, settings, columns, key_columns):
        self.path = Path(output) / "results.csv"
        self.columns = list(columns)
        self.key_columns = list(key_columns)
        self.rows = []
        config = Path(output) / "config.json"
        same = config.is_file() and json.loads(config.read_text()).get("settings") == settings
        if same and self.path.is_file():
            with open(self.path, newline="") as f:
                self.rows = list(csv.DictReader(f))
            log(f"continuing: {len(self.rows)} result rows already in {self.path}")
        write_json(config, {"settings": settings})

    def key(self, row):
        return tuple(str(row[c]) for c in self.key_columns)

    def done(self, **key):
        wanted = self.key(key)
        return any(self.key(row) == wanted for row in self.rows)

    def add(self, row):
        self.rows.append({c: row.get(c, "") for c in self.columns})
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        with atomic_path(self.path) as tmp:
            tmp.write_text(buffer.getvalue())


def summarize(rows, group_columns, metric):
    """{group tuple: (mean, std, n)} of `metric` over the rows of each group (trials)."""
    groups = {}
    for row in rows:
        groups.setdefault(tuple(str(row[c]) for c in group_columns), []).append(float(row[metric]))
    return {key: (float(np.mean(v)), float(np.std(v)), len(v)) for key, v in groups.items()}


def mean_std(stats, key, digits=3):
    if key not in stats:
        return "-"
    mean, std, n = stats[key]
    return f"{mean:.{digits}f} ± {std:.{digits}f}" if n > 1 else f"{mean:.{digits}f}"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_text(path, text):
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def save_figure(fig, path):
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)


def settings_dict(settings):
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(settings).items()}


def make_settings(cls, quick_values, quick, overrides):
    """`cls()` with the quick values (when `quick`) and then the given overrides (None = unset)."""
    values = dict(quick_values) if quick else {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = cls(**values)
    if settings.trials < 1:
        raise UserError("--trials must be at least 1")
    return settings
