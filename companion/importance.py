"""Which features a model relies on overall: permutation importance measured with the ROC AUC.

Model-agnostic: it works for a Keras model and a scikit-learn classifier
alike, and imports neither TensorFlow nor Keras itself.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np

from companion.validation import binary_labels, finite_array, integer, non_negative_int, positive_int


def _keras_module_of(model: object):
    """Keras, if ``model`` is a Keras model; ``None`` otherwise (and Keras is never imported here)."""
    keras = sys.modules.get("keras")  # a Keras model can only exist once keras is imported
    return keras if keras is not None and isinstance(model, keras.Model) else None


def _risk_function(model: object, output_index: int):
    """``X -> probabilities`` for a Keras model or a scikit-learn classifier."""
    keras = _keras_module_of(model)
    if keras is not None:
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise ValueError("model must be built with one keras.Input and have one output")
        last = int(model.outputs[0].shape[-1]) - 1
        output_index = integer("output_index", output_index, minimum=0, maximum=last)
        return lambda X: keras.ops.convert_to_numpy(model(np.asarray(X, dtype="float32"), training=False))[
            :, output_index
        ]
    if hasattr(model, "predict_proba"):
        return lambda X: model.predict_proba(X)[:, 1]
    raise TypeError(f"model must be a keras.Model or a classifier with predict_proba, got {type(model).__name__}")


def _check_table(X: object, y: object, feature_names: object) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features (n, d) without NaN, one 0/1 label per row with both classes, and d feature names."""
    array = finite_array("X", X, float)  # NaN must be imputed first
    if array.ndim != 2 or array.shape[0] < 2:
        raise ValueError(f"X must have shape (n, d) with n >= 2, got shape {array.shape}")
    labels = binary_labels("y", y)
    if labels.shape != (array.shape[0],):
        raise ValueError(f"y must have one label per row of X, {array.shape[0]}, got shape {labels.shape}")
    names = [f"x{i}" for i in range(array.shape[1])] if feature_names is None else list(feature_names)
    if len(names) != array.shape[1] or not all(isinstance(name, str) for name in names):
        raise ValueError(f"feature_names must be {array.shape[1]} strings, got {feature_names!r}")
    return array, labels, names


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

    array, labels, names = _check_table(X, y, feature_names)
    n_repeats, seed = positive_int("n_repeats", n_repeats), non_negative_int("seed", seed)
    risk = _risk_function(model, output_index)

    def auc_scorer(_estimator: object, X_scored: np.ndarray, y_scored: np.ndarray) -> float:
        return float(roc_auc_score(y_scored, risk(X_scored)))

    # scikit-learn only checks that the estimator has a fit method; the scorer does the predicting.
    result = permutation_importance(model, array, labels, scoring=auc_scorer, n_repeats=n_repeats, random_state=seed)
    table = pd.DataFrame({"importance": result.importances_mean, "std": result.importances_std}, index=names)
    return table.rename_axis("feature").sort_values("importance", ascending=False)
