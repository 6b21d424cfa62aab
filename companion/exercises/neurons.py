"""Self-checks of the chapter "The neuron" (book/foundations/neurons.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np

from companion.exercises.feedback import as_array, as_number, verdict

_GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def check_neu_and_gate(answer: Any) -> bool:
    """A sigmoid neuron ``(w, b)`` that computes AND of two binary inputs.

    The answer is ``(w, b)``, two weights and a bias. The neuron must output more than 0.99 for the
    input (1, 1) and less than 0.01 for (0, 0), (0, 1) and (1, 0).

    Examples
    --------
    >>> check_neu_and_gate(([1.0, 1.0], 0.0))
    Not yet: ...
    False
    """
    from companion.neuron import neuron

    hint_shape = "give a pair (w, b): w two weights, b one number, for example ([1.0, 1.0], 0.0)."
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return verdict(False, praise="", hint=hint_shape)
    w, b = as_array(answer[0], (2,)), as_number(answer[1])
    if w is None or b is None:
        return verdict(False, praise="", hint=hint_shape)
    with np.errstate(all="ignore"):
        outputs = neuron(_GATE_INPUTS, w, b, activation="sigmoid")
    target = np.array([0, 0, 0, 1])
    ok = bool(np.all(np.where(target == 1, outputs > 0.99, outputs < 0.01)))
    if ok:
        hint = ""
    elif outputs[3] <= 0.99:
        hint = "for (1, 1) the weighted sum w·x + b must be large and positive (the sigmoid is near 1 only there)."
    else:
        hint = (
            "one of (0, 0), (0, 1), (1, 0) gives an output above 0.01: the bias must keep a single 1 below the "
            "threshold, and larger weights make the sigmoid steeper."
        )
    return verdict(
        ok,
        praise="the line w·x + b = 0 separates (1, 1) from the three other corners, and the weights are large "
        "enough for the sigmoid to act as a step.",
        hint=hint,
    )
