"""`pyimagesearch-gan augment-neu`: the augmentation experiment (engine.py) on NEU steel defects.

Two designs (designs.neu_design), both with 100 held-out test images per class:
- `--sizes`: n real images in every class (S3's few-images setting), the GAN situations adding
  k = n synthetic images per class;
- `--rare`: each class in turn keeps only n_rare real images while the others keep
  `--rare-others`; one GAN per class learns from its n_rare images only, and its images top
  the rare class up to the others' count. The six rotations are the trials.
"""

from pyimagesearch_gan.experiments import engine
from pyimagesearch_gan.experiments.designs import load_neu_design


def run(settings, data_dir, output):
    return engine.run(settings, data_dir, output, design=load_neu_design(settings, data_dir), command="augment-neu")
