"""nbgitpuller links: one URL that puts the course's notebooks into a learner's home on a JupyterHub.

A learner who opens the link logs in to the hub; nbgitpuller then clones the
branch into their home the first time, and on later visits merges the new
commits of the branch into their copy, keeping their own edits. The course
publishes two branches: ``notebooks`` (the reader's edition) and ``student``
(the student edition, without solutions or outputs).

The link has the form nbgitpuller documents::

    <hub>/hub/user-redirect/git-pull?repo=<repo>&branch=<branch>&urlpath=<path in the server>

>>> pull_link("https://hub.example.edu", branch="student")  # doctest: +NORMALIZE_WHITESPACE
'https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fdl-in-medicine%2Fdeep-learning-in-medicine&branch=student&targetpath=deep-learning-in-medicine-student&urlpath=lab%2Ftree%2Fdeep-learning-in-medicine-student'
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from companion import validation

#: The course's public repository, which carries the published branches.
COURSE_REPOSITORY = "https://github.com/dl-in-medicine/deep-learning-in-medicine"

#: The published branches: the reader's edition and the student edition.
BRANCHES = {"notebooks": "the reader's edition", "student": "the student edition (no solutions, no outputs)"}


def folder_name(repository: str, branch: str) -> str:
    """The folder in the learner's home that the branch is cloned into: one per branch, so both can coexist.

    >>> folder_name("https://github.com/dl-in-medicine/deep-learning-in-medicine.git", "notebooks")
    'deep-learning-in-medicine-notebooks'
    """
    name = urlsplit(repository).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "course"
    return f"{name}-{branch}"


def pull_link(hub: str, *, repository: str = COURSE_REPOSITORY, branch: str = "student", interface: str = "lab") -> str:
    """The nbgitpuller link that clones ``branch`` of ``repository`` and opens it in JupyterLab (or ``tree``).

    ``hub`` is the hub's address (``https://hub.example.edu``, with a path prefix if the hub has one);
    ``repository`` any URL or path that ``git clone`` accepts on the hub's machine.
    """
    hub = validation.text("hub", hub).rstrip("/")
    if urlsplit(hub).scheme not in {"http", "https"} or not urlsplit(hub).netloc:
        raise ValueError(f"hub must be an http(s) address such as https://hub.example.edu, got {hub!r}")
    repository = validation.text("repository", repository)
    branch = validation.text("branch", branch)
    interface = validation.one_of("interface", interface, ["lab", "tree"])
    target = folder_name(repository, branch)
    path = f"lab/tree/{target}" if interface == "lab" else f"tree/{target}"
    query = urlencode({"repo": repository, "branch": branch, "targetpath": target, "urlpath": path})
    return f"{hub}/hub/user-redirect/git-pull?{query}"
