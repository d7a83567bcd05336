"""The console: one line per epoch with the losses, seconds per epoch and the time left."""
import keras

from pyimagesearch_gan.utils import Stopwatch, format_seconds


class ProgressLogger(keras.callbacks.Callback):
    """One console line per epoch: losses, seconds per epoch, time left for this run."""

    def __init__(self, label, total_epochs, *, keys=("d_loss", "gan_loss"), remaining_after=0):
        super().__init__()
        self.label = label
        self.total_epochs = total_epochs
        self.keys = keys
        self.remaining_after = remaining_after  # epochs of later GANs still to train
        self.clock = Stopwatch()

    def on_epoch_begin(self, epoch, logs=None):
        self.clock.start()

    def on_epoch_end(self, epoch, logs=None):
        seconds = self.clock.stop()
        left = self.clock.left(self.total_epochs - epoch - 1 + self.remaining_after)
        losses = "  ".join(f"{k} {logs[k]:.3f}" for k in self.keys if k in (logs or {}))
        print(f"[{self.label}] epoch {epoch + 1}/{self.total_epochs}  {losses}  {seconds:.2f} s/epoch  "
              f"left {format_seconds(left)}", flush=True)
