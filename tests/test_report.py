"""The run report and progress GIFs, on small fake run folders (no training), the experiment
page on a sample view, and both pages in a real headless browser."""

import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import cv2
import numpy as np
import pytest
from PIL import Image

from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.report import (
    render_experiment_page,
    thin,
    write_experiment_report,
    write_progress_gif,
    write_report,
)

TILE = 28


def fake_montage(rng, columns, rows, blur=5):
    """A BGR montage of blurred-noise tiles, like an epoch_*.png of a textured data set."""
    gray = cv2.GaussianBlur(rng.integers(0, 256, (rows * TILE, columns * TILE), dtype="uint8"), (blur, blur), 0)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def fake_gan(folder, rng, *, epochs, columns=8, rows=8, acgan=False, blur=5):
    folder.mkdir(parents=True)
    cv2.imwrite(str(folder / "real.png"), fake_montage(rng, columns, rows, blur))
    for epoch in range(1, epochs + 1):
        cv2.imwrite(str(folder / f"epoch_{epoch:04d}.png"), fake_montage(rng, columns, rows, blur))
    history = []
    for epoch in range(1, epochs + 1):
        record = {
            "epoch": epoch,
            "d_loss": 0.7 + 0.1 / epoch,
            "gan_loss": 1.5 - 0.2 / epoch,
            "seconds": 1.0 + 0.01 * epoch,
        }
        if acgan:
            record.update({"d_class_loss": 1.0 / epoch, "acc_real": 0.5 + 0.04 * epoch, "acc_fake": 0.6 + 0.03 * epoch})
        history.append(record)
    (folder / "history.json").write_text(json.dumps(history))
    return history


def fake_run(root, *, classes=("crazing", "patches"), epochs=3, total_epochs=None, seed=0):
    """A per-class DCGAN run folder as `train` writes it, without run.json (an older run)."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "preset": "neu-dcgan",
        "description": "fake",
        "family": "book",
        "dataset": "neu",
        "classes": ",".join(classes),
        "per_class": True,
        "image_size": TILE,
        "channels": 1,
        "epochs": total_epochs or epochs,
        "batch_size": 16,
        "concurrent": True,
        "model": {"dim": 7, "depth": 64},
    }
    (root / "config.json").write_text(json.dumps(config))
    (root / "checkpoints").mkdir()
    histories = {name: fake_gan(root / name, rng, epochs=epochs) for name in classes}
    return root, histories


def fake_acgan_run(root, *, classes=("crazing", "patches", "scratches"), folder="all", manifest=True, epochs=4):
    rng = np.random.default_rng(1)
    root.mkdir(parents=True)
    config = {
        "preset": "acgan-neu",
        "family": "acgan",
        "dataset": "neu",
        "classes": "all",
        "image_size": TILE,
        "channels": 1,
        "epochs": epochs,
        "batch_size": 100,
    }
    (root / "config.json").write_text(json.dumps(config))
    history = fake_gan(root / folder, rng, epochs=epochs, columns=16, rows=len(classes), acgan=True)
    if manifest:
        (root / "run.json").write_text(
            json.dumps(
                {
                    "format": "pyimagesearch-gan run",
                    "version": 1,
                    "preset": "acgan-neu",
                    "family": "acgan",
                    "conditional": True,
                    "dataset": "neu",
                    "image_size": TILE,
                    "channels": 1,
                    "class_names": list(classes),
                    "gans": [{"folder": folder, "classes": list(classes)}],
                }
            )
        )
    return root, history


def embedded_data(page):
    match = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', page, re.DOTALL)
    assert match, "the page embeds no run data"
    return json.loads(match.group(1))


def image_sources(page):
    return re.findall(r'<img src="([^"]+)"', page)


def test_report_shows_every_class_with_its_images_and_history(tmp_path):
    run, histories = fake_run(tmp_path / "run")
    path = write_report(run)
    assert path == run / "report.html"
    page = path.read_text()
    for name in histories:
        assert f">{name}</h2>" in page
        assert (run / name / "progress.gif").is_file()
    sources = image_sources(page)
    assert len(sources) >= 4
    assert {"crazing/real.png", "crazing/epoch_0003.png", "crazing/progress.gif"} <= set(sources)
    for src in sources:
        assert (run / src).is_file(), src  # relative paths that resolve from the page's folder
    data = embedded_data(page)
    assert [gan["history"] for gan in data["gans"]] == list(histories.values())
    assert data["gans"][0]["epochs"] == [1, 2, 3]
    assert "3 / 3" in page and "finished" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # no network


def test_acgan_rows_are_labelled_and_best_epochs_shown(tmp_path):
    run, history = fake_acgan_run(tmp_path / "run")
    (run / "evaluation").mkdir()
    (run / "evaluation" / "metrics.json").write_text(
        json.dumps(
            {
                "best_epoch": {
                    "crazing": {"epoch": 2, "fid": 12.5},
                    "patches": {"epoch": 4, "fid": 8.25},
                    "scratches": {"epoch": 3, "fid": 9.0},
                },
                "reference": {"held_out_vs_train": {"crazing": {"fid": 3.5}}, "feature_cnn_held_out_accuracy": 0.97},
                "rows": [{"epoch": e, "class": "crazing", "fid": 20.0 / e, "kid": 0.1, "cas": 0.5} for e in (2, 4)],
            }
        )
    )
    page = write_report(run, gifs=False).read_text()
    labels = re.findall(r'<div class="rowlabels"[^>]*>(.*?)</div>', page)
    assert labels and all(row == "<span>crazing</span><span>patches</span><span>scratches</span>" for row in labels)
    assert "crazing: epoch 2" in page and "patches: epoch 4" in page and "FID 12.50, real held-out 3.50" in page
    gan = embedded_data(page)["gans"][0]
    assert gan["conditional"] and gan["history"] == history and gan["classes"] == ["crazing", "patches", "scratches"]
    assert not (run / "all" / "progress.gif").exists()  # gifs=False


def test_the_chosen_epoch_is_marked_beside_the_best_by_fid(tmp_path):
    run, _ = fake_acgan_run(tmp_path / "run")
    (run / "evaluation").mkdir()
    chosen = {name: {"epoch": 4, "by": "cas", "recall": 0.9, "fid": 9.0} for name in ("crazing", "patches")}
    (run / "evaluation" / "metrics.json").write_text(
        json.dumps(
            {
                "best_epoch": {"crazing": {"epoch": 2, "fid": 12.5}, "patches": {"epoch": 4, "fid": 8.25}},
                "chosen_epoch": chosen,
                "rows": [],
            }
        )
    )
    page = write_report(run, gifs=False).read_text()
    line = re.search(r'<p class="bestline">(.*?)</p>', page, re.S).group(1)
    assert re.search(r">crazing: chosen by CAS: epoch 4</button>, <button [^>]*>best FID: epoch 2</button>", line)
    patches = line.split(">patches: ")[1]
    assert patches.startswith("chosen by CAS: epoch 4</button> <span") and "best FID" not in patches
    assert '<td class="n">4 (by CAS)</td>' in page  # the evaluation table


def test_old_acgan_run_without_manifest(tmp_path):
    # Classes are then unknown unless the folder is named after them.
    run, _ = fake_acgan_run(tmp_path / "all", manifest=False)
    assert "<span>class 0</span><span>class 1</span><span>class 2</span>" in write_report(run, gifs=False).read_text()
    run, _ = fake_acgan_run(tmp_path / "named", folder="crazing+patches+scratches", manifest=False)
    assert "<span>crazing</span><span>patches</span><span>scratches</span>" in write_report(run, gifs=False).read_text()


def test_run_in_progress(tmp_path):
    run, _ = fake_run(tmp_path / "run", epochs=3, total_epochs=500)
    history = json.loads((run / "patches" / "history.json").read_text())
    history[1]["gan_loss"] = float("nan")  # a diverged step must not break the page's JSON
    (run / "patches" / "history.json").write_text(json.dumps(history))
    (run / "crazing" / "history.json").write_text('[{"epoch": 1')  # unreadable: shown without curves
    # The manifest names a GAN that has not started yet.
    gans = [{"folder": name, "classes": [name]} for name in ("crazing", "patches", "scratches")]
    (run / "run.json").write_text(json.dumps({"format": "pyimagesearch-gan run", "version": 1, "gans": gans}))
    page = write_report(run).read_text()
    assert "in progress or interrupted" in page and "3 / 500" in page and "0 / 500" in page
    assert ">scratches</h2>" in page and "no epoch montages yet" in page
    data = embedded_data(page)
    assert data["gans"][0]["history"] == [] and data["gans"][1]["history"][1]["gan_loss"] is None


def test_names_and_settings_are_escaped_in_the_page(tmp_path):
    hostile = "</script><script>alert(1)</script>"
    run, _ = fake_acgan_run(tmp_path / "run", classes=("crazing", hostile, 'it\'s "quoted" & more'))
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "preset": hostile, "note": "<b>bold</b>"}))
    page = write_report(run, gifs=False).read_text()
    assert page.count("<script") == 2 and "alert(1)</script>" not in page and "<b>" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "it&#39;s &#34;quoted&#34; &amp; more" in page
    gan = embedded_data(page)["gans"][0]
    assert gan["classes"] == ["crazing", hostile, 'it\'s "quoted" & more'], "the data survives the escaping"


def test_report_renders_from_an_installed_wheel(tmp_path):
    """The templates, CSS and script are package data: a wheel carries them and its page is whole."""
    import zipfile

    root = Path(__file__).resolve().parents[1]
    source = tmp_path / "source"
    shutil.copytree(
        root / "pyimagesearch_gan", source / "pyimagesearch_gan", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(root / name, source / name)
    # Built with the setuptools at hand where there is one, so that no download is needed.
    offline = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            *offline,
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("pyimagesearch_gan-*.whl")
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    run, _ = fake_run(tmp_path / "run")
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import pyimagesearch_gan.report as r; "
        "assert r.__file__.startswith(sys.argv[1]), r.__file__; print(r.write_report(sys.argv[2], gifs=False)); "
        "r.write_experiment_report(sys.argv[2] + '/experiment', {'classes': [{'name': 'crazing'}]})"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([sys.executable, "-c", script, str(installed), str(run)], check=True, env=env, timeout=120)
    page = (run / "report.html").read_text()
    assert page.count('<section class="gan"') == 2 and "drawChart" in page and "--accent" in page
    assert "{{" not in page and "{%" not in page
    page = (run / "experiment" / "report.html").read_text()
    assert "<h2>crazing</h2>" in page and "svg.cas" in page and "--accent" in page


def test_report_is_refused_where_there_is_no_run(tmp_path):
    (tmp_path / "empty" / "stuff").mkdir(parents=True)
    with pytest.raises(UserError, match=r"empty holds no run .*pyimagesearch-gan train"):
        write_report(tmp_path / "empty")
    with pytest.raises(UserError, match="does not exist"):
        write_report(tmp_path / "missing")
    with pytest.raises(UserError, match=r"no epoch montages .* in .*stuff"):
        write_progress_gif(tmp_path / "empty" / "stuff")


def test_gif_has_one_frame_per_epoch_up_to_the_cap(tmp_path):
    rng = np.random.default_rng(2)
    fake_gan(tmp_path / "few", rng, epochs=5)
    with Image.open(write_progress_gif(tmp_path / "few")) as gif:
        assert gif.n_frames == 5
    # 100 epochs of 16x16 tiles (448x448) of fine texture, which GIF barely compresses.
    fake_gan(tmp_path / "many", rng, epochs=100, columns=16, rows=16, blur=3)
    path = write_progress_gif(tmp_path / "many", max_frames=100)
    with Image.open(path) as gif:
        assert gif.n_frames == 100
    assert path.stat().st_size < 3.5e6
    with Image.open(write_progress_gif(tmp_path / "many", max_frames=12)) as gif:
        assert gif.n_frames == 12
    color = tmp_path / "color"
    color.mkdir()
    for epoch in (1, 2, 3):
        cv2.imwrite(str(color / f"epoch_{epoch:04d}.png"), rng.integers(0, 256, (TILE * 4, TILE * 4, 3), dtype="uint8"))
    with Image.open(write_progress_gif(color)) as gif:
        assert gif.n_frames == 3 and len(np.unique(np.asarray(gif.convert("RGB")).reshape(-1, 3), axis=0)) > 8


def test_thinning_keeps_first_and_last_evenly():
    epochs = list(range(1, 501))
    kept = thin(epochs, 60)
    assert len(kept) == 60 and kept[0] == 1 and kept[-1] == 500
    assert max(np.diff(kept)) - min(np.diff(kept)) <= 1
    assert thin(epochs[:7], 60) == epochs[:7] and thin(epochs, 1) == [500]


def find_browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    if os.environ.get("CI"):
        pytest.fail("no headless browser for the report test: install Chromium (apt-get install chromium) in CI")
    pytest.skip("chromium is not installed")


def run_browser(browser, profile, *args):
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def test_page_renders_in_a_browser(tmp_path):
    browser = find_browser()
    run, _ = fake_run(tmp_path / "run")
    url = write_report(run).resolve().as_uri()
    dom = run_browser(browser, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", url).stdout
    loaded = re.search(r'data-images-loaded="(\d+)" data-images-total="(\d+)"', dom)
    assert loaded, "the page's script did not run"
    assert int(loaded.group(2)) >= 4 and loaded.group(1) == loaded.group(2), "some images did not load"
    assert dom.count("<polyline") == 4  # two loss curves per GAN
    screenshot = tmp_path / "page.png"
    run_browser(browser, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1200,1600", url)
    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=np.float32)
    assert pixels.shape == (1600, 1200)
    montage_area = pixels[650:1000, 40:1150]  # the first GAN's montages: gray noise, not page background
    assert pixels.std() > 20 and montage_area.std() > 20


# ---------------------------------------------------------------- the experiment page

EXPERIMENT_CLASSES = ["crazing", "patches", "a<b>"]
# Each class's GAN montage has its own tint, so that a screenshot shows which ones are drawn.
TINTS = [(255, 60, 60), (60, 255, 60), (60, 60, 255)]
HOSTILE = "</style><script>alert(1)</script>"


def tinted_montage(path, tint, seed):
    rng = np.random.default_rng(seed)
    noise = rng.integers(64, 256, (4 * TILE, 4 * TILE, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((noise * np.array(tint) / 255).astype("uint8")).save(path)


def experiment_view():
    """A view as the experiment computes it, half way: one source done, one still training."""
    situations = ["real", "transforms + resampling", "gan-da top-up + transforms"]
    classes = []
    for i, name in enumerate(EXPERIMENT_CLASSES):
        classes.append(
            {
                "name": name,
                "real": {"train": 170, "validation": 30, "test": 1000},
                "real_montage": f"report_files/real {i}.png",
                "synthetic": [
                    {
                        "source": "gan-da",
                        "status": "done",
                        "montage": f"report_files/gan-da_{i}.png",
                        "epoch": 180,
                        "epochs": [90, 180, 270],
                        "cas_recall": [0.2, 0.5, 0.4],
                        "fid": [None, 41.25, 40.0],
                        "near_copies": 0,
                        "checked": 200,
                        "added": 830,
                    },
                    {"source": "acgan", "status": "training", "montage": f"report_files/acgan_{i}.png"},
                ],
                "recall": [{"situation": s, "mean": 0.5 + 0.1 * k, "half": 0.08} for k, s in enumerate(situations)],
            }
        )
    scores = {"accuracy": [0.81, 0.02], "balanced accuracy": [0.7, 0.03], "macro-F1": [0.69, None]}
    return {
        "title": "Do GAN images help on steel-defects?",
        "subtitle": "3 classes, 30 to 1,000 real images",
        "status": "running: phase 3 of 5, fitting classifiers 12/40, ETA 21m",
        "verdict": {
            "headlines": ["GAN images raise the rare class's recall by 4.2 ± 3.1 points: significant"],
            "rows": [
                {
                    "metric": "macro-F1",
                    "situation": situations[2],
                    "baseline": situations[1],
                    "mean": 0.031,
                    "half": 0.025,
                    "significant": True,
                },
                {"metric": "accuracy", "situation": situations[2], "baseline": "real", "mean": -0.004, "half": None},
            ],
        },
        "metrics": [
            {"situation": s, "kind": "gan" if "gan" in s else "classic", "values": scores, "trials": 6}
            for s in situations
        ],
        "plots": [{"src": "metrics.png", "caption": "every metric per situation"}, {"src": "later.png"}],
        "classes": classes,
        "settings": [["image size", "28"], ["transforms", HOSTILE]],
        "timings": [["classifier fits", "48 fits", "1h 02m"], ["this run", "", "1h 45m"]],
        "files": [["summary.md", "the tables"], ["results.csv", "every fit, once written"]],
    }


def experiment_folder(out):
    """The files the sample view names, except those not written yet: acgan's montages,
    later.png and results.csv."""
    for i, tint in enumerate(TINTS):
        tinted_montage(out / "report_files" / f"real {i}.png", (255, 255, 255), i)
        tinted_montage(out / "report_files" / f"gan-da_{i}.png", tint, 10 + i)
    tinted_montage(out / "metrics.png", (255, 255, 255), 20)
    (out / "summary.md").write_text("# tables\n")
    return out


def linked_files(page):
    return [unquote(html.unescape(url)) for url in re.findall(r'(?:src|href)="([^"#][^"]*)"', page)]


def test_experiment_page_shows_the_view(tmp_path):
    out = experiment_folder(tmp_path / "out")
    path = write_experiment_report(out, experiment_view())
    assert path == out / "report.html" and not list(out.glob(".report*"))  # written in one move
    page = path.read_text()
    for name in ("crazing", "patches", "a&lt;b&gt;"):
        assert f"<h2>{name} <small>real images: 170 train · 30 validation · 1,000 test</small></h2>" in page
        assert f"CAS per epoch: the recall of {name} by a classifier trained on gan-da" in page
    for situation in ("real", "transforms + resampling", "gan-da top-up + transforms"):
        assert page.count(f"<tr><td>{situation}</td>") == 1, "the metrics table names every situation once"
        assert page.count(f'<span class="situation">{situation}</span>') == 3, "and each class's recall bars"
    assert "GAN images raise the rare class&#39;s recall by 4.2 ± 3.1 points: significant</p>" in page
    assert '+3.1 ± 2.5</td><td class="mark up">↑</td>' in page and '-0.4</td><td class="mark "></td>' in page
    assert "81.0 ± 2.0" in page and "69.0</td>" in page and "60.0 ± 8.0" in page
    assert "gan-da, epoch 180" in page and "0 of 200 flagged as near-copies" in page and "830 images added" in page
    assert "FID 41.2 at epoch 180" in page and "acgan (training): no montage yet" in page
    assert page.count("<polyline") == 3 and page.count('class="chosen"') == 3  # acgan has no CAS yet
    assert "<b>" not in page and "<script" not in page and "&lt;/style&gt;&lt;script&gt;" in page
    assert "later.png: not written yet" in page and "<td>results.csv</td>" in page
    links = linked_files(page)
    assert {"report_files/real 0.png", "report_files/gan-da_2.png", "metrics.png", "summary.md"} <= set(links)
    for link in links:
        assert (out / link).is_file(), link


def test_experiment_page_renders_partial_views(tmp_path):
    assert "no verdict yet" in render_experiment_page({}) and "no classifier fitted yet" in render_experiment_page({})
    starting = {
        "title": "GANs for gan-da: training",
        "verdict": {"rows": []},
        "metrics": [{"situation": "real", "values": {"accuracy": [float("nan"), None]}, "trials": 1}],
        "classes": [
            {"name": "crazing", "synthetic": [{"source": "gan-da", "epochs": [90, 180], "cas_recall": [None, 0.3]}]},
            {"name": "patches", "real": {}, "recall": [{"situation": "real", "mean": None}]},
        ],
        "timings": [["GANs gan-da", "6 x 9,000 updates"]],
    }
    page = write_experiment_report(tmp_path / "new", starting).read_text()
    assert "<title>GANs for gan-da: training</title>" in page and "not started" in page
    assert "<h2>crazing</h2>" in page and "<h2>patches</h2>" in page and "gan-da (waiting): no montage yet" in page
    assert page.count("<circle") == 1 and "real images: no montage yet" in page and "no settings yet" in page
    # Without a folder, the named files are linked as they are.
    view = experiment_view()
    assert "report_files/acgan_0.png" in render_experiment_page(view)
    assert "report_files/acgan_0.png" not in render_experiment_page(view, output_dir=tmp_path)


def test_experiment_page_needs_no_tensorflow():
    """The report is a lower layer than the experiments: importing it loads neither them nor TensorFlow."""
    script = (
        "import sys, pyimagesearch_gan.report.experiment_page; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras') "
        "or m.startswith(('pyimagesearch_gan.experiments', 'pyimagesearch_gan.commands'))]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


# Run in a copy of the page: where each class section is drawn and whether its images loaded.
LAYOUT_PROBE = """<script>
window.addEventListener('load', () => {
  document.body.dataset.layout = JSON.stringify([...document.querySelectorAll('section.class')].map(s => {
    const box = s.getBoundingClientRect();
    return {name: s.querySelector('h2').firstChild.textContent.trim(), width: box.width, height: box.height,
            shown: getComputedStyle(s).visibility === 'visible',
            images: [...s.querySelectorAll('img')].map(i => i.complete && i.naturalWidth > 0)};
  }));
});
</script>
"""


def test_experiment_page_renders_in_a_browser(tmp_path):
    browser = find_browser()
    out = experiment_folder(tmp_path / "out")
    page = write_experiment_report(out, experiment_view()).read_text()
    probe = out / "probe.html"
    probe.write_text(page.replace("</body>", LAYOUT_PROBE + "</body>"))
    dom = run_browser(browser, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()).stdout
    layout = json.loads(html.unescape(re.search(r'data-layout="([^"]*)"', dom).group(1)))
    assert [s["name"] for s in layout] == EXPERIMENT_CLASSES
    for section in layout:
        assert section["shown"] and section["width"] > 600 and section["height"] > 300, section
        assert section["images"] == [True, True], section  # the real and the gan-da montage
    screenshot = tmp_path / "page.png"
    url = (out / "report.html").as_uri()
    run_browser(browser, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1200,4000", url)
    pixels = np.asarray(Image.open(screenshot).convert("RGB"), dtype=np.int32)
    assert pixels.std() > 20
    for channel in range(3):  # every class's tinted montage is on screen
        others = np.delete(pixels, channel, axis=2).max(axis=2)
        assert np.sum((pixels[..., channel] > 120) & (others < 60)) > 2000, EXPERIMENT_CLASSES[channel]
