"""Small helpers every part of the project shares, one of each: noise, fingerprints, comma
lists, seeded per-class splits and timing. None of them imports TensorFlow.
"""

import contextlib
import hashlib
import os
import statistics
import sys
import time

import numpy as np

from pyimagesearch_gan.errors import UserError


def draw_noise(rng, count, dim, kind="uniform"):
    """`count` generator noise vectors of `dim` values as float32, drawn with NumPy.

    `rng` is a `np.random.Generator` or a seed for one (an int or a list such as [seed, class]);
    `kind` is the book's "uniform" in [-1, 1] or "normal" (the PyTorch sources').
    """
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    shape = (count, dim)
    values = rng.standard_normal(shape) if kind == "normal" else rng.uniform(-1.0, 1.0, shape)
    return values.astype("float32")


def fingerprint(*arrays, length=16):
    """A short SHA-1 of the arrays' bytes: the same data gives the same fingerprint.

    A resumed run, a cached GAN and a cached feature CNN compare fingerprints to make sure
    they see the data they were made from. `length=None` keeps the whole hex digest.
    """
    digest = hashlib.sha1()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:length]


def parse_list(text, kind, flag, allowed=None):
    """'250,500' -> [250, 500]: a comma list of `kind` values, at least one; a one-line
    UserError naming `flag` for anything else (and for values outside `allowed`)."""
    try:
        values = [kind(item.strip()) for item in str(text).split(",") if item.strip()]
    except ValueError:
        raise UserError(f"{flag} expects a comma list of {kind.__name__} values, got '{text}'") from None
    if not values:
        raise UserError(f"{flag} is empty; give at least one value")
    bad = [value for value in values if allowed is not None and value not in allowed]
    if bad:
        raise UserError(f"{flag}: unknown value '{bad[0]}'; choose from {', '.join(map(str, allowed))}")
    return values


def per_class_order(labels, seed):
    """{label: that class's indices in a random order}, the order of class c drawn from
    NumPy seeded with (*seed, c): a class's order does not depend on the other classes.

    The one way the project picks images per class: held-out splits take the first part of
    each order, the experiments' few-real-images subsets and test sets too.
    """
    seed = list(seed) if isinstance(seed, (list, tuple)) else [seed]
    labels = np.asarray(labels)
    return {
        int(c): np.flatnonzero(labels == c)[
            np.random.default_rng([*seed, int(c)]).permutation(int((labels == c).sum()))
        ]
        for c in np.unique(labels)
    }


def per_class_split(labels, count, seed):
    """A boolean mask choosing the first `count(n)` of each class's order (n = the class size)."""
    chosen = np.zeros(len(labels), bool)
    for members in per_class_order(labels, seed).values():
        chosen[members[: count(len(members))]] = True
    return chosen


class Stopwatch:
    """Seconds per unit of work (an epoch, a trial) and the time left for the rest."""

    def __init__(self, total=0):
        self.total = total
        self.times = []
        self.started = time.perf_counter()
        self.lap_start = None

    def start(self):
        self.lap_start = time.perf_counter()

    def stop(self):
        """End the current unit; returns its seconds."""
        self.times.append(time.perf_counter() - self.lap_start)
        return self.times[-1]

    def add(self, seconds):
        self.times.append(seconds)

    def elapsed(self):
        return time.perf_counter() - self.started

    def typical(self, last=10):
        """The median of the last `last` units (robust to a slow first epoch)."""
        return statistics.median(self.times[-last:]) if self.times else 0.0

    def left(self, remaining=None):
        """Estimated seconds for the `remaining` units (default: total minus done)."""
        remaining = self.total - len(self.times) if remaining is None else remaining
        return self.typical() * max(0, remaining)


@contextlib.contextmanager
def quiet_stderr():
    """Send the process's stderr (file descriptor 2, where C++ libraries write) to /dev/null."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def xla_cache_flags(environ):
    """TF_XLA_FLAGS with XLA's persistent compilation cache in `$PYIMAGESEARCH_GAN_XLA_CACHE`
    (default ~/.cache/pyimagesearch-gan/xla; "off": none), so a run does not compile again
    what an earlier run with the same model compiled. Flags already set are kept."""
    flags = environ.get("TF_XLA_FLAGS", "")
    folder = environ.get("PYIMAGESEARCH_GAN_XLA_CACHE")
    if folder is None:
        base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "pyimagesearch-gan", "xla")
    if folder.lower() in ("off", "") or "tf_xla_persistent_cache_directory" in flags:
        return flags
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return flags  # not writable: compile every time, as without the cache
    return f"{flags} --tf_xla_persistent_cache_directory={folder}".strip()


def import_tensorflow(verbose=False):
    """Import TensorFlow and Keras, without TensorFlow's C++ start-up lines unless `verbose`
    (absl and oneDNN notices that no environment variable hides), with XLA's compilation cache
    (`xla_cache_flags`); a missing TensorFlow is one line saying what to install."""
    if sys.modules.get("tensorflow") is not None:
        return
    os.environ["TF_XLA_FLAGS"] = xla_cache_flags(os.environ)
    try:
        with contextlib.nullcontext() if verbose else quiet_stderr():
            import keras  # noqa: F401
            import tensorflow  # noqa: F401
    except ImportError as err:
        raise UserError(
            f"TensorFlow is not installed ({err}): install the package with an extra, "
            "pip install -e '.[cpu]' (CPU), '.[gpu]' (NVIDIA GPU) or '.[tf]' (macOS)"
        ) from None


def format_seconds(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
