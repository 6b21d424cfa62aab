"""MedMNIST: optional real medical images, downloaded on request and never during the book's build.

:func:`load_medmnist` fetches a MedMNIST ``.npz`` file from Zenodo with pooch
and a pinned hash into the data cache; nothing is downloaded unless asked.
"""

from __future__ import annotations

import os

import numpy as np

from companion.data import data_cache_dir, fetch
from companion.validation import flag, folder, one_of

_ZENODO = "https://zenodo.org/records/10519652/files/"
#: MedMNIST v2 files (Yang et al. 2023, CC BY 4.0) with the MD5 sums published in the medmnist package.
MEDMNIST = {
    "pneumoniamnist": {"known_hash": "md5:28209eda62fecd6e6a2d98b1501bb15f", "labels": ("normal", "pneumonia")},
    "pneumoniamnist_64": {"known_hash": "md5:8f4eceb4ccffa70c672198ea285246c6", "labels": ("normal", "pneumonia")},
    "breastmnist": {"known_hash": "md5:750601b1f35ba3300ea97c75c52ff8f6", "labels": ("malignant", "normal, benign")},
    "nodulemnist3d": {"known_hash": "md5:8755a7e9e05a4d9ce80a24c3e7a256f3", "labels": ("benign", "malignant")},
    "nodulemnist3d_64": {"known_hash": "md5:c47c5b7d457bf6332200d2ea6d64ecd8", "labels": ("benign", "malignant")},
}
for _name, _entry in MEDMNIST.items():
    _entry["url"] = f"{_ZENODO}{_name}.npz?download=1"


def load_medmnist(
    name: str,
    cache_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    known_hash: str | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Load a MedMNIST dataset (images and labels per split), downloading its ``.npz`` file once.

    The file comes from Zenodo through pooch, is checked against its pinned
    hash and kept in ``cache_dir``; later calls read the cached copy without
    any network access.

    Parameters
    ----------
    name : str
        One of :data:`MEDMNIST` (``"pneumoniamnist"``, ``"nodulemnist3d"``, ...;
        ``_64`` for the 64-pixel versions).
    cache_dir : path, optional
        Default :func:`companion.data.data_cache_dir` / ``"medmnist"``.
    download : bool, default True
        ``False`` never touches the network and raises if the file is missing.
    known_hash : str, optional
        Override of the pinned ``"md5:..."`` hash (for tests).

    Returns
    -------
    dict
        ``{"train": (images, labels), "val": (...), "test": (...)}``, images as
        uint8 arrays (n, H, W[, D]) and labels as 1-D integer arrays.

    Examples
    --------
    >>> load_medmnist("pneumoniamnist", "/nonexistent-cache", download=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: MedMNIST 'pneumoniamnist' is not in /nonexistent-cache/pneumoniamnist.npz and download=False; ...
    """
    name, download = one_of("name", name, sorted(MEDMNIST)), flag("download", download)
    entry = MEDMNIST[name]
    known_hash = known_hash or entry["known_hash"]
    cache = data_cache_dir() / "medmnist" if cache_dir is None else folder("cache_dir", cache_dir)
    path = cache / f"{name}.npz"
    local = fetch(entry["url"], known_hash, path, download=download, what=f"MedMNIST {name!r}")
    result = {}
    with np.load(local) as arrays:
        for split in ("train", "val", "test"):
            if f"{split}_images" not in arrays or f"{split}_labels" not in arrays:
                raise ValueError(f"MedMNIST {name!r}: {local} lacks {split}_images or {split}_labels")
            result[split] = (arrays[f"{split}_images"], arrays[f"{split}_labels"].reshape(-1).astype(np.int64))
    return result
