"""companion.chem against RDKit's own functions, hand-checked molecules and the scaffold rule."""

import shutil

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import AllChem
from rdkit.Chem.Scaffolds import MurckoScaffold

from companion import chem, data

DRUG_LIKE = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
             "OC(=O)c1ccccc1O", "c1ccc2ccccc2c1", "CCO", "CCN(CC)CC", "c1ccncc1", "C1CCNCC1", "CC(=O)Nc1ccc(O)cc1"]


@pytest.mark.parametrize("bad", ["", "   ", "C1CC", "not a molecule", "C(C", "[Xx]"])
def test_invalid_or_empty_smiles_name_the_input(bad):
    with pytest.raises(ValueError, match="smiles") as error:
        chem.to_mol(bad)
    assert repr(bad) in str(error.value)


@pytest.mark.parametrize("bad", [None, 3, b"CCO", ["CCO"]])
def test_non_string_smiles_is_a_value_error(bad):
    with pytest.raises(ValueError, match="^smiles must be a non-empty string"):
        chem.to_mol(bad)


def test_a_bad_smiles_in_a_list_is_named_with_its_position():
    with pytest.raises(ValueError, match=r"position 2: smiles 'C1CC' is not a valid SMILES"):
        chem.morgan_fingerprints(["CCO", "CCN", "C1CC"])
    with pytest.raises(ValueError, match="one string"):
        chem.morgan_fingerprints("CCO")
    with pytest.raises(ValueError, match="empty sequence"):
        chem.descriptors([])


def test_rdkit_parse_errors_do_not_reach_stderr(capfd):
    with pytest.raises(ValueError, match="not a valid SMILES"):
        chem.to_mol("C1CC")
    chem.standardize("CC(=O)[O-].[Na+]")
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(("raw", "expected"), [
    ("CC(=O)[O-].[Na+]", "CC(=O)O"),  # sodium acetate -> acetic acid
    ("Cl.CN", "CN"),  # methylamine hydrochloride -> methylamine
    ("C[NH3+]", "CN"),  # protonated amine -> neutral
    ("OC(=O)c1ccccc1", "O=C(O)c1ccccc1"),  # already clean: only canonicalised
])
def test_standardize_keeps_the_largest_fragment_neutralised(raw, expected):
    assert chem.standardize(raw) == expected


def test_fingerprints_have_the_right_length_match_rdkit_and_are_deterministic():
    fingerprints = chem.morgan_fingerprints(DRUG_LIKE, radius=2, n_bits=1024)
    assert fingerprints.shape == (len(DRUG_LIKE), 1024)
    assert set(np.unique(fingerprints)) <= {0, 1}
    np.testing.assert_array_equal(fingerprints, chem.morgan_fingerprints(DRUG_LIKE, radius=2, n_bits=1024))
    # Independent: RDKit's older Morgan API gives the same bits.
    for row, smiles in zip(fingerprints, DRUG_LIKE, strict=True):
        reference = AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(smiles), 2, nBits=1024)
        assert set(np.flatnonzero(row)) == set(reference.GetOnBits())


def test_shorter_fingerprints_collide_more():
    drugs = data.load_approved_drugs()["smiles"].head(200)
    long, short = chem.morgan_fingerprints(drugs, n_bits=4096), chem.morgan_fingerprints(drugs, n_bits=64)
    assert short.sum(axis=1).mean() < long.sum(axis=1).mean()  # distinct environments folded onto fewer bits


def test_descriptors_of_aspirin_match_published_values():
    row = chem.descriptors(["CC(=O)Oc1ccccc1C(=O)O"]).iloc[0]
    assert row["molecular_weight"] == pytest.approx(180.16, abs=0.01)  # C9H8O4
    assert row["tpsa"] == pytest.approx(63.6, abs=0.1)  # PubChem: 63.6 square angstroms
    assert (row["h_donors"], row["h_acceptors"], row["rotatable_bonds"]) == (1, 4, 2)


def test_lipinski_counts_each_exceeded_limit():
    table = pd.DataFrame({"molecular_weight": [300, 501, 900], "logp": [1, 5.1, 7],
                          "h_donors": [2, 5, 6], "h_acceptors": [3, 10, 11]})
    assert chem.lipinski_violations(table).tolist() == [0, 2, 4]
    with pytest.raises(ValueError, match="logp"):
        chem.lipinski_violations(table.drop(columns="logp"))


def _solubility_smiles():
    return data.load_solubility()["smiles"].tolist()


def test_scaffold_split_is_deterministic_and_shares_no_scaffold():
    smiles = _solubility_smiles()
    first = chem.scaffold_split(smiles, (0.8, 0.1, 0.1))
    second = chem.scaffold_split(smiles, (0.8, 0.1, 0.1))
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert sorted(np.concatenate(first).tolist()) == list(range(len(smiles)))
    chem.check_scaffold_split(smiles, *first)
    # Independent check with RDKit's scaffold function directly.
    scaffolds = [{MurckoScaffold.MurckoScaffoldSmiles(s) for s in np.take(smiles, part)} for part in first]
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        assert not scaffolds[i] & scaffolds[j], (i, j)
    assert abs(len(first[0]) / len(smiles) - 0.8) < 0.05


def test_check_scaffold_split_catches_a_random_split():
    smiles = _solubility_smiles()
    order = np.random.default_rng(0).permutation(len(smiles))
    with pytest.raises(ValueError, match="scaffold"):
        chem.check_scaffold_split(smiles, order[:1000], order[1000:])
    with pytest.raises(ValueError, match="row 0 is in part 0 and in part 1"):
        chem.check_scaffold_split(smiles, [0, 1], [0])


@pytest.mark.parametrize("fractions", [(0.8, 0.3), (1.0,), (0.5, 0.5, 0.0), "0.8", (0.8, float("nan"))])
def test_scaffold_split_refuses_bad_fractions(fractions):
    with pytest.raises(ValueError, match="fraction"):
        chem.scaffold_split(["CCO", "c1ccccc1"], fractions)


def test_nearest_similarity_matches_rdkit_bulk_tanimoto():
    query, reference = DRUG_LIKE[:4], DRUG_LIKE[4:]
    fq, fr = chem.morgan_fingerprints(query, n_bits=512), chem.morgan_fingerprints(reference, n_bits=512)
    ours = chem.nearest_similarity(fq, fr)
    generator = AllChem.GetMorganGenerator(radius=2, fpSize=512)
    bits = [generator.GetFingerprint(Chem.MolFromSmiles(s)) for s in reference]
    expected = [max(DataStructs.BulkTanimotoSimilarity(generator.GetFingerprint(Chem.MolFromSmiles(s)), bits))
                for s in query]
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    assert chem.nearest_similarity(fq, fq).tolist() == [1.0] * 4
    with pytest.raises(ValueError, match="differ in length"):
        chem.nearest_similarity(fq, fr[:, :100])
    with pytest.raises(ValueError, match="0/1"):
        chem.nearest_similarity(fq * 2, fr)


def test_alerts_fire_on_known_toxicophores_and_not_on_clean_molecules():
    alerts = chem.structural_alerts([
        "c1ccccc1[N+](=O)[O-]",  # nitrobenzene: Brenk nitro group
        "O=C1C=CC(=O)C=C1",  # p-benzoquinone: PAINS/Brenk quinone
        "CCO",  # ethanol
        "CC(C)Cc1ccc(cc1)C(C)C(=O)O",  # ibuprofen
    ])
    assert "nitro_group" in alerts.loc[0, "brenk"]
    assert alerts.loc[1, "n_brenk"] + alerts.loc[1, "n_pains"] > 0
    assert alerts.loc[2, ["n_brenk", "n_pains"]].sum() == 0
    assert alerts.loc[3, ["n_brenk", "n_pains"]].sum() == 0
    assert (alerts["n_brenk"] == alerts["brenk"].map(len)).all()


@pytest.mark.parametrize(("loader", "name", "shape"), [
    (data.load_solubility, "solubility", (1282, 5)),
    (data.load_freesolv, "freesolv", (642, 4)),
    (data.load_approved_drugs, "approved_drugs", (1935, 1)),
])
def test_molecule_loaders_check_hash_and_parse(loader, name, shape, tmp_path):
    frame = loader()
    assert frame.shape == shape
    chem.morgan_fingerprints(frame["smiles"].head(50), n_bits=64)  # the SMILES are valid molecules
    entry = data.info(name)
    for key in ("sha256", "source", "citation", "bibtex_key", "licence", "description"):
        assert entry[key], key
    copy = tmp_path / entry["file"]
    shutil.copy(data.DATA_DIR / entry["file"], copy)
    with copy.open("a") as handle:
        handle.write("C,1\n")
    with pytest.raises(ValueError, match="SHA-256"):
        loader(directory=tmp_path)


def test_solubility_keeps_its_published_split_and_classes():
    frame = data.load_solubility()
    assert frame["split"].value_counts().to_dict() == {"train": 1025, "test": 257}
    low, high = frame["solubility_class"] == "low", frame["solubility_class"] == "high"
    assert frame.loc[low, "logS"].max() <= -3 < frame.loc[~low, "logS"].min()
    assert frame.loc[high, "logS"].min() > -1


def test_fingerprint_bits_are_the_folded_environments():
    for smiles in DRUG_LIKE:
        environments = chem.morgan_environments(smiles, radius=2)
        row = chem.morgan_fingerprints([smiles], radius=2, n_bits=64)[0]
        assert set(np.flatnonzero(row)) == {identifier % 64 for identifier in environments}
