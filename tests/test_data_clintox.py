"""The shipped ClinTox file: counts, the standardised SMILES, and the artefacts the chapter teaches."""



from companion import chem, data


def test_clintox_has_the_published_counts():
    frame = data.load_clintox()
    assert frame.shape == (1478, 3)
    assert frame["ct_tox"].value_counts().to_dict() == {0: 1366, 1: 112}
    assert frame["ct_tox"].dtype.kind == "i"


def test_standardized_smiles_are_what_standardize_gives():
    frame = data.load_clintox()
    sample = frame.iloc[::37]
    assert [chem.standardize(smiles) for smiles in sample["smiles"]] == sample["smiles_standardized"].tolist()


def test_the_source_artefacts_the_chapter_reports_are_there():
    frame = data.load_clintox()
    charged = frame["smiles"].str.contains(r"\+|-\]")
    # approved drugs were drawn mostly as charged species, failed ones mostly neutral
    assert charged[frame["ct_tox"] == 0].mean() > 0.5 > 0.1 > charged[frame["ct_tox"] == 1].mean()
    labels = frame.groupby("smiles_standardized")["ct_tox"].nunique()
    assert (labels > 1).sum() > 0  # some drugs carry both labels
