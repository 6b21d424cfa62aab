"""Self-checks of the chapter "Privacy" (book/challenges/privacy.ipynb)."""

from __future__ import annotations

from typing import Any

from companion.exercises.feedback import judge_number, near


def check_prv_steps(answer: Any) -> bool:
    """Steps of DP-SGD: 40 epochs in batches of 64 on 460 women, the last incomplete batch dropped.

    Examples
    --------
    >>> check_prv_steps(320)
    Not yet: count only full batches: the last, incomplete batch of each epoch is dropped.
    False
    """
    partial_batch = "count only full batches: the last, incomplete batch of each epoch is dropped."
    return judge_number(
        answer,
        right=near(40 * (460 // 64)),
        praise="7 full batches per epoch for 40 epochs; this number, with the sampling rate, goes to the accountant.",
        not_a_number="give one whole number, the number of steps.",
        mistakes=[(near(steps), partial_batch) for steps in (40 * 460 / 64, round(40 * 460 / 64), 40 * 8)],
        otherwise="count the full batches of 64 in 460 women, then multiply by the number of epochs.",
    )
