"""Self-checks of the questions page (book/faq.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np

from companion.exercises.feedback import judge_number, near


def check_faq_events_per_variable(answer: Any) -> bool:
    """Events per variable of the clinical chapter's training set: women with diabetes over 8 features.

    Examples
    --------
    >>> check_faq_events_per_variable(57.5)
    Not yet: events are the patients with the rarer outcome (diabetes), not all the training patients.
    False
    """
    from companion import data

    events, n_train = _clinical_training_events(data.load_pima()["diabetes"].to_numpy())
    return judge_number(
        answer,
        right=near(events / 8, 0.05),
        praise="comfortable for logistic regression with 8 predictors; a network with 221 parameters wants more.",
        not_a_number="give one number, events per variable.",
        mistakes=[
            (near(n_train / 8, 0.05), "events are the patients with the rarer outcome (diabetes), not all the "
             "training patients."),
            (near((n_train - events) / 8, 0.05), "count the rarer outcome: women with diabetes, not without."),
        ],
        otherwise="count the women with diabetes among the training women (y_train.sum()) and divide by the "
        "features.",
    )


def _clinical_training_events(labels: np.ndarray) -> tuple[int, int]:
    """Women with diabetes and all women in the clinical chapter's training split (60 % of 768)."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(labels))
    rest, _ = train_test_split(rows, test_size=0.2, stratify=labels, random_state=0)
    train, _ = train_test_split(rest, test_size=0.25, stratify=labels[rest], random_state=0)
    return int(labels[train].sum()), len(train)
