"""Self-checks of the chapter "Interpretability" (book/challenges/interpretability.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np

from companion.exercises.feedback import judge_number, near


def check_itp_linear_attribution(answer: Any) -> bool:
    """Sum of the integrated-gradients attributions of a logistic model, on the log-odds scale.

    The model's log-odds are ``0.9 * glucose + 0.6 * bmi - 0.7`` (standardised
    features); the woman has glucose +2.0 and BMI -0.5; the baseline is the
    average woman (all features 0).

    The answer is the sum of the two attributions, in log-odds, right within 0.01.

    Examples
    --------
    >>> check_itp_linear_attribution(0.8)
    Not yet: the intercept is part of F(baseline) too: it cancels in F(x) - F(baseline).
    False
    """
    weights, woman = np.array([0.9, 0.6]), np.array([2.0, -0.5])
    expected = float(weights @ woman)  # IG of a linear logit: w * (x - 0), summed
    return judge_number(
        answer,
        right=near(expected, 1e-2),
        praise="completeness: the attributions add up to F(x) - F(baseline), and the intercept cancels.",
        not_a_number="give one number, the sum of the two attributions in log-odds.",
        mistakes=[
            (near(expected - 0.7, 1e-2), "the intercept is part of F(baseline) too: it cancels in "
             "F(x) - F(baseline)."),
            (lambda value: 0 < value < 1, "stay on the log-odds scale: the attributions add up to a change of "
             "log-odds, not of probability."),
        ],
        otherwise="for a linear log-odds each attribution is w_i * (x_i - baseline_i); add the two.",
    )
