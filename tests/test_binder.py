"""Binder and the instructors' page install the same wheel as the reader's edition's first cell.

Binder builds the branch `notebooks` from binder/: the companion with its run-time dependencies,
TensorFlow and JupyterLab, and none of the book, build or test tools.
"""

import re
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from companion import DISTRIBUTION, edition

ROOT = Path(__file__).resolve().parents[1]
SITE = yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["baseurl"]


def binder_requirements() -> list[Requirement]:
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def test_binder_installs_this_version_of_the_published_wheel_with_runtime_extras_only():
    (companion,) = binder_requirements()
    assert companion.name == DISTRIBUTION
    assert companion.url == edition.wheel_url(SITE)
    assert companion.extras == {"tensorflow", "lab"}


def test_binder_python_is_the_lock_python():
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_instructors_page_names_the_same_wheel():
    urls = re.findall(r"https://\S+\.whl", (ROOT / "book" / "instructors.md").read_text())
    assert urls == [edition.wheel_url(SITE)]
