"""What the augmentation experiments share: synthetic images drawn (and filtered) from the
chosen GAN epochs, classifiers fitted and scored, the results and epoch-selection logs that let
a run continue after a crash, and the summary pieces (markdown tables,
plots). The GANs themselves are in gans.py, the protocol's parts in protocol.py.
"""

import csv
import dataclasses
import io
import json
import math
import time
from pathlib import Path

import keras
import numpy as np

from pyimagesearch_gan.evidence import classifiers
from pyimagesearch_gan.experiments import protocol
from pyimagesearch_gan.experiments.side_by_side import fit_side_by_side
from pyimagesearch_gan.files import atomic_path, write_json
from pyimagesearch_gan.utils import Stopwatch, fingerprint, format_seconds

METRICS = ("loss", "accuracy", "precision", "recall", "f1")
MAX_EPOCHS = 25
CLASSIFIERS = {
    "cnn": classifiers.build_baseline_cnn,
    "s4-mlp": classifiers.build_s4_mlp,
    "s3-cnn": classifiers.build_s3_cnn,
    "feature-cnn": classifiers.build_feature_cnn,
}


class Clock(Stopwatch):
    """The experiments' progress: units of work done, elapsed time, time left."""

    def status(self):
        return (
            f"{len(self.times)}/{self.total}, elapsed {format_seconds(self.elapsed())}, left "
            f"~{format_seconds(self.left())}"
        )


def log(message):
    print(message, flush=True)


# ---------------------------------------------------------------- synthetic images


def stack(parts):
    """Concatenate (images, label) parts, skipping empty ones -> (images, labels)."""
    parts = [(images, label) for images, label in parts if images is not None and len(images)]
    x = np.concatenate([images for images, _ in parts])
    y = np.concatenate([np.full(len(images), label, "int32") for images, label in parts])
    return x, y


def with_parts(x, y, parts):
    """Images `x` with labels `y`, followed by the (images, label) parts."""
    x_all, y_all = stack(parts) if parts else (x[:0], y[:0])
    return np.concatenate([x, x_all]), np.concatenate([y, y_all]).astype("int32")


def draw_synthetic(gans, generators, counts, seed, *, judge=None, threshold=None):
    """`counts[c]` synthetic images of class c from `generators` (one per class, at the chosen
    epochs) with noise seeded by `seed`; with a `judge`, only images it gives their class a
    probability >= `threshold` (protocol.filter_synthetic). Returns ([(images, class)], mean
    share of candidates that passed, or None without a judge or images)."""
    parts, rates = [], []
    for c, (generator, count) in enumerate(zip(generators, counts)):
        if not count:
            continue
        if judge is None:
            parts.append((gans.synthesize(c, count, seed, generator=generator), c))
            continue
        images, rate = protocol.filter_synthetic(
            lambda r, c=c, g=generator: gans.synthesize(c, 2 * count, seed + 100_000 * (r + 1), generator=g),
            judge,
            c,
            count,
            threshold,
        )
        parts.append((images, c))
        rates.append(rate)
    return parts, (float(np.mean(rates)) if rates else None)


def filter_judge(threshold, train_x, train_y, val_x, val_y, num_classes, stem, *, augment, seed, **fit):
    """The classifier that filters synthetic images: the baseline CNN with the classic
    `augment` transforms, trained on the real training images only; cached in
    `<stem>_<fingerprint of the images, seed and fit settings>.keras` (`stem` names the
    transforms). None when `threshold` is None."""
    if threshold is None:
        return None
    stem = Path(stem)
    settings = np.array([seed, *(fit[k] for k in sorted(fit))])
    path = stem.with_name(f"{stem.name}_{fingerprint(train_x, train_y, val_x, settings, length=8)}.keras")
    if path.is_file():
        return classifiers.load_classifier(path)
    model, _, _ = protocol.fit_early_stopped(
        classifiers.build_baseline_cnn, train_x, train_y, val_x, val_y, num_classes, seed=seed, augment=augment, **fit
    )
    classifiers.save_classifier(model, path)
    return model


class SelectionLog:
    """selection.csv: CAS, recall and FID of every GAN set (a key such as "n=50 gan-da"), epoch
    and class, and the epoch chosen per class. A GAN set already there with the same GANs and
    settings is not scored again."""

    COLUMNS = ["gans", "epoch", "class", "cas", "recall", "fid", "chosen", "stamp"]

    def __init__(self, path):
        self.path = Path(path)
        self.rows = []
        if self.path.is_file():
            with open(self.path, newline="") as f:
                self.rows = list(csv.DictReader(f))

    def choose(self, key, gans, real, settings, make_extractor=None):
        """The epoch per class of `gans` chosen by CAS on the validation images of `real`
        (train_x, train_y, val_x, val_y), with `settings`' cas_count, cas_epochs and seed.
        `make_extractor()` gives the FID features; it is called only when epochs are scored."""
        real_x, real_y, val_x, val_y = real
        count, epochs, seed = settings.cas_count, settings.cas_epochs, settings.seed
        config = np.frombuffer(json.dumps(gans.cfg.fingerprint_dict(), sort_keys=True).encode(), "uint8")
        stamp = f"{fingerprint(np.array(gans.epochs), val_x, config)}-{count}-{epochs}-{seed}"
        mine = [r for r in self.rows if r["gans"] == key]
        if mine and all(r["stamp"] == stamp for r in mine):
            chosen = [
                int(next(r["epoch"] for r in mine if r["class"] == name and r["chosen"] == "1")) for name in gans.names
            ]
            log(f"  epochs chosen earlier by CAS: {', '.join(map(str, chosen))}")
            return chosen
        chosen, rows = protocol.select_epochs(
            gans,
            val_x,
            val_y,
            build=classifiers.build_baseline_cnn,
            count=count,
            seed=seed,
            epochs=epochs,
            extractor=make_extractor() if make_extractor else None,
            real_x=real_x,
            real_y=real_y,
        )
        picked = dict(zip(gans.names, chosen))
        self.rows = [r for r in self.rows if r["gans"] != key]
        for row in rows:
            self.rows.append(
                {
                    "gans": key,
                    "epoch": str(row["epoch"]),
                    "class": row["class"],
                    "cas": f"{row['cas']:.4f}",
                    "recall": f"{row['recall']:.4f}",
                    "fid": "" if row["fid"] is None else f"{row['fid']:.3f}",
                    "chosen": "1" if picked[row["class"]] == row["epoch"] else "0",
                    "stamp": stamp,
                }
            )
        with atomic_path(self.path) as tmp, open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows)
        log(
            f"  epochs chosen by CAS on the validation images (of {gans.epochs[0]}..{gans.epochs[-1]}): "
            + ", ".join(f"{name} {epoch}" for name, epoch in picked.items())
        )
        return chosen

    def table(self, keys, names):
        """Markdown lines: per GAN set, the chosen epoch and validation recall per class."""
        table = []
        for key in keys:
            chosen = {r["class"]: r for r in self.rows if r["gans"] == key and r["chosen"] == "1"}
            if not chosen:
                continue
            fids = [float(r["fid"]) for r in chosen.values() if r["fid"]]
            table.append(
                [
                    key,
                    *(
                        f"{chosen[c]['epoch']} ({float(chosen[c]['recall']):.2f})" if c in chosen else "-"
                        for c in names
                    ),
                    f"{np.mean([float(r['recall']) for r in chosen.values()]):.3f}",
                    f"{np.mean(fids):.2f}" if fids else "-",
                ]
            )
        if not table:
            return []
        return [
            "## GAN epochs chosen by CAS on the validation images",
            "",
            "Cells: the epoch chosen (of the GAN's snapshots) and the class's validation recall of a classifier "
            "trained on that epoch's synthetic images only; FID (feature CNN of the real training images) beside it.",
            "",
            markdown_table(["GANs", *names, "mean recall", "FID (mean)"], table),
            "",
        ]


def train_feature_extractor(train_x, train_y, num_classes, seed):
    """The FID features of an experiment: the feature CNN trained on its real training images."""
    model = classifiers.train_feature_cnn(train_x, train_y, num_classes, epochs=30, seed=seed, validation=0, verbose=0)
    return classifiers.feature_extractor(model)


# ---------------------------------------------------------------- classifiers


def fit_and_score(jobs, test_x, test_y, *, settings, on_row=None, on_progress=None):
    """The side_by_side.Jobs fitted with early stopping on their validation images
    (`settings`: max_epochs, patience, clf_batch), one at a time with Keras' fit when there is one
    job, else side by side (side_by_side.fit_side_by_side); each scored on the test images.
    Returns per job its row: the metrics, train accuracy, epochs run, best epoch, seconds (the
    job's share of the wall time) and the confusion matrices on the test images and on the
    validation images (JSON), which the classic recipe is chosen by. `on_row(k, row)` gets each
    job's row as soon as its fit ends; `on_progress` is side_by_side's."""
    fit = {"max_epochs": settings.max_epochs, "patience": settings.patience, "batch_size": settings.clf_batch}
    rows = [None] * len(jobs)

    def score(k, fitted, seconds):
        job, (model, epochs, best) = jobs[k], fitted
        metrics = classifiers.evaluate_classifier(model, test_x, test_y, job.num_classes)
        val = classifiers.evaluate_classifier(model, job.val_x, job.val_y, job.num_classes)
        rows[k] = {
            **{m: metrics[m] for m in METRICS},
            "train_accuracy": classifiers.evaluate_classifier(model, job.x, job.y, job.num_classes)["accuracy"],
            "epochs": epochs,
            "best_epoch": best,
            "train_images": len(job.x),
            "seconds": round(seconds, 2),
            "confusion": json.dumps(metrics["confusion"]),
            "val_confusion": json.dumps(val["confusion"]),
        }
        if on_row:
            on_row(k, rows[k])

    if len(jobs) == 1:
        job, start = jobs[0], time.perf_counter()
        fitted = protocol.fit_early_stopped(
            job.build, job.x, job.y, job.val_x, job.val_y, job.num_classes, seed=job.seed, augment=job.augment, **fit
        )
        score(0, fitted, time.perf_counter() - start)
    else:
        fit_side_by_side(jobs, **fit, on_done=score, on_progress=on_progress)
    return rows


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
    Settings named in `selecting` (sizes, classifiers, trials...) only choose which rows are
    fitted, so a rerun with more of them keeps the earlier rows and fits only the new ones.
    """

    def __init__(self, output, settings, columns, key_columns, selecting=()):
        self.path = Path(output) / "results.csv"
        self.columns = list(columns)
        self.key_columns = list(key_columns)
        self.rows = []
        config = Path(output) / "config.json"
        old = json.loads(config.read_text()).get("settings", {}) if config.is_file() else {}
        self.continued = same_settings({k: v for k, v in old.items() if k not in selecting}, settings)
        if self.continued and self.path.is_file():
            with open(self.path, newline="") as f:
                reader = csv.DictReader(f)
                self.rows = list(reader)
            if reader.fieldnames != self.columns:
                log(f"{self.path} has the columns of an earlier version of the experiment: starting afresh")
                self.continued, self.rows = False, []
            else:
                log(f"continuing: {len(self.rows)} result rows already in {self.path}")
        write_json(config, {"settings": settings})

    def key(self, row):
        return tuple(str(row[c]) for c in self.key_columns)

    def done(self, **key):
        wanted = self.key(key)
        return any(self.key(row) == wanted for row in self.rows)

    def add(self, row):
        self.rows.append({c: row.get(c, "") for c in self.columns})
        self.save()

    def order_last(self, order):
        """Put the last len(order) rows, added as their fits ended, back in their jobs' order
        (order[i]: the job index of the i-th of them)."""
        n = len(order)
        last = sorted(zip(order, self.rows[len(self.rows) - n :]), key=lambda pair: pair[0])
        self.rows[len(self.rows) - n :] = [row for _, row in last]
        self.save()

    def save(self):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        with atomic_path(self.path) as tmp:
            tmp.write_text(buffer.getvalue())


def same_settings(old, new):
    """True when the settings agree on every key both have: a setting added to the experiment
    later (at its default, which keeps the earlier behaviour) does not void earlier results."""
    return bool(old) and all(old[key] == new[key] for key in old.keys() & new.keys())


def as_text(rows):
    """Rows with every value a string, as read back from results.csv."""
    return [{key: str(value) for key, value in row.items()} for row in rows]


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


class GanTimes(dict):
    """{label: {count, updates, seconds}} of every GAN set trained for an output folder, kept in
    `gans/times.json` so that a rerun with other sizes or sources still reports the earlier sets;
    started afresh when `continued` is False (the settings changed, the earlier rows are void)."""

    def __init__(self, output, continued):
        self.path = Path(output) / "gans" / "times.json"
        super().__init__(json.loads(self.path.read_text()) if continued and self.path.is_file() else {})

    def add(self, label, gans):
        """Record the TrainedGANs `gans` under `label` and write the file."""
        self[label] = {"count": gans.count, "updates": gans.updates, "seconds": round(gans.seconds, 1)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_json(self.path, dict(self))


def write_text(path, text):
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def save_figure(fig, path):
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100)


def settings_dict(settings):
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(settings).items()}
