"""Self-checks for the exercises: instant, offline feedback that never reveals the answer.

Every check is called ``check_<chapter>_<topic>(answer)``. It prints one line,
``"Correct: <why>"`` or ``"Not yet: <hint>"``, and returns ``True`` or
``False``. An answer of the wrong type or shape is not an error: it gets a
``"Not yet: ..."`` line with a hint, never a traceback, because a learner's
first attempt is often a list where an array was expected, or ``None``.

The checks compare against values computed here, or against tolerances, and
their messages say *why* an answer is right or *where to look*, never what the
expected value is.

Examples
--------
>>> from companion.exercises import _verdict
>>> _verdict(1 + 1 == 2, praise="addition works.", hint="count again.")
Correct: addition works.
True
>>> _verdict(False, praise="-", hint="look at the units.")
Not yet: look at the units.
False
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import numpy as np

__all__ = ["_verdict", "available_checks"]


def _verdict(ok: bool, *, praise: str, hint: str) -> bool:
    """Print the one-line verdict of a self-check and return it.

    Parameters
    ----------
    ok : bool
        Whether the learner's answer is right.
    praise : str
        Why the answer is right, printed after ``"Correct: "``.
    hint : str
        Where to look next, printed after ``"Not yet: "``. It must not give the answer away.

    Returns
    -------
    bool
        ``ok``, as a Python ``bool``.

    Examples
    --------
    >>> _verdict(True, praise="the shapes match.", hint="check the shapes.")
    Correct: the shapes match.
    True
    """
    ok = bool(ok)
    print(f"Correct: {praise}" if ok else f"Not yet: {hint}")
    return ok


def _as_float(answer: Any) -> float | None:
    """``answer`` as a finite float, or ``None`` when it is not one number."""
    if isinstance(answer, (bool, np.bool_)) or answer is None:
        return None
    try:
        value = float(np.asarray(answer, dtype=float).item())
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _as_array(answer: Any, shape: tuple[int, ...] | None = None) -> np.ndarray | None:
    """``answer`` as a finite float array (of ``shape`` if given), or ``None``."""
    if answer is None or isinstance(answer, (str, bytes, dict)):
        return None
    try:
        array = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return None
    if shape is not None and array.shape != shape:
        return None
    return array if np.isfinite(array).all() else None


def available_checks() -> list[str]:
    """Names of every self-check in this module, sorted.

    Examples
    --------
    >>> all(name.startswith("check_") for name in available_checks())
    True
    """
    return sorted(name for name, value in globals().items() if name.startswith("check_") and callable(value))


CheckFunction = Callable[[Any], bool]

# ---------------------------------------------------------------------------
# Checks, one section per chapter, in the order of the book. Each chapter's
# owner adds its check below, with a docstring example.
# ---------------------------------------------------------------------------


# Diagnosing from CT images (book/diagnosis/imaging.ipynb)


def check_imaging_hounsfield(answer: Any) -> bool:
    """Check the Hounsfield value of a tissue that attenuates 1.06 times as much as water.

    Examples
    --------
    >>> check_imaging_hounsfield(6)
    Not yet: HU = 1000 x (mu - mu_water) / (mu_water - mu_air), with mu_air taken as 0; mind the factor 1000.
    False
    """
    value = _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one number, the value in HU (for example an int or a float).")
    return _verdict(
        abs(value - 1000 * (1.06 - 1)) < 0.5,
        praise="6 % more attenuation than water is 6 % of the 1000 HU between air and water: soft tissue or blood.",
        hint="HU = 1000 x (mu - mu_water) / (mu_water - mu_air), with mu_air taken as 0; mind the factor 1000.",
    )


def _fraction_hint(value: float) -> str | None:
    """A hint when a fraction was given as a percentage, else ``None``."""
    if 1 < value <= 100:
        return "give a fraction between 0 and 1 (for example 0.25 rather than 25 %)."
    return None


# --- Foundations: medicine and AI ------------------------------------------


def check_mai_baseline_accuracy(answer: Any) -> bool:
    """Accuracy on the Pima data of a "model" that always predicts *no diabetes*.

    Parameters
    ----------
    answer : float
        The accuracy as a fraction between 0 and 1.

    Returns
    -------
    bool
        Whether the answer is within 0.005 of the value computed from the shipped data.

    Examples
    --------
    >>> check_mai_baseline_accuracy(0.5)
    Not yet: ...
    False
    """
    from companion import data

    value = _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one number, the accuracy as a fraction between 0 and 1.")
    labels = data.load_pima()["diabetes"]
    expected = float((labels == 0).mean())
    hint = _fraction_hint(value) or (
        "count the women whose label is 0 and divide by all the women: a constant 'no' is right exactly for them."
    )
    return _verdict(
        abs(value - expected) <= 0.005,
        praise="a constant 'no diabetes' is right for every woman without diabetes, so any model must beat "
        "this number, and accuracy alone says little on imbalanced data.",
        hint=hint,
    )


# --- Foundations: the neuron ------------------------------------------------

_GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def check_neu_and_gate(answer: Any) -> bool:
    """A sigmoid neuron ``(w, b)`` that computes AND of two binary inputs.

    Parameters
    ----------
    answer : tuple
        ``(w, b)``: two weights and a bias. The neuron must output more than 0.99 for the input
        (1, 1) and less than 0.01 for (0, 0), (0, 1) and (1, 0).

    Returns
    -------
    bool
        Whether the neuron computes AND with that margin.

    Examples
    --------
    >>> check_neu_and_gate(([1.0, 1.0], 0.0))
    Not yet: ...
    False
    """
    from companion.neuron import neuron

    hint_shape = "give a pair (w, b): w two weights, b one number, for example ([1.0, 1.0], 0.0)."
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return _verdict(False, praise="", hint=hint_shape)
    w, b = _as_array(answer[0], (2,)), _as_float(answer[1])
    if w is None or b is None:
        return _verdict(False, praise="", hint=hint_shape)
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
    return _verdict(
        ok,
        praise="the line w·x + b = 0 separates (1, 1) from the three other corners, and the weights are large "
        "enough for the sigmoid to act as a step.",
        hint=hint,
    )


# --- Foundations: training a network ----------------------------------------

# The worked 2-2-1 example of the training chapter (ReLU hidden layer, sigmoid output).
_TINY_X = np.array([[1.0, 0.5]])
_TINY_W1 = np.array([[0.5, -1.0], [1.5, 0.5]])
_TINY_B1 = np.array([0.1, -0.2])
_TINY_W2 = np.array([[0.8], [-1.2]])
_TINY_B2 = np.array([-2.0])


def check_trn_output_error(answer: Any) -> bool:
    """The output error δ⁽²⁾ of the training chapter's 2-2-1 network when the label is y = 0.

    Parameters
    ----------
    answer : float
        The output error :math:`\\delta^{(2)} = \\hat y - y` for the chapter's input and weights.

    Returns
    -------
    bool
        Whether the answer is within 0.001 of the exact value.

    Examples
    --------
    >>> check_trn_output_error("delta")
    Not yet: ...
    False
    """
    value = _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one number: the output error for this one patient.")
    a1 = np.maximum(_TINY_X @ _TINY_W1 + _TINY_B1, 0.0)
    y_hat = float((1.0 / (1.0 + np.exp(-(a1 @ _TINY_W2 + _TINY_B2)))).item())
    if abs(value - (y_hat - 1.0)) <= 1e-3:
        hint = "that is the error for y = 1; redo the subtraction with the label of this exercise."
    elif value < 0:
        hint = "with y = 0 the prediction can only be too high, so the error cannot be negative."
    else:
        hint = "the output error of a sigmoid output with cross-entropy is the prediction minus the label."
    return _verdict(
        abs(value - y_hat) <= 1e-3,
        praise="with y = 0 the output error is the prediction itself: every gradient pushes the prediction down.",
        hint=hint,
    )


# --- Diagnosis: clinical data -----------------------------------------------


def check_cli_ppv(answer: Any) -> bool:
    """PPV of a test with sensitivity 90 % and specificity 80 % at a prevalence of 2 %.

    Parameters
    ----------
    answer : float
        The positive predictive value as a fraction between 0 and 1.

    Returns
    -------
    bool
        Whether the answer is within 0.002 of Bayes' theorem's value.

    Examples
    --------
    >>> check_cli_ppv(0.9)
    Not yet: ...
    False
    """
    from companion.evaluation import predictive_values

    value = _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one number, the PPV as a fraction between 0 and 1.")
    expected = float(predictive_values(0.9, 0.8, 0.02)[0])
    if _fraction_hint(value):
        hint = _fraction_hint(value)
    elif abs(value - 0.9) < 1e-3 or abs(value - 0.8) < 1e-3:
        hint = "that is a property of the test; the PPV asks: among the people flagged, what fraction are ill?"
    elif value > 0.5:
        hint = "count the flagged people in both groups: most of the 1,000 are healthy, and 20 % of them are flagged."
    else:
        hint = "PPV = true positives / (true positives + false positives); count both among 1,000 people."
    return _verdict(
        abs(value - expected) <= 2e-3,
        praise="at a low prevalence most positive results are false alarms, even with a test that sounds good.",
        hint=hint,
    )


# --- Molecules as data --------------------------------------------------------


def check_mol_tanimoto(answer: Any) -> bool:
    """Tanimoto similarity of two fingerprints with 10 and 8 bits set, 6 of them shared.

    Examples
    --------
    >>> check_mol_tanimoto(6 / 18)
    Not yet: the union counts every bit set in either molecule once: a shared bit is not counted twice.
    False
    """
    value = None if isinstance(answer, str) else _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one number (a float, not a string) between 0 and 1.")
    if abs(value - 6 / 18) < 5e-3:
        hint = "the union counts every bit set in either molecule once: a shared bit is not counted twice."
    else:
        hint = _fraction_hint(value) or "divide the bits set in both by the bits set in at least one of the two."
    return _verdict(
        abs(value - 6 / (10 + 8 - 6)) < 5e-3,
        praise="6 shared bits over 12 bits set in either molecule: a similarity of 0.5.",
        hint=hint,
    )


# Predicting toxicity (book/drug_discovery/toxicity.ipynb)


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
    value = _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one number, the loss of this molecule (for example 0.5).")
    measured = -math.log(0.8) - math.log(1 - 0.4)
    if abs(value - measured / 2) < 5e-3:
        hint = "the sum is divided by the number of tasks T, not by the number of measured labels."
    elif abs(value - (measured - math.log(0.5)) / 3) < 5e-3 or abs(value - (measured - math.log(0.5)) / 2) < 5e-3:
        hint = "a missing label contributes nothing: it has no label to compare the prediction with."
    else:
        hint = "keep the measured labels only, add -log p for a 1 and -log(1 - p) for a 0, then divide by T."
    return _verdict(
        abs(value - measured / 3) < 5e-3,
        praise="the missing task adds nothing, and the two measured terms are averaged over all three tasks.",
        hint=hint,
    )


# --- Tools ------------------------------------------------------------------


def check_too_parameters(answer: Any) -> bool:
    """Number of trainable parameters of the source's network: 8 inputs, Dense 12, Dense 8, Dense 1.

    Parameters
    ----------
    answer : int
        The number of weights and biases.

    Returns
    -------
    bool
        Whether the count is exact.

    Examples
    --------
    >>> check_too_parameters(21)
    Not yet: ...
    False
    """
    value = _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one whole number: the weights plus the biases of all layers.")
    sizes = [8, 12, 8, 1]
    expected = sum(n_in * n_out + n_out for n_in, n_out in pairwise(sizes))
    weights_only = sum(n_in * n_out for n_in, n_out in pairwise(sizes))
    hint = (
        "you counted the weights; each neuron also has a bias."
        if value == weights_only
        else "a Dense layer from n inputs to m neurons has n × m weights and m biases; add up the three layers."
    )
    return _verdict(value == expected, praise="the count matches model.count_params().", hint=hint)


# --- Questions (book/faq.ipynb) -------------------------------------------------


def check_faq_events_per_variable(answer: Any) -> bool:
    """Events per variable of the clinical chapter's training set: women with diabetes over 8 features.

    Examples
    --------
    >>> check_faq_events_per_variable(57.5)
    Not yet: events are the patients with the rarer outcome (diabetes), not all the training patients.
    False
    """
    from companion import data

    value = None if isinstance(answer, str) else _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one number, events per variable.")
    events, n_train = _clinical_training_events(data.load_pima()["diabetes"].to_numpy())
    if abs(value - n_train / 8) < 0.05:
        hint = "events are the patients with the rarer outcome (diabetes), not all the training patients."
    elif abs(value - (n_train - events) / 8) < 0.05:
        hint = "count the rarer outcome: women with diabetes, not without."
    else:
        hint = "count the women with diabetes among the training women (y_train.sum()) and divide by the features."
    return _verdict(
        abs(value - events / 8) < 0.05,
        praise="comfortable for logistic regression with 8 predictors; a network with 221 parameters wants more.",
        hint=hint,
    )


def _clinical_training_events(labels: np.ndarray) -> tuple[int, int]:
    """Women with diabetes and all women in the clinical chapter's training split (60 % of 768)."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(labels))
    rest, _ = train_test_split(rows, test_size=0.2, stratify=labels, random_state=0)
    train, _ = train_test_split(rest, test_size=0.25, stratify=labels[rest], random_state=0)
    return int(labels[train].sum()), len(train)


# --- Challenges: interpretability --------------------------------------------


def check_itp_linear_attribution(answer: Any) -> bool:
    """Sum of the integrated-gradients attributions of a logistic model, on the log-odds scale.

    The model's log-odds are ``0.9 * glucose + 0.6 * bmi - 0.7`` (standardised
    features); the woman has glucose +2.0 and BMI -0.5; the baseline is the
    average woman (all features 0).

    Parameters
    ----------
    answer : float
        The sum of the two attributions, in log-odds.

    Returns
    -------
    bool
        Whether the answer is within 0.01 of the exact value.

    Examples
    --------
    >>> check_itp_linear_attribution(0.8)
    Not yet: the intercept is part of F(baseline) too: it cancels in F(x) - F(baseline).
    False
    """
    value = _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one number, the sum of the two attributions in log-odds.")
    weights, woman = np.array([0.9, 0.6]), np.array([2.0, -0.5])
    expected = float(weights @ woman)  # IG of a linear logit: w * (x - 0), summed
    logit = expected - 0.7
    if abs(value - logit) < 1e-2:
        hint = "the intercept is part of F(baseline) too: it cancels in F(x) - F(baseline)."
    elif 0 < value < 1 and abs(value - expected) >= 1e-2:
        hint = "stay on the log-odds scale: the attributions add up to a change of log-odds, not of probability."
    else:
        hint = "for a linear log-odds each attribution is w_i * (x_i - baseline_i); add the two."
    return _verdict(
        abs(value - expected) < 1e-2,
        praise="completeness: the attributions add up to F(x) - F(baseline), and the intercept cancels.",
        hint=hint,
    )


# --- Challenges: the cost of computing (book/challenges/compute.ipynb) -------


def check_cmp_conv_flops(answer: Any) -> bool:
    """FLOPs per example of a Conv2D layer: 24 filters of 5 x 5 on a 32 x 32 x 8 input, "same" padding, bias.

    Parameters
    ----------
    answer : int
        The FLOPs per example, counting a multiply-add as 2 FLOPs and each bias addition as 1.

    Returns
    -------
    bool
        Whether the count is exact.

    Examples
    --------
    >>> check_cmp_conv_flops(4800)
    Not yet: ...
    False
    """
    value = _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one whole number: the FLOPs for one example.")
    multiply_adds = 5 * 5 * 8 * 24 * 32 * 32
    bias = 24 * 32 * 32
    if value in (multiply_adds, multiply_adds + bias):
        hint = "that counts multiply-adds; with this chapter's convention each one is 2 FLOPs."
    elif value == 2 * multiply_adds:
        hint = "almost: the bias adds one more FLOP for every output value (32 x 32 positions x 24 filters)."
    elif value == 2 * 5 * 5 * 8 * 24 + 24:
        hint = "that is the cost at one position; 'same' padding gives 32 x 32 output positions."
    else:
        hint = "each output value needs k_h x k_w x c_in multiply-adds; count the output values first."
    return _verdict(
        value == 2 * multiply_adds + bias,
        praise="the 4,824 weights are reused at each of the 1,024 positions: few parameters, many FLOPs.",
        hint=hint,
    )


def check_cmp_int8_bytes(answer: Any) -> bool:
    """Bytes of the weights of a Dense layer from 256 inputs to 64 units after Keras's int8 quantisation.

    Parameters
    ----------
    answer : int
        Bytes of the int8 kernel, the float32 bias and the float32 scale of each unit.

    Returns
    -------
    bool
        Whether the count is exact.

    Examples
    --------
    >>> check_cmp_int8_bytes(65792)
    Not yet: ...
    False
    """
    value = _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one whole number of bytes.")
    kernel, units = 256 * 64, 64
    if value == 4 * (kernel + units):
        hint = "that is the float32 size; after quantisation each kernel value takes 1 byte instead of 4."
    elif value == kernel:
        hint = "the kernel is right; the bias stays float32, and each unit also keeps a float32 scale."
    elif value == kernel + 4 * units:
        hint = "add the float32 scale that each of the 64 units keeps to undo the quantisation."
    else:
        hint = "1 byte per kernel value, 4 bytes per bias value and 4 bytes per unit for its scale."
    return _verdict(
        value == kernel + 4 * units + 4 * units,
        praise="16,384 bytes of int8 kernel plus 512 bytes of float32 bias and scales: almost 4 times smaller.",
        hint=hint,
    )


# --- Challenges: privacy (book/challenges/privacy.ipynb) -----------------------


def check_prv_steps(answer: Any) -> bool:
    """Steps of DP-SGD: 40 epochs in batches of 64 on 460 women, the last incomplete batch dropped.

    Examples
    --------
    >>> check_prv_steps(320)
    Not yet: count only full batches: the last, incomplete batch of each epoch is dropped.
    False
    """
    value = None if isinstance(answer, str) else _as_float(answer)
    if value is None:
        return _verdict(False, praise="", hint="give one whole number, the number of steps.")
    if value in (40 * 460 / 64, round(40 * 460 / 64), 40 * 8):
        hint = "count only full batches: the last, incomplete batch of each epoch is dropped."
    else:
        hint = "count the full batches of 64 in 460 women, then multiply by the number of epochs."
    return _verdict(
        value == 40 * (460 // 64),
        praise="7 full batches per epoch for 40 epochs; this number, with the sampling rate, goes to the accountant.",
        hint=hint,
    )
