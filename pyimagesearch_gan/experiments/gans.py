"""The GANs of the augmentation experiments: trained once on exactly the real training images
of an experiment, cached, resumable, with a generator kept at several points of training.

`train_gans` fits one GAN per class (side by side, `trainer.train_group`) or, for a
conditional family (AC-GAN), one GAN for all classes, with the project's trainer. The
monitor writes a montage and the loss plot once per Keras epoch; to keep that to `snapshots`
times per GAN, one Keras epoch here is `repeat` passes over the real images (the images are
repeated `repeat` times, so a batch may hold an image twice). Every Keras epoch ends with a
generator snapshot (for choosing the epoch, see protocol.select_epochs) and the newest full
training state, so a stopped experiment goes on from its last epoch.

The GAN folder holds `training.json` (the settings and a hash of the images) while it trains
and `done.json` when it is finished: a rerun with the same settings and images resumes the
training or loads the generators instead of training again.
"""

import dataclasses
import json
import math
import shutil
from pathlib import Path

import numpy as np

from pyimagesearch_gan.config import TrainConfig
from pyimagesearch_gan.files import ensure_writable_dir, write_json
from pyimagesearch_gan.models import get_family
from pyimagesearch_gan.runs import Target, folder_name, load_model, read_history, sample
from pyimagesearch_gan.training.checkpoints import generator_epochs, load_generator_weights
from pyimagesearch_gan.training.plan import Job, plan_groups
from pyimagesearch_gan.training.trainer import train_group
from pyimagesearch_gan.utils import fingerprint


def log(message):
    print(message, flush=True)


@dataclasses.dataclass
class TrainedGANs:
    """Trained GANs of a set of classes: per-class generators, or one conditional generator."""

    cfg: TrainConfig
    folder: Path
    names: list
    conditional: bool
    epochs: list  # epochs with a generator snapshot or checkpoint, ascending; the last one is the final generator
    updates: int  # optimizer updates of each GAN
    seconds: float = 0.0  # training time recorded epoch by epoch, over every resume

    @property
    def count(self):
        """How many GANs: one conditional GAN, or one per class."""
        return 1 if self.conditional else len(self.names)

    def gan_folder(self, c):
        return "all" if self.conditional else folder_name(self.names[c])

    def generator(self, c, epoch=None):
        """The generator that draws class `c`, at `epoch` (default: the final one)."""
        model = load_model(self.folder / self.gan_folder(c) / "generator.keras")
        if epoch is not None and epoch != self.epochs[-1]:
            load_generator_weights(model, self.folder, self.gan_folder(c), epoch)
        return model

    def synthesize(self, c, count, seed, generator=None, epoch=None):
        """`count` uint8 images of class `c`, noise seeded by (seed, c)."""
        if count <= 0:
            return np.zeros((0, self.cfg.image_size, self.cfg.image_size, self.cfg.channels), "uint8")
        generator = generator or self.generator(c, epoch)
        target = Target(self.names[c], c, self.gan_folder(c), c if self.conditional else None)
        return sample(generator, self.cfg, target, count, seed=seed)


def same_record(path, record):
    """True when `path` (training.json or done.json) says the GANs were trained like `record`.
    Config fields that one side lacks (added to TrainConfig later, at their defaults) do not count."""
    if not path.is_file():
        return False
    old = json.loads(path.read_text())
    if any(old.get(key) != value for key, value in record.items() if key != "cfg"):
        return False
    old_cfg, cfg = old.get("cfg", {}), record["cfg"]
    return all(old_cfg[key] == cfg[key] for key in old_cfg.keys() & cfg.keys())


def train_gans(cfg, names, images_per_class, folder, *, passes, snapshots=10):
    """GANs of `cfg` for the classes `names`, trained on `images_per_class[i]` for `passes`
    passes over the images (rounded up to whole epochs of `repeat` passes), or resumed or loaded
    from `folder` when a previous run trained them with the same settings and images."""
    folder = ensure_writable_dir(folder)
    family = get_family(cfg.family)
    conditional = bool(family.CONDITIONAL)
    repeat = max(1, passes // max(1, snapshots))
    epochs = math.ceil(passes / repeat)
    decay = cfg.decay if cfg.decay is not None else cfg.d_lr / passes  # the book's lr / epochs, per pass
    cfg = cfg.with_overrides(
        {
            "epochs": epochs,
            "decay": decay,
            "concurrent": True,
            "checkpoint_every": 1,
            "snapshot_every": 1,
            "keep_checkpoints": 1,
        }
    )
    if conditional:
        images = np.concatenate(images_per_class)
        labels = np.concatenate([np.full(len(x), c, "int32") for c, x in enumerate(images_per_class)])
        jobs = [Job(0, "all", np.concatenate([images] * repeat), np.concatenate([labels] * repeat), list(names))]
        steps_per_pass = len(images) // cfg.batch_size
    else:
        jobs = [
            Job(c, name, np.concatenate([x] * repeat), None, [name])
            for c, (name, x) in enumerate(zip(names, images_per_class))
        ]
        steps_per_pass = min(len(x) for x in images_per_class) // cfg.batch_size
    for job in jobs:
        job.folder = ensure_writable_dir(folder / folder_name(job.name))
    record = {
        "images": fingerprint(*images_per_class, length=None),
        "names": list(names),
        "passes": passes,
        "repeat": repeat,
        "cfg": cfg.to_dict(),
    }
    updates = epochs * repeat * steps_per_pass
    trained = TrainedGANs(cfg, folder, list(names), conditional, [], updates)
    done, training = folder / "done.json", folder / "training.json"
    if same_record(done, record):
        log(f"  reusing the GANs in {folder}")
    else:
        resume = same_record(training, record)
        if not resume:  # snapshots of other settings must not be picked up
            shutil.rmtree(folder / "checkpoints", ignore_errors=True)
        write_json(training, record)
        cfg.save(folder / "config.json")
        log(
            f"  {'resuming' if resume else 'training'} {len(jobs)} {cfg.preset} GAN(s) on "
            f"{', '.join(str(len(x)) for x in images_per_class)} images for {passes} passes, about {updates} "
            f"updates (batch {cfg.batch_size}; {epochs} epochs of {repeat} passes) in {folder}"
        )
        groups = plan_groups(cfg, jobs)
        for i, group in enumerate(groups):
            train_group(cfg, family, group, resume=resume, remaining_after=cfg.epochs * (len(groups) - i - 1))
        write_json(done, record)
    trained.epochs = generator_epochs(folder, trained.gan_folder(0))
    trained.seconds = recorded_seconds(cfg, jobs)
    return trained


def recorded_seconds(cfg, jobs):
    """The training time in the GANs' histories (each epoch's seconds, a resumed run's included);
    GANs trained side by side in one step share their epochs, so a group counts once."""

    def seconds(job):
        return sum(epoch.get("seconds", 0.0) for epoch in read_history(job.folder))

    return sum(max(seconds(job) for job in group) for group in plan_groups(cfg, jobs))
