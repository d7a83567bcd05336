"""Small Keras classifiers used as evidence, and one way to fit and evaluate them.

- The feature CNN is trained on REAL images and stands in for Inception: its 128-unit
  layer named "features" feeds FID/KID and the feature-space neighbours (no ImageNet
  weights can be downloaded on our machines).
- S4's MLP (CS229): one hidden layer of 300 sigmoid units, softmax, cross-entropy with L2.
- The baseline CNN: two conv blocks (32 and 64 filters) with dropout, the strong classifier
  that augmentation is judged against.
- S3's CNN: Conv(16, k5) ReLU MaxPool, Conv(8, k3) ReLU MaxPool, two Dense, softmax. The
  source does not give the hidden Dense width; we read "two Dense" as Dense(64, ReLU)
  followed by the softmax Dense.

Every function here takes uint8 images (N, H, W, C), as `ImageSet.images` holds them, and
scales them with `data.to_float`. Builders return compiled models (Adam, sparse
cross-entropy, accuracy). Call `keras.utils.set_random_seed` before a builder when the
initial weights must be reproducible; `train_feature_cnn` does it for you.
"""

from pathlib import Path

import keras
import numpy as np
from keras import layers
from sklearn import metrics

from pyimagesearch_gan.data import to_float
from pyimagesearch_gan.errors import UserError

FEATURES_LAYER = "features"


def _compile(model, learning_rate=1e-3):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def build_feature_cnn(image_shape, num_classes):
    """Three conv blocks, global pooling, a 128-unit "features" layer, softmax head."""
    inputs = keras.Input(shape=image_shape)
    x = inputs
    for filters in (32, 64, 128):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(128, activation="relu", name=FEATURES_LAYER)(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return _compile(keras.Model(inputs, outputs, name="feature_cnn"))


def build_s4_mlp(input_shape, num_classes, l2=1e-4):
    """S4's classifier: Flatten, Dense(300, sigmoid), Dense(softmax), L2 on both kernels."""
    regularizer = keras.regularizers.L2(l2)
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Flatten(),
            layers.Dense(300, activation="sigmoid", kernel_regularizer=regularizer),
            layers.Dense(num_classes, activation="softmax", kernel_regularizer=regularizer),
        ],
        name="s4_mlp",
    )
    return _compile(model)


def build_s3_cnn(image_shape, num_classes):
    """S3's classifier: Conv(16,k5) ReLU MaxPool, Conv(8,k3) ReLU MaxPool, Dense(64), softmax."""
    model = keras.Sequential(
        [
            keras.Input(shape=image_shape),
            layers.Conv2D(16, 5, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="s3_cnn",
    )
    return _compile(model)


def build_baseline_cnn(image_shape, num_classes):
    """A plain two-block CNN, the strong baseline of the experiments: Conv(32) MaxPool, Conv(64)
    MaxPool, Dropout, Dense(128), Dropout, softmax. Big enough to learn NEU and MNIST well from
    few images, small enough to fit in seconds."""
    model = keras.Sequential(name="baseline_cnn")
    model.add(keras.Input(shape=image_shape))
    for filters in (32, 64):
        model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
        model.add(layers.MaxPooling2D(2))
    model.add(layers.Dropout(0.25))
    model.add(layers.Flatten())
    model.add(layers.Dense(128, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return _compile(model)


def fit_classifier(model, x, y, *, epochs, batch_size, seed, validation_data=None, verbose=2, callbacks=None):
    """Fit a compiled classifier on uint8 images and integer labels; returns the History."""
    keras.utils.set_random_seed(seed)
    if validation_data is not None:
        validation_data = (to_float(validation_data[0]), np.asarray(validation_data[1]))
    return model.fit(
        to_float(x),
        np.asarray(y),
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        shuffle=True,
        verbose=verbose,
        callbacks=callbacks,
    )


def train_feature_cnn(images, labels, num_classes, *, epochs, seed, validation=0.1, batch_size=64, verbose=2):
    """Build and fit the feature CNN on real images, holding out a `validation` fraction."""
    keras.utils.set_random_seed(seed)
    order = np.random.default_rng(seed).permutation(len(images))
    n_val = int(round(validation * len(images)))
    val, train = order[:n_val], order[n_val:]
    model = build_feature_cnn(images.shape[1:], num_classes)
    validation_data = (images[val], labels[val]) if n_val else None
    fit_classifier(
        model,
        images[train],
        labels[train],
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        validation_data=validation_data,
        verbose=verbose,
    )
    return model


def feature_extractor(model):
    """The model that maps images (scaled to [-1, 1]) to the "features" layer."""
    return keras.Model(model.input, model.get_layer(FEATURES_LAYER).output)


def apply_model(model, images, batch_size=256):
    """Outputs of `model` on uint8 images, called directly in batches (no predict())."""
    outputs = [
        keras.ops.convert_to_numpy(model(to_float(images[i : i + batch_size]), training=False))
        for i in range(0, len(images), batch_size)
    ]
    return np.concatenate(outputs)


def evaluate_classifier(model, x, y, num_classes):
    """Loss (cross-entropy, no L2 term), accuracy, macro precision/recall/F1, confusion."""
    y = np.asarray(y)
    probs = apply_model(model, x).astype(np.float64)
    probs /= probs.sum(axis=1, keepdims=True)  # float32 softmax rows sum to 1 only nearly
    predicted = probs.argmax(axis=1)
    labels = list(range(num_classes))
    precision, recall, f1, _ = metrics.precision_recall_fscore_support(
        y, predicted, labels=labels, average="macro", zero_division=0
    )
    return {
        "loss": float(metrics.log_loss(y, probs, labels=labels)),
        "accuracy": float(metrics.accuracy_score(y, predicted)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "confusion": metrics.confusion_matrix(y, predicted, labels=labels).tolist(),
    }


def class_recall(confusion):
    """Per class, the fraction of its images classified as it: the rows of a confusion matrix
    (true classes) read along the diagonal; 0 for a class without images."""
    confusion = np.asarray(confusion)
    return (np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)).tolist()


def save_classifier(model, path):
    """Save as .keras through a temporary file, so a crash leaves no half-written model."""
    path = Path(path)
    if path.suffix != ".keras":
        raise UserError(f"{path}: classifier files must end in .keras")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.keras")
    model.save(tmp)
    tmp.replace(path)
    return path


def load_classifier(path):
    """Load a classifier saved by `save_classifier`."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such classifier file; train one first or fix the path")
    return keras.saving.load_model(path)
