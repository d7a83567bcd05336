"""The GANs of the augmentation experiments: trained once on exactly the real training images
of an experiment, cached, resumable, with a generator kept at several points of training.

`train_gans` fits one GAN per class (side by side) or, for a conditional family (AC-GAN), one
GAN for all classes, with the project's trainer (`trainer.train`), for a budget of updates per
GAN whatever the class size (`TrainConfig.updates`), in `snapshots` epochs. Every epoch ends
with a generator snapshot (for choosing the epoch, see protocol.select_epochs) and the newest
full training state, so a stopped experiment goes on from its last epoch.

The GAN folder is a run folder like any `train` writes (so `generate`, `report` and `evaluate`
open it), with `training.json` (the settings and a hash of the images) while it trains and
`done.json` when it is finished: a rerun with the same settings and images resumes the
training or loads the generators instead of training again.
"""

import dataclasses
import functools
import json
import shutil
import time
from pathlib import Path

import numpy as np

import pyimagesearch_gan
from pyimagesearch_gan import runs
from pyimagesearch_gan.config import TrainConfig
from pyimagesearch_gan.data import ImageSet
from pyimagesearch_gan.files import ensure_writable_dir, write_json
from pyimagesearch_gan.models import is_conditional
from pyimagesearch_gan.runs import open_run
from pyimagesearch_gan.training.plan import plan_run
from pyimagesearch_gan.training.trainer import train
from pyimagesearch_gan.utils import fingerprint


def log(message):
    print(message, flush=True)


@dataclasses.dataclass
class TrainedGANs:
    """Trained GANs of a set of classes, a run folder: per-class generators, or one conditional
    generator, with a generator kept at every epoch."""

    cfg: TrainConfig
    run: runs.Run
    names: list
    conditional: bool

    @property
    def folder(self):
        return self.run.folder

    @property
    def count(self):
        """How many GANs: one conditional GAN, or one per class."""
        return 1 if self.conditional else len(self.names)

    @functools.cached_property
    def epochs(self):
        """Epochs with a generator, ascending; the last one is the final generator."""
        return runs.available_epochs(self.run, self.run.targets_all[0].gan)

    @property
    def updates(self):
        """Optimizer updates of each GAN."""
        return self.cfg.epochs * self.cfg.steps_per_epoch(0)

    @property
    def seconds(self):
        """The training time in the GANs' histories (each epoch's seconds, every resume's
        included); GANs trained side by side share their epochs, so they count once."""
        return max(sum(e.get("seconds", 0.0) for e in runs.read_history(self.folder / gan)) for gan in self.run.gans)

    def generator(self, c, epoch=None):
        """The generator that draws class `c`, at `epoch` (default: the final one)."""
        return runs.load_generator(self.run, self.run.targets_all[c].gan, epoch)[0]

    def synthesize(self, c, count, seed, generator=None, epoch=None):
        """`count` uint8 images of class `c`, noise seeded by (seed, c)."""
        if count <= 0:
            return np.zeros((0, self.cfg.image_size, self.cfg.image_size, self.cfg.channels), "uint8")
        generator = generator or self.generator(c, epoch)
        return runs.sample(generator, self.cfg, self.run.targets_all[c], count, seed=seed)


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


def train_gans(cfg, names, images_per_class, folder, *, updates, snapshots=10):
    """GANs of `cfg` for the classes `names`, `updates` updates each on `images_per_class[i]`
    (whatever the class sizes), in `snapshots` epochs, or resumed or loaded from `folder` when
    a previous run trained them with the same settings and images."""
    folder = Path(folder)
    conditional = is_conditional(cfg.family)
    batches_per_pass = (
        sum(len(x) for x in images_per_class) if conditional else min(len(x) for x in images_per_class)
    ) // cfg.batch_size
    passes = max(1, updates // max(1, batches_per_pass))
    decay = cfg.decay if cfg.decay is not None else cfg.d_lr / passes  # the book's lr / epochs, per pass
    cfg = cfg.with_overrides(
        {
            "epochs": snapshots,
            "updates": updates,
            "decay": decay,
            "concurrent": True,
            "checkpoint_every": 1,
            "snapshot_every": 1,
            "keep_checkpoints": 1,
            "output": str(folder),
        }
    )
    images = np.concatenate(images_per_class)
    labels = np.concatenate([np.full(len(x), c, "int32") for c, x in enumerate(images_per_class)])
    data = ImageSet(images, labels, list(names), [f"<array>#{i}" for i in range(len(images))], [])
    record = {"images": fingerprint(*images_per_class, length=None), "names": list(names), "cfg": cfg.to_dict()}
    done, training = folder / "done.json", folder / "training.json"
    if same_record(done, record):
        log(f"  reusing the GANs in {folder}")
    else:
        resume = same_record(training, record)
        if not resume and folder.exists():  # what other settings trained must not be picked up
            shutil.rmtree(folder)
        plan = plan_run(cfg, folder, resume=resume, data=data)
        write_json(ensure_writable_dir(folder) / training.name, record)
        log(
            f"  {'resuming' if resume else 'training'} {len(plan.jobs)} {cfg.preset} GAN(s) on "
            f"{', '.join(str(len(x)) for x in images_per_class)} images, {updates} updates each "
            f"(batch {cfg.batch_size}; {snapshots} epochs of {plan.jobs[0].steps} steps) in {folder}"
        )
        pyimagesearch_gan.STARTED = time.perf_counter()  # the closing line counts from here
        train(cfg, folder, resume=resume, plan=plan)
        write_json(done, record)
    return TrainedGANs(cfg, open_run(folder), list(names), conditional)
