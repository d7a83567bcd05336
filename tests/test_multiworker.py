"""`--strategy multiworker`: two worker processes on this machine train two class GANs together.

Every worker runs the same command with its own TF_CONFIG and its own `--output`. Both must
finish, worker 0's folder must hold the whole run, and the logged losses must be the global
batch's means: with one step per epoch, the first epoch's d_loss is the one-device run's (the
book discriminator has no BatchNorm and gets G's fakes in inference mode), while gan_loss only
comes close (G's BatchNorm statistics are per replica). Worker 1's folder holds the same run:
the same losses and discriminators (its generators keep their own BatchNorm moving statistics).
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from pyimagesearch_gan.commands import main
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.training import accel, checkpoints

REPO = Path(__file__).resolve().parent.parent
TIME_LIMIT = 80  # seconds for both workers, start to finish: the guard against a hung cluster
WORKERS = 2
GAN_FILES = ("generator.keras", "discriminator.keras", "real.png", "epoch_0001.png", "epoch_0002.png", "loss.png")


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def train_args(tree, output, strategy):
    return [
        "train",
        "--dataset",
        "folder",
        "--data-dir",
        str(tree),
        "--classes",
        "a,b",
        "--epochs",
        "2",
        "--batch-size",
        "8",
        "--set",
        "num_benchmark=16",
        "--strategy",
        strategy,
        "--output",
        str(output),
    ]


def run_workers(tree, outputs, logs):
    """Start one worker per output folder; wait for all of them, at most TIME_LIMIT seconds in all."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(len(outputs))]}
    workers = []
    try:
        for index, (output, log) in enumerate(zip(outputs, logs)):
            task = {"cluster": cluster, "task": {"type": "worker", "index": index}}
            env = {**os.environ, "TF_CONFIG": json.dumps(task), "CUDA_VISIBLE_DEVICES": ""}
            command = [sys.executable, "-m", "pyimagesearch_gan", *train_args(tree, output, "multiworker")]
            with open(log, "w") as out:
                workers.append(subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO))
        deadline = time.monotonic() + TIME_LIMIT
        return [worker.wait(timeout=max(1, deadline - time.monotonic())) for worker in workers]
    except subprocess.TimeoutExpired:
        tails = "\n".join(Path(log).read_text()[-1500:] for log in logs)
        pytest.fail(f"the workers did not finish in {TIME_LIMIT} s:\n{tails}")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=30)


def history(run, gan):
    return json.loads((run / gan / "history.json").read_text())


def losses(run, gan):
    return [[record["d_loss"], record["gan_loss"]] for record in history(run, gan)]


def discriminator(run, gan):
    return checkpoints.read_checkpoint(run / "checkpoints" / gan / "ckpt_0002.npz")["state"]["discriminator"]


def test_two_workers_train_one_run_with_global_batch_losses(tmp_path, write_image_tree):
    tree = write_image_tree(tmp_path / "tree", classes=("a", "b"), count=8)  # batch 8: one step per epoch
    outputs = [tmp_path / f"worker_{i}" for i in range(WORKERS)]
    logs = [tmp_path / f"worker_{i}.log" for i in range(WORKERS)]
    codes = run_workers(tree, outputs, logs)
    assert codes == [0] * WORKERS, "\n".join(log.read_text()[-3000:] for log in logs)

    run, other = outputs
    assert (run / "config.json").is_file()
    for gan in ("a", "b"):
        assert [record["epoch"] for record in history(run, gan)] == [1, 2]
        for name in GAN_FILES:
            assert (run / gan / name).is_file(), f"{gan}/{name}"
        assert losses(other, gan) == losses(run, gan)
        for mine, theirs in zip(discriminator(run, gan), discriminator(other, gan), strict=True):
            np.testing.assert_array_equal(mine, theirs)

    main(train_args(tree, tmp_path / "one_device", "default"))
    for gan in ("a", "b"):
        one = losses(tmp_path / "one_device", gan)
        assert losses(run, gan)[0][0] == pytest.approx(one[0][0], rel=1e-5)
        np.testing.assert_allclose(losses(run, gan), one, rtol=0.05)


def test_steps_per_execution_needs_one_replica(small_cfg, monkeypatch):
    """Keras' loop of several steps per call fails under a strategy of several replicas."""
    monkeypatch.setattr(accel, "get_strategy", lambda name: SimpleNamespace(num_replicas_in_sync=2))
    accel.check_strategy(
        small_cfg.with_overrides({"strategy": "multiworker"}).options().devices,
        batch_size=small_cfg.batch_size,
        balance=False,
    )
    with pytest.raises(UserError, match="--steps-per-execution 1"):
        accel.check_strategy(
            small_cfg.with_overrides({"strategy": "multiworker", "steps_per_execution": 2}).options().devices,
            batch_size=small_cfg.batch_size,
            balance=False,
        )
