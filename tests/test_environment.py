"""environment.yml must offer the conda reader the same packages as pyproject.toml."""

import re
import sys
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
# Installed by pip inside the conda environment, with a wheel chosen per platform.
PIP_ONLY = {"tensorflow", "tensorflow-cpu"}
# conda-forge names that differ from the package index's.
CONDA_TO_PYPI = {"python-build": "build"}


# Optional extras that the conda environment leaves out on purpose: deepchem's SymPy would move
# mpmath below the version the rest of the course is locked to.
OPTIONAL_ONLY = {"deepchem"}


def pyproject_requirements() -> dict[str, SpecifierSet]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = {name: texts for name, texts in project["optional-dependencies"].items() if name not in OPTIONAL_ONLY}
    texts = project["dependencies"] + [text for extra in extras.values() for text in extra]
    requirements = (Requirement(text) for text in texts)
    return {canonicalize_name(r.name): r.specifier for r in requirements if r.name not in PIP_ONLY}


def conda_requirements() -> dict[str, SpecifierSet]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    entries = [e for e in environment["dependencies"] if isinstance(e, str)]
    entries += [line for e in environment["dependencies"] if isinstance(e, dict) for line in e.get("pip", [])]
    found = {}
    for entry in entries:
        if entry.startswith("-e"):
            continue  # the course package itself
        name, spec = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", entry).groups()
        if name not in {"python", "pip"}:
            found[canonicalize_name(CONDA_TO_PYPI.get(name, name))] = SpecifierSet(spec)
    return found


def test_environment_lists_the_same_packages_as_pyproject():
    assert conda_requirements().keys() == pyproject_requirements().keys()


def test_environment_uses_the_same_version_ranges_as_pyproject():
    conda, pip = conda_requirements(), pyproject_requirements()
    different = {name: (str(conda[name]), str(pip[name])) for name in pip if conda.get(name) != pip[name]}
    assert not different, f"ranges differ (environment.yml, pyproject.toml): {different}"


def test_environment_installs_the_course_package_with_its_extras():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict)]
    installs = [line for section in pip_sections for line in section]
    assert any(line.startswith("-e .[tensorflow,lab,classroom,book,dev]") for line in installs)


def test_same_python_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(e for e in environment["dependencies"] if isinstance(e, str) and e.startswith("python"))
    assert SpecifierSet(python.removeprefix("python")) == SpecifierSet(project["requires-python"])
