"""Self-checks for the exercises: instant, offline feedback that never reveals the answer.

One module per chapter, named after the chapter's notebook (``companion.exercises.clinical_data``
for ``book/diagnosis/clinical_data.ipynb``), and :mod:`companion.exercises.feedback`, which
prints the verdicts and reads the answers for all of them. A chapter imports its checks from its
own module::

    from companion.exercises.clinical_data import check_cli_ppv

Every check is called ``check_<chapter>_<topic>(answer)``. It prints one line, ``"Correct: <why>"``
or ``"Not yet: <hint>"``, and returns ``True`` or ``False``. An answer of the wrong type or shape is
not an error: it gets a ``"Not yet: ..."`` line with a hint, never a traceback, because a learner's
first attempt is often a list where an array was expected, or ``None``.
"""
