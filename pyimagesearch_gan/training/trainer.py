"""Training a run: one GAN per class (the book's way to make class-labelled synthetic data),
or one conditional GAN for all classes, each fitted with its monitor and checkpoints, and saved.

This is the one place where a config becomes objects (models, optimizers, GANs, callbacks)
and the one `Model.fit` of training. Everything that can be wrong with the input (data,
classes, batch size, output folder) is checked before the first file is written. A run
folder holds `config.json` (the settings), `run.json` (what the run holds: its GANs, the class
names in label order, image size; see runs.py) and one folder per GAN with `real.png`,
`epoch_*.png`, `loss.png`, `history.json`, `generator.keras` and `discriminator.keras`, and
`checkpoints/<gan>/` the training state every `checkpoint_every` epochs: `train(cfg,
resume=True)` goes on from there, skipping finished GANs.
"""

import contextlib
import time
from pathlib import Path

import keras
import tensorflow as tf

import pyimagesearch_gan
from pyimagesearch_gan import runs
from pyimagesearch_gan.data import make_pipeline
from pyimagesearch_gan.errors import UserError
from pyimagesearch_gan.files import ensure_writable_dir, write_json
from pyimagesearch_gan.models import get_family
from pyimagesearch_gan.runs import resume_hint
from pyimagesearch_gan.training import accel
from pyimagesearch_gan.training.checkpoints import Checkpointer, NonFinite
from pyimagesearch_gan.training.class_gans import ClassGANs, joint_dataset
from pyimagesearch_gan.training.diffaugment import make_augmenter
from pyimagesearch_gan.training.fused import FusedClassGANs, sync_callbacks, why_not_fused
from pyimagesearch_gan.training.gan import GAN, book_adam
from pyimagesearch_gan.training.monitor import Monitor
from pyimagesearch_gan.training.plan import grouping, is_finished, job_steps, plan_run
from pyimagesearch_gan.training.progress import ProgressLogger
from pyimagesearch_gan.training.stopping import Interrupted, StopGuard, StopStep, guarded_run
from pyimagesearch_gan.training.tensorboard import TensorBoardLogger
from pyimagesearch_gan.utils import format_seconds

# ---------------------------------------------------------------- config -> objects


def make_optimizer(optimizers, network):
    """The run's Adam of `network` ("d" or "g"), with the book's decay per update."""
    lr, decay = (optimizers.d_lr, optimizers.d_decay) if network == "d" else (optimizers.g_lr, optimizers.g_decay)
    return book_adam(
        lr, decay=decay, beta_1=optimizers.beta_1, beta_2=optimizers.beta_2, loss_scale=optimizers.loss_scale
    )


def make_gan(options, generator, discriminator, *, num_classes=0, seed=None, jit_compile=None):
    """The GAN of these networks from a run's `options` (`TrainConfig.options()`): its step
    (`options.step`), its augmenter (seeded `seed` + 1: its own stream), its optimizers
    (`options.optimizers`), compiled for `options.devices` (`jit_compile` overrides XLA)."""
    step = options.step
    seed = step.seed if seed is None else seed
    augmenter = make_augmenter(step.diffaugment, seed + 1, ada_target=step.ada_target, ada_kimg=step.ada_kimg)
    gan = GAN(
        generator,
        discriminator,
        noise_dim=step.noise_dim,
        noise=step.noise,
        num_classes=num_classes,
        real_label=step.real_label,
        g_steps=step.g_steps,
        d_batch=step.d_batch,
        g_training_in_d_step=step.g_training_in_d_step,
        balance=step.balance,
        augmenter=augmenter,
        seed=seed,
    )
    compile_options = accel.compile_options(options.devices)
    if jit_compile is not None:
        compile_options["jit_compile"] = jit_compile
    optimizers = options.optimizers
    gan.compile(
        d_optimizer=make_optimizer(optimizers, "d"), g_optimizer=make_optimizer(optimizers, "g"), **compile_options
    )
    return gan


def build_gan(options, family, job):
    """A compiled GAN for `job`, its networks from `options.model`, seeded by the run seed and
    the job's index."""
    seed = options.step.seed + job.index
    keras.utils.set_random_seed(seed)
    num_classes = len(job.class_names) if family.CONDITIONAL else 0
    with accel.build_scope(options.devices):
        generator, discriminator = map(accel.float32_outputs, family.build(options.model, num_classes))
        return make_gan(options, generator, discriminator, num_classes=num_classes, seed=seed)


def group_model(options, gans, names, steps):
    """The model `fit` drives for a group of GANs (named `names`, `steps` per epoch each): the
    GAN itself, the classes fused into one model (`fuse`, when they can be), or their joint step."""
    if len(gans) == 1:
        return gans[0]
    devices = options.devices
    reason = why_not_fused(options, steps, gans) if devices.fuse else None
    if reason:
        print(f"[{len(gans)} classes] --fuse is off for this run ({reason}): one joint step instead", flush=True)
    with accel.build_scope(devices):
        if devices.fuse and not reason:
            model = FusedClassGANs(gans, names)
            optimizers = options.optimizers
            model.compile(
                make_optimizer(optimizers, "d"), make_optimizer(optimizers, "g"), **accel.compile_options(devices)
            )
        else:
            model = ClassGANs(gans, names, steps=steps)
            model.compile(**accel.compile_options(devices))
    return model


# ---------------------------------------------------------------- fitting


def train_group(
    options,
    family,
    jobs,
    *,
    run_dir=None,
    resume=False,
    stop=None,
    remaining_after=0,
    verbose=False,
    on_first_step=None,
):
    """Fit the GANs of `jobs` (one, or several side by side, planned with their steps per epoch)
    with their monitors and checkpoints, from their last checkpoint when `resume`; save them.
    `options` is the run's `TrainConfig.options()`: each part is built from its own group."""
    run_dir = Path(run_dir or jobs[0].folder.parent)
    data, monitoring, saving = options.data, options.monitor, options.checkpoints
    gans = [build_gan(options, family, job) for job in jobs]
    steps = [job_steps(data, job) for job in jobs]
    model = group_model(options, gans, [job.name for job in jobs], steps)
    prefixes = [""] if len(jobs) == 1 else [f"{job.name}/" for job in jobs]
    monitors = [
        Monitor(
            gan,
            job.folder,
            job.images,
            num_benchmark=monitoring.num_benchmark,
            seed=data.seed,
            every=monitoring.sample_every,
            epochs=monitoring.epochs,
            checkpoint_every=monitoring.checkpoint_every,
            prefix=prefix,
            title=f"{monitoring.title}: {job.name}",
        )
        for gan, job, prefix in zip(gans, jobs, prefixes)
    ]
    loggers = []
    if monitoring.tensorboard:
        loggers = [
            TensorBoardLogger(run_dir / "tensorboard" / job.folder.name, gan, monitor, prefix=prefix)
            for gan, job, monitor, prefix in zip(gans, jobs, monitors, prefixes)
        ]
    label = jobs[0].name if len(jobs) == 1 else f"{len(jobs)} classes"
    if len(set(steps)) > 1:
        print(
            f"[{label}] one joint step for classes of {min(steps)} to {max(steps)} steps per epoch: "
            f"a joint epoch of {max(steps)} steps is one epoch of every class",
            flush=True,
        )
    checkpointer = Checkpointer(
        run_dir,
        gans=gans,
        names=[job.folder.name for job in jobs],
        monitors=monitors,
        images=[job.images for job in jobs],
        config=saving.config,
        every=saving.every,
        epochs=saving.epochs,
        keep=saving.keep,
        snapshot_every=saving.snapshot_every,
        model_folders=[job.folder for job in jobs],
    )
    initial_epoch = checkpointer.restore() if resume else 0
    if resume:
        print(
            f"[{label}] "
            + (f"resuming after epoch {initial_epoch}" if initial_epoch else "no checkpoint: starting at epoch 1"),
            flush=True,
        )
    pipelines = [
        make_pipeline(
            job.images, data.batch_size, seed=data.seed + job.index, labels=job.labels, start_batch=initial_epoch * step
        )
        for job, step in zip(jobs, steps)
    ]
    dataset = accel.distribute_options(
        pipelines[0] if len(jobs) == 1 else joint_dataset(pipelines, steps), options.devices
    )
    progress = ProgressLogger(
        label,
        data.epochs,
        names=[job.name for job in jobs] if len(jobs) > 1 else (),
        keys=[t.name for t in gans[0].metrics],
        remaining_after=remaining_after,
        verbose=verbose,
        on_first_step=on_first_step,
    )
    guarded_fit(
        model,
        dataset,
        checkpointer=checkpointer,
        callbacks=[*sync_callbacks(model), *monitors, *loggers, progress],
        steps=max(steps),
        epochs=data.epochs,
        initial_epoch=initial_epoch,
        stop=stop,
        label=label,
        lr_hint=options.optimizers.g_lr / 10,
    )
    return gans


def guarded_fit(model, dataset, *, checkpointer, callbacks, steps, epochs, initial_epoch, stop, label, lr_hint=2e-5):
    """`model.fit` from `initial_epoch` to `epochs` with checkpoints, a clean Ctrl-C and the NaN guard."""
    run_dir = checkpointer.run_dir
    if initial_epoch >= epochs:
        return
    try:
        model.fit(
            dataset,
            epochs=epochs,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps,
            callbacks=[*callbacks, checkpointer, StopGuard(stop)],
            verbose=0,
            shuffle=False,
        )
    except StopStep as at:
        with contextlib.suppress(NonFinite):  # a bad state is not written; the last good checkpoint stays
            checkpointer.write()
        written = checkpointer.written
        kept = (
            f"the checkpoint of epoch {written} is in {run_dir / 'checkpoints'}"
            if written
            else "no checkpoint yet, it starts again from epoch 1"
        )
        redo = f"; epoch {at.epoch + 1} starts again from its first step" if at.batch else ""
        raise Interrupted(
            f"interrupted at epoch {at.epoch + 1} step {at.batch} of {label}; {kept}{redo}. "
            f"Resume with: {resume_hint(run_dir)}",
            stop.exit_code,
        ) from None
    except NonFinite as bad:
        where = f"epoch {bad.epoch + 1}" + ("" if bad.batch is None else f" batch {bad.batch}")
        kept = (
            f"the last good checkpoint (epoch {checkpointer.written}) is kept in {run_dir / 'checkpoints'}"
            if checkpointer.written
            else "no checkpoint was written"
        )
        write_json(
            run_dir / "error.json",
            {
                "error": "non-finite loss",
                "gan": label,
                "epoch": bad.epoch + 1,
                "batch": bad.batch,
                "key": bad.key,
                "value": str(bad.value),
                "last_checkpoint_epoch": checkpointer.written,
            },
        )
        raise UserError(
            f"training diverged: {bad.key} became {bad.value} at {where} of {label}; {kept}, nothing after it "
            f"(details in {run_dir / 'error.json'}); lower the learning rates (e.g. --lr {lr_hint:g}) "
            "and start a new run"
        ) from None
    except KeyboardInterrupt:  # the second Ctrl-C: stop at once, the last checkpoint stays
        raise Interrupted(
            f"stopped at once; the last checkpoint (epoch {checkpointer.written or 'none'}) stays. "
            f"Resume with: {resume_hint(run_dir)}",
            stop.exit_code if stop else 130,
        ) from None
    finally:  # the monitors write their files in the background: none is left half-done
        for callback in callbacks:
            if hasattr(callback, "finish_writes"):
                callback.finish_writes()


# ---------------------------------------------------------------- a run


def train(cfg, run_dir=None, *, resume=False, plan=None, verbose=False, on_end=None):
    """Train every GAN of `cfg`; returns the run folder. With `resume`, go on with the run in
    `run_dir` (or cfg.output) from its checkpoints (`resume_config` reads its settings).
    `plan` is `plan_run`'s, when the caller checked the input already. `on_end(run_dir)` runs
    when training ends, however it ends (the command writes the run's report page there)."""
    plan = plan or plan_run(cfg, run_dir, resume=resume)
    options = cfg.options()  # from here on each part gets its own group of settings
    if options.devices.deterministic:
        tf.config.experimental.enable_op_determinism()
    family = get_family(options.model.family)
    if hasattr(family, "check"):
        family.check(options.model)  # settings the family cannot build, before anything is written
    accel.check_strategy(options.devices, batch_size=options.data.batch_size, balance=options.step.balance)
    jobs = plan.jobs
    run_dir = ensure_writable_dir(plan.run_dir, "--resume" if resume else "--output")
    for job in jobs:
        ensure_writable_dir(job.folder)
    runs.write_config(run_dir, cfg)
    groups, why = grouping(cfg, jobs)
    runs.write_manifest(
        run_dir,
        cfg,
        jobs,
        class_names=plan.class_names,
        conditional=family.CONDITIONAL,
        side_by_side=len(groups) == 1 and len(jobs) > 1,
    )
    if resume:
        (run_dir / "error.json").unlink(missing_ok=True)  # a divergence this resume runs into again is recorded anew
    print(
        f"{'resuming' if resume else 'training'} {len(jobs)} GAN(s) [{', '.join(j.name for j in jobs)}] "
        f"for {cfg.epochs} epochs into {run_dir}" + (f", {why}" if why else ""),
        flush=True,
    )
    first_step = []
    accel.set_threads(options.devices, concurrent=any(len(group) > 1 for group in groups))
    with guarded_run(run_dir) as stop, ending(run_dir, on_end), accel.shared_updates():
        for i, group in enumerate(groups):
            if resume and is_finished(cfg, run_dir, [job.folder for job in group]):
                print(f"[{', '.join(job.name for job in group)}] already trained, skipped", flush=True)
                continue
            train_group(
                options,
                family,
                group,
                run_dir=run_dir,
                resume=resume,
                stop=stop,
                remaining_after=cfg.epochs * (len(groups) - i - 1),
                verbose=verbose,
                on_first_step=None if first_step else lambda: first_step.append(time.perf_counter()),
            )
            if stop.requested and i + 1 < len(groups):
                raise Interrupted(
                    f"interrupted after {', '.join(job.name for job in group)} finished. "
                    f"Resume with: {resume_hint(run_dir)}",
                    stop.exit_code,
                )
    print(
        f"{closing_time(first_step[0] if first_step else None)}; montages, loss plots and models in {run_dir}/<class>/",
        flush=True,
    )
    return run_dir


def closing_time(first_step):
    """'done in 1m12s: start-up 7.7 s (to the first training step), training 64.3 s', from
    the command's start (`pyimagesearch_gan.STARTED`); `first_step` None: no step was run."""
    now = time.perf_counter()
    total = f"done in {format_seconds(now - pyimagesearch_gan.STARTED)}"
    if first_step is None:
        return total
    startup, training = first_step - pyimagesearch_gan.STARTED, now - first_step
    return f"{total}: start-up {startup:.1f} s (to the first training step), training {training:.1f} s"


@contextlib.contextmanager
def ending(run_dir, on_end):
    """Call `on_end(run_dir)` when the block ends, however it ends."""
    try:
        yield
    finally:
        if on_end is not None:
            on_end(run_dir)
