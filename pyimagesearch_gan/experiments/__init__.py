"""The augmentation experiment: does a GAN's synthetic data help a classifier? One engine, run
by `augment DATA_DIR` on any class folder and by its presets on the reference data sets; each
writes results.csv, summary.md, metrics.png, report.html and config.json into its output folder.

- `designs`: which images: test, validation and training images per class and scenario, and
  the GAN sets they draw from (any folder by share; NEU sizes and rare classes; MNIST sizes).
- `situations`: what is compared: real, resampling, classic transforms, GAN images.
- `recipe`: the classic recipe that GAN images are added to, chosen on the validation images.
- `engine`: the phases: classic fits and the recipe, then per source the GANs, their epochs,
  near-copies, fits.
- `side_by_side`: independent classifier fits trained together, each its own early stop.
- `summary`: metrics from confusion matrices, paired differences, the verdict, the page's view.
- `protocol`: what makes the comparison fair: a validation split carved from the real
  training images, early-stopped classifiers, strong classic transforms, the GAN epoch chosen
  by CAS, filtering, 95% intervals and paired differences.
- `gans`: the experiments' GANs, trained once on exactly the real training images, cached,
  resumable, with a generator snapshot per epoch.
- `common`: synthetic sets, fitting and scoring, the results and selection logs.
- `settings`: every experiment's settings and their checks, without TensorFlow.
- `augment_neu`, `augment_mnist`: the presets of S3 (NEU) and S4 (MNIST).
"""
