"""An augmentation experiment on one page, OUT/report.html: the verdict first, then the metrics
of every situation, the plots, one section per class (its real images beside each GAN source's
images, the CAS curve over the epochs, its recall in every situation), and the settings,
timings and files.

The experiment computes a plain dict, the *view*, and the page shows it; the page is rewritten
after every phase of a long run, so every key may be missing and every list empty:

    title, subtitle, status: text
    recipe: [{group, fitted, metric, recipe, rows: [{situation, mean, half, chosen}], reasons: [text], warning}]
    verdict: {headlines: [text], rows: [{group, metric, situation, baseline, mean, half, significant}]}
    metrics: [{group, situation, kind ("classic" or "gan"), values: {metric: [mean, half]}, trials}]
    recall_group: text
    plots: [{src, caption}]
    classes: [{name, real: {split: count}, real_montage: src,
               synthetic: [{source, status ("done", "training", "waiting"), montage: src, epoch,
                            epochs: [...], cas_recall: [...], fid: [...], near_copies, checked, added}],
               recall: [{situation, mean, half}]}]
    settings: [[name, value]], timings: [[what, amount, time]], files: [[src, what]]

`group` names the size and classifier a row is of where an experiment has several (each
group gets its own metrics table, its best in bold); `recall_group` the one the classes'
recall bars show. Scores are fractions (shown as percent), paired differences too (shown as
signed percentage points); `half` is the half-width of a 95% interval and may be null (one trial). A `src` is a
path relative to OUT; only files that are there are linked, the others are shown as not written
yet. The page looks like the run report and opens from disk the same way (`page`): one file,
the run report's CSS inlined, images by relative path, and, since it needs no script, the CAS
curves and recall bars are drawn by the template as inline SVG and CSS. Jinja2 escapes every
value of the view.
"""

import datetime
import math
from pathlib import Path, PurePosixPath

from markupsafe import Markup

from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import atomic_path
from pyimagesearch_gan.report.page import MONTAGE_WIDTH, REPORT_NAME, environment, figure, href, static_text

KIND_LABELS = {"classic": "real images and classic augmentation", "gan": "with GAN images"}
CHART_HEIGHT = 130
CHART_PAD = {"left": 30, "right": 10, "top": 8, "bottom": 20}  # room for the axis labels


def write_experiment_report(output_dir, view):
    """Write OUT/report.html from `view` (see the module docstring), atomically so that a reader
    never sees half a page, and return its path."""
    output_dir = Path(output_dir)
    page = render_experiment_page(view, output_dir=output_dir)
    path = output_dir / REPORT_NAME
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(page, encoding="utf-8")
    except OSError as err:
        raise UserError(f"cannot write {path} ({err.strerror}); make the output folder writable") from None
    return path


def render_experiment_page(view, output_dir=None):
    """The page's HTML. With `output_dir`, the folder the page goes into, only the files there
    are linked and the montages are sized from their headers; without it every named file is
    linked as it is."""
    root = None if output_dir is None else Path(output_dir)
    kinds = {m.get("situation"): m.get("kind") for m in view.get("metrics") or []}
    return (
        environment()
        .get_template("experiment.html")
        .render(
            title=view.get("title") or "Augmentation experiment",
            subtitle=view.get("subtitle"),
            status=view.get("status"),
            written=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            recipes=recipes(view.get("recipe") or []),
            verdict=verdict(view.get("verdict") or {}),
            recall_group=view.get("recall_group"),
            metrics=metrics_table(view.get("metrics") or []),
            plots=[plot(root, p) for p in view.get("plots") or []],
            classes=[class_section(i, c, root, kinds) for i, c in enumerate(view.get("classes") or [])],
            settings=text_rows(view.get("settings"), 2),
            timings=text_rows(view.get("timings"), 3),
            files=[
                {"url": file_url(root, src), "name": src, "what": what} for src, what in text_rows(view.get("files"), 2)
            ],
            style=Markup(static_text("report.css") + static_text("experiment.css")),
        )
    )


# ---------------------------------------------------------------- numbers and files


def number(value):
    """A finite number as a float, else None (a missing, null or NaN value)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def percent(mean, half=None):
    """A fraction as percent, with its ± half-width where there is one: "61.0 ± 8.0"."""
    mean, half = number(mean), number(half)
    if mean is None:
        return "-"
    return f"{100 * mean:.1f}" + ("" if half is None else f" ± {100 * half:.1f}")


def count(value):
    """An integer with thousands separators ("1,000"), anything else as text."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def file_url(root, src):
    """The relative URL of a file of OUT, or None: no path, a path that leaves OUT, or (with
    `root`) a file that is not there yet."""
    if not isinstance(src, str) or not src:
        return None
    path = PurePosixPath(src)
    if path.is_absolute() or ".." in path.parts or "\\" in src:
        return None
    if root is not None and not (root / path).is_file():
        return None
    return href(src)


def montage(root, src, caption):
    """A montage figure (`page.figure`) of a file of OUT, or None where it is not there yet."""
    url = file_url(root, src)
    if url is None:
        return None
    if root is None:  # size unknown: the default width
        return {"src": url, "caption": caption, "classes": "montage", "wide": False, "labels": None, "img_id": None}
    return figure(root / src, url, caption)


def text_rows(rows, width):
    """Rows of text cells, each padded or cut to `width` cells (a seed stays 1234, not 1,234)."""
    rows = [row if isinstance(row, (list, tuple)) else [row] for row in rows or []]
    return [["" if cell is None else str(cell) for cell in [*row, *[""] * width][:width]] for row in rows]


# ---------------------------------------------------------------- the sections


def recipes(view):
    """Per group, the classic recipe and its candidates' validation scores as percent."""
    shown = []
    for group in view:
        rows = [
            {
                "situation": row.get("situation", ""),
                "text": percent(row.get("mean"), row.get("half")),
                "chosen": bool(row.get("chosen")),
            }
            for row in group.get("rows") or []
        ]
        shown.append(
            {
                "group": group.get("group", "") if len(view) > 1 else "",
                # folders written before the candidates' trials were recorded fitted every one in every trial
                "fitted": group.get("fitted") or "every candidate fitted in every trial",
                "metric": group.get("metric", ""),
                "recipe": group.get("recipe", ""),
                "rows": rows,
                "reasons": [str(r) for r in group.get("reasons") or []],
                "warning": group.get("warning"),
            }
        )
    return shown


def verdict(view):
    """The headlines and the paired differences as signed percentage points, ↑ or ↓ where
    significant, with a column for the group where any row names one."""
    rows = []
    for row in view.get("rows") or []:
        mean, half = number(row.get("mean")), number(row.get("half"))
        significant = bool(row.get("significant")) and mean is not None and mean != 0
        direction = ("up" if mean > 0 else "down") if significant else ""
        difference = "-" if mean is None else f"{100 * mean:+.1f}" + ("" if half is None else f" ± {100 * half:.1f}")
        rows.append(
            {
                "group": row.get("group", ""),
                "metric": row.get("metric", ""),
                "situation": row.get("situation", ""),
                "baseline": row.get("baseline", ""),
                "difference": difference,
                "direction": direction,
                "mark": {"up": "↑", "down": "↓"}.get(direction, ""),
            }
        )
    headlines = [str(text) for text in view.get("headlines") or []]
    return {"headlines": headlines, "rows": rows, "grouped": any(row["group"] for row in rows)}


def metrics_table(situations):
    """The metrics tables: one per group (in the order they first appear), one column per metric,
    the situations grouped by kind, classic first, the best mean of each column in bold."""
    names = list(dict.fromkeys(name for s in situations for name in s.get("values") or {}))
    tables = {}
    for s in situations:
        tables.setdefault(s.get("group") or "", []).append(s)
    return {"names": names, "tables": [one_table(group, rows, names) for group, rows in tables.items()]}


def one_table(group, situations, names):
    table = [[pair((s.get("values") or {}).get(name)) for name in names] for s in situations]
    best = [max((row[i][0] for row in table if row[i][0] is not None), default=None) for i in range(len(names))]
    kinds = {}
    for s, row in zip(situations, table):
        kinds.setdefault(kind_of(s.get("kind")), []).append(
            {
                "situation": s.get("situation", ""),
                "trials": count(s.get("trials", "")),
                "cells": [
                    {"text": percent(*p), "best": p[0] is not None and p[0] == best[i]} for i, p in enumerate(row)
                ],
            }
        )
    return {
        "group": group,
        "kinds": [
            {"kind": k, "label": KIND_LABELS.get(k, "other"), "rows": kinds[k]}
            for k in (*KIND_LABELS, "other")
            if k in kinds
        ],
    }


def kind_of(kind):
    return kind if kind in KIND_LABELS else "other"


def pair(value):
    """(mean, half) as numbers or None, from a metric's [mean, half] (or a bare mean)."""
    if isinstance(value, (list, tuple)):
        return number(value[0] if value else None), number(value[1] if len(value) > 1 else None)
    return number(value), None


def plot(root, view):
    src = view.get("src")
    return {"url": file_url(root, src), "src": src or "", "caption": view.get("caption") or src or ""}


def class_section(index, view, root, kinds):
    """One class: its real counts and montage, each source's montage and CAS curve, its recall bars."""
    name = str(view.get("name", f"class {index}"))
    real = view.get("real") or {}
    return {
        "index": index,
        "name": name,
        "counts": " · ".join(f"{count(n)} {split}" for split, n in real.items()),
        "real": montage(root, view.get("real_montage"), "real training images"),
        "sources": [source(root, name, s) for s in view.get("synthetic") or []],
        "recall": recall_bars(view.get("recall") or [], kinds),
    }


def source(root, class_name, view):
    """What one GAN source made of the class: its montage at the chosen epoch, the near-copy
    check, the images added, the CAS curve."""
    name = str(view.get("source", "GAN"))
    status = str(view.get("status") or "waiting")
    epoch = view.get("epoch")
    caption = name + ("" if epoch is None else f", epoch {count(epoch)}") + ("" if status == "done" else f" ({status})")
    lines = []
    if view.get("near_copies") is not None:
        checked = view.get("checked")
        lines.append(
            f"{count(view['near_copies'])}"
            + ("" if checked is None else f" of {count(checked)}")
            + " flagged as near-copies"
        )
    if view.get("added") is not None:
        lines.append(f"{count(view['added'])} images added to {class_name} in the top-up situations")
    fid = chosen_value(view.get("epochs"), view.get("fid"), epoch)
    if fid is not None:
        lines.append(f"FID {fid:.1f} at epoch {count(epoch)}")
    return {
        "source": name,
        "status": status,
        "figure": montage(root, view.get("montage"), caption),
        "caption": caption,
        "lines": lines,
        "chart": cas_chart(view.get("epochs"), view.get("cas_recall"), epoch, view.get("fid")),
    }


def chosen_value(epochs, values, epoch):
    if not isinstance(epochs, list) or not isinstance(values, list) or epoch not in epochs:
        return None
    i = epochs.index(epoch)
    return number(values[i]) if i < len(values) else None


def cas_chart(epochs, recall, chosen, fid=None):
    """The CAS recall over the epochs as an inline SVG line chart: recall 0..1 up, the epochs
    along, a dot on every epoch (its values on hover) and a larger one on the chosen epoch."""
    if not isinstance(epochs, list) or not isinstance(recall, list):
        return None
    fid = fid if isinstance(fid, list) else []
    points = sorted(
        (number(e), number(r), number(fid[i]) if i < len(fid) else None)
        for i, (e, r) in enumerate(zip(epochs, recall))
        if number(e) is not None and number(r) is not None
    )
    if not points:
        return None
    width, pad = MONTAGE_WIDTH, CHART_PAD
    x0, x1 = points[0][0], points[-1][0]
    if x0 == x1:
        x0, x1 = x0 - 1, x1 + 1
    plot_w, plot_h = width - pad["left"] - pad["right"], CHART_HEIGHT - pad["top"] - pad["bottom"]

    def x(epoch):
        return round(pad["left"] + (epoch - x0) / (x1 - x0) * plot_w, 1)

    def y(value):
        return round(pad["top"] + (1 - min(1.0, max(0.0, value))) * plot_h, 1)

    dots = [
        {
            "x": x(e),
            "y": y(r),
            "chosen": e == number(chosen),
            "title": f"epoch {e:g}: recall {r:.2f}" + ("" if f is None else f", FID {f:.1f}"),
        }
        for e, r, f in points
    ]
    shown_epochs = dict.fromkeys([points[0][0], *([] if number(chosen) is None else [number(chosen)]), points[-1][0]])
    return {
        "width": width,
        "height": CHART_HEIGHT,
        "left": pad["left"],
        "right": width - pad["right"],
        "bottom": CHART_HEIGHT - pad["bottom"],
        "points": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "yticks": [{"y": y(v), "label": f"{v:g}"} for v in (0.0, 0.5, 1.0)],
        "xticks": [{"x": x(e), "label": f"{e:g}"} for e in shown_epochs if x0 <= e <= x1],
    }


def recall_bars(rows, kinds):
    """The class's recall per situation as bars 0..100%, the interval drawn over each bar."""
    bars = []
    for row in rows:
        mean, half = number(row.get("mean")), number(row.get("half"))
        situation = row.get("situation", "")
        bar = {"situation": situation, "kind": kind_of(kinds.get(situation)), "text": percent(mean, half)}
        bar["width"] = None if mean is None else f"{100 * min(1.0, max(0.0, mean)):.1f}"
        bar["interval"] = None
        if mean is not None and half is not None:
            low, high = max(0.0, mean - half), min(1.0, mean + half)
            bar["interval"] = {"left": f"{100 * low:.1f}", "width": f"{100 * max(0.0, high - low):.1f}"}
        bars.append(bar)
    return bars
