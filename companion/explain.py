"""Explaining image classifiers: where does a network look, and can we trust the map?

Grad-CAM (Selvaraju et al.) weighs the feature maps of a convolution layer
by the gradient of the class score and keeps the positive part, giving a
coarse heat map of the evidence for the prediction. Two checks decide
whether such a map means anything:

- the *pointing game* (Zhang et al.): when the true lesion position is known,
  how often does the map's peak fall inside it?
- the *model-randomisation test* (Adebayo et al.): a map that barely changes
  when the weights are replaced by random ones shows the input, not what the
  model learned.

Importing this module imports Keras, and so TensorFlow; ``import companion``
does not. Attribution methods that work on the input pixels directly follow
the Grad-CAM section.

Examples
--------
>>> import numpy as np
>>> maps = np.zeros((2, 8, 8))
>>> maps[0, 2, 3] = 1.0  # peak inside the first lesion
>>> maps[1, 7, 7] = 1.0  # peak far from the second
>>> pointing_game(maps, centres=[(2, 3), (1, 1)], radii=[1.5, 1.5], margin=0.0)
0.5
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from companion import quiet_logger
from companion.backend import keras, tf
from companion.validation import real_array

# ---------------------------------------------------------------------------
# Grad-CAM


def _check_images(images: object, model: keras.Model) -> np.ndarray:
    array = real_array("images", images, "float32")
    expected = tuple(model.inputs[0].shape[1:]) if model.inputs else None
    if expected is not None and array.ndim == 3:
        if array.shape == expected:
            array = array[None]  # one image without its batch axis
        elif expected[-1] == 1:
            array = array[..., None]  # (n, H, W) for a one-channel model
    if array.ndim != 4 or array.shape[0] == 0:
        raise ValueError(f"images must have shape (n, height, width, channels), got shape {array.shape}")
    if expected is not None and any(e is not None and e != a for e, a in zip(expected, array.shape[1:], strict=True)):
        raise ValueError(f"images must match the model's input shape {expected}, got {array.shape[1:]}")
    if not np.isfinite(array).all():
        raise ValueError("images must be finite, got NaN or infinite values")
    return array


def last_conv_layer_name(model: keras.Model) -> str:
    """Name of the model's last layer with a 4-D (batch, height, width, channels) output.

    Examples
    --------
    >>> model = keras.Sequential(
    ...     [keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="c1"), keras.layers.Conv2D(2, 3, name="c2"),
    ...      keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1)])
    >>> last_conv_layer_name(model)
    'c2'
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    for layer in reversed(model.layers):
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.SeparableConv2D, keras.layers.DepthwiseConv2D)):
            return layer.name
    raise ValueError(f"model {model.name!r} has no 2-D convolution layer; give layer_name explicitly")


def grad_cam(
    model: keras.Model,
    images: object,
    layer_name: str | None = None,
    *,
    output_index: int = 0,
    use_logit: bool = True,
    batch_size: int = 256,
) -> np.ndarray:
    """Grad-CAM heat maps of a Keras 3 image classifier, one per image, in [0, 1].

    For the chosen convolution layer with feature maps :math:`A^k`, the
    weight of channel :math:`k` is the spatial mean of
    :math:`\\partial y / \\partial A^k`, where :math:`y` is the score of the
    output; the map is :math:`\\mathrm{ReLU}(\\sum_k w_k A^k)`, upsampled
    bilinearly to the image size and divided by its maximum.

    Parameters
    ----------
    model : keras.Model
        A built functional or Sequential model (with an ``Input``) that maps
        images to probabilities.
    images : array-like, shape (n, H, W, C), (n, H, W) or (H, W, C)
        Input images, preprocessed as the model expects.
    layer_name : str, optional
        Convolution layer to explain; default: the last one
        (:func:`last_conv_layer_name`), the usual choice.
    output_index : int, default 0
        Which output unit (class) to explain.
    use_logit : bool, default True
        Differentiate the log-odds ``log(p / (1 - p))`` rather than the
        probability ``p``: a saturated sigmoid has almost no gradient, its
        log-odds still has one.
    batch_size : int, default 256
        Images per gradient computation (memory versus speed).

    Returns
    -------
    numpy.ndarray, shape (n, H, W)
        Heat maps in [0, 1]; a map is all zeros when no location has positive
        evidence.

    Examples
    --------
    >>> keras.utils.set_random_seed(0)
    >>> model = keras.Sequential(
    ...     [keras.Input((16, 16, 1)), keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv"),
    ...      keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1, activation="sigmoid")])
    >>> maps = grad_cam(model, np.random.default_rng(0).normal(size=(3, 16, 16, 1)))
    >>> maps.shape, bool(maps.min() >= 0 and maps.max() <= 1)
    ((3, 16, 16), True)
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.inputs:
        raise ValueError("model must be built with a keras.Input so that its layers' outputs are defined")
    array = _check_images(images, model)
    if layer_name is None:
        layer_name = last_conv_layer_name(model)
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"layer_name must be one of the model's layers {names}, got {layer_name!r}")
    layer = model.get_layer(layer_name)
    if len(layer.output.shape) != 4:
        raise ValueError(f"layer_name must name a layer with 4-D output, got {layer_name!r} with {layer.output.shape}")
    n_outputs = int(model.outputs[0].shape[-1])
    if isinstance(output_index, bool) or not isinstance(output_index, (int, np.integer)):
        raise ValueError(f"output_index must be an integer, got {output_index!r}")
    if not 0 <= output_index < n_outputs:
        raise ValueError(f"output_index must be in [0, {n_outputs - 1}], got {output_index}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")

    # One model that returns both the feature maps and the prediction, so the
    # gradient flows from the score back to exactly these feature maps.
    grad_model = keras.Model(model.inputs, [layer.output, model.outputs[0]])
    height, width = array.shape[1:3]
    maps = []
    for start in range(0, array.shape[0], batch_size):
        batch = tf.convert_to_tensor(array[start : start + batch_size])
        with tf.GradientTape() as tape:
            features, prediction = grad_model(batch, training=False)
            score = prediction[:, output_index]
            if use_logit:
                p = tf.clip_by_value(score, 1e-7, 1 - 1e-7)
                score = tf.math.log(p) - tf.math.log1p(-p)
        gradients = tape.gradient(score, features)  # each image's score depends only on its own features
        weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(weights * features, axis=-1))
        cam = tf.image.resize(cam[..., None], (height, width), method="bilinear")[..., 0]
        maps.append(cam.numpy())
    maps = np.concatenate(maps).astype(float)
    peak = maps.reshape(maps.shape[0], -1).max(axis=1)
    maps = np.divide(maps, peak[:, None, None], out=np.zeros_like(maps), where=peak[:, None, None] > 0)
    return np.clip(maps, 0.0, 1.0)


def _check_maps(maps: object) -> np.ndarray:
    array = real_array("maps", maps, "float64")
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or 0 in array.shape:
        raise ValueError(f"maps must have shape (n, height, width), got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("maps must be finite, got NaN or infinite values")
    return array


def peak_positions(maps: object) -> np.ndarray:
    """(row, column) of the maximum of each map, shape (n, 2).

    Examples
    --------
    >>> m = np.zeros((1, 4, 5)); m[0, 3, 1] = 2.0
    >>> peak_positions(m).tolist()
    [[3, 1]]
    """
    array = _check_maps(maps)
    flat = array.reshape(array.shape[0], -1).argmax(axis=1)
    return np.stack(np.unravel_index(flat, array.shape[1:]), axis=1)


def pointing_hits(
    maps: object, centres: Sequence[Sequence[float]], radii: Sequence[float], margin: float = 1.0
) -> np.ndarray:
    """Whether each map's peak lies within ``radius + margin`` pixels of the true lesion centre.

    The per-image outcome of :func:`pointing_game` (which is its mean), for
    scores by subgroup, such as lesion size, and their confidence intervals.
    Parameters as for :func:`pointing_game`.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)

    Examples
    --------
    >>> m = np.zeros((2, 10, 10)); m[0, 5, 6] = 1.0; m[1, 0, 0] = 1.0
    >>> pointing_hits(m, [(5, 4), (5, 4)], [1.0, 1.0], margin=1.0).tolist()
    [True, False]
    """
    array = _check_maps(maps)
    n = array.shape[0]
    centre_array = real_array("centres", centres, "float64")
    if centre_array.shape != (n, 2):
        raise ValueError(f"centres must have shape ({n}, 2) as (row, column) per map, got shape {centre_array.shape}")
    radius_array = real_array("radii", radii, "float64")
    if radius_array.shape != (n,):
        raise ValueError(f"radii must have shape ({n},), one radius per map, got shape {radius_array.shape}")
    if not np.isfinite(centre_array).all() or not (np.isfinite(radius_array) & (radius_array > 0)).all():
        raise ValueError("centres must be finite and radii finite and positive")
    if isinstance(margin, bool) or not isinstance(margin, (int, float, np.number)) or not margin >= 0:
        raise ValueError(f"margin must be a non-negative number of pixels, got {margin!r}")
    peaks = peak_positions(array)
    distance = np.hypot(*(peaks - centre_array).T)
    return distance <= radius_array + margin


def pointing_game(
    maps: object, centres: Sequence[Sequence[float]], radii: Sequence[float], margin: float = 1.0
) -> float:
    """Fraction of maps whose peak lies within ``radius + margin`` pixels of the true lesion centre.

    Zhang et al.'s pointing game, used here as a check of an explanation
    against a known ground truth. Pass only the images that contain a lesion.
    :func:`pointing_hits` gives the outcome of each image.

    Parameters
    ----------
    maps : array-like, shape (n, H, W)
        Heat maps (for example from :func:`grad_cam`).
    centres : array-like, shape (n, 2)
        True lesion centre of each image as (row, column) in pixels.
    radii : array-like, shape (n,)
        Lesion radius in pixels (positive).
    margin : float, default 1.0
        Tolerance in pixels added to the radius: Grad-CAM maps are upsampled
        from a coarse grid, so a peak one pixel off the edge still points at
        the lesion.

    Returns
    -------
    float
        The hit rate in [0, 1].

    Examples
    --------
    >>> m = np.zeros((1, 10, 10)); m[0, 5, 6] = 1.0
    >>> pointing_game(m, [(5, 4)], [1.0], margin=1.0), pointing_game(m, [(5, 4)], [1.0], margin=0.0)
    (1.0, 0.0)
    """
    return float(np.mean(pointing_hits(maps, centres, radii, margin)))


@dataclass(frozen=True)
class RandomisationCheck:
    """Result of :func:`randomisation_check`."""

    #: Spearman rank correlation between each original and randomised-model map.
    correlations: np.ndarray = field(repr=False)
    #: Mean of ``correlations``.
    mean_correlation: float
    #: Whether the maps changed enough: ``mean_correlation < threshold``.
    passed: bool
    threshold: float

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return f"mean rank correlation {self.mean_correlation:.2f} (< {self.threshold} required): {verdict}"


def _rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0  # a constant map carries no ranking to compare
    return float(spearmanr(a.ravel(), b.ravel()).statistic)


def randomisation_check(
    model: keras.Model,
    images: object,
    layer_name: str | None = None,
    *,
    threshold: float = 0.5,
    seed: int = 0,
    maps: np.ndarray | None = None,
    explain: Callable[[keras.Model, np.ndarray], np.ndarray] | None = None,
) -> RandomisationCheck:
    """Model-randomisation sanity check of Grad-CAM or another saliency map (Adebayo et al.).

    Clones the model with freshly initialised (random) weights and compares
    its Grad-CAM maps (or those of ``explain``) with the trained model's. If
    the explanation reflects what the model learned, the maps must differ:
    their mean Spearman rank correlation must fall below ``threshold``.

    Parameters
    ----------
    model : keras.Model
        The trained model.
    images : array-like
        Images to explain, as for :func:`grad_cam`.
    layer_name : str, optional
        Convolution layer; default the last one.
    threshold : float in (0, 1], default 0.5
        Largest mean rank correlation that still counts as "changed".
    seed : int, default 0
        Seed of the random re-initialisation.
    maps : numpy.ndarray, optional
        The trained model's maps, if already computed (saves time).
    explain : callable, optional
        ``explain(model, images) -> maps`` of shape (n, H, W), for another
        method than Grad-CAM (for example the positive part of
        :func:`integrated_gradients` summed over channels); ``layer_name``
        is then unused.

    Returns
    -------
    RandomisationCheck

    Examples
    --------
    >>> keras.utils.set_random_seed(0)
    >>> model = keras.Sequential(
    ...     [keras.Input((16, 16, 1)), keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
    ...      keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1, activation="sigmoid")])
    >>> result = randomisation_check(model, np.random.default_rng(0).normal(size=(4, 16, 16, 1)))
    >>> result.correlations.shape
    (4,)
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a number in (0, 1], got {threshold!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    array = _check_images(images, model)
    if explain is None:
        # clone_model keeps the layer names, so the same layer is explained in both models.
        layer_name = layer_name or last_conv_layer_name(model)

        def explain(network: keras.Model, inputs: np.ndarray) -> np.ndarray:
            return grad_cam(network, inputs, layer_name)

    elif not callable(explain):
        raise TypeError(f"explain must be a callable explain(model, images) -> maps, got {type(explain).__name__}")
    original = _check_maps(explain(model, array) if maps is None else maps)
    if original.shape != array.shape[:3]:
        raise ValueError(f"maps must have shape {array.shape[:3]} to match images, got {original.shape}")
    keras.utils.set_random_seed(seed)
    randomised = keras.models.clone_model(model)  # same architecture, weights drawn afresh by the initialisers
    random_maps = _check_maps(explain(randomised, array))
    if random_maps.shape != original.shape:
        raise ValueError(f"explain must return maps of shape {original.shape}, got {random_maps.shape}")
    correlations = np.array([_rank_correlation(a, b) for a, b in zip(original, random_maps, strict=True)])
    mean = float(correlations.mean())
    return RandomisationCheck(
        correlations=correlations, mean_correlation=mean, passed=bool(mean < threshold), threshold=float(threshold)
    )


# ---------------------------------------------------------------------------
# Input attributions (gradient-based)
#
# Both methods below explain one number per input: the model's output for
# ``output_index``, or its log-odds with ``use_logit=True``. Integrated
# gradients' attributions add up to that number's change from the baseline.

#: Quadrature rules of :func:`integrated_gradients`.
IG_METHODS = ("gausslegendre", "trapezoid")


def _check_model(model: object) -> None:
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.inputs or len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError("model must be built with one keras.Input and have one output")


def _check_inputs(X: object, model: keras.Model) -> np.ndarray:
    """``X`` as a float32 array with a batch axis, shaped as the model's input."""
    try:
        array = np.asarray(X, dtype="float32")
    except (TypeError, ValueError) as error:
        raise ValueError(f"X must be an array of numbers, got {type(X).__name__}: {error}") from None
    expected = tuple(model.inputs[0].shape[1:])
    if array.shape == expected:
        array = array[None]  # one sample without its batch axis
    elif len(expected) == 3 and expected[-1] == 1 and array.ndim == 3:
        array = array[..., None]  # (n, H, W) for a one-channel image model
    wanted = ", ".join(str(e) for e in expected)
    if array.ndim != len(expected) + 1 or array.shape[0] == 0:
        raise ValueError(f"X must have shape (n, {wanted}) for this model, got shape {array.shape}")
    if any(e is not None and e != a for e, a in zip(expected, array.shape[1:], strict=True)):
        raise ValueError(f"X must have shape (n, {wanted}) for this model, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("X must be finite, got NaN or infinite values")
    return array


def _check_output_index(model: keras.Model, output_index: object) -> int:
    n_outputs = int(model.outputs[0].shape[-1])
    if isinstance(output_index, bool) or not isinstance(output_index, (int, np.integer)):
        raise ValueError(f"output_index must be an integer, got {output_index!r}")
    if not 0 <= output_index < n_outputs:
        raise ValueError(f"output_index must be in [0, {n_outputs - 1}], got {output_index}")
    return int(output_index)


def _check_batch_size(batch_size: object) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


def _log_odds(p: tf.Tensor) -> tf.Tensor:
    p = tf.clip_by_value(p, 1e-7, 1 - 1e-7)
    return tf.math.log(p) - tf.math.log1p(-p)


def _check_probability_outputs(outputs: np.ndarray) -> None:
    if ((outputs < 0) | (outputs > 1)).any():
        raise ValueError("use_logit=True needs outputs that are probabilities in [0, 1]; pass use_logit=False")


def _score(model: keras.Model, inputs: np.ndarray, output_index: int, use_logit: bool) -> np.ndarray:
    """The explained number of each input: the output, or its log-odds."""
    output = model(tf.convert_to_tensor(inputs), training=False)[:, output_index]
    if use_logit:
        _check_probability_outputs(output.numpy())
        output = _log_odds(output)
    return output.numpy().astype(float)


def _gradient_function(model: keras.Model, output_index: int, use_logit: bool):
    """A compiled ``batch -> (gradient of each input's score, raw outputs)``: about 3 times faster than eager."""

    @tf.function(reduce_retracing=True)
    def gradient(batch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(batch)
            output = model(batch, training=False)[:, output_index]
            score = _log_odds(output) if use_logit else output
        # In inference mode each score depends only on its own input, so the
        # gradient of the batch's sum is every input's own gradient.
        return tape.gradient(score, batch), output

    return gradient


def _gradients(gradient, array: np.ndarray, use_logit: bool, batch_size: int) -> np.ndarray:
    """Apply a :func:`_gradient_function` to ``array`` in batches."""
    gradients, outputs = [], []
    # A new model or a last, shorter batch traces the function again: expected, so no retracing warning.
    with quiet_logger("tensorflow"):
        for start in range(0, array.shape[0], batch_size):
            batch_gradient, output = gradient(tf.convert_to_tensor(array[start : start + batch_size]))
            gradients.append(batch_gradient.numpy())
            outputs.append(output.numpy())
    if use_logit:
        _check_probability_outputs(np.concatenate(outputs))
    return np.concatenate(gradients).astype(float)


def input_gradients(
    model: keras.Model, X: object, *, output_index: int = 0, use_logit: bool = True, batch_size: int = 256
) -> np.ndarray:
    """Gradient of the explained output with respect to each input feature or pixel (a saliency map).

    Parameters
    ----------
    model : keras.Model
        A model built with one ``keras.Input`` and one output.
    X : array-like, shape (n, d) or (n, H, W, C)
        Inputs, preprocessed as the model expects; one sample without its
        batch axis, or one-channel images as (n, H, W), are accepted too.
    output_index : int, default 0
        Which output unit to explain.
    use_logit : bool, default True
        Differentiate the log-odds ``log(p / (1 - p))`` of a probability
        output rather than ``p`` itself (a saturated sigmoid has almost no
        gradient). Use ``False`` for an output that is not a probability.
    batch_size : int, default 256
        Inputs per gradient computation.

    Returns
    -------
    numpy.ndarray
        Same shape as ``X`` (with its batch axis), float64.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
    >>> input_gradients(model, [[3.0, -1.0]], use_logit=False).tolist()
    [[1.0, 1.0]]
    """
    _check_model(model)
    array = _check_inputs(X, model)
    index = _check_output_index(model, output_index)
    gradient = _gradient_function(model, index, bool(use_logit))
    return _gradients(gradient, array, bool(use_logit), _check_batch_size(batch_size))


def gradient_x_input(
    model: keras.Model, X: object, *, output_index: int = 0, use_logit: bool = True, batch_size: int = 256
) -> np.ndarray:
    """Gradient × input attributions: :math:`x_i\\, \\partial F / \\partial x_i` for every feature or pixel.

    For a linear score :math:`F(x) = w \\cdot x + b` this is exactly
    :math:`w_i x_i`, each feature's share of the score measured from
    :math:`x = 0`. For a nonlinear model it is a first-order (local)
    approximation that need not add up to anything.

    Parameters
    ----------
    model, X, output_index, use_logit, batch_size
        As for :func:`input_gradients`; ``use_logit=True`` explains the
        log-odds, ``False`` the output itself.

    Returns
    -------
    numpy.ndarray
        Same shape as ``X`` (with its batch axis), float64.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
    >>> model.layers[0].set_weights([np.array([[2.0], [-1.0]]), np.array([0.5])])
    >>> gradient_x_input(model, [[3.0, 4.0]], use_logit=False).tolist()  # w * x, the bias is not shared out
    [[6.0, -4.0]]
    """
    _check_model(model)
    array = _check_inputs(X, model)
    return array.astype(float) * input_gradients(
        model, array, output_index=output_index, use_logit=use_logit, batch_size=batch_size
    )


def _check_baseline(baseline: object, array: np.ndarray) -> np.ndarray:
    """The baseline broadcast to the shape of ``array``; ``None`` means all zeros."""
    if baseline is None:
        return np.zeros_like(array)
    try:
        base = np.asarray(baseline, dtype="float32")
    except (TypeError, ValueError) as error:
        kind = type(baseline).__name__
        raise ValueError(f"baseline must be None, a number or an array, got {kind}: {error}") from None
    if base.shape not in ((), array.shape[1:], (1, *array.shape[1:]), array.shape):
        raise ValueError(
            f"baseline must be a number or have shape {array.shape[1:]} (one input) or {array.shape}, "
            f"got shape {base.shape}"
        )
    if not np.isfinite(base).all():
        raise ValueError("baseline must be finite, got NaN or infinite values")
    return np.broadcast_to(base, array.shape).astype("float32")


def _quadrature(steps: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Points alpha in [0, 1] and weights of the rule that integrates over the straight path."""
    if method == "trapezoid":
        alphas = np.linspace(0.0, 1.0, steps)
        weights = np.full(steps, 1.0 / (steps - 1))
        weights[[0, -1]] /= 2
        return alphas, weights
    nodes, weights = np.polynomial.legendre.leggauss(steps)  # on [-1, 1]
    return (nodes + 1) / 2, weights / 2


def integrated_gradients(
    model: keras.Model,
    X: object,
    baseline: object = None,
    steps: int = 64,
    *,
    method: str = "gausslegendre",
    output_index: int = 0,
    use_logit: bool = True,
    batch_size: int = 512,
) -> np.ndarray:
    """Integrated gradients (Sundararajan et al. 2017) of a Keras model, for tabular or image inputs.

    The attribution of input :math:`i` is

    .. math::

       \\mathrm{IG}_i(x) = (x_i - x'_i) \\int_0^1
       \\frac{\\partial F}{\\partial x_i}\\big(x' + \\alpha (x - x')\\big)\\, \\mathrm{d}\\alpha ,

    the gradient averaged along the straight path from the baseline
    :math:`x'` to the input :math:`x`, computed with a quadrature rule on
    ``steps`` points of the path, all in one batch per ``GradientTape``. By
    the fundamental theorem of calculus the attributions are *complete*:
    they add up to :math:`F(x) - F(x')` (see :func:`completeness_gap`), up to
    the quadrature error. :math:`F` is the explained number: the log-odds
    of the output with ``use_logit=True`` (the default), the output itself
    with ``use_logit=False``; completeness holds for whichever is chosen, in
    its own units. For a linear :math:`F(x) = w \\cdot x + b` the
    attributions are exactly :math:`w_i (x_i - x'_i)`.

    Parameters
    ----------
    model : keras.Model
        A model built with one ``keras.Input`` and one output.
    X : array-like, shape (n, d) or (n, H, W, C)
        Inputs, preprocessed as the model expects (one sample without its
        batch axis, or (n, H, W) one-channel images, are accepted too).
    baseline : None, float or array-like, default None
        The reference input :math:`x'`: ``None`` for all zeros (for
        standardised features, the training mean; for CT in the lung window,
        -1350 HU, darker than air, whose input value is about 0.23), a
        number, one input of the shape of ``X[0]`` used for every sample,
        or one baseline per sample. The attributions explain the change
        *from this reference*: choose it deliberately.
    steps : int, default 64
        Points on the path (at least 2).
    method : {"gausslegendre", "trapezoid"}, default "gausslegendre"
        Gauss-Legendre nodes need fewer steps for a smooth path; the
        trapezoid rule is the Riemann sum of the paper with both ends.
    output_index : int, default 0
        Which output unit to explain.
    use_logit : bool, default True
        Explain the log-odds of a probability output rather than the
        probability; ``False`` for an output that is not a probability.
    batch_size : int, default 512
        Path points per gradient computation (memory versus speed); a
        sample's ``steps`` points always go in one batch.

    Returns
    -------
    numpy.ndarray
        Attributions, same shape as ``X`` (with its batch axis), float64,
        in the units of the explained output.

    Raises
    ------
    ValueError
        For inputs that do not fit the model, a baseline of the wrong shape,
        fewer than 2 steps, an unknown method, or ``use_logit=True`` on an
        output that is not a probability.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    >>> model.layers[0].set_weights([np.array([[1.0], [-2.0], [0.5]]), np.array([0.1])])
    >>> ig = integrated_gradients(model, [[1.0, 1.0, 2.0]], steps=8)  # logit = x . w + 0.1
    >>> ig.round(4).tolist()  # w * (x - 0): exact for a linear logit
    [[1.0, -2.0, 1.0]]
    >>> float(completeness_gap(model, [[1.0, 1.0, 2.0]], ig)[0]) < 1e-5
    True
    """
    _check_model(model)
    array = _check_inputs(X, model)
    base = _check_baseline(baseline, array)
    index = _check_output_index(model, output_index)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ValueError(f"steps must be an integer of at least 2, got {steps!r}")
    if method not in IG_METHODS:
        raise ValueError(f"method must be one of {list(IG_METHODS)}, got {method!r}")
    batch_size = _check_batch_size(batch_size)
    alphas, weights = _quadrature(int(steps), method)
    alphas = alphas.astype("float32").reshape((1, -1) + (1,) * (array.ndim - 1))
    samples_per_batch = max(1, batch_size // int(steps))
    gradient = _gradient_function(model, index, bool(use_logit))
    attributions = np.empty(array.shape, dtype=float)
    for start in range(0, array.shape[0], samples_per_batch):
        x, x_base = array[start : start + samples_per_batch], base[start : start + samples_per_batch]
        path = x_base[:, None] + alphas * (x - x_base)[:, None]  # (samples, steps, *input shape)
        flat = path.reshape((-1, *array.shape[1:]))
        gradients = _gradients(gradient, flat, bool(use_logit), flat.shape[0]).reshape(path.shape)
        mean_gradient = np.tensordot(weights, gradients, axes=([0], [1]))
        attributions[start : start + len(x)] = (x.astype(float) - x_base) * mean_gradient
    return attributions


def completeness_gap(
    model: keras.Model,
    X: object,
    attributions: object,
    baseline: object = None,
    *,
    output_index: int = 0,
    use_logit: bool = True,
) -> np.ndarray:
    """Sum of each sample's attributions minus :math:`F(x) - F(x')`: zero for complete attributions.

    Pass the same ``baseline``, ``output_index`` and ``use_logit`` as to
    :func:`integrated_gradients`. A gap that is large next to
    :math:`|F(x) - F(x')|` means too few steps (or attributions that were
    never complete, such as gradient × input of a nonlinear model).

    Returns
    -------
    numpy.ndarray, shape (n,)
        The gap of each sample, in the units of the explained output.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
    >>> completeness_gap(model, [[1.0, 2.0]], [[1.0, 1.0]], use_logit=False).tolist()  # 2 - (3 - 0)
    [-1.0]
    """
    _check_model(model)
    array = _check_inputs(X, model)
    base = _check_baseline(baseline, array)
    index = _check_output_index(model, output_index)
    try:
        values = np.asarray(attributions, dtype=float)
    except (TypeError, ValueError) as error:
        kind = type(attributions).__name__
        raise ValueError(f"attributions must be an array of numbers, got {kind}: {error}") from None
    if values.size != array.size:
        raise ValueError(f"attributions must have the shape of X, {array.shape}, got shape {values.shape}")
    values = values.reshape(array.shape)
    if not np.isfinite(values).all():
        raise ValueError("attributions must be finite, got NaN or infinite values")
    scores = _score(model, np.concatenate([array, base]), index, bool(use_logit))
    change = scores[: len(array)] - scores[len(array) :]
    return values.reshape(len(array), -1).sum(axis=1) - change


# ---------------------------------------------------------------------------
# Global importance


def _risk_function(model: object, output_index: int):
    """``X -> probabilities`` for a Keras model or a scikit-learn classifier."""
    if isinstance(model, keras.Model):
        return lambda X: keras.ops.convert_to_numpy(model(np.asarray(X, dtype="float32"), training=False))[
            :, output_index
        ]
    if hasattr(model, "predict_proba"):
        return lambda X: model.predict_proba(X)[:, 1]
    raise TypeError(f"model must be a keras.Model or a classifier with predict_proba, got {type(model).__name__}")


def permutation_importance_auc(
    model: object,
    X: object,
    y: object,
    feature_names: Sequence[str] | None = None,
    *,
    n_repeats: int = 20,
    seed: int = 0,
    output_index: int = 0,
):
    """Permutation importance (Breiman 2001): the drop in ROC AUC when a feature is shuffled.

    Each feature's column of ``X`` is shuffled ``n_repeats`` times, which
    breaks its link with the outcome and keeps its distribution; the
    importance is the mean drop of the AUC. It works for Keras models and
    scikit-learn classifiers alike. The computation is
    :func:`sklearn.inspection.permutation_importance`'s; this function
    adds a scorer that calls a Keras model directly. Use held-out data:
    importance on the training data measures what the model memorised.
    Correlated features share their importance: shuffling one leaves the
    information in the other.

    Parameters
    ----------
    model : keras.Model or classifier
        A Keras model whose output ``output_index`` is a probability, or a
        fitted scikit-learn classifier with ``predict_proba``.
    X : array-like, shape (n, d)
        Held-out inputs, preprocessed as the model expects.
    y : array-like of 0/1, shape (n,)
    feature_names : sequence of str, optional
        Default ``"x0"``, ``"x1"``, ...
    n_repeats : int, default 20
    seed : int, default 0
        Seed of the shuffles.
    output_index : int, default 0
        Output unit of a Keras model.

    Returns
    -------
    pandas.DataFrame
        Index: feature, sorted by decreasing importance; columns
        ``importance`` (mean AUC drop) and ``std`` (over the repeats).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3)); y = (X[:, 2] + 0.5 * rng.normal(size=300) > 0).astype(int)
    >>> table = permutation_importance_auc(LogisticRegression().fit(X, y), X, y, ["a", "b", "c"], n_repeats=5)
    >>> table.index[0], table.columns.tolist()
    ('c', ['importance', 'std'])
    """
    import pandas as pd
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score

    from companion.evaluation import check_labels

    try:
        array = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"X must be an array of numbers, got {type(X).__name__}: {error}") from None
    if array.ndim != 2 or array.shape[0] < 2:
        raise ValueError(f"X must have shape (n, d) with n >= 2, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("X must be finite, got NaN or infinite values (impute them first)")
    labels = check_labels(y, "y")  # 0/1 with both classes, or a ValueError that says so
    if labels.shape != (array.shape[0],):
        raise ValueError(f"y must have one label per row of X, {array.shape[0]}, got shape {labels.shape}")
    names = [f"x{i}" for i in range(array.shape[1])] if feature_names is None else list(feature_names)
    if len(names) != array.shape[1] or not all(isinstance(name, str) for name in names):
        raise ValueError(f"feature_names must be {array.shape[1]} strings, got {feature_names!r}")
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive integer, got {n_repeats!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(model, keras.Model):
        _check_model(model)
        output_index = _check_output_index(model, output_index)
    risk = _risk_function(model, output_index)

    def auc_scorer(_estimator: object, X_scored: np.ndarray, y_scored: np.ndarray) -> float:
        return float(roc_auc_score(y_scored, risk(X_scored)))

    # scikit-learn only checks that the estimator has a fit method; the scorer does the predicting.
    result = permutation_importance(
        model, array, labels, scoring=auc_scorer, n_repeats=int(n_repeats), random_state=int(seed)
    )
    table = pd.DataFrame({"importance": result.importances_mean, "std": result.importances_std}, index=names)
    return table.rename_axis("feature").sort_values("importance", ascending=False)
