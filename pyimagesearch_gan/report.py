"""A run on one page: `RUN_DIR/report.html`, and `progress.gif` in each GAN folder.

A run writes a montage of the fixed benchmark noise for every GAN at every epoch, a history
and a loss plot: hundreds of files to open one by one. `write_report` puts them on one page:
the run's settings and timings at the top, then per GAN the real montage beside the latest
generated one, a slider over the epochs' montages, the progress GIF, the loss curves (and the
auxiliary classifier's accuracies for AC-GAN, whose montage rows are labelled with their
classes) and, after `pyimagesearch-gan evaluate`, the best epoch per class.

The page is one file that opens from disk with no server and no network: a page opened from
file:// cannot fetch() JSON, so the data (settings, histories, the montage file names, the
best epochs) is embedded in a `<script type="application/json">` block, the images are
referenced by relative path and the curves are drawn as inline SVG by a small script.
The report reads whatever is on disk, so it works on a run that is still training or was
interrupted, and on runs written before `run.json` existed (the GANs are then the
subfolders with a history or montages).

`write_progress_gif` turns a GAN's montages into one animated GIF, one frame per epoch up
to `max_frames` (thinned evenly, the first and last kept), each labelled with its epoch. A
montage of noisy textures barely compresses in a GIF (NEU: about 0.4 byte per pixel at 32
gray levels), so the frames are scaled down until the GIF fits in `max_bytes`.
"""

import dataclasses
import datetime
import html
import io
import json
import math
import re
import statistics
from pathlib import Path
from urllib.parse import quote

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import atomic_path

REPORT_NAME = "report.html"
GIF_NAME = "progress.gif"
MANIFEST_NAME = "run.json"
MANIFEST_FORMAT = "pyimagesearch-gan run"
EPOCH_FILE = re.compile(r"^epoch_(\d+)\.png$")
NOT_GAN_FOLDERS = {"checkpoints", "evaluation"}
MONTAGE_WIDTH, WIDE_WIDTH = 352, 560  # CSS pixels a montage is shown at

# The settings shown first, in this order; the rest follow under "all settings".
MAIN_SETTINGS = [
    "preset",
    "family",
    "dataset",
    "classes",
    "per_class",
    "epochs",
    "batch_size",
    "image_size",
    "channels",
    "noise_dim",
    "noise",
    "d_lr",
    "g_lr",
    "beta_1",
    "seed",
    "num_benchmark",
]


# ---------------------------------------------------------------- the progress GIF


def epoch_montages(gan_folder):
    """[(epoch, path)] of the epoch_*.png montages in `gan_folder`, epochs ascending."""
    found = []
    for path in Path(gan_folder).glob("epoch_*.png"):
        match = EPOCH_FILE.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def thin(items, max_frames):
    """At most `max_frames` of `items`, evenly spaced, the first and the last kept."""
    if len(items) <= max_frames:
        return list(items)
    if max_frames == 1:
        return [items[-1]]
    picks = np.linspace(0, len(items) - 1, max_frames).round().astype(int)
    return [items[i] for i in picks]


def write_progress_gif(gan_folder, *, max_frames=60, max_bytes=3_000_000):
    """Write `progress.gif` into `gan_folder`: its epoch montages in order, one labelled frame per
    epoch up to `max_frames`, scaled down where needed to stay under `max_bytes`; returns its path."""
    gan_folder = Path(gan_folder)
    if max_frames < 1:
        raise UserError(f"max_frames must be at least 1 for a progress GIF, got {max_frames}")
    montages = thin(epoch_montages(gan_folder), max_frames)
    if not montages:
        raise UserError(
            f"no epoch montages (epoch_*.png) in {gan_folder}: pass a GAN folder of a run that has trained an epoch"
        )
    last = load_rgb(montages[-1][1])
    # Montages of another size (a run resumed with other settings) are fitted to the last one.
    frames = [(epoch, fit(load_rgb(path), last.shape)) for epoch, path in montages[:-1]] + [(montages[-1][0], last)]
    gray = all(is_gray(image) for _, image in frames[:: max(1, len(frames) // 5)])
    scale = gif_scale(frames, gray, max_bytes)
    palette = None if gray else make_frame(frames[-1], scale, gray=False).quantize(64, dither=Image.Dither.NONE)
    images = [to_palette(make_frame(frame, scale, gray), palette) for frame in frames]
    # About 8 s for the whole animation, then the last frame held for 2 s.
    step = int(np.clip(8000 / len(images), 60, 400))
    durations = [step] * (len(images) - 1) + [2000]
    path = gan_folder / GIF_NAME
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
    return path


def load_rgb(path):
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except OSError as err:
        raise UserError(
            f"cannot read montage {path} ({err}); delete the damaged file and write the GIF again"
        ) from None


def fit(image, shape):
    if image.shape == shape:
        return image
    return np.asarray(Image.fromarray(image).resize((shape[1], shape[0]), Image.Resampling.BOX))


def is_gray(image):
    return bool(np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 1], image[..., 2]))


def gif_scale(frames, gray, max_bytes, max_side=512):
    """The largest scale (<= 1, longest side <= `max_side`) at which the GIF should fit in
    `max_bytes`: measured on the first, middle and last frames, the busiest of a run."""
    height, width = frames[0][1].shape[:2]
    scale = min(1.0, max_side / max(height, width))
    samples = [frames[0], frames[len(frames) // 2], frames[-1]]
    budget = 0.9 * max_bytes / len(frames)
    for _ in range(8):
        size = max(gif_bytes(to_palette(make_frame(f, scale, gray), None)) for f in samples)
        if size <= budget or scale * min(height, width) < 64:
            break
        # Bytes per pixel grow a little as textures get finer, hence the margin.
        scale *= min(0.9, 0.95 * math.sqrt(budget / size))
    return scale


def gif_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="GIF")
    return buffer.tell()


def make_frame(frame, scale, gray):
    """A montage scaled by `scale` under a strip that says its epoch."""
    epoch, pixels = frame
    image = Image.fromarray(pixels).convert("L" if gray else "RGB")
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX)
    font_size = int(np.clip(image.width / 20, 10, 18))
    strip = font_size + 6
    labelled = Image.new(image.mode, (image.width, image.height + strip), 24 if gray else (24, 24, 24))
    labelled.paste(image, (0, strip))
    ink = 235 if gray else (235, 235, 235)
    ImageDraw.Draw(labelled).text((4, 3), f"epoch {epoch}", fill=ink, font=label_font(font_size))
    return labelled


def label_font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: one bitmap size
        return ImageFont.load_default()


def to_palette(image, palette):
    """A palette image: 32 gray levels (few levels keep noisy textures small), or the colors of `palette`."""
    if image.mode == "L":
        levels = 32
        indices = (np.asarray(image, dtype=np.uint16) * levels // 256).astype(np.uint8)
        result = Image.fromarray(indices, "P")
        result.putpalette([int((i + 0.5) * 256 / levels) for i in range(levels) for _ in range(3)])
        return result
    if palette is None:
        return image.quantize(64, dither=Image.Dither.NONE)
    return image.quantize(palette=palette, dither=Image.Dither.NONE)


# ---------------------------------------------------------------- reading a run folder


@dataclasses.dataclass
class GanView:
    """What the page shows of one GAN folder."""

    folder: str
    classes: list
    conditional: bool
    history: list
    montages: list  # [(epoch, file name)], epochs ascending
    rows: int = 0  # montage rows labelled with classes (AC-GAN), else 0
    best: list = dataclasses.field(default_factory=list)  # [{"class", "epoch", "fid", "real_fid"}]
    notes: list = dataclasses.field(default_factory=list)  # what could not be shown, and why

    @property
    def title(self):
        if self.conditional and self.classes:
            return f"{self.folder} (conditional, {len(self.classes)} classes)"
        return self.folder


def read_json(path, default=None):
    """The JSON in `path`, or `default` when it is missing or unreadable (a run in progress)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return default


def read_manifest(run_dir):
    manifest = read_json(run_dir / MANIFEST_NAME)
    valid = isinstance(manifest, dict) and manifest.get("format") == MANIFEST_FORMAT
    return manifest if valid and isinstance(manifest.get("gans"), list) else None


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


def read_history(path):
    history = read_json(path, [])
    if not isinstance(history, list):
        return []
    return [r for r in history if isinstance(r, dict) and isinstance(r.get("epoch"), int)]


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
        history = read_history(run_dir / folder / "history.json")
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
    per class, the FID of real held-out images per class, how many epochs were evaluated."""
    metrics = read_json(run_dir / "evaluation" / "metrics.json")
    if not isinstance(metrics, dict) or not isinstance(metrics.get("best_epoch"), dict):
        return None
    reference = metrics.get("reference") if isinstance(metrics.get("reference"), dict) else {}
    real = reference.get("held_out_vs_train") if isinstance(reference.get("held_out_vs_train"), dict) else {}
    best = {
        str(name): {
            "epoch": b["epoch"],
            "fid": number(b.get("fid")),
            "real_fid": number((real.get(name) or {}).get("fid")),
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


def clean(value):
    """JSON-safe: NaN and infinities become null (JSON.parse rejects them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


# ---------------------------------------------------------------- timings


def format_duration(seconds):
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


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


# ---------------------------------------------------------------- the page


def write_report(run_dir, *, gifs=True, max_frames=60):
    """Write RUN_DIR/report.html (see the module docstring) and return its path. With `gifs`,
    first (re)write each GAN's progress.gif where it is missing or older than its newest montage."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"run folder {run_dir} does not exist: pass a folder written by 'pyimagesearch-gan train'")
    config = read_json(run_dir / "config.json")
    config = config if isinstance(config, dict) else {}
    manifest = read_manifest(run_dir)
    gans = read_gans(run_dir, config, manifest)
    if not config and not manifest and not gans:
        raise UserError(
            f"{run_dir} holds no run (no config.json, run.json or GAN folders with epoch_*.png): "
            "pass a folder written by 'pyimagesearch-gan train'"
        )
    if gifs:
        for gan in gans:
            folder = run_dir / gan.folder
            if gan.montages and gif_is_stale(folder, gan.montages[-1][1]):
                try:
                    write_progress_gif(folder, max_frames=max_frames)
                except (UserError, OSError) as err:  # the page is still worth having
                    gan.notes.append(f"progress.gif not written: {err}")
    evaluation = read_evaluation(run_dir)
    if evaluation:
        attach_best_epochs(gans, evaluation)
    page = render_page(run_dir, config, manifest, gans, evaluation)
    path = run_dir / REPORT_NAME
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(page, encoding="utf-8")
    except OSError as err:
        raise UserError(f"cannot write {path} ({err.strerror}); make the run folder writable") from None
    return path


def gif_is_stale(folder, newest_montage):
    gif = folder / GIF_NAME
    return not gif.is_file() or gif.stat().st_mtime < (folder / newest_montage).stat().st_mtime


def esc(value):
    return html.escape(str(value), quote=True)


def href(*parts):
    """A relative URL to a file of the run folder."""
    return quote("/".join(parts))


def setting_text(value):
    if isinstance(value, dict):
        return ", ".join(f"{k} {setting_text(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return re.sub(r",(?=\S)", ", ", value)  # class lists may wrap
    return "-" if value is None else str(value)


def config_table(config):
    if not config:
        return '<p class="note">config.json is missing or unreadable.</p>'

    def cells(keys):
        return "".join(
            f'<div class="kv"><span class="k">{esc(k)}</span>'
            f'<span class="v">{esc(setting_text(config[k]))}</span></div>'
            for k in keys
        )

    main = [k for k in MAIN_SETTINGS if k in config]
    rest = [k for k in config if k not in main and k not in ("description", "source")]
    return (
        f'<div class="kvs">{cells(main)}</div><details><summary>all settings ({len(config)})</summary>'
        f'<div class="kvs">{cells(rest)}</div></details>'
    )


def summary_cards(timing, gans, evaluation):
    total = timing["total"]
    low, high = timing["done_min"], timing["done_max"]
    done = str(high) if low == high else f"{low}&ndash;{high}"
    if total and low >= total:
        status = "finished"
    else:
        status = "in progress or interrupted" if high else "no epoch yet"
    if timing["side_by_side"]:
        time_note = "class GANs side by side: the longest one"
    else:
        time_note = "sum over GANs" if len(gans) > 1 else ""
    names = ", ".join(g.folder for g in gans[:4]) + (" ..." if len(gans) > 4 else "")
    cards = [
        ("status", status, ""),
        ("epochs done", f"{done} <small>of {esc(total or '?')}</small>", "per GAN" if len(gans) > 1 else ""),
        ("training time", format_duration(timing["seconds"]), time_note),
        ("median per epoch", format_duration(timing["median"]), f"of {timing['epochs_timed']} epoch times"),
        ("GANs", str(len(gans)), names),
    ]
    best = sorted(b["epoch"] for b in evaluation["best"].values()) if evaluation else []
    if best:
        value = str(best[0]) if best[0] == best[-1] else f"{best[0]}&ndash;{best[-1]}"
        hint = f"of {len(best)} classes, see each GAN" if len(best) > 1 else "lowest FID"
        cards.append(("best epoch (FID)", value, hint))
    progress = min(100, 100 * low / total) if total else 0
    html_cards = "".join(
        f'<div class="card"><div class="label">{esc(label)}</div><div class="value">{value}</div>'
        f'<div class="hint">{esc(hint)}</div></div>'
        for label, value, hint in cards
    )
    return f'<div class="cards">{html_cards}</div><div class="bar"><div style="width:{progress:.1f}%"></div></div>'


def timing_table(gans, timing):
    rows = []
    for index, (gan, t) in enumerate(zip(gans, timing["per_gan"])):
        best = ", ".join(f"{b['class']} {b['epoch']}" for b in gan.best) or "-"
        rows.append(
            f'<tr><td><a href="#gan-{index}">{esc(gan.folder)}</a></td><td>{esc(", ".join(gan.classes))}</td>'
            f'<td class="n">{t["done"]} / {esc(t["total"] or "?")}</td>'
            f'<td class="n">{format_duration(t["seconds"])}</td>'
            f'<td class="n">{format_duration(t["median"])}</td>'
            f"<td>{esc(best)}</td></tr>"
        )
    return (
        '<table class="grid"><thead><tr><th>GAN</th><th>classes</th><th class="n">epochs</th>'
        '<th class="n">training time</th><th class="n">median per epoch</th><th>best epoch (FID)</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def is_wide(width, height):
    return width > 1.6 * height > 0


def montage_figure(path, src, caption, *, labels=None, img_id=None):
    """A montage image (a link to the full-size file), with class labels beside its rows.
    Wide montages (AC-GAN rows) get more room; small ones are scaled up with sharp pixels."""
    width, height = montage_size(path)
    wide = is_wide(width, height)
    shown = WIDE_WIDTH if wide else MONTAGE_WIDTH
    classes = "montage" + (" wide" if wide else "") + (" sharp" if 0 < width * 1.5 <= shown else "")
    img_id_attr, link_id_attr = (f' id="{img_id}"', f' id="{img_id}-link"') if img_id else ("", "")
    image = f'<a href="{src}"{link_id_attr}><img src="{src}" alt="{esc(caption)}"{img_id_attr}></a>'
    if labels:
        rows = "".join(f"<span>{esc(name)}</span>" for name in labels)
        image = (
            f'<div class="labelled"><div class="rowlabels" style="grid-template-rows:repeat({len(labels)},1fr)">'
            f"{rows}</div>{image}</div>"
        )
    return f'<figure class="{classes}">{image}<figcaption>{esc(caption)}</figcaption></figure>'


def best_line(gan):
    items = []
    for b in gan.best:
        fid = "FID -" if b["fid"] is None else f"FID {b['fid']:.2f}"
        real = "" if b["real_fid"] is None else f", real held-out {b['real_fid']:.2f}"
        items.append(
            f'<button type="button" class="best" data-epoch="{b["epoch"]}">{esc(b["class"])}: '
            f'epoch {b["epoch"]}</button> <span class="hint">({fid}{real})</span>'
        )
    return f'<p class="bestline">best epoch by FID (lowest): {" &middot; ".join(items)}</p>' if items else ""


def timeline(index, gan, latest):
    """The montage of the slider's epoch, the slider and a play button (the script drives them)."""
    epoch = gan.montages[-1][0]
    last = len(gan.montages) - 1
    labels = gan.classes if gan.rows else None
    wide = " wide" if is_wide(*montage_size(latest[0])) else ""
    figure = montage_figure(*latest, f"epoch {epoch}", labels=labels, img_id=f"tl-{index}")
    return (
        f'<div class="timeline{wide}">{figure}'
        '<div class="controls"><button type="button" class="play" aria-label="play">&#9654;</button>'
        f'<input type="range" min="0" max="{last}" value="{last}" aria-label="epoch"><span class="epoch"></span>'
        "</div></div>"
    )


def gan_section(index, gan, run_dir, timing):
    folder = run_dir / gan.folder
    t = timing["per_gan"][index]
    head = (
        f'<h2 id="gan-{index}">{esc(gan.title)}</h2><p class="sub">{t["done"]} of {esc(t["total"] or "?")} epochs'
        f" &middot; {format_duration(t['seconds'])} &middot; median {format_duration(t['median'])} per epoch"
        f" &middot; folder <code>{esc(gan.folder)}/</code></p>"
    )
    if gan.rows:
        head += f'<p class="sub">one montage row per class: {esc(", ".join(gan.classes))}</p>'
    head += "".join(f'<p class="note">{esc(note)}</p>' for note in gan.notes)
    figures, explore = [], ""
    if (folder / "real.png").is_file():
        figures.append(montage_figure(folder / "real.png", href(gan.folder, "real.png"), "training images (real.png)"))
    if gan.montages:
        epoch, name = gan.montages[-1]
        latest = folder / name, href(gan.folder, name)
        labels = gan.classes if gan.rows else None
        figures.append(montage_figure(*latest, f"generated, epoch {epoch} (latest)", labels=labels))
        explore = timeline(index, gan, latest)
    else:
        figures.append('<p class="note">no epoch montages yet.</p>')
    if (folder / GIF_NAME).is_file():
        figures.append(montage_figure(folder / GIF_NAME, href(gan.folder, GIF_NAME), "progress.gif"))
    if gan.history:
        explore += (
            '<div class="chart"><div class="legend"></div>'
            '<svg class="loss" viewBox="0 0 600 260" role="img" aria-label="losses per epoch"></svg>'
            '<div class="readout">&nbsp;</div></div>'
        )
    else:
        explore += '<div class="chart"><p class="note">no history.json yet.</p></div>'
    return (
        f'<section class="gan" data-gan="{index}">{head}<div class="figures">{"".join(figures)}</div>'
        f'{best_line(gan)}<div class="explore">{explore}</div></section>'
    )


def evaluation_section(evaluation):
    if not evaluation or not evaluation["best"]:
        return ""

    def cell(value):
        return f'<td class="n">{"-" if value is None else f"{value:.2f}"}</td>'

    rows = "".join(
        f'<tr><td>{esc(name)}</td><td class="n">{b["epoch"]}</td>{cell(b["fid"])}{cell(b["real_fid"])}</tr>'
        for name, b in evaluation["best"].items()
    )
    count = evaluation["epochs"]
    note = f"{count} epoch{'s' if count != 1 else ''} evaluated"
    if evaluation["ceiling"] is not None:
        note += f"; the feature CNN's accuracy on held-out real images (the ceiling of CAS) {evaluation['ceiling']:.3f}"
    plot = ""
    if evaluation["plot"]:
        plot = (
            f'<figure class="plot"><img src="{href("evaluation", "fid_vs_epoch.png")}" alt="FID against the epoch">'
            "<figcaption>evaluation/fid_vs_epoch.png</figcaption></figure>"
        )
    return (
        f'<section class="evaluation"><h2>Evaluation</h2><p class="sub">{esc(note)} (evaluation/metrics.json)</p>'
        '<div class="figures"><table class="grid"><thead><tr><th>class</th><th class="n">best epoch</th>'
        f'<th class="n">FID</th><th class="n">FID of real held-out</th></tr></thead><tbody>{rows}</tbody></table>'
        f"{plot}</div></section>"
    )


def page_data(config, gans):
    return clean(
        {
            "epochs": config.get("epochs"),
            "gans": [
                {
                    "folder": g.folder,
                    "classes": g.classes,
                    "conditional": g.conditional,
                    "history": g.history,
                    "epochs": [e for e, _ in g.montages],
                    "src": [href(g.folder, name) for _, name in g.montages],
                    "best": [{"class": b["class"], "epoch": b["epoch"], "fid": b["fid"]} for b in g.best],
                }
                for g in gans
            ],
        }
    )


def embed_json(data):
    """JSON for a <script> block: '<', '>' and '&' escaped so that no value can end the block."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(run_dir, config, manifest, gans, evaluation):
    timing = run_timing(gans, config, manifest)
    name = run_dir.resolve().name
    nav = ""
    if len(gans) > 1:
        nav = "<nav>" + "".join(f'<a href="#gan-{i}">{esc(g.folder)}</a>' for i, g in enumerate(gans)) + "</nav>"
    sections = "".join(gan_section(i, gan, run_dir, timing) for i, gan in enumerate(gans))
    if not gans:
        sections = '<section><p class="note">no GAN has an epoch yet: write the report again later.</p></section>'
    description = config.get("description")
    return PAGE.format(
        title=esc(f"{name}: run report"),
        name=esc(name),
        preset=esc(config.get("preset", "")),
        description=f'<p class="sub">preset: {esc(description)}</p>' if description else "",
        written=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        source="run.json" if manifest else "the GAN folders (no run.json)",
        cards=summary_cards(timing, gans, evaluation),
        timings=timing_table(gans, timing) if gans else "",
        config=config_table(config),
        nav=nav,
        sections=sections,
        evaluation=evaluation_section(evaluation),
        data=embed_json(page_data(config, gans)),
        style=STYLE,
        script=SCRIPT,
    )


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>{name} <span class="preset">{preset}</span></h1>
{description}
<p class="sub">report written {written} from {source}; click an image for its full-size file</p>
</header>
<main>
<section class="summary">
{cards}
{timings}
<h3>Settings</h3>
{config}
</section>
{nav}
{sections}
{evaluation}
</main>
<script type="application/json" id="run-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

STYLE = """
:root { --fg: #1d2330; --muted: #5f6b7a; --line: #dde2ea; --bg: #f6f7f9; --card: #fff; --accent: #2f6fde; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--fg); background: var(--bg); }
header { background: #1f2937; color: #f3f4f6; padding: 18px 28px 14px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .preset { font-size: 13px; font-weight: 500; background: #374151; padding: 2px 8px; border-radius: 10px;
                 vertical-align: middle; margin-left: 6px; }
header .sub { color: #c7ccd4; margin: 2px 0; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 24px 40px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px;
          margin: 16px 0; }
h2 { margin: 0 0 4px; font-size: 18px; }
h3 { margin: 18px 0 8px; font-size: 15px; }
.sub { color: var(--muted); margin: 0 0 8px; }
.note { color: var(--muted); font-style: italic; }
.hint { color: var(--muted); font-size: 12px; }
code { font-size: 12px; background: #eef1f5; padding: 1px 4px; border-radius: 3px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { flex: 1 1 150px; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: #fbfcfd; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 20px; font-weight: 600; }
.card small { font-size: 13px; font-weight: 400; color: var(--muted); }
.bar { height: 4px; background: #e8ebf0; border-radius: 2px; margin: 10px 0 14px; overflow: hidden; }
.bar div { height: 100%; background: var(--accent); }
table.grid { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 4px 14px 4px 0; text-align: left; }
table.grid th { color: var(--muted); font-weight: 500; }
table.grid .n { text-align: right; font-variant-numeric: tabular-nums; }
.kvs { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 2px 16px; font-size: 13px; }
.kv { display: flex; justify-content: space-between; gap: 8px; border-bottom: 1px dotted var(--line); padding: 2px 0; }
.kv .k { color: var(--muted); }
.kv .v { text-align: right; overflow-wrap: anywhere; }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--accent); font-size: 13px; margin-bottom: 6px; }
nav { display: flex; flex-wrap: wrap; gap: 6px; margin: 16px 0 0; }
nav a { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 3px 12px;
        text-decoration: none; color: var(--accent); }
.figures { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; margin: 10px 0; }
figure { margin: 0; }
figure.montage { width: min(100%, 352px); }
figure.montage.wide, .timeline.wide { width: min(100%, 560px); }
figure.montage img { display: block; width: 100%; border: 1px solid var(--line); background: #000; }
figure.montage.sharp img { image-rendering: pixelated; }
figure.plot img { display: block; max-width: 100%; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.labelled { display: flex; align-items: stretch; }
.labelled a { flex: 1; min-width: 0; }
.rowlabels { display: grid; padding-right: 6px; font-size: 12px; }
.rowlabels span { display: flex; align-items: center; justify-content: flex-end; white-space: nowrap; }
.explore { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; margin-top: 8px;
           border-top: 1px solid var(--line); padding-top: 12px; }
.timeline { width: min(100%, 380px); }
.timeline figure.montage { width: 100%; }
.controls { display: flex; align-items: center; gap: 8px; margin-top: 6px; }
.controls input { flex: 1; }
.controls .epoch { min-width: 78px; font-variant-numeric: tabular-nums; font-size: 13px; }
button { font: inherit; font-size: 12px; border: 1px solid var(--line); background: #fff; border-radius: 4px;
         padding: 2px 8px; cursor: pointer; }
button:hover { border-color: var(--accent); color: var(--accent); }
.chart { flex: 1 1 420px; min-width: 300px; }
.chart svg { width: 100%; height: auto; display: block; cursor: crosshair; }
.chart svg text { font-size: 11px; fill: var(--muted); }
.chart .readout { font-size: 12px; color: var(--muted); min-height: 18px; font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; }
.legend i { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 5px; }
.bestline { margin: 4px 0; }
"""

SCRIPT = r"""
(function () {
  const data = JSON.parse(document.getElementById('run-data').textContent);
  const COLORS = ['#2f6fde', '#e4572e', '#17a398', '#9c51b6', '#f3a712', '#6b7280'];
  const SVG = 'http://www.w3.org/2000/svg';
  const SMOOTH_AFTER = 60;  // epochs; longer histories get a moving average over the raw curve

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    parent.appendChild(node);
    return node;
  }
  function ticks(lo, hi, count) {
    const span = hi - lo || 1, mag = Math.pow(10, Math.floor(Math.log10(span / count)));
    const step = [1, 2, 5, 10].map(m => m * mag).find(s => span / s <= count) || 10 * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
    return out;
  }
  function fmt(v) {
    return typeof v !== 'number' ? '-' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3);
  }
  function movingAverage(values, half) {
    return values.map((_, i) => {
      const part = values.slice(Math.max(0, i - half), i + half + 1);
      return part.reduce((a, b) => a + b, 0) / part.length;
    });
  }

  // One panel per group of keys (losses; accuracies for AC-GAN), side by side in one SVG.
  function drawChart(svg, history, legend) {
    const keys = Object.keys(history[history.length - 1]).filter(k => k !== 'epoch' && k !== 'seconds');
    const accuracies = keys.filter(k => k.startsWith('acc'));
    const groups = [keys.filter(k => !accuracies.includes(k)), accuracies].filter(g => g.length);
    // Drawn at the SVG's own width, so that the text keeps its CSS size.
    const W = Math.max(360, Math.round(svg.getBoundingClientRect().width) || 600), H = 260;
    const left = 46, right = 10, top = 8, bottom = 30, gap = 44;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    const width = (W - left - right - gap * (groups.length - 1)) / groups.length;
    const epochs = history.map(r => r.epoch);
    const half = Math.max(2, Math.round(history.length / 80));
    let x0 = Math.min(...epochs), x1 = Math.max(...epochs);
    if (x0 === x1) { x0 -= 1; x1 += 1; }
    const panels = groups.map((group, p) => {
      const ox = left + p * (width + gap), accuracy = group[0].startsWith('acc');
      const values = history.flatMap(r => group.map(k => r[k])).filter(v => typeof v === 'number');
      let y0 = values.length ? Math.min(...values) : 0, y1 = values.length ? Math.max(...values) : 1;
      if (accuracy) { y0 = 0; y1 = 1; }
      if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
      if (!accuracy) { const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad; }
      const sx = e => ox + (e - x0) / (x1 - x0) * width;
      const sy = v => top + (1 - (v - y0) / (y1 - y0)) * (H - top - bottom);
      for (const t of ticks(y0, y1, 5)) {
        el('line', {x1: ox, x2: ox + width, y1: sy(t), y2: sy(t), stroke: '#e6e9ee'}, svg);
        el('text', {x: ox - 4, y: sy(t) + 4, 'text-anchor': 'end'}, svg).textContent = String(+t.toPrecision(6));
      }
      for (const t of ticks(x0, x1, Math.max(2, Math.floor(width / 70))).filter(Number.isInteger)) {
        el('text', {x: sx(t), y: H - bottom + 13, 'text-anchor': 'middle'}, svg).textContent = t;
      }
      el('rect', {x: ox, y: top, width: width, height: H - top - bottom, fill: 'none', stroke: '#cfd5de'}, svg);
      el('text', {x: ox + width / 2, y: H - 1, 'text-anchor': 'middle'}, svg).textContent = 'epoch';
      for (const key of group) {
        const color = COLORS[keys.indexOf(key) % COLORS.length];
        const series = history.filter(r => typeof r[key] === 'number');
        const values = series.map(r => r[key]);
        const line = (ys, attrs) => el('polyline', Object.assign({
          fill: 'none', stroke: color, 'stroke-linejoin': 'round',
          points: series.map((r, i) => sx(r.epoch).toFixed(1) + ',' + sy(ys[i]).toFixed(1)).join(' '),
        }, attrs), svg);
        if (series.length > SMOOTH_AFTER) {
          line(values, {'stroke-width': 1, 'stroke-opacity': 0.28});
          line(movingAverage(values, half), {'stroke-width': 1.8});
        } else if (series.length > 1) {
          line(values, {'stroke-width': 1.5});
        }
        if (series.length < 40) {
          series.forEach(r => el('circle', {cx: sx(r.epoch), cy: sy(r[key]), r: 2.4, fill: color}, svg));
        }
        legend.insertAdjacentHTML('beforeend', '<span><i style="background:' + color + '"></i>' + key + '</span>');
      }
      return {ox: ox, sx: sx};
    });
    if (history.length > SMOOTH_AFTER) {
      legend.insertAdjacentHTML('beforeend', '<span class="hint">bold: mean over ' + (2 * half + 1) + ' epochs</span>');
    }
    const cursors = panels.map(() => el('line', {y1: top, y2: H - bottom, stroke: '#1f2937',
                                                 'stroke-dasharray': '3 3', visibility: 'hidden'}, svg));
    return {
      epochAt(clientX) {
        const point = svg.createSVGPoint();
        point.x = clientX;
        const x = point.matrixTransform(svg.getScreenCTM().inverse()).x;
        const panel = panels.find(p => x >= p.ox - gap / 2 && x <= p.ox + width + gap / 2);
        return panel ? Math.round(x0 + (x - panel.ox) / width * (x1 - x0)) : null;
      },
      mark(epoch) {
        cursors.forEach((cursor, p) => {
          const x = panels[p].sx(epoch);
          cursor.setAttribute('x1', x);
          cursor.setAttribute('x2', x);
          cursor.setAttribute('visibility', 'visible');
        });
      },
    };
  }

  document.querySelectorAll('section.gan[data-gan]').forEach(section => {
    const gan = data.gans[+section.dataset.gan];
    const last = gan.epochs.length - 1;
    const slider = section.querySelector('input[type=range]');
    const image = section.querySelector('img[id^=tl-]');
    const link = section.querySelector('a[id^=tl-]');
    const label = section.querySelector('.controls .epoch');
    const caption = image ? image.closest('figure').querySelector('figcaption') : null;
    const readout = section.querySelector('.readout');
    const svg = section.querySelector('svg.loss');
    const chart = svg ? drawChart(svg, gan.history, section.querySelector('.legend')) : null;
    const bestOf = {};
    gan.best.forEach(b => { (bestOf[b.epoch] = bestOf[b.epoch] || []).push(b.class); });

    function describe(epoch) {
      const r = gan.history.find(r => r.epoch === epoch);
      if (!r) return 'epoch ' + epoch;
      const values = Object.keys(r).filter(k => k !== 'epoch')
        .map(k => k + ' ' + (k === 'seconds' ? fmt(r[k]) + ' s' : fmt(r[k])));
      return ['epoch ' + epoch].concat(values).join(' · ');
    }
    function show(i) {
      i = Math.max(0, Math.min(last, i));
      const epoch = gan.epochs[i];
      slider.value = i;
      image.src = gan.src[i];
      link.href = gan.src[i];
      label.textContent = 'epoch ' + epoch + ' / ' + (data.epochs || gan.epochs[last]);
      caption.textContent = 'epoch ' + epoch + (i === last ? ' (latest)' : '')
        + (bestOf[epoch] ? ' — best FID: ' + bestOf[epoch].join(', ') : '');
      if (chart) chart.mark(epoch);
      if (readout) readout.textContent = describe(epoch);
    }
    function nearest(epoch) {
      let best = 0;
      gan.epochs.forEach((e, i) => { if (Math.abs(e - epoch) < Math.abs(gan.epochs[best] - epoch)) best = i; });
      return best;
    }
    if (slider) {
      const play = section.querySelector('.play');
      let timer = null;
      const stop = () => { clearInterval(timer); timer = null; play.innerHTML = '&#9654;'; };
      slider.addEventListener('input', () => show(+slider.value));
      play.addEventListener('click', () => {
        if (timer) return stop();
        if (+slider.value >= last) show(0);
        play.innerHTML = '&#10074;&#10074;';
        timer = setInterval(() => (+slider.value >= last ? stop() : show(+slider.value + 1)),
                            Math.max(60, Math.min(400, 8000 / gan.epochs.length)));
      });
      section.querySelectorAll('button.best').forEach(button => {
        button.addEventListener('click', () => show(nearest(+button.dataset.epoch)));
      });
      show(gan.best.length ? nearest(gan.best[0].epoch) : last);
    }
    if (chart) {
      const current = () => (slider ? gan.epochs[+slider.value] : gan.history[gan.history.length - 1].epoch);
      svg.addEventListener('mousemove', ev => {
        const epoch = chart.epochAt(ev.clientX);
        if (epoch !== null) readout.textContent = describe(epoch);
      });
      svg.addEventListener('mouseleave', () => { readout.textContent = describe(current()); });
      svg.addEventListener('click', ev => {
        const epoch = chart.epochAt(ev.clientX);
        if (epoch !== null && slider) show(nearest(epoch));
      });
      if (!slider) { chart.mark(current()); readout.textContent = describe(current()); }
    }
  });

  // For checks from a headless browser: how many of the page's images loaded.
  window.addEventListener('load', () => {
    const images = Array.from(document.images);
    document.body.dataset.imagesLoaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
    document.body.dataset.imagesTotal = images.length;
  });
})();
"""
