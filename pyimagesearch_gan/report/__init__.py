"""A run on one page: `RUN_DIR/report.html`, and `progress.gif` in each GAN folder; an
augmentation experiment on one page: `OUT/report.html`.

A run writes a montage of the fixed benchmark noise for every GAN at every epoch, a history
and a loss plot: hundreds of files to open one by one. `write_report` puts them on one page:
the run's settings and timings at the top, then per GAN the real montage beside the latest
generated one, a slider over the epochs' montages, the progress GIF, the loss curves (and the
auxiliary classifier's accuracies for AC-GAN, whose montage rows are labelled with their
classes) and, after `pyimagesearch-gan evaluate`, the best epoch per class.

The page is one self-contained file that opens from disk (`page`); the report reads whatever
is on disk (`run_view`), so it works on a run that is still training or was interrupted, and
on runs written before `run.json` existed. `write_progress_gif` (`gifs`) turns a GAN's
montages into one animated GIF, one labelled frame per epoch.

`write_experiment_report` (`experiment_page`) lays out what an experiment computed, its verdict,
metrics and each class's real and GAN images, with the same templates' frame and CSS.
"""

from pyimagesearch_gan.report.experiment_page import render_experiment_page, write_experiment_report
from pyimagesearch_gan.report.gifs import GIF_NAME, thin, write_progress_gif
from pyimagesearch_gan.report.page import REPORT_NAME, write_report

__all__ = [
    "GIF_NAME",
    "REPORT_NAME",
    "render_experiment_page",
    "thin",
    "write_experiment_report",
    "write_progress_gif",
    "write_report",
]
