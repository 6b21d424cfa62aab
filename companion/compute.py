"""What a model costs: parameters, FLOPs, latency, training time, size and int8 quantisation.

Counting conventions, used throughout the course:

- **One multiply-add is 2 FLOPs.** A Dense layer from ``n`` inputs to ``m``
  units costs ``2 n m`` FLOPs per example, plus ``m`` for the bias. A
  convolution costs ``2 x (kernel height x width x input channels / groups)``
  per output value, that is ``2 k_h k_w c_in c_out H_out W_out`` for Conv2D,
  plus one addition per output value for the bias.
- **Only Dense and convolution layers are counted** (:data:`COUNTED_LAYERS`).
  Activations, normalisation, pooling, additions, padding and reshaping
  (:data:`FREE_LAYERS`) are counted as 0: they are a few operations per value,
  not per weight, and batch normalisation folds into the preceding
  convolution at inference. Any other layer type (recurrent, attention, ...)
  raises a ``ValueError`` rather than being silently skipped.
- FLOPs are per example, at inference. Training costs about three times as
  much per example: the backward pass computes two products for each one of
  the forward pass (gradients with respect to inputs and to weights).

Timings use a model's compiled prediction or training function and report
medians over repeats after a warm-up, so that tracing the graph is not
counted. Importing this module imports Keras, and so TensorFlow; ``import
companion`` does not.

Examples
--------
>>> from companion.clinical import build_diagnosis_mlp
>>> model = build_diagnosis_mlp()
>>> count_parameters(model)
{'trainable': 221, 'non_trainable': 0, 'total': 221}
>>> count_flops(model)  # 2 x (8*12 + 12*8 + 8*1) multiply-adds + 21 biases
421
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from companion.backend import keras
from companion.validation import keras_model, non_negative_int, positive_int, positive_ints

#: Layers whose multiply-adds :func:`count_flops` counts.
COUNTED_LAYERS = ("Dense", "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D")

#: Layers counted as 0 FLOPs (element-wise, pooling, normalisation, shape and inactive layers).
FREE_LAYERS = (
    "InputLayer", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax",
    "BatchNormalization", "LayerNormalization", "Dropout", "SpatialDropout1D", "SpatialDropout2D",
    "GaussianNoise", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "Flatten", "Reshape", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    "Cropping1D", "Cropping2D", "Cropping3D", "Add", "Subtract", "Multiply", "Average",
    "Maximum", "Minimum", "Concatenate",
)  # fmt: skip

#: Training FLOPs per example are about this multiple of inference FLOPs (forward + backward).
TRAINING_FLOPS_FACTOR = 3


def count_parameters(model: keras.Model) -> dict[str, int]:
    """Trainable, non-trainable and total number of weights of a model.

    Non-trainable weights are those the optimiser does not update, such as
    the moving mean and variance of batch normalisation.

    Parameters
    ----------
    model : keras.Model
        A built model.

    Returns
    -------
    dict
        ``{"trainable": ..., "non_trainable": ..., "total": ...}``, each an int.

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.BatchNormalization()])
    >>> count_parameters(model)  # 3*2+2 weights, gamma and beta trainable, moving mean and variance not
    {'trainable': 12, 'non_trainable': 4, 'total': 16}
    """
    model = keras_model("model", model, built=True)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    return {"trainable": trainable, "non_trainable": non_trainable, "total": trainable + non_trainable}


def _leaf_layers(model: keras.Model) -> list:
    """The layers of a model, with nested models replaced by their own layers."""
    leaves = []
    for layer in model.layers:
        leaves.extend(_leaf_layers(layer) if isinstance(layer, keras.Model) else [layer])
    return leaves


def _layer_flops(layer) -> int:
    kind = type(layer).__name__
    if kind in FREE_LAYERS:
        return 0
    if kind not in COUNTED_LAYERS:
        raise ValueError(
            f"cannot count the FLOPs of layer {layer.name!r} of type {kind}: expected one of "
            f"{list(COUNTED_LAYERS)} (counted) or {list(FREE_LAYERS)} (counted as 0)"
        )
    output_shape = tuple(layer.output.shape)[1:]
    if kind == "Dense":
        kernel_values = int(layer.input.shape[-1]) * layer.units
        positions = int(np.prod(output_shape)) // layer.units  # a Dense layer on a sequence or image
        channels_out = layer.units
    else:
        channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
        spatial = output_shape[1:] if channels_first else output_shape[:-1]
        channels_out = output_shape[0] if channels_first else output_shape[-1]
        kernel_values = int(np.prod(layer.kernel.shape))
        positions = int(np.prod(spatial))
    # Each kernel value is one multiply-add (2 FLOPs) at every output position; the bias one addition per output.
    bias = positions * channels_out if getattr(layer, "use_bias", False) else 0
    return 2 * kernel_values * positions + bias


def layer_costs(model: keras.Model) -> pd.DataFrame:
    """Parameters and inference FLOPs per example of every layer of a model.

    Parameters
    ----------
    model : keras.Model
        A built model; nested models are expanded into their layers.

    Returns
    -------
    pandas.DataFrame
        One row per layer, indexed by layer name, with columns ``type``,
        ``output_shape``, ``parameters`` and ``flops`` (per example, with the
        conventions of this module).

    Raises
    ------
    ValueError
        For a layer type whose FLOPs this module does not know how to count.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, name="conv")])
    >>> costs = layer_costs(model)
    >>> costs.loc["conv", "output_shape"], int(costs.loc["conv", "flops"])  # 2*(3*3*1*4)*(6*6) + 6*6*4 biases
    ((6, 6, 4), 2736)
    """
    model = keras_model("model", model, built=True)
    rows = {}
    for layer in _leaf_layers(model):
        rows[layer.name] = {
            "type": type(layer).__name__,
            "output_shape": tuple(layer.output.shape)[1:],
            "parameters": int(sum(np.prod(w.shape) for w in layer.weights)),
            "flops": _layer_flops(layer),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("layer")


def count_flops(model: keras.Model) -> int:
    """Inference FLOPs per example of a model: 2 per multiply-add of its Dense and convolution layers.

    See the module's docstring for the conventions and :func:`layer_costs`
    for the per-layer breakdown.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> count_flops(model)  # 2*4*3 multiply-add FLOPs + 3 bias additions
    27
    """
    return int(layer_costs(model)["flops"].sum())


def model_size_bytes(model: keras.Model) -> int:
    """Memory taken by a model's weights: the sum over its variables of size x bytes per value.

    This is the size of the numbers themselves (4 bytes per float32, 1 per
    int8), not of a saved file, which adds the architecture and some
    metadata; optimiser state is not included.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> model_size_bytes(model)  # 15 float32 values
    60
    """
    model = keras_model("model", model, built=True)
    return int(sum(np.prod(w.shape) * np.dtype(w.dtype).itemsize for w in model.weights))


def _example_input(model: keras.Model, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    shape = model.input_shape
    if not isinstance(shape, tuple) or any(dim is None for dim in shape[1:]):
        raise ValueError(f"model must have one input of fixed shape (batch, ...), got input shape {shape}")
    return rng.normal(size=(batch_size, *shape[1:])).astype("float32")


def measure_latency(
    model: keras.Model, batch_sizes: Sequence[int], *, repeats: int = 20, warmup: int = 2, seed: int = 0
) -> pd.DataFrame:
    """Median time of one prediction on a batch, for each batch size.

    The model's compiled prediction function (``predict_on_batch``) is
    called ``warmup`` times on each batch size, to trace the graph and warm
    the caches, and then timed ``repeats`` times; the median resists the
    occasional slow call of a shared machine. Inputs are random normal
    numbers of the model's input shape: the time does not depend on them.

    Parameters
    ----------
    model : keras.Model
        A built model with one input of fixed shape.
    batch_sizes : sequence of int
        Batch sizes to time, each at least 1.
    repeats : int, default 20
        Timed calls per batch size.
    warmup : int, default 2
        Untimed calls per batch size before timing.
    seed : int, default 0
        Seed of the random inputs.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``batch_size``, with columns ``seconds_per_batch`` (the
        median), ``ms_per_example`` and ``examples_per_second``.

    Raises
    ------
    ValueError
        For an empty or non-positive batch size list, fewer than one repeat,
        a negative warm-up or a model without one fixed-shape input.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> table = measure_latency(model, [1, 64], repeats=3)
    >>> list(table.index), bool((table["seconds_per_batch"] > 0).all())
    ([1, 64], True)
    """
    model = keras_model("model", model, built=True)
    sizes = positive_ints("batch_sizes", batch_sizes)
    repeats = positive_int("repeats", repeats)
    warmup = non_negative_int("warmup", warmup)
    rng = np.random.default_rng(seed)
    rows = {}
    for size in sizes:
        x = _example_input(model, size, rng)
        for _ in range(warmup):
            model.predict_on_batch(x)
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            model.predict_on_batch(x)
            seconds.append(time.perf_counter() - start)
        median = float(np.median(seconds))
        rows[size] = {"seconds_per_batch": median, "ms_per_example": 1e3 * median / size,
                      "examples_per_second": size / median}  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("batch_size")


def time_epoch(model: keras.Model, x: object, y: object, *, batch_size: int = 32, repeats: int = 1) -> float:
    """Wall-clock seconds of one training epoch of a compiled model (best of repeats), tracing excluded.

    A short warm-up ``fit`` on the first rows (two full batches and a last
    partial batch of the same size as the full data's) traces the training
    function first, so the timed epochs measure training, not compilation.
    The model **is trained** by this call (warm-up and timed epochs). The
    fastest of the timed epochs is returned, as :mod:`timeit` recommends:
    on a shared machine, other processes can only add time to a run.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    x, y : array-like
        Training inputs and targets, with the same number of rows.
    batch_size : int, default 32
    repeats : int, default 1
        Timed epochs; the fastest is returned.

    Returns
    -------
    float
        Seconds per epoch.

    Raises
    ------
    ValueError
        If the model is not compiled, ``x`` and ``y`` have different numbers
        of rows, or a size is not a positive integer.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.ones((256, 4), dtype="float32"), np.zeros(256, dtype="float32")
    >>> time_epoch(model, x, y, batch_size=64) > 0
    True
    """
    model = keras_model("model", model, built=True)
    if not model.compiled:
        raise ValueError(f"model {model.name!r} must be compiled (model.compile(...)) before it is trained")
    batch_size = positive_int("batch_size", batch_size)
    repeats = positive_int("repeats", repeats)
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must have the same, non-zero number of rows, got {len(x)} and {len(y)}")
    warm = min(len(x), 2 * batch_size + len(x) % batch_size)
    model.fit(x[:warm], y[:warm], epochs=1, batch_size=batch_size, shuffle=False, verbose=0)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=batch_size, shuffle=False, verbose=0)
        seconds.append(time.perf_counter() - start)
    return float(min(seconds))


def quantize_int8(model: keras.Model) -> keras.Model:
    """An int8 copy of a model, by Keras's post-training quantisation; the model itself is unchanged.

    Keras's ``quantize("int8")`` stores the kernel of each Dense (and
    EinsumDense and Embedding) layer as 8-bit integers, one float32 scale per
    output unit, :math:`W_q = \\mathrm{round}(127\\, W / \\max|W|)`; at
    prediction time it quantises each example's inputs to the layer the same
    way, multiplies integers and rescales. Biases, and the layers Keras 3
    cannot quantise (in Keras 3.15 convolutions and batch normalisation among
    them), stay in float32; Keras's warnings about those are silenced here,
    so check which layers now hold int8 weights.

    Parameters
    ----------
    model : keras.Model
        A built model; it is cloned, not modified.

    Returns
    -------
    keras.Model
        The quantised copy (not compiled: it is meant for prediction).

    Raises
    ------
    ValueError
        If no layer of the model can be quantised to int8.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> quantized = quantize_int8(model)
    >>> [w.dtype for w in model.layers[0].weights], quantized.layers[0].kernel.dtype
    (['float32', 'float32'], 'int8')
    """
    model = keras_model("model", model, built=True)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not have a `quantize` method")
        warnings.filterwarnings("ignore", message=".*__array__ implementation doesn't accept a copy")
        copy.quantize("int8")
    if not any(str(w.dtype) == "int8" for w in copy.weights):
        kinds = sorted({type(layer).__name__ for layer in _leaf_layers(model)})
        raise ValueError(
            f"model {model.name!r} has no layer that Keras can quantise to int8 (Dense, EinsumDense, "
            f"Embedding), got layers of types {kinds}"
        )
    return copy
