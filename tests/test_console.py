"""What training prints: one short line per epoch whatever the number of classes, and a table."""

from pyimagesearch_gan.training.progress import ProgressLogger

NAMES = ["crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches_on_a_long_named_class"]


def logs_for(names, keys=("d_loss", "gan_loss", "d_class_loss", "acc_real", "acc_fake")):
    return {f"{name}/{key}": 0.5 + 0.1 * i + 0.01 * j for i, name in enumerate(names) for j, key in enumerate(keys)}


def test_epoch_line_fits_160_columns_and_names_the_class_furthest_off(capsys):
    keys = ["d_loss", "gan_loss", "d_class_loss", "acc_real", "acc_fake"]
    logger = ProgressLogger("6 classes", 500, names=NAMES, keys=keys)
    logs = logs_for(NAMES)
    logs["patches/gan_loss"] = 9.0
    logger.on_epoch_begin(0)
    logger.on_epoch_end(0, logs)
    line = capsys.readouterr().out.splitlines()[0]
    assert len(line) <= 160, line
    assert "epoch 1/500" in line and "mean d_loss" in line and "furthest patches" in line and "left" in line


def test_table_every_tenth_of_the_run_and_at_the_end(capsys):
    logger = ProgressLogger("6 classes", 20, names=NAMES, keys=["d_loss", "gan_loss"], table_every=10)
    for epoch in range(20):
        logger.on_epoch_begin(epoch)
        logger.on_epoch_end(epoch, logs_for(NAMES, ["d_loss", "gan_loss"]))
    out = capsys.readouterr().out.splitlines()
    tables = [i for i, line in enumerate(out) if line.strip().startswith("class")]
    assert len(tables) == 2, out
    assert all(len(line) <= 160 for line in out)
    assert all(any(name[:24] in line for line in out[tables[0] : tables[0] + 7]) for name in NAMES)


def test_verbose_prints_every_loss_of_every_class(capsys):
    logger = ProgressLogger("2 classes", 5, names=NAMES[:2], keys=["d_loss", "gan_loss"], verbose=True)
    logger.on_epoch_begin(0)
    logger.on_epoch_end(0, logs_for(NAMES[:2], ["d_loss", "gan_loss"]))
    line = capsys.readouterr().out.splitlines()[0]
    assert all(f"{name}/{key}" in line for name in NAMES[:2] for key in ("d_loss", "gan_loss"))


def test_a_six_class_run_prints_no_line_over_160_columns(tmp_path, monkeypatch, capsys, write_image_tree):
    from pyimagesearch_gan.commands import main

    names = ["crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"]
    data = write_image_tree(tmp_path / "data", classes=names, count=8)
    monkeypatch.chdir(tmp_path)
    main(["train", "--preset", "neu-dcgan", "--dataset", "folder", "--data-dir", str(data), "--classes", "all",
          "--epochs", "1", "--batch-size", "8", "--set", "num_benchmark=4", "--output", "out/run"])  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("training 6 GAN(s)") and out[-1].startswith("done in"), out
    assert max(len(line) for line in out) <= 160, max(out, key=len)
