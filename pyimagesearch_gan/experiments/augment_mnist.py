"""S4's MNIST experiments (CS229 "GAN-Based Image Data Augmentation", SPEC S4), measured with
the fair protocol of `protocol.py`.

`pyimagesearch-gan augment-mnist --data-dir DIR --output DIR [--quick]`

For each real size s (images per digit, drawn once by seed from the train data), a
`validation` share is carved off (early stopping, choosing the GAN epochs); one GAN per digit
is trained on the rest (preset mnist-mlp-gan, the S4 fully connected GAN, 2000 epochs as the
paper; once per size and alpha, as the paper trains each GAN once) and its epoch chosen per
digit by CAS on the validation images. Then
- Table 1: a classifier trained only on synthetic images (1000 per digit), per alpha;
- Figure 2: a classifier trained on the real training images plus ratio * s synthetic per
  digit (ratio 0 = real only, the baseline of both tables), with the first alpha;
- the strong classic baseline: the same with small shifts and rotations (no flips) at the
  `transform_ratios`, the synthetic images transformed alike;
- with --recursive R, S4's recursive training: GAN i is trained on the set of round i, which
  then grows by 0.1 * its size of GAN i's images; each round is scored like Table 1.
Classifiers (S4's MLP, faithful; the baseline CNN, strong) are early-stopped and evaluated on
the full 10,000-image test set; trials differ in classifier initialisation, batch order,
transforms and the synthetic images drawn, and share their seed across settings, so the
summary gives 95% intervals and paired differences against real only and against transforms.
"""

import functools
import math
import time

import numpy as np

from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.experiments import common, protocol
from pyimagesearch_gan.experiments.gans import train_gans
from pyimagesearch_gan.experiments.settings import check_mnist
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
    "transforms",
    "round",
    "classifier",
    "trial",
    "train_images",
    "epochs",
    "best_epoch",
    *common.METRICS,
    "train_accuracy",
    "filter_pass_rate",
    "seconds",
    "confusion",
]
KEY = ["experiment", "real_per_digit", "alpha", "ratio", "transforms", "round", "classifier", "trial"]
# settings that only choose which rows are fitted (common.Results keeps rows across them)
SELECTING = ("sizes", "alphas", "ratios", "transform_ratios", "classifiers", "trials", "recursive")


def real_sets(data, size, settings):
    """`size` images per digit drawn by (seed, size, digit) from the train data, split into
    (train_x, train_y, val_x, val_y)."""
    order = per_class_order(data.labels, [settings.seed, size])
    for digit in range(10):
        if size > len(order[digit]):
            raise UserError(
                f"--sizes {size}: the MNIST train data has only {len(order[digit])} images of digit {digit}"
            )
    x = np.concatenate([data.images[order[digit][:size]] for digit in range(10)])
    y = np.repeat(np.arange(10), size).astype("int32")
    train, val = protocol.validation_split(y, settings.validation, settings.seed)
    return x[train], y[train], x[val], y[val]


def gan_config(settings, alpha, size):
    cfg = get_preset(settings.gan_preset)
    overrides = {
        "seed": settings.seed,
        "num_benchmark": 100,
        "batch_size": min(cfg.batch_size, size // 2),
        **settings.gan_set,
    }
    if cfg.family == "mlp":
        overrides["model.alpha"] = alpha
    return cfg.with_overrides(overrides)


class Experiment:
    """One run of the experiment: the data, the logs, and `evaluate`, which fits every
    classifier in every trial on a training set and records the rows."""

    def __init__(self, settings, data_dir, output):
        self.settings = settings
        self.train = load_dataset("mnist", data_dir, split="train")
        self.test = load_dataset("mnist", data_dir, split="test")
        self.output = ensure_writable_dir(output)
        self.results = common.Results(self.output, common.settings_dict(settings), COLUMNS, KEY, SELECTING)
        self.selection = common.SelectionLog(self.output / "selection.csv")
        per_trial = len(settings.sizes) * (len(settings.alphas) + len(settings.ratios) + len(settings.transform_ratios))
        self.clock = common.Clock((per_trial + settings.recursive) * settings.trials * len(settings.classifiers))
        self.extractors = {}
        self.gan_times = common.GanTimes(self.output, self.results.continued)

    def gans(self, name, per_digit, alpha, real):
        """The GAN set `name` trained on `per_digit`, with the epoch per digit chosen by CAS on the
        validation images of `real` (train_x, train_y, val_x, val_y): (gans, generators)."""
        settings = self.settings
        cfg = gan_config(settings, alpha, min(len(images) for images in per_digit))
        gans = train_gans(
            cfg,
            [str(d) for d in range(10)],
            per_digit,
            self.output / "gans" / name,
            updates=settings.gan_epochs * (min(len(images) for images in per_digit) // cfg.batch_size),
            snapshots=settings.snapshots,
        )
        self.gan_times.add(name, gans)
        train_x, train_y = real[:2]
        key = len(train_x)
        if key not in self.extractors:
            self.extractors[key] = functools.cache(
                functools.partial(common.train_feature_extractor, train_x, train_y, 10, settings.seed)
            )
        chosen = self.selection.choose(name, gans, real, settings, self.extractors[key])
        return gans, [gans.generator(d, epoch) for d, epoch in enumerate(chosen)]

    def evaluate(self, make_set, val, *, transforms=False, **key):
        """Fit every classifier in every trial on `make_set(trial seed)` -> (x, y, filter pass rate)."""
        settings = self.settings
        key = {"alpha": "", "ratio": "", "round": "", **key, "transforms": int(transforms)}
        for trial in range(settings.trials):
            pending = [c for c in settings.classifiers if not self.results.done(**key, classifier=c, trial=trial)]
            self.clock.total -= len(settings.classifiers) - len(pending)
            if not pending:
                continue
            seed = settings.seed * 1000 + trial
            x, y, pass_rate = make_set(seed)
            for clf in pending:
                row = common.fit_and_score(
                    clf,
                    x,
                    y,
                    *val,
                    self.test.images,
                    self.test.labels,
                    10,
                    seed=seed,
                    augment=protocol.digit_transforms(seed) if transforms else None,
                    settings=settings,
                )
                self.clock.add(row["seconds"])
                self.results.add(
                    {
                        **row,
                        **key,
                        "classifier": clf,
                        "trial": trial,
                        "filter_pass_rate": "" if pass_rate is None else round(pass_rate, 3),
                    }
                )
                setting = describe(key)
                common.log(
                    f"  {setting} {clf} trial {trial + 1}/{settings.trials}: accuracy {row['accuracy']:.4f} "
                    f"(epochs {row['epochs']})  [{self.clock.status()}]"
                )


def describe(key):
    """A setting in a few words: "250 per digit, mix ratio 1 + transforms", "... recursive round 2"."""
    words = f"{key['real_per_digit']} per digit, {key['experiment']}"
    if key["experiment"] == "mix":
        words += f" ratio {key['ratio']:g}" + (" + transforms" if key["transforms"] else "")
    if key["round"] != "":
        words += f" round {key['round']}"
    return words + (f" α={key['alpha']}" if key["alpha"] != "" else "")


def run(settings, data_dir, output):
    """Train the GANs, fit and score every classifier, write results.csv, summary.md, plots."""
    start = time.perf_counter()
    check_mnist(settings)
    exp = Experiment(settings, data_dir, output)
    common.log(
        f"augment-mnist: {settings.sizes} real per digit ({settings.validation:.0%} for validation), "
        f"{settings.trials} trials, classifiers {', '.join(settings.classifiers)}, GAN {settings.gan_preset} alpha "
        f"{settings.alphas}, {settings.gan_epochs} epochs; test set {len(exp.test.images)} images"
    )
    mixing = {}
    for size in settings.sizes:
        real = real_sets(exp.train, size, settings)
        train_x, train_y, val_x, val_y = real
        per_digit = [train_x[train_y == d] for d in range(10)]
        judge = common.filter_judge(
            settings.filter,
            *real,
            10,
            exp.output / f"filter_{size}",
            augment=protocol.digit_transforms(settings.seed),
            seed=settings.seed,
            max_epochs=settings.max_epochs,
            patience=settings.patience,
        )
        for alpha in settings.alphas:
            common.log(f"[{size} per digit] GANs alpha {alpha} (elapsed {format_seconds(time.perf_counter() - start)})")
            gans, generators = exp.gans(f"size{size}_alpha{alpha}", per_digit, alpha, real)
            mixing.setdefault(size, (gans, generators))
            exp.evaluate(
                synthetic_set(gans, generators, settings.synthetic_per_digit, judge, settings.filter),
                (val_x, val_y),
                experiment="synthetic_only",
                real_per_digit=size,
                alpha=alpha,
            )
        gans, generators = mixing[size]
        for ratio, transforms in [(r, False) for r in settings.ratios] + [(r, True) for r in settings.transform_ratios]:
            count = int(round(ratio * size))
            exp.evaluate(
                synthetic_set(gans, generators, count, judge, settings.filter, real=(train_x, train_y)),
                (val_x, val_y),
                transforms=transforms,
                experiment="mix",
                real_per_digit=size,
                alpha=settings.alphas[0],
                ratio=float(ratio),
            )
        write_summary(settings, exp, time.perf_counter() - start)
    if settings.recursive:
        size = settings.sizes[0]
        recursive(exp, real_sets(exp.train, size, settings), mixing[size])
    seconds = time.perf_counter() - start
    write_summary(settings, exp, seconds)
    common.log(f"augment-mnist done in {format_seconds(seconds)}: {exp.output / 'summary.md'}")
    return exp.output


def synthetic_set(gans, generators, count, judge, threshold, real=None):
    """A function seed -> (x, y, filter pass rate): `count` synthetic images per digit (noise
    seeded by seed), after the `real` (x, y) when given."""

    def make(seed):
        parts, pass_rate = (
            ([], None)
            if count <= 0
            else common.draw_synthetic(gans, generators, count, seed, judge=judge, threshold=threshold)
        )
        if real is None:
            return (*common.stack(parts), pass_rate)
        return (*common.with_parts(*real, parts), pass_rate)

    return make


def recursive(exp, real, start):
    """S4's recursive training: round 0 is the first size's GAN set (scored in Table 1); round i
    trains a new GAN set on the set of round i-1 grown by 0.1 * its size of that round's images."""
    settings = exp.settings
    gans, generators = start
    alpha, size = settings.alphas[0], settings.sizes[0]
    train_x, train_y, val_x, val_y = real
    current = [train_x[train_y == d] for d in range(10)]
    for round_ in range(1, settings.recursive + 1):
        current = [
            np.concatenate([images, gans.synthesize(d, max(1, round(0.1 * len(images))), 10_000 + round_, generator=g)])
            for d, (images, g) in enumerate(zip(current, generators))
        ]
        common.log(f"[recursive round {round_}] {len(current[0])} images per digit")
        gans, generators = exp.gans(f"recursive{size}_round{round_}", current, alpha, real)
        exp.evaluate(
            synthetic_set(gans, generators, settings.synthetic_per_digit, None, None),
            (val_x, val_y),
            experiment="recursive",
            real_per_digit=size,
            alpha=alpha,
            round=round_,
        )


# ---------------------------------------------------------------- summary


def paper_mix(ratio, size):
    value = PAPER_FIGURE2.get(float(ratio), {}).get(size)
    return f"{value:.4f}" if value is not None else "-"


def write_summary(settings, exp, seconds):
    """summary.md (Table 1, Figure 2 and the transforms as tables, recursive rounds, time) and mnist_mixing.png."""
    rows = common.as_text(exp.results.rows)
    if not rows:
        return

    def select(clf, **key):
        key = {"alpha": str(settings.alphas[0]), "ratio": "", "round": "", "transforms": "0", **key}
        return [r for r in rows if r["classifier"] == clf and all(r[k] == str(v) for k, v in key.items())]

    def real_only(size, clf, transforms=0):
        return select(clf, experiment="mix", real_per_digit=size, ratio=0.0, transforms=transforms)

    clfs = settings.classifiers
    lines = [
        "# augment-mnist: GAN augmentation of small MNIST training sets (SPEC S4)",
        "",
        f"Accuracy on the 10,000-image MNIST test set, mean ± 95% t-interval over {settings.trials} trial(s); "
        "Δ = paired difference (same trial seed), ↑/↓ where its interval excludes zero. "
        f"Of the s real images per digit, {settings.validation:.0%} are kept for validation (early stopping, the "
        f"GAN epoch per digit chosen by CAS); GANs and classifiers learn from the rest. GANs: {settings.gan_preset}, "
        f"{settings.gan_epochs} epochs (the paper: 2000). Classifiers early-stopped on the validation loss (patience "
        f"{settings.patience}, at most {settings.max_epochs} epochs). The paper's numbers are its S4 MLP's.",
        "",
        f"## Table 1: trained only on synthetic images ({settings.synthetic_per_digit} per digit)",
        "",
    ]
    header = ["real per digit", "classifier", "real only (ours)", "real only (paper)"]
    for alpha in settings.alphas:
        header += [f"α={alpha} (ours)", "Δ vs real only", f"α={alpha} (paper)"]
    table = []
    for size in settings.sizes:
        paper = PAPER_TABLE1.get(size, {})
        for clf in clfs:
            row = [size, clf, common.interval_cell(real_only(size, clf)), f"{paper['baseline']:.4f}" if paper else "-"]
            for alpha in settings.alphas:
                synthetic = select(clf, experiment="synthetic_only", real_per_digit=size, alpha=alpha)
                row += [
                    common.interval_cell(synthetic),
                    common.difference_cell(synthetic, real_only(size, clf)),
                    f"{paper[alpha]:.4f}" if alpha in paper else "-",
                ]
            table.append(row)
    lines += [common.markdown_table(header, table), ""]
    lines += [
        f"## Figure 2: real + synthetic, mixing ratio = synthetic / real (α={settings.alphas[0]})",
        "",
        "Δ: against real only (ratio 0) of the same classifier. Rows `+ transforms`: shifts of up to 2 pixels and "
        "rotations of up to 10° on every image, real and synthetic; their Δ is against `0 + transforms`.",
        "",
    ]
    header = ["ratio"]
    for size in settings.sizes:
        for clf in clfs:
            header += [f"{size}: {clf}", "Δ"]
        header += [f"{size}: paper"]
    table = []
    settings_rows = [(r, 0) for r in settings.ratios] + [(r, 1) for r in settings.transform_ratios]
    for ratio, transforms in settings_rows:
        row = [f"{ratio:g}" + (" + transforms" if transforms else "")]
        for size in settings.sizes:
            for clf in clfs:
                mine = select(clf, experiment="mix", real_per_digit=size, ratio=float(ratio), transforms=transforms)
                row += [common.interval_cell(mine), common.difference_cell(mine, real_only(size, clf, transforms))]
            row += [paper_mix(ratio, size) if not transforms else "-"]
        table.append(row)
    lines += [common.markdown_table(header, table), ""]
    if settings.recursive:
        lines += [f"## Recursive training from {settings.sizes[0]} real per digit (synthetic-only classifier)", ""]
        size, alpha = settings.sizes[0], settings.alphas[0]
        table = [
            [0, *(common.interval_cell(select(c, experiment="synthetic_only", real_per_digit=size)) for c in clfs)]
        ]
        table += [
            [r, *(common.interval_cell(select(c, experiment="recursive", real_per_digit=size, round=r)) for c in clfs)]
            for r in range(1, settings.recursive + 1)
        ]
        lines += [common.markdown_table(["round", *clfs], table), ""]
    keys = [f"size{s}_alpha{a}" for s in settings.sizes for a in settings.alphas]
    keys += [f"recursive{settings.sizes[0]}_round{r}" for r in range(1, settings.recursive + 1)]
    lines += exp.selection.table(keys, [str(d) for d in range(10)])
    lines += common.time_lines(exp.gan_times, rows, "real_per_digit", "real per digit", seconds)
    lines += [
        "Plot: `mnist_mixing.png`. Every fit: `results.csv`; CAS and FID of every GAN epoch: `selection.csv`. "
        "Settings: `config.json`.",
        "",
    ]
    common.write_text(exp.output / "summary.md", "\n".join(lines))
    plot_mixing(settings, select, exp.output / "mnist_mixing.png")


def plot_mixing(settings, select, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5 * len(settings.sizes), 4))
    axes = fig.subplots(1, len(settings.sizes), squeeze=False)
    positions = np.arange(len(settings.ratios))
    for ax, size in zip(axes[0], settings.sizes):
        for clf in settings.classifiers:
            stats = [
                protocol.mean_ci([float(r["accuracy"]) for r in rows]) if rows else (np.nan, np.nan)
                for rows in (
                    select(clf, experiment="mix", real_per_digit=size, ratio=float(r)) for r in settings.ratios
                )
            ]
            ax.errorbar(
                positions,
                [mean for mean, _ in stats],
                yerr=[0 if math.isnan(half) else half for _, half in stats],
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
