"""Toxicity data: the shipped liver-injury file and the Tox21 download loader (never over the network)."""

import gzip
import hashlib

import numpy as np
import pandas as pd
import pytest

from companion import data


def test_hepatic_injury_matches_the_published_description():
    frame = data.load_hepatic_injury()
    assert frame.shape == (281, 377)
    assert sum(column.startswith("bio_assay_") for column in frame.columns) == 184
    assert sum(column.startswith("chem_fp_") for column in frame.columns) == 192
    assert frame["injury"].cat.categories.tolist() == ["none", "mild", "severe"]
    assert frame["injury"].cat.ordered
    assert frame["injury"].value_counts().to_dict() == {"mild": 145, "none": 106, "severe": 30}
    assert not frame.isna().any().any()
    assert frame.filter(like="bio_assay_").to_numpy().min() >= 0
    assert frame.filter(like="bio_assay_").to_numpy().max() <= 10


def test_hepatic_injury_manifest_entry_is_complete():
    entry = data.info("hepatic_injury")
    for key in ("sha256", "rows", "columns", "source", "citation", "bibtex_key", "licence", "description"):
        assert entry[key], key
    assert entry["rows"] == 281
    assert entry["columns"][-1] == "injury"



def _write_tox21_fixture(folder, labels):
    """A tiny tox21.csv.gz with MoleculeNet's columns; return its SHA-256 for the loader."""
    frame = pd.DataFrame(labels, columns=data.TOX21_TASKS)
    frame["mol_id"] = [f"TOX{i}" for i in range(len(frame))]
    frame["smiles"] = ["CCO", "c1ccccc1", "CC(=O)Oc1ccccc1C(=O)O"][: len(frame)]
    path = folder / "tox21.csv.gz"
    with gzip.open(path, "wt", newline="") as handle:
        frame.to_csv(handle, index=False)
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


LABELS = [
    [1, 0, np.nan, 0, 0, 0, 0, 1, 0, 0, 1, 0],
    [0, np.nan, np.nan, 0, 1, 0, 0, 0, 0, np.nan, 0, 0],
    [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, np.nan],
]


def test_tox21_loads_the_cached_file_without_network(tmp_path, socket_disabled):
    known_hash = _write_tox21_fixture(tmp_path, LABELS)
    frame = data.load_tox21(tmp_path, known_hash=known_hash)
    assert list(frame.columns[:12]) == data.TOX21_TASKS
    assert frame.shape == (3, 14)
    np.testing.assert_array_equal(frame[data.TOX21_TASKS].to_numpy(), np.array(LABELS, dtype=float))
    assert frame["smiles"].tolist()[0] == "CCO"


def test_tox21_uses_companion_data_dir(tmp_path, monkeypatch, socket_disabled):
    known_hash = _write_tox21_fixture(tmp_path, LABELS)
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
    assert data.data_cache_dir() == tmp_path
    assert len(data.load_tox21(known_hash=known_hash)) == 3


def test_tox21_rejects_a_file_with_another_hash(tmp_path, socket_disabled):
    _write_tox21_fixture(tmp_path, LABELS)
    with pytest.raises(ValueError, match="expected 0000"):
        data.load_tox21(tmp_path, known_hash="sha256:" + "0" * 64)
    with pytest.raises(ValueError, match="known_hash"):
        data.load_tox21(tmp_path, known_hash="no-algorithm")


def test_tox21_refuses_to_download_when_told_not_to(tmp_path, socket_disabled):
    with pytest.raises(ValueError, match="download=False"):
        data.load_tox21(tmp_path / "empty", download=False)


def test_tox21_rejects_wrong_columns_and_labels(tmp_path, socket_disabled):
    bad = [[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]
    known_hash = _write_tox21_fixture(tmp_path, bad)
    with pytest.raises(ValueError, match="only 0, 1 or missing"):
        data.load_tox21(tmp_path, known_hash=known_hash)
    frame = pd.DataFrame({"smiles": ["CCO"], "NR-AR": [1]})
    path = tmp_path / "tox21.csv.gz"
    with gzip.open(path, "wt", newline="") as handle:
        frame.to_csv(handle, index=False)
    known_hash = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="lacks the columns"):
        data.load_tox21(tmp_path, known_hash=known_hash)


def test_tox21_pins_the_canonical_moleculenet_file():
    assert data.TOX21_URL == "https://deepchemdata.s3-us-west-1.amazonaws.com/datasets/tox21.csv.gz"
    algorithm, digest = data.TOX21_KNOWN_HASH.split(":")
    assert algorithm in {"md5", "sha256"}
    assert len(digest) == {"md5": 32, "sha256": 64}[algorithm]
    assert len(data.TOX21_TASKS) == 12
