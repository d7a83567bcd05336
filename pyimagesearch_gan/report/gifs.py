"""The progress GIF of a GAN folder: its epoch montages in one animated GIF.

`write_progress_gif` makes one frame per epoch up to `max_frames` (thinned evenly, the first
and last kept), each labelled with its epoch. A montage of noisy textures barely compresses in
a GIF, so the frames are scaled down until the GIF fits in `max_bytes`.
"""

import io
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import atomic_path
from pyimagesearch_gan.runs import epoch_montages

GIF_NAME = "progress.gif"


def thin(items, max_frames):
    """At most `max_frames` of `items`, evenly spaced, the first and the last kept."""
    if len(items) <= max_frames:
        return list(items)
    if max_frames == 1:
        return [items[-1]]
    picks = np.linspace(0, len(items) - 1, max_frames).round().astype(int)
    return [items[i] for i in picks]


def write_progress_gif(gan_folder, *, max_frames=60, max_bytes=3_000_000):
    """Write `progress.gif` into `gan_folder`: its epoch montages in order, one labelled frame per
    epoch up to `max_frames`, scaled down where needed to stay under `max_bytes`; returns its path."""
    gan_folder = Path(gan_folder)
    if max_frames < 1:
        raise UserError(f"max_frames must be at least 1 for a progress GIF, got {max_frames}")
    montages = thin(epoch_montages(gan_folder), max_frames)
    if not montages:
        raise UserError(
            f"no epoch montages (epoch_*.png) in {gan_folder}: pass a GAN folder of a run that has trained an epoch"
        )
    last = load_rgb(montages[-1][1])
    # Montages of another size (a run resumed with other settings) are fitted to the last one.
    frames = [(epoch, fit_to(load_rgb(path), last.shape)) for epoch, path in montages[:-1]] + [(montages[-1][0], last)]
    gray = all(is_gray(image) for _, image in frames[:: max(1, len(frames) // 5)])
    scale = gif_scale(frames, gray, max_bytes)
    palette = None if gray else make_frame(frames[-1], scale, gray=False).quantize(64, dither=Image.Dither.NONE)
    images = [to_palette(make_frame(frame, scale, gray), palette) for frame in frames]
    # About 8 s for the whole animation, then the last frame held for 2 s.
    step = int(np.clip(8000 / len(images), 60, 400))
    durations = [step] * (len(images) - 1) + [2000]
    path = gan_folder / GIF_NAME
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
    return path


def load_rgb(path):
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except OSError as err:
        raise UserError(
            f"cannot read montage {path} ({err}); delete the damaged file and write the GIF again"
        ) from None


def fit_to(image, shape):
    if image.shape == shape:
        return image
    return np.asarray(Image.fromarray(image).resize((shape[1], shape[0]), Image.Resampling.BOX))


def is_gray(image):
    return bool(np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 1], image[..., 2]))


def gif_scale(frames, gray, max_bytes, max_side=512):
    """The largest scale (<= 1, longest side <= `max_side`) at which the GIF should fit in
    `max_bytes`: measured on the first, middle and last frames, the busiest of a run."""
    height, width = frames[0][1].shape[:2]
    scale = min(1.0, max_side / max(height, width))
    samples = [frames[0], frames[len(frames) // 2], frames[-1]]
    budget = 0.9 * max_bytes / len(frames)
    for _ in range(8):
        size = max(gif_bytes(to_palette(make_frame(f, scale, gray), None)) for f in samples)
        if size <= budget or scale * min(height, width) < 64:
            break
        # Bytes per pixel grow a little as textures get finer, hence the margin.
        scale *= min(0.9, 0.95 * math.sqrt(budget / size))
    return scale


def gif_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="GIF")
    return buffer.tell()


def make_frame(frame, scale, gray):
    """A montage scaled by `scale` under a strip that says its epoch."""
    epoch, pixels = frame
    image = Image.fromarray(pixels).convert("L" if gray else "RGB")
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX)
    font_size = int(np.clip(image.width / 20, 10, 18))
    strip = font_size + 6
    labelled = Image.new(image.mode, (image.width, image.height + strip), 24 if gray else (24, 24, 24))
    labelled.paste(image, (0, strip))
    ink = 235 if gray else (235, 235, 235)
    ImageDraw.Draw(labelled).text((4, 3), f"epoch {epoch}", fill=ink, font=label_font(font_size))
    return labelled


def label_font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: one bitmap size
        return ImageFont.load_default()


def to_palette(image, palette):
    """A palette image: 32 gray levels (few levels keep noisy textures small), or the colors of `palette`."""
    if image.mode == "L":
        levels = 32
        indices = (np.asarray(image, dtype=np.uint16) * levels // 256).astype(np.uint8)
        result = Image.fromarray(indices, "P")
        result.putpalette([int((i + 0.5) * 256 / levels) for i in range(levels) for _ in range(3)])
        return result
    if palette is None:
        return image.quantize(64, dither=Image.Dither.NONE)
    return image.quantize(palette=palette, dither=Image.Dither.NONE)
