"""Checkpoints: the whole training state of each GAN, written so that nothing of a long run is lost.

A checkpoint is one file per GAN, `RUN_DIR/checkpoints/<gan>/ckpt_0010.npz`, holding every
variable that decides the next step: generator and discriminator weights with their
BatchNorm statistics, both optimizers' moments and update counters (so the learning-rate
decay goes on where it was), the SeedGenerator states the noise is drawn from, and the
step's own state (the balancing rule's last losses). Beside them: the epoch, the monitor's
state (history and benchmark noise), a fingerprint of the training images and the config.
The state is listed explicitly and written with NumPy, one self-describing file that
`generate` can also read a generator from. A file is written to a hidden temporary name,
flushed to disk and renamed into place, so a `kill -9` or a power cut leaves the previous
checkpoint or the new one, never a torn one; the last `keep` of each GAN are kept.

Each thing is stored once. The checkpoint of a run's last epoch keeps its generator and
discriminator weights in the run's `generator.keras` and `discriminator.keras` (written
first; the checkpoint records their fingerprints and refuses them if they change), and a
pruned checkpoint leaves its generator behind as a snapshot (`generator_0010.npz`) when its
epoch is a snapshot epoch, for `generate --epoch` and `evaluate`.

`Checkpointer` keeps the state at every epoch end (tensors the next update does not touch,
no copy to the host) and writes it every `every` epochs and at the last epoch, once every
callback has finished the epoch (so the order of the callbacks does not matter). `restore`
puts a checkpoint back so that a resumed run goes on bit for bit as the uninterrupted one.
"""

import contextlib
import json
import os
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from pyimagesearch_gan import utils
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import atomic_path, remove_stale_temp
from pyimagesearch_gan.runs import (  # noqa: F401  (the checkpoint files' format lives with the run folder's)
    CHECKPOINT_FORMAT,
    CHECKPOINT_SECTIONS,
    CHECKPOINT_VERSION,
    checkpoint_dir,
    checkpoint_epochs,
    checkpoint_path,
    generator_epochs,
    load_generator_weights,
    read_checkpoint,
    snapshot_epochs,
    snapshot_path,
)

# Settings a resumed run may change: they do not change what a step computes.
RESUMABLE_CHANGES = (
    "epochs",
    "decay_epochs",
    "output",
    "data_dir",
    "keep_checkpoints",
    "checkpoint_every",
    "description",
    "tensorboard",
    "sample_every",
    "snapshot_every",
)


# ---------------------------------------------------------------- the state of a GAN


def state_sections(gan):
    """{section: [variables]} of one GAN: everything that decides its next training step."""
    sections = {
        "generator": gan.generator.variables,
        "discriminator": gan.discriminator.variables,
        "d_optimizer": gan.d_optimizer.variables,
        "g_optimizer": gan.g_optimizer.variables,
    }
    seen = {id(v) for variables in sections.values() for v in variables}
    sections["other"] = [v for v in gan.variables if id(v) not in seen]  # noise seed, balancing losses, ADA's p
    return sections


def fingerprint(images):
    """Short hash of the training images: a resumed run must see the same data."""
    return utils.fingerprint(images)


class Snapshot:
    """The state of every GAN of a group at the end of one epoch, as tensors: one read of each
    variable (a value the next update does not change), no further copy. Half the eager ops of
    a copy per variable, and no compiled function to trace (its tracing costs more than a
    short run's snapshots)."""

    def __init__(self, epoch, gans):
        self.epoch = epoch
        self.tensors = [
            {name: [tf.convert_to_tensor(v) for v in variables] for name, variables in state_sections(gan).items()}
            for gan in gans
        ]


# ---------------------------------------------------------------- the callback


class Checkpointer(keras.callbacks.Callback):
    """Keeps each epoch's state of `gans`; writes it every `every` epochs and at `epochs`.

    `names` are the GAN folder names, `monitors` hold each GAN's montage state (`get_state` /
    `set_state`), `images` each GAN's training images (a resumed run must see the same),
    `config` the run's settings (a dict: a resume with other step settings is refused). The
    newest `keep` full states are kept (0: all); of a pruned one the generator alone is kept
    when its epoch is a multiple of `snapshot_every` (a multiple of `every`). With
    `model_folders`, the last epoch saves each GAN's `generator.keras` and
    `discriminator.keras` there, and its checkpoint refers to them for those weights.
    """

    def __init__(
        self,
        run_dir,
        *,
        gans,
        names,
        monitors,
        images,
        config,
        every=10,
        epochs=None,
        keep=1,
        snapshot_every=None,
        model_folders=None,
    ):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.gans = gans
        self.names = list(names)
        self.monitors = monitors
        self.counts = [len(x) for x in images]
        self.fingerprints = [fingerprint(x) for x in images]
        self.config = config
        self.every = every
        self.epochs = epochs
        self.keep = keep
        self.snapshot_every = snapshot_every or every
        self.model_folders = model_folders
        self.snapshot = None
        self.due = False  # the snapshot is to be written once every callback has seen its epoch
        self.written = None  # epoch of the newest checkpoint on disk

    def on_epoch_end(self, epoch, logs=None):
        self.snapshot = Snapshot(epoch + 1, self.gans)
        self.due = (epoch + 1) % self.every == 0 or epoch + 1 == self.epochs

    def on_epoch_begin(self, epoch, logs=None):
        if self.due:
            self.write()

    def on_train_end(self, logs=None):
        if self.due:
            self.write()

    def write(self):
        """Write the newest snapshot (if it is newer than the last checkpoint); prune old ones."""
        snap, self.due = self.snapshot, False
        if snap is None or snap.epoch == self.written:
            return None
        arrays = [{name: [np.asarray(t) for t in tensors] for name, tensors in state.items()} for state in snap.tensors]
        for name, state in zip(self.names, arrays):
            bad = [
                section
                for section, values in state.items()
                if any(v.dtype.kind == "f" and not np.isfinite(v).all() for v in values)
            ]
            if bad:
                raise NonFinite(snap.epoch - 1, None, f"{name}/{bad[0]} weights", float("nan"))
        final = self.model_folders is not None and snap.epoch == self.epochs  # nothing trains after it
        for i, (name, state) in enumerate(zip(self.names, arrays)):
            shared = self.save_models(i, state) if final else {}
            monitor = self.monitors[i].get_state(snap.epoch)
            meta = {
                "format": CHECKPOINT_FORMAT,
                "version": CHECKPOINT_VERSION,
                "epoch": snap.epoch,
                "gan": name,
                "images": self.counts[i],
                "fingerprint": self.fingerprints[i],
                "num_classes": self.gans[i].num_classes,
                "config": self.config,
                "history": monitor["history"],
                "weights": shared,
            }
            save_file(checkpoint_path(self.run_dir, name, snap.epoch), meta, state, monitor["benchmark"])
            prune(self.run_dir, name, self.keep, self.snapshot_every)
        self.written = snap.epoch
        return snap.epoch

    def save_models(self, i, state):
        """Save GAN i's generator.keras and discriminator.keras (at the state `state` holds);
        returns {section: {"file", "indices" of the variables it holds, "fingerprint"}} for its
        checkpoint."""
        shared = {}
        for section in ("generator", "discriminator"):
            network = getattr(self.gans[i], section)
            path = Path(self.model_folders[i]) / f"{network.name}.keras"
            with atomic_path(path) as tmp:
                network.save(tmp)
            saved = {id(w) for w in network.weights}  # not the dropout layers' seed states
            indices = [j for j, v in enumerate(network.variables) if id(v) in saved]
            shared[section] = {
                "file": Path(os.path.relpath(path, self.run_dir)).as_posix(),
                "indices": indices,
                "fingerprint": utils.fingerprint(*(state[section][j] for j in indices)),
            }
        return shared

    def restore(self):
        """Put the newest checkpoint back, with the monitors' state. Returns its epoch (0: none)."""
        epoch, loaded = latest_common(self.run_dir, self.names)
        for i, found in enumerate(loaded or []):
            self.check_matches(found["meta"], i, found["path"])  # all of them before anything changes
        for found in loaded or []:
            if found["meta"].get("weights"):  # training goes on and rewrites the model files it refers to
                save_file(found["path"], {**found["meta"], "weights": {}}, found["state"], found["benchmark"])
        for i, gan in enumerate(self.gans):
            found = loaded[i] if loaded else None
            if found:
                for section, variables in state_sections(gan).items():
                    for variable, value in zip(variables, found["state"][section]):
                        variable.assign(value)
            self.monitors[i].set_state(
                {"history": found["meta"]["history"], "benchmark": found["benchmark"]} if found else None
            )
        self.written = epoch or None
        for name in self.names:  # snapshots of epochs after the restored one are of a future that did not happen
            for later in (e for e in snapshot_epochs(self.run_dir, name) if e > epoch):
                snapshot_path(self.run_dir, name, later).unlink()
        for folder in [self.run_dir, *(checkpoint_dir(self.run_dir, name) for name in self.names)]:
            remove_stale_temp(folder)
        return epoch

    def check_matches(self, meta, i, path):
        name = self.names[i]
        if meta["fingerprint"] != self.fingerprints[i]:
            raise UserError(
                f"the training images of '{name}' changed since {path} was written ({meta['images']} images then, "
                f"{self.counts[i]} now): restore them, or start a new run"
            )
        saved, now = meta["config"], self.config
        # Settings both know (a newer version may have added some) that change what a step computes.
        changed = [k for k in sorted(set(saved) & set(now)) if k not in RESUMABLE_CHANGES and saved[k] != now[k]]
        if changed:
            raise UserError(
                f"{path} was written with other settings ({', '.join(f'{k}={saved.get(k)!r}' for k in changed)}) "
                f"than {self.run_dir / 'config.json'}: restore that config.json, or start a new run"
            )
        for section, variables in state_sections(self.gans[i]).items():
            values = meta["shapes"][section]
            if [list(v.shape) for v in variables] != values:
                raise UserError(
                    f"{path} does not fit the {section} of this model ({len(values)} variables saved, "
                    f"{len(variables)} now): it comes from another model; start a new run"
                )


class NonFinite(Exception):
    """A non-finite loss (or weight) at `epoch` (0-based), `batch`."""

    def __init__(self, epoch, batch, key, value):
        super().__init__(epoch, batch, key, value)
        self.epoch, self.batch, self.key, self.value = epoch, batch, key, value


# ---------------------------------------------------------------- files


def save_file(path, meta, state, benchmark):
    """One checkpoint file, written atomically and flushed to disk. Sections named in
    meta["weights"] live in the model files named there and are not stored."""
    meta = {**meta, "shapes": {section: [list(v.shape) for v in values] for section, values in state.items()}}
    arrays = {"meta": np.array(json.dumps(meta))}
    for section, values in state.items():
        elsewhere = set(meta.get("weights", {}).get(section, {}).get("indices", ()))
        arrays.update({f"{section}/{j:04d}": value for j, value in enumerate(values) if j not in elsewhere})
    arrays.update({f"benchmark/{j}": part for j, part in enumerate(benchmark)})
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
    sync_dir(path.parent)


def sync_dir(folder):
    with contextlib.suppress(OSError):  # not every system can fsync a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def prune(run_dir, gan, keep, snapshot_every=None):
    """Delete all but the newest `keep` checkpoints of `gan`, leaving the generator of those of
    a snapshot epoch behind."""
    for epoch in checkpoint_epochs(run_dir, gan)[:-keep] if keep else ():
        path = checkpoint_path(run_dir, gan, epoch)
        snapshot = snapshot_path(run_dir, gan, epoch)
        if snapshot_every and epoch % snapshot_every == 0 and not snapshot.is_file():
            try:
                loaded = read_checkpoint(path)
            except UserError as err:
                print(f"warning: {err}; its generator is not kept", file=sys.stderr)
            else:
                keys = ("format", "version", "epoch", "gan", "num_classes", "config")
                meta = {key: loaded["meta"][key] for key in keys}
                save_file(snapshot, {**meta, "kind": "generator"}, {"generator": loaded["state"]["generator"]}, [])
        path.unlink(missing_ok=True)


def latest_common(run_dir, names):
    """(epoch, [checkpoint per GAN]) of the newest epoch every GAN of a group has a readable
    checkpoint of; (0, None) when none has any. Unreadable newer files are skipped with a warning."""
    epochs = [set(checkpoint_epochs(run_dir, name)) for name in names]
    if not any(epochs):
        return 0, None
    problems = []
    for epoch in sorted(set.intersection(*epochs), reverse=True):
        try:
            loaded = [read_checkpoint(checkpoint_path(run_dir, name, epoch)) for name in names]
        except UserError as err:
            problems.append(str(err))
            print(f"warning: {err}; trying an older checkpoint", file=sys.stderr)
            continue
        return epoch, loaded
    folder = checkpoint_dir(run_dir, names[0]).parent
    reason = problems[0] if problems else "no epoch has a checkpoint of every GAN of the group"
    raise UserError(
        f"no usable checkpoint of {', '.join(names)} in {folder} ({reason}): "
        f"delete {folder} to train {'it' if len(names) == 1 else 'them'} again from epoch 1"
    )
