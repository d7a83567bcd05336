"""The console during training: one short line per epoch, a per-class table now and then.

One GAN: `[crazing] epoch 12/500  d_loss 0.652  gan_loss 0.801  0.52 s/epoch  left 4m10s`.
Several class GANs side by side: the epoch line gives each loss's mean over the classes and
the class furthest from the others (the one to look at), so it stays under 160 columns for any
number of classes; every `table_every` epochs and at the end a table shows every class's
losses. `verbose` prints every loss of every class on the epoch line instead.
"""

import keras

from pyimagesearch_gan.utils import Stopwatch, format_seconds

MAX_NAME = 24  # class names are cut to this in the epoch line


class ProgressLogger(keras.callbacks.Callback):
    """Console lines for `names` (the GANs of one fit; their log keys are prefixed `<name>/`
    when there are several), `keys` the losses each GAN logs."""

    def __init__(
        self,
        label,
        total_epochs,
        *,
        names=(),
        keys=("d_loss", "gan_loss"),
        remaining_after=0,
        verbose=False,
        table_every=None,
        on_first_step=None,
    ):
        super().__init__()
        self.label = label
        self.total_epochs = total_epochs
        self.names = list(names)
        self.keys = list(keys)
        self.remaining_after = remaining_after  # epochs of later GANs still to train
        self.verbose = verbose
        self.table_every = table_every or max(10, total_epochs // 10)
        self.clock = Stopwatch()
        self.on_first_step = on_first_step  # called once, when the first training step is done

    def on_train_batch_end(self, batch, logs=None):
        if self.on_first_step is not None:
            self.on_first_step()
            self.on_first_step = None

    def on_epoch_begin(self, epoch, logs=None):
        self.clock.start()

    def on_epoch_end(self, epoch, logs=None):
        seconds = self.clock.stop()
        left = self.clock.left(self.total_epochs - epoch - 1 + self.remaining_after)
        logs = logs or {}
        timing = f"{seconds:.2f} s/epoch  left {format_seconds(left)}"
        head = f"[{self.label}] epoch {epoch + 1}/{self.total_epochs}"
        if len(self.names) < 2 or self.verbose:
            losses = "  ".join(f"{k} {v:.3f}" for k, v in logs.items() if self.wanted(k))
            print(f"{head}  {losses}  {timing}", flush=True)
        else:
            print(f"{head}  {self.summary(logs)}  {timing}", flush=True)
        last = epoch + 1 == self.total_epochs
        if len(self.names) > 1 and ((epoch + 1) % self.table_every == 0 or last):
            print(self.table(logs), flush=True)

    def wanted(self, key):
        return key.rsplit("/", 1)[-1] in self.keys

    def per_class(self, logs):
        """{class: {key: value}} from the prefixed logs."""
        return {name: {k: logs[f"{name}/{k}"] for k in self.keys if f"{name}/{k}" in logs} for name in self.names}

    def summary(self, logs):
        """Each loss's mean over the classes, and the class whose losses are furthest from them."""
        values = self.per_class(logs)
        losses = [k for k in self.keys if k.endswith("loss")][:2]
        means = {k: sum(v[k] for v in values.values()) / len(values) for k in losses}
        furthest = max(values, key=lambda name: sum(abs(values[name][k] - means[k]) for k in losses))
        mean_text = "  ".join(f"{k} {means[k]:.3f}" for k in losses)
        off = ", ".join(f"{k.split('_')[0]} {values[furthest][k]:.3f}" for k in losses)
        return f"mean {mean_text}  furthest {furthest[:MAX_NAME]} ({off})"

    def table(self, logs):
        values = self.per_class(logs)
        width = min(MAX_NAME, max(len(name) for name in self.names))
        header = f"  {'class':<{width}}  " + "  ".join(f"{k:>12}" for k in self.keys)
        rows = [
            f"  {name[:width]:<{width}}  " + "  ".join(f"{values[name].get(k, float('nan')):>12.3f}" for k in self.keys)
            for name in self.names
        ]
        return "\n".join([header, *rows])
