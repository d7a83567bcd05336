"""Experiments that measure whether GAN images help a classifier, each a CLI command that
writes results.csv, summary.md, plots and config.json into its output folder.

- `protocol`: what makes the comparison fair: a validation split carved from the real
  training images, early-stopped classifiers, strong classic transforms, the GAN epoch chosen
  by CAS, filtering, 95% intervals and paired differences.
- `gans`: the experiments' GANs, trained once on exactly the real training images, cached,
  resumable, with a generator snapshot per epoch.
- `common`: synthetic sets, fitting and scoring, the results and selection logs, summaries.
- `augment_neu`: S3's situations on NEU steel defects with few real images per class, for
  several GAN sources (per-class DCGAN with and without DiffAugment, AC-GAN).
- `augment_mnist`: SPEC S4 (CS229) on MNIST: synthetic-only classifiers per α (Table 1), the
  real + synthetic mixing ratios (Figure 2) with and without transforms.
"""
