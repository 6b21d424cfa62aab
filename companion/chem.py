"""Molecules as data: SMILES, RDKit features, scaffold splits, similarity and alerts.

Everything chemical is done by RDKit; this module adds the checks a chapter
needs (a bad SMILES names itself), a deterministic Bemis-Murcko scaffold split
with a function that proves it, and the nearest-neighbour similarity used to
judge a model's applicability domain.

Examples
--------
>>> standardize("CC(=O)[O-].[Na+]")  # sodium acetate: keep the acetate, neutralised
'CC(=O)O'
>>> morgan_fingerprints(["CCO", "c1ccccc1O"], n_bits=64).shape
(2, 64)
>>> murcko_scaffold("CC(=O)Oc1ccccc1C(=O)O")  # aspirin's scaffold is benzene
'c1ccccc1'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np
import pandas as pd
from rdkit import Chem, rdBase
from rdkit.Chem import Crippen, Descriptors, Lipinski, rdFingerprintGenerator, rdMolDescriptors
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams
from rdkit.Chem.MolStandardize import rdMolStandardize
from rdkit.Chem.Scaffolds import MurckoScaffold

from companion.validation import positive_int, split_fractions, text

#: The descriptors of :func:`descriptors`: column name -> RDKit function of a molecule.
#: Donors and acceptors are counted as Lipinski did (N-H and O-H bonds; N and O atoms).
DESCRIPTORS = {
    "molecular_weight": Descriptors.MolWt,  # g/mol, average isotopic masses
    "logp": Crippen.MolLogP,  # Wildman-Crippen estimate of the octanol-water partition
    "tpsa": rdMolDescriptors.CalcTPSA,  # topological polar surface area, square angstroms
    "h_donors": Lipinski.NHOHCount,
    "h_acceptors": Lipinski.NOCount,
    "rotatable_bonds": rdMolDescriptors.CalcNumRotatableBonds,
}

#: Lipinski's rule of five: the upper limit of each property for good oral absorption.
LIPINSKI_LIMITS = {"molecular_weight": 500.0, "logp": 5.0, "h_donors": 5, "h_acceptors": 10}


def to_mol(smiles: str) -> Chem.Mol:
    """Parse one SMILES string into an RDKit molecule, or say why it cannot be parsed.

    Parameters
    ----------
    smiles : str
        A SMILES string such as ``"CCO"`` (ethanol).

    Returns
    -------
    rdkit.Chem.Mol

    Raises
    ------
    ValueError
        If ``smiles`` is not a string, is empty or is not a valid molecule
        (RDKit's own parse message is silenced: this one names the input).

    Examples
    --------
    >>> to_mol("c1ccccc1").GetNumAtoms()
    6
    >>> to_mol("C1CC")
    Traceback (most recent call last):
    ...
    ValueError: smiles 'C1CC' is not a valid SMILES: RDKit cannot parse it into a molecule
    """
    if not text("smiles", smiles).strip():
        raise ValueError(f"smiles is empty ({smiles!r}): expected a molecule such as 'CCO'")
    with rdBase.BlockLogs():  # RDKit would also print its parse error to stderr
        mol = Chem.MolFromSmiles(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        raise ValueError(f"smiles {smiles!r} is not a valid SMILES: RDKit cannot parse it into a molecule")
    return mol


def _mols(smiles: Iterable[str]) -> list[Chem.Mol]:
    """Parse a sequence of SMILES; the error names the position of a bad one."""
    if isinstance(smiles, (str, bytes)):
        raise ValueError(f"smiles must be a sequence of SMILES strings, got one string {smiles!r}: wrap it in a list")
    if not isinstance(smiles, Iterable):
        raise ValueError(f"smiles must be a sequence of SMILES strings, got {type(smiles).__name__}")
    mols = []
    for position, item in enumerate(smiles):
        try:
            mols.append(to_mol(item))
        except ValueError as error:
            raise ValueError(f"at position {position}: {error}") from None
    if not mols:
        raise ValueError("smiles must hold at least one SMILES string, got an empty sequence")
    return mols


@cache
def _standardizers() -> tuple:
    return rdMolStandardize.LargestFragmentChooser(), rdMolStandardize.Uncharger()


def standardize(smiles: str) -> str:
    """The canonical SMILES of a molecule's largest fragment, cleaned up and neutralised.

    Registered drugs are often salts (a hydrochloride, a sodium salt) and
    databases draw the same molecule with different charges; features of
    the counter-ion or of a charge state would make identical drugs look
    different. This uses RDKit's MolStandardize: ``Cleanup`` (normalise
    functional groups), keep the largest fragment, then neutralise.

    Parameters
    ----------
    smiles : str

    Returns
    -------
    str
        RDKit canonical SMILES.

    Examples
    --------
    >>> standardize("Br.CC(N)Cc1ccc(O)cc1")  # hydroxyamphetamine hydrobromide
    'CC(N)Cc1ccc(O)cc1'
    """
    mol = to_mol(smiles)
    chooser, uncharger = _standardizers()
    with rdBase.BlockLogs():  # MolStandardize logs each step it runs
        mol = uncharger.uncharge(chooser.choose(rdMolStandardize.Cleanup(mol)))
    return Chem.MolToSmiles(mol)


def morgan_fingerprints(smiles: Iterable[str], radius: int = 2, n_bits: int = 2048) -> np.ndarray:
    """Morgan (circular, ECFP-like) fingerprints as a 0/1 matrix, one row per molecule.

    Each atom's neighbourhood up to ``radius`` bonds is hashed to an
    identifier, and each identifier sets one of ``n_bits`` bits. Different
    neighbourhoods can land on the same bit (a collision), more often the
    shorter the fingerprint. Radius 2 corresponds to ECFP4.

    Parameters
    ----------
    smiles : sequence of str
    radius : int, default 2
    n_bits : int, default 2048

    Returns
    -------
    numpy.ndarray of uint8, shape (n_molecules, n_bits)

    Examples
    --------
    >>> fingerprints = morgan_fingerprints(["CCO", "CCN"], radius=1, n_bits=128)
    >>> fingerprints.dtype, fingerprints.sum(axis=1).tolist()
    (dtype('uint8'), [6, 6])
    """
    radius = positive_int("radius", radius)
    n_bits = positive_int("n_bits", n_bits)
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)
    return np.array([generator.GetFingerprintAsNumPy(mol) for mol in _mols(smiles)], dtype=np.uint8)


def morgan_environments(smiles: str, radius: int = 2) -> set[int]:
    """The distinct Morgan environment identifiers of one molecule, before folding onto bits.

    :func:`morgan_fingerprints` sets bit ``identifier % n_bits`` for each of
    these; comparing their number with the bits set shows the collisions.

    Examples
    --------
    >>> len(morgan_environments("CCO", radius=1))  # 3 atoms, and 3 neighbourhoods of radius 1
    6
    """
    radius = positive_int("radius", radius)
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius)
    return set(generator.GetSparseCountFingerprint(to_mol(smiles)).GetNonzeroElements())


def descriptors(smiles: Iterable[str]) -> pd.DataFrame:
    """The six physicochemical descriptors of :data:`DESCRIPTORS`, one row per molecule.

    Examples
    --------
    >>> descriptors(["CC(=O)Oc1ccccc1C(=O)O"]).round(1).iloc[0].to_dict()  # aspirin
    {'molecular_weight': 180.2, 'logp': 1.3, 'tpsa': 63.6, 'h_donors': 1.0, 'h_acceptors': 4.0, 'rotatable_bonds': 2.0}
    """
    return pd.DataFrame([{name: function(mol) for name, function in DESCRIPTORS.items()} for mol in _mols(smiles)])


def lipinski_violations(table: pd.DataFrame) -> pd.Series:
    """How many of Lipinski's four limits each molecule exceeds.

    The rule of five says poor oral absorption is more likely when a
    molecule exceeds more than one limit (:data:`LIPINSKI_LIMITS`). It is a
    rule of thumb for oral drugs: many antibiotics, natural products and
    injected drugs break it.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`descriptors` (at least the four limited columns).

    Returns
    -------
    pandas.Series of int, 0 to 4

    Examples
    --------
    >>> lipinski_violations(descriptors(["CC(=O)Oc1ccccc1C(=O)O", "C" * 40])).tolist()  # aspirin; C40H82: heavy, greasy
    [0, 2]
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be the DataFrame returned by descriptors(), got {type(table).__name__}")
    missing = [column for column in LIPINSKI_LIMITS if column not in table.columns]
    if missing:
        raise ValueError(f"table lacks the columns {missing}; pass the DataFrame returned by descriptors()")
    return sum((table[column] > limit).astype(int) for column, limit in LIPINSKI_LIMITS.items()).rename(
        "lipinski_violations"
    )


def murcko_scaffold(smiles: str) -> str:
    """The Bemis-Murcko scaffold: ring systems and the chains linking them, side chains removed.

    An acyclic molecule has the empty scaffold ``""``.

    Examples
    --------
    >>> murcko_scaffold("CCO")
    ''
    """
    return MurckoScaffold.MurckoScaffoldSmiles(mol=to_mol(smiles))


def scaffold_split(smiles: Sequence[str], fractions: Sequence[float] = (0.8, 0.2)) -> tuple[np.ndarray, ...]:
    """Split molecules so that no Bemis-Murcko scaffold is in two parts.

    Molecules are grouped by scaffold; the groups, largest first (ties by
    scaffold SMILES, so the split is deterministic), fill the first part up
    to its fraction, then the next. Common scaffolds therefore end up in
    training and the test set holds rarer chemistry: a harder and more honest
    test of a model meant for new compounds than a random split, where close
    analogues of each test molecule sit in the training set. The first part
    may be a little larger than its fraction because a group is never cut.

    Parameters
    ----------
    smiles : sequence of str
    fractions : sequence of float, default (0.8, 0.2)
        Target sizes of the parts (for example train, validation, test),
        each in (0, 1), summing to 1.

    Returns
    -------
    tuple of numpy.ndarray
        Sorted row indices of each part.

    Examples
    --------
    >>> smiles = ["c1ccccc1O", "c1ccccc1N", "c1ccccc1C", "C1CCCCC1O", "CCO"]
    >>> [part.tolist() for part in scaffold_split(smiles, (0.6, 0.4))]  # benzenes stay together
    [[0, 1, 2], [3, 4]]
    """
    sizes = split_fractions("fractions", fractions)
    groups: dict[str, list[int]] = defaultdict(list)
    for index, mol in enumerate(_mols(smiles)):
        groups[MurckoScaffold.MurckoScaffoldSmiles(mol=mol)].append(index)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    n = sum(len(members) for _, members in ordered)
    limits = np.cumsum(sizes) * n
    parts: list[list[int]] = [[] for _ in sizes]
    filled, part = 0, 0
    for _, members in ordered:
        while part < len(sizes) - 1 and filled >= limits[part] - 1e-9:
            part += 1
        parts[part].extend(members)
        filled += len(members)
    return tuple(np.array(sorted(members), dtype=int) for members in parts)


def check_scaffold_split(smiles: Sequence[str], *parts: Sequence[int]) -> None:
    """Raise if two parts share a molecule or a scaffold; return None if the split is clean.

    Examples
    --------
    >>> smiles = ["c1ccccc1O", "c1ccccc1N", "CCO"]
    >>> check_scaffold_split(smiles, [0, 1], [2])
    >>> check_scaffold_split(smiles, [0, 2], [1])
    Traceback (most recent call last):
    ...
    ValueError: 1 scaffold(s) in more than one part, e.g. 'c1ccccc1' in parts [0, 1]
    """
    mols = _mols(smiles)
    if len(parts) < 2:
        raise ValueError(f"parts: give at least two parts to compare, got {len(parts)}")
    seen_rows: dict[int, int] = {}
    where: dict[str, set[int]] = defaultdict(set)
    for number, part in enumerate(parts):
        for row in np.asarray(part, dtype=int).ravel():
            if not 0 <= row < len(mols):
                raise ValueError(f"parts[{number}] holds row {row}, outside 0..{len(mols) - 1}")
            if row in seen_rows:
                raise ValueError(f"row {row} is in part {seen_rows[row]} and in part {number}")
            seen_rows[row] = number
            where[MurckoScaffold.MurckoScaffoldSmiles(mol=mols[row])].add(number)
    shared = {scaffold: sorted(numbers) for scaffold, numbers in where.items() if len(numbers) > 1}
    if shared:
        scaffold, numbers = next(iter(shared.items()))
        raise ValueError(f"{len(shared)} scaffold(s) in more than one part, e.g. {scaffold!r} in parts {numbers}")


def _bits(name: str, fingerprints: object) -> np.ndarray:
    array = np.asarray(fingerprints)
    if np.iscomplexobj(array) or array.dtype == object:
        raise ValueError(f"{name} must be a 2-D array of 0/1 fingerprint bits, got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[0] == 0 or not np.isin(array, (0, 1)).all():
        raise ValueError(f"{name} must be a non-empty 2-D array of 0/1 fingerprint bits, got shape {array.shape}")
    return array.astype(np.float64)


def nearest_similarity(query: object, reference: object) -> np.ndarray:
    """Tanimoto similarity of each query fingerprint to its nearest neighbour in a reference set.

    Tanimoto similarity is shared bits over bits set in either molecule
    (|A ∩ B| / |A ∪ B|). Against the training set it measures how far a
    molecule lies from what a model has seen: its *applicability domain*.

    Parameters
    ----------
    query, reference : array (n, n_bits) of 0/1
        Fingerprints of the same length, for example from
        :func:`morgan_fingerprints`.

    Returns
    -------
    numpy.ndarray, shape (n_query,)
        Values in [0, 1]; 1 means an identical fingerprint is in the reference.

    Examples
    --------
    >>> fps = morgan_fingerprints(["CCO", "CCCO", "c1ccccc1"], n_bits=256)
    >>> nearest_similarity(fps[[1, 2]], fps[[0]]).round(2).tolist()
    [0.56, 0.0]
    """
    q, r = _bits("query", query), _bits("reference", reference)
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"query and reference fingerprints differ in length: {q.shape[1]} and {r.shape[1]} bits")
    shared = q @ r.T
    union = q.sum(axis=1)[:, None] + r.sum(axis=1)[None, :] - shared
    similarity = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    return similarity.max(axis=1)


@cache
def _alert_catalogs() -> dict[str, FilterCatalog]:
    catalogs = {}
    for name, catalog in [("brenk", FilterCatalogParams.FilterCatalogs.BRENK),
                          ("pains", FilterCatalogParams.FilterCatalogs.PAINS)]:
        params = FilterCatalogParams()
        params.AddCatalog(catalog)
        catalogs[name] = FilterCatalog(params)
    return catalogs


def structural_alerts(smiles: Iterable[str]) -> pd.DataFrame:
    """Brenk and PAINS structural alerts that each molecule trips, with RDKit's FilterCatalog.

    Brenk's list flags reactive, unstable or toxic groups; PAINS flags
    substructures that interfere with assays. A match is a reason to look
    closer, not evidence of toxicity.

    Returns
    -------
    pandas.DataFrame
        One row per molecule: ``brenk`` and ``pains`` (lists of alert
        names, one entry per distinct alert) and ``n_brenk``, ``n_pains``
        (their lengths).

    Examples
    --------
    >>> alerts = structural_alerts(["c1ccccc1[N+](=O)[O-]", "CCO"])  # nitrobenzene, ethanol
    >>> alerts["brenk"].tolist(), alerts["n_brenk"].tolist()
    ([['Oxygen-nitrogen_single_bond', 'nitro_group'], []], [2, 0])
    """
    catalogs = _alert_catalogs()
    rows = []
    for mol in _mols(smiles):
        row = {name: sorted({entry.GetDescription() for entry in catalog.GetMatches(mol)})
               for name, catalog in catalogs.items()}
        row.update({f"n_{name}": len(row[name]) for name in catalogs})
        rows.append(row)
    return pd.DataFrame(rows, columns=["brenk", "pains", "n_brenk", "n_pains"])
