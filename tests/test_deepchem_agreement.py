"""DeepChem's ECFP featuriser and scaffold splitter agree with companion.chem (only where DeepChem is installed).

DeepChem is an optional extra (``pip install -e ".[deepchem]"``); without it these tests are skipped.
"""

from collections import defaultdict

import numpy as np
import pytest

from companion import chem, data

dc = pytest.importorskip("deepchem", reason="DeepChem is not installed: pip install -e '.[deepchem]'")

SMILES = data.load_clintox()["smiles_standardized"].iloc[::5].tolist()  # about 300 drugs


@pytest.mark.parametrize(("radius", "size"), [(2, 2048), (3, 1024)])
def test_circular_fingerprint_has_the_same_bits_as_morgan_fingerprints(radius, size):
    theirs = dc.feat.CircularFingerprint(radius=radius, size=size).featurize(SMILES)
    ours = chem.morgan_fingerprints(SMILES, radius=radius, n_bits=size)
    assert theirs.shape == ours.shape
    np.testing.assert_array_equal(theirs.astype(np.uint8), ours)


def test_scaffold_splitter_groups_molecules_by_the_same_scaffolds():
    dataset = dc.data.NumpyDataset(X=np.zeros((len(SMILES), 1)), ids=np.array(SMILES))
    theirs = dc.splits.ScaffoldSplitter().generate_scaffolds(dataset)
    ours = defaultdict(list)
    for index, smiles in enumerate(SMILES):
        ours[chem.murcko_scaffold(smiles)].append(index)
    # the same partition of the molecules; the order of the groups may differ
    assert sorted(map(sorted, theirs)) == sorted(map(sorted, ours.values()))


def test_scaffold_splitter_keeps_each_scaffold_in_one_part():
    dataset = dc.data.NumpyDataset(X=np.zeros((len(SMILES), 1)), ids=np.array(SMILES))
    train, valid, test = dc.splits.ScaffoldSplitter().split(dataset, frac_train=0.8, frac_valid=0.1, frac_test=0.1)
    chem.check_scaffold_split(SMILES, train, valid, test)
