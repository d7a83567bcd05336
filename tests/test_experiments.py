"""The augmentation experiments end to end in their quick modes: each writes its CSV, markdown
tables, plots and config, a rerun continues from the cache, and bad flags fail cleanly."""

import csv
import json

import cv2
import pytest

from pyimagesearch_gan.commands import main
from pyimagesearch_gan.experiments import augment_mnist, augment_neu


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
    main(["augment-mnist", "--data-dir", str(data_root), "--output", str(output), "--quick"])
    return output


@pytest.fixture(scope="module")
def neu_run(tmp_path_factory, data_root):
    output = tmp_path_factory.mktemp("exp") / "neu"
    main(["augment-neu", "--data-dir", str(data_root), "--output", str(output), "--quick"])
    return output


def test_mnist_quick_writes_every_setting(mnist_run):
    columns, rows = read_rows(mnist_run)
    assert columns == augment_mnist.COLUMNS
    # quick: one size (20), synthetic-only (= recursive round 0), ratios 0 and 1, recursive round 1;
    # two classifiers, one trial
    settings = sorted({(r["experiment"], r["ratio"], r["round"]) for r in rows})
    assert settings == [("mix", "0.0", ""), ("mix", "1.0", ""), ("recursive", "", "1"), ("synthetic_only", "", "")]
    assert len(rows) == 8 and {r["classifier"] for r in rows} == {"s4-mlp", "s3-cnn"}
    assert all(0.0 <= float(r["accuracy"]) <= 1.0 for r in rows)
    sizes = {(r["experiment"], r["ratio"]): int(r["train_images"]) for r in rows if r["classifier"] == "s4-mlp"}
    assert sizes[("mix", "0.0")] == 200 and sizes[("mix", "1.0")] == 400 and sizes[("synthetic_only", "")] == 200


def test_mnist_quick_summary_and_plot(mnist_run):
    summary = (mnist_run / "summary.md").read_text()
    for heading in ("## Table 1", "## Figure 2", "## Recursive training"):
        assert heading in summary
    assert (
        "| real per digit | classifier | real only (ours) | real only (paper) | α=4 (ours) | α=4 (paper) |" in summary
    )
    assert "| ratio | 20: s4-mlp | 20: s3-cnn | 20: paper |" in summary
    assert_png(mnist_run / "mnist_mixing.png")
    assert json.loads((mnist_run / "config.json").read_text())["settings"]["sizes"] == [20]
    for gan in ("size20_alpha4", "recursive20_round1"):
        assert (mnist_run / "gans" / gan / "done.json").is_file()
        assert (mnist_run / "gans" / gan / "7" / "generator.keras").is_file()


def test_mnist_rerun_continues_from_cache(mnist_run, data_root, capsys):
    before = (mnist_run / "results.csv").read_text()
    main(["augment-mnist", "--data-dir", str(data_root), "--output", str(mnist_run), "--quick"])
    out = capsys.readouterr().out
    assert "continuing: 8 result rows" in out and "reusing the GANs" in out and "training 10 GANs" not in out
    assert (mnist_run / "results.csv").read_text() == before


def test_neu_quick_writes_five_situations(neu_run):
    columns, rows = read_rows(neu_run)
    assert columns == augment_neu.COLUMNS
    assert [r["situation"] for r in rows] == list(augment_neu.SITUATIONS)
    # quick: 4 real per class, k = 4; six classes
    assert [int(r["train_images"]) for r in rows] == [24, 24, 48, 72, 72]
    for row in rows:
        matrix = json.loads(row["confusion"])
        assert len(matrix) == 6 and sum(map(sum, matrix)) == 60  # 10 held-out test images per class
        for metric in ("accuracy", "precision", "recall", "f1"):
            assert 0.0 <= float(row[metric]) <= 1.0


def test_neu_quick_summary_plots_and_confusions(neu_run):
    summary = (neu_run / "summary.md").read_text()
    assert (
        "| situation | loss | accuracy | precision | recall | F1 | train accuracy | paper accuracy (S3) | "
        "paper F1 (S3) |" in summary
    )
    assert "## Test accuracy by real images per class" in summary
    for situation in augment_neu.SITUATIONS:
        assert f"| {situation} |" in summary
        assert_png(neu_run / f"confusion_n4_{situation}.png")
    assert_png(neu_run / "neu_accuracy.png")
    confusion = json.loads((neu_run / "confusion.json").read_text())
    assert confusion["classes"][0] == "crazing" and set(confusion["matrices"]["4"]) == set(augment_neu.SITUATIONS)
    assert not [p for p in neu_run.iterdir() if p.name.startswith(".")], "no temporary files left"


def test_held_out_split_is_disjoint_from_training_pool(data_root):
    from pyimagesearch_gan.data import load_dataset

    data = load_dataset("neu", data_root)
    settings = augment_neu.Settings(sizes=(50,), test_per_class=100)
    pools, test_x, _ = augment_neu.split(data, settings)
    seen = {image.tobytes() for pool in pools for image in pool[:50]}
    assert len(test_x) == 600 and not seen & {image.tobytes() for image in test_x}


@pytest.mark.parametrize(
    "command, flags, message",
    [
        ("augment-neu", ["--sizes", "1"], "--sizes"),
        ("augment-neu", ["--test-per-class", "290", "--sizes", "20"], "--test-per-class"),
        ("augment-mnist", ["--classifiers", "svm"], "unknown classifier 'svm'"),
        ("augment-mnist", ["--ratios", "a,b"], "--ratios expects"),
        ("augment-mnist", ["--sizes", "600"], "only 500 images"),
    ],
)
def test_bad_flags_fail_in_one_line(command, flags, message, data_root, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--data-dir", str(data_root), "--output", str(tmp_path / "out"), "--quick", *flags])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
