"""Self-checks of the chapter "Predicting toxicity" (book/drug_discovery/toxicity.ipynb)."""

from __future__ import annotations

import math
from typing import Any

from companion.exercises.feedback import judge_number, near


def check_tox_masked_loss(answer: Any) -> bool:
    """Check the masked loss of a molecule with labels (1, missing, 0) and predictions (0.8, 0.5, 0.4).

    Natural logarithms; the loss is averaged over all three tasks, as in
    :func:`companion.toxicity.masked_binary_crossentropy`.

    Examples
    --------
    >>> check_tox_masked_loss("a lot")
    Not yet: give one number, the loss of this molecule (for example 0.5).
    False
    """
    measured = -math.log(0.8) - math.log(1 - 0.4)
    missing_counted = "a missing label contributes nothing: it has no label to compare the prediction with."
    return judge_number(
        answer,
        right=near(measured / 3, 5e-3),
        praise="the missing task adds nothing, and the two measured terms are averaged over all three tasks.",
        not_a_number="give one number, the loss of this molecule (for example 0.5).",
        mistakes=[
            (near(measured / 2, 5e-3), "the sum is divided by the number of tasks T, not by the number of "
             "measured labels."),
            (near((measured - math.log(0.5)) / 3, 5e-3), missing_counted),
            (near((measured - math.log(0.5)) / 2, 5e-3), missing_counted),
        ],
        otherwise="keep the measured labels only, add -log p for a 1 and -log(1 - p) for a 0, then divide by T.",
    )
