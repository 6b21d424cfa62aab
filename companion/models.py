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

from companion.backend import keras
from companion.validation import positive_int

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
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise ValueError(f"hidden must be a sequence of positive integers such as (12, 8), got {hidden!r}")
    sizes = [positive_int(f"hidden[{i}]", units) for i, units in enumerate(hidden)]
    if activation not in HIDDEN_ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(HIDDEN_ACTIVATIONS)}, got {activation!r}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
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
    # Accuracy only, as in the source. The chapters compute the AUC with scikit-learn on held-out
    # data; a Keras AUC metric, updated at every step, made training this small network ~40 % slower.
    model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


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
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise ValueError(f"hidden must be a sequence of positive integers such as (64,), got {hidden!r}")
    sizes = [positive_int(f"hidden[{i}]", units) for i, units in enumerate(hidden)]
    is_number = isinstance(dropout, (int, float, np.number)) and not isinstance(dropout, bool)
    if not is_number or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
    is_number = isinstance(learning_rate, (int, float, np.number)) and not isinstance(learning_rate, bool)
    if not is_number or not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
    layers: list = [keras.Input(shape=(n_features,))]
    for units in sizes:
        layers.append(keras.layers.Dense(units, activation="relu"))
        if dropout > 0:
            layers.append(keras.layers.Dropout(float(dropout)))
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
        For a non-positive size, a dropout outside [0, 1) or a learning
        rate that is not a positive number.

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


def build_nodule_cnn(size: int = 64, learning_rate: float = 1e-2, *, name: str = "nodule_cnn") -> keras.Model:
    """A compiled small CNN that outputs the probability that a CT slice contains a nodule.

    The network of the imaging chapter: a random left-right flip (active only
    in training), three blocks of a 3 × 3 convolution without bias, batch
    normalisation and ReLU (16, 16 and 32 filters; the first two blocks
    followed by 2 × 2 max pooling), global max pooling (the strongest
    response anywhere: "is there a nodule anywhere?") and one sigmoid unit.
    The convolutions are named ``conv1`` to ``conv3`` and the ReLU layers
    ``relu1`` to ``relu3``, so Grad-CAM can name the layer it explains
    (``relu3`` is the last feature map, a quarter of the image's side).

    Parameters
    ----------
    size : int, default 64
        Side of the square one-channel input images, in pixels; a multiple
        of 4 (two poolings halve it twice).
    learning_rate : float, default 0.01
        Adam's step size; batch normalisation tolerates this large a step.
    name : str, default "nodule_cnn"
        Name of the Keras model.

    Returns
    -------
    keras.Model
        Compiled with ``binary_crossentropy``, Adam and the metric ``auc``
        (ROC AUC). Weights come from Keras's random state: call
        ``keras.utils.set_random_seed`` first for reproducible runs.

    Raises
    ------
    ValueError
        For a size that is not a positive multiple of 4 or a learning rate
        that is not a positive finite number.

    Examples
    --------
    >>> model = build_nodule_cnn()
    >>> model.output_shape, model.get_layer("relu3").output.shape
    ((None, 1), (None, 16, 16, 32))
    >>> model.count_params()  # 9 * (1*16 + 16*16 + 16*32) + 4 * (16 + 16 + 32) + 32 + 1
    7345
    >>> build_nodule_cnn(size=30)
    Traceback (most recent call last):
    ...
    ValueError: size must be a positive multiple of 4 (pixels), got 30
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 4 or size % 4:
        raise ValueError(f"size must be a positive multiple of 4 (pixels), got {size!r}")
    valid = isinstance(learning_rate, (int, float, np.number)) and not isinstance(learning_rate, bool)
    if not valid or not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    inputs = keras.Input(shape=(int(size), int(size), 1))
    x = keras.layers.RandomFlip("horizontal")(inputs)
    for i, filters in enumerate((16, 16, 32)):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i + 1}")(x)
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.ReLU(name=f"relu{i + 1}")(x)
        if i < 2:
            x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.GlobalMaxPooling2D()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(
        optimizer=keras.optimizers.Adam(float(learning_rate)),
        loss="binary_crossentropy",
        metrics=[keras.metrics.AUC(name="auc")],
    )
    return model
