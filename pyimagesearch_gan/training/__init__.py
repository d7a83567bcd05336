"""Training: the GAN and its step (gan.py), class GANs side by side (class_gans.py), the trainer
that turns a config into models and fits them (trainer.py), what a run shows (monitor.py,
progress.py), checkpoints and clean stops (checkpoints.py, stopping.py), how a run uses the
machine (accel.py), and the book's own loop with the benchmark that measures against it
(book_loop.py, bench.py).
"""
