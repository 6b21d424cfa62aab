"""The drug-discovery networks: a fingerprint regressor and a multitask toxicity classifier.

Molecules become fingerprints in :mod:`companion.chem` (RDKit only); the
networks that learn from them live here. The multitask network's loss,
:func:`masked_binary_crossentropy`, skips the labels that were never
measured. Importing this module imports Keras, and so TensorFlow; ``import
companion`` does not.

Examples
--------
>>> build_multitask_mlp(16, 3, hidden=(8,)).output_shape
(None, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

from companion.backend import keras
from companion.validation import fraction, positive_int, positive_ints, positive_number


def build_fingerprint_mlp(
    n_features: int = 2048,
    hidden: Sequence[int] = (256, 64),
    dropout: float = 0.2,
    learning_rate: float = 1e-3,
    *,
    name: str = "fingerprint_mlp",
) -> keras.Sequential:
    """A compiled network that predicts one continuous property from a fingerprint.

    Molecular fingerprints are long, sparse bit vectors, so the first layer
    is wide and dropout follows each hidden layer: with a few hundred
    molecules a network this size overfits quickly without it. The output
    is linear and the loss is the mean squared error, for a property such as
    aqueous solubility (logS).

    Parameters
    ----------
    n_features : int, default 2048
        Length of the fingerprint (or of any feature vector).
    hidden : sequence of int, default (256, 64)
        Units of each ReLU hidden layer; ``()`` gives linear regression.
    dropout : float in [0, 1), default 0.2
        Dropout after each hidden layer.
    learning_rate : float, default 0.001
        Adam's step size.
    name : str, default "fingerprint_mlp"

    Returns
    -------
    keras.Sequential
        Compiled with ``mean_squared_error``, Adam and the metric
        ``root_mean_squared_error`` (named ``rmse``).

    Raises
    ------
    ValueError
        For a non-positive size, a dropout outside [0, 1) or a learning rate
        that is not a positive number.

    Examples
    --------
    >>> model = build_fingerprint_mlp(16, hidden=(8,))
    >>> model.output_shape, model.count_params()  # 16*8+8 + 8+1
    ((None, 1), 145)
    """
    layers = _hidden_stack("n_features", n_features, hidden, dropout, learning_rate)
    model = keras.Sequential([*layers, keras.layers.Dense(1)], name=name)
    model.compile(
        loss="mean_squared_error",
        optimizer=keras.optimizers.Adam(float(learning_rate)),
        metrics=[keras.metrics.RootMeanSquaredError(name="rmse")],
    )
    return model


def _hidden_stack(
    features_name: str, n_features: object, hidden: object, dropout: object, learning_rate: object
) -> list:
    """Validated input and ReLU hidden layers (each followed by dropout) shared by the fingerprint builders."""
    n_features = positive_int(features_name, n_features)
    sizes = positive_ints("hidden", hidden, min_length=0)
    dropout, learning_rate = fraction("dropout", dropout, "[0, 1)"), positive_number("learning_rate", learning_rate)
    layers: list = [keras.Input(shape=(n_features,))]
    for units in sizes:
        layers.append(keras.layers.Dense(units, activation="relu"))
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout))
    return layers


#: Label value meaning "not measured" for :func:`masked_binary_crossentropy` (NaN is accepted too).
MISSING_LABEL = -1.0


@keras.saving.register_keras_serializable(package="companion")
def masked_binary_crossentropy(y_true, y_pred, from_logits: bool = False):
    """Binary cross-entropy over several tasks that ignores missing labels.

    In Tox21 most molecules were not tested in every assay, so a label
    matrix has holes. Treating a hole as "inactive" would teach the network
    something nobody measured; this loss gives a missing entry (NaN or
    :data:`MISSING_LABEL`) zero weight, so it contributes neither loss nor
    gradient. Each observed entry gets weight ``1 / n_tasks``: with no
    missing label the loss equals Keras's plain binary cross-entropy.

    .. math::

       L_i = \\frac{1}{T} \\sum_{t=1}^{T} m_{it}\\,
             \\bigl[-y_{it} \\log p_{it} - (1 - y_{it}) \\log(1 - p_{it})\\bigr],
       \\qquad m_{it} = 1 \\text{ if } y_{it} \\text{ is observed, else } 0.

    Parameters
    ----------
    y_true : tensor (batch, n_tasks)
        Labels 0 or 1, NaN or -1 where missing.
    y_pred : tensor (batch, n_tasks)
        Predicted probabilities (or logits with ``from_logits=True``).
    from_logits : bool, default False

    Returns
    -------
    tensor (batch,)
        The loss of each sample; Keras averages it over the batch.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1.0, np.nan], [0.0, -1.0]], dtype="float32")
    >>> p = np.array([[0.9, 0.3], [0.2, 0.99]], dtype="float32")
    >>> [round(float(v), 4) for v in masked_binary_crossentropy(y, p)]  # mean of 0.105 and 0, of 0.223 and 0
    [0.0527, 0.1116]
    """
    y_pred = keras.ops.convert_to_tensor(y_pred)
    y_true = keras.ops.cast(y_true, y_pred.dtype)
    observed = keras.ops.logical_not(
        keras.ops.logical_or(keras.ops.isnan(y_true), keras.ops.equal(y_true, MISSING_LABEL))
    )
    # A missing label is replaced by 0 before the log terms so no NaN reaches the gradient; its weight is 0.
    filled = keras.ops.where(observed, y_true, keras.ops.zeros_like(y_true))
    per_entry = keras.ops.binary_crossentropy(filled, y_pred, from_logits=from_logits)
    weights = keras.ops.cast(observed, y_pred.dtype)
    return keras.ops.mean(per_entry * weights, axis=-1)


def build_multitask_mlp(
    n_features: int,
    n_tasks: int,
    hidden: Sequence[int] = (64,),
    dropout: float = 0.2,
    learning_rate: float = 1e-3,
    *,
    name: str = "multitask_mlp",
) -> keras.Sequential:
    """A compiled network with one shared trunk and one sigmoid output per task.

    This is the multitask design of the Tox21 challenge winners and of
    MoleculeNet's baselines: the hidden layers are shared by all tasks, so a
    task with few labels borrows what the others teach, and the loss is
    :func:`masked_binary_crossentropy`, so a molecule contributes only the
    labels that were measured.

    Parameters
    ----------
    n_features : int
        Length of the input vector (fingerprint bits or descriptors).
    n_tasks : int
        Number of binary endpoints, one sigmoid output each.
    hidden : sequence of int, default (64,)
        Units of each shared ReLU layer; ``()`` gives one logistic
        regression per task.
    dropout : float in [0, 1), default 0.2
        Dropout after each hidden layer.
    learning_rate : float, default 0.001
        Adam's step size.
    name : str, default "multitask_mlp"

    Returns
    -------
    keras.Sequential
        Compiled with the masked loss and Adam, without metrics (Keras's
        metrics do not skip missing labels: score each task on its observed
        labels instead).

    Raises
    ------
    ValueError
        For what :func:`build_fingerprint_mlp` refuses, and fewer than one task.

    Examples
    --------
    >>> model = build_multitask_mlp(16, 3, hidden=(8,))
    >>> model.output_shape, model.count_params()  # 16*8+8 + 8*3+3
    ((None, 3), 163)
    >>> build_multitask_mlp(16, 0)
    Traceback (most recent call last):
    ...
    ValueError: n_tasks must be a positive integer, got 0
    """
    n_tasks = positive_int("n_tasks", n_tasks)
    layers = _hidden_stack("n_features", n_features, hidden, dropout, learning_rate)
    layers.append(keras.layers.Dense(n_tasks, activation="sigmoid"))
    model = keras.Sequential(layers, name=name)
    model.compile(loss=masked_binary_crossentropy, optimizer=keras.optimizers.Adam(float(learning_rate)))
    return model
