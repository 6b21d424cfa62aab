"""Self-checks of the chapter "Clinical data" (book/diagnosis/clinical_data.ipynb)."""

from __future__ import annotations

from typing import Any

from companion.exercises.feedback import PERCENTAGE_HINT, judge_number, looks_like_percentage, near


def check_cli_ppv(answer: Any) -> bool:
    """PPV of a test with sensitivity 90 % and specificity 80 % at a prevalence of 2 %.

    The answer is a fraction between 0 and 1, right within 0.002 of Bayes' theorem.

    Examples
    --------
    >>> check_cli_ppv(0.9)
    Not yet: ...
    False
    """
    from companion.evaluation import predictive_values

    test_property = "that is a property of the test; the PPV asks: among the people flagged, what fraction are ill?"
    return judge_number(
        answer,
        right=near(float(predictive_values(0.9, 0.8, 0.02)[0]), 2e-3),
        praise="at a low prevalence most positive results are false alarms, even with a test that sounds good.",
        not_a_number="give one number, the PPV as a fraction between 0 and 1.",
        mistakes=[
            (looks_like_percentage, PERCENTAGE_HINT),
            (near(0.9, 1e-3), test_property),
            (near(0.8, 1e-3), test_property),
            (lambda value: value > 0.5, "count the flagged people in both groups: most of the 1,000 are healthy, "
             "and 20 % of them are flagged."),
        ],
        otherwise="PPV = true positives / (true positives + false positives); count both among 1,000 people.",
    )
