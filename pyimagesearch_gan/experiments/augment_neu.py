"""Do GAN images help a classifier of NEU steel defects with few real images per class?

`pyimagesearch-gan augment-neu --data-dir DIR --output DIR [--quick]`

The fair protocol of `protocol.py`, with S3's situations (SPEC S3) against a strong baseline:

- Each class is split once by seed into `test_per_class` held-out test images (never seen by a
  GAN or a classifier in training) and a pool; the n real images of a size are the first n of
  the pool, of which a `validation` share is carved off (early stopping, choosing GAN epochs).
  The rest, the real training images, is all that the GANs and the classifiers learn from.
- Sources of synthetic images, one GAN set per source and n, each trained for about
  `gan_steps` updates per GAN (seed 000 trains ~9,000): `gan` (the book DCGAN per class,
  neu-dcgan), `gan-da` (the same with DiffAugment, neu-dcgan-diffaug; `diffaugment` sets the
  policy), `gan-ada` (the same with ADA's adaptive probability, r_t target 0.6), `acgan` /
  `acgan-da` (one conditional AC-GAN for all classes, without / with DiffAugment). The generator epoch
  of each class is chosen by CAS on the validation images, FID beside it.
- Situations: `real` (the real training images), `transforms` (the same with the 8 flip and
  90° rotation symmetries plus 2-pixel shifts, anew in every epoch), and per source `SOURCE`
  (real + k synthetic per class) and `SOURCE+transforms` (both transformed alike).
- Classifiers: the baseline CNN (strong) and S3's small CNN (faithful), early-stopped.
- Trials differ in classifier initialisation, batch order, transforms and synthetic draws;
  trial t has the same seed in every situation, so situations are compared pair by pair.

Outputs in --output: results.csv (a row per fit), summary.md (accuracy with 95% intervals,
paired differences against `transforms` and `real`, the GAN epochs chosen), selection.csv
(CAS, recall and FID per source, size, epoch and class), neu_accuracy.png, confusion.json,
config.json, and the GANs under gans/ with their montages. Everything is cached: a rerun with
the same settings goes on where the last one stopped, and the summary is rewritten after each
source, so it holds what is done so far. A rerun with other --sizes, --sources, --classifiers or
--trials adds to the folder: the summary shows every size and source fitted there.
"""

import dataclasses
import functools
import json
import time

import numpy as np

from pyimagesearch_gan.config import parse_policy
from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.experiments import common, protocol
from pyimagesearch_gan.experiments.gans import train_gans
from pyimagesearch_gan.experiments.settings import SOURCES, check_neu
from pyimagesearch_gan.files import ensure_writable_dir, write_json
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.utils import format_seconds, per_class_order

BASELINE = "transforms"
COLUMNS = [
    "real_per_class",
    "situation",
    "source",
    "transforms",
    "synthetic_per_class",
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
KEY = ["real_per_class", "situation", "classifier", "trial"]
# settings that only choose which rows are fitted (common.Results keeps rows across them)
SELECTING = ("sizes", "sources", "classifiers", "trials")


def situations(settings):
    """[(name, source or None, transforms)] in the order they are fitted and shown."""
    result = [("real", None, False), (BASELINE, None, True)]
    for source in settings.sources:
        result += [(source, source, False), (f"{source}+transforms", source, True)]
    return result


def split(data, settings):
    """Per class (pool, test): the test part is fixed by the seed; sizes are taken from the pool."""
    pools, test_x, test_y = [], [], []
    orders = per_class_order(data.labels, settings.seed)
    for c in range(len(data.class_names)):
        order = orders[c]
        need = settings.test_per_class + max(settings.sizes)
        if need > len(order):
            raise UserError(
                f"--test-per-class {settings.test_per_class} + --sizes {max(settings.sizes)} = {need} images, "
                f"but class '{data.class_names[c]}' has {len(order)}: lower one of them"
            )
        test_x.append(data.images[order[: settings.test_per_class]])
        test_y.append(np.full(settings.test_per_class, c, "int32"))
        pools.append(data.images[order[settings.test_per_class :]])
    return pools, np.concatenate(test_x), np.concatenate(test_y)


def real_sets(pools, n, settings):
    """The n real images per class of a size, split into (train_x, train_y, val_x, val_y)."""
    x = np.concatenate([pool[:n] for pool in pools])
    y = np.repeat(np.arange(len(pools)), n).astype("int32")
    train, val = protocol.validation_split(y, settings.validation, settings.seed)
    return x[train], y[train], x[val], y[val]


def gan_config(settings, source, n_train, num_classes):
    preset, diffaugment, ada_target = SOURCES[source]
    if diffaugment and settings.diffaugment == get_preset("neu-dcgan-diffaug").diffaugment:
        preset = {"neu-dcgan": "neu-dcgan-diffaug"}.get(preset, preset)
    overrides = {"diffaugment": ",".join(parse_policy(settings.diffaugment))} if diffaugment else {}
    if ada_target:
        overrides["ada_target"] = ada_target
    cfg = get_preset(preset)
    pool = n_train * num_classes if cfg.family == "acgan" else n_train
    batch = max(1, min(cfg.batch_size if cfg.family == "acgan" else settings.gan_batch, pool // 2))
    return cfg.with_overrides(
        {"batch_size": batch, "seed": settings.seed, "num_benchmark": 64, **overrides, **settings.gan_set}
    )


def run(settings, data_dir, output):
    """Train the GANs per size and source, choose their epochs, fit the classifiers, summarize."""
    start = time.perf_counter()
    check_neu(settings)
    data = load_dataset("neu", data_dir, image_size=28, channels=1)
    names = data.class_names
    pools, test_x, test_y = split(data, settings)
    output = ensure_writable_dir(output)
    results = common.Results(output, common.settings_dict(settings), COLUMNS, KEY, SELECTING)
    selection = common.SelectionLog(output / "selection.csv")
    all_situations = situations(settings)
    gan_times = common.GanTimes(output, results.continued)
    clock = common.Clock(len(settings.sizes) * len(all_situations) * settings.trials * len(settings.classifiers))
    common.log(
        f"augment-neu: {settings.sizes} real per class ({settings.validation:.0%} for validation), test "
        f"{settings.test_per_class} per class, {settings.trials} trials, classifiers "
        f"{', '.join(settings.classifiers)}, sources {', '.join(settings.sources)} (~{settings.gan_steps} GAN updates)"
    )
    for n in settings.sizes:
        train_x, train_y, val_x, val_y = real_sets(pools, n, settings)
        per_class = [train_x[train_y == c] for c in range(len(names))]
        k = settings.k or n
        judge = common.filter_judge(
            settings.filter,
            train_x,
            train_y,
            val_x,
            val_y,
            len(names),
            output / f"filter_n{n}",
            augment=protocol.texture_transforms(settings.seed),
            seed=settings.seed,
            max_epochs=settings.max_epochs,
            patience=settings.patience,
        )
        make_extractor = functools.cache(
            functools.partial(common.train_feature_extractor, train_x, train_y, len(names), settings.seed)
        )
        for source in (None, *settings.sources):
            gans = generators = None
            if source is not None:
                common.log(f"[n = {n}] {source} (elapsed {format_seconds(time.perf_counter() - start)})")
                cfg = gan_config(settings, source, len(per_class[0]), len(names))
                gans = train_gans(
                    cfg,
                    names,
                    per_class,
                    output / "gans" / f"size{n}" / source,
                    updates=settings.gan_steps,
                    snapshots=settings.snapshots,
                )
                gan_times.add(f"n={n} {source}", gans)
                real = (train_x, train_y, val_x, val_y)
                chosen = selection.choose(f"n={n} {source}", gans, real, settings, make_extractor)
                generators = [gans.generator(c, epoch) for c, epoch in enumerate(chosen)]
            for name, _, transformed in (s for s in all_situations if s[1] == source):
                for clf in settings.classifiers:
                    for trial in range(settings.trials):
                        if results.done(real_per_class=n, situation=name, classifier=clf, trial=trial):
                            clock.total -= 1
                            continue
                        seed = settings.seed * 1000 + trial
                        parts, pass_rate = [], None
                        if gans is not None:
                            parts, pass_rate = common.draw_synthetic(
                                gans, generators, k, seed, judge=judge, threshold=settings.filter
                            )
                        x, y = common.with_parts(train_x, train_y, parts)
                        row = common.fit_and_score(
                            clf,
                            x,
                            y,
                            val_x,
                            val_y,
                            test_x,
                            test_y,
                            len(names),
                            seed=seed,
                            augment=protocol.texture_transforms(seed) if transformed else None,
                            settings=settings,
                        )
                        clock.add(row["seconds"])
                        results.add(
                            {
                                **row,
                                "real_per_class": n,
                                "situation": name,
                                "source": source or "",
                                "transforms": int(transformed),
                                "synthetic_per_class": k if source else 0,
                                "classifier": clf,
                                "trial": trial,
                                "filter_pass_rate": "" if pass_rate is None else round(pass_rate, 3),
                            }
                        )
                        common.log(
                            f"  n {n} {name} {clf} trial {trial + 1}/{settings.trials}: accuracy "
                            f"{row['accuracy']:.3f} (epochs {row['epochs']}, best {row['best_epoch']})  "
                            f"[{clock.status()}]"
                        )
            write_summary(settings, results.rows, selection, gan_times, names, output, time.perf_counter() - start)
    seconds = time.perf_counter() - start
    write_summary(settings, results.rows, selection, gan_times, names, output, seconds)
    common.log(f"augment-neu done in {format_seconds(seconds)}: {output / 'summary.md'}")
    return output


# ---------------------------------------------------------------- summary


def write_summary(settings, rows, selection, gan_times, names, output, seconds):
    """summary.md, confusion.json and neu_accuracy.png from the rows done so far, this run's and
    those of earlier runs of the folder with other sizes, sources or classifiers."""
    if not rows:
        return
    rows = common.as_text(rows)
    sizes = sorted({int(r["real_per_class"]) for r in rows})
    clfs = list(dict.fromkeys([*settings.classifiers, *(r["classifier"] for r in rows)]))
    sources = list(dict.fromkeys([*settings.sources, *SOURCES]))
    order = [name for name, _, _ in situations(dataclasses.replace(settings, sources=sources))]
    order = [name for name in order if any(r["situation"] == name for r in rows)]
    lines = [
        "# augment-neu: do GAN images help a NEU classifier?",
        "",
        f"Test set: {settings.test_per_class} held-out real images per class ({settings.test_per_class * len(names)} "
        f"in all), never seen by a GAN or in training. Of the n real images per class, {settings.validation:.0%} are "
        "kept for validation (early stopping, choosing the GAN epochs); GANs and classifiers learn from the rest. "
        f"Classifiers early-stopped on the validation loss (patience {settings.patience}, at most "
        f"{settings.max_epochs} epochs, best weights). k = {settings.k or 'n'} synthetic images per class; GANs "
        f"~{settings.gan_steps} updates each, the epoch per class chosen by CAS on the validation images"
        + (
            f"; synthetic images kept when a real-image classifier gives their class p >= {settings.filter}"
            if settings.filter
            else ""
        )
        + f". {settings.trials} trials; mean ± 95% t-interval; Δ = paired difference (same trial seed), ↑/↓ where its "
        f"interval excludes zero.",
        "",
    ]
    for n in sizes:
        for clf in clfs:
            by_situation = {}
            for r in rows:
                if r["real_per_class"] == str(n) and r["classifier"] == clf:
                    by_situation.setdefault(r["situation"], []).append(r)
            if not by_situation:
                continue
            table = [
                [
                    name,
                    common.interval_cell(trials),
                    common.difference_cell(trials, by_situation.get(BASELINE)),
                    common.difference_cell(trials, by_situation.get("real")),
                    common.interval_cell(trials, "f1"),
                    f"{np.mean([float(r['epochs']) for r in trials]):.0f}",
                    len(trials),
                ]
                for name, trials in sorted(by_situation.items(), key=lambda item: order.index(item[0]))
            ]
            header = ["situation", "accuracy", f"Δ vs {BASELINE}", "Δ vs real", "macro F1", "epochs", "trials"]
            lines += [
                f"## n = {n} real images per class, classifier {clf}",
                "",
                common.markdown_table(header, table),
                "",
            ]
    keys = [f"n={n} {source}" for n in sizes for source in sources]
    lines += selection.table(keys, names)
    lines += common.time_lines(
        {key: gan_times[key] for key in keys if key in gan_times}, rows, "real_per_class", "n =", seconds
    )
    lines += [
        "Every fit: `results.csv`; CAS and FID of every GAN epoch: `selection.csv`; confusion matrices summed over "
        "trials: `confusion.json`; plot: `neu_accuracy.png`; settings: `config.json`; GAN montages: "
        "`gans/size<n>/<source>/<class>/epoch_*.png`.",
        "",
    ]
    common.write_text(output / "summary.md", "\n".join(lines))
    write_json(output / "confusion.json", {"classes": names, "matrices": confusions(rows)})
    plot_accuracy(rows, sizes, clfs, order, output / "neu_accuracy.png")


def confusions(rows):
    """{n: {classifier: {situation: confusion matrix summed over trials}}}."""
    result = {}
    for row in rows:
        matrix = np.array(json.loads(row["confusion"]))
        place = result.setdefault(row["real_per_class"], {}).setdefault(row["classifier"], {})
        place[row["situation"]] = (place[row["situation"]] + matrix) if row["situation"] in place else matrix
    return {n: {c: {s: m.tolist() for s, m in by_s.items()} for c, by_s in by_c.items()} for n, by_c in result.items()}


def plot_accuracy(rows, sizes, clfs, order, path):
    """Test accuracy per situation with 95% intervals, a panel per classifier, bars per size."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6 * len(clfs), 4.5))
    axes = fig.subplots(1, len(clfs), squeeze=False)
    width = 0.8 / len(sizes)
    for ax, clf in zip(axes[0], clfs):
        for i, n in enumerate(sizes):
            stats = []
            for name in order:
                values = [
                    float(r["accuracy"])
                    for r in rows
                    if r["real_per_class"] == str(n) and r["classifier"] == clf and r["situation"] == name
                ]
                stats.append(protocol.mean_ci(values) if values else (np.nan, np.nan))
            ax.bar(
                np.arange(len(order)) + (i - (len(sizes) - 1) / 2) * width,
                [mean for mean, _ in stats],
                width,
                yerr=[0 if np.isnan(half) else half for _, half in stats],
                capsize=3,
                label=f"n = {n}",
            )
        ax.set_xticks(np.arange(len(order)), order, rotation=35, ha="right", fontsize=8)
        ax.set(ylabel="test accuracy (held-out real)", ylim=(0, 1), title=f"NEU, classifier {clf}")
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    common.save_figure(fig, path)
