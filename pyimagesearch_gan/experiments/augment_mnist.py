"""S4's MNIST experiments (CS229 "GAN-Based Image Data Augmentation", SPEC S4), measured here.

`pyimagesearch-gan augment-mnist --data-dir DIR --output DIR [--quick]`

For each real size s (images per digit, drawn once by seed from the 5,000-image train CSV):
one GAN per digit is trained on exactly those s images (preset mnist-mlp-gan, the S4 fully
connected GAN; once per size and alpha, as the paper trains each GAN once), then
- Table 1: a classifier trained only on synthetic images (1000 per digit), per alpha;
- Figure 2: a classifier trained on the s real images plus ratio * s synthetic per digit
  (ratio 0 = real only, the baseline of both tables), with the first alpha;
- with --recursive R, S4's recursive training: GAN i is trained on the set of round i, which
  then grows by 0.1 * its size of GAN i's images; each round is scored like Table 1.
Every classifier (S4's MLP, S3's small CNN) is evaluated on the full 10,000-image test set;
trials differ in classifier initialisation, batch order and the synthetic images drawn.
"""

import dataclasses
import time

import numpy as np

from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.experiments import common
from pyimagesearch_gan.files import ensure_writable_dir
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.utils import format_seconds, per_class_order

# SPEC S4, Table 1: accuracy of a classifier trained only on 1000 synthetic images per digit.
PAPER_TABLE1 = {
    250: {"baseline": 0.64076, 1: 0.42192, 2: 0.61512, 4: 0.70920, 6: 0.69808},
    500: {"baseline": 0.64796, 1: 0.61074, 2: 0.74132, 4: 0.76318, 6: 0.70966},
    1000: {"baseline": 0.68258, 1: 0.66974, 2: 0.69358, 4: 0.75662, 6: 0.73762},
    2000: {"baseline": 0.78781, 1: 0.68692, 2: 0.68000, 4: 0.79304, 6: 0.78060},
}
# SPEC S4, Figure 2: real + ratio * real synthetic (alpha 4), by real images per digit.
PAPER_FIGURE2 = {
    0.0: {250: 0.6408, 500: 0.6480, 1000: 0.6826, 2000: 0.7878},
    0.25: {250: 0.6938, 500: 0.7215, 1000: 0.7810, 2000: 0.8032},
    0.5: {250: 0.7281, 500: 0.7407, 1000: 0.8233, 2000: 0.8052},
    1.0: {250: 0.8022, 500: 0.7857, 1000: 0.8162, 2000: 0.8012},
    2.0: {250: 0.8268, 500: 0.8204, 1000: 0.8175, 2000: 0.7963},
    4.0: {250: 0.8113, 500: 0.8032, 1000: 0.7849, 2000: 0.7911},
}
COLUMNS = [
    "experiment",
    "real_per_digit",
    "alpha",
    "ratio",
    "round",
    "classifier",
    "trial",
    "train_images",
    "epochs",
    *common.METRICS,
    "train_loss",
    "train_accuracy",
    "seconds",
]
KEY = ["experiment", "real_per_digit", "alpha", "ratio", "round", "classifier", "trial"]


@dataclasses.dataclass
class Settings:
    sizes: tuple = (250, 500)
    ratios: tuple = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
    alphas: tuple = (4,)
    synthetic_per_digit: int = 1000
    classifiers: tuple = ("s4-mlp", "s3-cnn")
    trials: int = 5
    gan_preset: str = "mnist-mlp-gan"
    gan_epochs: int = 2000
    clf_steps: int = 1000
    clf_batch: int = 64
    recursive: int = 0
    gan_set: dict = dataclasses.field(default_factory=dict)  # any other GAN config setting
    seed: int = 0


QUICK = {
    "gan_set": {"jit_compile": False},
    "sizes": (20,),
    "ratios": (0.0, 1.0),
    "synthetic_per_digit": 20,
    "trials": 1,
    "gan_epochs": 2,
    "clf_steps": 10,
    "recursive": 1,
}


def real_subset(data, size, seed):
    """`size` images per digit, drawn by (seed, size, digit) from the train split."""
    order = per_class_order(data.labels, [seed, size])
    for digit in range(10):
        if size > len(order[digit]):
            raise UserError(
                f"--sizes {size}: the MNIST train data has only {len(order[digit])} images of digit {digit}"
            )
    return [data.images[order[digit][:size]] for digit in range(10)]


def gan_config(settings, alpha, size):
    cfg = get_preset(settings.gan_preset)
    overrides = {
        "seed": settings.seed,
        "num_benchmark": 100,
        "batch_size": min(cfg.batch_size, size),
        **settings.gan_set,
    }
    if cfg.family == "mlp":
        overrides["model.alpha"] = alpha
    return cfg.with_overrides(overrides)


def train_gans(settings, parts, output, name, alpha):
    cfg = gan_config(settings, alpha, min(len(images) for images in parts))
    return common.class_generators(
        cfg, [str(d) for d in range(10)], parts, output / "gans" / name, passes=settings.gan_epochs
    )


def run(settings, data_dir, output):
    """Train the GANs, fit and score every classifier, write results.csv, summary.md, plots."""
    start = time.perf_counter()
    common.check_classifiers(settings.classifiers)
    train = load_dataset("mnist", data_dir, split="train")
    test = load_dataset("mnist", data_dir, split="test")
    subsets = {size: real_subset(train, size, settings.seed) for size in settings.sizes}
    output = ensure_writable_dir(output)
    results = common.Results(output, common.settings_dict(settings), COLUMNS, KEY)
    sets_per_trial = len(settings.sizes) * (len(settings.alphas) + len(settings.ratios)) + settings.recursive
    clock = common.Clock(sets_per_trial * settings.trials * len(settings.classifiers))
    common.log(
        f"augment-mnist: {settings.sizes} real per digit, {settings.trials} trials, classifiers "
        f"{', '.join(settings.classifiers)}, "
        f"GAN {settings.gan_preset} alpha {settings.alphas}, {settings.gan_epochs} epochs; test set "
        f"{len(test.images)} images"
    )

    def evaluate(make_set, **key):
        """Fit every classifier on each trial's training set `make_set(seed of the trial)` -> (x, y)."""
        for trial in range(settings.trials):
            pending = [clf for clf in settings.classifiers if not results.done(**key, classifier=clf, trial=trial)]
            clock.total -= len(settings.classifiers) - len(pending)
            if not pending:
                continue
            x, y = make_set(settings.seed * 1000 + trial)
            for clf in pending:
                t0 = time.perf_counter()
                metrics = common.fit_and_evaluate(
                    clf,
                    x,
                    y,
                    test.images,
                    test.labels,
                    10,
                    steps=settings.clf_steps,
                    batch_size=settings.clf_batch,
                    seed=settings.seed * 1000 + trial,
                )
                seconds = time.perf_counter() - t0
                clock.add(seconds)
                results.add(
                    {
                        **key,
                        "classifier": clf,
                        "trial": trial,
                        "train_images": len(x),
                        "seconds": round(seconds, 2),
                        **metrics,
                    }
                )
                setting = " ".join(f"{k} {v}" for k, v in key.items() if v != "")
                common.log(
                    f"  {setting} {clf} trial {trial + 1}/{settings.trials}: accuracy "
                    f"{metrics['accuracy']:.4f}  [{clock.status()}]"
                )

    mixing_gans = {}
    for size in settings.sizes:
        real = subsets[size]
        for alpha in settings.alphas:
            common.log(f"[{size} per digit] GANs alpha {alpha} (elapsed {format_seconds(time.perf_counter() - start)})")
            generators, cfg = train_gans(settings, real, output, f"size{size}_alpha{alpha}", alpha)
            mixing_gans.setdefault(size, (generators, cfg))
            evaluate(
                synthetic_set(generators, cfg, settings.synthetic_per_digit),
                experiment="synthetic_only",
                real_per_digit=size,
                alpha=alpha,
                ratio="",
                round="",
            )
        generators, cfg = mixing_gans[size]
        for ratio in settings.ratios:
            evaluate(
                synthetic_set(generators, cfg, int(round(ratio * size)), real=real),
                experiment="mix",
                real_per_digit=size,
                alpha=settings.alphas[0],
                ratio=ratio,
                round="",
            )
    if settings.recursive:
        size = settings.sizes[0]
        recursive(settings, output, subsets[size], mixing_gans[size], evaluate)
    seconds = time.perf_counter() - start
    write_summary(settings, results.rows, output, seconds)
    common.log(f"augment-mnist done in {format_seconds(seconds)}: {output / 'summary.md'}")
    return output


def synthetic_set(generators, cfg, count, real=None):
    """A function seed -> (x, y): `count` synthetic images per digit (noise seeded by seed), after `real`."""

    def make(seed):
        parts = [(real[d], d) for d in range(10)] if real is not None else []
        parts += [(common.synthesize(g, cfg, d, count, seed), d) for d, g in enumerate(generators)]
        return common.stack(parts)

    return make


def recursive(settings, output, current, start, evaluate):
    """S4's recursive training: round 0 is the first size's GAN set (scored in Table 1); round i
    trains a new GAN set on the set of round i-1 grown by 0.1 * its size of that round's images."""
    generators, cfg = start
    alpha, size = settings.alphas[0], settings.sizes[0]
    for round_ in range(1, settings.recursive + 1):
        counts = [max(1, int(round(0.1 * len(images)))) for images in current]
        current = [
            np.concatenate([images, common.synthesize(g, cfg, d, n, 10_000 + round_)])
            for d, (images, g, n) in enumerate(zip(current, generators, counts))
        ]
        common.log(f"[recursive round {round_}] {len(current[0])} images per digit")
        generators, cfg = train_gans(settings, current, output, f"recursive{size}_round{round_}", alpha)
        evaluate(
            synthetic_set(generators, cfg, settings.synthetic_per_digit),
            experiment="recursive",
            real_per_digit=size,
            alpha=alpha,
            ratio="",
            round=round_,
        )


# ---------------------------------------------------------------- summary


def paper_mix(ratio, size):
    value = PAPER_FIGURE2.get(float(ratio), {}).get(size)
    return f"{value:.4f}" if value is not None else "-"


def write_summary(settings, rows, output, seconds):
    """summary.md (Table 1, Figure 2 as tables, recursive rounds) and mnist_mixing.png."""
    acc = common.summarize(rows, ["experiment", "real_per_digit", "alpha", "ratio", "round", "classifier"], "accuracy")
    clfs = settings.classifiers
    lines = [
        "# augment-mnist: GAN augmentation of small MNIST training sets (SPEC S4)",
        "",
        f"Accuracy on the 10,000-image MNIST test set, mean ± std over {settings.trials} trial(s). "
        f"GANs: {settings.gan_preset}, {settings.gan_epochs} epochs (the paper: 2000), one GAN set per real size. "
        f"Classifiers fitted for about {settings.clf_steps} updates of batch {settings.clf_batch}. "
        "The paper's numbers are its S4 MLP's; it reports no other classifier. Wall time: "
        f"{format_seconds(seconds)}.",
        "",
        f"## Table 1: trained only on synthetic images ({settings.synthetic_per_digit} per digit)",
        "",
    ]
    header = ["real per digit", "classifier", "real only (ours)", "real only (paper)"]
    for alpha in settings.alphas:
        header += [f"α={alpha} (ours)", f"α={alpha} (paper)"]
    table = []
    for size in settings.sizes:
        paper = PAPER_TABLE1.get(size, {})
        for clf in clfs:
            row = [
                size,
                clf,
                common.mean_std(acc, ("mix", str(size), str(settings.alphas[0]), "0.0", "", clf)),
                f"{paper['baseline']:.4f}" if paper else "-",
            ]
            for alpha in settings.alphas:
                row += [
                    common.mean_std(acc, ("synthetic_only", str(size), str(alpha), "", "", clf)),
                    f"{paper[alpha]:.4f}" if alpha in paper else "-",
                ]
            table.append(row)
    lines += [common.markdown_table(header, table), ""]
    lines += [f"## Figure 2: real + synthetic, mixing ratio = synthetic / real (α={settings.alphas[0]})", ""]
    header = ["ratio"]
    for size in settings.sizes:
        header += [f"{size}: {clf}" for clf in clfs] + [f"{size}: paper"]
    table = []
    for ratio in settings.ratios:
        row = [ratio]
        for size in settings.sizes:
            row += [
                common.mean_std(acc, ("mix", str(size), str(settings.alphas[0]), str(float(ratio)), "", clf))
                for clf in clfs
            ]
            row += [paper_mix(ratio, size)]
        table.append(row)
    lines += [common.markdown_table(header, table), ""]
    if settings.recursive:
        lines += [f"## Recursive training from {settings.sizes[0]} real per digit (synthetic-only classifier)", ""]
        size, alpha = str(settings.sizes[0]), str(settings.alphas[0])
        keys = [("synthetic_only", size, alpha, "", "")] + [
            ("recursive", size, alpha, "", str(r)) for r in range(1, settings.recursive + 1)
        ]
        table = [[r] + [common.mean_std(acc, (*key, clf)) for clf in clfs] for r, key in enumerate(keys)]
        lines += [common.markdown_table(["round", *clfs], table), ""]
    lines += ["Plot: `mnist_mixing.png`. Every fit: `results.csv`. Settings: `config.json`.", ""]
    common.write_text(output / "summary.md", "\n".join(lines))
    plot_mixing(settings, acc, output / "mnist_mixing.png")


def plot_mixing(settings, acc, path):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(settings.sizes), figsize=(5.5 * len(settings.sizes), 4), squeeze=False)
    positions = np.arange(len(settings.ratios))
    for ax, size in zip(axes[0], settings.sizes):
        for clf in settings.classifiers:
            stats = [
                acc.get(("mix", str(size), str(settings.alphas[0]), str(float(r)), "", clf), (np.nan, 0, 0))
                for r in settings.ratios
            ]
            ax.errorbar(
                positions,
                [s[0] for s in stats],
                yerr=[s[1] for s in stats],
                marker="o",
                capsize=3,
                label=f"{clf} (ours)",
            )
        paper = [PAPER_FIGURE2.get(float(r), {}).get(size, np.nan) for r in settings.ratios]
        if not np.all(np.isnan(paper)):
            ax.plot(positions, paper, "k--", marker="s", label="S4 MLP (paper)")
        ax.set_xticks(positions, [f"{r:g}" for r in settings.ratios])
        ax.set(xlabel="mixing ratio (synthetic / real)", ylabel="test accuracy", title=f"{size} real images per digit")
        ax.grid(alpha=0.3)
        ax.legend()
    common.save_figure(fig, path)
