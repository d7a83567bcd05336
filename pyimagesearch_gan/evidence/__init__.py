"""Evidence that synthetic images are new and useful.

- `classifiers`: the small Keras classifiers (the feature CNN behind FID/KID and the
  feature-space neighbours, S3's CNN, S4's MLP), one fit and one evaluate function.
- `metrics`: Fréchet and kernel distances between feature sets, and the
  classification accuracy score (train on synthetic, test on real).
- `neighbors`: S1's novelty check done properly: nearest training images of every
  generated image, compared with how close held-out real images come, near-copies flagged.
"""
