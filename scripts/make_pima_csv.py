"""Re-derive ``companion/data/pima_diabetes.csv`` from Debian's R package mlbench.

No Python package ships the 768-row Pima Indians Diabetes set, but Debian's
``r-cran-mlbench`` does, as an R data file. This script turns that file into
the CSV the course ships and prints the SHA-256 to record in the manifest.

Usage (needs ``pip install rdata``; the course itself does not)::

    apt-get download r-cran-mlbench
    dpkg-deb -x r-cran-mlbench_*.deb mlbench-deb
    python scripts/make_pima_csv.py \
        mlbench-deb/usr/lib/R/site-library/mlbench/data/PimaIndiansDiabetes.rda

The result is byte-identical on every run: columns are renamed to explicit
names, integral columns are written as integers and the label as 0/1.
"""

import argparse
import hashlib
from pathlib import Path

import rdata

# mlbench's short names -> the names the course uses.
COLUMNS = {
    "pregnant": "pregnancies",
    "glucose": "glucose",
    "pressure": "blood_pressure",
    "triceps": "skin_thickness",
    "insulin": "insulin",
    "mass": "bmi",
    "pedigree": "diabetes_pedigree",
    "age": "age",
    "diabetes": "diabetes",
}
INTEGER_COLUMNS = ["pregnancies", "glucose", "blood_pressure", "skin_thickness", "insulin", "age"]
OUTPUT = Path(__file__).resolve().parents[1] / "companion" / "data" / "pima_diabetes.csv"


def convert(rda_path: Path, output: Path = OUTPUT) -> str:
    """Write the CSV and return its SHA-256."""
    frame = rdata.read_rda(str(rda_path))["PimaIndiansDiabetes"]
    frame = frame.rename(columns=COLUMNS)[list(COLUMNS.values())]
    frame["diabetes"] = (frame["diabetes"].astype(str) == "pos").astype(int)
    frame[INTEGER_COLUMNS] = frame[INTEGER_COLUMNS].astype(int)
    frame.to_csv(output, index=False, lineterminator="\n")
    return hashlib.sha256(output.read_bytes()).hexdigest()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rda", type=Path, help="path to mlbench's PimaIndiansDiabetes.rda")
    args = parser.parse_args()
    digest = convert(args.rda)
    print(f"wrote {OUTPUT} sha256={digest}")
