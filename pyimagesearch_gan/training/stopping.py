"""Stopping a run cleanly: Ctrl-C or SIGTERM finishes the current step and keeps a checkpoint;
a non-finite loss stops the run before its bad state is written; a failed write says how to resume.
"""

import contextlib
import math
import signal
import sys

import keras

from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.runs import resume_hint
from pyimagesearch_gan.training.checkpoints import NonFinite


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
        print(
            "\nstopping after this step and writing a checkpoint (press Ctrl-C again to stop at once)",
            file=sys.stderr,
            flush=True,
        )

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


@contextlib.contextmanager
def guarded_run(run_dir):
    """Around a run's training: signals ask for a clean stop (yields the StopRequest), and a
    failed write (disk full, folder gone) ends in one line saying how to resume."""
    with StopRequest() as stop:
        try:
            yield stop
        except OSError as err:
            raise UserError(
                f"cannot write {err.filename or 'to ' + str(run_dir)} ({err.strerror or err}); the checkpoints written "
                f"so far are intact: free space or fix the folder, then {resume_hint(run_dir)}"
            ) from None
