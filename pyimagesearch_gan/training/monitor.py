"""What a run shows: fixed-noise montages every epoch, the loss plot, the history, progress.

`Monitor` is a Keras callback, one per class GAN: at the start it writes `real.png` (a
montage of training images, for the "dataset vs generated" comparison); at the end of an
epoch `epoch_0001.png` (the book's 16x16 grid of the 256 benchmark noise vectors' images,
every `every` epochs and at the last), `history.json` and `loss.png`. Its state (history and
benchmark inputs) goes into the checkpoints through `get_state` / `set_state`; `set_state`
also makes the folder show the restored epoch again (no later montages).

Epochs can be short (a fully connected GAN on one MNIST digit: 10 steps, a tenth of a second
or two), so the per-epoch work is kept small: the images are generated at the epoch's end by
a compiled function; the montage (imutils) and the files are written by one
background thread while the next epoch trains; `history.json` and `loss.png` are written
only at epochs with a montage or a checkpoint, and the loss plot (matplotlib, tens of
milliseconds) at most as often as keeps it under a tenth of the run's time. At the end of
training, on Ctrl-C and on errors (`finish_writes`) both files are brought up to the last
finished epoch. Each monitor has at most one epoch's files in flight, a failed write is
raised at the next write or at the end.
"""

import functools
import math
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import imutils
import keras
import numpy as np
import tensorflow as tf
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pyimagesearch_gan.data import to_uint8
from pyimagesearch_gan.files import atomic_path, remove_stale_temp, write_image, write_json
from pyimagesearch_gan.utils import Stopwatch


def montage(images, grid):
    """uint8 images (N, H, W, C) -> one BGR uint8 montage of grid = (columns, rows) tiles (the
    book's `imutils.build_montages`; it runs in the writer thread, off the training thread)."""
    images = np.asarray(images)
    if images.shape[-1] == 1:
        tiles = [cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) for image in images]
    else:
        tiles = [cv2.cvtColor(image, cv2.COLOR_RGB2BGR) for image in images]
    height, width = images.shape[1:3]
    return imutils.build_montages(tiles, (width, height), tuple(grid))[0]


def stored(image, images):
    """A montage as written to disk: one channel for gray models (a third of the bytes)."""
    return image[..., 0] if images.shape[-1] == 1 else image


class LossPlot:
    """Loss curves per epoch (and, where the history has them, the AC-GAN's accuracies and ADA's
    probability and r_t in a second panel), written as a PNG.

    The figure is made once and its lines are updated each epoch: a new figure with a tight
    layout costs more than a whole epoch of training at batch size 16.
    """

    def __init__(self, title="", targets=None):
        self.title = title
        self.targets = dict(targets or {})  # {key: value} drawn as a dashed line, e.g. ADA's r_t target
        self.figure = None

    def build(self, loss_keys, acc_keys):
        panels = 2 if acc_keys else 1
        self.figure = Figure(figsize=(6 * panels, 4), dpi=80)
        FigureCanvasAgg(self.figure)
        axes = self.figure.subplots(1, panels, squeeze=False)[0]
        self.lines = {key: axes[0].plot([], [], label=key)[0] for key in loss_keys}
        axes[0].set(xlabel="epoch", ylabel="loss", title=self.title or "training loss")
        ada = any(key.startswith("ada_") for key in acc_keys)
        if acc_keys:
            self.lines.update({key: axes[1].plot([], [], label=key)[0] for key in acc_keys})
            accuracy = any(key.startswith("acc") for key in acc_keys)
            title = " and ".join(t for t, shown in (("auxiliary classifier", accuracy), ("ADA", ada)) if shown)
            axes[1].set(xlabel="epoch", ylabel="value", ylim=(-1 if ada else 0, 1), title=title)
            for key in acc_keys:
                if key in self.targets:
                    axes[1].axhline(self.targets[key], color="gray", linestyle="--", label=f"{key} target")
        for ax, corner in zip(axes, ("upper right", "lower right" if ada else "upper right")):
            ax.legend(loc=corner)  # ADA's values stay above -0.5: its legend goes below them
        self.axes = axes
        self.keys = (loss_keys, acc_keys)
        self.figure.subplots_adjust(left=0.1 / panels, right=1 - 0.03 / panels, bottom=0.13, top=0.92, wspace=0.2)

    def write(self, history, path):
        loss_keys = [k for k in history[-1] if k.endswith("loss")]
        acc_keys = [k for k in history[-1] if k.startswith(("acc", "ada_"))]
        if self.figure is None or self.keys != (loss_keys, acc_keys):
            self.build(loss_keys, acc_keys)
        epochs = [record["epoch"] for record in history]
        for key, line in self.lines.items():
            line.set_data(epochs, [record.get(key, np.nan) for record in history])
        self.axes[0].relim()
        self.axes[0].autoscale_view()
        if len(self.axes) > 1:
            self.axes[1].set_xlim(self.axes[0].get_xlim())
        with atomic_path(path) as tmp:
            self.figure.savefig(tmp)


def plot_history(history, path, title=""):
    """Write the loss plot of `history` to `path` (a one-off LossPlot)."""
    LossPlot(title).write(history, path)


class Monitor(keras.callbacks.Callback):
    """Montages, loss plot and history for one GAN, written into `folder`.

    `prefix` selects this GAN's entries in the logs when several class GANs train at once.
    A montage every `every` epochs and at `epochs`; `history.json` and `loss.png` then and
    every `checkpoint_every` epochs (the history keeps every epoch).
    """

    PLOT_GAP = 9  # the loss plot waits this many times its own drawing time between drawings

    def __init__(
        self,
        gan,
        folder,
        real_images,
        *,
        num_benchmark=256,
        seed=0,
        prefix="",
        title="",
        history=None,
        every=1,
        epochs=None,
        checkpoint_every=None,
    ):
        super().__init__()
        self.every = every
        self.epochs = epochs
        self.checkpoint_every = checkpoint_every
        self.gan = gan
        self.folder = Path(folder)
        self.real_images = real_images
        self.inputs, self.grid = gan.benchmark_inputs(num_benchmark, seed)
        self.prefix = prefix
        self.title = title
        self.loss_plot = LossPlot(title, targets=gan.augmenter.targets if gan.augmenter else None)
        self.history = list(history or [])
        self.clock = Stopwatch()
        # One trace per class GAN is expected; TensorFlow counts traces per code object, so a
        # bound method's would read as "retracing" with 5+ classes: a partial is its own key.
        self.generate = tf.function(functools.partial(gan.generate))
        self.pending = None  # the files in flight
        self.saved = self.plotted = 0  # the epochs history.json and loss.png show
        self.plot_seconds, self.plotted_at = 0.0, -math.inf

    def on_train_begin(self, logs=None):
        if not (self.folder / "real.png").exists():
            count = min(len(self.real_images), self.grid[0] * self.grid[1])
            write_image(
                self.folder / "real.png", stored(montage(self.real_images[:count], self.grid), self.real_images)
            )

    def on_epoch_begin(self, epoch, logs=None):
        self.clock.start()

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        sample = done % self.every == 0 or done == self.epochs
        images = keras.ops.convert_to_numpy(self.generate(self.inputs)) if sample else None
        record = {"epoch": done}
        for key, value in (logs or {}).items():
            if key.startswith(self.prefix):
                record[key[len(self.prefix) :]] = float(value)
        record["seconds"] = round(self.clock.stop(), 3)
        self.history.append(record)
        if sample or (self.checkpoint_every and done % self.checkpoint_every == 0):
            self.wait_writes()
            self.pending = writer().submit(self.write_files, images, list(self.history), final=done == self.epochs)

    def write_files(self, images, history, final=False):
        """The montage of `images` (floats in [-1, 1], or None), history.json and, when `final`
        or due, loss.png, of the last epoch of `history` (in the writer thread)."""
        epoch = history[-1]["epoch"]
        if images is not None:
            images = to_uint8(images)
            write_image(self.folder / f"epoch_{epoch:04d}.png", stored(montage(images, self.grid), images))
        write_json(self.folder / "history.json", history)
        self.saved = epoch
        if final or time.perf_counter() - self.plotted_at >= self.PLOT_GAP * self.plot_seconds:
            self.write_plot(history)

    def write_plot(self, history):
        start = time.perf_counter()
        self.loss_plot.write(history, self.folder / "loss.png")
        self.plotted_at = time.perf_counter()
        self.plot_seconds = self.plotted_at - start
        self.plotted = history[-1]["epoch"]

    def wait_writes(self):
        """Wait for the files in flight (raising what went wrong writing them)."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def finish_writes(self):
        """Wait for the files in flight, then bring history.json and loss.png up to the last
        finished epoch (the end of training, Ctrl-C, an error)."""
        self.wait_writes()
        if self.history and self.saved != self.history[-1]["epoch"]:
            write_json(self.folder / "history.json", self.history)
            self.saved = self.history[-1]["epoch"]
        if self.history and self.plotted != self.history[-1]["epoch"]:
            self.write_plot(self.history)

    def on_train_end(self, logs=None):
        self.finish_writes()

    # --- state, for checkpoints -----------------------------------------------------------------
    def get_state(self, epoch=None):
        """{"history", "benchmark"}: what a checkpoint keeps of this monitor (the history up to
        `epoch`, the benchmark inputs as a list of arrays)."""
        history = [record for record in self.history if epoch is None or record["epoch"] <= epoch]
        inputs = self.inputs if isinstance(self.inputs, (list, tuple)) else [self.inputs]
        return {"history": history, "benchmark": [np.asarray(part) for part in inputs]}

    def set_state(self, state):
        """Go on from a checkpoint's state (None: from the start); the folder shows its epoch again."""
        self.wait_writes()
        history = list(state["history"]) if state else []
        if state:
            stored = state["benchmark"]
            if any(not np.array_equal(a, b) for a, b in zip(stored, self.get_state()["benchmark"])):
                print(
                    f"warning: the benchmark noise of {self.folder.name} differs from its checkpoint's; "
                    "the montages go on with the stored noise",
                    file=sys.stderr,
                )
            self.inputs = list(stored) if isinstance(self.inputs, (list, tuple)) else stored[0]
        self.history = history
        self.truncate_files(history[-1]["epoch"] if history else 0)

    def truncate_files(self, epoch):
        """Make the folder show epoch `epoch`: no later montages, the history and plot of it."""
        for path in self.folder.glob("epoch_*.png"):
            match = re.fullmatch(r"epoch_(\d+)\.png", path.name)
            if match and int(match.group(1)) > epoch:
                path.unlink()
        remove_stale_temp(self.folder)
        if self.history:
            write_json(self.folder / "history.json", self.history)
            self.write_plot(self.history)
            self.saved = epoch
        else:
            (self.folder / "history.json").unlink(missing_ok=True)
            (self.folder / "loss.png").unlink(missing_ok=True)
            self.saved = self.plotted = 0


_writer = None


def writer():
    """The one thread that writes every monitor's files, in order."""
    global _writer
    if _writer is None:
        _writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-files")
    return _writer
