"""The data layer: loaders on real files, error messages on bad files, the resumable tf.data pipeline."""

import os
import pathlib
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from pyimagesearch_gan import data
from pyimagesearch_gan.errors import UserError

SHARED = pathlib.Path(
    os.environ.get(data.ENV_VAR) or pathlib.Path(__file__).resolve().parents[2] / "shared" / "datasets"
)
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def indexed_images(n):
    """Image i is filled with the value i, so a batch tells which images it holds."""
    return np.repeat(np.arange(n, dtype=np.uint8), 4 * 4).reshape(n, 4, 4, 1)


def batch_indices(pipeline, num_batches):
    return [data.to_uint8(b.numpy())[:, 0, 0, 0].tolist() for b in pipeline.take(num_batches)]


# ---------------------------------------------------------------- pipeline


def test_pipeline_batches_are_float_in_range_and_drop_the_remainder():
    images = np.random.default_rng(0).integers(0, 256, (10, 8, 8, 3), dtype=np.uint8)
    images[0] = 0
    images[1] = 255
    batches = [b.numpy() for b in data.make_pipeline(images, 4, seed=1).take(6)]
    assert all(b.shape == (4, 8, 8, 3) and b.dtype == np.float32 for b in batches)
    everything = np.concatenate(batches)
    assert everything.min() >= -1.0 and everything.max() <= 1.0
    assert (
        everything.min() == -1.0 and everything.max() == 1.0
    )  # 10 // 4 = 2 steps: 8 of 10 images per epoch, 0 and 255 appear
    assert data.steps_per_epoch(10, 4) == 2


def test_each_epoch_is_a_permutation_and_epochs_differ():
    batches = batch_indices(data.make_pipeline(indexed_images(12), 4, seed=7), 3 * 4)
    epochs = [sum(batches[i : i + 3], []) for i in range(0, 12, 3)]
    for epoch in epochs:
        assert sorted(epoch) == list(range(12))
    assert len({tuple(e) for e in epochs}) == 4


def test_partial_epoch_uses_distinct_images():
    batches = batch_indices(data.make_pipeline(indexed_images(10), 4, seed=3), 2)
    seen = sum(batches, [])
    assert len(seen) == 8 and len(set(seen)) == 8


def test_resumed_pipeline_sees_the_uninterrupted_batches():
    images = indexed_images(12)
    uninterrupted = batch_indices(data.make_pipeline(images, 4, seed=5), 3 * 5)
    resumed = batch_indices(data.make_pipeline(images, 4, seed=5, initial_epoch=3), 3 * 2)
    assert resumed == uninterrupted[9:]


def test_same_seed_same_order_other_seed_other_order():
    images = indexed_images(32)
    first = batch_indices(data.make_pipeline(images, 8, seed=11), 8)
    assert batch_indices(data.make_pipeline(images, 8, seed=11), 8) == first
    assert batch_indices(data.make_pipeline(images, 8, seed=12), 8) != first


def test_pipeline_labels_follow_their_images():
    images = indexed_images(9)
    labels = np.arange(9) % 3
    for batch, batch_labels in data.make_pipeline(images, 3, seed=0, labels=labels).take(6):
        index = data.to_uint8(batch.numpy())[:, 0, 0, 0]
        assert batch_labels.dtype == "int32"
        assert batch_labels.numpy().tolist() == (index % 3).tolist()


def test_scaling_round_trips():
    images = np.arange(256, dtype=np.uint8)
    scaled = data.to_float(images)
    assert scaled.dtype == np.float32 and scaled[0] == -1.0 and scaled[-1] == 1.0
    assert np.array_equal(data.to_uint8(scaled), images)
    assert data.to_uint8(np.array([-3.0, 3.0])).tolist() == [0, 255]


def test_fewer_images_than_the_batch_size_names_class_count_and_fix():
    with pytest.raises(
        UserError, match=r"class 'crazing' has 5 images, fewer than --batch-size 16: use --batch-size 5"
    ):
        data.steps_per_epoch(5, 16, label="class 'crazing'")
    with pytest.raises(UserError, match="--batch-size 16"):
        data.make_pipeline(indexed_images(5), 16, seed=0)


# ---------------------------------------------------------------- shared data sets

needs_shared = pytest.mark.skipif(not (SHARED / "neu").is_dir(), reason=f"no shared data at {SHARED}")


@needs_shared
def test_neu_loads_six_classes_of_300_gray_images():
    neu = data.load_dataset("neu", str(SHARED))
    assert neu.class_names == ["crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"]
    assert neu.images.shape == (1800, 28, 28, 1) and neu.images.dtype == np.uint8
    assert neu.labels.dtype == np.int32
    assert list(neu.counts().values()) == [300] * 6
    assert pathlib.Path(neu.files[0]).parent.name == "crazing" and neu.skipped == []
    assert data.resolve_data_dir(str(SHARED / "neu"), "neu") == SHARED / "neu"  # pointed at neu/ itself


@pytest.mark.skipif(not (SHARED / "mnist").is_dir(), reason=f"no shared data at {SHARED}")
def test_mnist_train_from_csv_and_test_from_idx():
    train = data.load_dataset("mnist", str(SHARED))
    assert train.images.shape == (5000, 28, 28, 1) and train.class_names == [str(d) for d in range(10)]
    assert list(train.counts().values()) == [500] * 10
    assert train.files[3].endswith("mnist_5k.csv.gz#3")
    test = data.load_dataset("mnist", str(SHARED), split="test")
    assert test.images.shape == (10000, 28, 28, 1)
    assert list(test.counts().values()) == MNIST_TEST_COUNTS


# ---------------------------------------------------------------- Fashion-MNIST from tiny files


def tiny_mnist(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), np.arange(n, dtype=np.uint8) % 10


def test_fashion_mnist_from_idx_files(tmp_path):
    folder = tmp_path / "fashion_mnist"
    folder.mkdir()
    x_train, y_train = tiny_mnist(20, 0)
    x_test, y_test = tiny_mnist(10, 1)
    data.write_idx(folder / "train-images-idx3-ubyte.gz", x_train)
    data.write_idx(folder / "train-labels-idx1-ubyte.gz", y_train)
    data.write_idx(folder / "t10k-images-idx3-ubyte", x_test)  # not gzipped
    data.write_idx(folder / "t10k-labels-idx1-ubyte", y_test)

    train = data.load_dataset("fashion_mnist", str(tmp_path))
    assert np.array_equal(train.images[..., 0], x_train) and train.labels.tolist() == y_train.tolist()
    assert train.class_names[0] == "t-shirt_top" and train.class_names[9] == "ankle_boot"
    test = data.load_dataset("fashion_mnist", str(folder), split="test", image_size=32, channels=3)
    assert test.images.shape == (10, 32, 32, 3)
    assert np.array_equal(test.images[..., 0], test.images[..., 2])


def test_fashion_mnist_from_npz(tmp_path):
    (x_train, y_train), (x_test, y_test) = tiny_mnist(12, 2), tiny_mnist(6, 3)
    (tmp_path / "fashion_mnist").mkdir()
    np.savez(
        tmp_path / "fashion_mnist" / "fashion_mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test
    )
    test = data.load_dataset("fashion_mnist", str(tmp_path), split="test")
    assert np.array_equal(test.images[..., 0], x_test) and test.counts() == {name: 1 for name in data.FASHION_NAMES[:6]}


def test_idx_round_trip_and_truncated_idx(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    data.write_idx(tmp_path / "a-idx3-ubyte.gz", array)
    assert np.array_equal(data.read_idx(tmp_path / "a-idx3-ubyte.gz"), array)
    data.write_idx(tmp_path / "b-idx3-ubyte", array)
    (tmp_path / "b-idx3-ubyte").write_bytes((tmp_path / "b-idx3-ubyte").read_bytes()[:-5])
    with pytest.raises(UserError, match="b-idx3-ubyte is truncated"):
        data.read_idx(tmp_path / "b-idx3-ubyte")


def test_missing_mnist_files_without_network_says_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_network_available", lambda *a, **k: False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    with pytest.raises(UserError) as err:
        data.load_dataset("fashion_mnist", str(tmp_path))
    message = str(err.value)
    assert str(tmp_path / "fashion_mnist") in message and "train-images-idx3-ubyte.gz" in message
    assert "\n" not in message


def test_idx_images_without_labels_is_an_error(tmp_path):
    data.write_idx(tmp_path / "train-images-idx3-ubyte.gz", tiny_mnist(3, 0)[0])
    with pytest.raises(UserError, match="train-images-idx3-ubyte.gz but no matching train-labels"):
        data.load_dataset("mnist", str(tmp_path))


# ---------------------------------------------------------------- image folders


def write_mixed_tree(root):
    """Every kind of image a user folder may hold, and files that must be skipped."""
    (root / "gray").mkdir(parents=True)
    (root / "colour").mkdir()
    cv2.imwrite(str(root / "gray" / "small.png"), np.full((10, 14), 50, np.uint8))
    cv2.imwrite(str(root / "gray" / "deep.png"), np.full((40, 40), 40000, np.uint16))
    cv2.imwrite(str(root / "gray" / "big.JPG"), np.full((300, 200), 200, np.uint8))
    cv2.imwrite(
        str(root / "colour" / "a_rgba.png"), np.dstack([np.full((20, 30), v, np.uint8) for v in (10, 20, 30, 0)])
    )
    cv2.imwrite(str(root / "colour" / "b_bgr.bmp"), np.dstack([np.full((64, 64), v, np.uint8) for v in (10, 20, 30)]))
    Image.new("CMYK", (33, 21), (0, 255, 255, 0)).save(root / "colour" / "c_cmyk.jpg")
    (root / "colour" / ".DS_Store").write_bytes(b"\0\1")
    (root / "colour" / "notes.txt").write_text("labels: colour")
    (root / ".cache").mkdir()


def test_folder_loads_mixed_formats_sizes_and_channels(tmp_path, capsys):
    write_mixed_tree(tmp_path)
    rgb = data.load_dataset("folder", str(tmp_path), image_size=16, channels=3)
    assert rgb.class_names == ["colour", "gray"]
    assert rgb.images.shape == (6, 16, 16, 3) and rgb.images.dtype == np.uint8
    assert rgb.labels.tolist() == [0, 0, 0, 1, 1, 1]
    by_name = {pathlib.Path(f).name: im for f, im in zip(rgb.files, rgb.images)}
    assert by_name["a_rgba.png"][0, 0].tolist() == [30, 20, 10]  # alpha dropped, BGR -> RGB
    assert by_name["b_bgr.bmp"][5, 5].tolist() == [30, 20, 10]
    assert by_name["c_cmyk.jpg"][8, 8, 0] > 200 and by_name["c_cmyk.jpg"][8, 8, 1] < 60  # CMYK red -> red
    assert by_name["deep.png"][0, 0].tolist() == [156, 156, 156]  # 16-bit 40000 / 257, not 40000 % 256
    assert by_name["small.png"][3, 3].tolist() == [50, 50, 50]

    gray = data.load_dataset("folder", str(tmp_path), image_size=8, channels=1)
    assert gray.images.shape == (6, 8, 8, 1)
    assert sorted(reason for _, reason in gray.skipped) == ["hidden", "hidden", "not an image"]
    assert {pathlib.Path(p).name for p, _ in gray.skipped} == {".cache", ".DS_Store", "notes.txt"}
    lines = capsys.readouterr().err.strip().splitlines()
    assert (
        lines[-1] == f"warning: skipped 3 files in {tmp_path} (2 hidden: .cache, .DS_Store; 1 not an image: notes.txt)"
    )


def test_subset_of_class_counts_and_parse_classes(tmp_path):
    write_mixed_tree(tmp_path)
    images = data.load_dataset("folder", str(tmp_path))
    assert images.counts() == {"colour": 3, "gray": 3}
    assert data.parse_classes("all", images.class_names) == [0, 1]
    assert data.parse_classes("Gray, 0, gray", images.class_names) == [1, 0]
    only_gray = images.subset([1])
    assert only_gray.class_names == ["colour", "gray"] and only_gray.labels.tolist() == [1, 1, 1]
    assert only_gray.counts() == {"gray": 3} and len(only_gray.files) == 3
    assert np.array_equal(images.of_class(1), only_gray.images)


def make_class(root, name, count=2):
    (root / name).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        cv2.imwrite(str(root / name / f"{name}_{i}.png"), np.full((12, 12), 30 * i, np.uint8))


@pytest.mark.parametrize(
    "bad_file, write, expected",
    [
        ("empty.png", lambda p: p.write_bytes(b""), "is empty (0 bytes): remove or replace it"),
        ("notes.png", lambda p: p.write_text("not an image"), "cannot be decoded by OpenCV"),
        (
            "cut.jpg",
            lambda p: (
                cv2.imwrite(str(p), np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8)),
                p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
            ),
            "truncated JPEG",
        ),
        (
            "cut.png",
            lambda p: (
                cv2.imwrite(str(p), np.random.default_rng(0).integers(0, 256, (64, 64), np.uint8)),
                p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
            ),
            "truncated PNG",
        ),
    ],
)
def test_bad_image_file_stops_naming_the_file(tmp_path, bad_file, write, expected):
    make_class(tmp_path, "good")
    make_class(tmp_path, "bad")
    write(tmp_path / "bad" / bad_file)
    with pytest.raises(UserError) as err:
        data.load_dataset("folder", str(tmp_path))
    assert str(tmp_path / "bad" / bad_file) in str(err.value) and expected in str(err.value)
    assert "remove or replace it" in str(err.value)


def test_empty_class_folder_is_named(tmp_path):
    make_class(tmp_path, "good")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("nothing")
    with pytest.raises(UserError, match=f"class folder {tmp_path / 'empty'} has no images"):
        data.load_dataset("folder", str(tmp_path))


def write_png(path, value, size=12):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((size, size), value, np.uint8))


def test_images_in_nested_folders_belong_to_the_top_class_folder(tmp_path, capsys):
    """The defect-data layout <class>/Imgs/*.jpg, as keras.utils.image_dataset_from_directory reads it."""
    write_png(tmp_path / "crack" / "Imgs" / "b.png", 10)
    write_png(tmp_path / "crack" / "Imgs" / "a.png", 20)
    write_png(tmp_path / "crack" / "more" / "deeper" / "c.png", 30)
    write_png(tmp_path / "scratch" / "Imgs" / "a.png", 40)
    images = data.load_dataset("folder", str(tmp_path), image_size=4)
    assert images.class_names == ["crack", "scratch"]
    assert images.labels.tolist() == [0, 0, 0, 1] and images.counts() == {"crack": 3, "scratch": 1}
    assert images.files == [
        str(tmp_path / "crack" / "Imgs" / "a.png"),
        str(tmp_path / "crack" / "Imgs" / "b.png"),
        str(tmp_path / "crack" / "more" / "deeper" / "c.png"),
        str(tmp_path / "scratch" / "Imgs" / "a.png"),
    ]
    assert images.images[:, 0, 0, 0].tolist() == [20, 10, 30, 40]  # each image is read from its own file
    assert images.skipped == [] and capsys.readouterr().err == ""


def test_flat_and_nested_images_mix_in_path_order(tmp_path):
    write_png(tmp_path / "a" / "z.png", 1)
    write_png(tmp_path / "a" / "sub" / "x.png", 2)
    write_png(tmp_path / "a" / "sub-b" / "y.png", 3)
    write_png(tmp_path / "b" / "x.png", 4)
    images = data.load_dataset("folder", str(tmp_path), image_size=4)
    relative = [pathlib.Path(f).relative_to(tmp_path).as_posix() for f in images.files]
    assert relative == ["a/sub/x.png", "a/sub-b/y.png", "a/z.png", "b/x.png"]
    assert images.labels.tolist() == [0, 0, 0, 1] and images.images[:, 0, 0, 0].tolist() == [2, 3, 1, 4]


def test_hidden_and_empty_subfolders_are_skipped(tmp_path, capsys):
    write_png(tmp_path / "a" / "x.png", 1)
    write_png(tmp_path / "a" / ".ipynb_checkpoints" / "x-checkpoint.png", 2)
    write_png(tmp_path / "a" / "sub" / ".hidden.png", 3)
    (tmp_path / "a" / "old").mkdir()
    (tmp_path / "a" / "sub" / "notes.txt").write_text("not an image")
    images = data.load_dataset("folder", str(tmp_path), image_size=4)
    assert images.files == [str(tmp_path / "a" / "x.png")]
    assert sorted((pathlib.Path(p).relative_to(tmp_path).as_posix(), r) for p, r in images.skipped) == [
        ("a/.ipynb_checkpoints", "hidden"),
        ("a/old", "empty folder"),
        ("a/sub/.hidden.png", "hidden"),
        ("a/sub/notes.txt", "not an image"),
    ]
    assert "skipped 4 files" in capsys.readouterr().err


def test_class_folder_with_only_empty_subfolders_is_named(tmp_path):
    write_png(tmp_path / "good" / "x.png", 1)
    (tmp_path / "empty" / "Imgs").mkdir(parents=True)
    (tmp_path / "empty" / "Imgs" / "readme.txt").write_text("nothing")
    with pytest.raises(UserError, match=f"class folder {tmp_path / 'empty'} has no images .* or its subfolders"):
        data.load_dataset("folder", str(tmp_path))


def test_a_link_back_up_the_tree_is_read_once(tmp_path):
    write_png(tmp_path / "a" / "x.png", 1)
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a", target_is_directory=True)
    images = data.load_dataset("folder", str(tmp_path), image_size=4)
    assert images.files == [str(tmp_path / "a" / "x.png")]
    assert images.skipped == [(str(tmp_path / "a" / "loop"), "folder seen before")]


def write_pairs(root):
    """Images and their masks side by side: <class>/[sub/]<name>.jpg + <name>.png."""
    for path in (root / "crack" / "x", root / "crack" / "Imgs" / "y", root / "spot" / "z"):
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path.with_suffix(".jpg")), np.full((16, 16), 200, np.uint8))
        cv2.imwrite(str(path.with_suffix(".png")), np.full((16, 16), 0, np.uint8))  # the mask
    write_png(root / "spot" / "w.png", 100)  # no pair: kept whatever prefer_extension says


def test_image_and_mask_pairs_keep_the_photo_and_warn_once(tmp_path, capsys):
    write_pairs(tmp_path)
    images = data.load_dataset("folder", str(tmp_path), image_size=4)
    relative = [pathlib.Path(f).relative_to(tmp_path).as_posix() for f in images.files]
    assert relative == ["crack/Imgs/y.jpg", "crack/x.jpg", "spot/w.png", "spot/z.jpg"]
    assert images.images[:, 0, 0, 0].tolist() == [200, 200, 100, 200]
    assert sorted(pathlib.Path(p).relative_to(tmp_path).as_posix() for p, _ in images.skipped) == [
        "crack/Imgs/y.png",
        "crack/x.png",
        "spot/z.png",
    ]
    assert all(r.startswith(data.PAIR_REASON) for _, r in images.skipped)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines  # the pairs' line only, not a second 'skipped' line
    assert lines[0].startswith("warning: 3 pairs of files with the same name and different extensions")
    for words in (
        "class folders crack, spot",
        "e.g. crack/Imgs/y.jpg + .png",
        "using the .jpg files",
        "skipping the .png files",
        "--prefer-ext .png",
    ):
        assert words in lines[0], lines[0]


@pytest.mark.parametrize("prefer", [".png", "png", "PNG"])
def test_prefer_extension_keeps_the_other_file_quietly(tmp_path, capsys, prefer):
    write_pairs(tmp_path)
    images = data.load_dataset("folder", str(tmp_path), image_size=4, prefer_extension=prefer)
    relative = [pathlib.Path(f).relative_to(tmp_path).as_posix() for f in images.files]
    assert relative == ["crack/Imgs/y.png", "crack/x.png", "spot/w.png", "spot/z.png"]
    assert images.images[:, 0, 0, 0].tolist() == [0, 0, 100, 0]
    assert len(images.skipped) == 3 and capsys.readouterr().err == ""


def test_tiff_and_webp_folders_load_through_the_same_checks(tmp_path):
    """Industrial and medical sets come as TIFF (often 16 bit, sometimes gray + alpha), web sets as WebP."""
    for name in ("scan", "web"):
        (tmp_path / name).mkdir()
    cv2.imwrite(str(tmp_path / "scan" / "a.tif"), np.full((30, 40), 40000, np.uint16))
    cv2.imwrite(str(tmp_path / "scan" / "b.TIFF"), np.full((12, 12), 77, np.uint8))
    Image.fromarray(np.dstack([np.full((10, 10), 90, np.uint8), np.full((10, 10), 255, np.uint8)]), "LA").save(
        tmp_path / "scan" / "c.tiff"
    )
    cv2.imwrite(str(tmp_path / "web" / "d.webp"), np.dstack([np.full((16, 16), v, np.uint8) for v in (10, 20, 30)]))
    images = data.load_dataset("folder", str(tmp_path), image_size=8, channels=1)
    assert images.class_names == ["scan", "web"] and images.labels.tolist() == [0, 0, 0, 1]
    assert images.images[:3, 4, 4, 0].tolist() == [156, 77, 90]  # 16 bit / 257; gray + alpha: the gray
    rgb = data.load_dataset("folder", str(tmp_path), image_size=8, channels=3)
    assert np.abs(rgb.images[3, 4, 4].astype(int) - [30, 20, 10]).max() <= 2  # lossy WebP, BGR -> RGB

    (tmp_path / "scan" / "e.tif").write_bytes(b"II*\0" + b"\0" * 20)
    with pytest.raises(UserError, match=r"e\.tif cannot be decoded by OpenCV"):
        data.load_dataset("folder", str(tmp_path), image_size=8)
    cv2.imwrite(str(tmp_path / "scan" / "e.tif"), np.full((8, 8), 0.5, np.float32))
    with pytest.raises(UserError, match=r"e\.tif has float32 pixels, only 8 and 16 bit"):
        data.load_dataset("folder", str(tmp_path), image_size=8)


def test_prefer_extension_not_in_a_pair_falls_back_to_the_default_order(tmp_path):
    (tmp_path / "a").mkdir()
    for suffix in (".bmp", ".png"):
        cv2.imwrite(str(tmp_path / "a" / f"x{suffix}"), np.zeros((8, 8), np.uint8))
    images = data.load_dataset("folder", str(tmp_path), image_size=4, prefer_extension="jpeg")
    assert [pathlib.Path(f).name for f in images.files] == ["x.bmp"]


@pytest.mark.parametrize("bad", ["gif", ".gif", "", "jpg,png"])
def test_bad_prefer_extension_names_the_flag_and_the_choices(tmp_path, bad):
    write_pairs(tmp_path)
    with pytest.raises(UserError, match=r"unknown --prefer-ext .*: choose one of \.jpg, \.jpeg, \.bmp, \.webp, \.tif"):
        data.load_dataset("folder", str(tmp_path), prefer_extension=bad)
    with pytest.raises(UserError, match="--prefer-ext"):
        data.load_dataset("mnist", str(tmp_path), prefer_extension=bad)  # checked before any data is read


TENSORFLOW_FREE = """
import sys
import numpy as np
from pyimagesearch_gan import data
folder = data.load_dataset("folder", sys.argv[1], image_size=8)
mnist = data.load_dataset("mnist", sys.argv[2], split="test")
assert data.parse_classes("b", folder.class_names) == [1] and data.steps_per_epoch(len(mnist.labels), 2) == 3
assert data.to_uint8(np.zeros(1)).tolist() == [128]
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"tensorflow", "keras", "tf_keras", "jax", "torch"})
print(len(folder.labels), len(mnist.labels), *loaded)
"""


def test_loading_data_does_not_start_tensorflow(tmp_path, write_image_tree):
    """The command line checks the user's data with NumPy/OpenCV before TensorFlow's seconds of start-up."""
    write_image_tree(tmp_path / "tree", count=3)
    x, y = tiny_mnist(6, 0)
    data.write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", x)
    data.write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", y)
    repo = pathlib.Path(data.__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", TENSORFLOW_FREE, str(tmp_path / "tree"), str(tmp_path)],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    assert result.returncode == 0, result.stderr
    counts_and_modules = result.stdout.split()
    assert counts_and_modules == ["6", "6"], f"TensorFlow/Keras modules were imported: {counts_and_modules[2:]}"


def test_images_without_class_folders_explain_the_layout(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((8, 8), np.uint8))
    with pytest.raises(UserError, match=rf"no class subfolders in {tmp_path} .*<class>/<image>"):
        data.load_dataset("folder", str(tmp_path))


def test_folders_only_have_a_train_split(tmp_path):
    make_class(tmp_path, "good")
    with pytest.raises(UserError, match="--split test is not supported"):
        data.load_dataset("folder", str(tmp_path), split="test")


def test_unknown_class_lists_the_valid_names():
    with pytest.raises(
        UserError, match=r"unknown class 'cracks' in --classes 'crazing,cracks'.*0 crazing, 1 inclusion"
    ):
        data.parse_classes("crazing,cracks", ["crazing", "inclusion"])
    with pytest.raises(UserError, match="unknown class '2'"):
        data.parse_classes("2", ["crazing", "inclusion"])


def test_unknown_dataset_lists_the_choices():
    with pytest.raises(UserError, match="unknown --dataset 'cifar': choose one of mnist, fashion_mnist, neu, folder"):
        data.load_dataset("cifar")


# ---------------------------------------------------------------- finding the data folder


def test_data_dir_comes_from_flag_then_env_then_repo(tmp_path, monkeypatch):
    (tmp_path / "flag" / "neu").mkdir(parents=True)
    (tmp_path / "env" / "neu").mkdir(parents=True)
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "env"))
    assert data.resolve_data_dir(str(tmp_path / "flag"), "neu") == tmp_path / "flag" / "neu"
    assert data.resolve_data_dir(None, "neu") == tmp_path / "env" / "neu"
    assert data.resolve_data_dir(None, "folder") == tmp_path / "env"
    monkeypatch.delenv(data.ENV_VAR)
    assert data.resolve_data_dir(None, "mnist") == data.DEFAULT_DATA_DIR / "mnist"
    assert data.DEFAULT_DATA_DIR == pathlib.Path(data.__file__).resolve().parents[1] / "datasets"
    with pytest.raises(UserError, match="--dataset folder needs --data-dir"):
        data.resolve_data_dir(None, "folder")


def test_missing_data_dir_says_where_to_put_the_data(tmp_path, monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    missing = tmp_path / "nowhere"
    with pytest.raises(
        UserError,
        match=rf"data folder {missing} \(from --data-dir\) does not exist: "
        rf"put the images in {missing}/neu/<class>/\*.jpg .*NEU surface defect database",
    ):
        data.load_dataset("neu", str(missing))
    with pytest.raises(UserError, match=rf"no neu/ folder in {tmp_path} \(from --data-dir\)"):
        data.load_dataset("neu", str(tmp_path))
    monkeypatch.setenv(data.ENV_VAR, str(missing))
    with pytest.raises(UserError, match=rf"\(from \${data.ENV_VAR}\) does not exist: put train-images-idx3-ubyte.gz"):
        data.load_dataset("mnist")


def test_mnist_folder_found_when_pointed_at_directly(tmp_path):
    x, y = tiny_mnist(4, 0)
    data.write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", x)
    data.write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", y)
    assert data.resolve_data_dir(str(tmp_path), "mnist") == tmp_path
    assert data.load_dataset("mnist", str(tmp_path), split="test").images.shape == (4, 28, 28, 1)
