"""Clinical evaluation of a binary classifier: the numbers a clinician asks for.

Sensitivity, specificity and predictive values at a threshold; thresholds
chosen for a target sensitivity or specificity; predictive values at another
prevalence (Bayes' theorem); calibration; and splits that keep every patient
(or hospital) on one side. Confidence intervals are in :mod:`companion.intervals`. Ranking metrics and
curves come from scikit-learn; this module adds what it lacks and checks its
inputs, so that a wrong label, a NaN or a score outside [0, 1] raises a
``ValueError`` instead of giving a silently wrong number.

Conventions: ``y_true`` holds labels 0 (no disease) and 1 (disease);
``y_score`` holds predicted probabilities of disease; a patient is called
positive when ``y_score >= threshold``.

Examples
--------
>>> y_true = [0, 0, 0, 0, 1, 1, 1, 1]
>>> y_score = [0.1, 0.2, 0.3, 0.6, 0.4, 0.7, 0.8, 0.9]
>>> m = clinical_metrics(y_true, y_score, threshold=0.5)
>>> m.tp, m.fn, m.tn, m.fp
(3, 1, 3, 1)
>>> float(m.sensitivity), float(m.specificity)
(0.75, 0.75)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import combinations

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import GroupShuffleSplit

from companion.validation import (
    binary_labels,
    fraction,
    integer,
    non_negative_int,
    one_of,
    probabilities,
)

# ---------------------------------------------------------------------------
# Input validation


def _check_pair(y_true: object, y_score: object, score_name: str = "y_score") -> tuple[np.ndarray, np.ndarray]:
    labels, scores = binary_labels("y_true", y_true), probabilities(score_name, y_score)
    if labels.size != scores.size:
        raise ValueError(f"y_true and {score_name} must have the same length, got {labels.size} and {scores.size}")
    return labels, scores


def _ratio(numerator: int, denominator: int) -> float:
    """A proportion, or NaN when it is undefined (no case in the denominator)."""
    return numerator / denominator if denominator else float("nan")


# ---------------------------------------------------------------------------
# Metrics at a threshold


@dataclass(frozen=True)
class ClinicalMetrics:
    """Confusion counts and the four clinical rates at one decision threshold.

    ``ppv`` is NaN when no patient is called positive, ``npv`` when none is
    called negative: the quantity is undefined, not zero.
    """

    threshold: float
    tp: int
    fp: int
    tn: int
    fn: int
    sensitivity: float
    specificity: float
    ppv: float
    npv: float
    accuracy: float

    def as_dict(self) -> dict[str, float]:
        """The fields as a plain dictionary (for a pandas table)."""
        return asdict(self)


def clinical_metrics(y_true: object, y_score: object, threshold: float = 0.5) -> ClinicalMetrics:
    """Sensitivity, specificity, PPV and NPV of ``y_score >= threshold``.

    Parameters
    ----------
    y_true : array-like of 0 and 1
        Observed outcome (1 = disease); both classes must occur.
    y_score : array-like of float in [0, 1]
        Predicted probability of disease.
    threshold : float in [0, 1], default 0.5
        Patients with ``y_score >= threshold`` are called positive.

    Returns
    -------
    ClinicalMetrics
        Counts ``tp``, ``fp``, ``tn``, ``fn``; ``sensitivity`` = TP/(TP+FN),
        ``specificity`` = TN/(TN+FP), ``ppv`` = TP/(TP+FP), ``npv`` =
        TN/(TN+FN) and ``accuracy``.

    Examples
    --------
    >>> m = clinical_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.8], threshold=0.5)
    >>> (m.tp, m.fp, m.tn, m.fn), m.ppv, m.npv
    ((1, 1, 1, 1), 0.5, 0.5)
    """
    labels, scores = _check_pair(y_true, y_score)
    threshold = fraction("threshold", threshold)
    called = scores >= threshold
    tp = int(np.sum(called & (labels == 1)))
    fp = int(np.sum(called & (labels == 0)))
    tn = int(np.sum(~called & (labels == 0)))
    fn = int(np.sum(~called & (labels == 1)))
    return ClinicalMetrics(
        threshold=threshold,
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
        sensitivity=_ratio(tp, tp + fn),
        specificity=_ratio(tn, tn + fp),
        ppv=_ratio(tp, tp + fp),
        npv=_ratio(tn, tn + fn),
        accuracy=(tp + tn) / labels.size,
    )


def threshold_for_target(
    y_true: object, y_score: object, *, sensitivity: float | None = None, specificity: float | None = None
) -> float:
    """The threshold that reaches a target sensitivity (or specificity) on the given data.

    Give exactly one target. For ``sensitivity`` the result is the *highest*
    threshold whose sensitivity on these data is at least the target (so
    specificity is as high as it can be); for ``specificity`` it is the
    *lowest* threshold whose specificity is at least the target. Choose it on
    validation data and apply it, unchanged, to the test data: there the
    target is no longer guaranteed, which is the point of checking.

    Parameters
    ----------
    y_true, y_score : array-like
        Labels (0/1) and predicted probabilities, as in :func:`clinical_metrics`.
    sensitivity, specificity : float in (0, 1], optional
        The target; exactly one of the two.

    Returns
    -------
    float
        Threshold to use with ``y_score >= threshold``.

    Examples
    --------
    >>> y_true = [0, 0, 0, 1, 1, 1, 1]
    >>> y_score = [0.1, 0.3, 0.5, 0.2, 0.6, 0.7, 0.9]
    >>> t = threshold_for_target(y_true, y_score, sensitivity=0.75)
    >>> t, float(clinical_metrics(y_true, y_score, t).sensitivity)
    (0.6, 0.75)
    >>> t = threshold_for_target(y_true, y_score, specificity=1.0)
    >>> float(clinical_metrics(y_true, y_score, t).specificity)
    1.0
    """
    labels, scores = _check_pair(y_true, y_score)
    if (sensitivity is None) == (specificity is None):
        raise ValueError(
            f"give exactly one of sensitivity and specificity, got sensitivity={sensitivity!r}, "
            f"specificity={specificity!r}"
        )
    name, target = ("sensitivity", sensitivity) if sensitivity is not None else ("specificity", specificity)
    target = fraction(name, target, "(0, 1]")
    if name == "sensitivity":
        positives = np.sort(scores[labels == 1])[::-1]  # highest first
        # Flag at least `needed` positives; the small tolerance keeps 0.9 * 50 from rounding up to 46.
        needed = int(np.ceil(target * positives.size - 1e-9))
        return float(positives[needed - 1])
    negatives = np.sort(scores[labels == 0])  # lowest first
    needed = int(np.ceil(target * negatives.size - 1e-9))
    # Just above the needed-th lowest negative score, so that it and all below are called negative.
    return float(np.nextafter(negatives[needed - 1], np.inf))


def predictive_values(
    sensitivity: float, specificity: float, prevalence: float | np.ndarray
) -> tuple[float | np.ndarray, float | np.ndarray]:
    """PPV and NPV of a test with this sensitivity and specificity at another prevalence.

    By Bayes' theorem, with prevalence :math:`p`,

    .. math::

        \\mathrm{PPV} = \\frac{\\mathrm{Se}\\,p}{\\mathrm{Se}\\,p + (1 - \\mathrm{Sp})(1 - p)}, \\qquad
        \\mathrm{NPV} = \\frac{\\mathrm{Sp}\\,(1 - p)}{\\mathrm{Sp}\\,(1 - p) + (1 - \\mathrm{Se})\\,p}.

    This assumes sensitivity and specificity stay the same in the new
    population, which is itself an assumption to check.

    Parameters
    ----------
    sensitivity, specificity : float in [0, 1]
    prevalence : float or array of floats in (0, 1)

    Returns
    -------
    (ppv, npv)
        Floats, or arrays shaped like ``prevalence``.

    Examples
    --------
    >>> ppv, npv = predictive_values(0.9, 0.9, 0.01)  # a good test for a rare disease
    >>> round(float(ppv), 3), round(float(npv), 4)
    (0.083, 0.9989)
    """
    sensitivity, specificity = fraction("sensitivity", sensitivity), fraction("specificity", specificity)
    try:
        # A string or a bool is not a prevalence, even where NumPy would convert it.
        p = np.asarray(np.nan if isinstance(prevalence, (str, bytes, bool)) else prevalence, dtype=float)
    except (TypeError, ValueError):
        p = np.asarray(np.nan)
    if p.size == 0 or not np.all(np.isfinite(p)) or np.any((p <= 0) | (p >= 1)):
        raise ValueError(f"prevalence must be a number (or numbers) in (0, 1), got {prevalence!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        ppv = sensitivity * p / (sensitivity * p + (1 - specificity) * (1 - p))
        npv = specificity * (1 - p) / (specificity * (1 - p) + (1 - sensitivity) * p)
    if p.ndim == 0:
        return float(ppv), float(npv)
    return ppv, npv


# ---------------------------------------------------------------------------
# Calibration


@dataclass(frozen=True)
class Calibration:
    """Reliability-diagram data: per bin, the mean predicted and the observed risk."""

    predicted: np.ndarray
    observed: np.ndarray
    brier: float


def brier_score(y_true: object, y_prob: object) -> float:
    """Mean squared difference between predicted probability and outcome (lower is better).

    Examples
    --------
    >>> round(brier_score([0, 1], [0.2, 0.6]), 6)  # ((0.2 - 0)^2 + (0.6 - 1)^2) / 2
    0.1
    """
    labels, probabilities = _check_pair(y_true, y_prob, "y_prob")
    return float(brier_score_loss(labels, probabilities))


def calibration(y_true: object, y_prob: object, *, n_bins: int = 10, strategy: str = "quantile") -> Calibration:
    """Calibration-curve data and Brier score of predicted probabilities.

    Uses :func:`sklearn.calibration.calibration_curve`. With the default
    ``"quantile"`` strategy every bin holds about the same number of
    patients, which keeps the observed fractions of small test sets stable.

    Parameters
    ----------
    y_true, y_prob : array-like
        Labels (0/1) and predicted probabilities in [0, 1].
    n_bins : int, default 10
    strategy : {"quantile", "uniform"}, default "quantile"

    Returns
    -------
    Calibration
        ``predicted`` (mean predicted risk per bin), ``observed`` (fraction
        with the disease per bin) and ``brier`` (:func:`brier_score`).

    Examples
    --------
    >>> c = calibration([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2)
    >>> c.predicted.round(2).tolist(), c.observed.tolist(), round(c.brier, 4)
    ([0.15, 0.8], [0.0, 1.0], 0.0375)
    """
    labels, probabilities = _check_pair(y_true, y_prob, "y_prob")
    n_bins, strategy = integer("n_bins", n_bins, minimum=2), one_of("strategy", strategy, ("quantile", "uniform"))
    observed, predicted = calibration_curve(labels, probabilities, n_bins=n_bins, strategy=strategy)
    return Calibration(predicted=predicted, observed=observed, brier=brier_score(labels, probabilities))


# ---------------------------------------------------------------------------
# Group-aware splits


def check_no_group_overlap(**splits: object) -> None:
    """Raise if any group (patient, hospital, ...) occurs in two of the named splits.

    Parameters
    ----------
    **splits : array-like
        The group identifier of every row of each split, for example
        ``train=groups[train_index], test=groups[test_index]``.

    Raises
    ------
    ValueError
        Listing, for each pair of splits that share groups, up to ten of them.

    Examples
    --------
    >>> check_no_group_overlap(train=[1, 1, 2], test=[3, 4])
    >>> check_no_group_overlap(train=[1, 1, 2], test=[2, 3])
    Traceback (most recent call last):
    ...
    ValueError: groups shared between splits (each must be in one split only): train and test share [2]
    """
    if len(splits) < 2:
        raise ValueError(f"give at least two named splits, got {list(splits)}")
    sets = {}
    for name, groups in splits.items():
        try:
            sets[name] = set(np.asarray(groups).ravel().tolist())
        except (TypeError, ValueError) as error:  # lists, dicts and sets cannot identify a group
            raise ValueError(
                f"{name} must hold group identifiers (numbers or strings), got {groups!r}: {error}"
            ) from None
    shared = []
    for (name_a, a), (name_b, b) in combinations(sets.items(), 2):
        common = sorted(a & b, key=str)
        if common:
            more = f" and {len(common) - 10} more" if len(common) > 10 else ""
            shared.append(f"{name_a} and {name_b} share {common[:10]}{more}")
    if shared:
        raise ValueError("groups shared between splits (each must be in one split only): " + "; ".join(shared))


def group_train_test_split(
    groups: object, *, test_size: float = 0.2, random_state: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of a train/test split in which every group lies on one side only.

    When a patient contributes several rows (visits, images, eyes), a plain
    random split puts some of them in training and some in testing, and the
    test score partly measures recognising the patient. Splitting by group,
    with :class:`sklearn.model_selection.GroupShuffleSplit`, prevents that.

    Parameters
    ----------
    groups : array-like
        Group identifier (for example patient ID) of every row.
    test_size : float in (0, 1), default 0.2
        Approximate fraction of *groups* (not rows) placed in the test set.
    random_state : int, default 0

    Returns
    -------
    (train_index, test_index) : two integer arrays
        Use them to index the feature matrix, labels and groups.

    Examples
    --------
    >>> patients = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    >>> train, test = group_train_test_split(patients, test_size=0.4, random_state=0)
    >>> sorted(set(np.take(patients, test)) & set(np.take(patients, train)))
    []
    """
    group_array = np.asarray(groups)
    if group_array.ndim != 1 or group_array.size == 0:
        raise ValueError(f"groups must be a non-empty 1-D array, got shape {group_array.shape}")
    if group_array.dtype.kind == "f" and np.isnan(group_array).any():
        raise ValueError("groups must not contain NaN, got a NaN group identifier")
    test_size = fraction("test_size", test_size, "(0, 1)")
    random_state = non_negative_int("random_state", random_state)
    n_groups = np.unique(group_array).size
    if n_groups < 2:
        raise ValueError(f"groups must contain at least two distinct groups, got {n_groups}")
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state)
    train_index, test_index = next(splitter.split(np.zeros(group_array.size), groups=group_array))
    check_no_group_overlap(train=group_array[train_index], test=group_array[test_index])
    return train_index, test_index
