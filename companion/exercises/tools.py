"""Self-checks of the chapter "Tools" (book/tools.ipynb)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from companion.exercises.feedback import judge_number, near


def check_too_parameters(answer: Any) -> bool:
    """Number of trainable parameters of the source's network: 8 inputs, Dense 12, Dense 8, Dense 1.

    The answer is the exact number of weights and biases.

    Examples
    --------
    >>> check_too_parameters(21)
    Not yet: ...
    False
    """
    layers = list(pairwise([8, 12, 8, 1]))
    weights = sum(n_in * n_out for n_in, n_out in layers)
    biases = sum(n_out for _, n_out in layers)
    return judge_number(
        answer,
        right=near(weights + biases),
        praise="the count matches model.count_params().",
        not_a_number="give one whole number: the weights plus the biases of all layers.",
        mistakes=[(near(weights), "you counted the weights; each neuron also has a bias.")],
        otherwise="a Dense layer from n inputs to m neurons has n × m weights and m biases; add up the three layers.",
    )
