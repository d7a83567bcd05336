"""Training configuration: one dataclass, named presets as plain data, command-line overrides.

A run's settings come from a preset (the source's settings, see `presets.py`), then
`--flag` and `--set key=value` overrides; the resolved config is saved as `config.json`
in the run folder, and `--resume` reads it back.
"""

import dataclasses
import json
import types
import typing

from pyimagesearch_gan.data import check_prefer_extension, steps_per_epoch
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.models import FAMILIES, check_model_settings

POLICIES = ("color", "translation", "cutout")  # DiffAugment policies (training/diffaugment.py)
# Settings added after experiments began keeping fingerprints of GAN settings: at their defaults
# they are left out of `fingerprint_dict`, so records made before them stay valid.
LATER_FIELDS = ("ada_target", "ada_kimg", "updates")


@dataclasses.dataclass
class TrainConfig:
    preset: str = "custom"
    description: str = ""
    source: str = ""
    # Model family (a module in pyimagesearch_gan/models) and its own settings.
    family: str = "book"
    model: dict = dataclasses.field(default_factory=dict)
    # Data.
    dataset: str = "mnist"
    data_dir: str | None = None
    prefer_ext: str | None = None  # which file of an image + mask pair (same name) to keep, e.g. ".png"
    classes: str = "all"
    max_per_class: int | None = None  # train on at most this many images of each class (chosen by the seed)
    per_class: bool = True
    image_size: int = 28
    channels: int = 1
    # Schedule: `epochs` passes over each class's images (the book's), or with `updates` set, that
    # many updates per GAN whatever its class size, in `epochs` epochs of updates / epochs steps.
    epochs: int = 50
    updates: int | None = None
    batch_size: int = 128
    seed: int = 42
    deterministic: bool = False
    # Noise fed to the generator.
    noise_dim: int = 100
    noise: str = "uniform"  # "uniform" in [-1, 1] (book) or "normal"
    # Optimizers: Adam for D and G; decay None means the book's lr / epochs (decay_epochs when set:
    # `train --resume --epochs` keeps the decay of the run it extends).
    d_lr: float = 2e-4
    g_lr: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    decay: float | None = None
    decay_epochs: int | None = None
    # Training step.
    real_label: float = 1.0  # < 1 is one-sided label smoothing
    g_steps: int = 1  # generator updates per discriminator update
    d_batch: str = "concat"  # "concat": one D pass on real+fake (book); "separate": real then fake
    g_training_in_d_step: bool = False  # book: fakes for D come from predict(), i.e. inference mode
    balance: bool = False  # skip the update of the network whose loss is below the other's
    diffaugment: str = "none"  # DiffAugment policy on D's inputs: a comma list of color, translation, cutout
    ada_target: float = 0.0  # > 0: ADA, each policy applied with a probability tuned to keep D's r_t here (0.6)
    ada_kimg: float = 100.0  # ADA: thousands of real images for the probability to go from 0 to 1
    jit_compile: bool | str = "auto"
    # Class GANs side by side in one compiled step: True, False, or "auto": always for classes of
    # equal size, for classes of different sizes when the run is long enough to pay (training/plan.py).
    concurrent: bool | str = "auto"
    fuse: bool = False  # side by side class GANs as one model of stacked weights: faster start-up, slower epochs
    # Speed (accel.py; measured defaults in docs/speed.md).
    intra_op_threads: int = (
        0  # threads per op; 0 = auto: 1 for concurrent class GANs on CPU (one op per core), else TensorFlow's
    )
    steps_per_execution: int = 1  # training steps per call into TensorFlow (callbacks see every k-th batch)
    mixed_precision: bool = False  # mixed_float16 (GPU)
    strategy: str = "default"  # "default", "mirrored" (GPUs of one machine) or "multiworker"
    # Monitoring and output.
    num_benchmark: int = 256
    sample_every: int = 1  # a montage every N epochs (the book: every epoch) and at the last
    output: str | None = None
    checkpoint_every: int = 10
    tensorboard: bool = False  # TensorBoard logs in RUN_DIR/tensorboard/<gan>/
    keep_checkpoints: int = 1  # full training states kept (0 = all); the newest is what --resume needs
    snapshot_every: int = 0  # epochs between generator snapshots (for generate --epoch, evaluate); 0 = about 10 per run

    def snapshot_interval(self):
        """Epochs between generator snapshots: `snapshot_every`, or the multiple of
        `checkpoint_every` that gives about ten per run."""
        if self.snapshot_every:
            return self.snapshot_every
        return self.checkpoint_every * max(1, -(-self.epochs // (10 * self.checkpoint_every)))

    def steps_per_epoch(self, num_images):
        return epoch_steps(num_images, self.batch_size, self.epochs, self.updates)

    def optimizer_decay(self, lr):
        """The decay rate per update: the book's lr / epochs unless set explicitly."""
        return lr / (self.decay_epochs or self.epochs) if self.decay is None else self.decay

    def to_dict(self):
        return dataclasses.asdict(self)

    def options(self):
        """The settings split once into what each part of training needs (`Options`)."""
        return Options(
            data=DataOptions(
                self.dataset, self.data_dir, self.prefer_ext, self.classes, self.max_per_class, self.per_class,
                self.image_size, self.channels, self.batch_size, self.seed, self.epochs, self.updates,
            ),
            model=ModelOptions(self.family, dict(self.model), self.image_size, self.channels, self.noise_dim),
            step=StepOptions(
                self.noise_dim, self.noise, self.real_label, self.g_steps, self.d_batch, self.g_training_in_d_step,
                self.balance, self.diffaugment, self.ada_target, self.ada_kimg, self.seed,
            ),
            optimizers=OptimizerOptions(
                self.d_lr, self.g_lr, self.beta_1, self.beta_2, self.optimizer_decay(self.d_lr),
                self.optimizer_decay(self.g_lr), self.mixed_precision,
            ),
            monitor=MonitorOptions(
                self.num_benchmark, self.sample_every, self.epochs, self.checkpoint_every, self.preset,
                self.tensorboard,
            ),
            checkpoints=CheckpointOptions(
                self.checkpoint_every, self.epochs, self.keep_checkpoints, self.snapshot_interval(), self.to_dict()
            ),
            devices=DeviceOptions(
                self.jit_compile, self.steps_per_execution, self.mixed_precision, self.strategy,
                self.intra_op_threads, self.concurrent, self.fuse, self.deterministic,
            ),
        )  # fmt: skip

    def fingerprint_dict(self):
        """The settings that decide what a run computes, for fingerprints: `to_dict()` without the
        LATER_FIELDS at their defaults."""
        default = TrainConfig()
        values = self.to_dict()
        return {k: v for k, v in values.items() if k not in LATER_FIELDS or v != getattr(default, k)}

    def with_overrides(self, overrides):
        """A copy with `overrides` applied; keys may be 'model.x' for family settings (another
        `family` starts from its own defaults: the model settings of this one do not carry over)."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        values = self.to_dict()
        if overrides.get("family", self.family) != self.family and "model" not in overrides:
            values["model"] = {}
        for key, value in overrides.items():
            if key.startswith("model."):
                values["model"] = {**values["model"], key[len("model.") :]: value}
            elif key in fields:
                values[key] = value
            else:
                raise UserError(f"unknown setting '{key}'; valid settings: {', '.join(fields)} and model.<name>")
        for name, field in fields.items():
            if not accepts(field.type, values[name]):
                raise UserError(f"setting '{name}' must be {describe(field.type)}, got {json.dumps(values[name])}")
        config = TrainConfig(**values)
        config.validate()
        return config

    def validate(self):
        checks = [
            (self.epochs >= 1, "--epochs must be at least 1"),
            (self.batch_size >= 1, "--batch-size must be at least 1"),
            (
                self.updates is None or self.updates >= self.epochs,
                f"--set updates={self.updates} must be at least --epochs {self.epochs} (one update per epoch)",
            ),
            (self.image_size >= 8 and self.image_size % 4 == 0, "--image-size must be a multiple of 4, at least 8"),
            (self.channels in (1, 3), "--channels must be 1 or 3"),
            (self.noise in ("uniform", "normal"), "--set noise= must be 'uniform' or 'normal'"),
            (self.d_batch in ("concat", "separate"), "--set d_batch= must be 'concat' or 'separate'"),
            (self.g_steps >= 1, "--set g_steps= must be at least 1"),
            (0.0 < self.real_label <= 1.0, "--set real_label= must be in (0, 1]"),
            (self.num_benchmark >= 1, "--set num_benchmark= must be at least 1"),
            (self.max_per_class is None or self.max_per_class >= 1, "--max-per-class must be at least 1"),
            (self.sample_every >= 1, "--sample-every must be at least 1"),
            (self.checkpoint_every >= 1, "--checkpoint-every must be at least 1"),
            (self.keep_checkpoints >= 0, "--set keep_checkpoints= must be 0 (keep all) or more"),
            (
                self.snapshot_every >= 0 and self.snapshot_every % self.checkpoint_every == 0,
                f"--set snapshot_every={self.snapshot_every} must be 0 (auto) or a multiple of --checkpoint-every "
                f"{self.checkpoint_every}",
            ),
            (self.decay_epochs is None or self.decay_epochs >= 1, "--set decay_epochs= must be at least 1"),
            (self.steps_per_execution >= 1, "--steps-per-execution must be at least 1"),
            (
                self.intra_op_threads >= 0,
                f"--intra-op-threads {self.intra_op_threads} must be 0 (auto) or a positive number of threads",
            ),
            (self.concurrent in (True, False, "auto"), "--set concurrent= must be true, false or auto"),
            (
                self.strategy in ("default", "mirrored", "multiworker"),
                "--strategy must be default, mirrored or multiworker",
            ),
            (0.0 <= self.ada_target < 1.0, f"--ada-target {self.ada_target} must be in [0, 1): 0 = off, ADA uses 0.6"),
            (self.ada_kimg > 0, f"--set ada_kimg={self.ada_kimg} must be above 0 (thousands of images)"),
        ]
        for ok, message in checks:
            if not ok:
                raise UserError(message)
        if self.family not in FAMILIES:
            raise UserError(f"--set family={self.family}: unknown model family; choose one of {', '.join(FAMILIES)}")
        check_model_settings(self.family, self.model)
        check_prefer_extension(self.prefer_ext)
        if not parse_policy(self.diffaugment) and self.ada_target:
            raise UserError(
                f"--ada-target {self.ada_target} tunes how often the DiffAugment policies apply: "
                "give them with --diffaugment, e.g. --diffaugment color,translation,cutout"
            )
        if self.ada_target and self.strategy != "default":
            raise UserError(f"--ada-target runs on one device: leave out --strategy {self.strategy}")


def epoch_steps(num_images, batch_size, epochs, updates):
    """Steps of one epoch of a GAN of `num_images` images: updates / epochs (rounded up) with an
    update budget, else one pass (the last partial batch dropped, as the book does)."""
    if updates is not None:
        return -(-updates // epochs)
    return steps_per_epoch(num_images, batch_size)


# ---------------------------------------------------------------- the settings in groups
# Each part of training is built from its own group: the data layer and the plan from `data`,
# the model family from `model`, the GAN's step from `step`, the two Adams from `optimizers`,
# the montages and plots from `monitor`, the checkpointer from `checkpoints`, and how the run
# uses the machine (XLA, threads, precision, strategy, classes side by side) from `devices`.


@dataclasses.dataclass(frozen=True)
class DataOptions:
    dataset: str
    data_dir: str | None
    prefer_ext: str | None
    classes: str
    max_per_class: int | None
    per_class: bool
    image_size: int
    channels: int
    batch_size: int
    seed: int
    epochs: int
    updates: int | None

    def steps_per_epoch(self, num_images):
        return epoch_steps(num_images, self.batch_size, self.epochs, self.updates)


@dataclasses.dataclass(frozen=True)
class ModelOptions:
    """What a model family's `build` reads (`model`: the family's own settings)."""

    family: str
    model: dict
    image_size: int
    channels: int
    noise_dim: int


@dataclasses.dataclass(frozen=True)
class StepOptions:
    noise_dim: int
    noise: str
    real_label: float
    g_steps: int
    d_batch: str
    g_training_in_d_step: bool
    balance: bool
    diffaugment: str
    ada_target: float
    ada_kimg: float
    seed: int  # of the noise and augmentation streams (a class GAN adds its index)


@dataclasses.dataclass(frozen=True)
class OptimizerOptions:
    d_lr: float
    g_lr: float
    beta_1: float
    beta_2: float
    d_decay: float  # per update, the book's Keras 2 decay
    g_decay: float
    loss_scale: bool


@dataclasses.dataclass(frozen=True)
class MonitorOptions:
    num_benchmark: int
    sample_every: int
    epochs: int
    checkpoint_every: int
    title: str
    tensorboard: bool


@dataclasses.dataclass(frozen=True)
class CheckpointOptions:
    every: int
    epochs: int
    keep: int
    snapshot_every: int
    config: dict  # the run's settings, kept in every checkpoint: a resume with other ones is refused


@dataclasses.dataclass(frozen=True)
class DeviceOptions:
    jit_compile: bool | str
    steps_per_execution: int
    mixed_precision: bool
    strategy: str
    intra_op_threads: int
    concurrent: bool | str
    fuse: bool
    deterministic: bool


class Options(typing.NamedTuple):
    data: DataOptions
    model: ModelOptions
    step: StepOptions
    optimizers: OptimizerOptions
    monitor: MonitorOptions
    checkpoints: CheckpointOptions
    devices: DeviceOptions


def accepts(annotation, value):
    """Whether `value` fits a field annotated `annotation` (int, float | None, bool | str ...)."""
    union = isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
    for option in typing.get_args(annotation) if union else (annotation,):
        option = typing.get_origin(option) or option
        if option is type(None):
            ok = value is None
        elif option in (int, float):  # JSON has one number type; a bool is not a number here
            ok = isinstance(value, int if option is int else (int, float)) and not isinstance(value, bool)
        else:
            ok = not isinstance(option, type) or isinstance(value, option)
        if ok:
            return True
    return False


def describe(annotation):
    union = isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
    options = typing.get_args(annotation) if union else (annotation,)
    names = {
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        str: "a text",
        dict: "a JSON object",
        type(None): "null",
    }
    return " or ".join(names.get(o, getattr(o, "__name__", str(o))) for o in options)


def parse_value(text):
    """Read a --set value: JSON where it parses (numbers, true/false, null), else the plain string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_assignments(items, flag="--set"):
    """['a=1', 'model.ngf=32'] -> {'a': 1, 'model.ngf': 32}."""
    overrides = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"{flag} expects key=value, got '{item}'")
        overrides[key.strip()] = parse_value(value.strip())
    return overrides


def parse_policy(text):
    """'color,translation,cutout' -> ('color', 'translation', 'cutout'), in the order of POLICIES.

    None, "" and "none" mean no augmentation: ().
    """
    if text is None or text.strip().lower() in ("", "none"):
        return ()
    names = {name.strip().lower() for name in text.split(",") if name.strip()}
    unknown = sorted(names - set(POLICIES))
    if unknown:
        raise UserError(
            f"--diffaugment: unknown policy {', '.join(repr(n) for n in unknown)}; "
            f"use a comma list of {', '.join(POLICIES)} (or none)"
        )
    return tuple(name for name in POLICIES if name in names)
