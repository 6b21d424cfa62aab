"""Confidence intervals: a bootstrap interval for any metric, and Wilson's interval for a proportion.

A test set of a few hundred patients gives an AUC or a sensitivity that would
change with another sample; these intervals say by how much.

Examples
--------
>>> print(proportion_ci(45, 50))
0.900 (95% CI 0.786 to 0.957)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from companion.validation import (
    binary_labels,
    fraction,
    function,
    integer,
    non_negative_int,
    positive_int,
    probabilities,
)


@dataclass(frozen=True)
class BootstrapInterval:
    """A point estimate with its bootstrap percentile interval."""

    estimate: float
    low: float
    high: float
    confidence: float
    n_resamples: int
    resamples: np.ndarray = field(repr=False)

    def __str__(self) -> str:
        return f"{self.estimate:.3f} ({self.confidence:.0%} CI {self.low:.3f} to {self.high:.3f})"


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: object,
    y_score: object,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> BootstrapInterval:
    """Bootstrap percentile confidence interval of ``metric(y_true, y_score)``.

    The patients are resampled with replacement ``n_resamples`` times,
    *stratified*: positives and negatives are drawn separately, so every
    resample keeps the original number of each (and a metric such as the
    AUC is always defined). The interval is the percentile interval, the
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the
    resampled metric. It reflects the sampling of test patients only, not
    the randomness of training, and is approximate for small samples.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_score) -> float``, for example
        :func:`sklearn.metrics.roc_auc_score`.
    y_true, y_score : array-like
        Labels (0/1) and predicted probabilities.
    n_resamples : int, default 1000
    confidence : float in (0, 1), default 0.95
    seed : int, default 0
        Seed of the :class:`numpy.random.Generator`; same seed, same interval.

    Returns
    -------
    BootstrapInterval
        ``estimate`` (on the original data), ``low``, ``high`` and the
        ``resamples`` themselves.

    Examples
    --------
    >>> from sklearn.metrics import roc_auc_score
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 200)
    >>> score = np.clip(0.3 * y + rng.uniform(0, 0.7, 200), 0, 1)
    >>> ci = bootstrap_ci(roc_auc_score, y, score, n_resamples=200)
    >>> bool(ci.low < ci.estimate < ci.high)
    True
    """
    metric = function("metric", metric, "metric(y_true, y_score)")
    labels, scores = binary_labels("y_true", y_true), probabilities("y_score", y_score)
    if labels.size != scores.size:
        raise ValueError(f"y_true and y_score must have the same length, got {labels.size} and {scores.size}")
    n_resamples = integer("n_resamples", n_resamples, minimum=10)
    confidence = fraction("confidence", confidence, "(0, 1)")
    rng = np.random.default_rng(non_negative_int("seed", seed))
    positives, negatives = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    resamples = np.empty(n_resamples)
    for i in range(n_resamples):
        index = np.concatenate(
            [rng.choice(positives, positives.size, replace=True), rng.choice(negatives, negatives.size, replace=True)]
        )
        resamples[i] = metric(labels[index], scores[index])
    alpha = 1 - confidence
    low, high = np.quantile(resamples, [alpha / 2, 1 - alpha / 2])
    return BootstrapInterval(
        estimate=float(metric(labels, scores)),
        low=float(low),
        high=float(high),
        confidence=confidence,
        n_resamples=int(n_resamples),
        resamples=resamples,
    )


@dataclass(frozen=True)
class ProportionInterval:
    """A proportion (``successes / total``) with its Wilson score interval."""

    estimate: float
    low: float
    high: float
    confidence: float
    successes: int
    total: int

    def __str__(self) -> str:
        return f"{self.estimate:.3f} ({self.confidence:.0%} CI {self.low:.3f} to {self.high:.3f})"


def proportion_ci(successes: int, total: int, *, confidence: float = 0.95) -> ProportionInterval:
    """Wilson score confidence interval of a proportion such as a sensitivity.

    A sensitivity is a proportion: the cases flagged among ``total`` cases.
    When few cases are all flagged (or none), a bootstrap interval collapses
    to a single point, 100 % to 100 %, and claims a certainty the data do not
    have; the Wilson interval stays honest there and is accurate for small
    samples (Newcombe 1998).

    Parameters
    ----------
    successes, total : int
        ``0 <= successes <= total``, ``total >= 1``; for a sensitivity, the
        true positives and all patients with the disease.
    confidence : float in (0, 1), default 0.95

    Examples
    --------
    >>> interval = proportion_ci(12, 12)
    >>> round(interval.low, 3), interval.high
    (0.758, 1.0)
    >>> proportion_ci(5, 4)
    Traceback (most recent call last):
    ...
    ValueError: successes must be at most total (4), got 5
    """
    successes, total = non_negative_int("successes", successes), positive_int("total", total)
    if successes > total:
        raise ValueError(f"successes must be at most total ({total}), got {successes}")
    confidence = fraction("confidence", confidence, "(0, 1)")
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p, n = successes / total, int(total)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return ProportionInterval(
        estimate=p,
        low=float(max(0.0, centre - half)),
        high=float(min(1.0, centre + half)),
        confidence=confidence,
        successes=int(successes),
        total=n,
    )
