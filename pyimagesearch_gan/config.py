"""Training configuration: one dataclass, named presets as plain data, command-line overrides.

A run's settings come from a preset (the source's settings, see `presets.py`), then
`--flag` and `--set key=value` overrides; the resolved config is saved as `config.json`
in the run folder, and `--resume` reads it back.
"""
import dataclasses
import json
from pathlib import Path

from .errors import UserError


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
    classes: str = "all"
    per_class: bool = True
    image_size: int = 28
    channels: int = 1
    # Schedule.
    epochs: int = 50
    batch_size: int = 128
    seed: int = 42
    deterministic: bool = False
    # Noise fed to the generator.
    noise_dim: int = 100
    noise: str = "uniform"  # "uniform" in [-1, 1] (book) or "normal"
    # Optimizers: Adam for D and G; decay None means the book's lr / epochs.
    d_lr: float = 2e-4
    g_lr: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    decay: float | None = None
    # Training step.
    real_label: float = 1.0  # < 1 is one-sided label smoothing
    g_steps: int = 1  # generator updates per discriminator update
    d_batch: str = "concat"  # "concat": one D pass on real+fake (book); "separate": real then fake
    g_training_in_d_step: bool = False  # book: fakes for D come from predict(), i.e. inference mode
    balance: bool = False  # skip the update of the network whose loss is below the other's
    jit_compile: bool | str = "auto"
    concurrent: bool = False  # train the class GANs side by side in one compiled step
    # Monitoring and output.
    num_benchmark: int = 256
    output: str | None = None
    checkpoint_every: int = 10

    def optimizer_decay(self, lr):
        """The decay rate per update: the book's lr / epochs unless set explicitly."""
        return lr / self.epochs if self.decay is None else self.decay

    def to_dict(self):
        return dataclasses.asdict(self)

    def save(self, path):
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path):
        try:
            values = json.loads(Path(path).read_text())
        except (OSError, ValueError) as err:
            raise UserError(f"cannot read the run config {path} ({err}); point at a run folder written by pyimagesearch-gan") from None
        return cls().with_overrides(values)

    def with_overrides(self, overrides):
        """A copy with `overrides` applied; keys may be 'model.x' for family settings."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        values = self.to_dict()
        for key, value in overrides.items():
            if key.startswith("model."):
                values["model"] = {**values["model"], key[len("model."):]: value}
            elif key in fields:
                values[key] = value
            else:
                raise UserError(f"unknown setting '{key}'; valid settings: {', '.join(fields)} and model.<name>")
        config = TrainConfig(**values)
        config.validate()
        return config

    def validate(self):
        checks = [
            (self.epochs >= 1, "--epochs must be at least 1"),
            (self.batch_size >= 1, "--batch-size must be at least 1"),
            (self.image_size >= 8 and self.image_size % 4 == 0, "--image-size must be a multiple of 4, at least 8"),
            (self.channels in (1, 3), "--channels must be 1 or 3"),
            (self.noise in ("uniform", "normal"), "--set noise= must be 'uniform' or 'normal'"),
            (self.d_batch in ("concat", "separate"), "--set d_batch= must be 'concat' or 'separate'"),
            (self.g_steps >= 1, "--set g_steps= must be at least 1"),
            (0.0 < self.real_label <= 1.0, "--set real_label= must be in (0, 1]"),
            (self.num_benchmark >= 1, "--set num_benchmark= must be at least 1"),
            (self.checkpoint_every >= 1, "--checkpoint-every must be at least 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise UserError(message)


def parse_value(text):
    """Read a --set value: JSON where it parses (numbers, true/false, null), else the plain string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_assignments(items):
    """['a=1', 'model.ngf=32'] -> {'a': 1, 'model.ngf': 32}."""
    overrides = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"--set expects key=value, got '{item}'")
        overrides[key.strip()] = parse_value(value.strip())
    return overrides
