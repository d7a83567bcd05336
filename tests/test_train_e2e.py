"""The book pipeline end to end: a 2-epoch NEU run writes every file, and the CLI's errors."""

import json
import re
import subprocess
import sys
import time

import cv2
import keras
import numpy as np
import pytest

from pyimagesearch_gan.commands import main
from pyimagesearch_gan.training.monitor import montage

RUN_FILES = [
    "real.png",
    "epoch_0001.png",
    "epoch_0002.png",
    "loss.png",
    "history.json",
    "generator.keras",
    "discriminator.keras",
]


@pytest.fixture(scope="module")
def neu_run(tmp_path_factory, data_root):
    run = tmp_path_factory.mktemp("runs") / "neu"
    main(
        [
            "train",
            "--preset",
            "neu-dcgan",
            "--data-dir",
            str(data_root),
            "--classes",
            "crazing",
            "--epochs",
            "2",
            "--seed",
            "7",
            "--output",
            str(run),
        ]
    )
    return run


def test_run_writes_every_file(neu_run):
    assert {p.name for p in neu_run.iterdir() if not p.name.startswith(".")} >= {
        "config.json",
        "crazing",
        "checkpoints",
    }
    for name in RUN_FILES:
        assert (neu_run / "crazing" / name).stat().st_size > 0, name
    assert not [p for p in (neu_run / "crazing").iterdir() if p.name.startswith(".")], "no temporary files left"


def test_montages_are_16x16_tiles_of_28_pixels(neu_run):
    for name in ("epoch_0001.png", "epoch_0002.png", "real.png"):
        image = cv2.imread(str(neu_run / "crazing" / name))
        assert image.shape == (448, 448, 3), name
    assert not np.array_equal(
        cv2.imread(str(neu_run / "crazing" / "epoch_0001.png")), cv2.imread(str(neu_run / "crazing" / "epoch_0002.png"))
    )


def test_history_and_config(neu_run):
    history = json.loads((neu_run / "crazing" / "history.json").read_text())
    assert [r["epoch"] for r in history] == [1, 2]
    assert all(np.isfinite(r["d_loss"]) and np.isfinite(r["gan_loss"]) and r["seconds"] > 0 for r in history)
    config = json.loads((neu_run / "config.json").read_text())
    assert (
        config["preset"] == "neu-dcgan"
        and config["epochs"] == 2
        and config["batch_size"] == 16
        and config["classes"] == "crazing"
    )


def test_generator_reloads_and_generates(neu_run):
    generator = keras.models.load_model(neu_run / "crazing" / "generator.keras")
    images = keras.ops.convert_to_numpy(generator(np.random.uniform(-1, 1, (4, 100)).astype("float32"), training=False))
    assert images.shape == (4, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    discriminator = keras.models.load_model(neu_run / "crazing" / "discriminator.keras")
    assert discriminator(images).shape == (4, 1)


def test_montage_helper_shapes():
    gray = np.zeros((256, 28, 28, 1), "uint8")
    assert montage(gray, (16, 16)).shape == (448, 448, 3)
    rgb = np.zeros((40, 64, 64, 3), "uint8")
    assert montage(rgb, (10, 4)).shape == (256, 640, 3)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--preset", "nope"], "unknown preset 'nope'"),
        (["--dataset", "cifar"], "cifar"),
        (["--classes", "rust"], "rust"),
        (["--batch-size", "400", "--classes", "crazing"], "--batch-size"),
        (["--set", "nonsense=1"], "unknown setting 'nonsense'"),
        (["--epochs", "0"], "--epochs"),
    ],
)
def test_cli_errors_are_one_line_exit_2(args, message, data_root, tmp_path, capsys):
    output = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--data-dir", str(data_root), "--output", str(output), *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert not output.exists(), "nothing may be written on bad input"


def test_missing_data_says_where_to_put_it(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--data-dir", str(tmp_path / "nowhere"), "--output", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "neu" in err and str(tmp_path / "nowhere") in err


def test_unwritable_output_folder(data_root, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--data-dir", str(data_root), "--classes", "crazing", "--output", str(blocker / "run")])
    assert exit_info.value.code == 2 and "--output" in capsys.readouterr().err


def test_console_entry_point_lists_presets():
    result = subprocess.run(
        [sys.executable, "-m", "pyimagesearch_gan", "presets"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    assert "neu-dcgan" in result.stdout and "R0" in result.stdout


def test_a_run_describes_itself_when_its_data_folder_is_gone(tmp_path, write_image_tree):
    """Nested class folders train; run.json holds what generate needs: the data can be deleted after training."""
    data = write_image_tree(tmp_path / "tree", classes=("bolt", "nut"), count=16)
    for name in ("bolt", "nut"):  # half of each class in a subfolder, as defect data sets often are
        (data / name / "Imgs").mkdir()
        for path in sorted((data / name).glob("*.png"))[:8]:
            path.rename(data / name / "Imgs" / path.name)
    run = tmp_path / "run"
    main(
        [
            "train",
            "--dataset",
            "folder",
            "--data-dir",
            str(data),
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--set",
            "num_benchmark=16",
            "--diffaugment",
            "color,translation,cutout",
            "--output",
            str(run),
        ]
    )
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["class_names"] == ["bolt", "nut"] and [g["folder"] for g in manifest["gans"]] == ["bolt", "nut"]
    assert manifest["image_size"] == 28 and manifest["channels"] == 1 and not manifest["conditional"]
    assert all(len(g["fingerprint"]) == 16 and g["images"] == 16 for g in manifest["gans"])
    assert json.loads((run / "config.json").read_text())["diffaugment"] == "color,translation,cutout"
    import shutil

    shutil.rmtree(data)
    main(["generate", str(run), "--count", "8", "--output", str(tmp_path / "gen")])
    for name in ("bolt", "nut"):
        assert len(list((tmp_path / "gen" / name).glob("*.png"))) == 8, name


def test_tensorboard_report_and_gifs_of_a_two_class_run(tmp_path, data_root):
    """What a user looks at after `train --tensorboard`: the page, the GIFs, TensorBoard's event files."""
    import re

    import numpy as np
    import tensorflow as tf
    from PIL import Image
    from test_report import find_browser, run_browser

    run = tmp_path / "run"
    main(
        [
            "train",
            "--preset",
            "neu-dcgan",
            "--data-dir",
            str(data_root),
            "--classes",
            "crazing,patches",
            "--epochs",
            "3",
            "--set",
            "num_benchmark=64",
            "--tensorboard",
            "--output",
            str(run),
        ]
    )
    page = (run / "report.html").read_text()
    assert "crazing" in page and "patches" in page and page.count("<img") >= 4
    for name in ("crazing", "patches"):
        with Image.open(run / name / "progress.gif") as gif:
            assert gif.n_frames == 3, "one frame per epoch"
        tags = {}
        for path in (run / "tensorboard" / name).glob("events.out.tfevents.*"):
            for event in tf.compat.v1.train.summary_iterator(str(path)):
                for value in event.summary.value:
                    tags.setdefault(value.tag, set()).add(event.step)
        assert tags["d_loss"] == tags["gan_loss"] == tags["montage"] == {1, 2, 3}, tags
        assert {"learning_rate/discriminator", "learning_rate/generator"} <= set(tags)
    browser = find_browser()
    dom = run_browser(
        browser, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", (run / "report.html").as_uri()
    ).stdout
    loaded = re.search(r'data-images-loaded="(\d+)" data-images-total="(\d+)"', dom)
    assert loaded and int(loaded.group(2)) >= 4 and loaded.group(1) == loaded.group(2), "every picture loads"
    shot = tmp_path / "page.png"
    run_browser(
        browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,1600", (run / "report.html").as_uri()
    )
    assert np.asarray(Image.open(shot).convert("L"), dtype=np.float32).std() > 20, "the page renders, not blank"


def test_sample_every_writes_fewer_montages_and_the_whole_history(tmp_path, write_image_tree, capsys):
    data = write_image_tree(tmp_path / "tree", classes=("a",), count=8)
    run = tmp_path / "run"
    called = time.perf_counter()
    main(["train", "--dataset", "folder", "--data-dir", str(data), "--epochs", "3", "--batch-size", "4",
          "--set", "num_benchmark=4", "--sample-every", "2", "--output", str(run)])  # fmt: skip
    took = time.perf_counter() - called
    closing = re.search(
        r"done in (\d+)m(\d+)s: start-up ([\d.]+) s \(.*\), training ([\d.]+) s", capsys.readouterr().out
    )
    total, startup, training = 60 * int(closing[1]) + int(closing[2]), float(closing[3]), float(closing[4])
    assert 0 < startup <= took, "start-up counts from this command, not from an earlier one in the process"
    assert abs(total - (startup + training)) <= 1 and total <= took + 1, "the whole time is start-up and training"
    assert sorted(p.name for p in (run / "a").glob("epoch_*.png")) == ["epoch_0002.png", "epoch_0003.png"]
    assert [r["epoch"] for r in json.loads((run / "a" / "history.json").read_text())] == [1, 2, 3]
    gray = cv2.imread(str(run / "a" / "epoch_0002.png"), cv2.IMREAD_UNCHANGED)
    assert gray.ndim == 2, "gray models' montages are stored with one channel"


def test_max_per_class_caps_each_class_by_the_seed(tmp_path, write_image_tree):
    from pyimagesearch_gan.presets import get_preset
    from pyimagesearch_gan.training.plan import plan_run

    data = write_image_tree(tmp_path / "tree", classes=("a", "b"), count=12)
    (data / "manifest.json").write_text("{}")  # what `generate` writes beside its class folders: not data
    cfg = get_preset("neu-dcgan").with_overrides(
        {"dataset": "folder", "data_dir": str(data), "batch_size": 4, "max_per_class": 8, "output": str(tmp_path / "r")}
    )
    plan = plan_run(cfg)
    assert [len(job.images) for job in plan.jobs] == [8, 8]
    assert not any("manifest.json" in path for path, _ in plan.data.skipped)
    again = plan_run(cfg)
    assert all(np.array_equal(x.images, y.images) for x, y in zip(plan.jobs, again.jobs)), "the seed picks them"
