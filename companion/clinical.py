"""The clinical chapter's network: the source text's Keras example, a small fully connected classifier.

The privacy, interpretability, FAQ and compute chapters train the same network
again. Importing this module imports Keras, and so TensorFlow; ``import
companion`` does not.

Examples
--------
>>> model = build_diagnosis_mlp()
>>> [layer.units for layer in model.layers], model.count_params()
([12, 8, 1], 221)
"""

from __future__ import annotations

from collections.abc import Sequence

from companion.backend import keras
from companion.validation import one_of, positive_int, positive_ints, positive_number, text

#: Hidden-layer activations accepted by :func:`build_diagnosis_mlp`.
HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "gelu", "selu", "silu", "leaky_relu")


def build_diagnosis_mlp(
    n_features: int = 8,
    hidden: Sequence[int] = (12, 8),
    activation: str = "relu",
    learning_rate: float | None = None,
    *,
    name: str = "diagnosis_mlp",
) -> keras.Sequential:
    """A compiled fully connected network that outputs a probability of disease.

    The defaults reproduce the source text's Keras example: 8 inputs, hidden
    layers of 12 and 8 ReLU units, one sigmoid output (221 parameters),
    binary cross-entropy and Adam. The source wrote the input as
    ``Dense(12, input_dim=8)``, the Keras 2 spelling; Keras 3 uses an
    explicit ``keras.Input(shape=(8,))``.

    Parameters
    ----------
    n_features : int, default 8
        Number of input features.
    hidden : sequence of int, default (12, 8)
        Units of each hidden layer; ``()`` gives logistic regression.
    activation : str, default "relu"
        Activation of the hidden layers, one of :data:`HIDDEN_ACTIVATIONS`.
    learning_rate : float, optional
        Adam's step size; ``None`` keeps Keras's default (0.001), as the
        source's ``optimizer="adam"`` does.
    name : str, default "diagnosis_mlp"
        Name of the Keras model.

    Returns
    -------
    keras.Sequential
        Compiled with ``binary_crossentropy``, Adam and the metric
        ``accuracy``. Weights are drawn from Keras's
        random state: call ``keras.utils.set_random_seed`` first for
        reproducible runs.

    Raises
    ------
    ValueError
        For a non-positive or non-integer size, an unknown activation or a
        learning rate that is not a positive finite number.

    Examples
    --------
    >>> build_diagnosis_mlp(hidden=(4,)).count_params()  # 8*4+4 + 4+1
    41
    >>> build_diagnosis_mlp(hidden=(0,))
    Traceback (most recent call last):
    ...
    ValueError: hidden[0] must be a positive integer, got 0
    """
    n_features = positive_int("n_features", n_features)
    sizes = positive_ints("hidden", hidden, min_length=0)
    activation, name = one_of("activation", activation, HIDDEN_ACTIVATIONS), text("name", name)
    if learning_rate is not None:
        learning_rate = positive_number("learning_rate", learning_rate)
    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            *(keras.layers.Dense(units, activation=activation) for units in sizes),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name=name,
    )
    optimizer = keras.optimizers.Adam() if learning_rate is None else keras.optimizers.Adam(learning_rate)
    # Accuracy only, as in the source. The chapters compute the AUC with scikit-learn on held-out
    # data; a Keras AUC metric, updated at every step, made training this small network ~40 % slower.
    model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model
