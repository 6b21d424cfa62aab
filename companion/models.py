"""Keras model builders used by the chapters.

Importing this module imports Keras, and so TensorFlow; ``import companion``
does not. TensorFlow's start-up messages are silenced first.

Examples
--------
>>> model = build_diagnosis_mlp()
>>> [layer.units for layer in model.layers], model.count_params()
([12, 8, 1], 221)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from companion import quiet_tensorflow

quiet_tensorflow()

import keras  # noqa: E402  (after quieting TensorFlow's start-up log)

#: Hidden-layer activations accepted by :func:`build_diagnosis_mlp`.
HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "gelu", "selu", "silu", "leaky_relu")


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


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
        Compiled with ``binary_crossentropy``, Adam, and the metrics
        ``accuracy`` and ``auc`` (ROC AUC). Weights are drawn from Keras's
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
    n_features = _positive_int("n_features", n_features)
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise ValueError(f"hidden must be a sequence of positive integers such as (12, 8), got {hidden!r}")
    sizes = [_positive_int(f"hidden[{i}]", units) for i, units in enumerate(hidden)]
    if activation not in HIDDEN_ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(HIDDEN_ACTIVATIONS)}, got {activation!r}")
    if learning_rate is not None:
        valid = isinstance(learning_rate, (int, float, np.number)) and not isinstance(learning_rate, bool)
        if not valid or not np.isfinite(learning_rate) or learning_rate <= 0:
            raise ValueError(f"learning_rate must be a positive number or None, got {learning_rate!r}")
    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            *(keras.layers.Dense(units, activation=activation) for units in sizes),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name=name,
    )
    optimizer = keras.optimizers.Adam() if learning_rate is None else keras.optimizers.Adam(float(learning_rate))
    model.compile(
        loss="binary_crossentropy",
        optimizer=optimizer,
        metrics=["accuracy", keras.metrics.AUC(name="auc")],
    )
    return model
