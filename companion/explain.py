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

Attributions of single inputs (gradients, integrated gradients) live in
:mod:`companion.attributions`. Importing this module imports Keras, and so
TensorFlow; ``import companion`` does not.

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

from companion.backend import keras, tf
from companion.validation import (
    fraction,
    function,
    integer,
    keras_model,
    non_negative_int,
    non_negative_number,
    positive_int,
    real_array,
)

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
    keras_model("model", model)
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
    batch_size: int = 64,
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
    batch_size : int, default 64
        Images per gradient computation (memory versus speed). The gradient
        tape keeps every layer's activations of the whole batch: for the
        imaging chapter's 64 x 64 slices, 256 images held about 400 MiB, 64
        about 100 MiB, in the same time.

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
    if not keras_model("model", model).inputs:
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
    last = int(model.outputs[0].shape[-1]) - 1
    output_index = integer("output_index", output_index, minimum=0, maximum=last)
    batch_size = positive_int("batch_size", batch_size)

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
    margin = non_negative_number("margin", margin)
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
        :func:`companion.attributions.integrated_gradients` summed over channels); ``layer_name``
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
    model, threshold = keras_model("model", model), fraction("threshold", threshold, "(0, 1]")
    seed, array = non_negative_int("seed", seed), _check_images(images, model)
    if explain is None:
        # clone_model keeps the layer names, so the same layer is explained in both models.
        layer_name = layer_name or last_conv_layer_name(model)

        def explain(network: keras.Model, inputs: np.ndarray) -> np.ndarray:
            return grad_cam(network, inputs, layer_name)

    else:
        function("explain", explain, "explain(model, images) -> maps")
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
