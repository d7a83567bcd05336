"""Bad input end to end through the CLI: one clear line, exit code 2, nothing written.

Every case writes real files into a temp folder (a class-per-subfolder tree for
`--dataset folder`) and runs `pyimagesearch-gan train` in-process; one case runs the real
console entry in a subprocess to prove there is no traceback. The inputs that must simply
work (16-bit, CMYK, RGBA, mixed sizes and channels; hidden and non-image files skipped and
reported) train for one epoch. docs/troubleshooting.md lists the same cases.
"""

import io
import json
import os
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest
from PIL import Image

from pyimagesearch_gan.commands import main

TINY = [
    "--preset",
    "neu-dcgan",
    "--dataset",
    "folder",
    "--batch-size",
    "4",
    "--epochs",
    "1",
    "--set",
    "num_benchmark=4",
    "--seed",
    "1",
]


@pytest.fixture
def data(tmp_path, write_image_tree):
    """A valid tree: classes a and b, 8 gray 28x28 PNGs each."""
    return write_image_tree(tmp_path / "data", count=8)


def train(data, output, *extra):
    main(["train", *TINY, "--data-dir", str(data), "--output", str(output), *extra])


def expect_error(capsys, run, *names):
    """`run()` exits with code 2 and one stderr line 'error: ...' naming each of `names`."""
    with pytest.raises(SystemExit) as exit_info:
        run()
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2, err
    assert len(err) == 1 and err[0].startswith("error: "), err
    for name in names:
        assert str(name) in err[0], (name, err[0])
    return err[0]


def jpeg_bytes(image, **params):
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return encoded.tobytes()


BAD_FILES = {
    # name in class a -> (bytes, words the message must hold)
    "empty.png": (lambda: b"", "empty"),
    "truncated.jpg": (lambda: jpeg_bytes(np.full((28, 28, 3), 120, np.uint8))[:200], "truncated"),
    "notes.png": (lambda: b"these are my notes, not an image\n" * 4, "decoded"),
    "broken-header.bmp": (lambda: b"BM" + b"\xff" * 60, "decoded"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_image_file_stops_naming_it(name, data, tmp_path, capsys):
    content, words = BAD_FILES[name]
    (data / "a" / name).write_bytes(content())
    message = expect_error(capsys, lambda: train(data, tmp_path / "run"), data / "a" / name, words)
    assert "remove or replace" in message
    assert not (tmp_path / "run").exists(), "nothing may be written on bad input"


def test_float_tiff_named_png_stops(data, tmp_path, capsys):
    """An image OpenCV decodes but with 32-bit float pixels: stop, say how to convert it."""
    buffer = io.BytesIO()
    Image.new("F", (28, 28), 0.5).save(buffer, "TIFF")
    (data / "b" / "float.png").write_bytes(buffer.getvalue())
    expect_error(capsys, lambda: train(data, tmp_path / "run"), data / "b" / "float.png", "8-bit")
    assert not (tmp_path / "run").exists()


def test_empty_class_folder_stops(data, tmp_path, capsys):
    (data / "c").mkdir()
    (data / "c" / ".DS_Store").write_bytes(b"\0")
    expect_error(capsys, lambda: train(data, tmp_path / "run"), data / "c", "no images")
    assert not (tmp_path / "run").exists()


def test_class_smaller_than_the_batch_stops(data, tmp_path, capsys):
    expect_error(capsys, lambda: train(data, tmp_path / "run", "--batch-size", "9"), "class 'a'", "--batch-size 8")
    assert not (tmp_path / "run").exists()


def test_folder_without_class_folders_stops(tmp_path, capsys):
    flat = tmp_path / "flat"
    flat.mkdir()
    cv2.imwrite(str(flat / "x.png"), np.zeros((28, 28), np.uint8))
    expect_error(capsys, lambda: train(flat, tmp_path / "run"), flat, "class subfolders")
    assert not (tmp_path / "run").exists()


def test_missing_data_folder_stops(tmp_path, capsys):
    expect_error(capsys, lambda: train(tmp_path / "nowhere", tmp_path / "run"), tmp_path / "nowhere", "does not exist")
    assert not (tmp_path / "run").exists()


def test_unwritable_output_folder_stops(data, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # tests run as root: chmod cannot block a write, a path under a file can
    expect_error(capsys, lambda: train(data, blocker / "run"), blocker / "run", "--output")
    expect_error(capsys, lambda: train(data, "/proc/pyimagesearch-gan-run"), "/proc/pyimagesearch-gan-run", "--output")


def test_missing_output_folder_is_created(data, tmp_path, capsys):
    """Not an error: a missing --output folder (and its parents) is created. Also: the inputs
    that must simply work, and the files that are skipped, counted and reported."""
    a, b = data / "a", data / "b"
    cv2.imwrite(str(a / "sixteen-bit.png"), np.full((40, 30, 3), 50000, np.uint16))
    cv2.imwrite(str(a / "rgba.png"), np.full((28, 28, 4), 200, np.uint8))
    Image.new("CMYK", (50, 64), (10, 200, 30, 5)).save(b / "cmyk.jpg", "JPEG")
    Image.new("LA", (33, 17), (100, 50)).save(b / "gray-alpha.png")
    cv2.imwrite(str(b / "big-colour.JPG"), np.full((200, 120, 3), 90, np.uint8))
    for junk in (a / ".DS_Store", a / "._a_000.png", b / "notes.txt", b / "Thumbs.db", data / "README.md"):
        junk.write_bytes(b"junk")
    (b / "old").mkdir()
    output = tmp_path / "deep" / "new" / "run"
    train(data, output)
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning: skipped")]
    assert len(warnings) == 1 and "skipped 6 files" in warnings[0], captured.err
    assert "hidden" in warnings[0] and "not an image" in warnings[0]
    history = json.loads((output / "b" / "history.json").read_text())
    assert [r["epoch"] for r in history] == [1] and np.isfinite(history[0]["d_loss"])
    assert (output / "a" / "generator.keras").is_file() and (output / "b" / "generator.keras").is_file()


@pytest.mark.parametrize(
    "args, names",
    [
        (["--preset", "nope"], ["unknown preset 'nope'"]),
        (["--set", "noise=gaussian"], ["noise", "uniform"]),
        (["--set", "epochs=abc"], ["epochs", "whole number", '"abc"']),
        (["--set", "nonsense=1"], ["unknown setting 'nonsense'"]),
        (["--jit-compile", "maybe"], ["--jit-compile", "maybe"]),
        (["--channels", "2"], ["--channels"]),
        (["--epochs", "many"], ["--epochs", "many"]),
        (["--frobnicate"], ["--frobnicate"]),
        (["--classes", "rust"], ["rust", "0 a, 1 b"]),
    ],
)
def test_unknown_preset_or_option_value_stops(args, names, data, tmp_path, capsys):
    expect_error(capsys, lambda: train(data, tmp_path / "run", *args), *names)
    assert not (tmp_path / "run").exists()


# ---------------------------------------------------------------- --resume and --output of runs


def fake_run(folder, config=None):
    folder.mkdir(parents=True)
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    return folder


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_resume_folder_missing(tmp_path, capsys):
    expect_error(
        capsys, lambda: main(["train", "--resume", str(tmp_path / "gone")]), tmp_path / "gone", "does not exist"
    )


def test_resume_folder_without_checkpoint_or_config(tmp_path, capsys):
    other = fake_run(tmp_path / "other")
    (other / "checkpoint").write_text('model_checkpoint_path: "ckpt-1"\n')  # a TensorFlow project's folder
    (other / "ckpt-1.index").write_bytes(b"\0" * 10)
    before = listing(other)
    expect_error(capsys, lambda: main(["train", "--resume", str(other)]), other, "no pyimagesearch-gan run")
    assert listing(other) == before


def test_resume_parent_of_runs_names_them(tmp_path, capsys):
    fake_run(tmp_path / "output" / "neu-dcgan_20250101-120000", {"epochs": 3})
    expect_error(capsys, lambda: main(["train", "--resume", str(tmp_path / "output")]), "neu-dcgan_20250101-120000")


@pytest.mark.parametrize("config", [{"learning_rate": 0.1, "layers": [3, 4]}, [1, 2, 3], {"epochs": "ten"}])
def test_resume_config_of_another_project(config, tmp_path, capsys):
    other = fake_run(tmp_path / "other", config)
    before = listing(other)
    expect_error(
        capsys,
        lambda: main(["train", "--resume", str(other)]),
        other / "config.json",
        "not a pyimagesearch-gan run config",
    )
    assert listing(other) == before


def test_resume_takes_no_other_settings(tmp_path, capsys):
    run = fake_run(tmp_path / "run", {"epochs": 3})
    expect_error(
        capsys,
        lambda: main(["train", "--resume", str(run), "--batch-size", "4", "--set", "g_steps=2"]),
        "--batch-size",
        "--set",
    )
    expect_error(capsys, lambda: main(["train", "--resume", str(run), "--preset", "book-mnist"]), "--preset")
    expect_error(capsys, lambda: main(["train", "--resume", str(run), "--epochs", "2"]), "--epochs 2", "extend")


def test_output_holding_a_run_is_not_overwritten(data, tmp_path, capsys):
    run = fake_run(tmp_path / "run", {"epochs": 3})
    expect_error(capsys, lambda: train(data, run), run, "--resume")
    assert listing(run) == ["config.json"]


def test_console_entry_prints_one_error_line_and_no_traceback(data, tmp_path):
    """The real `python -m pyimagesearch_gan`: exit code 2, one 'error:' line naming the file, no traceback."""
    (data / "a" / "broken.jpg").write_bytes(jpeg_bytes(np.full((28, 28, 3), 90, np.uint8))[:150])
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyimagesearch_gan",
            "train",
            *TINY,
            "--data-dir",
            str(data),
            "--output",
            str(tmp_path / "run"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "[ERROR" not in result.stderr
    assert len(errors) == 1 and str(data / "a" / "broken.jpg") in errors[0] and "truncated" in errors[0]
    assert result.stderr.strip().splitlines()[-1] == errors[0]
    assert not (tmp_path / "run").exists()


def run_python(code, **env):
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONWARNINGS": "ignore", **env},
    )


def test_wrong_data_dir_is_one_line_before_tensorflow_starts(tmp_path):
    """User errors are found with NumPy/OpenCV, before TensorFlow's start-up (seconds, and its noise)."""
    result = run_python(
        textwrap.dedent(f"""
        import sys
        from pyimagesearch_gan.commands import main
        try:
            main(["train", "--data-dir", {str(tmp_path / "nowhere")!r}, "--output", {str(tmp_path / "run")!r}])
        finally:
            print("tensorflow imported:", "tensorflow" in sys.modules)
    """)
    )
    assert result.returncode == 2 and result.stdout.strip() == "tensorflow imported: False", result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: data folder") and "nowhere" in lines[0], lines
    assert not (tmp_path / "run").exists()


def test_without_tensorflow_the_first_command_says_what_to_install(data, tmp_path):
    """`pip install -e .` without an extra has no TensorFlow: one line naming the extra, no traceback."""
    result = run_python(
        textwrap.dedent(f"""
        import sys
        sys.modules["tensorflow"] = None  # as if it were not installed
        from pyimagesearch_gan.commands import main
        main(["train", *{TINY!r}, "--data-dir", {str(data)!r}, "--output", {str(tmp_path / "run")!r}])
    """)
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1 and "TensorFlow is not installed" in lines[0] and ".[cpu]" in lines[0], lines


def test_dangling_link_in_a_class_folder_is_skipped_and_named(data, tmp_path, capsys):
    """A link to nothing is listed by the folder but cannot be read: skipped and named, like
    the other files that are not images; training goes on."""
    (data / "a" / "gone.png").symlink_to(tmp_path / "nowhere" / "gone.png")
    train(data, tmp_path / "run")
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: skipped")]
    assert len(warnings) == 1 and "1 link to nothing: gone.png" in warnings[0], warnings
    assert (tmp_path / "run" / "a" / "generator.keras").is_file()


def test_file_gone_between_listing_and_reading_stops_naming_it(data, tmp_path, capsys, monkeypatch):
    """A file removed (or replaced by something unreadable) after the folder was listed: one
    line naming it and what to do, nothing written."""
    from pyimagesearch_gan import data as data_layer

    listed = data_layer._find_images

    def list_then_remove(class_dir, *args):
        found = listed(class_dir, *args)
        if class_dir.name == "b":
            found[0].unlink()
        return found

    monkeypatch.setattr(data_layer, "_find_images", list_then_remove)
    message = expect_error(capsys, lambda: train(data, tmp_path / "run"), data / "b" / "b_000.png", "cannot be read")
    assert "run again" in message
    assert not (tmp_path / "run").exists()
