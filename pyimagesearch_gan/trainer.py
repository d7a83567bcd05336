"""Training a run: one GAN per class (the book's way to make class-labelled synthetic data),
or one conditional GAN for all classes, each fitted with the monitor and saved.

Everything that can be wrong with the input (data, classes, batch size, output folder) is
checked before the first file is written. A run folder holds `config.json` and one folder
per GAN with `real.png`, `epoch_*.png`, `loss.png`, `history.json`, `generator.keras` and
`discriminator.keras`, and `checkpoints/<gan>/` the training state every `checkpoint_every`
epochs (checkpoint.py): `train(cfg, resume=True)` goes on from there, skipping finished GANs.
"""
import dataclasses
import re
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from . import accel, checkpoint
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
        steps_per_epoch(len(job.images), cfg.batch_size, label=f"class '{job.name}'")
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
    with accel.build_scope(cfg):
        generator, discriminator = map(accel.float32_outputs, family.build(cfg, num_classes))
        gan = GAN(generator, discriminator, dataclasses.replace(cfg, seed=seed), num_classes=num_classes, conditional=family.CONDITIONAL)
        gan.compile(**accel.compile_options(cfg))
    return gan


def plan_groups(cfg, jobs):
    """Jobs trained together in one compiled step: all of them when `concurrent` is on and
    their epochs have the same number of steps, else one at a time."""
    steps = {steps_per_epoch(len(job.images), cfg.batch_size) for job in jobs}
    if cfg.concurrent and len(jobs) > 1 and len(steps) == 1:
        return [jobs]
    return [[job] for job in jobs]


def train_group(cfg, family, jobs, *, run_dir=None, resume=False, stop=None, remaining_after=0):
    """Fit the GANs of `jobs` (one, or several side by side) with their monitors and
    checkpoints, from their last checkpoint when `resume`; save them."""
    gans = [build_gan(cfg, family, job) for job in jobs]
    if len(jobs) == 1:
        model, prefixes = gans[0], [""]
    else:
        prefixes = [f"{job.name}/" for job in jobs]
        with accel.build_scope(cfg):
            model = ClassGANs(gans, [job.name for job in jobs])
            model.compile(**accel.compile_options(cfg))
    monitors = [
        Monitor(gan, job.folder, job.images, num_benchmark=cfg.num_benchmark, seed=cfg.seed, prefix=prefix, title=f"{cfg.preset}: {job.name}")
        for gan, job, prefix in zip(gans, jobs, prefixes)
    ]
    label = jobs[0].name if len(jobs) == 1 else f"{len(jobs)} classes"
    checkpointer = checkpoint.Checkpointer(run_dir or jobs[0].folder.parent, cfg, gans, monitors, jobs, [job.folder.name for job in jobs])
    initial_epoch = checkpointer.restore() if resume else 0
    if resume:
        print(f"[{label}] " + (f"resuming after epoch {initial_epoch}" if initial_epoch else "no checkpoint: starting at epoch 1"), flush=True)
    pipelines = [make_pipeline(job.images, cfg.batch_size, seed=cfg.seed + job.index, labels=job.labels, initial_epoch=initial_epoch) for job in jobs]
    dataset = accel.distribute_options(pipelines[0] if len(jobs) == 1 else tf.data.Dataset.zip(tuple(pipelines)), cfg)
    progress = ProgressLogger(label, cfg.epochs, keys=[p + t.name for gan, p in zip(gans, prefixes) for t in gan.metrics], remaining_after=remaining_after)
    steps = steps_per_epoch(len(jobs[0].images), cfg.batch_size)
    checkpoint.fit(model, dataset, checkpointer=checkpointer, callbacks=[*monitors, progress], steps=steps, initial_epoch=initial_epoch, stop=stop, label=label)
    for gan, job in zip(gans, jobs):
        for network in (gan.generator, gan.discriminator):
            with atomic_path(job.folder / f"{network.name}.keras") as tmp:
                network.save(tmp)
    return gans


def train(cfg, run_dir=None, *, resume=False):
    """Train every GAN of `cfg`; returns the run folder. With `resume`, go on with the run in
    `run_dir` (or cfg.output) from its checkpoints; `checkpoint.load_run` reads its config."""
    if cfg.deterministic:
        tf.config.experimental.enable_op_determinism()
    family = get_family(cfg.family)
    if hasattr(family, "check"):
        family.check(cfg)  # settings the family cannot build, before anything is written
    accel.check_strategy(cfg)
    data = load_dataset(cfg.dataset, cfg.data_dir, image_size=cfg.image_size, channels=cfg.channels)
    class_ids = parse_classes(cfg.classes, data.class_names)
    jobs = plan_jobs(cfg, data, class_ids, family.CONDITIONAL)
    run_dir = Path(run_dir or cfg.output or default_run_dir(cfg))
    if not resume:
        checkpoint.check_new_run_dir(run_dir)
    run_dir = ensure_writable_dir(run_dir, "--resume" if resume else "--output")
    for job in jobs:
        job.folder = ensure_writable_dir(run_dir / folder_name(job.name))
    cfg.save(run_dir / "config.json")
    print(f"{'resuming' if resume else 'training'} {len(jobs)} GAN(s) [{', '.join(j.name for j in jobs)}] for {cfg.epochs} epochs into {run_dir}", flush=True)
    start = time.perf_counter()
    groups = plan_groups(cfg, jobs)
    accel.set_threads(cfg, concurrent=any(len(group) > 1 for group in groups))
    with checkpoint.guarded_run(run_dir) as stop:
        for i, group in enumerate(groups):
            if resume and checkpoint.is_finished(cfg, [job.folder for job in group]):
                print(f"[{', '.join(job.name for job in group)}] already trained, skipped", flush=True)
                continue
            train_group(cfg, family, group, run_dir=run_dir, resume=resume, stop=stop, remaining_after=cfg.epochs * (len(groups) - i - 1))
            if stop.requested and i + 1 < len(groups):
                raise checkpoint.Interrupted(f"interrupted after {', '.join(job.name for job in group)} finished. "
                                             f"Resume with: {checkpoint.resume_hint(run_dir)}", stop.exit_code)
    print(f"done in {format_seconds(time.perf_counter() - start)}; montages, loss plots and models are in {run_dir}/<class>/", flush=True)
    return run_dir
