"""What the report shows of a run folder: its GANs, their histories and montages, the timings
and, after `pyimagesearch-gan evaluate`, the best epoch per class by FID and the epoch chosen
for `generate --epoch best`.

Everything is read tolerantly through `pyimagesearch_gan.runs`, so a run that is still
training, was interrupted or was written before run.json existed still gets a page (its GANs
are then the subfolders with a history or montages).
"""

import dataclasses
import math
import statistics

from PIL import Image

from pyimagesearch_gan.runs import chosen_epoch, epoch_montages, read_history, read_metrics

NOT_GAN_FOLDERS = {"checkpoints", "evaluation"}


@dataclasses.dataclass
class GanView:
    """What the page shows of one GAN folder."""

    folder: str
    classes: list
    conditional: bool
    history: list
    montages: list  # [(epoch, file name)], epochs ascending
    rows: int = 0  # montage rows labelled with classes (AC-GAN), else 0
    best: list = dataclasses.field(default_factory=list)  # [{"class", "epoch", "fid", "real_fid", "chosen"}]
    notes: list = dataclasses.field(default_factory=list)  # what could not be shown, and why

    @property
    def title(self):
        if self.conditional and self.classes:
            return f"{self.folder} (conditional, {len(self.classes)} classes)"
        return self.folder


def discover_gans(run_dir, config):
    """GAN folders of a run without run.json: subfolders with a history or montages, in the
    order of the config's classes where the names match."""
    folders = [
        p.name
        for p in sorted(run_dir.iterdir())
        if p.is_dir()
        and not p.name.startswith(".")
        and p.name not in NOT_GAN_FOLDERS
        and ((p / "history.json").is_file() or epoch_montages(p))
    ]
    order = [c.strip() for c in str(config.get("classes", "")).split(",")]
    return sorted(folders, key=lambda name: order.index(name) if name in order else len(order))


def montage_size(path):
    """(width, height) of an image, read from its header only; (0, 0) if unreadable."""
    try:
        with Image.open(path) as image:
            return image.size
    except OSError:
        return 0, 0


def epoch_records(folder):
    """The history records of a GAN folder that have an epoch (a damaged file has none)."""
    return [r for r in read_history(folder) if isinstance(r, dict) and isinstance(r.get("epoch"), int)]


def read_gans(run_dir, config, manifest):
    conditional_run = config.get("family") == "acgan"
    if manifest:
        conditional_run = bool(manifest.get("conditional", conditional_run))
        entries = [
            (str(g["folder"]), [str(c) for c in g.get("classes") or []])
            for g in manifest["gans"]
            if isinstance(g, dict) and g.get("folder")
        ]
    else:
        entries = [(name, []) for name in discover_gans(run_dir, config)]
    tile = config.get("image_size") or (manifest or {}).get("image_size")
    gans = []
    for folder, classes in entries:
        history = epoch_records(run_dir / folder)
        montages = [(epoch, path.name) for epoch, path in epoch_montages(run_dir / folder)]
        conditional = conditional_run or any("d_class_loss" in r for r in history)
        height = montage_size(run_dir / folder / montages[-1][1])[1] if montages else 0
        rows = max(1, round(height / tile)) if conditional and height and tile else 0
        if not classes:
            # Without run.json: a GAN folder is named after its class, or its classes joined
            # by "+" (a pooled or conditional GAN); a conditional one on all classes is "all".
            classes = folder.split("+")
            if conditional and len(classes) != rows:
                classes = [f"class {i}" for i in range(rows)]
        if conditional and classes:
            rows = len(classes)
        gans.append(GanView(folder, classes, conditional, history, montages, rows))
    return gans


def number(value):
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def read_evaluation(run_dir):
    """What `pyimagesearch-gan evaluate` found (evaluation/metrics.json), or None: the best epoch
    per class by FID, the epoch chosen for `generate --epoch best` ({"epoch", "by"}, None in an
    evaluation that chose none), the FID of real held-out images per class, how many epochs
    were evaluated."""
    metrics = read_metrics(run_dir)
    if not metrics or not isinstance(metrics.get("best_epoch"), dict):
        return None
    reference = metrics.get("reference") if isinstance(metrics.get("reference"), dict) else {}
    real = reference.get("held_out_vs_train") if isinstance(reference.get("held_out_vs_train"), dict) else {}
    best = {
        str(name): {
            "epoch": b["epoch"],
            "fid": number(b.get("fid")),
            "real_fid": number((real.get(name) or {}).get("fid")),
            "chosen": chosen_epoch(metrics, name),
        }
        for name, b in metrics["best_epoch"].items()
        if isinstance(b, dict) and isinstance(b.get("epoch"), int)
    }
    rows = metrics.get("rows") if isinstance(metrics.get("rows"), list) else []
    return {
        "best": best,
        "epochs": len({r.get("epoch") for r in rows if isinstance(r, dict)}),
        "ceiling": number(reference.get("feature_cnn_held_out_accuracy")),
        "plot": (run_dir / "evaluation" / "fid_vs_epoch.png").is_file(),
    }


def attach_best_epochs(gans, evaluation):
    """Give each GAN the best epochs of its classes."""
    unmatched = dict(evaluation["best"])
    for gan in gans:
        for name in gan.classes:
            if name in unmatched:
                gan.best.append({"class": name, **unmatched.pop(name)})
    if unmatched and len(gans) == 1:  # a conditional run whose class names are unknown here
        gans[0].best += [{"class": name, **b} for name, b in unmatched.items()]


# ---------------------------------------------------------------- timings


def epoch_seconds(gan):
    return [r["seconds"] for r in gan.history if number(r.get("seconds")) is not None]


def gan_timing(gan, total_epochs):
    seconds = epoch_seconds(gan)
    done = max([r["epoch"] for r in gan.history] + [e for e, _ in gan.montages] + [0])
    return {
        "done": done,
        "total": total_epochs,
        "seconds": sum(seconds) if seconds else None,
        "median": statistics.median(seconds) if seconds else None,
    }


def run_timing(gans, config, manifest=None):
    """Epochs done, training time and median seconds per epoch of the run. Class GANs trained
    side by side each record the shared epoch's time: the run took about the longest of them,
    not their sum."""
    total = number(config.get("epochs"))
    per_gan = [gan_timing(gan, total) for gan in gans]
    seconds = [t["seconds"] for t in per_gan if t["seconds"] is not None]
    side_by_side = (manifest or {}).get("side_by_side", config.get("concurrent") is True)
    side_by_side = bool(side_by_side) and len(gans) > 1 and not any(g.conditional for g in gans)
    every = [s for gan in gans for s in epoch_seconds(gan)]
    done = [t["done"] for t in per_gan]
    return {
        "per_gan": per_gan,
        "done_min": min(done, default=0),
        "done_max": max(done, default=0),
        "total": total,
        "seconds": (max(seconds) if side_by_side else sum(seconds)) if seconds else None,
        "side_by_side": side_by_side,
        "median": statistics.median(every) if every else None,
        "epochs_timed": len(every),
    }
