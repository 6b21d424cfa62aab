"""Tests of later CI stages are deselected, not skipped, until their stage sets its variable (conftest.py)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def collect(path: str, **variables: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CHECK_")} | variables
    result = subprocess.run(
        [sys.executable, "-m", "pytest", path, "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    return result.stdout


def test_a_later_stage_is_deselected_until_its_variable_is_set():
    outside = collect("tests/test_built_site.py")
    assert re.search(r"no tests collected \(\d+ deselected\)", outside), outside[-300:]
    inside = collect("tests/test_built_site.py", CHECK_BUILT_SITE="1")
    assert re.search(r"^\d+ tests collected", inside, re.M), inside[-300:]
