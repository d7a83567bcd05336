"""A run's epochs measured, not picked by eye: `pyimagesearch-gan evaluate RUN_DIR`.

For every GAN of a run and every epoch with a saved generator (its checkpoints and the final
one), draw `count` images per class (the same noise at every epoch) and compute, on the
features of a CNN trained on the real images (no ImageNet weights can be downloaded here;
see real_data.py):
- FID and KID between a class's generated images and its real images (all that the GAN saw);
- CAS: accuracy on the held-out real images of a classifier trained only on that epoch's
  synthetic images of all classes (needs two classes or more), and that classifier's recall
  of each class's held-out images.
Reference values say what real data scores: FID/KID between the held-out and train real
images of each class, and the feature CNN's own held-out accuracy (a CAS ceiling).

Writes RUN_DIR/evaluation/metrics.csv (a row per class and epoch), metrics.json (the rows,
the reference values, the best epoch per class = lowest FID, and the chosen epoch per class
that `generate --epoch best` draws from: by CAS recall, or by FID) and fid_vs_epoch.png, and
prints the table. The feature CNN is trained once and cached in RUN_DIR/evaluation/. Results of
epochs not evaluated now are kept when the settings are the same, so a run evaluated now and
then (checkpoints keep only the last few epochs) builds up its whole curve.
"""

import csv
import json
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure  # a figure of its own: a notebook's backend stays as it is

from pyimagesearch_gan.evidence import classifiers, metrics
from pyimagesearch_gan.evidence.inputs import check_evaluation
from pyimagesearch_gan.evidence.real_data import feature_cnn, held_out_accuracy, load_real, stamp
from pyimagesearch_gan.files import atomic_path, ensure_writable_dir, write_json
from pyimagesearch_gan.runs import available_epochs, load_generator, sample
from pyimagesearch_gan.utils import format_seconds

COLUMNS = ["epoch", "class", "fid", "kid", "cas", "recall"]
KID_SUBSETS = 10


def evaluate(
    run_dir,
    *,
    count=500,
    epochs=None,
    data_dir=None,
    holdout=0.2,
    seed=0,
    feature_epochs=10,
    cas=True,
    cas_epochs=5,
    choose_by="cas",
):
    """Evaluate the run in `run_dir` (see the module docstring); returns the metrics.json dict.

    `epochs`: the epochs to evaluate (default: every epoch with a saved generator).
    `choose_by`: "cas" or "fid", what chooses the epoch of each class (see `chosen_epochs`).
    """
    run, plan = check_evaluation(run_dir, count=count, epochs=epochs, data_dir=data_dir)
    cfg = run.cfg
    out = ensure_writable_dir(run.folder / "evaluation")
    real = load_real(
        cfg.dataset,
        data_dir or cfg.data_dir,
        classes=cfg.classes,
        image_size=cfg.image_size,
        channels=cfg.channels,
        holdout=holdout,
        seed=seed,
    )
    print(real.note, flush=True)
    model = feature_cnn(real.train, out / "feature_cnn.keras", epochs=feature_epochs, seed=seed)
    extractor = classifiers.feature_extractor(model)
    names = real.seen.class_names
    settings = {
        "count": count,
        "seed": seed,
        "holdout": holdout,
        "feature_epochs": feature_epochs,
        "cas_epochs": cas_epochs if cas else None,
        "feature_cnn": stamp(real.train, feature_epochs, seed)["fingerprint"],
    }
    earlier = earlier_rows(out / "metrics.json", settings, plan)
    real_features = {
        t.name: metrics.features(extractor, real.seen.of_class(names.index(t.name))) for t in run.targets_all
    }
    reference = reference_values(run, real, extractor, model, seed)
    # CAS classifies among the run's classes: labels 0..K-1 in the run's order.
    held_labels = np.array([run.classes.index(names[label]) for label in real.held_out.labels], "int32")

    rows = []
    for epoch, targets in plan.items():
        start = time.perf_counter()
        synthetic = {}
        for target in targets:
            generator, _ = load_generator(run, target.gan, epoch)
            synthetic[target.name] = sample(generator, cfg, target, count, seed=seed)
        cas_value, recall = None, [None] * len(run.targets_all)
        if cas and len(targets) == len(run.targets_all) > 1:
            images = np.concatenate(list(synthetic.values()))
            labels = np.repeat([t.index for t in targets], count).astype("int32")
            scores = metrics.classification_scores(
                images, labels, real.held_out.images, held_labels, len(targets), epochs=cas_epochs, seed=seed
            )
            cas_value, recall = scores["accuracy"], classifiers.class_recall(scores["confusion"])
        for target in targets:
            feats = metrics.features(extractor, synthetic[target.name])
            rows.append(
                {
                    "epoch": epoch,
                    "class": target.name,
                    "fid": metrics.frechet_distance(feats, real_features[target.name]),
                    "kid": kid(feats, real_features[target.name], seed),
                    "cas": cas_value,
                    "recall": recall[target.index],
                }
            )
        fids = ", ".join(f"{r['class']} {r['fid']:.2f}" for r in rows if r["epoch"] == epoch)
        cas_text = "" if cas_value is None else f"; CAS {cas_value:.3f}"
        print(f"epoch {epoch}: FID {fids}{cas_text} ({format_seconds(time.perf_counter() - start)})", flush=True)

    rows = sorted(earlier + rows, key=lambda row: row["epoch"])
    # generate draws from the chosen epochs: only those still on disk (kept rows may be of pruned ones)
    on_disk = {t.name: available_epochs(run, t.gan) for t in run.targets_all}
    chosen = chosen_epochs([row for row in rows if row["epoch"] in on_disk[row["class"]]], choose_by)
    if any(c["by"] != choose_by for c in chosen.values()):
        print(
            "chosen epochs by FID: CAS was not computed for every class (it needs two classes or more, "
            "and --no-cas skips it)",
            flush=True,
        )
    result = {
        "run_dir": str(run.folder),
        "settings": settings,
        "real_data": real.note,
        "reference": reference,
        "best_epoch": best_epochs(rows),
        "chosen_epoch": chosen,
        "rows": rows,
    }
    write_outputs(out, result)
    print("\n".join(table_lines(result)))
    print(f"wrote metrics.csv, metrics.json and fid_vs_epoch.png into {out}", flush=True)
    return result


def earlier_rows(path, settings, plan):
    """Rows of an earlier evaluation with the same settings, for the epochs not evaluated now:
    evaluating a run now and then keeps the epochs whose checkpoints are gone."""
    try:
        earlier = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if earlier.get("settings") != settings:
        print(f"{path} holds results of other settings: they are replaced", flush=True)
        return []
    rows = [row for row in earlier.get("rows", []) if row["epoch"] not in plan]
    if rows:
        print(
            f"keeping the earlier results of epochs {', '.join(map(str, sorted({r['epoch'] for r in rows})))} "
            f"from {path}",
            flush=True,
        )
    return rows


def kid(feats_a, feats_b, seed):
    """KID: the unbiased MMD^2, averaged over subsets of the larger set as large as the smaller
    one (our sets are small, so subsets of 1000 as in the paper would be the whole sets)."""
    return metrics.kernel_distance(
        feats_a, feats_b, subsets=KID_SUBSETS, subset_size=min(len(feats_a), len(feats_b)), seed=seed
    )[0]


def reference_values(run, real, extractor, model, seed):
    """What real images score: FID/KID of held-out vs train real images per class; CAS ceiling."""
    names = real.seen.class_names
    per_class = {}
    for target in run.targets_all:
        label = names.index(target.name)
        held = metrics.features(extractor, real.held_out.of_class(label))
        train = metrics.features(extractor, real.train.of_class(label))
        per_class[target.name] = {
            "fid": metrics.frechet_distance(held, train),
            "kid": kid(held, train, seed),
            "held_out": len(held),
            "train": len(train),
        }
    return {"held_out_vs_train": per_class, "feature_cnn_held_out_accuracy": held_out_accuracy(model, real)}


def best_epochs(rows):
    """{class: {"epoch", "fid"}} at the lowest FID of each class."""
    return {name: {"epoch": row["epoch"], "fid": row["fid"]} for name, row in lowest_fid(rows).items()}


def lowest_fid(rows):
    """{class: its row of lowest FID} (the earlier epoch on a tie)."""
    best = {}
    for row in rows:
        if row["class"] not in best or row["fid"] < best[row["class"]]["fid"]:
            best[row["class"]] = row
    return best


def chosen_epochs(rows, by="cas"):
    """{class: {"epoch", "by", "recall", "fid"}}: the epoch `generate --epoch best` draws each
    class from, among those of `rows`. By "cas", the experiments' rule (protocol.select_epochs): the epoch whose CAS
    classifier, trained on synthetic images only, recalls most of the class's held-out real
    images, the later epoch on a tie. By "fid", or where a class has no recall (CAS needs two
    classes or more; --no-cas skips it): the lowest FID, as `best_epoch`."""
    picks = lowest_fid(rows)
    scored = [row for row in rows if row.get("recall") is not None]
    if by == "cas" and {row["class"] for row in scored} == picks.keys():
        for name in picks:
            picks[name] = max((r for r in scored if r["class"] == name), key=lambda r: (r["recall"], r["epoch"]))
    else:
        by = "fid"
    return {
        name: {"epoch": row["epoch"], "by": by, "recall": row.get("recall"), "fid": row["fid"]}
        for name, row in picks.items()
    }


def table_lines(result):
    lines = ["| epoch | class | FID | KID | CAS | recall |", "|---|---|---|---|---|---|"]
    for r in result["rows"]:
        cas, recall = ("-" if r.get(k) is None else f"{r[k]:.3f}" for k in ("cas", "recall"))
        lines.append(f"| {r['epoch']} | {r['class']} | {r['fid']:.2f} | {r['kid']:.4f} | {cas} | {recall} |")
    ref = result["reference"]
    lines.append(
        "real held-out vs train: "
        + ", ".join(f"{name} FID {v['fid']:.2f} KID {v['kid']:.4f}" for name, v in ref["held_out_vs_train"].items())
        + f"; feature CNN held-out accuracy {ref['feature_cnn_held_out_accuracy']:.3f}"
    )
    lines.append(
        "best epoch per class (lowest FID): "
        + ", ".join(f"{name} {b['epoch']} (FID {b['fid']:.2f})" for name, b in result["best_epoch"].items())
    )
    chosen = result["chosen_epoch"]
    by = next(iter(chosen.values()))["by"]  # one rule for every class
    lines.append(
        f"chosen epoch per class (by {by.upper()}, for generate --epoch best): "
        + ", ".join(
            f"{name} {c['epoch']}" + ("" if c["recall"] is None else f" (recall {c['recall']:.3f})")
            for name, c in chosen.items()
        )
    )
    return lines


def write_outputs(folder, result):
    with atomic_path(folder / "metrics.csv") as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in result["rows"])
    write_json(folder / "metrics.json", result)
    plot_metrics(result, folder / "fid_vs_epoch.png")


def plot_metrics(result, path):
    """FID per class against the epoch, and CAS against the epoch where it was computed."""
    rows = result["rows"]
    cas = sorted({(r["epoch"], r["cas"]) for r in rows if r["cas"] is not None})
    fig = Figure(figsize=(12 if cas else 6, 4))
    axes = fig.subplots(1, 2 if cas else 1, squeeze=False)
    for name in dict.fromkeys(r["class"] for r in rows):
        points = [(r["epoch"], r["fid"]) for r in rows if r["class"] == name]
        axes[0, 0].plot(*zip(*points), marker="o", label=name)
    axes[0, 0].set(xlabel="epoch", ylabel="FID (feature CNN)", yscale="log", title="FID vs epoch (lower is better)")
    axes[0, 0].legend()
    if cas:
        axes[0, 1].plot(*zip(*cas), marker="o", label="CAS")
        ceiling = result["reference"]["feature_cnn_held_out_accuracy"]
        axes[0, 1].axhline(ceiling, linestyle="--", color="gray", label="real-trained CNN")
        axes[0, 1].set(xlabel="epoch", ylabel="accuracy on held-out real", ylim=(0, 1), title="CAS vs epoch")
        axes[0, 1].legend()
    fig.tight_layout()
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, dpi=80)
