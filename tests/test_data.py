"""Shipped data: manifest, hash check, the Pima loader."""

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from companion import data

ROOT = Path(__file__).resolve().parents[1]
REQUIRED_KEYS = {"file", "sha256", "rows", "columns", "description", "source", "citation", "bibtex_key", "licence"}


@pytest.fixture
def data_copy(tmp_path):
    """A private copy of the shipped data folder that a test may damage."""
    for name in data.available():
        shutil.copy(data.DATA_DIR / data.info(name)["file"], tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", data.available())
def test_manifest_entry_is_complete_and_true(name):
    entry = data.info(name)
    assert REQUIRED_KEYS <= entry.keys()
    path = data.DATA_DIR / entry["file"]
    assert data.sha256(path) == entry["sha256"]
    frame = pd.read_csv(path)
    assert len(frame) == entry["rows"]
    assert list(frame.columns) == entry["columns"]
    bibliography = (ROOT / "book" / "references.bib").read_text()
    assert re.search(rf"@\w+\{{{entry['bibtex_key']},", bibliography), "citation missing from references.bib"


def test_every_file_in_the_data_folder_is_in_the_manifest():
    shipped = {p.name for p in data.DATA_DIR.iterdir() if p.suffix in {".csv", ".npz", ".json"}}
    assert shipped - {"manifest.json"} == {entry["file"] for entry in data.manifest().values()}


def test_pima_matches_the_published_description():
    pima = data.load_pima()
    assert pima.shape == (768, 9)
    assert list(pima.columns) == [*data.PIMA_FEATURES, "diabetes"]
    assert pima["diabetes"].value_counts().to_dict() == {0: 500, 1: 268}
    assert pima["age"].min() == 21  # the study included women aged 21 or over
    assert not pima.isna().any().any()


def test_pima_impossible_zeros_become_missing():
    raw = data.load_pima()
    clean = data.load_pima(zeros_as_missing=True)
    # The counts usually quoted for this dataset.
    expected = {"glucose": 5, "blood_pressure": 35, "skin_thickness": 227, "insulin": 374, "bmi": 11}
    assert clean[data.PIMA_IMPOSSIBLE_ZEROS].isna().sum().to_dict() == expected
    for column in data.PIMA_IMPOSSIBLE_ZEROS:
        np.testing.assert_array_equal(clean[column].isna(), raw[column] == 0)
    untouched = ["pregnancies", "diabetes_pedigree", "age", "diabetes"]
    pd.testing.assert_frame_equal(clean[untouched], raw[untouched])
    assert (raw["pregnancies"] == 0).sum() > 0  # zero pregnancies is a real value and stays


def test_tampered_file_is_refused(data_copy):
    path = data_copy / data.info("pima_diabetes")["file"]
    text = path.read_text()
    path.write_text(text.replace("148", "149", 1))
    with pytest.raises(ValueError, match="SHA-256 .* expected .* modified or corrupted"):
        data.load_pima(directory=data_copy)
    assert data.verify_all(data_copy)["pima_diabetes"] != "ok"


LOADERS = {
    "pima_diabetes": data.load_pima,
    "hepatic_injury": data.load_hepatic_injury,
    "solubility": data.load_solubility,
    "freesolv": data.load_freesolv,
    "approved_drugs": data.load_approved_drugs,
    "clintox": data.load_clintox,
}


def test_every_shipped_dataset_has_a_loader_here():
    assert sorted(LOADERS) == data.available()


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_every_loader_refuses_a_file_with_a_line_added(name, tmp_path):
    copy = tmp_path / data.info(name)["file"]
    shutil.copy(data.DATA_DIR / copy.name, copy)
    with copy.open("a") as handle:
        handle.write("0\n")
    with pytest.raises(ValueError, match="SHA-256"):
        LOADERS[name](directory=tmp_path)


def test_intact_copy_is_accepted(data_copy):
    assert data.verify_all(data_copy) == {name: "ok" for name in data.available()}
    assert len(data.load_pima(directory=data_copy)) == 768


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ValueError, match="is missing"):
        data.load_pima(directory=tmp_path)


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"^name must be one of \[.*'pima_diabetes'.*\], got 'pima'"):
        data.info("pima")


def test_wrong_shape_is_refused_even_with_a_matching_hash(tmp_path, monkeypatch):
    path = tmp_path / "small.csv"
    path.write_text("a,b\n1,2\n")
    entry = {"file": "small.csv", "sha256": data.sha256(path), "rows": 5, "columns": ["a", "b"]}
    monkeypatch.setattr(data, "manifest", lambda: {"small": entry})
    with pytest.raises(ValueError, match="expected 5 rows"):
        data._read_checked_csv("small", tmp_path)


def test_a_gap_in_a_column_that_must_be_complete_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "gappy.csv"
    path.write_text("smiles,y\nCCO,1\n,2\n")
    entry = {"file": "gappy.csv", "sha256": data.sha256(path), "rows": 2, "columns": ["smiles", "y"]}
    monkeypatch.setattr(data, "manifest", lambda: {"gappy": entry})
    assert len(data._read_checked_csv("gappy", tmp_path, complete=["y"])) == 2
    with pytest.raises(ValueError, match="dataset 'gappy': smiles must have no missing values"):
        data._read_checked_csv("gappy", tmp_path, complete=["smiles", "y"])


def test_zeros_as_missing_must_be_a_bool():
    with pytest.raises(ValueError, match="^zeros_as_missing must be True or False, got str 'yes'"):
        data.load_pima(zeros_as_missing="yes")


@pytest.mark.parametrize("directory", [3, None, b"data", ""])
def test_a_directory_that_is_not_a_path_is_a_value_error(directory):
    with pytest.raises(ValueError, match="^directory must be a folder path"):
        data.load_pima(directory=directory)
