"""Self-checks of the chapter "Molecules as data" (book/drug_discovery/molecules.ipynb)."""

from __future__ import annotations

from typing import Any

from companion.exercises.feedback import PERCENTAGE_HINT, judge_number, looks_like_percentage, near


def check_mol_tanimoto(answer: Any) -> bool:
    """Tanimoto similarity of two fingerprints with 10 and 8 bits set, 6 of them shared.

    Examples
    --------
    >>> check_mol_tanimoto(6 / 18)
    Not yet: the union counts every bit set in either molecule once: a shared bit is not counted twice.
    False
    """
    return judge_number(
        answer,
        right=near(6 / (10 + 8 - 6), 5e-3),
        praise="6 shared bits over 12 bits set in either molecule: a similarity of 0.5.",
        not_a_number="give one number (a float, not a string) between 0 and 1.",
        mistakes=[
            (near(6 / 18, 5e-3), "the union counts every bit set in either molecule once: a shared bit is not "
             "counted twice."),
            (looks_like_percentage, PERCENTAGE_HINT),
        ],
        otherwise="divide the bits set in both by the bits set in at least one of the two.",
    )
