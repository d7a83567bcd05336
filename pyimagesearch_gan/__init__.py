"""pyimagesearch-gan: GAN-based image data augmentation with Keras 3 and TensorFlow.

The book DCGAN pipeline (A. Rosebrock) and the other reference systems, trained one GAN per
class through tf.data, with montages, loss plots, checkpoints and the evidence that the
synthetic images are new and whether they help a classifier.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault(
    "OPENCV_LOG_LEVEL", "SILENT"
)  # an undecodable image gets our one-line error, not OpenCV's log too

__version__ = "0.1.0"
STARTED = time.perf_counter()  # when the command started: training reports its start-up time
