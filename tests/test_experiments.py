"""The augmentation experiments end to end in their quick modes: each writes its CSV, markdown
tables, plots and config, a rerun continues from the cache, and bad flags fail cleanly."""

import csv
import json
import shutil

import cv2
import numpy as np
import pytest

from pyimagesearch_gan.commands import main
from pyimagesearch_gan.experiments import augment_neu, common, engine
from pyimagesearch_gan.experiments.designs import GanSet, neu_design
from pyimagesearch_gan.experiments.settings import SOURCES, NeuSettings
from pyimagesearch_gan.training.stopping import Interrupted
from pyimagesearch_gan.utils import format_seconds


def read_rows(folder):
    with open(folder / "results.csv", newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def assert_png(path):
    image = cv2.imread(str(path))
    assert image is not None and image.shape[0] > 100 and image.shape[1] > 100, path


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory, data_root):
    output = tmp_path_factory.mktemp("exp") / "mnist"
    main(["augment-mnist", "--data-dir", str(data_root), "--output", str(output), "--quick", "--filter", "0.2"])
    return output


NEU_FLAGS = ["--diffaugment", "translation,color", "--transforms", "texture"]


@pytest.fixture(scope="module")
def neu_run(tmp_path_factory, data_root):
    output = tmp_path_factory.mktemp("exp") / "neu"
    main(["augment-neu", "--data-dir", str(data_root), "--output", str(output), "--quick", *NEU_FLAGS])
    return output


MNIST_SITUATIONS = ["real", "digits transforms", "gan x1", "gan only α=4"]


def test_mnist_quick_fits_every_situation_and_trial(mnist_run, data_root):
    from pyimagesearch_gan.data import load_dataset

    tests = len(load_dataset("mnist", data_root, split="test").labels)  # 10,000 in MNIST, fewer in stand-ins
    columns, rows = read_rows(mnist_run)
    assert columns == engine.COLUMNS
    # quick: one size (20 per digit, 3 of them for validation), ratios 0 and 1 (0 is real), transforms at
    # ratio 0 only, 20 synthetic images per digit alone for the one α; one classifier, two trials
    assert [(r["scenario"], r["situation"], r["classifier"], r["trial"]) for r in rows] == [
        ("s=20", name, "s4-mlp", str(t)) for name in MNIST_SITUATIONS for t in (0, 1)
    ]
    sizes = {r["situation"]: (int(r["train_images"]), int(r["synthetic"])) for r in rows}
    assert sizes == {
        "real": (170, 0),
        "digits transforms": (170, 0),
        "gan x1": (170 + 200, 200),
        "gan only α=4": (200, 200),
    }
    for row in rows:
        matrix = json.loads(row["confusion"])
        assert len(matrix) == 10 and sum(map(sum, matrix)) == tests  # the whole test split
        assert 1 <= int(row["best_epoch"]) <= int(row["epochs"]) <= 3
    # --filter 0.2: synthetic images pass a real-image classifier (cached); real-only sets have no pass rate
    rates = {r["situation"]: r["filter_pass_rate"] for r in rows}
    assert rates["real"] == "" and 0.0 <= float(rates["gan x1"]) <= 1.0 and 0.0 <= float(rates["gan only α=4"]) <= 1
    assert len(list(mnist_run.glob("filter_s_20_*.keras"))) == 1
    gan_dir = mnist_run / "gans" / "size20_alpha4" / "gan"
    assert json.loads((gan_dir / "config.json").read_text())["model"]["alpha"] == 4
    assert (gan_dir / "done.json").is_file() and (gan_dir / "7" / "generator.keras").is_file()
    assert (gan_dir / "checkpoints" / "7" / "generator_0001.npz").is_file()


def test_mnist_quick_summary_has_intervals_balanced_metrics_and_the_papers_numbers(mnist_run):
    summary = (mnist_run / "summary.md").read_text()
    assert "| situation | accuracy | macro-F1 | balanced accuracy | Δ accuracy vs " in summary
    line = next(line for line in summary.splitlines() if line.startswith("| gan x1 | "))
    cells = [c.strip() for c in line.split("|")[1:-1]]
    assert all("±" in c for c in cells[1:4]) and cells[4][0] in "+-"
    assert (
        "## Verdict" in summary and "quick run: tiny settings, no verdict" in summary and "GAN images (" not in summary
    )
    assert "## S4's numbers beside ours" in summary
    assert "| situation | ours: 20 per digit, s4-mlp | S4: 250 per digit | S4: 500 per digit |" in summary
    assert "| gan only α=4 | " in summary and "| 0.7092 | 0.7632 |" in summary  # Table 1, α = 4
    assert "| 0.8022 | 0.7857 |" in summary  # Figure 2, ratio 1
    assert "| GANs size20_alpha4 gan | 10 x 4 updates |" in summary and "| classifier fits | 8 fits |" in summary
    assert_png(mnist_run / "metrics.png")
    assert "gan only α=4" in (mnist_run / "report.html").read_text()
    assert json.loads((mnist_run / "config.json").read_text())["settings"]["sizes"] == [20]


def unused(*args, **kwargs):
    pytest.fail("a rerun with every epoch chosen earlier must not train the FID feature CNN")


def test_mnist_rerun_continues_from_cache(mnist_run, data_root, capsys, monkeypatch):
    before = (mnist_run / "results.csv").read_text()
    monkeypatch.setattr(common, "train_feature_extractor", unused)
    main(["augment-mnist", "--data-dir", str(data_root), "--output", str(mnist_run), "--quick", "--filter", "0.2"])
    out = capsys.readouterr().out
    assert "continuing: 8 result rows" in out and "reusing the GANs" in out and "training 10" not in out
    assert (mnist_run / "results.csv").read_text() == before


# --transforms texture: the recipe is the texture transforms, and every source's images go on top of it
NEU_SITUATIONS = ["real", "texture transforms", "gan-da + texture transforms", "acgan + texture transforms"]


def test_neu_quick_fits_every_situation_and_trial(neu_run):
    columns, rows = read_rows(neu_run)
    assert columns == engine.COLUMNS
    # balanced classes: no resampling situations
    assert [(r["situation"], r["trial"]) for r in rows] == [(name, str(t)) for name in NEU_SITUATIONS for t in (0, 1)]
    # quick: 8 real per class, 1 of them (15%) for validation, so 7 to train on; k = n = 8 synthetic
    sizes = {r["situation"]: int(r["train_images"]) for r in rows}
    assert sizes["real"] == sizes["texture transforms"] == 42
    assert sizes["gan-da + texture transforms"] == sizes["acgan + texture transforms"] == 42 + 48
    for row in rows:
        matrix = json.loads(row["confusion"])
        assert len(matrix) == 6 and sum(map(sum, matrix)) == 60  # 10 held-out test images per class
        assert 1 <= int(row["best_epoch"]) <= int(row["epochs"]) <= 3
        for metric in ("accuracy", "precision", "recall", "f1"):
            assert 0.0 <= float(row[metric]) <= 1.0


def test_neu_quick_chooses_gan_epochs_by_cas(neu_run):
    with open(neu_run / "selection.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for source, folder in (("gan-da", "crazing"), ("acgan", "all")):
        mine = [r for r in rows if r["gans"] == f"size8 {source}"]
        assert sorted({r["epoch"] for r in mine}) == ["1", "2"] and len(mine) == 2 * 6
        for name in {r["class"] for r in mine}:
            assert sum(r["chosen"] == "1" for r in mine if r["class"] == name) == 1
        assert all(0 <= float(r["recall"]) <= 1 and float(r["fid"]) >= 0 for r in mine)
        gan_dir = neu_run / "gans" / "size8" / source
        assert (gan_dir / "done.json").is_file()
        saved = sorted(p.name for p in (gan_dir / "checkpoints" / folder).glob("*.npz"))
        assert saved == ["ckpt_0002.npz", "generator_0001.npz"], "the last epoch's generator is generator.keras"
    cfg = json.loads((neu_run / "gans" / "size8" / "gan-da" / "config.json").read_text())
    assert cfg["diffaugment"] == "color,translation" and cfg["preset"] == "neu-dcgan"
    assert json.loads((neu_run / "config.json").read_text())["settings"]["diffaugment"] == "translation,color"
    acgan = json.loads((neu_run / "gans" / "size8" / "acgan" / "config.json").read_text())
    assert acgan["diffaugment"] in (None, "", "none") and acgan["family"] == "acgan"


def table_rows(summary, first_header):
    """{first cell: cells} of the markdown table whose header starts with `first_header`."""
    lines = summary.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first_header))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        rows[cells[0]] = cells[1:]
    return rows


def test_neu_quick_summary_has_intervals_and_paired_differences(neu_run):
    summary = (neu_run / "summary.md").read_text()
    header = "| situation | accuracy | macro-F1 | balanced accuracy | Δ accuracy vs "
    assert header in summary and "## n = 8, classifier cnn" in summary
    assert "## GAN epochs chosen by CAS on the validation images" in summary and "## Verdict" in summary
    table = table_rows(summary, header)
    assert list(table) == NEU_SITUATIONS
    cells = table["gan-da + texture transforms"]
    assert "±" in cells[0] and cells[3][0] in "+-" and "±" in cells[3] and cells[-1] == "2"
    recall = table_rows(summary, "| situation | crazing |")
    assert list(recall) == NEU_SITUATIONS and all("±" in cell for cell in recall["real"])
    assert_png(neu_run / "metrics.png")
    page = (neu_run / "report.html").read_text()
    assert all(name in page for name in ("crazing", "scratches", "gan-da + texture transforms"))
    assert "Classic recipe: texture transforms" in page
    assert not [p for p in neu_run.iterdir() if p.name.startswith(".")], "no temporary files left"


def test_neu_rerun_continues_from_cache(neu_run, data_root, capsys, monkeypatch):
    before = (neu_run / "results.csv").read_text()
    monkeypatch.setattr(common, "train_feature_extractor", unused)
    main(["augment-neu", "--data-dir", str(data_root), "--output", str(neu_run), "--quick", *NEU_FLAGS])
    out = capsys.readouterr().out
    assert "continuing: 8 result rows" in out and out.count("reusing the GANs") == 2
    assert "epochs chosen earlier by CAS" in out and "training 6" not in out and "resuming" not in out
    assert (neu_run / "results.csv").read_text() == before


def test_neu_summary_states_the_recorded_time(neu_run):
    summary = (neu_run / "summary.md").read_text()
    rows = table_rows(summary, "| work | size | time |")
    histories = [
        json.loads(path.read_text()) for path in (neu_run / "gans" / "size8" / "gan-da").glob("*/history.json")
    ]
    assert len(histories) == 6 and all(len(h) == 2 and all(epoch["seconds"] > 0 for epoch in h) for h in histories)
    size, time = rows["GANs size8 gan-da"]
    assert size.startswith("6 x ") and size.endswith(" updates")
    # six GANs side by side: their epochs are one span of time, counted once
    assert time == format_seconds(max(sum(epoch["seconds"] for epoch in h) for h in histories))
    assert rows["GANs size8 acgan"][0].startswith("1 x ")
    assert rows["classifier fits"][0] == "8 fits" and "this run" in rows


def test_neu_rerun_with_fewer_sources_keeps_the_others_in_the_summary(neu_run, data_root, capsys, monkeypatch):
    monkeypatch.setattr(common, "train_feature_extractor", unused)
    flags = ["--quick", *NEU_FLAGS, "--sources", "gan-da"]
    main(["augment-neu", "--data-dir", str(data_root), "--output", str(neu_run), *flags])
    assert "acgan" not in capsys.readouterr().out
    summary = (neu_run / "summary.md").read_text()
    assert list(table_rows(summary, "| situation | accuracy |")) == NEU_SITUATIONS
    assert {"GANs size8 acgan", "GANs size8 gan-da"} <= set(table_rows(summary, "| work | size | time |"))
    assert json.loads((neu_run / "gans" / "times.json").read_text()).keys() == {"size8 gan-da", "size8 acgan"}


def test_neu_rerun_with_more_trials_fits_only_the_new_ones(neu_run, data_root, tmp_path, capsys):
    before = read_rows(neu_run)[1]
    flags = ["--quick", *NEU_FLAGS, "--trials", "3", "--classifiers", "cnn"]
    main(["augment-neu", "--data-dir", str(data_root), "--output", str(neu_run), *flags])
    out = capsys.readouterr().out
    rows = read_rows(neu_run)[1]
    assert "continuing: 8 result rows" in out and rows[:8] == before
    assert sorted((r["situation"], r["trial"]) for r in rows[8:]) == sorted((name, "2") for name in NEU_SITUATIONS)
    assert json.loads((neu_run / "config.json").read_text())["settings"]["trials"] == 3
    summary = (neu_run / "summary.md").read_text()
    assert table_rows(summary, "| situation | accuracy |")["real"][-1] == "3"
    # a setting that changes every fit voids the earlier rows
    copy = tmp_path / "neu"
    copy.mkdir()
    for name in ("config.json", "results.csv"):
        shutil.copy(neu_run / name, copy / name)
    settings = json.loads((copy / "config.json").read_text())["settings"]
    columns, key = engine.COLUMNS, engine.KEY
    assert len(common.Results(copy, {**settings, "sizes": [8, 16]}, columns, key, engine.SELECTING).rows) == 12
    assert common.Results(copy, {**settings, "patience": 1}, columns, key, engine.SELECTING).rows == []


def test_held_out_split_is_disjoint_from_training_pool(data_root):
    from pyimagesearch_gan.data import load_dataset

    data = load_dataset("neu", data_root)
    per_class = int(np.bincount(data.labels).min())  # 300 in NEU, fewer in the tests' stand-in sets
    test_per_class = min(100, per_class // 3)
    size = min(50, per_class - test_per_class)
    design = neu_design(data, NeuSettings(sizes=(size,), test_per_class=test_per_class))
    scenario = design.scenarios[0]
    seen = {image.tobytes() for part in (*scenario.train, *scenario.val) for image in part}
    assert len(design.test_x) == 6 * test_per_class and not seen & {image.tobytes() for image in design.test_x}
    assert scenario.train_counts == [size - round(0.15 * size)] * 6


def test_neu_sources_configure_their_gans():
    settings = NeuSettings()
    gan_set = GanSet("size50", "size50", [np.zeros((42, 28, 28, 1), "uint8")] * 6, [])
    configs = {source: engine.gan_config(settings, source, gan_set, 1) for source in SOURCES}
    assert configs["gan"].diffaugment == "none" and configs["gan"].ada_target == 0
    assert configs["gan-da"].preset == "neu-dcgan-diffaug" and configs["gan-da"].ada_target == 0
    assert configs["gan-ada"].diffaugment == "color,translation,cutout" and configs["gan-ada"].ada_target == 0.6
    assert configs["acgan-da"].family == "acgan" and configs["acgan-da"].diffaugment == "color,translation,cutout"
    assert configs["gan"].batch_size == 16 and configs["acgan-da"].batch_size == 100


@pytest.mark.parametrize(
    "command, flags, message",
    [
        ("augment-neu", ["--sizes", "3"], "--sizes"),
        ("augment-neu", ["--sources", "gan,vae"], "unknown source 'vae'"),
        ("augment-neu", ["--validation", "0.7"], "--validation"),
        ("augment-neu", ["--filter", "1.5"], "--filter"),
        ("augment-neu", ["--diffaugment", "zoom"], "unknown policy 'zoom'"),
        ("augment-neu", ["--test-per-class", "290", "--sizes", "20"], "--test-per-class"),
        ("augment-mnist", ["--classifiers", "svm"], "unknown classifier 'svm'"),
        ("augment-mnist", ["--ratios", "a,b"], "--ratios expects"),
        ("augment-mnist", ["--sizes", "100000"], "the MNIST train data has only"),
        ("augment-mnist", ["--gan-preset", "neu-dcgan", "--alphas", "1,4"], "α is a setting of the mlp GANs"),
    ],
)
def test_bad_flags_fail_in_one_line(command, flags, message, data_root, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--data-dir", str(data_root), "--output", str(tmp_path / "out"), "--quick", *flags])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    "raised, where",
    [
        (Interrupted("stopped at once; the last checkpoint (epoch 5) stays. Resume with: x"), "(epoch 5) stays."),
        (KeyboardInterrupt(), "interrupted."),
    ],
)
def test_a_stopped_experiment_says_to_rerun_it(raised, where, data_root, tmp_path, capsys, monkeypatch):
    def stop(*args):
        raise raised

    monkeypatch.setattr(augment_neu, "run", stop)
    with pytest.raises(SystemExit) as exit_info:
        main(["augment-neu", "--data-dir", str(data_root), "--output", str(tmp_path / "out"), "--quick"])
    assert exit_info.value.code == 130
    err = capsys.readouterr().err
    assert where in err and "run the same command again to go on" in err and "train --resume" not in err
