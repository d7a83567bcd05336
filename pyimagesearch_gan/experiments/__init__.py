"""Experiments that measure whether GAN images help a classifier, each a CLI command that
writes results.csv, summary.md, plots and config.json into its output folder.

- `augment_mnist`: SPEC S4 (CS229) on MNIST: synthetic-only classifiers (Table 1) and the
  real + synthetic mixing ratios (Figure 2), optionally recursive training.
- `augment_neu`: SPEC S3's five situations (real, transforms, +k, +2k GAN images, +2k with
  transforms) on NEU steel defects with few real images per class.
"""
