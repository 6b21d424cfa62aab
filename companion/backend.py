"""The one place that quiets TensorFlow and imports Keras.

TensorFlow prints its C++ start-up notices when it is imported, and only the
environment set *before* that import silences them. Every module that builds
or trains a network imports Keras from here, so the order cannot go wrong:

>>> from companion.backend import keras, tf
>>> keras.__name__, tf.__name__
('keras', 'tensorflow')

Importing this module imports TensorFlow; ``import companion`` does not.
"""

from companion import quiet_tensorflow

quiet_tensorflow()

import keras  # noqa: E402  (after quieting TensorFlow's start-up log)
import tensorflow as tf  # noqa: E402

__all__ = ["keras", "tf"]
