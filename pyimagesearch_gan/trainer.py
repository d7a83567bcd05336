"""Training a run: one GAN per class (the book's way to make class-labelled synthetic data),
or one conditional GAN for all classes, each fitted with the monitor and saved.

Everything that can be wrong with the input (data, classes, batch size, output folder) is
checked before the first file is written. A run folder holds `config.json` and one folder
per GAN with `real.png`, `epoch_*.png`, `loss.png`, `history.json`, `generator.keras` and
`discriminator.keras`.
"""
import dataclasses
import re
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .data import load_dataset, make_pipeline, parse_classes, steps_per_epoch
from .errors import UserError
from .files import atomic_path, ensure_writable_dir
from .class_gans import ClassGANs
from .gan import GAN
from .models import get_family
from .monitor import Monitor, ProgressLogger, format_seconds


@dataclasses.dataclass
class Job:
    """One GAN to train: its images (uint8), labels for conditional models, output folder."""

    index: int
    name: str
    images: np.ndarray
    labels: np.ndarray | None
    class_names: list
    folder: Path = None


def plan_jobs(cfg, data, class_ids, conditional):
    """The GANs this run trains: per class, pooled over the classes, or one conditional GAN."""
    if conditional or not cfg.per_class:
        subset = data.subset(class_ids)
        remap = {c: i for i, c in enumerate(class_ids)}
        labels = np.array([remap[int(c)] for c in subset.labels], dtype="int32") if conditional else None
        name = "all" if len(class_ids) == len(data.class_names) else "+".join(data.class_names[c] for c in class_ids)
        jobs = [Job(0, name, subset.images, labels, [data.class_names[c] for c in class_ids])]
    else:
        jobs = [Job(c, data.class_names[c], data.of_class(c), None, [data.class_names[c]]) for c in class_ids]
    for job in jobs:
        if len(job.images) < cfg.batch_size:
            raise UserError(f"class '{job.name}' has {len(job.images)} images, fewer than --batch-size {cfg.batch_size}; lower --batch-size or add images")
    return jobs


def default_run_dir(cfg):
    return Path("output") / f"{cfg.preset}_{time.strftime('%Y%m%d-%H%M%S')}"


def folder_name(name):
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", name)


def build_gan(cfg, family, job):
    """A compiled GAN for `job`, seeded by the run seed and the job's index."""
    seed = cfg.seed + job.index
    keras.utils.set_random_seed(seed)
    num_classes = len(job.class_names) if family.CONDITIONAL else 0
    generator, discriminator = family.build(cfg, num_classes)
    gan = GAN(generator, discriminator, dataclasses.replace(cfg, seed=seed), num_classes=num_classes, conditional=family.CONDITIONAL)
    gan.compile(jit_compile=cfg.jit_compile)
    return gan


def plan_groups(cfg, jobs):
    """Jobs trained together in one compiled step: all of them when `concurrent` is on and
    their epochs have the same number of steps, else one at a time."""
    steps = {steps_per_epoch(len(job.images), cfg.batch_size) for job in jobs}
    if cfg.concurrent and len(jobs) > 1 and len(steps) == 1:
        return [jobs]
    return [[job] for job in jobs]


def train_group(cfg, family, jobs, *, remaining_after=0):
    """Fit the GANs of `jobs` (one, or several side by side) with their monitors; save them."""
    gans = [build_gan(cfg, family, job) for job in jobs]
    pipelines = [make_pipeline(job.images, cfg.batch_size, seed=cfg.seed + job.index, labels=job.labels) for job in jobs]
    if len(jobs) == 1:
        model, dataset, prefixes = gans[0], pipelines[0], [""]
    else:
        prefixes = [f"{job.name}/" for job in jobs]
        model = ClassGANs(gans, [job.name for job in jobs])
        model.compile(jit_compile=cfg.jit_compile)
        dataset = tf.data.Dataset.zip(tuple(pipelines))
    monitors = [
        Monitor(gan, job.folder, job.images, num_benchmark=cfg.num_benchmark, seed=cfg.seed, prefix=prefix, title=f"{cfg.preset}: {job.name}")
        for gan, job, prefix in zip(gans, jobs, prefixes)
    ]
    label = jobs[0].name if len(jobs) == 1 else f"{len(jobs)} classes"
    progress = ProgressLogger(label, cfg.epochs, keys=[p + t.name for gan, p in zip(gans, prefixes) for t in gan.metrics], remaining_after=remaining_after)
    steps = steps_per_epoch(len(jobs[0].images), cfg.batch_size)
    model.fit(dataset, epochs=cfg.epochs, steps_per_epoch=steps, callbacks=[*monitors, progress], verbose=0, shuffle=False)
    for gan, job in zip(gans, jobs):
        for network in (gan.generator, gan.discriminator):
            with atomic_path(job.folder / f"{network.name}.keras") as tmp:
                network.save(tmp)
    return gans


def train(cfg, run_dir=None):
    """Train every GAN of `cfg`; returns the run folder."""
    if cfg.deterministic:
        tf.config.experimental.enable_op_determinism()
    family = get_family(cfg.family)
    data = load_dataset(cfg.dataset, cfg.data_dir, image_size=cfg.image_size, channels=cfg.channels)
    class_ids = parse_classes(cfg.classes, data.class_names)
    jobs = plan_jobs(cfg, data, class_ids, family.CONDITIONAL)
    run_dir = ensure_writable_dir(run_dir or cfg.output or default_run_dir(cfg))
    for job in jobs:
        job.folder = ensure_writable_dir(run_dir / folder_name(job.name))
    cfg.save(run_dir / "config.json")
    print(f"training {len(jobs)} GAN(s) [{', '.join(j.name for j in jobs)}] for {cfg.epochs} epochs into {run_dir}", flush=True)
    start = time.perf_counter()
    groups = plan_groups(cfg, jobs)
    for i, group in enumerate(groups):
        train_group(cfg, family, group, remaining_after=cfg.epochs * (len(groups) - i - 1))
    print(f"done in {format_seconds(time.perf_counter() - start)}; montages, loss plots and models are in {run_dir}/<class>/", flush=True)
    return run_dir
