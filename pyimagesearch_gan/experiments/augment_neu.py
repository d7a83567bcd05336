"""S3's five training situations on NEU steel defects, with few real images per class.

`pyimagesearch-gan augment-neu --data-dir DIR --output DIR [--quick]`

NEU is easy with all 300 images per class, so each class is split once by seed into a
held-out test part (`test_per_class`, never shown to a GAN or a classifier in training) and a
pool; the real training set of size n is the first n of the pool. Per n, one GAN per class
(preset neu-dcgan, the book DCGAN at 28x28) is trained on exactly those n images for about
`gan_steps` updates with batch min(gan_batch, n // 2), so that even n = 10 has two batches
per pass. Then S3's classifier (a small CNN) is trained in five situations (SPEC S3):
  real               the n real images per class
  transforms         the same, randomly flipped, rotated and shifted in every epoch (Keras layers)
  gan_k              real + k synthetic per class (k = n unless --k is given)
  gan_2k             real + 2k synthetic per class
  gan_2k_transforms  real + 2k synthetic, with the transforms
and scored on the test part: loss, accuracy, macro precision/recall/F1, confusion matrix.
Trials differ in classifier initialisation, batch order, transforms and synthetic draws.
"""

import dataclasses
import json
import math
import time

import numpy as np
from keras import layers

from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.experiments import common
from pyimagesearch_gan.files import ensure_writable_dir, write_json
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.utils import format_seconds, per_class_order

SITUATIONS = ("real", "transforms", "gan_k", "gan_2k", "gan_2k_transforms")
# SPEC S3 Table I (cows vs horses, test columns): a different task, shown for the direction of the effects.
PAPER = {
    "real": {"loss": 0.76, "accuracy": 0.50, "precision": 0.76, "recall": 0.52, "f1": 0.38},
    "transforms": {"loss": 0.69, "accuracy": 0.58, "precision": 0.64, "recall": 0.58, "f1": 0.63},
    "gan_k": {"loss": 0.71, "accuracy": 0.59, "precision": 0.78, "recall": 0.59, "f1": 0.50},
    "gan_2k": {"loss": 0.67, "accuracy": 0.63, "precision": 0.78, "recall": 0.63, "f1": 0.58},
    "gan_2k_transforms": {"loss": 0.74, "accuracy": 0.56, "precision": 0.58, "recall": 0.56, "f1": 0.53},
}
COLUMNS = [
    "real_per_class",
    "situation",
    "synthetic_per_class",
    "classifier",
    "trial",
    "train_images",
    "epochs",
    *common.METRICS,
    "train_loss",
    "train_accuracy",
    "seconds",
    "confusion",
]
KEY = ["real_per_class", "situation", "classifier", "trial"]


@dataclasses.dataclass
class Settings:
    sizes: tuple = (10, 20, 50)
    test_per_class: int = 100
    k: int | None = None
    trials: int = 5
    gan_preset: str = "neu-dcgan"
    gan_steps: int = 1000
    gan_batch: int = 16
    classifier: str = "s3-cnn"
    clf_steps: int = 600
    clf_batch: int = 16
    gan_set: dict = dataclasses.field(default_factory=dict)  # any other GAN config setting
    seed: int = 0


QUICK = {
    "gan_set": {"jit_compile": False},
    "sizes": (4,),
    "test_per_class": 10,
    "trials": 1,
    "gan_steps": 4,
    "clf_steps": 5,
}


def transforms(seed):
    """Classic augmentation: flips, small rotations and shifts (active in training only)."""
    return [
        layers.RandomFlip("horizontal_and_vertical", seed=seed),
        layers.RandomRotation(0.1, fill_mode="reflect", seed=seed + 1),
        layers.RandomTranslation(0.1, 0.1, fill_mode="reflect", seed=seed + 2),
    ]


def split(data, settings):
    """Per class (pool, test): the test part is fixed by the seed; sizes are taken from the pool."""
    pools, test_x, test_y = [], [], []
    orders = per_class_order(data.labels, settings.seed)
    for c in range(len(data.class_names)):
        images, order = data.images, orders[c]
        need = settings.test_per_class + max(settings.sizes)
        if need > len(order):
            raise UserError(
                f"--test-per-class {settings.test_per_class} + --sizes {max(settings.sizes)} = {need} images, "
                f"but class '{data.class_names[c]}' has {len(order)}: lower one of them"
            )
        test_x.append(images[order[: settings.test_per_class]])
        test_y.append(np.full(settings.test_per_class, c, "int32"))
        pools.append(images[order[settings.test_per_class :]])
    return pools, np.concatenate(test_x), np.concatenate(test_y)


def gan_batch(settings, n):
    return max(1, min(settings.gan_batch, n // 2))


def run(settings, data_dir, output):
    """Train the GANs per size, fit the classifier in every situation, write the summary."""
    start = time.perf_counter()
    common.check_classifiers([settings.classifier], "--classifier")
    if min(settings.sizes) < 2:
        raise UserError("--sizes: every size must be at least 2 images per class")
    preset = get_preset(settings.gan_preset)
    data = load_dataset("neu", data_dir, image_size=preset.image_size, channels=preset.channels)
    names = data.class_names
    pools, test_x, test_y = split(data, settings)
    output = ensure_writable_dir(output)
    results = common.Results(output, common.settings_dict(settings), COLUMNS, KEY)
    clock = common.Clock(len(settings.sizes) * len(SITUATIONS) * settings.trials)
    common.log(
        f"augment-neu: {settings.sizes} real per class, test {settings.test_per_class} per class, "
        f"{settings.trials} trials, "
        f"{settings.classifier}; GANs {settings.gan_preset} ~{settings.gan_steps} steps"
    )
    for n in settings.sizes:
        real = [pool[:n] for pool in pools]
        batch = gan_batch(settings, n)
        passes = math.ceil(settings.gan_steps / (n // batch))
        cfg = preset.with_overrides(
            {"batch_size": batch, "seed": settings.seed, "num_benchmark": 64, **settings.gan_set}
        )
        common.log(f"[{n} per class] GANs (elapsed {format_seconds(time.perf_counter() - start)})")
        generators, cfg = common.class_generators(cfg, names, real, output / "gans" / f"size{n}", passes=passes)
        k = settings.k or n
        for situation in SITUATIONS:
            count = {"gan_k": k, "gan_2k": 2 * k, "gan_2k_transforms": 2 * k}.get(situation, 0)
            for trial in range(settings.trials):
                if results.done(real_per_class=n, situation=situation, classifier=settings.classifier, trial=trial):
                    clock.total -= 1
                    continue
                seed = settings.seed * 1000 + trial
                parts = [(real[c], c) for c in range(len(names))]
                parts += [(common.synthesize(g, cfg, c, count, seed), c) for c, g in enumerate(generators)]
                x, y = common.stack(parts)
                t0 = time.perf_counter()
                metrics = common.fit_and_evaluate(
                    settings.classifier,
                    x,
                    y,
                    test_x,
                    test_y,
                    len(names),
                    steps=settings.clf_steps,
                    batch_size=settings.clf_batch,
                    seed=seed,
                    augment=transforms(seed) if situation.endswith("transforms") else None,
                )
                seconds = time.perf_counter() - t0
                clock.add(seconds)
                metrics["confusion"] = json.dumps(metrics["confusion"])
                results.add(
                    {
                        "real_per_class": n,
                        "situation": situation,
                        "synthetic_per_class": count,
                        "classifier": settings.classifier,
                        "trial": trial,
                        "train_images": len(x),
                        "seconds": round(seconds, 2),
                        **metrics,
                    }
                )
                common.log(
                    f"  n {n} {situation} trial {trial + 1}/{settings.trials}: accuracy {metrics['accuracy']:.3f} "
                    f"f1 {metrics['f1']:.3f}  [{clock.status()}]"
                )
    seconds = time.perf_counter() - start
    write_summary(settings, results.rows, names, output, seconds)
    common.log(f"augment-neu done in {format_seconds(seconds)}: {output / 'summary.md'}")
    return output


# ---------------------------------------------------------------- summary


def write_summary(settings, rows, names, output, seconds):
    """summary.md (one table per size, then accuracy by size), confusion.json/PNGs, neu_accuracy.png."""
    group = ["real_per_class", "situation"]
    stats = {m: common.summarize(rows, group, m) for m in (*common.METRICS, "train_accuracy")}
    lines = [
        "# augment-neu: S3's five situations on NEU with few real images per class",
        "",
        f"Test set: {settings.test_per_class} held-out real images per class "
        f"({settings.test_per_class * len(names)} in all), "
        f"never seen by a GAN. Classifier {settings.classifier}, about {settings.clf_steps} updates of batch "
        f"{settings.clf_batch}. "
        f"GANs: {settings.gan_preset} per class, about {settings.gan_steps} updates each. "
        f"Mean ± std over {settings.trials} trial(s); precision, recall and F1 are macro averages. "
        f"The paper column is S3's Table I test column (cows vs horses, 2 classes): another task, "
        f"shown only for the direction of each effect. Wall time: {format_seconds(seconds)}.",
        "",
    ]
    for n in settings.sizes:
        k = settings.k or n
        lines += [f"## {n} real images per class (k = {k} synthetic per class)", ""]
        header = [
            "situation",
            "loss",
            "accuracy",
            "precision",
            "recall",
            "F1",
            "train accuracy",
            "paper accuracy (S3)",
            "paper F1 (S3)",
        ]
        table = [
            [
                s,
                *(common.mean_std(stats[m], (str(n), s)) for m in (*common.METRICS, "train_accuracy")),
                PAPER[s]["accuracy"],
                PAPER[s]["f1"],
            ]
            for s in SITUATIONS
        ]
        lines += [common.markdown_table(header, table), ""]
    lines += ["## Test accuracy by real images per class", ""]
    table = [[s, *(common.mean_std(stats["accuracy"], (str(n), s)) for n in settings.sizes)] for s in SITUATIONS]
    lines += [common.markdown_table(["situation", *(f"n = {n}" for n in settings.sizes)], table), ""]
    confusion = confusions(rows, settings, names)
    largest = max(settings.sizes)
    lines += [
        f"Confusion matrices (summed over trials): `confusion.json`; for n = {largest}: "
        + ", ".join(f"`confusion_n{largest}_{s}.png`" for s in SITUATIONS)
        + ". Plot: `neu_accuracy.png`. "
        "Every fit: `results.csv`. Settings: `config.json`.",
        "",
    ]
    common.write_text(output / "summary.md", "\n".join(lines))
    write_json(output / "confusion.json", {"classes": names, "matrices": confusion})
    for situation, matrix in confusion.get(str(largest), {}).items():
        plot_confusion(
            np.array(matrix), names, f"n = {largest}: {situation}", output / f"confusion_n{largest}_{situation}.png"
        )
    plot_accuracy(settings, stats["accuracy"], output / "neu_accuracy.png")


def confusions(rows, settings, names):
    """{n: {situation: confusion matrix summed over trials}}."""
    result = {}
    for row in rows:
        matrix = np.array(json.loads(row["confusion"]))
        by_n = result.setdefault(str(row["real_per_class"]), {})
        by_n[row["situation"]] = (
            (np.array(by_n[row["situation"]]) + matrix).tolist() if row["situation"] in by_n else matrix.tolist()
        )
    return result


def plot_confusion(matrix, names, title, path):
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(6, 5.5))
    ConfusionMatrixDisplay(matrix, display_labels=names).plot(ax=ax, xticks_rotation=45, colorbar=False)
    ax.set_title(title)
    common.save_figure(fig, path)


def plot_accuracy(settings, accuracy, path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(SITUATIONS)
    positions = np.arange(len(settings.sizes))
    for i, situation in enumerate(SITUATIONS):
        stats = [accuracy.get((str(n), situation), (np.nan, 0, 0)) for n in settings.sizes]
        ax.bar(
            positions + (i - 2) * width,
            [s[0] for s in stats],
            width,
            yerr=[s[1] for s in stats],
            capsize=3,
            label=situation,
        )
    ax.set_xticks(positions, [f"n = {n}" for n in settings.sizes])
    ax.set(
        xlabel="real images per class",
        ylabel="test accuracy (held-out real)",
        ylim=(0, 1),
        title="NEU: five situations",
    )
    ax.legend(fontsize=8, loc="upper left", ncol=3)
    ax.grid(axis="y", alpha=0.3)
    common.save_figure(fig, path)
