"""The evidence commands on a tiny run: generate, neighbors, evaluate.

The run folder is built directly (config.json, two book generators, a checkpoint of epoch 1
written by the trainer's Checkpointer), which is much faster than training one.
"""

import csv
import json
import shutil

import cv2
import keras
import numpy as np
import pytest
from keras import layers

from pyimagesearch_gan import runs
from pyimagesearch_gan.commands import main
from pyimagesearch_gan.evidence.real_data import load_real
from pyimagesearch_gan.models import book
from pyimagesearch_gan.presets import get_preset
from pyimagesearch_gan.training.checkpoints import Checkpointer
from pyimagesearch_gan.training.monitor import Monitor
from pyimagesearch_gan.training.trainer import make_gan

CLASSES = ["crazing", "inclusion"]
ODD_NAME = "Copy of (1) é.JPG"


def held_out_count(data_root, name, fraction=0.2):
    """How many of a NEU class's images `neighbors` and `evaluate` hold out (20% by default): 60 of NEU's
    300 per class, fewer of the tests' stand-in sets."""
    count = sum(1 for p in (data_root / "neu" / name).iterdir() if not p.name.startswith("."))
    return count, round(fraction * count)


def tiny_cfg(data_root, **changes):
    return get_preset("neu-dcgan").with_overrides(
        {"classes": ",".join(CLASSES), "epochs": 2, "data_dir": str(data_root), "checkpoint_every": 1, **changes}
    )


def write_gan(run, cfg, index, name, epochs):
    """A book GAN in run/<name>/: a checkpoint of epoch 1 and the final generator of epoch 2."""
    keras.utils.set_random_seed(index)
    generator, discriminator = book.build(cfg.options().model, 0)
    gan = make_gan(cfg.options(), generator, discriminator)
    folder = run / name
    folder.mkdir(parents=True)
    images = np.zeros((16, 28, 28, 1), "uint8")
    monitor = Monitor(gan, folder, images, num_benchmark=4)
    monitor.history = [{"epoch": 1}]
    checkpointer = Checkpointer(
        run, gans=[gan], names=[name], monitors=[monitor], images=[images], config=cfg.to_dict()
    )
    checkpointer.on_epoch_end(0)
    checkpointer.write()
    for layer in generator.layers:  # the final generator differs from the checkpoint's
        if layer.weights and layer.name.startswith("dense"):
            layer.weights[0].assign(layer.weights[0] * 1.5)
    generator.save(folder / "generator.keras")
    (folder / "history.json").write_text(json.dumps([{"epoch": e} for e in range(1, epochs + 1)]))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, data_root):
    run = tmp_path_factory.mktemp("runs") / "tiny"
    run.mkdir()
    cfg = tiny_cfg(data_root)
    runs.write_config(run, cfg)
    for index, name in enumerate(CLASSES):
        write_gan(run, cfg, index, name, cfg.epochs)
    return run


@pytest.fixture(scope="module")
def generated(run_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "synthetic"
    main(["generate", str(run_dir), "--count", "12", "--output", str(out), "--seed", "3"])
    return out


def read_png_folder(folder):
    return {p.name: cv2.imread(str(p), cv2.IMREAD_UNCHANGED) for p in sorted(folder.glob("*.png"))}


def one_line_error(capsys, *args):
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 2 and len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


# ---------------------------------------------------------------- generate


def test_generate_layout_reads_back_with_keras(generated):
    dataset = keras.utils.image_dataset_from_directory(
        generated, image_size=(28, 28), color_mode="grayscale", batch_size=64, shuffle=False
    )
    assert dataset.class_names == CLASSES
    images, labels = next(iter(dataset))
    assert images.shape == (24, 28, 28, 1)
    np.testing.assert_array_equal(labels.numpy(), np.repeat([0, 1], 12))
    files = sorted(p.name for p in (generated / "crazing").iterdir())
    assert files == [f"crazing_{i:05d}.png" for i in range(1, 13)]
    image = cv2.imread(str(generated / "crazing" / "crazing_00001.png"), cv2.IMREAD_UNCHANGED)
    assert image.shape == (28, 28) and image.dtype == np.uint8  # gray PNGs stay one channel


def test_generate_manifest(generated, run_dir):
    manifest = json.loads((generated / "manifest.json").read_text())
    assert manifest["run_dir"] == str(run_dir.resolve())
    assert manifest["preset"] == "neu-dcgan" and manifest["family"] == "book" and manifest["dataset"] == "neu"
    assert manifest["epoch"] == 2 and manifest["models"] == {"crazing": {"epoch": 2}, "inclusion": {"epoch": 2}}
    assert manifest["seed"] == 3 and manifest["count_per_class"] == {"crazing": 12, "inclusion": 12}
    assert manifest["image_size"] == 28 and manifest["channels"] == 1 and manifest["noise"] == "uniform"


def test_a_seed_gives_the_same_images_whatever_classes_are_picked(generated, run_dir, tmp_path):
    main(
        [
            "generate",
            str(run_dir),
            "--count",
            "12",
            "--output",
            str(tmp_path / "one"),
            "--seed",
            "3",
            "--classes",
            "inclusion",
        ]
    )
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["inclusion", "manifest.json"]
    again, first = read_png_folder(tmp_path / "one" / "inclusion"), read_png_folder(generated / "inclusion")
    assert again.keys() == first.keys() and all(np.array_equal(again[k], first[k]) for k in first)
    crazing = read_png_folder(generated / "crazing")
    assert len({im.tobytes() for im in crazing.values()}) == 12  # different noise, different images


def test_generate_from_a_checkpoint(generated, run_dir, tmp_path):
    main(["generate", str(run_dir), "--count", "12", "--output", str(tmp_path / "e1"), "--seed", "3", "--epoch", "1"])
    manifest = json.loads((tmp_path / "e1" / "manifest.json").read_text())
    assert manifest["epoch"] == 1 and manifest["models"]["crazing"] == {"epoch": 1}
    early, final = read_png_folder(tmp_path / "e1" / "crazing"), read_png_folder(generated / "crazing")
    assert not any(np.array_equal(early[k], final[k]) for k in final)


def test_generate_never_overwrites_without_force(run_dir, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    message = one_line_error(capsys, "generate", str(run_dir), "--count", "2", "--output", str(out))
    assert "--force" in message and str(out) in message
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    main(["generate", str(run_dir), "--count", "2", "--output", str(out), "--force"])
    assert sorted(p.name for p in out.iterdir()) == ["crazing", "inclusion", "manifest.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folders left


@pytest.mark.parametrize(
    "args, message",
    [
        (["--epoch", "7"], "epochs 1, 2 only"),
        (["--classes", "rust"], "unknown class 'rust'"),
        (["--count", "0"], "--count"),
    ],
)
def test_generate_errors(run_dir, tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert message in one_line_error(capsys, "generate", str(run_dir), "--count", "2", "--output", str(out), *args)
    assert not out.exists()


def test_generate_needs_a_run_folder(tmp_path, capsys):
    assert "config.json" in one_line_error(
        capsys, "generate", str(tmp_path), "--count", "2", "--output", str(tmp_path / "o")
    )


def label_image_generator(num_classes):
    """A conditional generator whose image is a constant gray level chosen by its label."""
    noise = keras.Input((100,), name="noise")
    label = keras.Input((), dtype="int32", name="label")
    by_label = layers.Reshape((28, 28, 1))(layers.Embedding(num_classes, 28 * 28)(label))
    by_noise = layers.Reshape((28, 28, 1))(layers.Dense(28 * 28, kernel_initializer="zeros", use_bias=False)(noise))
    model = keras.Model([noise, label], layers.Add()([by_label, by_noise]), name="generator")
    embedding = next(layer for layer in model.layers if isinstance(layer, layers.Embedding))
    embedding.set_weights([np.repeat([[-0.5], [0.5]], 28 * 28, axis=1).astype("float32")])
    return model


def test_generate_from_a_conditional_run(data_root, tmp_path):
    run = tmp_path / "acgan"
    (run / "crazing+inclusion").mkdir(parents=True)
    runs.write_config(run, tiny_cfg(data_root, family="acgan", model={}))
    label_image_generator(2).save(run / "crazing+inclusion" / "generator.keras")
    main(["generate", str(run), "--count", "3", "--output", str(tmp_path / "out")])
    for name, level in (("crazing", 64), ("inclusion", 191)):  # labels 0 and 1 in the run's class order
        images = read_png_folder(tmp_path / "out" / name)
        assert len(images) == 3 and all(np.all(im == level) for im in images.values()), name
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["family"] == "acgan" and manifest["models"] == {"crazing+inclusion": {"epoch": 2}}


# ---------------------------------------------------------------- neighbors


def test_neighbors_finds_planted_training_images(generated, run_dir, data_root, tmp_path, capsys):
    gen = tmp_path / "gen"
    shutil.copytree(generated, gen)
    real = load_real("neu", str(data_root), classes=",".join(CLASSES), seed=0)
    trained_on = real.train.files[0]  # an image the feature CNN trained on
    held_out = real.held_out.files[-1]  # a held-out image: the GAN saw it too
    shutil.copy(trained_on, gen / "crazing" / ODD_NAME)
    shutil.copy(held_out, gen / "inclusion" / "x.jpeg")
    out = tmp_path / "report"
    shared = run_dir / "evaluation" / "feature_cnn.keras"  # the same CNN evaluate trains: trained once
    main(
        [
            "neighbors",
            str(gen),
            "--data-dir",
            str(data_root),
            "--classes",
            ",".join(CLASSES),
            "--output",
            str(out),
            "--k",
            "3",
            "--feature-epochs",
            "1",
            "--features",
            str(shared),
        ]
    )
    console = capsys.readouterr().out

    report = json.loads((out / "report.json").read_text())
    copies = {c["file"].split("/")[-1]: c for c in report["near_copies"]}
    for name, source in ((ODD_NAME, trained_on), ("x.jpeg", held_out)):
        assert copies[name]["distance"] == 0.0 and copies[name]["train_file"] == source, name
        assert name in console
        assert name in (out / "report.md").read_text()
    held_out = [held_out_count(data_root, name)[1] for name in CLASSES]
    assert report["generated"] == 26 and report["held_out_in_train"] == len(real.held_out.files) == sum(held_out)
    assert report["classes"]["crazing"]["pixel"]["held_out"]["count"] == held_out[0]
    assert "held out 20%" in report["notes"][0] and "held out 20%" in console
    assert sorted(p.name for p in out.iterdir()) == [
        "feature_cnn.json",
        "feature_cnn.keras",
        "neighbors_crazing.png",
        "neighbors_inclusion.png",
        "report.json",
        "report.md",
    ]
    assert cv2.imread(str(out / "neighbors_crazing.png")).shape[0] > 0

    main(
        [
            "neighbors",
            str(gen),
            "--data-dir",
            str(data_root),
            "--classes",
            ",".join(CLASSES),
            "--output",
            str(out),
            "--k",
            "3",
            "--feature-epochs",
            "1",
        ]
    )
    assert f"feature CNN: using {out}" in capsys.readouterr().out  # the report folder's CNN is reused


def test_neighbors_needs_the_dataset_without_a_manifest(generated, tmp_path, capsys):
    gen = tmp_path / "gen"
    shutil.copytree(generated, gen)
    (gen / "manifest.json").unlink()
    assert "--dataset" in one_line_error(capsys, "neighbors", str(gen), "--output", str(tmp_path / "o"))
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- evaluate


def test_evaluate_writes_metrics_per_class_and_epoch(run_dir, data_root, capsys):
    main(["evaluate", str(run_dir), "--count", "16", "--feature-epochs", "1", "--cas-epochs", "1"])
    console = capsys.readouterr().out
    folder = run_dir / "evaluation"
    with open(folder / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["epoch"], r["class"]) for r in rows] == [
        ("1", "crazing"),
        ("1", "inclusion"),
        ("2", "crazing"),
        ("2", "inclusion"),
    ]
    assert all(float(r["fid"]) > 0 and np.isfinite(float(r["kid"])) and 0 <= float(r["cas"]) <= 1 for r in rows)
    result = json.loads((folder / "metrics.json").read_text())
    fids = {(r["epoch"], r["class"]): r["fid"] for r in result["rows"]}
    for name, best in result["best_epoch"].items():
        assert best["fid"] == min(fids[(e, name)] for e in (1, 2)) == fids[(best["epoch"], name)]
    reference = result["reference"]["held_out_vs_train"]["crazing"]
    count, held_out = held_out_count(data_root, "crazing")
    assert reference["held_out"] == held_out and reference["train"] == count - held_out and reference["fid"] >= 0
    assert cv2.imread(str(folder / "fid_vs_epoch.png")) is not None
    assert "best epoch per class (lowest FID): crazing" in console and "| 2 | inclusion |" in console

    main(["evaluate", str(run_dir), "--count", "16", "--feature-epochs", "1", "--cas-epochs", "1", "--epochs", "2"])
    console = capsys.readouterr().out
    assert "feature CNN: using" in console and "keeping the earlier results of epochs 1" in console
    again = json.loads((folder / "metrics.json").read_text())
    assert again["rows"] == result["rows"]  # epoch 1 kept, epoch 2 computed again: the same numbers

    main(["evaluate", str(run_dir), "--count", "16", "--feature-epochs", "1", "--epochs", "1", "--no-cas"])
    assert "results of other settings: they are replaced" in capsys.readouterr().out
    result = json.loads((folder / "metrics.json").read_text())
    assert [(r["epoch"], r["cas"]) for r in result["rows"]] == [(1, None), (1, None)]
    # Without CAS the chosen epoch falls back to FID's best, and says so.
    assert {n: (c["epoch"], c["by"]) for n, c in result["chosen_epoch"].items()} == {n: (1, "fid") for n in CLASSES}


def test_evaluate_names_the_epochs_it_has(run_dir, capsys):
    assert "epochs 1, 2" in one_line_error(capsys, "evaluate", str(run_dir), "--epochs", "5")


def test_chosen_epochs_by_recall_later_on_a_tie_else_by_fid():
    from pyimagesearch_gan.evidence.evaluate import chosen_epochs

    def row(epoch, name, fid, recall):
        return {"epoch": epoch, "class": name, "fid": fid, "kid": 0.0, "cas": None, "recall": recall}

    rows = [row(1, "a", 5.0, 0.8), row(1, "b", 9.0, 0.2), row(2, "a", 3.0, 0.6), row(2, "b", 7.0, 0.2)]
    assert {n: (c["epoch"], c["by"], c["recall"]) for n, c in chosen_epochs(rows).items()} == {
        "a": (1, "cas", 0.8),  # the highest recall, though epoch 2 has the lower FID
        "b": (2, "cas", 0.2),  # a tie: the later epoch
    }
    assert {n: (c["epoch"], c["by"], c["fid"]) for n, c in chosen_epochs(rows, "fid").items()} == {
        "a": (2, "fid", 3.0),
        "b": (2, "fid", 7.0),
    }
    single = [row(1, "a", 5.0, None), row(2, "a", 6.0, None)]  # one class: no CAS, no recall
    assert chosen_epochs(single) == {"a": {"epoch": 1, "by": "fid", "recall": None, "fid": 5.0}}


def test_generate_best_draws_each_class_from_its_chosen_epoch(run_dir, generated, data_root, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run, ignore=shutil.ignore_patterns("evaluation"))
    main(["evaluate", str(run), "--count", "16", "--feature-epochs", "1", "--cas-epochs", "1"])
    assert "chosen epoch per class (by CAS, for generate --epoch best): crazing" in capsys.readouterr().out
    metrics = run / "evaluation" / "metrics.json"
    result = json.loads(metrics.read_text())
    assert result["chosen_epoch"].keys() == set(CLASSES)
    for epoch in (1, 2):
        # The CAS is the accuracy over the held-out images of both classes: their recalls, weighted.
        rows = {r["class"]: r for r in result["rows"] if r["epoch"] == epoch}
        held = {name: held_out_count(data_root, name)[1] for name in CLASSES}
        weighted = sum(rows[n]["recall"] * held[n] for n in CLASSES) / sum(held.values())
        assert rows["crazing"]["cas"] == pytest.approx(weighted)
    for name, chosen in result["chosen_epoch"].items():
        recalls = {r["epoch"]: r["recall"] for r in result["rows"] if r["class"] == name}
        assert chosen["by"] == "cas" and chosen["recall"] == recalls[chosen["epoch"]] == max(recalls.values())
        assert chosen["epoch"] == max(e for e, r in recalls.items() if r == chosen["recall"])  # later on a tie

    # The checkpoint of epoch 1 for crazing, the final generator for inclusion: generate must follow.
    result["chosen_epoch"]["crazing"]["epoch"], result["chosen_epoch"]["inclusion"]["epoch"] = 1, 2
    metrics.write_text(json.dumps(result))
    out = tmp_path / "best"
    main(["generate", str(run), "--count", "12", "--output", str(out), "--seed", "3", "--epoch", "best"])
    console = capsys.readouterr().out
    assert "crazing: 12 images from crazing/ at epoch 1 (chosen by CAS)" in console
    assert "inclusion: 12 images from inclusion/ at epoch 2 (chosen by CAS)" in console
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["epoch"] == "best" and manifest["chosen_by"] == "cas"
    assert manifest["models"] == {"crazing": {"epoch": 1}, "inclusion": {"epoch": 2}}
    assert manifest["epoch_per_class"] == {"crazing": 1, "inclusion": 2}
    main(["generate", str(run), "--count", "12", "--output", str(tmp_path / "e1"), "--seed", "3", "--epoch", "1"])
    for name, expected in (("crazing", tmp_path / "e1"), ("inclusion", generated)):
        drawn, reference = read_png_folder(out / name), read_png_folder(expected / name)
        assert drawn.keys() == reference.keys() and all(np.array_equal(drawn[k], reference[k]) for k in drawn)

    main(["evaluate", str(run), "--count", "16", "--feature-epochs", "1", "--cas-epochs", "1", "--choose-by", "fid"])
    capsys.readouterr()
    result = json.loads(metrics.read_text())
    by_fid = {name: (best["epoch"], "fid") for name, best in result["best_epoch"].items()}
    assert {name: (c["epoch"], c["by"]) for name, c in result["chosen_epoch"].items()} == by_fid

    result["chosen_epoch"]["crazing"]["epoch"] = 1
    metrics.write_text(json.dumps(result))
    shutil.rmtree(run / "checkpoints" / "crazing")  # epoch 1 is gone from disk
    message = one_line_error(
        capsys, "generate", str(run), "--count", "2", "--output", str(tmp_path / "o"), "--epoch", "best"
    )
    assert "--epoch best" in message and "epoch 1 for class crazing" in message and "evaluate" in message
    assert not (tmp_path / "o").exists()
    # Evaluated again, the pruned epoch keeps its row but is no longer chosen.
    main(["evaluate", str(run), "--count", "16", "--feature-epochs", "1", "--cas-epochs", "1", "--epochs", "2"])
    assert "keeping the earlier results of epochs 1" in capsys.readouterr().out
    result = json.loads(metrics.read_text())
    assert {r["epoch"] for r in result["rows"] if r["class"] == "crazing"} == {1, 2}
    assert result["chosen_epoch"]["crazing"]["epoch"] == 2 and result["chosen_epoch"]["crazing"]["by"] == "cas"
