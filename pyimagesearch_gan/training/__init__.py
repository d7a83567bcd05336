"""Training: the GAN and its step (gan.py), class GANs side by side (class_gans.py, fused.py),
the plan of a run (plan.py) and the trainer that turns a config into models and fits them
(trainer.py), what a run shows (monitor.py, progress.py, tensorboard.py), checkpoints and clean
stops (checkpoints.py, stopping.py), DiffAugment (diffaugment.py) and how a run uses the machine
(accel.py). It reads and writes the run folder through runs.py and imports nothing from the
commands, the experiments, the evidence or the report.
"""
