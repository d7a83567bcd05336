"""Writing run files so that a crash or `kill -9` never leaves a half-written one.

Every file goes to a hidden temporary name in the same folder, then `os.replace` puts it
in place in one step: readers see the old file or the new one, never a torn one.
"""

import contextlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import cv2

from pyimagesearch_gan.errors import UserError


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path` (same extension); on success move it into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path, data):
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n")


def write_image(path, image):
    """Write a uint8 image (H, W) or (H, W, 3) in BGR order with OpenCV."""
    with atomic_path(path) as tmp:
        if not cv2.imwrite(str(tmp), image):
            raise UserError(f"cannot write image {path}; check the output folder is writable")


def ensure_writable_dir(path, flag="--output"):
    """Create `path` (and parents); a one-line UserError if it cannot be written."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        raise UserError(
            f"cannot write to {flag} folder {path} ({err.strerror}); choose a writable folder with {flag}"
        ) from None
    return path


def check_writable(path, flag="--output"):
    """A UserError when `path` could not be created and written (nothing is created here)."""
    path = Path(path)
    existing = next(p for p in [path, *path.parents] if p.exists())
    if not existing.is_dir():
        raise UserError(
            f"cannot write to {flag} folder {path} ({existing} is a file); choose another folder with {flag}"
        )
    try:  # a real probe: root passes every permission check, and /proc or a full disk still refuse
        os.rmdir(tempfile.mkdtemp(prefix=".write-test-", dir=existing))
    except OSError as err:
        raise UserError(
            f"cannot write to {flag} folder {path} ({err.strerror} in {existing}); choose a writable folder with {flag}"
        ) from None
    return path


def check_new_dir(path, *, force, flag="--output"):
    """A UserError when `path` exists with something in it and `force` is off."""
    path = Path(path)
    if not force and path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UserError(
            f"{flag} folder {path} already exists and is not empty: choose another folder, or pass --force to "
            "replace it"
        )


@contextlib.contextmanager
def atomic_dir(path, *, force=True, flag="--output"):
    """Yield a hidden temporary folder beside `path`; on success it replaces `path` in one step.

    Readers see the old folder or the complete new one, never a half-written one; on an
    error the temporary folder is removed and `path` is left as it was.
    """
    path = Path(path)
    check_new_dir(path, force=force, flag=flag)
    ensure_writable_dir(path.parent, flag)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp", dir=path.parent))
    try:
        yield tmp
        old = path.with_name(f".{path.name}.old{os.getpid()}")
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


STALE_TEMP = re.compile(r"^\.(.+\.tmp\d+(\.\w+)?|write-test-\d+)$")  # the temporary names above


def remove_stale_temp(folder):
    """Temporary files a killed run left behind (finished files never have these names)."""
    for path in Path(folder).iterdir() if Path(folder).is_dir() else ():
        if path.is_file() and STALE_TEMP.match(path.name):
            path.unlink(missing_ok=True)
