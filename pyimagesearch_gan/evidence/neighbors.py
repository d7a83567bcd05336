"""S1's novelty check done properly: are generated images new, or copies of training images?

S1 showed the k nearest training images (Euclidean over all pixels) beside a few generated
ones. A picture alone cannot say how close is "too close", and closeness alone is not copying:
a bland grey image lies close to every flat training image, and a good GAN's image lies close
to the several training images it resembles. A copy is close to ONE training image and not to
the others, so a generated image is flagged as a near-copy when both hold:

- its pixel distance d1 to the nearest training image is at most the class threshold, and
- d1 < `ratio` x d2, d2 being the distance to the second-nearest training image (1/3 by default;
  Carlini et al. 2023, "Extracting training data from diffusion models", test copies this way).

A pixel-exact copy (d1 = 0) is always flagged. Pixel-identical training images count once, so
an image stored twice in the training set is one candidate, not two (else a copy of it would
read 0/0, and a near copy of it about 1).

The threshold comes from held-out REAL images, which are by definition not copies: the
`percentile`-th percentile (1st by default) of their distances to the nearest training image
shows how close two different images of a class normally come. It is per class because classes
differ a lot (on MNIST real "1"s lie 40% closer to their neighbours than "0"s). The report
gives the fraction of held-out images the same rule flags, and how many generated images are
below the threshold alone, so both halves of the rule can be read.

Pixel distances are Euclidean over all pixel values (0-255, all channels); feature distances
use the feature CNN's "features" layer when an extractor is given (shown and summarised,
not used for flagging). Both search the whole training set given (all its classes).

Held-out images may be part of the training set (an image folder has no test split, so its
held-out part is carved from the images the GAN trained on): each is then compared with the
training images outside the held-out set, and generated images with all of them.
"""

import contextlib
import io
import sys
from pathlib import Path

import cv2
import numpy as np

from pyimagesearch_gan.data import ImageSet, load_dataset
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.evidence.metrics import features
from pyimagesearch_gan.files import atomic_dir, write_image, write_json

FIGURE_ROWS = 16  # generated images shown per class, closest first
MIN_TILE = 64  # small images are enlarged by an integer factor to at least this size
SEPARATOR = 8  # width in pixels of the red bar between the query and its neighbours
RED = (0, 0, 255)  # BGR
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


def distinct(images, mask=None):
    """A boolean mask of the images (among those where `mask` is true) that are the first of
    their group of pixel-identical images: duplicates are searched once."""
    candidates = np.flatnonzero(np.ones(len(images), bool) if mask is None else mask)
    keep = np.zeros(len(images), bool)
    if len(candidates):
        rows = np.asarray(images)[candidates].reshape(len(candidates), -1)
        _, first = np.unique(rows, axis=0, return_index=True)
        keep[candidates[first]] = True
    return keep


def flag_copies(nearest_distance, second_distance, threshold, ratio=1 / 3):
    """The near-copy rule: d1 == 0, or d1 <= threshold and d1 < ratio * d2 (arrays, elementwise).

    d1 and d2 are the distances to the nearest and second-nearest distinct training image
    (d2 = inf when there is no second one).
    """
    d1, d2 = np.asarray(nearest_distance, np.float64), np.asarray(second_distance, np.float64)
    with np.errstate(invalid="ignore"):  # ratio 0 x d2 inf is nan, and nan compares false
        alone = d1 < ratio * d2
    return (d1 == 0) | ((d1 <= threshold) & alone)


def rule_text(percentile, ratio):
    """The near-copy rule in words, for reports."""
    return (
        f"near-copy: pixel distance d1 to the nearest training image is 0, or d1 <= the class threshold "
        f"(percentile {percentile:g} of held-out real -> training distances) and d1 < {ratio:.3g} x d2, "
        "d2 being the distance to the second-nearest training image (pixel-identical training images "
        "count once)"
    )


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


def run_neighbors(
    generated_dir,
    train,
    held_out,
    *,
    extractor=None,
    k=5,
    output_dir,
    percentile=1.0,
    ratio=1 / 3,
    classes=None,
    notes=(),
):
    """Find the k nearest training images of every generated image; write figures and reports.

    generated_dir holds one folder per class named as in train.class_names, images of any
    name inside (and maybe the manifest.json of `generate`). `classes`: the names of the
    classes to check, None for every class folder. Writes neighbors_<class>.png, report.json
    and report.md into output_dir (replaced as a whole, never half-written); prints a summary;
    returns the report dict. `notes`: lines about where the images came from, kept in the
    report and printed.
    """
    if k < 1:
        raise UserError(f"--k must be at least 1 neighbour, got {k}")
    if not 0 <= percentile <= 100:
        raise UserError(f"--percentile must be in [0, 100], got {percentile}")
    if not 0 <= ratio <= 1:
        raise UserError(f"--ratio must be in [0, 1] (nearest / second-nearest distance), got {ratio}")
    if not Path(generated_dir).is_dir():
        raise UserError(
            f"generated-image folder {generated_dir} does not exist: "
            "point it at <dir>/<class>/<image>, one subfolder per class"
        )
    _check_same_classes(held_out.class_names, train.class_names, "the held-out set")
    if len(held_out.images) == 0:
        raise UserError("the held-out set is empty: it calibrates the near-copy threshold")
    generated = _load_generated(generated_dir, train, classes)
    missing = set(generated.labels) - set(held_out.labels)
    if missing:
        raise UserError(
            f"the held-out set has no images of class {train.class_names[min(missing)]}: "
            "it calibrates the near-copy threshold of every generated class"
        )
    baseline = ~np.isin(train.files, held_out.files)  # training images held-out ones are compared with
    if not baseline.any():
        raise UserError("every training image is also a held-out image: hold out only part of the real images")
    pools = {
        "generated": np.flatnonzero(distinct(train.images)),
        "held_out": np.flatnonzero(distinct(train.images, baseline)),
    }
    spaces = {"pixel": (train.images, held_out.images, generated.images)}
    if extractor is not None:
        spaces["feature"] = tuple(features(extractor, x) for x in spaces["pixel"])
    found = {name: _search(*sets, k, pools) for name, sets in spaces.items()}

    report, flagged = _report(generated_dir, generated, train, held_out, found, k, percentile, ratio)
    report["held_out_in_train"] = int(len(train.files) - baseline.sum())
    report["train_exact_duplicates"] = int(len(train.files) - len(pools["generated"]))
    report["notes"] = list(notes)
    figures = {
        name: _class_figure(generated, train, found, flagged, label, k)
        for label, name in enumerate(train.class_names)
        if name in report["classes"]
    }
    _write_all(output_dir, report, figures)
    print("\n".join(_summary_lines(report)))
    return report


def _check_same_classes(names, expected, what):
    if list(names) != list(expected):
        raise UserError(
            f"{what} has classes {list(names)} but the training set has {list(expected)}: "
            "load both with the same dataset and --classes"
        )


def _load_generated(generated_dir, train, classes):
    """Generated images of `classes` (None: all) as an ImageSet whose labels index train.class_names."""
    _, size, _, channels = train.images.shape
    with contextlib.redirect_stderr(io.StringIO()):  # its warning would name generate's manifest.json
        loaded = load_dataset("folder", str(generated_dir), image_size=size, channels=channels)
    skipped = [
        (path, why)
        for path, why in loaded.skipped
        if not (Path(path).name == "manifest.json" and why == "not in a class folder")
    ]
    if skipped:
        shown = ", ".join(f"{Path(path).name} ({why})" for path, why in skipped[:3])
        print(
            f"warning: skipped {len(skipped)} files in {generated_dir}: {shown}"
            + (", ..." if len(skipped) > 3 else ""),
            file=sys.stderr,
        )
    folders = loaded.class_names
    if classes is None:
        classes = folders
        unknown = [name for name in folders if name not in train.class_names]
        if unknown:
            raise UserError(
                f"class folder {Path(generated_dir) / unknown[0]} does not match any training "
                f"class; name the class folders in {generated_dir} after: "
                f"{', '.join(train.class_names)}"
            )
    for name in classes:
        if name not in train.class_names:
            raise UserError(f"unknown class {name!r} in --classes: choose from {', '.join(train.class_names)}")
        if name not in folders:
            raise UserError(
                f"no class folder {Path(generated_dir) / name} for class {name} of --classes: "
                f"{generated_dir} has {', '.join(folders)}; choose among those"
            )
    keep = np.isin(loaded.labels, [folders.index(name) for name in classes])
    to_train = np.array([train.class_names.index(name) for name in folders], np.int32)
    return ImageSet(
        loaded.images[keep],
        to_train[loaded.labels[keep]],
        list(train.class_names),
        [f for f, kept in zip(loaded.files, keep) if kept],
        skipped,
    )


def _search(train_x, held_x, generated_x, k, pools):
    """Nearest distinct training images of held-out (2, outside the held-out set) and generated ones
    (k, at least 2), as (distances, indices into train_x)."""
    found = {}
    for name, query, count in (("held_out", held_x, 2), ("generated", generated_x, max(k, 2))):
        pool = pools[name]
        distances, indices = nearest(query, train_x[pool], count)
        found[name] = (distances, pool[indices])
    return found


def _second(distances):
    """Distance to the second-nearest training image; inf when there is only one."""
    return distances[:, 1] if distances.shape[1] > 1 else np.full(len(distances), np.inf, np.float32)


def _ratios(distances):
    """Nearest / second-nearest distance; 0 for an exact copy."""
    d1, d2 = distances[:, 0].astype(np.float64), _second(distances).astype(np.float64)
    return np.divide(d1, d2, out=np.zeros_like(d1), where=d1 > 0)


def _report(generated_dir, generated, train, held_out, found, k, percentile, ratio):
    """The report dict and the near-copy flag of every generated image."""
    gen_d, gen_i = found["pixel"]["generated"]
    held_d = found["pixel"]["held_out"][0]
    gen_ratio, held_ratio = _ratios(gen_d), _ratios(held_d)
    classes, flagged = {}, np.zeros(len(gen_d), bool)
    for label, name in enumerate(train.class_names):
        is_gen, is_held = generated.labels == label, held_out.labels == label
        if not is_gen.any():
            continue
        threshold = float(np.percentile(held_d[is_held, 0], percentile))
        flagged[is_gen] = flag_copies(gen_d[is_gen, 0], _second(gen_d)[is_gen], threshold, ratio)
        held_flagged = flag_copies(held_d[is_held, 0], _second(held_d)[is_held], threshold, ratio)
        classes[name] = {
            "threshold": threshold,
            "below_threshold": int(np.sum(gen_d[is_gen, 0] <= threshold)),
            "near_copies": int(np.sum(flagged[is_gen])),
            "held_out_flagged_fraction": float(np.mean(held_flagged)),
            "median_ratio": {
                "generated": float(np.median(gen_ratio[is_gen])),
                "held_out": float(np.median(held_ratio[is_held])),
            },
            **{
                space: {
                    "generated": distance_stats(r["generated"][0][is_gen, 0]),
                    "held_out": distance_stats(r["held_out"][0][is_held, 0]),
                }
                for space, r in found.items()
            },
        }
    second = _second(gen_d)
    copies = [
        {
            "file": generated.files[i],
            "class": train.class_names[generated.labels[i]],
            "distance": float(gen_d[i, 0]),
            "second_distance": float(second[i]) if np.isfinite(second[i]) else None,
            "ratio": float(gen_ratio[i]),
            "train_file": str(train.files[gen_i[i, 0]]),
        }
        for i in np.argsort(gen_d[:, 0], kind="stable")
        if flagged[i]
    ]
    report = {
        "generated_dir": str(generated_dir),
        "k": int(k),
        "percentile": float(percentile),
        "ratio": float(ratio),
        "rule": rule_text(percentile, ratio),
        "pixel_distance": "Euclidean over all pixel values 0-255, nearest of all training images",
        "held_out_exact_duplicates": int(np.sum(held_d[:, 0] == 0)),
        "generated": int(len(generated.images)),
        "classes": classes,
        "near_copies": copies,
    }
    return report, flagged


# ---------------------------------------------------------------- pictures


def _class_figure(generated, train, found, flagged, label, k):
    """One row per generated image of the class, near-copies first, then closest first:
    query (captioned nearest / second-nearest ratio, red border if flagged) | pixel NNs | feature NNs."""
    members = np.flatnonzero(generated.labels == label)
    gen_d = found["pixel"]["generated"][0]
    members = members[np.lexsort((gen_d[members, 0], ~flagged[members]))][:FIGURE_ROWS]
    ratios = _ratios(gen_d)
    scale = -(-MIN_TILE // generated.images.shape[1])  # ceil
    rows = []
    for i in members:
        row = [_tile(generated.images[i], scale, f"{ratios[i]:.2f}", RED if flagged[i] else GRAY)]
        for distances, indices in (r["generated"] for r in found.values()):
            row.append(_separator(row[0].shape[0]))
            row += [_tile(train.images[j], scale, _short(d)) for j, d in zip(indices[i, :k], distances[i, :k])]
        rows.append(cv2.hconcat(row))
    return cv2.vconcat(rows)


def _tile(image, scale, caption=None, border=GRAY):
    """A uint8 image enlarged `scale` times, as BGR, captioned, with a 1-pixel border."""
    tile = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    tile = cv2.cvtColor(tile, cv2.COLOR_GRAY2BGR if tile.ndim == 2 else cv2.COLOR_RGB2BGR)
    if caption:
        cv2.putText(
            tile, caption, (2, tile.shape[0] - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 255, 255), 1, cv2.LINE_AA
        )
    return cv2.copyMakeBorder(tile, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=border)


def _short(distance):
    return f"{distance:.0f}" if distance >= 100 else f"{distance:.3g}"


def _separator(height):
    return np.full((height, SEPARATOR, 3), RED, np.uint8)


# ---------------------------------------------------------------- output


def _summary_lines(report):
    spaces = [s for s in ("pixel", "feature") if s in next(iter(report["classes"].values()))]
    header = (
        "| class | generated | threshold | "
        + " | ".join(f"{s} gen mean | {s} gen p1 | {s} real mean | {s} real p1" for s in spaces)
        + (" | below threshold | real flagged | near-copies |")
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for name, c in report["classes"].items():
        cells = [name, str(c["pixel"]["generated"]["count"]), f"{c['threshold']:.1f}"]
        for s in spaces:
            gen, real = c[s]["generated"], c[s]["held_out"]
            cells += [_num(gen, "mean"), _num(gen, "p1"), _num(real, "mean"), _num(real, "p1")]
        cells += [str(c["below_threshold"]), f"{c['held_out_flagged_fraction']:.1%}", str(c["near_copies"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(
        f"\n{report['rule']}. 'below threshold': generated images passing the first half alone; "
        "'real flagged': held-out real images (not copies) that the same rule flags"
    )
    lines += report.get("notes", [])
    lines.append(f"near-copies: {len(report['near_copies'])} of {report['generated']} generated images")
    lines += [
        f"- {c['file']} ({c['class']}): {c['distance']:.1f} from {c['train_file']}, ratio {c['ratio']:.2f}"
        for c in report["near_copies"]
    ]
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
    return (
        f"# Nearest training images of {report['generated_dir']}\n\n"
        "Distances from each generated image to its nearest training image (gen), beside "
        "the same for held-out real images (real). Figures: each row is a generated image, "
        f"then its {report['k']} nearest training images by pixel distance (and by feature "
        "distance after a second bar), near-copies first (red border), then closest first; the "
        "caption of a generated image is its nearest / second-nearest distance ratio.\n\n"
        + "\n".join(_summary_lines(report))
        + "\n"
        + figures
    )


def count_near_copies(generated, train, held_out, *, percentile=1.0, ratio=1 / 3):
    """(flagged, checked): how many of the `generated` images the near-copy rule flags against
    one class's `train` images, the threshold taken from its `held_out` real images (pixel
    distances, pixel-identical training images counted once)."""
    train = np.asarray(train)[distinct(train)]
    if not len(generated) or not len(train):
        return 0, len(generated)
    threshold = near_copy_threshold(train, held_out, percentile) if len(held_out) else 0.0
    distances, _ = nearest(generated, train, 2)
    second = distances[:, 1] if distances.shape[1] > 1 else np.full(len(distances), np.inf)
    return int(flag_copies(distances[:, 0], second, threshold, ratio).sum()), len(generated)
