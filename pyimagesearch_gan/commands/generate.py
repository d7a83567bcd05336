"""`pyimagesearch-gan generate RUN_DIR --count N --output DIR`: a synthetic data set from a trained run.

Opens the run (runs.py), loads each class GAN's generator (or the run's one conditional
generator), the final one, a checkpoint's (`--epoch N`) or, with `--epoch best`, each class's
epoch as `evaluate` chose it (by CAS or FID, read from the run's evaluation/metrics.json), and
writes N images per class as PNG: <output>/<class>/<class>_00001.png, the class-folder layout
that `keras.utils.image_dataset_from_directory` and `--dataset folder` read. manifest.json
beside the class folders says where they came from: run, model, the epoch of each GAN and
class (and what chose it), seed, count per class. The output folder appears complete or not at
all, and an existing one is replaced only with `--force`.
"""

import time

import cv2

from pyimagesearch_gan.commands.options import whole
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import atomic_dir, check_new_dir, check_writable, write_image, write_json
from pyimagesearch_gan.runs import folder_name, generator_epoch, load_generator, open_run, read_chosen_epochs, sample
from pyimagesearch_gan.utils import import_tensorflow


def add_parser(subparsers):
    p = subparsers.add_parser(
        "generate", help="write N synthetic images per class from a trained run, in class folders"
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by 'train'")
    p.add_argument("--count", type=whole(1), required=True, help="images per class")
    p.add_argument(
        "--output", required=True, help="folder to create: <output>/<class>/<class>_00001.png and manifest.json"
    )
    p.add_argument(
        "--epoch",
        type=epoch_choice,
        help="use this epoch's checkpoint, or 'best': each class's epoch as 'evaluate' chose it "
        "(default: the final generators)",
    )
    p.add_argument("--classes", default="all", help="'all' or a comma list of the run's class names or indices")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    p.add_argument("--batch-size", type=whole(1), default=256, help="images per generator call")
    p.add_argument("--force", action="store_true", help="replace an existing --output folder")
    p.set_defaults(run=run)


def epoch_choice(text):
    """--epoch: "best", or the number of a saved epoch."""
    return text if text == "best" else whole(1, "'best' or a whole number")(text)


def run(args):
    generate(
        args.run_dir,
        args.output,
        count=args.count,
        seed=args.seed,
        epoch=args.epoch,
        classes=args.classes,
        force=args.force,
        batch_size=args.batch_size,
    )


def write_class(folder, name, images):
    """Write images as <folder>/<name>_00001.png ...; gray stays one channel, RGB becomes BGR."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images, start=1):
        bgr = image[..., 0] if image.shape[-1] == 1 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        write_image(folder / f"{name}_{i:05d}.png", bgr)


def generate(run_dir, output, *, count, seed=0, epoch=None, classes="all", force=False, batch_size=256):
    """Write `count` images per class of the run in `run_dir` into `output`; returns the manifest.
    `epoch`: None (the final generators), a saved epoch, or "best" (each class's chosen epoch).
    Every argument is checked before TensorFlow starts."""
    if count < 1:
        raise UserError(f"--count must be at least 1, got {count}")
    check_new_dir(output, force=force)
    check_writable(output)
    run = open_run(run_dir)
    targets = run.targets(classes)
    if epoch == "best":
        picks = read_chosen_epochs(run, targets)  # {class: (epoch, "cas" or "fid")}
    else:
        picks = {t.name: (generator_epoch(run, t.gan, epoch)[0], None) for t in targets}
    import_tensorflow()
    import keras

    models = {}  # (GAN, epoch): generator; a conditional GAN's classes may each take another epoch
    for target in targets:
        key = (target.gan, picks[target.name][0])
        if key not in models:
            models[key] = load_generator(run, *key)[0]
    shape = None
    with atomic_dir(output, force=force) as tmp:
        for target in targets:
            used, by = picks[target.name]
            chosen = f" (chosen by {by.upper()})" if by else ""
            print(f"{target.name}: {count} images from {target.gan}/ at epoch {used}{chosen}", flush=True)
            images = sample(
                models[target.gan, used],
                run.cfg,
                target,
                count,
                seed=seed,
                batch_size=batch_size,
                progress=keras.utils.Progbar(count, unit_name="image"),
            )
            shape = images.shape[1:]
            write_class(tmp / folder_name(target.name), folder_name(target.name), images)
        manifest = {
            "run_dir": str(run.folder.resolve()),
            "preset": run.cfg.preset,
            "family": run.cfg.family,
            "dataset": run.cfg.dataset,
            "epoch": epoch if epoch is not None else max(used for _, used in models),
            **({"chosen_by": "/".join(sorted({by for _, by in picks.values()}))} if epoch == "best" else {}),
            "models": model_epochs(models),
            "epoch_per_class": {t.name: picks[t.name][0] for t in targets},
            "seed": seed,
            "noise": run.cfg.noise,
            "noise_dim": run.cfg.noise_dim,
            "classes": [t.name for t in targets],
            "count_per_class": {t.name: count for t in targets},
            "image_size": int(shape[0]),
            "channels": int(shape[2]),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        write_json(tmp / "manifest.json", manifest)
    print(
        f"wrote {count} images per class for {len(targets)} class(es) into {output}/<class>/, manifest.json "
        "beside them",
        flush=True,
    )
    return manifest


def model_epochs(models):
    """The manifest's "models" of the loaded (GAN, epoch) pairs: {GAN: {"epoch": the epoch it
    drew from, or the list of them when its classes took several (a conditional GAN, --epoch best)}}."""
    epochs = {}
    for gan, epoch in models:
        epochs.setdefault(gan, []).append(epoch)
    return {gan: {"epoch": used[0] if len(used) == 1 else sorted(used)} for gan, used in epochs.items()}
