"""The fast paths compute what the book computes: the compiled step against the book loop,
concurrent class GANs against one-after-another, the benchmark's files and FLOP count, and
the GPU paths (a one-device MirroredStrategy, two CPU replicas, mixed precision) on CPU.
"""

import contextlib
import dataclasses
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf

from pyimagesearch_gan.commands import build_parser, main
from pyimagesearch_gan.commands.train import train_overrides
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.models import book, get_family, mlp
from pyimagesearch_gan.speed import bench
from pyimagesearch_gan.speed.book_loop import BookLoop, book_run, clone_pair
from pyimagesearch_gan.training import accel
from pyimagesearch_gan.training import monitor as monitor_module
from pyimagesearch_gan.training.class_gans import ClassGANs, joint_dataset, schedule
from pyimagesearch_gan.training.fused import FusedClassGANs, why_not_fused
from pyimagesearch_gan.training.gan import GAN
from pyimagesearch_gan.training.monitor import LossPlot, Monitor
from pyimagesearch_gan.training.plan import Job, grouping
from pyimagesearch_gan.training.stopping import Interrupted
from pyimagesearch_gan.training.trainer import build_gan, group_model, make_gan, make_optimizer, train_group
from pyimagesearch_gan.utils import xla_cache_flags

REPO = Path(__file__).resolve().parent.parent


def weights(model):
    return numpy(model.weights)


def numpy(variables):
    return [keras.ops.convert_to_numpy(v) for v in variables]


def all_changed(before, model):
    return all(not np.array_equal(b, a) for b, a in zip(before, weights(model)))


def none_changed(before, model):
    return all(np.array_equal(b, a) for b, a in zip(before, weights(model)))


class InjectedNoise(GAN):
    """The project's step with the noise handed in (test only): the book loop gets the same."""

    queue = []

    def sample_noise(self, n):
        return self.queue.pop(0)


@pytest.mark.parametrize("jit_compile", [False, "auto"])
def test_project_step_matches_the_book_loop(small_cfg, jit_compile):
    keras.utils.set_random_seed(3)
    generator, discriminator = book.build(small_cfg.options().model, 0)
    book_g, book_d = clone_pair(generator, discriminator)
    rng = np.random.default_rng(0)
    steps, n = 4, small_cfg.batch_size
    noise = [rng.uniform(-1, 1, (n, 100)).astype("float32") for _ in range(2 * steps)]  # D's, then G's, per step
    reals = [rng.uniform(-1, 1, (n, 28, 28, 1)).astype("float32") for _ in range(steps)]
    gan = InjectedNoise(generator, discriminator, noise_dim=small_cfg.noise_dim, seed=small_cfg.seed)
    gan.compile(
        d_optimizer=make_optimizer(small_cfg.options().optimizers, "d"),
        g_optimizer=make_optimizer(small_cfg.options().optimizers, "g"),
        jit_compile=jit_compile,
    )
    InjectedNoise.queue = list(noise)
    book_noise = list(noise)
    loop = BookLoop(
        book_g,
        book_d,
        d_optimizer=make_optimizer(small_cfg.options().optimizers, "d"),
        g_optimizer=make_optimizer(small_cfg.options().optimizers, "g"),
        noise=lambda k: book_noise.pop(0),
    )
    d_before, g_before = weights(book_d), weights(book_g)
    ours, theirs = [], []
    for real in reals:
        result = gan.step(tf.constant(real))
        ours.append((float(result["d_loss"]), float(result["gan_loss"])))
        theirs.append(loop.step(real))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert all_changed(d_before, book_d), "the book loop must really train D under Keras 3"
    assert all_changed(g_before, book_g)
    for mine, reference in zip(
        gan.generator.get_weights() + gan.discriminator.get_weights(), book_g.get_weights() + book_d.get_weights()
    ):
        np.testing.assert_allclose(mine, reference, rtol=1e-4, atol=1e-6)


def test_book_loop_d_step_leaves_g_alone_and_g_step_leaves_d_alone(small_cfg):
    keras.utils.set_random_seed(4)
    generator, discriminator = book.build(small_cfg.options().model, 0)
    loop = BookLoop(
        generator,
        discriminator,
        d_optimizer=make_optimizer(small_cfg.options().optimizers, "d"),
        g_optimizer=make_optimizer(small_cfg.options().optimizers, "g"),
        seed=small_cfg.seed,
    )
    real = np.random.default_rng(1).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    loop.step(real)  # traces both train functions with their variables
    g_before, d_before = weights(generator), weights(discriminator)
    loop.discriminator.trainable = True
    loop.discriminator.train_on_batch(np.concatenate([real, real]), np.r_[np.ones(8), np.zeros(8)])
    assert all_changed(d_before, discriminator) and none_changed(g_before, generator)
    g_before, d_before = weights(generator), weights(discriminator)
    loop.discriminator.trainable = False
    loop.gan.train_on_batch(np.random.uniform(-1, 1, (8, 100)), np.ones(8))
    assert none_changed(d_before, discriminator)
    assert not none_changed(g_before, generator)


def jobs_for(tmp_path, classes=2, count=24, size=28, counts=None):
    rng = np.random.default_rng(5)
    jobs = []
    for index, count in enumerate(counts or [count] * classes):
        folder = tmp_path / f"class{index}"
        folder.mkdir(parents=True)
        jobs.append(
            Job(
                index,
                f"class{index}",
                rng.integers(0, 256, (count, size, size, 1), dtype=np.uint8),
                None,
                [f"class{index}"],
                folder,
            )
        )
    return jobs


@pytest.mark.parametrize(
    "overrides",
    [{}, {"family": "mlp", "model": {"alpha": 1}, "g_steps": 2, "d_batch": "separate", "diffaugment": "translation"}],
    ids=["book", "mlp-dropout-diffaugment"],
)
def test_concurrent_and_fused_classes_train_exactly_like_sequential(small_cfg, tmp_path, overrides):
    """Two classes, 2 epochs: one after another, in the joint step (with their own XLA updates and
    with the one update a run's classes share), fused, and (book) fused stopped in epoch 2 and
    resumed from its checkpoint; every way ends with the same states."""
    results = {}
    ways = ["sequential", "concurrent", "concurrent, shared update", "fused"] + (
        ["fused, resumed"] if not overrides else []
    )
    for way in ways:
        cfg = small_cfg.with_overrides(
            {"epochs": 2, "concurrent": way != "sequential", "fuse": "fused" in way, "checkpoint_every": 1, **overrides}
        )
        jobs = jobs_for(tmp_path / way)
        groups, _ = grouping(cfg, jobs)
        assert len(groups) == (2 if way == "sequential" else 1)
        if way == "fused, resumed":
            stop = StopAt(epoch=1, batch=1)
            stop.steps = 3
            with pytest.raises(Interrupted, match="interrupted at epoch 2 step 1 of 2 classes"):
                train_group(cfg.options(), get_family(cfg.family), jobs, run_dir=tmp_path / way, stop=stop)
        gans = []
        with accel.shared_updates() if "shared" in way else contextlib.nullcontext():
            for group in groups:
                gans += train_group(
                    cfg.options(), get_family(cfg.family), group, run_dir=tmp_path / way, resume="resumed" in way
                )
        shared = gans[0].d_update.compiled is gans[1].d_update.compiled
        assert shared == ("shared" in way) and gans[0].g_update.compiled is not gans[0].d_update.compiled
        if "fused" in way:
            assert isinstance(group_model(cfg.options(), gans, ["a", "b"], [3, 3]), FusedClassGANs)
        histories = [json.loads((job.folder / "history.json").read_text()) for job in jobs]
        assert all((job.folder / "epoch_0002.png").is_file() and (job.folder / "loss.png").is_file() for job in jobs)
        results[way] = (
            [[(r["d_loss"], r["gan_loss"]) for r in h] for h in histories],
            [weights(gan.generator) + weights(gan.discriminator) + numpy(gan.d_optimizer.variables) for gan in gans],
        )
    sequential = results["sequential"]
    assert sequential[0][0] != sequential[0][1], "each class has its own models and noise"
    for way in ways[1:]:
        np.testing.assert_allclose(results[way][0], sequential[0], rtol=1e-5)
        for mine, reference in zip(results[way][1], sequential[1]):
            for a, b in zip(mine, reference):
                np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_fused_updates_move_only_their_network_and_every_class(small_cfg, tmp_path):
    cfg = small_cfg.with_overrides({"concurrent": True, "fuse": True})
    jobs = jobs_for(tmp_path)
    gans = [build_gan(cfg.options(), get_family("book"), job) for job in jobs]
    fused = group_model(cfg.options(), gans, ["a", "b"], [3, 3])
    fused.load_classes()
    d_vars = [fused.stacked[i] for i in fused.updated["d"]]
    g_vars = [fused.stacked[i] for i in fused.updated["g"]]
    real = tf.random.uniform((2, 8, 28, 28, 1), -1, 1, seed=3)
    for network, moved, still in (("d", d_vars, g_vars), ("g", g_vars, d_vars)):
        before = [v.numpy() for v in fused.stacked]
        losses = fused.update(network, real)
        assert losses.shape == (2,) and np.isfinite(losses).all()
        for v, b in zip(fused.stacked, before):
            if any(v is m for m in moved):  # each class's slice moves
                assert all(not np.array_equal(v.numpy()[k], b[k]) for k in range(2)), v.name
            elif any(v is s for s in still):
                np.testing.assert_array_equal(v.numpy(), b)
    fused.store_classes()
    for k, gan in enumerate(gans):
        np.testing.assert_array_equal(gan.generator.trainable_variables[0].numpy(), g_vars[0].numpy()[k])
    assert int(gans[1].d_optimizer.iterations) == 1 and int(gans[1].g_optimizer.iterations) == 1


def test_fuse_falls_back_to_the_joint_step_and_says_why(small_cfg, tmp_path, capsys):
    cfg = small_cfg.with_overrides({"fuse": True})
    gans = [build_gan(cfg.options(), get_family("book"), job) for job in jobs_for(tmp_path, counts=[24, 40])]
    assert why_not_fused(cfg.options(), [3, 3], gans) is None
    assert why_not_fused(cfg.options(), [3, 5], gans) == "classes of different sizes"
    assert why_not_fused(cfg.with_overrides({"balance": True}).options(), [3, 3], gans) == "the balancing rule"
    sn = small_cfg.with_overrides(
        {"family": "dcgan", "image_size": 32, "model": {"ngf": 4, "ndf": 4, "spectral_norm": True}}
    )
    sn_gan = build_gan(sn.options(), get_family("dcgan"), jobs_for(tmp_path / "sn", classes=1, size=32)[0])
    assert "spectral" in why_not_fused(sn.options(), [3, 3], [sn_gan])
    assert isinstance(group_model(cfg.options(), gans, ["a", "b"], [3, 5]), ClassGANs)
    out = capsys.readouterr().out
    assert "[2 classes] --fuse is off for this run (classes of different sizes): one joint step instead" in out


class StopAt:
    """A stop request (as Ctrl-C makes) that comes before step `batch` of epoch `epoch` (0-based)."""

    exit_code = 130

    def __init__(self, epoch, batch):
        self.at, self.seen = (epoch, batch), -1

    @property
    def requested(self):
        self.seen += 1  # StopGuard asks once before every step
        return self.seen >= self.at[0] * self.steps + self.at[1]


@pytest.mark.parametrize(
    "counts, epochs, concurrent, strategy, joint, words",
    [
        ([40, 80, 160], 6, "auto", "default", False, "too few to pay"),  # 6 x (17 - 10) = 42 < 150 x 2
        ([40, 80, 160], 43, "auto", "default", True, "enough to pay"),  # 43 x 7 = 301 >= 300
        ([40, 80, 160], 6, True, "default", True, "--concurrent"),
        ([40, 80, 160], 500, False, "default", False, "--no-concurrent"),
        ([40, 80, 160], 500, "auto", "mirrored", False, "--strategy mirrored"),
        ([64, 64, 64], 1, "auto", "default", True, "joint step"),
    ],
)
def test_grouping_picks_the_joint_step_when_it_pays_and_says_why(
    small_cfg, tmp_path, counts, epochs, concurrent, strategy, joint, words
):
    cfg = small_cfg.with_overrides({"epochs": epochs, "batch_size": 16, "concurrent": concurrent, "strategy": strategy})
    groups, why = grouping(cfg, jobs_for(tmp_path, counts=counts))
    assert len(groups) == (1 if joint else len(counts))
    assert words in why and why.startswith("side by side" if joint else "one class after another"), why


def test_classes_of_different_sizes_train_jointly_exactly_like_alone(small_cfg, tmp_path, capsys):
    """40, 64 and 100 images at batch 8: 5, 8 and 12 steps per epoch in one joint step of 12,
    for 2 epochs, uninterrupted and stopped mid-epoch then resumed; each class ends as alone."""
    counts = [40, 64, 100]
    cfg = small_cfg.with_overrides({"epochs": 2, "checkpoint_every": 1})
    family = get_family("book")
    runs = {}
    for way in ("alone", "joint", "resumed"):
        jobs = jobs_for(tmp_path / way, counts=counts)
        groups, _ = grouping(cfg.with_overrides({"concurrent": way != "alone"}), jobs)
        assert len(groups) == (3 if way == "alone" else 1)
        if way == "resumed":
            stop = StopAt(epoch=1, batch=3)
            stop.steps = 12
            with pytest.raises(Interrupted, match="interrupted at epoch 2 step 3 of 3 classes"):
                train_group(cfg.options(), family, jobs, run_dir=tmp_path / way, stop=stop)
            assert [r["epoch"] for r in json.loads((jobs[0].folder / "history.json").read_text())] == [1]
        gans = [
            gan
            for group in groups
            for gan in train_group(cfg.options(), family, group, run_dir=tmp_path / way, resume=way == "resumed")
        ]
        histories = [json.loads((job.folder / "history.json").read_text()) for job in jobs]
        assert all((job.folder / "epoch_0002.png").is_file() for job in jobs)
        runs[way] = (
            [[(r["epoch"], r["d_loss"], r["gan_loss"]) for r in h] for h in histories],
            [weights(gan.generator) + weights(gan.discriminator) for gan in gans],
            [int(gan.d_optimizer.iterations) for gan in gans],
        )
    out = capsys.readouterr().out
    assert "[3 classes] one joint step for classes of 5 to 12 steps per epoch" in out
    alone = runs["alone"]
    assert alone[2] == [10, 16, 24], "every class does its own epochs: 2 x its steps updates"
    for way in ("joint", "resumed"):
        assert runs[way][2] == alone[2]
        np.testing.assert_allclose(runs[way][0], alone[0], rtol=1e-5)
        for mine, reference in zip(runs[way][1], alone[1]):
            for a, b in zip(mine, reference):
                np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_joint_schedule_spreads_each_class_over_the_longest_epoch():
    for steps, total in ((5, 12), (1, 18), (17, 18), (18, 18), (2, 3)):
        active = schedule(steps, total)
        assert len(active) == total and sum(active) == steps
    assert schedule(2, 18) == [i in (4, 13) for i in range(18)]
    assert all(schedule(18, 18))
    batches = tf.data.Dataset.range(100).batch(2, drop_remainder=True)  # a class pipeline: batches (0, 1), (2, 3), ...
    elements = list(joint_dataset([batches, batches.map(lambda b: b + 1000)], [3, 1]).take(6).as_numpy_iterator())
    big = [(batch.tolist(), flags.tolist()) for (batch, flags), _ in elements]
    small = [(batch.tolist(), flags.tolist()) for _, (batch, flags) in elements]
    assert big == [([2 * i, 2 * i + 1], [True, True]) for i in range(6)]
    idle = ([0, 0], [False, False])
    assert small == [idle, ([1000, 1001], [True, True]), idle, idle, ([1002, 1003], [True, True]), idle]


def test_step_flops_follow_the_layer_shapes():
    generator, discriminator = book.build_generator(), book.build_discriminator()
    g = [macs for _, macs in bench.mac_layers(generator)]
    d = [macs for _, macs in bench.mac_layers(discriminator)]
    assert g == [100 * 512, 512 * 7 * 7 * 64, 7 * 7 * 25 * 64 * 32, 14 * 14 * 25 * 32 * 1]
    assert d == [14 * 14 * 25 * 1 * 32, 7 * 7 * 25 * 32 * 64, 3136 * 512, 512]
    d_update = sum(g) + 2 * (3 * sum(d) - d[0])  # G forward; D forward, weight and input grads on 2 images
    g_update = 3 * sum(g) - g[0] + 2 * sum(d)  # G forward, weight, input grads; D forward, input grads
    assert bench.step_flops(generator, discriminator, 16) == 2 * 16 * (d_update + g_update)
    assert bench.step_flops(generator, discriminator, 1, g_steps=2) == 2 * (d_update + 2 * g_update)


def test_matmul_peak_split_into_row_blocks_is_the_same_product_rate():
    """With one thread per op the peak is measured as side-by-side row blocks; both ways time
    the same 2n^3 FLOPs, so neither can be zero or absurdly high."""
    one, split = (
        bench.matmul_gflops(sizes=(256,), repeats=2),
        bench.matmul_gflops(sizes=(256,), repeats=2, threads_per_op=1),
    )
    assert 0 < one < 1e5 and 0 < split < 1e5
    assert bench.row_blocks(2048, 3) == [683, 683, 682] and bench.row_blocks(4096, 2) == [2048, 2048]


def test_bench_quick_writes_json_and_markdown(tmp_path, capsys):
    output = tmp_path / "bench"
    main(["bench", "--quick", "--data-dir", str(tmp_path / "no-data"), "--output", str(output)])
    results = json.loads((output / "bench.json").read_text())
    modes = [row["mode"] for row in results["rows"]]
    assert modes == ["book", "step", "concurrent"]
    for row in results["rows"]:
        assert row["ms_per_step"] > 0 and row["images_per_s"] > 0 and 0 < row["fraction_of_matmul"]
        assert row["gflop_per_step"] == pytest.approx(row["classes_per_step"] * 4 * 0.10219776)
    assert results["matmul_gflops"] > 0 and "random images" in results["data"]
    startup = results["startup"]
    assert startup["classes"] == 2 and startup["batch_size"] == 4
    parts = [startup[k] for k in ("import_s", "data_s", "build_s", "first_step_s")]
    assert all(part > 0 for part in parts) and startup["total_s"] == pytest.approx(sum(parts))
    pipeline = results["pipeline"][0]
    assert pipeline["images_per_s"] > 0 and pipeline["ratio"] == pytest.approx(
        pipeline["images_per_s"] / pipeline["training_images_per_s"]
    )
    table = (output / "bench.md").read_text()
    assert (
        "| mode | batch | XLA | ms/step" in table and "| concurrent | 4 | auto |" in table and "input pipeline" in table
    )
    assert "| start-up, 2 classes in one joint step, batch 4 | import | data |" in table
    assert table in capsys.readouterr().out


def test_bench_fuse_times_the_fused_classes_where_the_joint_step_is_timed(tmp_path, capsys):
    output = tmp_path / "bench"
    main(
        [
            "bench",
            "--quick",
            "--fuse",
            "--modes",
            "concurrent",
            "--data-dir",
            str(tmp_path / "no"),
            "--output",
            str(output),
        ]
    )
    results = json.loads((output / "bench.json").read_text())
    assert [row["mode"] for row in results["rows"]] == ["fused"] and results["rows"][0]["classes_per_step"] == 2
    assert results["startup"]["fused"] and results["startup"]["first_step_s"] > 0
    assert "| start-up, 2 classes fused, batch 4 | import |" in (output / "bench.md").read_text()


def test_xla_compilation_cache_flags(tmp_path):
    folder = tmp_path / "xla"
    assert xla_cache_flags({"PYIMAGESEARCH_GAN_XLA_CACHE": str(folder)}) == (
        f"--tf_xla_persistent_cache_directory={folder}"
    )
    assert folder.is_dir()
    assert xla_cache_flags({"XDG_CACHE_HOME": str(tmp_path / "c"), "TF_XLA_FLAGS": "--x=1"}) == (
        f"--x=1 --tf_xla_persistent_cache_directory={tmp_path / 'c' / 'pyimagesearch-gan' / 'xla'}"
    )
    assert xla_cache_flags({"PYIMAGESEARCH_GAN_XLA_CACHE": "off", "TF_XLA_FLAGS": "--x=1"}) == "--x=1"
    mine = "--tf_xla_persistent_cache_directory=/elsewhere"
    assert xla_cache_flags({"TF_XLA_FLAGS": mine, "PYIMAGESEARCH_GAN_XLA_CACHE": str(folder)}) == mine
    (tmp_path / "file").write_text("not a folder")
    assert xla_cache_flags({"PYIMAGESEARCH_GAN_XLA_CACHE": str(tmp_path / "file" / "xla")}) == ""


def test_bench_times_whole_runs_against_the_books_script(tmp_path, write_image_tree, capsys, monkeypatch):
    from pyimagesearch_gan.data import NEU_CLASSES

    monkeypatch.setenv("PYIMAGESEARCH_GAN_XLA_CACHE", str(tmp_path / "xla"))
    write_image_tree(tmp_path / "data" / "neu", classes=NEU_CLASSES, count=16)
    output = tmp_path / "bench"
    main(
        ["bench", "--modes", "run", "--classes", "2", "--run-epochs", "1", "--batch-sizes", "16"]
        + ["--data-dir", str(tmp_path / "data"), "--output", str(output)]
    )
    results = json.loads((output / "bench.json").read_text())
    assert results["rows"] == [] and results["pipeline"] == []
    book, train = results["runs"]["book"], results["runs"]["train"]
    assert book["seconds"] > 0 and train["seconds"] > train["startup_s"] > 0
    assert 0 < book["disk_mb"] < train["disk_mb"], "train also writes checkpoints, the report and both models"
    table = (output / "bench.md").read_text()
    assert "| whole run, 2 classes x 1 epochs, a new process each | wall time |" in table
    assert f"{book['seconds'] / train['seconds']:.1f}x |" in table and "| mode | batch |" not in table
    assert table in capsys.readouterr().out
    assert list((tmp_path / "xla").glob("*.pb")), "the train process cached what XLA compiled"


def test_book_script_writes_a_montage_per_epoch_the_loss_plot_and_the_models(tmp_path):
    from pyimagesearch_gan.presets import get_preset

    cfg = get_preset("neu-dcgan").with_overrides({"batch_size": 8})
    rng = np.random.default_rng(0)
    book_run(cfg, [rng.integers(0, 256, (16, 28, 28, 1), dtype="uint8") for _ in range(2)], tmp_path, epochs=2)
    for c in ("0", "1"):
        names = sorted(p.name for p in (tmp_path / c).iterdir())
        assert names == ["epoch_0001.png", "epoch_0002.png", "generator.keras", "loss.png"]
        assert cv2.imread(str(tmp_path / c / "epoch_0002.png")).shape == (16 * 28, 16 * 28, 3)
    assert keras.models.load_model(tmp_path / "1" / "generator.keras").output_shape == (None, 28, 28, 1)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--batch-sizes", "16,x"], "--batch-sizes"),
        (["--run-epochs", "0"], "--run-epochs"),
        (["--modes", "book,fast"], "--modes"),
        (["--xla", "maybe"], "--xla"),
        (["--repeats", "0"], "--repeats"),
    ],
)
def test_bench_bad_flags_are_one_line(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--output", str(tmp_path / "b"), *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2 and len(err) == 1 and message in err[0]
    assert not (tmp_path / "b").exists()


def test_speed_flags_reach_the_config():
    args = build_parser().parse_args(
        [
            "train",
            "--no-concurrent",
            "--strategy",
            "mirrored",
            "--mixed-precision",
            "--steps-per-execution",
            "6",
            "--jit-compile",
            "on",
            "--intra-op-threads",
            "2",
        ]
    )
    assert train_overrides(args) == {
        "concurrent": False,
        "strategy": "mirrored",
        "mixed_precision": True,
        "steps_per_execution": 6,
        "jit_compile": True,
        "intra_op_threads": 2,
    }
    assert train_overrides(build_parser().parse_args(["train"])) == {}


def test_threads_one_per_op_only_for_concurrent_classes_on_cpu(small_cfg):
    cpu = not tf.config.list_physical_devices("GPU")
    assert accel.intra_op_threads(small_cfg.options().devices, concurrent=True) == (1 if cpu else 0)
    assert accel.intra_op_threads(small_cfg.options().devices, concurrent=False) == 0, (
        "a single GAN keeps TensorFlow's pools"
    )
    assert (
        accel.intra_op_threads(small_cfg.with_overrides({"intra_op_threads": 3}).options().devices, concurrent=False)
        == 3
    )
    with pytest.raises(UserError, match="--intra-op-threads -1"):
        accel.intra_op_threads(small_cfg.with_overrides({"intra_op_threads": -1}).options().devices, concurrent=True)


def test_auto_jit_compiles_only_the_optimizer_updates_with_xla(small_cfg):
    gan = make_gan(small_cfg.options(), *book.build(small_cfg.options().model, 0), jit_compile="auto")
    assert gan.d_update.compiled.function_spec and gan.d_update.compiled._jit_compile is True
    assert gan.jit_compile is bool(tf.config.list_physical_devices("GPU")), "the step itself: Keras' auto"
    gan = make_gan(small_cfg.options(), *book.build(small_cfg.options().model, 0), jit_compile=False)
    assert not hasattr(gan.d_update, "compiled") and gan.jit_compile is False


def test_a_runs_class_gans_share_one_xla_update_and_nothing_after_the_run_uses_it(small_cfg):
    def make():
        return make_gan(small_cfg.options(), *book.build(small_cfg.options().model, 0), jit_compile="auto")

    with accel.shared_updates():
        a, b = make(), make()
        other = make_gan(small_cfg.options(), *mlp.build(small_cfg.options().model, 0), jit_compile="auto")
    assert a.d_update.compiled is b.d_update.compiled and a.g_update.compiled is b.g_update.compiled
    assert other.d_update.compiled is not a.d_update.compiled, "other shapes: another update"
    after = make()
    assert after.d_update.compiled is not a.d_update.compiled and not after.d_update.compiled.shared
    assert accel.SHARED_UPDATES is None


def test_one_device_mirrored_strategy_trains_both_networks(small_cfg, tmp_path):
    cfg = small_cfg.with_overrides({"strategy": "mirrored"})
    gan = build_gan(cfg.options(), get_family("book"), jobs_for(tmp_path, classes=1)[0])
    assert isinstance(gan.distribute_strategy, tf.distribute.MirroredStrategy)
    assert isinstance(gan.generator.weights[0].value, tf.distribute.DistributedValues)
    d_before, g_before = weights(gan.discriminator), weights(gan.generator)
    real = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    history = gan.fit(tf.data.Dataset.from_tensor_slices(real).batch(8), epochs=1, verbose=0, shuffle=False)
    assert all_changed(d_before, gan.discriminator) and not none_changed(g_before, gan.generator)
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["gan_loss"][0])


def test_mixed_precision_builds_float16_layers_float32_outputs_and_steps(small_cfg, tmp_path):
    cfg = small_cfg.with_overrides({"mixed_precision": True, "batch_size": 2})
    gan = build_gan(cfg.options(), get_family("book"), jobs_for(tmp_path, classes=1)[0])
    assert keras.mixed_precision.dtype_policy().name == "float32", "the global policy is put back"
    assert gan.generator.layers[0].compute_dtype == "float16" and gan.generator.layers[0].kernel.dtype == "float32"
    assert (
        gan.generator.layers[-1].compute_dtype == "float32" and gan.discriminator.layers[-1].compute_dtype == "float32"
    )
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    d_before, g_before = weights(gan.discriminator), weights(gan.generator)
    result = gan.step(tf.zeros((2, 28, 28, 1)))  # eager: float16 kernels are slow on CPU
    assert np.isfinite(float(result["d_loss"])) and np.isfinite(float(result["gan_loss"]))
    assert all_changed(d_before, gan.discriminator) and not none_changed(g_before, gan.generator)


TWO_REPLICAS = """
import json, sys
import numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from pyimagesearch_gan.models import book
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.training.gan import GAN, book_adam

cfg = get_preset("neu-dcgan").with_overrides({"batch_size": 8, "seed": 2})
real = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
out = {}
two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
for name, strategy in (("one", tf.distribute.get_strategy()), ("two", two)):
    with strategy.scope():
        keras.utils.set_random_seed(2)
        generator, discriminator = book.build(cfg.options().model, 0)
        gan = GAN(generator, discriminator, seed=cfg.seed)
        # SGD for D: a wrongly scaled gradient shows in the update
        gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=book_adam(cfg.g_lr), jit_compile=False)
    history = gan.fit(tf.data.Dataset.from_tensors(real), epochs=1, verbose=0, shuffle=False)
    out[name] = {"replicas": strategy.num_replicas_in_sync, "d_loss": history.history["d_loss"][0],
                 "d_weights": [np.asarray(w).ravel()[:50].tolist() for w in discriminator.get_weights()]}
json.dump(out, sys.stdout)
"""


def test_two_cpu_replicas_split_the_batch_and_match_one_device():
    """Two logical CPUs as two replicas: same noise (sliced), gradient of the global mean."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(TWO_REPLICAS)], capture_output=True, text=True, timeout=300, cwd=REPO
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["one"]["replicas"] == 1 and out["two"]["replicas"] == 2
    assert out["two"]["d_loss"] == pytest.approx(out["one"]["d_loss"], rel=1e-5)
    for one, two in zip(out["one"]["d_weights"], out["two"]["d_weights"]):
        np.testing.assert_allclose(two, one, rtol=1e-4, atol=1e-6)


def test_loss_plot_is_reused_and_follows_the_history(tmp_path):
    import cv2

    plot = LossPlot("test")
    history = [{"epoch": e, "d_loss": 0.5 + 0.1 * e, "gan_loss": 1.0 - 0.1 * e} for e in range(1, 4)]
    plot.write(history[:2], tmp_path / "a.png")
    figure = plot.figure
    plot.write(history, tmp_path / "b.png")
    assert plot.figure is figure
    a, b = cv2.imread(str(tmp_path / "a.png")), cv2.imread(str(tmp_path / "b.png"))
    assert a.shape == b.shape == (320, 480, 3) and not np.array_equal(a, b)
    plot.write([dict(r, acc_real=0.5, acc_fake=0.6) for r in history], tmp_path / "c.png")
    assert plot.figure is not figure and cv2.imread(str(tmp_path / "c.png")).shape == (320, 960, 3)


def test_history_and_loss_plot_are_written_with_montages_checkpoints_and_at_the_end(small_cfg, tmp_path, monkeypatch):
    """Short epochs: no history.json or loss.png between montage and checkpoint epochs, the
    loss plot at most every PLOT_GAP times its drawing time; both files complete after a stop."""
    gan = make_gan(small_cfg.options(), *book.build(small_cfg.options().model, 0))
    monitor = Monitor(
        gan, tmp_path, np.zeros((4, 28, 28, 1), "uint8"), num_benchmark=4, every=3, epochs=8, checkpoint_every=4
    )
    saved, plotted = [], []
    write_json, write_plot = monitor_module.write_json, Monitor.write_plot
    monkeypatch.setattr(
        monitor_module, "write_json", lambda path, h: saved.append(h[-1]["epoch"]) or write_json(path, h)
    )
    monkeypatch.setattr(Monitor, "write_plot", lambda self, h: plotted.append(h[-1]["epoch"]) or write_plot(self, h))
    monkeypatch.setattr(Monitor, "PLOT_GAP", 1e9)  # after the first drawing, only the final one
    for epoch in range(7):  # then a stop before epoch 8 ends
        monitor.on_epoch_begin(epoch)
        monitor.on_epoch_end(epoch, {"d_loss": 0.5, "gan_loss": 1.0 + epoch})
    monitor.wait_writes()
    assert saved == [3, 4, 6] and plotted == [3]
    assert sorted(p.name for p in tmp_path.glob("epoch_*.png")) == ["epoch_0003.png", "epoch_0006.png"]
    monitor.finish_writes()  # what training does on Ctrl-C, on errors and at the end
    assert saved == [3, 4, 6, 7] and plotted == [3, 7]
    history = json.loads((tmp_path / "history.json").read_text())
    assert [r["gan_loss"] for r in history] == [1.0 + e for e in range(7)] and (tmp_path / "loss.png").is_file()
    monitor.on_epoch_begin(7)
    monitor.on_epoch_end(7, {"d_loss": 0.5, "gan_loss": 8.0})  # the last epoch: montage, history and plot
    monitor.finish_writes()
    assert saved[-1] == plotted[-1] == 8 and (tmp_path / "epoch_0008.png").is_file()


def test_strategy_and_batch_errors_are_user_errors(small_cfg):
    from pyimagesearch_gan.errors import UserError

    with pytest.raises(UserError, match="--strategy"):
        small_cfg.with_overrides({"strategy": "tpu"})
    with pytest.raises(UserError, match="--steps-per-execution"):
        small_cfg.with_overrides({"steps_per_execution": 0})
    accel.check_strategy(
        dataclasses.replace(small_cfg, strategy="mirrored").options().devices, batch_size=7, balance=False
    )  # one replica: any batch
