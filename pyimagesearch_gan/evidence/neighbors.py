"""S1's novelty check done properly: are generated images new, or copies of training images?

S1 showed the k nearest training images (Euclidean over all pixels) beside a few generated
ones. A picture alone cannot say how close is "too close", so we calibrate: held-out REAL
images are by definition not copies, so the distances from held-out images to their nearest
training image show how close two different images of a class normally come. A generated
image closer to a training image than the `percentile`-th percentile of those real distances
of its class (1st by default) is flagged as a near-copy. The threshold is per class because
classes differ a lot (on MNIST real "1"s lie 40% closer to their neighbours than "0"s; one
global threshold flags 10% of real "1"s). About `percentile`% of held-out images are flagged
too: the report states that rate so a handful of flags is read for what it is.

Pixel distances are Euclidean over all pixel values (0-255, all channels); feature distances
use the feature CNN's "features" layer when an extractor is given (shown and summarised,
not used for flagging). Both search the whole training set, all classes.

Held-out images may be part of the training set (an image folder has no test split, so its
held-out part is carved from the images the GAN trained on): each is then compared with the
training images outside the held-out set, and generated images with all of them.
"""
from pathlib import Path

import cv2
import numpy as np

from pyimagesearch_gan.data import load_dataset
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.evidence.metrics import features
from pyimagesearch_gan.files import atomic_dir, write_image, write_json

FIGURE_ROWS = 16      # generated images shown per class, closest first
MIN_TILE = 64         # small images are enlarged by an integer factor to at least this size
SEPARATOR = 8         # width in pixels of the red bar between the query and its neighbours
RED = (0, 0, 255)     # BGR
GRAY = (128, 128, 128)


# ---------------------------------------------------------------- distances

def nearest(query, reference, k, *, chunk_size=512):
    """Distances (float32, ascending) and indices of the k nearest reference rows per query.

    Rows are flattened, so images (N, H, W, C) or features (N, d) both work. Candidates come
    from ||q||^2 - 2 q.r + ||r||^2 in float32 chunks; their distances are then recomputed
    directly, so an exact copy reads 0, not float round-off.
    """
    ref = _flat(reference)
    center = ref.mean(axis=0)  # shifting both sets leaves distances unchanged, improves precision
    ref -= center
    ref_sq = np.einsum("ij,ij->i", ref, ref)
    k = min(k, len(ref))
    distances, indices = [], []
    for start in range(0, len(query), chunk_size):
        q = _flat(query[start : start + chunk_size]) - center
        approx = np.einsum("ij,ij->i", q, q)[:, None] - 2.0 * (q @ ref.T) + ref_sq[None, :]
        candidates = np.argpartition(approx, k - 1, axis=1)[:, :k]
        exact = np.stack([np.linalg.norm(q - ref[candidates[:, j]], axis=1) for j in range(k)], 1)
        order = np.argsort(exact, axis=1, kind="stable")
        distances.append(np.take_along_axis(exact, order, 1))
        indices.append(np.take_along_axis(candidates, order, 1))
    return np.concatenate(distances).astype(np.float32), np.concatenate(indices)


def _flat(images):
    images = np.asarray(images)
    return images.reshape(len(images), -1).astype(np.float32)


def near_copy_threshold(train, held_out, percentile=1.0):
    """The `percentile`-th percentile of held-out -> nearest-training distances."""
    distances, _ = nearest(held_out, train, 1)
    return float(np.percentile(distances[:, 0], percentile))


def distance_stats(distances):
    """Count, mean, median, min, 1st and 5th percentile of a 1-D array of distances."""
    if len(distances) == 0:
        return {"count": 0}
    d = np.asarray(distances, np.float64)
    return {
        "count": int(len(d)),
        "mean": float(d.mean()),
        "median": float(np.median(d)),
        "min": float(d.min()),
        "p1": float(np.percentile(d, 1)),
        "p5": float(np.percentile(d, 5)),
    }


# ---------------------------------------------------------------- the whole check

def run_neighbors(generated_dir, train, held_out, *, extractor=None, k=5, output_dir,
                  percentile=1.0, notes=()):
    """Find the k nearest training images of every generated image; write figures and reports.

    generated_dir holds one folder per class named as in train.class_names, images of any
    name inside. Writes neighbors_<class>.png, report.json and report.md into output_dir
    (replaced as a whole, never half-written); prints a summary; returns the report dict.
    `notes`: lines about where the images came from, kept in the report and printed.
    """
    if k < 1 or not 0 <= percentile <= 100:
        raise UserError(f"need k >= 1 neighbours and a percentile in [0, 100], got k={k}, "
                        f"percentile={percentile}")
    if not Path(generated_dir).is_dir():
        raise UserError(f"generated-image folder {generated_dir} does not exist: "
                        "point it at <dir>/<class>/<image>, one subfolder per class")
    _check_same_classes(held_out.class_names, train.class_names, "the held-out set")
    if len(held_out.images) == 0:
        raise UserError("the held-out set is empty: it calibrates the near-copy threshold")
    generated = _load_generated(generated_dir, train)
    missing = set(generated.labels) - set(held_out.labels)
    if missing:
        raise UserError(f"the held-out set has no images of class {train.class_names[min(missing)]}: "
                        "it calibrates the near-copy threshold of every generated class")
    baseline = ~np.isin(train.files, held_out.files)  # training images held-out ones are compared with
    if not baseline.any():
        raise UserError("every training image is also a held-out image: hold out only part of the real images")
    spaces = {"pixel": (train.images, held_out.images, generated.images)}
    if extractor is not None:
        spaces["feature"] = tuple(features(extractor, x) for x in spaces["pixel"])
    found = {name: _search(*sets, k, baseline) for name, sets in spaces.items()}

    report = _report(generated_dir, generated, train, held_out, found, k, percentile)
    report["held_out_in_train"] = int(len(train.files) - baseline.sum())
    report["notes"] = list(notes)
    figures = {name: _class_figure(generated, train, found, label)
               for label, name in enumerate(train.class_names) if name in report["classes"]}
    _write_all(output_dir, report, figures)
    print("\n".join(_summary_lines(report)))
    return report


def _check_same_classes(names, expected, what):
    if list(names) != list(expected):
        raise UserError(f"{what} has classes {list(names)} but the training set has {list(expected)}: "
                        "load both with the same dataset and --classes")


def _load_generated(generated_dir, train):
    """Generated images as an ImageSet whose labels index train.class_names."""
    _, size, _, channels = train.images.shape
    generated = load_dataset("folder", str(generated_dir), image_size=size, channels=channels)
    unknown = [name for name in generated.class_names if name not in train.class_names]
    if unknown:
        raise UserError(f"class folder {Path(generated_dir) / unknown[0]} does not match any training "
                        f"class; name the class folders in {generated_dir} after: "
                        f"{', '.join(train.class_names)}")
    to_train = np.array([train.class_names.index(n) for n in generated.class_names], np.int32)
    generated.labels = to_train[generated.labels]
    generated.class_names = list(train.class_names)
    return generated


def _search(train_x, held_x, generated_x, k, baseline):
    """{"held_out": nearest(held_x -> train[baseline]), "generated": nearest(generated_x -> train, k)}."""
    return {"held_out": nearest(held_x, train_x[baseline], 1), "generated": nearest(generated_x, train_x, k)}


def _report(generated_dir, generated, train, held_out, found, k, percentile):
    gen_d, gen_i = found["pixel"]["generated"]
    held_d = found["pixel"]["held_out"][0][:, 0]
    classes, flagged = {}, np.zeros(len(gen_d), bool)
    for label, name in enumerate(train.class_names):
        is_gen, is_held = generated.labels == label, held_out.labels == label
        if not is_gen.any():
            continue
        threshold = float(np.percentile(held_d[is_held], percentile))
        flagged |= is_gen & (gen_d[:, 0] <= threshold)
        classes[name] = {
            "threshold": threshold,
            "held_out_flagged_fraction": float(np.mean(held_d[is_held] <= threshold)),
            "near_copies": int(np.sum(flagged & is_gen)),
            **{space: {"generated": distance_stats(r["generated"][0][is_gen, 0]),
                       "held_out": distance_stats(r["held_out"][0][is_held, 0])}
               for space, r in found.items()},
        }
    copies = [
        {"file": generated.files[i], "class": train.class_names[generated.labels[i]],
         "distance": float(gen_d[i, 0]), "train_file": str(train.files[gen_i[i, 0]])}
        for i in np.argsort(gen_d[:, 0], kind="stable") if flagged[i]
    ]
    return {
        "generated_dir": str(generated_dir),
        "k": int(k),
        "percentile": float(percentile),
        "pixel_distance": "Euclidean over all pixel values 0-255, nearest of all training images",
        "held_out_exact_duplicates": int(np.sum(held_d == 0)),
        "generated": int(len(generated.images)),
        "classes": classes,
        "near_copies": copies,
    }


# ---------------------------------------------------------------- pictures

def _class_figure(generated, train, found, label):
    """One row per generated image of the class, closest first: query | pixel NNs | feature NNs."""
    members = np.flatnonzero(generated.labels == label)
    gen_d = found["pixel"]["generated"][0]
    members = members[np.argsort(gen_d[members, 0], kind="stable")][:FIGURE_ROWS]
    scale = -(-MIN_TILE // generated.images.shape[1])  # ceil
    rows = []
    for i in members:
        row = [_tile(generated.images[i], scale)]
        for distances, indices in (r["generated"] for r in found.values()):
            row.append(_separator(row[0].shape[0]))
            row += [_tile(train.images[j], scale, _short(d)) for j, d in zip(indices[i], distances[i])]
        rows.append(cv2.hconcat(row))
    return cv2.vconcat(rows)


def _tile(image, scale, caption=None):
    """A uint8 image enlarged `scale` times, as BGR, captioned, with a 1-pixel gray border."""
    tile = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    tile = cv2.cvtColor(tile, cv2.COLOR_GRAY2BGR if tile.ndim == 2 else cv2.COLOR_RGB2BGR)
    if caption:
        cv2.putText(tile, caption, (2, tile.shape[0] - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                    (0, 255, 255), 1, cv2.LINE_AA)
    return cv2.copyMakeBorder(tile, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=GRAY)


def _short(distance):
    return f"{distance:.0f}" if distance >= 100 else f"{distance:.3g}"


def _separator(height):
    return np.full((height, SEPARATOR, 3), RED, np.uint8)


# ---------------------------------------------------------------- output

def _summary_lines(report):
    spaces = [s for s in ("pixel", "feature") if s in next(iter(report["classes"].values()))]
    header = "| class | generated | threshold | " + " | ".join(
        f"{s} gen mean | {s} gen p1 | {s} real mean | {s} real p1" for s in spaces) + " | near-copies |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for name, c in report["classes"].items():
        cells = [name, str(c["pixel"]["generated"]["count"]), f"{c['threshold']:.1f}"]
        for s in spaces:
            gen, real = c[s]["generated"], c[s]["held_out"]
            cells += [_num(gen, "mean"), _num(gen, "p1"), _num(real, "mean"), _num(real, "p1")]
        lines.append("| " + " | ".join(cells + [str(c["near_copies"])]) + " |")
    lines.append(f"\nnear-copy: pixel distance to a training image <= the class threshold, "
                 f"percentile {report['percentile']:g} of held-out real -> train distances "
                 f"(so about {report['percentile']:g}% of real held-out images are flagged too)")
    lines += report.get("notes", [])
    lines.append(f"near-copies: {len(report['near_copies'])} of {report['generated']} generated images")
    lines += [f"- {c['file']} ({c['class']}): {c['distance']:.1f} from {c['train_file']}"
              for c in report["near_copies"]]
    return lines


def _num(stats, key):
    return f"{stats[key]:.4g}" if key in stats else "-"


def _write_all(output_dir, report, figures):
    """Write everything into a hidden temporary folder, then swap it in for output_dir."""
    with atomic_dir(output_dir) as tmp:
        for name, figure in figures.items():
            write_image(tmp / f"neighbors_{name}.png", figure)
        write_json(tmp / "report.json", report)
        (tmp / "report.md").write_text(_markdown(report))


def _markdown(report):
    figures = "".join(f"\n![{name}](neighbors_{name}.png)\n" for name in report["classes"])
    return (f"# Nearest training images of {report['generated_dir']}\n\n"
            "Distances from each generated image to its nearest training image (gen), beside "
            "the same for held-out real images (real). Figures: each row is a generated image, "
            f"then its {report['k']} nearest training images by pixel distance (and by feature "
            "distance after a second bar), closest rows first.\n\n"
            + "\n".join(_summary_lines(report)) + "\n" + figures)
