"""Datasets that ship with the course, verified against their manifest.

Every shipped file is listed in ``manifest.json`` beside this module with its
SHA-256, row count, columns, source, citation and licence. Loaders refuse a
file whose hash does not match, so a reader never trains on a corrupted or
silently edited copy.

Examples
--------
>>> from companion import data
>>> data.available()
['pima_diabetes']
>>> data.load_pima().shape
(768, 9)
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parent
MANIFEST_PATH = DATA_DIR / "manifest.json"

#: The eight clinical measurements of the Pima set, in the order of the source text's ``X``.
PIMA_FEATURES = [
    "pregnancies",
    "glucose",
    "blood_pressure",
    "skin_thickness",
    "insulin",
    "bmi",
    "diabetes_pedigree",
    "age",
]
#: Columns where a recorded 0 is physiologically impossible and really means "not measured".
PIMA_IMPOSSIBLE_ZEROS = ["glucose", "blood_pressure", "skin_thickness", "insulin", "bmi"]


@cache
def manifest() -> dict[str, dict]:
    """Return the manifest: one entry per dataset name."""
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


def available() -> list[str]:
    """Names of the datasets that ship with the course."""
    return sorted(manifest())


def info(name: str) -> dict:
    """Return the manifest entry of dataset ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a shipped dataset; the message lists the known names.
    """
    entries = manifest()
    if name not in entries:
        raise ValueError(f"unknown dataset {name!r}; expected one of {available()}")
    return entries[name]


def sha256(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def verified_path(name: str, directory: Path = DATA_DIR) -> Path:
    """Path of dataset ``name`` in ``directory`` after checking its SHA-256.

    Raises
    ------
    ValueError
        If the name is unknown, the file is missing, or its hash differs from
        the manifest (the file was changed or corrupted).
    """
    entry = info(name)
    path = Path(directory) / entry["file"]
    if not path.is_file():
        raise ValueError(f"dataset {name!r}: file {path} is missing; reinstall the course package")
    digest = sha256(path)
    if digest != entry["sha256"]:
        raise ValueError(
            f"dataset {name!r}: {path} has SHA-256 {digest}, expected {entry['sha256']} "
            "from the manifest; the file was modified or corrupted, restore it with git or reinstall"
        )
    return path


def verify_all(directory: Path = DATA_DIR) -> dict[str, str]:
    """Check every shipped file; return ``{name: "ok" or the error message}``."""
    report = {}
    for name in available():
        try:
            verified_path(name, directory)
            report[name] = "ok"
        except ValueError as error:
            report[name] = str(error)
    return report


def _read_checked_csv(name: str, directory: Path) -> pd.DataFrame:
    """Read a verified CSV and check it has the manifest's rows and columns."""
    entry = info(name)
    frame = pd.read_csv(verified_path(name, directory))
    if list(frame.columns) != entry["columns"] or len(frame) != entry["rows"]:
        raise ValueError(
            f"dataset {name!r}: expected {entry['rows']} rows with columns {entry['columns']}, "
            f"got {len(frame)} rows with columns {list(frame.columns)}"
        )
    return frame


def load_pima(zeros_as_missing: bool = False, directory: Path = DATA_DIR) -> pd.DataFrame:
    """Load the Pima Indians Diabetes data (768 patients, 8 features, 1 label).

    Parameters
    ----------
    zeros_as_missing : bool, default False
        The raw data record "not measured" as 0 in glucose, blood pressure,
        skin-fold thickness, insulin and BMI, values no living patient can
        have. ``False`` returns the data as published (as the source text
        feeds it to Keras); ``True`` replaces those zeros by NaN so that they
        can be counted and imputed honestly.
    directory : path, optional
        Folder holding the file; defaults to the package's own data folder.

    Returns
    -------
    pandas.DataFrame
        One row per woman (Pima heritage, aged 21 or over) with columns
        ``pregnancies`` (count), ``glucose`` (mg/dL, 2 h after an oral glucose
        load), ``blood_pressure`` (diastolic, mm Hg), ``skin_thickness``
        (triceps skin fold, mm), ``insulin`` (2 h serum insulin, µU/mL),
        ``bmi`` (kg/m²), ``diabetes_pedigree`` (a family-history score),
        ``age`` (years) and ``diabetes`` (1 if diabetes was diagnosed within
        five years, else 0).

    Examples
    --------
    >>> frame = load_pima(zeros_as_missing=True)
    >>> int(frame["insulin"].isna().sum())
    374
    """
    if not isinstance(zeros_as_missing, bool):
        raise TypeError(f"zeros_as_missing must be True or False, got {zeros_as_missing!r}")
    frame = _read_checked_csv("pima_diabetes", directory)
    if zeros_as_missing:
        columns = PIMA_IMPOSSIBLE_ZEROS
        frame[columns] = frame[columns].astype(float).mask(frame[columns] == 0)
    return frame
