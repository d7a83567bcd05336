"""The run's page, RUN_DIR/report.html: the run read by `run_view`, laid out by the Jinja2
templates in `templates/`, styled and driven by `static/report.css` and `static/report.js`.

The page is one file that opens from disk with no server and no network: the CSS and the
script are inlined, and since a page opened from file:// cannot fetch() JSON, the data
(histories, the montage file names, the best epochs) is embedded as a
`<script type="application/json">` block; the images are referenced by relative path and the
curves are drawn as inline SVG by the script. Jinja2 escapes every value put into the page,
and the embedded JSON escapes `<`, `>`, `&` and `'` so that no value can end its block.
"""

import datetime
import functools
import math
import re
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import atomic_path
from pyimagesearch_gan.report.gifs import GIF_NAME, write_progress_gif
from pyimagesearch_gan.report.run_view import attach_best_epochs, montage_size, read_evaluation, read_gans, run_timing
from pyimagesearch_gan.runs import read_manifest, read_settings

REPORT_NAME = "report.html"
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


def write_report(run_dir, *, gifs=True, max_frames=60):
    """Write RUN_DIR/report.html (see the package docstring) and return its path. With `gifs`,
    first (re)write each GAN's progress.gif where it is missing or older than its newest montage."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"run folder {run_dir} does not exist: pass a folder written by 'pyimagesearch-gan train'")
    config = read_settings(run_dir)
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


def render_page(run_dir, config, manifest, gans, evaluation):
    timing = run_timing(gans, config, manifest)
    return (
        environment()
        .get_template("report.html")
        .render(
            name=run_dir.resolve().name,
            preset=config.get("preset", ""),
            description=config.get("description"),
            written=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            source="run.json" if manifest else "the GAN folders (no run.json)",
            gans=gans,
            timing=timing,
            summary=summary(timing, gans, evaluation),
            settings=settings(config),
            views=[gan_view(i, gan, run_dir, timing) for i, gan in enumerate(gans)],
            evaluation=evaluation,
            data=page_data(config, gans),
            style=Markup(static_text("report.css")),
            script=Markup(static_text("report.js")),
        )
    )


@functools.cache
def environment():
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pyimagesearch_gan.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = format_duration
    # tojson: compact, in the data's own key order (the script orders the curves by it).
    env.policies["json.dumps_kwargs"] = {"sort_keys": False, "separators": (",", ":"), "allow_nan": False}
    return env


def static_text(name):
    """A file of `static/`, to be inlined into the page."""
    return resources.files("pyimagesearch_gan.report").joinpath("static", name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- what the templates show


def format_duration(seconds):
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


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


def settings(config):
    """The settings as (name, text): the main ones, the rest; None without a config."""
    if not config:
        return None
    main = [k for k in MAIN_SETTINGS if k in config]
    rest = [k for k in config if k not in main and k not in ("description", "source")]
    return {
        "main": [(k, setting_text(config[k])) for k in main],
        "rest": [(k, setting_text(config[k])) for k in rest],
        "count": len(config),
    }


def summary(timing, gans, evaluation):
    """What the summary cards say beyond the timings: the status, notes, the best epochs."""
    total, low, high = timing["total"], timing["done_min"], timing["done_max"]
    if total and low >= total:
        status = "finished"
    else:
        status = "in progress or interrupted" if high else "no epoch yet"
    if timing["side_by_side"]:
        time_note = "class GANs side by side: the longest one"
    else:
        time_note = "sum over GANs" if len(gans) > 1 else ""
    best = sorted(b["epoch"] for b in evaluation["best"].values()) if evaluation else []
    return {
        "status": status,
        "time_note": time_note,
        "names": ", ".join(g.folder for g in gans[:4]) + (" ..." if len(gans) > 4 else ""),
        "best": best,
        "best_hint": f"of {len(best)} classes, see each GAN" if len(best) > 1 else "lowest FID",
        "progress": min(100, 100 * low / total) if total else 0,
    }


def is_wide(width, height):
    return width > 1.6 * height > 0


def figure(path, src, caption, *, labels=None, img_id=None):
    """A montage figure: wide montages (AC-GAN rows) get more room, small ones are scaled up
    with sharp pixels; `labels` go beside its rows."""
    width, height = montage_size(path)
    wide = is_wide(width, height)
    shown = WIDE_WIDTH if wide else MONTAGE_WIDTH
    classes = "montage" + (" wide" if wide else "") + (" sharp" if 0 < width * 1.5 <= shown else "")
    return {"src": src, "caption": caption, "classes": classes, "wide": wide, "labels": labels, "img_id": img_id}


def gan_view(index, gan, run_dir, timing):
    """The figures of one GAN's section: real images, the latest montage, the progress GIF and
    the timeline (the montage of the slider's epoch)."""
    folder = run_dir / gan.folder
    view = {"index": index, "gan": gan, "timing": timing["per_gan"][index]}
    view["real"] = view["latest"] = view["gif"] = view["timeline"] = None
    if (folder / "real.png").is_file():
        view["real"] = figure(folder / "real.png", href(gan.folder, "real.png"), "training images (real.png)")
    if gan.montages:
        epoch, name = gan.montages[-1]
        labels = gan.classes if gan.rows else None
        latest = folder / name, href(gan.folder, name)
        view["latest"] = figure(*latest, f"generated, epoch {epoch} (latest)", labels=labels)
        shown = figure(*latest, f"epoch {epoch}", labels=labels, img_id=f"tl-{index}")
        view["timeline"] = {"figure": shown, "wide": shown["wide"], "last": len(gan.montages) - 1}
    if (folder / GIF_NAME).is_file():
        view["gif"] = figure(folder / GIF_NAME, href(gan.folder, GIF_NAME), "progress.gif")
    return view


def clean(value):
    """JSON-safe: NaN and infinities become null (JSON.parse rejects them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def page_data(config, gans):
    """The data the page's script reads from the embedded JSON."""
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
