"""A run folder and what it holds: the run manifest, its generators at each saved epoch, sampling.

`train` writes `run.json` beside `config.json`: the GAN folders, the class names in label
order, which classes (and labels) each GAN draws, conditional or pooled, image size and
channels, and a fingerprint of each GAN's training images. Every reader (`generate`,
`evaluate`, `train --resume`) opens a run with `open_run`, so a run still opens when its data
folder was moved or deleted, and class indices never shift when a class folder is added.
Runs written before run.json existed are described once from their config and data folder
(a note says so) and the manifest is saved for next time.

The noise of a run's class i comes from NumPy seeded with (seed, i), in the run's noise
distribution, so a seed gives the same images whatever `--classes` selects.
"""

import dataclasses
import functools
import json
import re
import sys
from pathlib import Path

import numpy as np

from pyimagesearch_gan.config import TrainConfig
from pyimagesearch_gan.data import DIGIT_NAMES, FASHION_NAMES, NEU_CLASSES, parse_classes, resolve_data_dir, to_uint8
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import write_json
from pyimagesearch_gan.utils import draw_noise, fingerprint

MANIFEST = "run.json"
CONFIG = "config.json"
FORMAT = "pyimagesearch-gan run"
VERSION = 1
# A checkpoint file (training/checkpoints.py writes them): the arrays of these sections, a JSON meta.
CHECKPOINT_FORMAT = "pyimagesearch-gan checkpoint"
CHECKPOINT_VERSION = 1
CHECKPOINT_SECTIONS = ("generator", "discriminator", "d_optimizer", "g_optimizer", "other")


def folder_name(name):
    """A class or GAN name as a folder name."""
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", name)


@dataclasses.dataclass
class Target:
    """One class to draw: its name, its index among the run's classes (seeds its noise), the
    GAN folder whose generator draws it, and the label a conditional generator is given."""

    name: str
    index: int
    gan: str
    label: int | None


# ---------------------------------------------------------------- the manifest


def write_config(run_dir, cfg):
    """`config.json`: the run's resolved settings (atomic: a killed run never leaves a torn one)."""
    write_json(Path(run_dir) / CONFIG, cfg.to_dict())


def read_config(path):
    """The TrainConfig saved in `path` (a run's config.json), checked like flags; a one-line
    UserError when it cannot be read or holds a setting of the wrong type."""
    try:
        values = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise UserError(
            f"cannot read the run config {path} ({err}); point at a run folder written by pyimagesearch-gan"
        ) from None
    if not isinstance(values, dict):
        raise UserError(
            f"the run config {path} is not a JSON object of settings; point at a run folder written by "
            "pyimagesearch-gan"
        )
    return TrainConfig().with_overrides(values)


def write_manifest(run_dir, cfg, jobs, *, class_names, conditional, side_by_side=False):
    """Write `run.json` for a run training `jobs` (trainer.Job) on `class_names` (`side_by_side`:
    all of them in one joint step); returns it."""
    pooled = not conditional and not cfg.per_class
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "preset": cfg.preset,
        "family": cfg.family,
        "conditional": bool(conditional),
        "pooled": pooled,
        "dataset": cfg.dataset,
        "image_size": cfg.image_size,
        "channels": cfg.channels,
        "noise": cfg.noise,
        "noise_dim": cfg.noise_dim,
        "class_names": list(class_names),
        "side_by_side": bool(side_by_side),
        "gans": [
            {
                "folder": job.folder.name,
                "classes": list(job.class_names),
                "labels": list(range(len(job.class_names))) if conditional else None,
                "images": len(job.images),
                "fingerprint": fingerprint(job.images),
            }
            for job in jobs
        ],
    }
    write_json(Path(run_dir) / MANIFEST, manifest)
    return manifest


def derive_manifest(cfg):
    """The manifest of a run written before run.json existed, from its config and data set."""
    from pyimagesearch_gan.models import get_family

    names = dataset_class_names(cfg)
    selected = [names[i] for i in parse_classes(cfg.classes, names)]
    conditional = get_family(cfg.family).CONDITIONAL
    if cfg.per_class and not conditional:
        gans = [{"folder": folder_name(name), "classes": [name], "labels": None} for name in selected]
    else:
        name = folder_name("all" if len(selected) == len(names) else "+".join(selected))
        gans = [{"folder": name, "classes": selected, "labels": list(range(len(selected))) if conditional else None}]
    return {
        "format": FORMAT,
        "version": VERSION,
        "preset": cfg.preset,
        "family": cfg.family,
        "conditional": conditional,
        "pooled": not conditional and not cfg.per_class,
        "dataset": cfg.dataset,
        "image_size": cfg.image_size,
        "channels": cfg.channels,
        "noise": cfg.noise,
        "noise_dim": cfg.noise_dim,
        "class_names": selected,
        "gans": gans,
    }


def dataset_class_names(cfg):
    """The class names of the run's data set, in the data layer's label order."""
    if cfg.dataset in ("mnist", "fashion_mnist"):
        return list(DIGIT_NAMES if cfg.dataset == "mnist" else FASHION_NAMES)
    try:
        folder = resolve_data_dir(cfg.data_dir, cfg.dataset)
    except UserError:
        if cfg.dataset == "neu":
            return list(NEU_CLASSES)
        raise UserError(
            f"the run has no {MANIFEST} (it was written by an older version) and its data folder "
            f"{cfg.data_dir} is gone: restore the data folder once so the run can be described"
        ) from None
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


# ---------------------------------------------------------------- a run


@dataclasses.dataclass
class Run:
    """A run folder: its config and (read on first use) its manifest."""

    folder: Path
    cfg: TrainConfig

    @functools.cached_property
    def manifest(self):
        path = self.folder / MANIFEST
        if path.is_file():
            try:
                manifest = json.loads(path.read_text())
            except ValueError as err:
                raise UserError(
                    f"{path} is damaged ({err}): delete it and it is derived again from config.json"
                ) from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise UserError(f"{path} is not a pyimagesearch-gan run manifest: delete it and it is derived again")
            return manifest
        manifest = derive_manifest(self.cfg)
        print(
            f"note: {self.folder} has no {MANIFEST} (an older run): its classes were read from config.json "
            "and the data "
            f"folder ({', '.join(manifest['class_names'])}); saved as {path}",
            file=sys.stderr,
        )
        try:
            write_json(path, manifest)
        except OSError:
            pass  # a read-only run folder still opens
        return manifest

    @property
    def pooled(self):
        return self.manifest["pooled"]

    @property
    def classes(self):
        """The names the run's images are drawn under (a pooled GAN's: the GAN's name)."""
        if self.pooled:
            return [gan["folder"] for gan in self.manifest["gans"]]
        return list(self.manifest["class_names"])

    @property
    def gans(self):
        return [gan["folder"] for gan in self.manifest["gans"]]

    @property
    def num_classes(self):
        """The class count a conditional generator takes (0: unconditional)."""
        return len(self.manifest["class_names"]) if self.manifest["conditional"] else 0

    @property
    def targets_all(self):
        if self.pooled:
            return [Target(name, i, name, None) for i, name in enumerate(self.gans)]
        where = {}
        for gan in self.manifest["gans"]:
            for position, name in enumerate(gan["classes"]):
                where[name] = (gan["folder"], None if gan["labels"] is None else gan["labels"][position])
        return [Target(name, i, *where[name]) for i, name in enumerate(self.manifest["class_names"])]

    def targets(self, classes="all"):
        """The targets of `classes` ('all' or a comma list of names/indices), in the order given."""
        return [self.targets_all[i] for i in parse_classes(classes or "all", self.classes)]


def open_run(run_dir, *, flag="RUN_DIR"):
    """The Run in `run_dir`: every command that reads a run opens it here."""
    run_dir = Path(run_dir)
    hint = "pass a run folder written by 'pyimagesearch-gan train'"
    if not run_dir.is_dir():
        raise UserError(f"{flag} folder {run_dir} does not exist: {hint}")
    if not (run_dir / "config.json").is_file():
        runs = sorted(p.name for p in run_dir.iterdir() if (p / "config.json").is_file())
        inside = f"runs inside it: {', '.join(runs[:5])}" if runs else hint
        raise UserError(f"{flag} folder {run_dir} holds no pyimagesearch-gan run (no config.json): {inside}")
    try:
        cfg = read_config(run_dir / CONFIG)
    except UserError as err:
        raise UserError(f"{run_dir / 'config.json'} is not a pyimagesearch-gan run config ({err}): {hint}") from None
    return Run(run_dir, cfg)


def read_history(folder):
    """The history.json records of a GAN folder ([] when there is none yet)."""
    try:
        history = json.loads((Path(folder) / "history.json").read_text())
        return history if isinstance(history, list) else []
    except (OSError, ValueError):
        return []


# What a run folder holds, read tolerantly: for the report, which shows runs still training,
# interrupted or written before run.json existed (commands that need the run use `open_run`).

EPOCH_MONTAGE = re.compile(r"^epoch_(\d+)\.png$")


def read_json_or_none(path):
    """The JSON in `path`, or None when it is missing or unreadable (a file being written)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def read_manifest(run_dir):
    """The run.json manifest of `run_dir`, or None when it is missing, unreadable or not a
    pyimagesearch-gan manifest with a list of GANs (an older run, or one still starting)."""
    manifest = read_json_or_none(Path(run_dir) / MANIFEST)
    valid = isinstance(manifest, dict) and manifest.get("format") == FORMAT
    return manifest if valid and isinstance(manifest.get("gans"), list) else None


def read_settings(run_dir):
    """The run's config.json as a plain dict, unchecked ({} when missing or unreadable)."""
    config = read_json_or_none(Path(run_dir) / CONFIG)
    return config if isinstance(config, dict) else {}


def read_metrics(run_dir):
    """What `pyimagesearch-gan evaluate` wrote, evaluation/metrics.json, or None."""
    metrics = read_json_or_none(Path(run_dir) / "evaluation" / "metrics.json")
    return metrics if isinstance(metrics, dict) else None


def chosen_epoch(metrics, name):
    """{"epoch", "by"} that `evaluate` chose for class `name` ("by": "cas" or "fid"), read from
    its metrics.json dict `metrics`, or None where it chose none."""
    chosen = metrics.get("chosen_epoch") if isinstance(metrics.get("chosen_epoch"), dict) else {}
    entry = chosen.get(name)
    if isinstance(entry, dict) and isinstance(entry.get("epoch"), int) and entry.get("by") in ("cas", "fid"):
        return {"epoch": entry["epoch"], "by": entry["by"]}
    return None


def epoch_montages(gan_folder):
    """[(epoch, path)] of the epoch_*.png montages of a GAN folder, epochs ascending."""
    found = []
    for path in Path(gan_folder).glob("epoch_*.png"):
        match = EPOCH_MONTAGE.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


# ---------------------------------------------------------------- generators and epochs


def resume_hint(run_dir):
    return f"pyimagesearch-gan train --resume {run_dir}"


def checkpoint_dir(run_dir, gan):
    return Path(run_dir) / "checkpoints" / gan


def checkpoint_path(run_dir, gan, epoch):
    return checkpoint_dir(run_dir, gan) / f"ckpt_{epoch:04d}.npz"


def snapshot_path(run_dir, gan, epoch):
    return checkpoint_dir(run_dir, gan) / f"generator_{epoch:04d}.npz"


def checkpoint_epochs(run_dir, gan, kind="ckpt"):
    """Epochs with a checkpoint file (kind "ckpt", the full state) or a generator snapshot
    (kind "generator") of GAN folder `gan`, ascending (files are not opened)."""
    folder = checkpoint_dir(run_dir, gan)
    found = (
        (re.fullmatch(rf"{kind}_(\d+)\.npz", p.name) for p in folder.glob(f"{kind}_*.npz")) if folder.is_dir() else ()
    )
    return sorted(int(m.group(1)) for m in found if m)


def snapshot_epochs(run_dir, gan):
    return checkpoint_epochs(run_dir, gan, kind="generator")


def generator_epochs(run_dir, gan):
    """Epochs whose generator of GAN folder `gan` can be loaded: its snapshots and checkpoints."""
    return sorted(set(checkpoint_epochs(run_dir, gan)) | set(snapshot_epochs(run_dir, gan)))


def final_epoch(run, gan):
    """The epoch the saved generator.keras of `gan` was written at (its last history record)."""
    history = read_history(run.folder / gan)
    try:
        return int(history[-1]["epoch"])
    except (LookupError, TypeError, ValueError):
        return run.cfg.epochs


def available_epochs(run, gan):
    """Every epoch `load_generator` can load for `gan`: the checkpoints and the final one."""
    epochs = set(generator_epochs(run.folder, gan))
    if (run.folder / gan / "generator.keras").is_file():
        epochs.add(final_epoch(run, gan))
    return sorted(epochs)


def generator_epoch(run, gan, epoch=None):
    """(epoch, final): the epoch `load_generator` loads for GAN folder `gan` (`epoch`, or the final
    one) and whether that is the final generator.keras, or a one-line UserError saying which
    epochs it has; files are listed, not opened."""
    final = run.folder / gan / "generator.keras"
    last = final_epoch(run, gan) if final.is_file() else None
    if epoch is None or epoch == last:
        if last is None:
            epochs = generator_epochs(run.folder, gan)
            hint = (
                f"pick a checkpoint with --epoch ({format_epochs(epochs)})"
                if epochs
                else f"finish it: {resume_hint(run.folder)}"
            )
            raise UserError(f"no generator in {final.parent} (the run did not finish): {hint}")
        return last, True
    if epoch not in generator_epochs(run.folder, gan):
        raise UserError(
            f"--epoch {epoch}: {run.folder / gan} has generators of epochs {format_epochs(available_epochs(run, gan))} "
            f"only (snapshots every {run.cfg.snapshot_interval()} epochs, the checkpoints and the final one; "
            "train with --set snapshot_every=N for more)"
        )
    return epoch, False


def read_chosen_epochs(run, targets):
    """{class: (epoch, by)} for `targets`: the epoch `evaluate` chose for each class and by what,
    each checked to be on disk; a one-line UserError when the run has no evaluation or its
    choice cannot be drawn from now."""
    metrics = read_metrics(run.folder)
    evaluate = f"run 'pyimagesearch-gan evaluate {run.folder}'"
    if metrics is None:
        raise UserError(f"--epoch best: {run.folder} has no evaluation yet; {evaluate} first")
    found = {}
    for target in targets:
        pick = chosen_epoch(metrics, target.name)
        if pick is None:
            raise UserError(
                f"--epoch best: the evaluation of {run.folder} chose no epoch for class {target.name}; {evaluate} again"
            )
        epochs = available_epochs(run, target.gan)
        if pick["epoch"] not in epochs:
            raise UserError(
                f"--epoch best: the evaluation chose epoch {pick['epoch']} for class {target.name}, but "
                f"{run.folder / target.gan} has generators of epochs {format_epochs(epochs)} only; {evaluate} again"
            )
        found[target.name] = (pick["epoch"], pick["by"])
    return found


def load_generator(run, gan, epoch=None):
    """(generator, epoch) of GAN folder `gan`: the final generator.keras, or epoch `epoch`'s."""
    from pyimagesearch_gan.models import get_family

    used, final = generator_epoch(run, gan, epoch)
    if final:
        return load_model(run.folder / gan / "generator.keras"), used
    generator, _ = get_family(run.cfg.family).build(run.cfg.options().model, run.num_classes)
    load_generator_weights(generator, run.folder, gan, used)
    return generator, used


def epoch_plan(run, wanted=None):
    """{epoch: [targets whose GAN has a generator of that epoch]}, epochs ascending."""
    available = {gan: available_epochs(run, gan) for gan in run.gans}
    epochs = sorted(set().union(*available.values()))
    if not epochs:
        raise UserError(f"no generators in {run.folder}: train the run (with checkpoints) first")
    if wanted:
        missing = sorted(set(wanted) - set(epochs))
        if missing:
            raise UserError(
                f"--epochs {','.join(map(str, missing))}: the run has generators for epochs "
                f"{', '.join(map(str, epochs))}"
            )
        epochs = sorted(set(wanted))
    return {e: [t for t in run.targets_all if e in available[t.gan]] for e in epochs}


# ---------------------------------------------------------------- checkpoint files


def read_checkpoint(path):
    """{"meta", "state", "benchmark", "path"} of a checkpoint file, or UserError naming it."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if not isinstance(meta, dict) or meta.get("format") != CHECKPOINT_FORMAT:
                raise UserError(f"{path} is not a pyimagesearch-gan checkpoint")
            if meta.get("version") != CHECKPOINT_VERSION:
                raise UserError(
                    f"{path} is a version {meta.get('version')} checkpoint; this pyimagesearch-gan reads "
                    f"version {CHECKPOINT_VERSION}"
                )
            shared = meta.get("weights") or {}
            state = {
                section: [
                    None if j in shared.get(section, {}).get("indices", ()) else data[f"{section}/{j:04d}"]
                    for j in range(len(meta["shapes"][section]))
                ]
                for section in CHECKPOINT_SECTIONS
                if section in meta["shapes"]
            }
            benchmark = [data[k] for k in sorted(k for k in data.files if k.startswith("benchmark/"))]
    except UserError:
        raise
    except Exception as err:  # a damaged or foreign file: zipfile, OSError, KeyError, ValueError ...
        raise UserError(f"cannot read checkpoint {path} ({type(err).__name__}: {str(err)[:100]})") from None
    for section, ref in shared.items():
        values = model_weights(Path(path).parents[2] / ref["file"], ref["fingerprint"], path)
        for j, value in zip(ref["indices"], values, strict=True):
            state[section][j] = value
    return {"meta": meta, "state": state, "benchmark": benchmark, "path": path}


def model_weights(file, expected, checkpoint):
    """The weights of the model saved in `file`, which checkpoint `checkpoint` keeps its
    weights in; UserError when it is missing, unreadable or not the one it was written with."""
    fix = f"restore it, or delete {checkpoint} to resume from an older checkpoint"
    if not file.is_file():
        raise UserError(f"{checkpoint} keeps its weights in {file}, which is missing: {fix}")
    try:
        import keras

        model = keras.saving.load_model(file, compile=False)
    except Exception as err:  # a damaged or foreign file; Keras raises many types
        raise UserError(f"cannot load {file} ({type(err).__name__}: {str(err)[:100]}): {fix}") from None
    values = [keras.ops.convert_to_numpy(w) for w in model.weights]
    if fingerprint(*values) != expected:
        raise UserError(f"{file} changed since {checkpoint} was written: {fix}")
    return values


def load_generator_weights(generator, run_dir, gan, epoch):
    """Put the generator weights of GAN folder `gan` at `epoch` (its snapshot, else its full
    checkpoint) into `generator` (built like the run's); returns the file's meta."""
    path = snapshot_path(run_dir, gan, epoch)
    loaded = read_checkpoint(path if path.is_file() else checkpoint_path(run_dir, gan, epoch))
    values = loaded["state"]["generator"]
    if [list(v.shape) for v in generator.variables] != [list(v.shape) for v in values]:
        raise UserError(
            f"{loaded['path']} does not fit the generator of {Path(run_dir) / 'config.json'}: was the config edited?"
        )
    for variable, value in zip(generator.variables, values):
        variable.assign(value)
    return loaded["meta"]


def load_model(path):
    import keras

    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as err:  # a damaged or foreign file; Keras raises many types
        raise UserError(
            f"cannot load {path} ({type(err).__name__}: {str(err)[:120]}): retrain or restore the file"
        ) from None


def format_epochs(epochs):
    return ", ".join(map(str, epochs)) if epochs else "none"


# ---------------------------------------------------------------- drawing images


def sample(generator, cfg, target, count, *, seed, batch_size=256, progress=None):
    """uint8 images (count, H, W, C) of `target`, the generator in inference mode."""
    import keras

    z = draw_noise([seed, target.index], count, cfg.noise_dim, cfg.noise)
    batches = []
    for start in range(0, count, batch_size):
        inputs = z[start : start + batch_size]
        if target.label is not None:
            inputs = [inputs, np.full(len(inputs), target.label, "int32")]
        batches.append(to_uint8(keras.ops.convert_to_numpy(generator(inputs, training=False))))
        if progress is not None:
            progress.add(len(batches[-1]))
    return np.concatenate(batches)
