"""The speed benchmark: `pyimagesearch-gan bench` (also `python scripts/benchmark.py`).

In one process, on one model (the preset's, R0 by default) and the same data (the NEU
classes when the data folder has them, else random images of the same shape), it times:

- book: the book's loop (`BookLoop`: predict, NumPy shuffle, two `train_on_batch` calls),
- step: the project's compiled `GAN.train_step` driven by `fit`, with each XLA setting
  (off: none; auto, the default: XLA for the optimizer updates only on CPU, for the whole
  step on GPU; on: the whole step),
- concurrent: every class GAN in one compiled `ClassGANs` step, with each XLA setting (with
  `fuse`: the classes fused into one `FusedClassGANs` model instead, as `train --fuse`),
- pipeline: the tf.data input pipeline alone, against the images per second training eats,

- run (`--modes run`): whole runs of `run_epochs` epochs, each a new process as a user starts
  it, start-up and files included: the book's script (`book_loop.book_run`, class after
  class) and `pyimagesearch-gan train`, with their wall time and the disk they wrote,

at each batch size, and reports ms per step (for `concurrent`, one step trains every class),
real images per second, the model FLOPs a step needs and the fraction of this machine's
measured fp32 matmul throughput they reach. The first epoch (tracing, XLA compilation) is
excluded; a figure is the median over `repeats` epochs of `steps` steps.

Before all that, once, the start-up: what a training run spends before its first step, as
the trainer does it, with every class in one joint step at the first batch size: importing
TensorFlow and the package (from the package's import), reading the data, building and
compiling the models, and the first step (tracing the step, XLA-compiling the optimizer
updates), while nothing else in the process has traced or compiled a step yet.

FLOP convention (analytic, Dense/Conv/ConvTranspose layers only, 2 FLOPs per multiply-add):
a layer's forward pass costs F; its weight gradient F; its input gradient F, not needed for
a network's first layer when its input is data. The D update = G forward on bs noise + D
forward, weight and input gradients on 2*bs images; the G update = G and D forward on bs,
D input gradients (D is frozen: no weight gradients), G weight and input gradients.
The measured tables are in docs/speed.md.
"""

import dataclasses
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import pyimagesearch_gan
from pyimagesearch_gan.data import make_pipeline, steps_per_epoch, to_float
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import atomic_path, ensure_writable_dir, write_json
from pyimagesearch_gan.models import get_family
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.speed.book_loop import BookLoop
from pyimagesearch_gan.speed.settings import JIT, class_images, settings_from_args
from pyimagesearch_gan.training import accel
from pyimagesearch_gan.training.class_gans import joint_dataset
from pyimagesearch_gan.training.fused import FusedClassGANs
from pyimagesearch_gan.training.plan import Job
from pyimagesearch_gan.training.trainer import build_gan, group_model, make_optimizer
from pyimagesearch_gan.utils import Stopwatch

MAC_LAYERS = (keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
TRANSPOSED = (keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose)


# --- analytic FLOPs -------------------------------------------------------------------------
def mac_layers(model):
    """(layer, multiply-adds per sample) for every Dense/Conv/ConvTranspose layer, in order.

    Wrappers (e.g. SpectralNormalization) count as the layer they wrap; nested models recurse.
    """
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found += mac_layers(layer)
            continue
        inner = getattr(layer, "layer", layer)
        if not isinstance(inner, MAC_LAYERS + TRANSPOSED):
            continue
        kernel = tuple(inner.kernel.shape)
        if isinstance(inner, TRANSPOSED):  # kernel (k..., out, in): every input pixel scatters a k-window
            macs = np.prod(layer.input.shape[1:-1]) * np.prod(kernel)
        else:  # kernel (k..., in, out) or (in, out): every output position gathers a k-window
            macs = np.prod(layer.output.shape[1:-1]) * np.prod(kernel)
        found.append((layer, int(macs)))
    return found


def step_flops(generator, discriminator, batch_size, g_steps=1):
    """FLOPs of one GAN training step (one D update, `g_steps` G updates); see the module docstring."""
    g = [m for _, m in mac_layers(generator)]
    d = [m for _, m in mac_layers(discriminator)]
    g_fwd, d_fwd = sum(g), sum(d)
    d_update = g_fwd * batch_size + (3 * d_fwd - d[0]) * 2 * batch_size
    g_update = (g_fwd + d_fwd + d_fwd + g_fwd + g_fwd - g[0]) * batch_size
    return 2 * (d_update + g_steps * g_update)


def matmul_gflops(sizes=(2048, 4096), repeats=5, threads_per_op=0):
    """The machine's fp32 matmul throughput in GFLOP/s: the best of `repeats` n x n products
    for each n in `sizes` (the larger one runs closer to the peak on a few cores). With
    `threads_per_op` set (`--intra-op-threads`), the product is split into row blocks that run
    side by side, enough to use every core, so the figure stays the machine's."""
    blocks = -(-(os.cpu_count() or 1) // threads_per_op) if threads_per_op else 1
    matmul = tf.function(
        lambda x, y: tf.add_n(
            [tf.reduce_sum(tf.linalg.matmul(part, y)) for part in tf.split(x, row_blocks(x.shape[0], blocks))]
        )
    )
    best = 0.0
    for n in sizes:
        a = tf.random.uniform((n, n), dtype=tf.float32)
        b = tf.random.uniform((n, n), dtype=tf.float32)
        matmul(a, b).numpy()
        for _ in range(repeats):
            start = time.perf_counter()
            matmul(a, b).numpy()
            best = max(best, 2 * n**3 / (time.perf_counter() - start) / 1e9)
    return best


def row_blocks(n, blocks):
    """Sizes of `blocks` near-equal parts of n rows (any core count, not only divisors of n)."""
    return [n // blocks + (i < n % blocks) for i in range(blocks)]


# --- the things timed -----------------------------------------------------------------------
class EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.clock = Stopwatch()

    def on_epoch_begin(self, epoch, logs=None):
        self.clock.start()

    def on_epoch_end(self, epoch, logs=None):
        self.clock.stop()


def time_fit(model, dataset, steps, repeats):
    """Median seconds per step over `repeats` epochs of `steps` steps, after one warm-up epoch."""
    timer = EpochTimer()
    model.fit(dataset, epochs=repeats + 1, steps_per_epoch=steps, callbacks=[timer], verbose=0, shuffle=False)
    return float(np.median(timer.clock.times[1:])) / steps


def time_book(loop, images, batch_size, steps, repeats):
    """Median seconds per book step; the first two steps (tracing) are not counted."""
    batches = [np.take(images, range(i * batch_size, (i + 1) * batch_size), axis=0, mode="wrap") for i in range(steps)]
    loop.step(batches[0])
    loop.step(batches[1 % steps])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for batch in batches:
            loop.step(batch)
        times.append((time.perf_counter() - start) / steps)
    return float(np.median(times))


def time_pipeline(images, batch_size, seed, batches):
    """Images per second the tf.data pipeline delivers on its own (after a warm-up batch)."""
    iterator = iter(make_pipeline(images, batch_size, seed=seed))
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


# --- the benchmark --------------------------------------------------------------------------
def build_gans(cfg, family, per_class):
    """One GAN per class, built as the trainer builds them."""
    options = cfg.options()
    return [build_gan(options, family, Job(i, str(i), images, None, [str(i)])) for i, images in enumerate(per_class)]


def time_startup(cfg, family, per_class, batch_size):
    """(seconds to build and compile every class's GAN and their joint step, seconds of the
    first step): the trainer's start-up after its data is read, for `per_class`."""
    cfg = cfg.with_overrides({"batch_size": batch_size})
    start = time.perf_counter()
    gans = build_gans(cfg, family, per_class)
    steps = [steps_per_epoch(len(images), batch_size) for images in per_class]
    model = group_model(cfg.options(), gans, [str(i) for i in range(len(gans))], steps)
    built = time.perf_counter()
    pipelines = [make_pipeline(images, batch_size, seed=cfg.seed + i) for i, images in enumerate(per_class)]
    dataset = pipelines[0] if len(gans) == 1 else joint_dataset(pipelines, steps)
    model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0, shuffle=False)
    return built - start, time.perf_counter() - built


def bench_batch_size(cfg, family, per_class, settings, batch_size, peak):
    """The rows of one batch size: each mode, its ms/step, images/s, FLOPs and peak fraction."""
    cfg = cfg.with_overrides({"batch_size": batch_size})
    rows = []

    def row(mode, xla, seconds, gans_per_step, flops):
        rows.append(
            {
                "mode": mode,
                "batch_size": batch_size,
                "xla": xla,
                "classes_per_step": gans_per_step,
                "ms_per_step": 1e3 * seconds,
                "ms_per_class_step": 1e3 * seconds / gans_per_step,
                "images_per_s": gans_per_step * batch_size / seconds,
                "gflop_per_step": flops / 1e9,
                "gflop_per_s": flops / seconds / 1e9,
                "fraction_of_matmul": flops / seconds / 1e9 / peak,
            }
        )
        print(f"[bench] {mode:<10} batch {batch_size:<4} XLA {xla:<4}  {1e3 * seconds:8.1f} ms/step", flush=True)

    flops = step_flops(*family.build(cfg.options().model, 0), batch_size, cfg.g_steps)
    if "book" in settings.modes:
        keras.utils.set_random_seed(cfg.seed)
        generator, discriminator = family.build(cfg.options().model, 0)
        loop = BookLoop(
            generator,
            discriminator,
            d_optimizer=make_optimizer(cfg.options().optimizers, "d"),
            g_optimizer=make_optimizer(cfg.options().optimizers, "g"),
            noise_dim=cfg.noise_dim,
            seed=cfg.seed,
        )
        seconds = time_book(loop, to_float(per_class[0]), batch_size, settings.steps, settings.repeats)
        row("book", "off", seconds, 1, flops)
    for xla in settings.xla:
        xla_cfg = cfg.with_overrides({"jit_compile": JIT[xla]})
        if "step" in settings.modes:
            gan = build_gans(xla_cfg, family, per_class[:1])[0]
            seconds = time_fit(
                gan, make_pipeline(per_class[0], batch_size, seed=cfg.seed), settings.steps, settings.repeats
            )
            row("step", xla, seconds, 1, flops)
        if "concurrent" in settings.modes and len(per_class) > 1:
            gans = build_gans(xla_cfg, family, per_class)
            model = group_model(
                xla_cfg.options(), gans, [str(i) for i in range(len(gans))], [settings.steps] * len(gans)
            )
            dataset = tf.data.Dataset.zip(
                tuple(make_pipeline(images, batch_size, seed=cfg.seed + i) for i, images in enumerate(per_class))
            )
            seconds = time_fit(model, dataset, settings.steps, settings.repeats)
            mode = "fused" if isinstance(model, FusedClassGANs) else "concurrent"
            row(mode, xla, seconds, len(gans), len(gans) * flops)
    consumed = max(r["images_per_s"] for r in rows) if rows else 0.0
    delivered = time_pipeline(per_class[0], batch_size, cfg.seed, batches=max(50, 5 * settings.steps))
    print(f"[bench] pipeline   batch {batch_size:<4}          {delivered:8.0f} images/s", flush=True)
    pipeline = {
        "batch_size": batch_size,
        "images_per_s": delivered,
        "training_images_per_s": consumed,
        "ratio": delivered / consumed if consumed else None,
    }
    return rows, pipeline


def time_runs(settings):
    """Whole runs of the preset's first `classes` classes for `run_epochs` epochs, each started
    in a new process as a user starts it: the book's script, then `pyimagesearch-gan train`.
    Returns {name: {"seconds", "disk_mb", "startup_s" (train only)}}."""
    import re
    import subprocess
    import sys
    import tempfile

    data = ["--data-dir", str(settings.data_dir)] if settings.data_dir else []
    common = ["--preset", settings.preset, "--epochs", str(settings.run_epochs), *data]
    classes = ",".join(str(c) for c in range(settings.classes))
    commands = {
        "book": ["-m", "pyimagesearch_gan.speed.book_loop", *common, "--classes", str(settings.classes)],
        "train": ["-m", "pyimagesearch_gan", "train", *common, "--classes", classes, *(["--fuse"] * settings.fuse)],
    }
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-runs-") as tmp:
        for name, args in commands.items():
            output = Path(tmp) / name
            command = [sys.executable, *args, "--output", str(output)]
            print(f"[bench] run        {name}: {' '.join(command[1:])}", flush=True)
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            seconds = time.perf_counter() - start
            if done.returncode:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise UserError(f"bench --modes run: the {name} run failed ({last})")
            disk = sum(f.stat().st_size for f in output.rglob("*") if f.is_file()) / 1e6
            startup = re.search(r"start-up ([0-9.]+) s", done.stdout)
            runs[name] = {"seconds": seconds, "disk_mb": disk, "startup_s": float(startup[1]) if startup else None}
            print(f"[bench] run        {name}: {seconds:.1f} s, {disk:.0f} MB", flush=True)
    return runs


def speedups(rows):
    """Per row: how many times faster one class's step is than the book loop's step."""
    book = {r["batch_size"]: r["ms_per_step"] for r in rows if r["mode"] == "book"}
    for r in rows:
        r["speedup_vs_book"] = book[r["batch_size"]] / r["ms_per_class_step"] if r["batch_size"] in book else None


def run_bench(settings):
    """Run the benchmark; returns the results dict that `markdown` and the JSON file hold."""
    cfg = get_preset(settings.preset).with_overrides({"fuse": settings.fuse})
    family = get_family(cfg.family)
    if family.CONDITIONAL:
        raise UserError(
            f"bench times per-class (unconditional) GANs; preset '{settings.preset}' is conditional: choose "
            "e.g. --preset neu-dcgan"
        )
    imported = time.perf_counter() - pyimagesearch_gan.STARTED
    threads = accel.set_threads(
        cfg.with_overrides({"intra_op_threads": settings.intra_op_threads}).options().devices, concurrent=False
    )
    start = time.perf_counter()
    per_class, source = class_images(cfg, settings)
    startup = {
        "classes": len(per_class),
        "batch_size": settings.batch_sizes[0],
        "import_s": imported,
        "fused": settings.fuse,
    }
    startup["data_s"] = time.perf_counter() - start
    startup["build_s"], startup["first_step_s"] = time_startup(cfg, family, per_class, settings.batch_sizes[0])
    startup["total_s"] = imported + startup["data_s"] + startup["build_s"] + startup["first_step_s"]
    print(
        f"[bench] start-up   {startup['total_s']:.1f} s to the first step of {len(per_class)} classes "
        f"(import {imported:.1f}, data {startup['data_s']:.1f}, models {startup['build_s']:.1f}, "
        f"first step {startup['first_step_s']:.1f})",
        flush=True,
    )
    ticks = cpu_times()
    peak = matmul_gflops(threads_per_op=threads)
    print(f"[bench] data: {source}; fp32 matmul {peak:.0f} GFLOP/s; load average {os.getloadavg()[0]:.2f}", flush=True)
    rows, pipelines = [], []
    for batch_size in settings.batch_sizes if set(settings.modes) - {"run"} else ():
        r, p = bench_batch_size(cfg, family, per_class, settings, batch_size, peak)
        rows += r
        pipelines.append(p)
    speedups(rows)
    runs = time_runs(settings) if "run" in settings.modes else None
    return {
        "settings": dataclasses.asdict(settings),
        "model": f"{cfg.family} ({cfg.preset}), {cfg.image_size}x{cfg.image_size}x{cfg.channels}",
        "data": source,
        "machine": machine_description(),
        "load_average": os.getloadavg(),
        "steal_percent": steal_percent(ticks, cpu_times()),
        "matmul_gflops": peak,
        "intra_op_threads": threads,
        "rows": rows,
        "pipeline": pipelines,
        "startup": startup,
        "runs": runs,
    }


def cpu_times():
    """(steal, total) CPU ticks of the machine so far (Linux /proc/stat), or None."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    return fields[7], sum(fields)


def steal_percent(start, end):
    """Share of CPU time the hypervisor gave to other machines between two cpu_times()."""
    if not start or not end or end[1] == start[1]:
        return None
    return 100.0 * (end[0] - start[0]) / (end[1] - start[1])


def machine_description():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpus = tf.config.list_physical_devices("GPU")
    return (
        f"{cpu}, {os.cpu_count()} CPUs"
        + (f", {len(gpus)} GPU(s)" if gpus else "")
        + f", TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )


def markdown(results):
    """The results as a markdown table (one row per mode and batch size) and the pipeline check."""
    lines = [
        f"Model {results['model']}; data {results['data']}; {results['machine']};",
        f"fp32 matmul {results['matmul_gflops']:.0f} GFLOP/s; {results['intra_op_threads'] or 'default'} "
        f"intra-op threads; load average {results['load_average'][0]:.2f} at the end"
        + (
            ""
            if results["steal_percent"] is None
            else f"; {results['steal_percent']:.0f}% of the CPU time was stolen by the hypervisor during the run"
        )
        + ".",
    ]
    if results["rows"]:
        lines += [
            "",
            "| mode | batch | XLA | ms/step | classes/step | ms per class step | real images/s | GFLOP/step | "
            "GFLOP/s | % of matmul | vs book |",
            "|---|---:|:-:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for r in results["rows"]:
        speedup = f"{r['speedup_vs_book']:.1f}x" if r["speedup_vs_book"] else "-"
        lines.append(
            f"| {r['mode']} | {r['batch_size']} | {r['xla']} | {r['ms_per_step']:.1f} | {r['classes_per_step']} "
            f"| {r['ms_per_class_step']:.1f} | {r['images_per_s']:.0f} | {r['gflop_per_step']:.2f} | "
            f"{r['gflop_per_s']:.1f} "
            f"| {100 * r['fraction_of_matmul']:.0f}% | {speedup} |"
        )
    if results["pipeline"]:
        lines += [
            "",
            "| input pipeline, batch | images/s delivered | images/s training consumes (fastest mode) | ratio |",
            "|---:|---:|---:|---:|",
        ]
    for p in results["pipeline"]:
        ratio = f"{p['ratio']:.0f}x" if p["ratio"] else "-"
        lines.append(f"| {p['batch_size']} | {p['images_per_s']:.0f} | {p['training_images_per_s']:.0f} | {ratio} |")
    startup = results.get("startup")
    if startup:
        lines += [
            "",
            f"| start-up, {startup['classes']} classes "
            + ("fused" if startup.get("fused") else "in one joint step")
            + f", batch {startup['batch_size']} | import | "
            "data | build models | first step (tracing) | command to first step |",
            "|---|---:|---:|---:|---:|---:|",
            f"| seconds | {startup['import_s']:.1f} | {startup['data_s']:.1f} | {startup['build_s']:.1f} | "
            f"{startup['first_step_s']:.1f} | {startup['total_s']:.1f} |",
        ]
    runs = results.get("runs")
    if runs:
        book, train = runs["book"], runs["train"]
        epochs, classes = results["settings"]["run_epochs"], results["settings"]["classes"]
        lines += [
            "",
            f"| whole run, {classes} classes x {epochs} epochs, a new process each | wall time | start-up | disk |"
            " vs book |",
            "|---|---:|---:|---:|---:|",
            f"| the book's script, class after class | {book['seconds']:.1f} s | - | {book['disk_mb']:.0f} MB | 1.0x |",
            f"| `pyimagesearch-gan train{' --fuse' if results['settings'].get('fuse') else ''}` | "
            f"{train['seconds']:.1f} s | "
            + (f"{train['startup_s']:.1f} s" if train["startup_s"] is not None else "-")
            + f" | {train['disk_mb']:.0f} MB | {book['seconds'] / train['seconds']:.1f}x |",
        ]
    return "\n".join(lines) + "\n"


def main(args):
    """`pyimagesearch-gan bench`: run, print the table, write bench.json and bench.md."""
    settings = settings_from_args(args)
    ensure_writable_dir(args.output)
    results = run_bench(settings)
    json_path, md_path = write_results(results, args.output)
    print(markdown(results))
    print(f"wrote {json_path} and {md_path}")


def write_results(results, folder):
    """bench.json and bench.md in `folder`; returns their paths."""
    folder = ensure_writable_dir(folder)
    write_json(folder / "bench.json", results)
    with atomic_path(folder / "bench.md") as tmp:
        tmp.write_text(markdown(results))
    return folder / "bench.json", folder / "bench.md"
