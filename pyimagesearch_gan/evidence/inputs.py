"""What `evaluate` and `neighbors` check before TensorFlow starts: the run or image folder, the
epochs, the real data's folder, the output folder. Everything here is files and numbers, so
a wrong argument is one line within a second.
"""

from pathlib import Path

from pyimagesearch_gan.data import check_dataset, resolve_data_dir
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import check_writable
from pyimagesearch_gan.runs import epoch_plan, open_run


def check_evaluation(run_dir, *, count, epochs=None, data_dir=None):
    """(run, {epoch: targets}) for `evaluate`, or a one-line UserError."""
    if count < 2:
        raise UserError(f"--count must be at least 2 (FID needs a covariance), got {count}")
    run = open_run(run_dir)
    if run.pooled:
        raise UserError(
            f"{run.folder} holds one pooled GAN for several classes: evaluate needs class GANs or a conditional GAN"
        )
    plan = epoch_plan(run, epochs)
    check_writable(run.folder / "evaluation", "RUN_DIR")
    resolve_data_dir(data_dir or run.cfg.data_dir, run.cfg.dataset)
    return run, plan


def check_neighbors(generated_dir, output, *, dataset, data_dir=None, features=None):
    """The generated-image folder exists, the data set is known and its folder there, --features
    is a file where it exists, and --output can be written; a one-line UserError otherwise."""
    generated_dir = Path(generated_dir)
    if not generated_dir.is_dir():
        raise UserError(f"generated-image folder {generated_dir} does not exist: point it at <dir>/<class>/<image>")
    if dataset is None:
        raise UserError(
            f"--dataset is needed: {generated_dir} has no manifest.json saying which data set its GAN learned"
        )
    check_dataset(dataset)
    resolve_data_dir(data_dir, dataset)
    if features and Path(features).exists() and not Path(features).is_file():
        raise UserError(f"--features {features} is a folder: give a .keras file to use, or a new path to save to")
    check_writable(output)
