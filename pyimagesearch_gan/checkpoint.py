"""Checkpoints, exact resume, Ctrl-C and the NaN guard: nothing of a long run is lost.

A checkpoint is one file per GAN, `RUN_DIR/checkpoints/<gan>/ckpt_0010.npz`, holding every
variable that decides the next step: generator and discriminator weights with their
BatchNorm statistics, both optimizers' moments and update counters (so the learning-rate
decay goes on where it was), the SeedGenerator states the noise is drawn from, and the
step's own state (the balancing rule's last losses). Beside them: the epoch, the monitor's
history and benchmark noise, a fingerprint of the training images and the config. The GAN's
state is listed explicitly and written with NumPy, one self-describing file that `generate`
can also read a generator from. A file is written to a hidden temporary name, flushed to
disk and renamed into place, so a `kill -9` or a power cut leaves the previous checkpoint or
the new one, never a torn one; the last `keep_checkpoints` of each GAN are kept.

`Checkpointer` keeps the state at every epoch end (tensors the next update does not touch,
no copy to the host) and writes it every `checkpoint_every` epochs and at the last epoch.
`fit` runs `Model.fit` with it and with `StopGuard`: Ctrl-C (or SIGTERM) finishes the
current step and writes the last epoch's state, a non-finite loss stops the run and writes
nothing of the bad state. `restore` puts a checkpoint back so that a resumed run goes on
bit for bit as the uninterrupted one (same batches from `make_pipeline(initial_epoch=k)`);
`load_run` reads a run folder for `train --resume`.
"""
import contextlib
import hashlib
import json
import math
import os
import re
import signal
import sys
from pathlib import Path

import keras
import numpy as np

from .config import TrainConfig
from .errors import UserError
from .files import atomic_path, write_json

FORMAT = "pyimagesearch-gan checkpoint"
VERSION = 1
SECTIONS = ("generator", "discriminator", "d_optimizer", "g_optimizer", "other")
# Settings a resumed run may change: they do not change what a step computes.
RESUMABLE_CHANGES = ("epochs", "decay_epochs", "output", "data_dir", "keep_checkpoints", "checkpoint_every", "description")
STALE_TEMP = re.compile(r"^\.(.+\.tmp\d+(\.\w+)?|write-test-\d+)$")  # files.py's temporary names


def checkpoint_dir(run_dir, gan):
    return Path(run_dir) / "checkpoints" / gan


def checkpoint_path(run_dir, gan, epoch):
    return checkpoint_dir(run_dir, gan) / f"ckpt_{epoch:04d}.npz"


def checkpoint_epochs(run_dir, gan):
    """Epochs with a checkpoint file of GAN folder `gan`, ascending (files are not opened)."""
    folder = checkpoint_dir(run_dir, gan)
    found = (re.fullmatch(r"ckpt_(\d+)\.npz", p.name) for p in folder.glob("ckpt_*.npz")) if folder.is_dir() else ()
    return sorted(int(m.group(1)) for m in found if m)


generator_epochs = checkpoint_epochs  # what `generate` and `evaluate` ask for


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
    sections["other"] = [v for v in gan.variables if id(v) not in seen]  # noise seed, balancing losses
    return sections


def fingerprint(images):
    """Short hash of the training images: a resumed run must see the same data."""
    return hashlib.sha1(np.ascontiguousarray(images).tobytes()).hexdigest()[:16]


def benchmark_parts(inputs):
    return [np.asarray(part) for part in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]


class Snapshot:
    """The state of every GAN of a group at the end of one epoch, as tensors."""

    def __init__(self, epoch, gans, monitors):
        self.epoch = epoch
        self.tensors = [{name: [keras.ops.copy(v) for v in variables] for name, variables in state_sections(gan).items()} for gan in gans]
        self.histories = [list(monitor.history) for monitor in monitors]


# ---------------------------------------------------------------- the callback

class Checkpointer(keras.callbacks.Callback):
    """Keeps each epoch's state; writes it every `cfg.checkpoint_every` epochs and at the last.

    Put it after the monitors in the callback list: a checkpoint holds their history up to
    and including its epoch.
    """

    def __init__(self, run_dir, cfg, gans, monitors, jobs, names):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.cfg = cfg
        self.gans = gans
        self.monitors = monitors
        self.jobs = jobs
        self.names = names  # GAN folder names
        self.snapshot = None
        self.written = None  # epoch of the newest checkpoint on disk
        self.fingerprints = [fingerprint(job.images) for job in jobs]

    def on_epoch_end(self, epoch, logs=None):
        self.snapshot = Snapshot(epoch + 1, self.gans, self.monitors)
        if (epoch + 1) % self.cfg.checkpoint_every == 0 or epoch + 1 == self.cfg.epochs:
            self.write()

    def write(self):
        """Write the newest snapshot (if it is newer than the last checkpoint); prune old ones."""
        snap = self.snapshot
        if snap is None or snap.epoch == self.written:
            return None
        arrays = [{name: [np.asarray(t) for t in tensors] for name, tensors in state.items()} for state in snap.tensors]
        for name, state in zip(self.names, arrays):
            bad = [section for section, values in state.items() if any(v.dtype.kind == "f" and not np.isfinite(v).all() for v in values)]
            if bad:
                raise NonFinite(snap.epoch - 1, None, f"{name}/{bad[0]} weights", float("nan"))
        for i, (name, state) in enumerate(zip(self.names, arrays)):
            meta = {
                "format": FORMAT,
                "version": VERSION,
                "epoch": snap.epoch,
                "gan": name,
                "images": len(self.jobs[i].images),
                "fingerprint": self.fingerprints[i],
                "num_classes": self.gans[i].num_classes,
                "config": self.cfg.to_dict(),
                "history": snap.histories[i],
            }
            save_file(checkpoint_path(self.run_dir, name, snap.epoch), meta, state, benchmark_parts(self.monitors[i].inputs))
            prune(self.run_dir, name, self.cfg.keep_checkpoints)
        self.written = snap.epoch
        return snap.epoch

    def restore(self):
        """Put the newest checkpoint back; truncate the monitors' files to it. Returns its epoch (0: none)."""
        epoch, loaded = latest_common(self.run_dir, self.names)
        for i, found in enumerate(loaded or []):
            self.check_matches(found["meta"], i, found["path"])  # all of them before anything changes
        for i, name in enumerate(self.names):
            meta = loaded[i]["meta"] if loaded else None
            if meta:
                for section, variables in state_sections(self.gans[i]).items():
                    for variable, value in zip(variables, loaded[i]["state"][section]):
                        variable.assign(value)
                stored = loaded[i]["benchmark"]
                if any(not np.array_equal(a, b) for a, b in zip(stored, benchmark_parts(self.monitors[i].inputs))):
                    print(f"warning: the benchmark noise of {name} differs from its checkpoint's; the montages go on with the stored noise", file=sys.stderr)
                self.monitors[i].inputs = stored if isinstance(self.monitors[i].inputs, (list, tuple)) else stored[0]
            self.monitors[i].history = list(meta["history"]) if meta else []
            truncate_run_files(self.monitors[i], epoch)
        self.written = epoch or None
        (self.run_dir / "error.json").unlink(missing_ok=True)  # a divergence this resume runs into again is recorded anew
        for folder in [self.run_dir, *(checkpoint_dir(self.run_dir, name) for name in self.names)]:
            remove_stale_temp(folder)
        return epoch

    def check_matches(self, meta, i, path):
        job = self.jobs[i]
        if meta["fingerprint"] != self.fingerprints[i]:
            raise UserError(f"the training images of '{job.name}' changed since {path} was written ({meta['images']} images then, "
                            f"{len(job.images)} now): restore them, or start a new run")
        saved, now = meta["config"], self.cfg.to_dict()
        # Settings both know (a newer version may have added some) that change what a step computes.
        changed = [k for k in sorted(set(saved) & set(now)) if k not in RESUMABLE_CHANGES and saved[k] != now[k]]
        if changed:
            raise UserError(f"{path} was written with other settings ({', '.join(f'{k}={saved.get(k)!r}' for k in changed)}) "
                            f"than {self.run_dir / 'config.json'}: restore that config.json, or start a new run")
        sections = state_sections(self.gans[i])
        for section, variables in sections.items():
            values = meta["shapes"][section]
            if [list(v.shape) for v in variables] != values:
                raise UserError(f"{path} does not fit the {section} of this model ({len(values)} variables saved, {len(variables)} now): "
                                "it comes from another model; start a new run")


def save_file(path, meta, state, benchmark):
    """One checkpoint file, written atomically and flushed to disk."""
    meta = {**meta, "shapes": {section: [list(v.shape) for v in values] for section, values in state.items()}}
    arrays = {"meta": np.array(json.dumps(meta))}
    for section, values in state.items():
        arrays.update({f"{section}/{j:04d}": value for j, value in enumerate(values)})
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


def prune(run_dir, gan, keep):
    for epoch in checkpoint_epochs(run_dir, gan)[:-keep]:
        checkpoint_path(run_dir, gan, epoch).unlink(missing_ok=True)


def read_checkpoint(path):
    """{"meta", "state", "benchmark", "path"} of a checkpoint file, or UserError naming it."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise UserError(f"{path} is not a pyimagesearch-gan checkpoint")
            if meta.get("version") != VERSION:
                raise UserError(f"{path} is a version {meta.get('version')} checkpoint; this pyimagesearch-gan reads version {VERSION}")
            state = {section: [data[f"{section}/{j:04d}"] for j in range(len(meta["shapes"][section]))] for section in SECTIONS}
            benchmark = [data[k] for k in sorted(k for k in data.files if k.startswith("benchmark/"))]
    except UserError:
        raise
    except Exception as err:  # a damaged or foreign file: zipfile, OSError, KeyError, ValueError ...
        raise UserError(f"cannot read checkpoint {path} ({type(err).__name__}: {str(err)[:100]})") from None
    return {"meta": meta, "state": state, "benchmark": benchmark, "path": path}


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
    raise UserError(f"no usable checkpoint of {', '.join(names)} in {folder} ({reason}): "
                    f"delete {folder} to train {'it' if len(names) == 1 else 'them'} again from epoch 1")


def load_generator(run_dir, gan, epoch):
    """The generator of GAN folder `gan` at checkpoint `epoch`, built from the run's config."""
    from .models import get_family

    loaded = read_checkpoint(checkpoint_path(run_dir, gan, epoch))
    cfg = TrainConfig.load(Path(run_dir) / "config.json")
    generator, _ = get_family(cfg.family).build(cfg, loaded["meta"]["num_classes"])
    values = loaded["state"]["generator"]
    if [list(v.shape) for v in generator.variables] != [list(v.shape) for v in values]:
        raise UserError(f"{loaded['path']} does not fit the generator of {Path(run_dir) / 'config.json'}: was the config edited?")
    for variable, value in zip(generator.variables, values):
        variable.assign(value)
    return generator


# ---------------------------------------------------------------- run files

def truncate_run_files(monitor, epoch):
    """Make a GAN folder show epoch `epoch`: the monitor's history, no later montages, no temp files."""
    from .monitor import plot_history

    folder = Path(monitor.folder)
    for path in folder.glob("epoch_*.png"):
        match = re.fullmatch(r"epoch_(\d+)\.png", path.name)
        if match and int(match.group(1)) > epoch:
            path.unlink()
    remove_stale_temp(folder)
    if monitor.history:
        write_json(folder / "history.json", monitor.history)
        plot_history(monitor.history, folder / "loss.png", monitor.title)
    else:
        (folder / "history.json").unlink(missing_ok=True)
        (folder / "loss.png").unlink(missing_ok=True)


def remove_stale_temp(folder):
    """Temporary files a killed run left behind (finished files never have these names)."""
    for path in Path(folder).iterdir() if Path(folder).is_dir() else ():
        if path.is_file() and STALE_TEMP.match(path.name):
            path.unlink(missing_ok=True)


def read_history(folder):
    try:
        history = json.loads((Path(folder) / "history.json").read_text())
        return history if isinstance(history, list) else []
    except (OSError, ValueError):
        return []


def is_finished(cfg, folders):
    """True when every GAN folder holds its saved models and a history of all `cfg.epochs` epochs."""
    for folder in folders:
        history = read_history(folder)
        if not (history and history[-1].get("epoch") == cfg.epochs):
            return False
        if not all((Path(folder) / f"{name}.keras").is_file() for name in ("generator", "discriminator")):
            return False
    return True


def check_new_run_dir(run_dir):
    """A fresh run must not overwrite another: refuse a folder that already holds one."""
    if (Path(run_dir) / "config.json").exists():
        raise UserError(f"--output folder {run_dir} already holds a run: continue it with "
                        f"'pyimagesearch-gan train --resume {run_dir}', or choose another --output")


def load_run(run_dir, *, epochs=None, data_dir=None):
    """The config of the run in `run_dir` for `train --resume`, with `--epochs`/`--data-dir` applied."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"--resume folder {run_dir} does not exist: pass a run folder written by 'pyimagesearch-gan train'")
    if not (run_dir / "config.json").is_file():
        runs = sorted(p.name for p in run_dir.iterdir() if (p / "config.json").is_file())
        hint = f"runs inside it: {', '.join(runs[:5])}" if runs else "pass a run folder written by 'pyimagesearch-gan train'"
        raise UserError(f"--resume folder {run_dir} holds no pyimagesearch-gan run (no config.json, no checkpoint): {hint}")
    try:
        cfg = TrainConfig.load(run_dir / "config.json")
    except UserError as err:
        raise UserError(f"{run_dir / 'config.json'} is not a pyimagesearch-gan run config ({err}): "
                        "pass a run folder written by 'pyimagesearch-gan train'") from None
    changes = {"output": str(run_dir)}
    if data_dir is not None:
        changes["data_dir"] = data_dir
    if epochs is not None and epochs != cfg.epochs:
        if epochs < cfg.epochs:
            raise UserError(f"--epochs {epochs} with --resume: the run has {cfg.epochs} epochs, --epochs can only extend it")
        # The learning rates go on decaying at the saved rate: the book's lr / epochs of the original run.
        changes.update(epochs=epochs, decay_epochs=cfg.decay_epochs or cfg.epochs)
    return cfg.with_overrides(changes)


# ---------------------------------------------------------------- stopping

class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM: the run stopped cleanly; the message says how to resume it."""

    def __init__(self, message, exit_code=130):
        super().__init__(message)
        self.exit_code = exit_code


class StopStep(Exception):
    """Raised by StopGuard inside fit: a stop was asked for before step `batch` of `epoch`."""

    def __init__(self, epoch, batch):
        super().__init__(epoch, batch)
        self.epoch, self.batch = epoch, batch


class NonFinite(Exception):
    """A non-finite loss (or weight) at `epoch` (0-based), `batch`."""

    def __init__(self, epoch, batch, key, value):
        super().__init__(epoch, batch, key, value)
        self.epoch, self.batch, self.key, self.value = epoch, batch, key, value


class StopRequest:
    """While active, the first Ctrl-C (SIGINT) or SIGTERM asks for a clean stop; a second one stops at once."""

    SIGNALS = {signal.SIGINT: 130, signal.SIGTERM: 143}

    def __init__(self):
        self.signum = None
        self.previous = {}

    def __enter__(self):
        for signum in self.SIGNALS:
            try:
                self.previous[signum] = signal.signal(signum, self.handle)
            except ValueError:  # not the main thread: signals keep their handlers
                pass
        return self

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def handle(self, signum, frame):
        self.signum = signum
        for other in self.previous:
            signal.signal(other, signal.default_int_handler if other == signal.SIGINT else signal.SIG_DFL)
        print("\nstopping after this step and writing a checkpoint (press Ctrl-C again to stop at once)", file=sys.stderr, flush=True)

    @property
    def requested(self):
        return self.signum is not None

    @property
    def exit_code(self):
        return self.SIGNALS.get(self.signum, 130)


class StopGuard(keras.callbacks.Callback):
    """Stops fit before the next step when a stop was requested, and on a non-finite loss."""

    async_safe = True  # the loss check may run behind the steps: fit need not wait for each step's losses

    def __init__(self, stop):
        super().__init__()
        self.stop = stop
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.stop is not None and self.stop.requested:
            raise StopStep(self.epoch, batch)

    def on_train_batch_end(self, batch, logs=None):
        for key, value in (logs or {}).items():
            if isinstance(value, float) and not math.isfinite(value):
                raise NonFinite(self.epoch, batch, key, value)


def resume_hint(run_dir):
    return f"pyimagesearch-gan train --resume {run_dir}"


def fit(model, dataset, *, checkpointer, callbacks, steps, initial_epoch, stop, label):
    """`model.fit` from `initial_epoch` to `cfg.epochs` with checkpoints, a clean Ctrl-C and the NaN guard."""
    cfg, run_dir = checkpointer.cfg, checkpointer.run_dir
    if initial_epoch >= cfg.epochs:
        return
    try:
        model.fit(dataset, epochs=cfg.epochs, initial_epoch=initial_epoch, steps_per_epoch=steps,
                  callbacks=[*callbacks, checkpointer, StopGuard(stop)], verbose=0, shuffle=False)
    except StopStep as at:
        with contextlib.suppress(NonFinite):  # a bad state is not written; the last good checkpoint stays
            checkpointer.write()
        written = checkpointer.written
        kept = f"the checkpoint of epoch {written} is in {checkpointer.run_dir / 'checkpoints'}" if written else "no checkpoint yet, it starts again from epoch 1"
        redo = f"; epoch {at.epoch + 1} starts again from its first step" if at.batch else ""
        raise Interrupted(f"interrupted at epoch {at.epoch + 1} step {at.batch} of {label}; {kept}{redo}. "
                          f"Resume with: {resume_hint(run_dir)}", stop.exit_code) from None
    except NonFinite as bad:
        where = f"epoch {bad.epoch + 1}" + ("" if bad.batch is None else f" batch {bad.batch}")
        kept = (f"the last good checkpoint (epoch {checkpointer.written}) is kept in {run_dir / 'checkpoints'}"
                if checkpointer.written else "no checkpoint was written")
        write_json(run_dir / "error.json", {"error": "non-finite loss", "gan": label, "epoch": bad.epoch + 1, "batch": bad.batch,
                                            "key": bad.key, "value": str(bad.value), "last_checkpoint_epoch": checkpointer.written})
        raise UserError(f"training diverged: {bad.key} became {bad.value} at {where} of {label}; {kept}, nothing after it "
                        f"(details in {run_dir / 'error.json'}); lower the learning rates (e.g. --lr {cfg.g_lr / 10:g}) and start a new run") from None
    except KeyboardInterrupt:  # the second Ctrl-C: stop at once, the last checkpoint stays
        raise Interrupted(f"stopped at once; the last checkpoint (epoch {checkpointer.written or 'none'}) stays. "
                          f"Resume with: {resume_hint(run_dir)}", stop.exit_code if stop else 130) from None
    finally:  # the monitors write their files in the background: none is left half-done
        for callback in callbacks:
            if hasattr(callback, "finish_writes"):
                callback.finish_writes()


@contextlib.contextmanager
def guarded_run(run_dir):
    """Around a run's training: signals ask for a clean stop (yields the StopRequest), and a
    failed write (disk full, folder gone) ends in one line saying how to resume."""
    with StopRequest() as stop:
        try:
            yield stop
        except OSError as err:
            raise UserError(f"cannot write {err.filename or 'to ' + str(run_dir)} ({err.strerror or err}); the checkpoints written "
                            f"so far are intact: free space or fix the folder, then {resume_hint(run_dir)}") from None
