"""Self-checks of the chapter "Training a network" (book/foundations/training.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np

from companion.exercises.feedback import judge_number, near

# The worked 2-2-1 example of the training chapter (ReLU hidden layer, sigmoid output).
_TINY_X = np.array([[1.0, 0.5]])
_TINY_W1 = np.array([[0.5, -1.0], [1.5, 0.5]])
_TINY_B1 = np.array([0.1, -0.2])
_TINY_W2 = np.array([[0.8], [-1.2]])
_TINY_B2 = np.array([-2.0])


def check_trn_output_error(answer: Any) -> bool:
    """The output error δ⁽²⁾ of the training chapter's 2-2-1 network when the label is y = 0.

    The answer is the output error :math:`\\delta^{(2)} = \\hat y - y` for the chapter's input and weights,
    right within 0.001.

    Examples
    --------
    >>> check_trn_output_error("delta")
    Not yet: ...
    False
    """
    a1 = np.maximum(_TINY_X @ _TINY_W1 + _TINY_B1, 0.0)
    y_hat = float((1.0 / (1.0 + np.exp(-(a1 @ _TINY_W2 + _TINY_B2)))).item())
    label_one = "that is the error for y = 1; redo the subtraction with the label of this exercise."
    negative = "with y = 0 the prediction can only be too high, so the error cannot be negative."
    return judge_number(
        answer,
        right=near(y_hat, 1e-3),
        praise="with y = 0 the output error is the prediction itself: every gradient pushes the prediction down.",
        not_a_number="give one number: the output error for this one patient.",
        mistakes=[(near(y_hat - 1.0, 1e-3), label_one), (lambda value: value < 0, negative)],
        otherwise="the output error of a sigmoid output with cross-entropy is the prediction minus the label.",
    )
