"""The data layer: find the data, load it as uint8 images, feed it to Keras as a tf.data pipeline.

Data sets: "mnist", "fashion_mnist", "neu" (NEU steel surface defects) and "folder" (any
class-per-subfolder image tree). The data folder comes from --data-dir, else the environment
variable PYIMAGESEARCH_GAN_DATA, else <repo>/datasets; datasets/README.md says what goes where.

Folders are decoded with OpenCV and every image is converted the same way: 16-bit -> 8-bit,
alpha dropped, gray/colour -> the requested channels (1 = gray, 3 = RGB), resized to
image_size x image_size with cv2.INTER_AREA (non-square images are stretched, as in the book).
Images are found at any depth under a class folder, as keras.utils.image_dataset_from_directory
finds them (crack/Imgs/*.jpg is class "crack"), in the order of their paths relative to it.
Bad input in a folder, decided once:
  skip, counted and reported in one stderr line and in ImageSet.skipped:
    hidden files and folders (name starts with ".") at any depth, files without an image extension
    (IMAGE_EXTENSIONS, any case), loose files next to the class folders, empty folders inside a class folder.
  keep one file of each image + mask pair, reported in one stderr line and in ImageSet.skipped:
    files in one folder with the same name and different image extensions (x.jpg + x.png) are
    usually an image and its mask; prefer_extension (--prefer-ext) says which to keep, by default
    the first of PAIR_ORDER (.jpg, .jpeg, .bmp, .webp, .tif, .tiff, .png: photos over masks).
  stop with UserError naming the file or folder and the fix:
    a zero-byte file, a JPEG without its end marker (truncated), a PNG without IEND (truncated),
    anything OpenCV cannot decode (e.g. a text file named .png), pixels that are not 8 or 16 bit
    (e.g. a 32-bit float TIFF), a class folder without images
    at any depth, a folder with no class subfolders, split="test" for a folder, a prefer_extension
    that is not an image extension.
Everything is validated before load_dataset returns: no partial ImageSet ever escapes.

MNIST and Fashion-MNIST are read offline first: <data>/<name>/ (or the folder given itself)
holding a keras .npz, IDX files (optionally .gz), or for the MNIST train split mnist_5k.csv.gz.
Only when none exist does keras.datasets load them: from its cache (~/.keras/datasets), else by
download, tried only if storage.googleapis.com answers within 3 s (no hang without a network).

make_pipeline turns uint8 images into an infinite dataset of [-1, 1] float batches whose
order in epoch e depends only on (seed, e), so a run resumed at epoch k sees the same batches.

Only make_pipeline and the keras.datasets download import TensorFlow/Keras: loading folders and
local MNIST files, parse_classes and steps_per_epoch run on NumPy and OpenCV, so the command line
checks the user's data in well under a second, before TensorFlow takes seconds to start.
"""

import dataclasses
import gzip
import os
import pathlib
import socket
import sys
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from pyimagesearch_gan.errors import UserError

DATASETS = ("mnist", "fashion_mnist", "neu", "folder")
ENV_VAR = "PYIMAGESEARCH_GAN_DATA"
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
# Which file of an image + mask pair is kept by default: photos first, masks are usually PNG.
PAIR_ORDER = (".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".png")
PAIR_REASON = "other file of an image pair"
SPLITS = ("train", "test")
DEFAULT_DATA_DIR = pathlib.Path(__file__).resolve().parent.parent / "datasets"

DIGIT_NAMES = [str(d) for d in range(10)]
FASHION_NAMES = [
    "t-shirt_top",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle_boot",
]
NEU_CLASSES = ["crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"]
KERAS_HOST = "storage.googleapis.com"
KERAS_ORIGIN = f"https://{KERAS_HOST}/tensorflow/tf-keras-datasets/"
WHERE_TO_GET = {
    "neu": "the Kaggle 'NEU surface defect database' or the NEU-DET release (see datasets/README.md)",
    "folder": "any images, one subfolder per class",
}


@dataclasses.dataclass
class ImageSet:
    """Images of one split with their labels, where each came from, and what was skipped."""

    images: np.ndarray  # uint8 (N, H, W, C)
    labels: np.ndarray  # int32 (N,), indices into class_names
    class_names: list
    files: list  # one source per image: a path, or "<file>#<row>"
    skipped: list  # (path, reason) for every file that was skipped

    def subset(self, class_indices):
        """Only the given classes; labels keep their indices into the unchanged class_names."""
        return self.where(np.isin(self.labels, np.asarray(list(class_indices), dtype=np.int32)))

    def where(self, mask):
        """The images where the boolean `mask` is true, with their labels and files."""
        return ImageSet(
            self.images[mask],
            self.labels[mask],
            list(self.class_names),
            [f for f, m in zip(self.files, mask) if m],
            list(self.skipped),
        )

    def of_class(self, index):
        return self.images[self.labels == index]

    def counts(self):
        """Images per class, in class order, for the classes present."""
        found = np.bincount(self.labels, minlength=len(self.class_names))
        return {name: int(n) for name, n in zip(self.class_names, found) if n}


# ---------------------------------------------------------------- where the data is


def resolve_data_dir(flag, dataset):
    """The folder to read `dataset` from: --data-dir, else $PYIMAGESEARCH_GAN_DATA, else <repo>/datasets.

    For "folder" that value is the class-per-subfolder tree itself. For the others it holds
    neu/, mnist/, fashion_mnist/, or it is that sub-folder itself. A missing mnist/fashion_mnist
    sub-folder is returned anyway: load_dataset then falls back to keras.datasets.
    """
    check_dataset(dataset)
    if flag:
        base, source = pathlib.Path(flag).expanduser(), "--data-dir"
    elif os.environ.get(ENV_VAR):
        base, source = pathlib.Path(os.environ[ENV_VAR]).expanduser(), f"${ENV_VAR}"
    elif dataset == "folder":
        raise UserError(
            "--dataset folder needs --data-dir pointing at an image tree "
            "<dir>/<class>/<image> (one subfolder per class)"
        )
    else:
        base, source = DEFAULT_DATA_DIR, "the default data folder"
    if not base.is_dir():
        target = base if dataset == "folder" or base.name == dataset else base / dataset
        raise UserError(f"data folder {base} (from {source}) does not exist: {_where_to_put(dataset, target)}")
    if dataset == "folder":
        return base
    if (base / dataset).is_dir():
        return base / dataset
    if base.name == dataset or _looks_like(dataset, base):
        return base
    if dataset == "neu":
        raise UserError(f"no neu/ folder in {base} (from {source}): {_where_to_put(dataset, base / 'neu')}")
    return base / dataset


def _looks_like(dataset, folder):
    """True when `folder` already is the data of `dataset` (pointed at directly, under another name)."""
    if dataset == "neu":
        return (folder / NEU_CLASSES[0]).is_dir()
    return (
        any(folder.glob("*idx?-ubyte*"))
        or any(folder.glob(f"{dataset}*.npz"))
        or (dataset == "mnist" and (folder / "mnist_5k.csv.gz").is_file())
    )


def _where_to_put(dataset, target):
    """The fix for missing data: what to put in the folder `target`, and where to get it."""
    if dataset in ("neu", "folder"):
        return (
            f"put the images in {target}/<class>/*.jpg (one subfolder per class) "
            f"from {WHERE_TO_GET[dataset]}, or pass --data-dir"
        )
    return (
        f"put train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz (t10k-* for --split test) "
        f"or a keras {dataset}.npz in {target} (from {KERAS_ORIGIN}), or pass --data-dir"
    )


def check_dataset(name):
    if name not in DATASETS:
        raise UserError(f"unknown --dataset {name!r}: choose one of {', '.join(DATASETS)}")


# ---------------------------------------------------------------- loading


def load_dataset(name, data_dir=None, *, split="train", image_size=28, channels=1, prefer_extension=None):
    """Load a whole split as an ImageSet of uint8 (N, image_size, image_size, channels) images.

    prefer_extension (e.g. ".png" or "png") picks the file kept of each image + mask pair in a
    folder data set; None keeps the first of PAIR_ORDER and warns about the pairs once.
    """
    check_dataset(name)
    if split not in SPLITS:
        raise UserError(f"unknown --split {split!r}: choose one of {', '.join(SPLITS)}")
    if not isinstance(image_size, (int, np.integer)) or image_size < 1:
        raise UserError(f"--image-size must be a positive integer, got {image_size!r}")
    if channels not in (1, 3):
        raise UserError(f"--channels must be 1 (gray) or 3 (RGB), got {channels!r}")
    prefer_extension = check_prefer_extension(prefer_extension)
    folder = resolve_data_dir(data_dir, name)
    if name in ("neu", "folder"):
        if split != "train":
            raise UserError(
                f"--split {split} is not supported for image folders ({folder}): "
                "use --split train, the whole folder is the training set"
            )
        return _load_folder(folder, image_size, channels, prefer_extension)
    images, labels, files = _load_mnist_like(name, folder, split)
    if image_size != 28:
        images = np.stack([cv2.resize(im, (image_size, image_size), interpolation=cv2.INTER_AREA) for im in images])
    images = np.repeat(images[..., None], channels, axis=-1)
    names = DIGIT_NAMES if name == "mnist" else FASHION_NAMES
    return ImageSet(images, labels.astype(np.int32), list(names), files, [])


def check_prefer_extension(value):
    """None, or an image extension in any case with or without its dot -> None or ".png"-style."""
    if value is None:
        return None
    extension = "." + str(value).strip().lower().lstrip(".")
    if extension not in PAIR_ORDER:
        raise UserError(
            f"unknown --prefer-ext {value!r}: choose one of {', '.join(PAIR_ORDER)} "
            "(the file kept of each image + mask pair with the same name)"
        )
    return extension


def _load_folder(root, image_size, channels, prefer_extension):
    skipped, class_dirs = [], []
    loose = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            skipped.append((str(entry), "hidden"))
        elif entry.is_dir():
            class_dirs.append(entry)
        elif entry.name != "manifest.json":  # written by `generate` beside its class folders: not data
            loose.append(entry)
    if not class_dirs:
        raise UserError(
            f"no class subfolders in {root} ({len(loose)} files directly inside): "
            f"expected {root}/<class>/<image>, one subfolder per class"
        )
    skipped += [(str(f), "not in a class folder") for f in loose]

    paths, labels, pairs = [], [], []
    for label, class_dir in enumerate(class_dirs):
        found = _find_images(class_dir, skipped, pairs, prefer_extension)
        if not found:
            raise UserError(
                f"class folder {class_dir} has no images ({', '.join(IMAGE_EXTENSIONS)}) "
                "in it or its subfolders: add images or remove the folder"
            )
        paths += found
        labels += [label] * len(found)

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        images = list(pool.map(lambda p: _read_image(p, image_size, channels), paths))
    if pairs and prefer_extension is None:
        _report_pairs(root, pairs)
    for kept, dropped in pairs:
        skipped += [(str(path), f"{PAIR_REASON}: kept {kept.name}") for path in dropped]
    if any(not reason.startswith(PAIR_REASON) for _, reason in skipped):
        _report_skipped(root, skipped)
    return ImageSet(
        np.stack(images),
        np.asarray(labels, dtype=np.int32),
        [d.name for d in class_dirs],
        [str(p) for p in paths],
        skipped,
    )


def _find_images(class_dir, skipped, pairs, prefer_extension):
    """The image files at any depth under `class_dir`, sorted by their path relative to it.

    Appends to `skipped` what is not an image and to `pairs` (kept, [dropped]) for every group of
    files in one folder with the same name and different image extensions.
    """
    found, visited, folders = [], set(), [class_dir]
    while folders:
        folder = folders.pop(0)
        real = folder.resolve()
        if real in visited:  # a link back up the tree
            skipped.append((str(folder), "folder seen before"))
            continue
        visited.add(real)
        try:
            entries = sorted(folder.iterdir())
        except OSError as err:
            raise UserError(
                f"cannot list folder {folder} ({err.strerror}): it was moved or removed while the data was read, "
                "or is not readable; check it and run again"
            ) from None
        if not entries and folder != class_dir:
            skipped.append((str(folder), "empty folder"))
        by_stem = {}
        for entry in entries:
            if entry.name.startswith("."):
                skipped.append((str(entry), "hidden"))
            elif not entry.exists():  # a link to nothing, or a file removed since the listing
                skipped.append((str(entry), "link to nothing" if entry.is_symlink() else "gone"))
            elif entry.is_dir():
                folders.append(entry)
            elif entry.suffix.lower() not in IMAGE_EXTENSIONS:
                skipped.append((str(entry), "not an image"))
            else:
                by_stem.setdefault(entry.stem, []).append(entry)
        for group in by_stem.values():
            kinds = {path.suffix.lower() for path in group}
            if len(kinds) == 1:
                found += group
                continue
            keep = prefer_extension if prefer_extension in kinds else min(kinds, key=PAIR_ORDER.index)
            kept = [path for path in group if path.suffix.lower() == keep]
            found += kept
            pairs.append((kept[0], [path for path in group if path.suffix.lower() != keep]))
    return sorted(found, key=lambda path: path.relative_to(class_dir).parts)


def _report_pairs(root, pairs):
    """One stderr line for all image + mask pairs: how many, in which class folders, which file was kept."""
    pairs = sorted(pairs, key=lambda pair: pair[0].relative_to(root).parts)
    classes = sorted({kept.relative_to(root).parts[0] for kept, _ in pairs})
    kept_kinds = sorted({kept.suffix.lower() for kept, _ in pairs}, key=PAIR_ORDER.index)
    dropped_kinds = sorted({p.suffix.lower() for _, dropped in pairs for p in dropped}, key=PAIR_ORDER.index)
    kept, dropped = pairs[0]
    example = " + ".join([kept.relative_to(root).as_posix()] + [p.suffix for p in dropped])
    where = ", ".join(classes[:3]) + (", ..." if len(classes) > 3 else "")
    print(
        f"warning: {len(pairs)} pairs of files with the same name and different extensions (usually an image "
        f"and its mask) in class folders {where} of {root}, e.g. {example}: using the {', '.join(kept_kinds)} "
        f"files, skipping the {', '.join(dropped_kinds)} files; use the other with --prefer-ext {dropped_kinds[0]}",
        file=sys.stderr,
    )


def _read_image(path, image_size, channels):
    """Decode one file with OpenCV into uint8 (image_size, image_size, channels), or raise UserError."""
    fix = "remove or replace it"
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UserError(
            f"image file {path} cannot be read ({err.strerror}): it was moved, removed or replaced while the folder "
            "was read, or is not readable; check it and run again"
        ) from None
    if not data:
        raise UserError(f"image file {path} is empty (0 bytes): {fix}")
    if data[:2] == b"\xff\xd8" and b"\xff\xd9" not in data[data.rfind(b"\xff\xda") :]:
        raise UserError(f"image file {path} is a truncated JPEG (no end marker): {fix}")
    if data[:8] == b"\x89PNG\r\n\x1a\n" and b"IEND" not in data:
        raise UserError(f"image file {path} is a truncated PNG (no IEND chunk): {fix}")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise UserError(f"image file {path} cannot be decoded by OpenCV (corrupt or not an image): {fix}")
    if image.dtype == np.uint16:
        image = np.rint(image / 257.0).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise UserError(
            f"image file {path} has {image.dtype} pixels, only 8 and 16 bit are supported: "
            "convert it to an 8-bit PNG or JPEG"
        )
    if image.ndim == 3 and image.shape[2] in (1, 2):  # gray, or gray + alpha (TIFF)
        image = image[..., 0]
    if image.ndim == 3:
        image = image[..., :3]  # drop alpha; OpenCV returns BGR
        code = cv2.COLOR_BGR2GRAY if channels == 1 else cv2.COLOR_BGR2RGB
        image = cv2.cvtColor(np.ascontiguousarray(image), code)
    elif channels == 3:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    image = cv2.resize(image, (image_size, image_size), interpolation=cv2.INTER_AREA)
    return image.reshape(image_size, image_size, channels)


def _report_skipped(root, skipped):
    """One stderr line for the skipped files, by reason; image pairs have their own line (_report_pairs)."""
    skipped = [(path, reason) for path, reason in skipped if not reason.startswith(PAIR_REASON)]
    by_reason = {}
    for path, reason in skipped:
        by_reason.setdefault(reason, []).append(pathlib.Path(path).name)
    parts = []
    for reason, names in by_reason.items():
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        parts.append(f"{len(names)} {reason}: {shown}")
    print(f"warning: skipped {len(skipped)} files in {root} ({'; '.join(parts)})", file=sys.stderr)


# ---------------------------------------------------------------- MNIST and Fashion-MNIST


def _load_mnist_like(name, folder, split):
    """(images uint8 (N, 28, 28), labels, files) from local files, else from keras.datasets."""
    prefix = "train" if split == "train" else "t10k"
    for npz in (f"{name}.npz", f"{name.replace('_', '-')}.npz"):
        path = folder / npz
        if path.is_file():
            return _read_npz(path, split)
    images_path = _first_file(folder, [f"{prefix}-images-idx3-ubyte", f"{prefix}-images.idx3-ubyte"])
    labels_path = _first_file(folder, [f"{prefix}-labels-idx1-ubyte", f"{prefix}-labels.idx1-ubyte"])
    if images_path and labels_path:
        images, labels = read_idx(images_path), read_idx(labels_path)
        _check_images_labels(images, labels, f"{images_path} and {labels_path}")
        return images, labels, [f"{images_path}#{i}" for i in range(len(images))]
    if images_path or labels_path:
        have, missing = (images_path, "labels") if images_path else (labels_path, "images")
        raise UserError(
            f"found {have} but no matching {prefix}-{missing} IDX file in {folder}: "
            "add it (both come from the same download)"
        )
    csv = folder / "mnist_5k.csv.gz"
    if name == "mnist" and split == "train" and csv.is_file():
        return _read_pixel_csv(csv)
    return _download(name, folder, split)


def _first_file(folder, stems):
    for stem in stems:
        for path in (folder / stem, folder / f"{stem}.gz"):
            if path.is_file():
                return path
    return None


def read_idx(path):
    """Read an IDX file (optionally gzipped) as a numpy array; the format MNIST ships in."""
    path = pathlib.Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as err:
        raise UserError(f"cannot read IDX file {path} ({err}): download it again") from None
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] != 0x08:
        raise UserError(f"{path} is not an IDX file of unsigned bytes: download it again")
    ndim = data[3]
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    body = np.frombuffer(data, np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise UserError(
            f"IDX file {path} is truncated ({body.size} of {int(np.prod(shape))} values): download it again"
        )
    return body.reshape(shape)


def write_idx(path, array):
    """Write a uint8 array as an IDX file (gzipped when the name ends in .gz); tests make tiny MNISTs."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


def _read_npz(path, split):
    keys = (f"x_{split}", f"y_{split}")
    try:
        with np.load(path) as data:
            if not all(k in data for k in keys):
                raise UserError(
                    f"{path} lacks {keys[0]}/{keys[1]} (found {', '.join(data.files)}): "
                    "use the keras .npz with x_train, y_train, x_test, y_test"
                )
            images, labels = data[keys[0]], data[keys[1]]
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read {path} ({err}): download it again") from None
    _check_images_labels(images, labels, str(path))
    return images.astype(np.uint8), labels, [f"{path}#{i}" for i in range(len(images))]


def _read_pixel_csv(path):
    """The 5,000-image MNIST train sample: one image per row, 784 pixels then the label."""
    try:
        rows = np.loadtxt(path, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, ValueError, EOFError) as err:
        raise UserError(f"cannot read {path} ({err}): replace it with the original file") from None
    if rows.shape[1] != 785 or rows.min() < 0 or rows[:, :784].max() > 255:
        raise UserError(
            f"{path} must have 785 columns (784 pixels 0-255, then the label), "
            f"found {rows.shape[1]}: replace it with the original file"
        )
    images, labels = rows[:, :784].reshape(-1, 28, 28).astype(np.uint8), rows[:, 784]
    _check_images_labels(images, labels, str(path))
    return images, labels, [f"{path}#{i}" for i in range(len(images))]


def _check_images_labels(images, labels, source):
    if (
        images.ndim != 3
        or images.shape[1:] != (28, 28)
        or labels.shape != (len(images),)
        or labels.size == 0
        or labels.min() < 0
        or labels.max() > 9
    ):
        raise UserError(
            f"{source} does not hold 28x28 images with one label 0-9 each "
            f"(images {images.shape}, labels {labels.shape}): download it again"
        )


def _network_available(host=KERAS_HOST, port=443, timeout=3.0):
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def _in_keras_cache(name):
    """True when keras.datasets already downloaded `name`, so load_data works offline."""
    cache = pathlib.Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser() / "datasets"
    if name == "mnist":
        return (cache / "mnist.npz").is_file()
    return all(
        (cache / "fashion-mnist" / f"{part}-ubyte.gz").is_file()
        for part in ("train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1")
    )


def _download(name, folder, split):
    hint = _where_to_put(name, folder)
    if not _in_keras_cache(name) and not _network_available():
        raise UserError(f"no {name} files in {folder} and no network to download them: {hint}")
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    except Exception as err:  # any download or cache failure ends in the same fix
        raise UserError(f"downloading {name} with keras.datasets failed ({type(err).__name__}): {hint}") from None
    images, labels = (x_train, y_train) if split == "train" else (x_test, y_test)
    return images, labels, [f"keras.datasets.{name}#{i}" for i in range(len(images))]


# ---------------------------------------------------------------- classes, scaling, pipeline


def parse_classes(spec, class_names):
    """ "all" or a comma list of class names (any case) and/or indices -> list of indices, in the order given."""
    if spec.strip().lower() == "all":
        return list(range(len(class_names)))
    lower = [c.lower() for c in class_names]
    valid = ", ".join(f"{i} {c}" for i, c in enumerate(class_names))
    indices = []
    for token in (t.strip() for t in spec.split(",")):
        if token.lower() in lower:
            index = lower.index(token.lower())
        elif token.isdigit() and int(token) < len(class_names):
            index = int(token)
        else:
            raise UserError(f"unknown class {token!r} in --classes {spec!r}: use 'all' or names/indices from: {valid}")
        if index not in indices:
            indices.append(index)
    return indices


def to_float(images_uint8):
    """uint8 [0, 255] -> float32 [-1, 1], the range of the generator's tanh."""
    return (np.asarray(images_uint8, dtype=np.float32) - 127.5) / 127.5


def to_uint8(images_float):
    return np.clip(np.rint(np.asarray(images_float, dtype=np.float32) * 127.5 + 127.5), 0, 255).astype(np.uint8)


def steps_per_epoch(num_images, batch_size, *, label="the training set"):
    """Full batches per epoch; the book drops the last partial batch."""
    if batch_size < 1:
        raise UserError(f"--batch-size must be at least 1, got {batch_size}")
    steps = num_images // batch_size
    if steps < 1:
        raise UserError(
            f"{label} has {num_images} images, fewer than --batch-size {batch_size}: "
            f"use --batch-size {max(num_images, 1)} or less"
        )
    return steps


def make_pipeline(images_uint8, batch_size, *, seed, labels=None, initial_epoch=0, start_batch=None):
    """Infinite tf.data batches in [-1, 1], pass after pass over the images; pass e's order is a
    pure function of (seed, e).

    Use with Model.fit(steps_per_epoch=steps_per_epoch(N, batch_size), initial_epoch=k) and
    pass the same initial_epoch here: the resumed run sees the batches an uninterrupted run sees.
    `start_batch` instead starts after that many batches (epochs of another length than a pass).
    """
    import tensorflow as tf

    num = len(images_uint8)
    steps = steps_per_epoch(num, batch_size)
    images = tf.constant(to_float(images_uint8))
    seed = tf.constant(int(seed), tf.int64)

    def epoch_batches(epoch):
        order = tf.random.experimental.stateless_shuffle(tf.range(num), seed=tf.stack([seed, epoch]))
        return tf.data.Dataset.from_tensor_slices(tf.reshape(order[: steps * batch_size], [steps, batch_size]))

    first_pass, offset = divmod(start_batch, steps) if start_batch is not None else (initial_epoch, 0)
    batches = tf.data.Dataset.counter(start=first_pass).flat_map(epoch_batches).skip(offset)
    if labels is None:
        batches = batches.map(lambda index: tf.gather(images, index))
    else:
        label_tensor = tf.constant(np.asarray(labels, dtype=np.int32))
        batches = batches.map(lambda index: (tf.gather(images, index), tf.gather(label_tensor, index)))
    return batches.prefetch(tf.data.AUTOTUNE)
