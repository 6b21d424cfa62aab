"""Self-checks of the chapter "Diagnosing from CT images" (book/diagnosis/imaging.ipynb)."""

from __future__ import annotations

from typing import Any

from companion.exercises.feedback import judge_number, near


def check_imaging_hounsfield(answer: Any) -> bool:
    """Check the Hounsfield value of a tissue that attenuates 1.06 times as much as water.

    Examples
    --------
    >>> check_imaging_hounsfield(6)
    Not yet: HU = 1000 x (mu - mu_water) / (mu_water - mu_air), with mu_air taken as 0; mind the factor 1000.
    False
    """
    return judge_number(
        answer,
        right=near(1000 * (1.06 - 1), 0.5),
        praise="6 % more attenuation than water is 6 % of the 1000 HU between air and water: soft tissue or blood.",
        not_a_number="give one number, the value in HU (for example an int or a float).",
        otherwise="HU = 1000 x (mu - mu_water) / (mu_water - mu_air), with mu_air taken as 0; mind the factor 1000.",
    )
