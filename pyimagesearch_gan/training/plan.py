"""Planning a run before anything runs: the data, the classes, the GANs and the run folder.

Everything here is NumPy and OpenCV, no TensorFlow: the command line plans a run first, so
that a wrong data folder, class, batch size or output folder is one line on stderr within a
second, not after TensorFlow's start-up. Nothing is written.
"""

import dataclasses
import time
from pathlib import Path

import numpy as np

from pyimagesearch_gan import runs
from pyimagesearch_gan.data import load_dataset, parse_classes, steps_per_epoch
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import check_writable
from pyimagesearch_gan.models import is_conditional
from pyimagesearch_gan.utils import per_class_split


@dataclasses.dataclass
class Job:
    """One GAN to train: its images (uint8), labels for conditional models, output folder, and
    its steps per epoch (`TrainConfig.steps_per_epoch`, resolved once by the plan)."""

    index: int
    name: str
    images: np.ndarray
    labels: np.ndarray | None
    class_names: list
    folder: Path = None
    steps: int = 0


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
        steps_per_epoch(len(job.images), cfg.batch_size, label=f"class '{job.name}'")  # a batch fits
        job.steps = cfg.steps_per_epoch(len(job.images))
    return jobs


def default_run_dir(cfg):
    return Path("output") / f"{cfg.preset}_{time.strftime('%Y%m%d-%H%M%S')}"


# A joint step for classes of different sizes traces a larger graph (a skip branch per class),
# which costs start-up; it pays once it merges about this many steps per class beyond the first
# over the run (the steps of the smaller classes that run beside the largest's; docs/speed.md).
MERGED_STEPS_PER_CLASS = 150


def job_steps(rule, job):
    """Steps per epoch of `job`: the plan's, or for a job made by hand, by `rule` (a TrainConfig
    or its DataOptions: `steps_per_epoch(num_images)`)."""
    return job.steps or rule.steps_per_epoch(len(job.images))


def grouping(cfg, jobs):
    """(groups, why): the jobs trained together in one compiled step, and why, in words.

    Classes of equal steps per epoch share one joint step unless `concurrent` is False.
    Classes of different sizes share it too (each does its own epochs, see class_gans.py) on
    one device, by default only when the run is long enough for its larger graph to pay:
    `epochs * (sum of steps - largest) >= MERGED_STEPS_PER_CLASS * (classes - 1)`; `concurrent`
    True forces it. Under a multi-device strategy only classes of equal steps share a step
    (a skipped update cannot sit inside a cross-device gradient sum).
    """
    one_by_one = [[job] for job in jobs]
    if len(jobs) == 1:
        return [jobs], ""
    steps = [job_steps(cfg, job) for job in jobs]
    sizes = f"classes of {min(steps)} to {max(steps)} steps per epoch"
    if cfg.concurrent is False:
        return one_by_one, "one class after another (--no-concurrent)"
    if len(set(steps)) == 1:
        return [jobs], "side by side in one joint step"
    if cfg.strategy != "default":
        return one_by_one, f"one class after another: {sizes} share no step under --strategy {cfg.strategy}"
    if cfg.concurrent is True:
        return [jobs], f"side by side in one joint step ({sizes}; --concurrent)"
    merged = cfg.epochs * (sum(steps) - max(steps))
    needed = MERGED_STEPS_PER_CLASS * (len(jobs) - 1)
    if merged >= needed:
        return [jobs], (
            f"side by side in one joint step: {sizes}, and over {cfg.epochs} epochs it runs {merged} steps of the "
            f"smaller classes beside the largest's, enough to pay for its larger graph (from {needed})"
        )
    return one_by_one, (
        f"one class after another: {sizes}, and over {cfg.epochs} epochs a joint step would run only {merged} "
        f"steps of the smaller classes beside the largest's, too few to pay for its larger graph (from {needed}; "
        "--concurrent forces it)"
    )


@dataclasses.dataclass
class Plan:
    """What a run will train: its data, the selected class names, the GANs, the run folder."""

    data: object
    class_names: list
    jobs: list
    run_dir: Path


def plan_run(cfg, run_dir=None, *, resume=False, data=None):
    """Check the run's input and plan its GANs; a UserError names what is wrong. `data`: the
    images as an ImageSet, when they are not read from the config's data folder."""
    if data is None:
        data = load_dataset(
            cfg.dataset, cfg.data_dir, image_size=cfg.image_size, channels=cfg.channels, prefer_extension=cfg.prefer_ext
        )
    if cfg.max_per_class:
        data = data.where(per_class_split(data.labels, lambda n: min(n, cfg.max_per_class), cfg.seed))
    class_ids = parse_classes(cfg.classes, data.class_names)
    jobs = plan_jobs(cfg, data, class_ids, is_conditional(cfg.family))
    run_dir = Path(run_dir or cfg.output or default_run_dir(cfg))
    if not resume:
        check_new_run_dir(run_dir)
    check_writable(run_dir, "--resume" if resume else "--output")
    for job in jobs:
        job.folder = run_dir / runs.folder_name(job.name)
    return Plan(data, [data.class_names[c] for c in class_ids], jobs, run_dir)


def check_new_run_dir(run_dir):
    """A fresh run must not overwrite another: refuse a folder that already holds one."""
    if (Path(run_dir) / "config.json").exists():
        raise UserError(
            f"--output folder {run_dir} already holds a run: continue it with "
            f"'pyimagesearch-gan train --resume {run_dir}', or choose another --output"
        )


def is_finished(cfg, run_dir, folders):
    """True when every GAN folder holds its saved models, a history of all `cfg.epochs` epochs
    and its final checkpoint, the last file a run writes (a run killed between the models and
    that checkpoint trains its last epochs again)."""
    for folder in folders:
        history = runs.read_history(folder)
        if not (history and history[-1].get("epoch") == cfg.epochs):
            return False
        if not all((Path(folder) / f"{name}.keras").is_file() for name in ("generator", "discriminator")):
            return False
        if not runs.checkpoint_path(run_dir, Path(folder).name, cfg.epochs).is_file():
            return False
    return True
