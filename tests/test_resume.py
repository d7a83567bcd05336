"""Checkpoints and resume: a run stopped at any moment and resumed ends bit for bit as an
uninterrupted one (CPU, --deterministic), Ctrl-C and kill -9 lose nothing, a NaN stops the run.

All runs train the book DCGAN on a tiny image tree (2 classes x 16 images, batch 8, 4 epochs)
and are compared with one uninterrupted reference run: every checkpointed variable
(weights, BatchNorm statistics, optimizer moments and counters, noise seeds), the history
and the montage PNGs byte for byte.
"""

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest

from pyimagesearch_gan.commands import main
from pyimagesearch_gan.runs import load_generator, open_run
from pyimagesearch_gan.training import checkpoints as checkpoint
from pyimagesearch_gan.training import stopping
from pyimagesearch_gan.training.gan import GAN

REPO = Path(__file__).resolve().parent.parent
ARGS = [
    "--preset",
    "neu-dcgan",
    "--dataset",
    "folder",
    "--batch-size",
    "8",
    "--epochs",
    "4",
    "--checkpoint-every",
    "2",
    "--set",
    "num_benchmark=4",
    "--seed",
    "3",
    "--deterministic",
    "--no-concurrent",
]


@pytest.fixture(scope="module")
def data(tmp_path_factory, write_image_tree):
    return write_image_tree(tmp_path_factory.mktemp("data"), count=16)


def train(data, output, *extra):
    main(["train", *ARGS, "--data-dir", str(data), "--output", str(output), *extra])


@pytest.fixture(scope="module")
def reference(data, tmp_path_factory):
    """The uninterrupted run every other run is compared with."""
    run = tmp_path_factory.mktemp("reference") / "run"
    train(data, run)
    return run


def history(folder):
    return [
        {k: v for k, v in record.items() if k != "seconds"}
        for record in json.loads((folder / "history.json").read_text())
    ]


def assert_same_run(run, reference, classes=("a", "b")):
    """Same final state, history and montages as the reference, bit for bit."""
    for name in classes:
        assert history(run / name) == history(reference / name), name
        epochs = checkpoint.checkpoint_epochs(reference, name)
        mine = checkpoint.read_checkpoint(checkpoint.checkpoint_path(run, name, epochs[-1]))
        theirs = checkpoint.read_checkpoint(checkpoint.checkpoint_path(reference, name, epochs[-1]))
        for section in checkpoint.CHECKPOINT_SECTIONS:
            assert len(mine["state"][section]) == len(theirs["state"][section])
            for i, (x, y) in enumerate(zip(mine["state"][section], theirs["state"][section])):
                assert np.array_equal(x, y), f"{name}: {section} variable {i} differs"
        pngs = sorted(p.name for p in (reference / name).glob("epoch_*.png"))
        assert sorted(p.name for p in (run / name).glob("epoch_*.png")) == pngs
        for png in pngs:
            assert (run / name / png).read_bytes() == (reference / name / png).read_bytes(), f"{name}/{png}"
        assert (run / name / "generator.keras").is_file()


def assert_readable(run):
    """Every visible file of a run folder opens: PNGs decode, JSON parses, checkpoints and models load."""
    for path in run.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix == ".png":
            assert cv2.imread(str(path)) is not None, path
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".npz":
            checkpoint.read_checkpoint(path)
        elif path.suffix == ".keras":
            with zipfile.ZipFile(path) as archive:
                assert archive.testzip() is None, path


def test_checkpoints_hold_the_whole_training_state(reference):
    assert checkpoint.checkpoint_epochs(reference, "a") == [4], "the newest full state is kept"
    assert checkpoint.snapshot_epochs(reference, "a") == [2], "generator snapshots for generate --epoch and evaluate"
    four = checkpoint.read_checkpoint(checkpoint.checkpoint_path(reference, "a", 4))
    assert four["meta"]["epoch"] == 4 and four["meta"]["gan"] == "a" and four["meta"]["images"] == 16
    assert four["meta"]["history"] == json.loads((reference / "a" / "history.json").read_text())
    # Both optimizers' update counters (the decay goes on from them): 2 steps per epoch.
    assert int(four["state"]["d_optimizer"][0]) == 8 and int(four["state"]["g_optimizer"][0]) == 8
    assert four["benchmark"][0].shape == (4, 100)
    two = checkpoint.read_checkpoint(checkpoint.snapshot_path(reference, "a", 2))
    assert set(two["state"]) == {"generator"} and two["meta"]["kind"] == "generator" and two["meta"]["epoch"] == 2
    # `generate` loads a saved epoch's generator: the final one equals generator.keras, epoch 2's differs.
    run = open_run(reference)
    generator = load_generator(run, "a", 4)[0]
    saved = keras.models.load_model(reference / "a" / "generator.keras")
    assert all(np.array_equal(x, y) for x, y in zip(generator.get_weights(), saved.get_weights()))
    early = load_generator(run, "a", 2)[0]
    assert all(np.array_equal(x, y) for x, y in zip(early.get_weights(), two["state"]["generator"]))
    assert not all(np.array_equal(x, y) for x, y in zip(early.get_weights(), saved.get_weights()))
    assert not [p for p in reference.rglob(".*")], "no temporary files left"


def test_the_last_checkpoint_keeps_its_weights_in_the_saved_models(reference):
    """Stored once: the last epoch's checkpoint refers to generator.keras and discriminator.keras."""
    path = checkpoint.checkpoint_path(reference, "a", 4)
    four = checkpoint.read_checkpoint(path)
    assert {k: v["file"] for k, v in four["meta"]["weights"].items()} == {
        "generator": "a/generator.keras",
        "discriminator": "a/discriminator.keras",
    }
    with np.load(path) as stored:
        assert not [k for k in stored.files if k.startswith(("generator/", "discriminator/"))]
        assert [k for k in stored.files if k.startswith("d_optimizer/")]
    for section in ("generator", "discriminator"):
        saved = keras.models.load_model(reference / "a" / f"{section}.keras")
        assert len(four["state"][section]) == len(saved.get_weights()) > 0
        assert all(np.array_equal(x, y) for x, y in zip(four["state"][section], saved.get_weights()))
    full = sum(v.nbytes for values in four["state"].values() for v in values)
    assert path.stat().st_size < full - sum(v.nbytes for v in four["state"]["generator"])


def test_a_changed_saved_model_is_not_taken_for_the_checkpoint_weights(run_a, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(run_a, run)
    early = load_generator(open_run(run), "a", 2)[0]
    early.save(run / "a" / "generator.keras")
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--resume", str(run), "--epochs", "5"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2 and f"{run / 'a' / 'generator.keras'} changed since" in err[-1], err


@pytest.fixture(scope="module")
def run_a(data, tmp_path_factory):
    """A second run of class a with the reference's settings."""
    run = tmp_path_factory.mktemp("run_a") / "run"
    train(data, run, "--classes", "a")
    return run


def test_two_deterministic_runs_are_identical(run_a, reference):
    assert_same_run(run_a, reference, classes=["a"])


def interrupt_at(monkeypatch, epoch, batch):
    """Send this process a real SIGINT before step `batch` of `epoch` (0-based) of the first GAN."""
    original = stopping.StopGuard.on_train_batch_begin
    sent = []

    def hook(self, b, logs=None):
        if not sent and (self.epoch, b) == (epoch, batch):
            sent.append(True)
            signal.raise_signal(signal.SIGINT)
        original(self, b, logs)

    monkeypatch.setattr(stopping.StopGuard, "on_train_batch_begin", hook)


def test_ctrl_c_mid_epoch_then_resume_is_bit_exact(data, reference, tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    interrupt_at(monkeypatch, epoch=1, batch=1)  # epoch 2, after its first step; epoch 1 is not checkpointed yet
    with pytest.raises(SystemExit) as exit_info:
        train(data, run)
    err = capsys.readouterr().err
    assert exit_info.value.code == 130
    assert (
        "interrupted at epoch 2 step 1 of a" in err and "checkpoint of epoch 1" in err and "epoch 2 starts again" in err
    )
    assert f"Resume with: pyimagesearch-gan train --resume {run}" in err
    assert checkpoint.checkpoint_epochs(run, "a") == [1] and checkpoint.checkpoint_epochs(run, "b") == []
    assert [r["epoch"] for r in history(run / "a")] == [1] and not (run / "a" / "epoch_0002.png").exists()
    assert_readable(run)
    monkeypatch.undo()
    main(["train", "--resume", str(run)])
    out = capsys.readouterr().out
    assert "[a] resuming after epoch 1" in out and "[b] no checkpoint: starting at epoch 1" in out
    assert_same_run(run, reference)


def test_concurrent_classes_ctrl_c_then_resume_is_bit_exact(data, tmp_path, monkeypatch, capsys):
    """Both class GANs in one compiled step (ClassGANs): one checkpoint per GAN, resumed together."""
    concurrent = [*ARGS[:-1], "--concurrent"]
    main(["train", *concurrent, "--data-dir", str(data), "--output", str(tmp_path / "reference")])
    run = tmp_path / "run"
    interrupt_at(monkeypatch, epoch=2, batch=1)
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *concurrent, "--data-dir", str(data), "--output", str(run)])
    assert exit_info.value.code == 130 and "interrupted at epoch 3 step 1 of 2 classes" in capsys.readouterr().err
    assert checkpoint.checkpoint_epochs(run, "a") == checkpoint.checkpoint_epochs(run, "b") == [2]
    monkeypatch.undo()
    main(["train", "--resume", str(run)])
    assert "[2 classes] resuming after epoch 2" in capsys.readouterr().out
    assert_same_run(run, tmp_path / "reference")


def wait_for(path, text, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and text in path.read_text(errors="replace"):
            return True
        time.sleep(0.05)
    return False


def start(args, log):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "pyimagesearch_gan", "train", *args],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def test_ctrl_c_and_kill_9_of_real_processes_then_resume_is_bit_exact(data, reference, tmp_path):
    """A real training process stopped with Ctrl-C, resumed in a second one killed with -9 at a
    random moment (seeded, so a failure repeats), then resumed to the end."""
    run = tmp_path / "run"
    log = tmp_path / "ctrl-c.txt"
    proc = start([*ARGS, "--data-dir", str(data), "--output", str(run), "--checkpoint-every", "1"], log)
    assert wait_for(log, "[a] epoch 1/4", proc), log.read_text()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) == 130, log.read_text()
    text = log.read_text()
    assert (
        "Traceback" not in text
        and "interrupted" in text
        and f"Resume with: pyimagesearch-gan train --resume {run}" in text
    )
    epochs = checkpoint.checkpoint_epochs(run, "a")
    assert epochs and history(run / "a")[-1]["epoch"] == epochs[-1], "the files show the checkpoint's epoch"
    assert_readable(run)

    log = tmp_path / "kill.txt"
    proc = start(["--resume", str(run)], log)
    if wait_for(log, "/4 ", proc):  # its first epoch is done: kill it in the next ~2 epochs
        time.sleep(random.Random(1234).uniform(0.0, 1.5))
    proc.kill()
    proc.wait(timeout=60)
    assert "Traceback" not in log.read_text(), log.read_text()
    assert_readable(run)
    for name in ("a", "b"):
        # the newest full state (and the one before it, if killed between writing and pruning)
        assert len(checkpoint.checkpoint_epochs(run, name)) <= 2

    main(["train", "--resume", str(run)])
    assert_same_run(run, reference)
    assert_readable(run)


def poison_losses_from(monkeypatch, update):
    """Make the step report NaN losses once the discriminator has made `update` updates."""
    original = GAN.train_step

    def poisoned(self, data):
        logs = original(self, data)
        bad = self.d_optimizer.iterations > update
        return {k: keras.ops.where(bad, float("nan"), v) for k, v in logs.items()}

    monkeypatch.setattr(GAN, "train_step", poisoned)


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(data, tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    poison_losses_from(monkeypatch, update=4)  # 2 steps per epoch: epoch 3's first step is the first bad one
    with pytest.raises(SystemExit) as exit_info:
        train(data, run, "--classes", "a")
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2 and len(err) == 1, err
    assert (
        "training diverged" in err[0]
        and "at epoch 3 batch 0 of a" in err[0]
        and "epoch 2" in err[0]
        and "--lr" in err[0]
    )
    error = json.loads((run / "error.json").read_text())
    assert (error["epoch"], error["batch"], error["value"]) == (3, 0, "nan") and error["last_checkpoint_epoch"] == 2
    assert checkpoint.checkpoint_epochs(run, "a") == [2]
    assert [r["epoch"] for r in history(run / "a")] == [1, 2] and not (run / "a" / "epoch_0003.png").exists()
    assert not (run / "a" / "generator.keras").exists()
    assert_readable(run)


def test_a_huge_learning_rate_diverges_with_a_clear_message(data, tmp_path, capsys):
    run = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        train(data, run, "--classes", "a", "--lr", "1e30")
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2 and len(err) == 1 and "diverged" in err[0] and "at epoch 1 batch 0" in err[0], err
    assert "no checkpoint was written" in err[0] and checkpoint.checkpoint_epochs(run, "a") == []


def test_disk_full_stops_with_one_line_and_resume_finishes(data, reference, tmp_path, monkeypatch, capsys):
    from pyimagesearch_gan.training import monitor

    run, original = tmp_path / "run", monitor.write_json

    def full_disk(path, records):
        if len(records) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        original(path, records)

    monkeypatch.setattr(monitor, "write_json", full_disk)
    with pytest.raises(SystemExit) as exit_info:
        train(data, run, "--classes", "a")
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        exit_info.value.code == 2 and len(err) == 1 and "No space left on device" in err[0] and "--resume" in err[0]
    ), err
    assert checkpoint.checkpoint_epochs(run, "a") == [2]
    monkeypatch.undo()
    main(["train", "--resume", str(run)])
    assert_same_run(run, reference, classes=["a"])


def test_damaged_newest_checkpoint_falls_back_to_the_one_before(data, tmp_path, capsys):
    reference = tmp_path / "reference"
    train(data, reference, "--set", "keep_checkpoints=0")
    assert checkpoint.checkpoint_epochs(reference, "b") == [2, 4], "keep_checkpoints=0 keeps them all"
    run = tmp_path / "run"
    shutil.copytree(reference, run)
    (run / "b" / "generator.keras").unlink()  # b did not finish
    newest, older = checkpoint.checkpoint_path(run, "b", 4), checkpoint.checkpoint_path(run, "b", 2)
    newest.write_bytes(newest.read_bytes()[:1000])
    good = older.read_bytes()
    older.write_bytes(b"not a checkpoint")
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--resume", str(run)])
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        exit_info.value.code == 2
        and err[-1].startswith("error: no usable checkpoint of b")
        and str(run / "checkpoints") in err[-1]
    )
    older.write_bytes(good)
    main(["train", "--resume", str(run)])
    captured = capsys.readouterr()
    assert "[a] already trained, skipped" in captured.out and "[b] resuming after epoch 2" in captured.out
    assert f"cannot read checkpoint {newest}" in captured.err
    assert_same_run(run, reference)


def test_killed_between_the_last_models_and_checkpoint_trains_the_last_epochs_again(data, reference, tmp_path, capsys):
    """kill -9 after the last epoch's models and history were written, before its checkpoint:
    the GAN is not taken for finished."""
    run = tmp_path / "run"
    train(data, run, "--set", "keep_checkpoints=0")
    checkpoint.checkpoint_path(run, "b", 4).unlink()
    main(["train", "--resume", str(run)])
    out = capsys.readouterr().out
    assert "[a] already trained, skipped" in out and "[b] resuming after epoch 2" in out
    assert_same_run(run, reference)


def unfinish(run, name):
    """Make GAN `name` of a finished run look stopped at its last checkpoint: no saved models, a
    checkpoint that holds all its weights."""
    path = checkpoint.checkpoint_path(run, name, checkpoint.checkpoint_epochs(run, name)[-1])
    last = checkpoint.read_checkpoint(path)
    checkpoint.save_file(path, {**last["meta"], "weights": {}}, last["state"], last["benchmark"])
    for network in ("generator", "discriminator"):
        (run / name / f"{network}.keras").unlink()


def test_changed_training_images_stop_the_resume(data, reference, tmp_path, capsys):
    run, moved = tmp_path / "run", tmp_path / "moved-data"
    shutil.copytree(reference, run)
    shutil.copytree(data, moved)
    unfinish(run, "b")
    image = cv2.imread(str(moved / "b" / "b_000.png"), cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(str(moved / "b" / "b_000.png"), 255 - image)
    before = sorted(p.name for p in (run / "b").iterdir())
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--resume", str(run), "--data-dir", str(moved)])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2 and "the training images of 'b' changed" in err[-1], err
    assert sorted(p.name for p in (run / "b").iterdir()) == before


def test_resume_with_more_epochs_keeps_the_learning_rate_decay(run_a, tmp_path):
    """--epochs extends a run; the decay stays lr / 4 (the original epochs) and goes on from update 8."""
    from pyimagesearch_gan import runs

    run = tmp_path / "run"
    shutil.copytree(run_a, run)
    main(["train", "--resume", str(run), "--epochs", "5"])
    cfg = runs.read_config(run / "config.json")
    assert (cfg.epochs, cfg.decay_epochs) == (5, 4)
    assert cfg.optimizer_decay(cfg.d_lr) == cfg.d_lr / 4  # what make_optimizer's InverseTimeDecay gets
    final = checkpoint.read_checkpoint(checkpoint.checkpoint_path(run, "a", 5))
    assert int(final["state"]["d_optimizer"][0]) == 10 and [r["epoch"] for r in final["meta"]["history"]] == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert history(run / "a")[:4] == history(run_a / "a")
    # The finished run's last checkpoint, now pruned, left epoch 4's generator behind.
    assert checkpoint.snapshot_epochs(run, "a") == [2, 4] and checkpoint.checkpoint_epochs(run, "a") == [5]
    four = checkpoint.read_checkpoint(checkpoint.snapshot_path(run, "a", 4))["state"]["generator"]
    saved = keras.models.load_model(run_a / "a" / "generator.keras").get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(four, saved))
    assert final["meta"]["weights"]["generator"]["file"] == "a/generator.keras"


@pytest.mark.slow
def test_extended_run_equals_a_run_planned_that_long(data, run_a, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(run_a, run)
    main(["train", "--resume", str(run), "--epochs", "5"])
    train(data, tmp_path / "planned", "--classes", "a", "--epochs", "5", "--set", "decay_epochs=4")
    assert_same_run(run, tmp_path / "planned", classes=["a"])


def test_sigterm_asks_for_a_clean_stop_like_ctrl_c():
    with stopping.StopRequest() as stop:
        assert not stop.requested
        signal.raise_signal(signal.SIGTERM)
        assert stop.requested and stop.exit_code == 143
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, "a second SIGTERM ends the process at once"
    assert signal.getsignal(signal.SIGTERM) == stop.previous[signal.SIGTERM], "the handlers from before are back"


def test_adaptive_augmentation_resumes_bit_exact_and_is_shown(data, tmp_path, monkeypatch, capsys):
    """ADA's probability is training state: an interrupted run resumes to the same p, weights and
    montages; history.json and loss.png show p and r_t; config.json keeps the settings."""
    ada = ["--diffaugment", "color,translation,cutout", "--ada-target", "0.1", "--set", "ada_kimg=0.032"]
    train(data, tmp_path / "straight", *ada)
    run = tmp_path / "run"
    interrupt_at(monkeypatch, epoch=2, batch=1)
    with pytest.raises(SystemExit):
        train(data, run, *ada)
    monkeypatch.undo()
    main(["train", "--resume", str(run)])
    assert_same_run(run, tmp_path / "straight")
    cfg = json.loads((run / "config.json").read_text())
    assert (cfg["ada_target"], cfg["ada_kimg"], cfg["diffaugment"]) == (0.1, 0.032, "color,translation,cutout")
    records = history(run / "a")
    assert all(0.0 <= r["ada_p"] <= 1.0 and -1.0 <= r["ada_rt"] <= 1.0 for r in records)
    assert any(r["ada_p"] > 0 for r in records), "p moved (0.25 per batch of 8 at this speed)"
    plot = cv2.imread(str(run / "a" / "loss.png"))
    assert plot.shape[1] > 2 * plot.shape[0], "a second panel with ADA's p and r_t"
