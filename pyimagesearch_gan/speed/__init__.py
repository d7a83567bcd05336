"""Speed tools, beside training rather than in it: the book's own training loop kept as the
reference to measure against (`book_loop.py`, also a script: `python -m
pyimagesearch_gan.speed.book_loop`), and `pyimagesearch-gan bench` (`bench.py`, its settings
in `settings.py`), which times the book loop, the compiled step and class GANs side by side.
Measurements are in docs/speed.md.
"""
