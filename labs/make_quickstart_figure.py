"""The README's quick-start picture: real training images beside the last epoch's samples, per class.

    python labs/make_quickstart_figure.py RUN_DIR [--epoch N] [--tiles 8x4] [--output docs/images/quickstart.png]

For each class GAN of the run (a folder written by `pyimagesearch-gan train`), the top-left
tiles of `real.png` and of `epoch_NNNN.png` (the fixed-noise montage; default: the last
epoch) side by side, one row per class. The quick start run of the README:

    pyimagesearch-gan train --preset book-mnist --classes 0,1,7 --max-per-class 500 --batch-size 16 --epochs 30 \
        --output output/quickstart
    python labs/make_quickstart_figure.py output/quickstart
"""
import argparse
import re
from pathlib import Path

import cv2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pyimagesearch_gan.errors import UserError, exit_on_user_error  # noqa: E402
from pyimagesearch_gan.runs import open_run  # noqa: E402


def last_epoch(folder):
    """The highest N of the folder's epoch_NNNN.png montages."""
    epochs = [int(m.group(1)) for p in folder.glob("epoch_*.png") if (m := re.fullmatch(r"epoch_(\d+)\.png", p.name))]
    if not epochs:
        raise UserError(f"{folder} has no epoch_*.png montages: train the run first")
    return max(epochs)


def crop(path, columns, rows, tile):
    """The top-left `columns` x `rows` tiles of a montage of `tile`-pixel images, as gray."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise UserError(f"cannot read {path}: is the run complete?")
    return image[: rows * tile, : columns * tile]


def make_figure(run_dir, output, *, epoch=None, columns=8, rows=4):
    """Write the figure for the run in `run_dir` to `output`; returns the epoch shown."""
    run = open_run(run_dir)
    folders = [run.folder / gan for gan in run.gans]
    epoch = epoch or min(last_epoch(folder) for folder in folders)
    tile = run.cfg.image_size
    fig, axes = plt.subplots(len(folders), 2, figsize=(2 * columns * 0.42, len(folders) * rows * 0.42 + 0.5),
                             squeeze=False)
    for (left, right), folder in zip(axes, folders):
        left.imshow(crop(folder / "real.png", columns, rows, tile), cmap="gray", vmin=0, vmax=255)
        right.imshow(crop(folder / f"epoch_{epoch:04d}.png", columns, rows, tile), cmap="gray", vmin=0, vmax=255)
        left.set_ylabel(folder.name, rotation=0, labelpad=12, fontsize=14, va="center")
        for ax in (left, right):
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0][0].set_title("real training images")
    axes[0][1].set_title(f"generated, epoch {epoch}")
    fig.tight_layout(pad=0.3)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=80)
    plt.close(fig)
    gray = cv2.imread(str(output), cv2.IMREAD_GRAYSCALE)  # a third of the size of matplotlib's RGBA
    cv2.imwrite(str(output), gray, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return epoch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by 'pyimagesearch-gan train'")
    parser.add_argument("--epoch", type=int, help="the montage to show (default: the last one)")
    parser.add_argument("--tiles", default="8x4", help="columns x rows of tiles per panel (default 8x4)")
    parser.add_argument("--output", default="docs/images/quickstart.png", help="the PNG to write")
    args = parser.parse_args(argv)
    try:
        columns, rows = (int(n) for n in args.tiles.lower().split("x"))
    except ValueError:
        parser.error(f"--tiles expects COLUMNSxROWS such as 8x4, got {args.tiles!r}")
    epoch = exit_on_user_error(make_figure, args.run_dir, args.output, epoch=args.epoch, columns=columns, rows=rows)
    print(f"wrote {args.output} (epoch {epoch})")


if __name__ == "__main__":
    main()
