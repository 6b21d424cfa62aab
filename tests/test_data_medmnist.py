"""companion.data.medmnist: the MedMNIST loader, on a small file of the same layout written here."""

import numpy as np
import pytest

from companion.data import medmnist


def write_fake_medmnist(path, size=28):
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in [("train", 6), ("val", 2), ("test", 3)]:
        arrays[f"{split}_images"] = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, 2, (n, 1), dtype=np.uint8)
    np.savez_compressed(path, **arrays)
    return arrays


def test_medmnist_loader_reads_a_cached_file(tmp_path):
    import pooch

    folder = tmp_path / "medmnist"
    folder.mkdir()
    arrays = write_fake_medmnist(folder / "pneumoniamnist.npz")
    digest = "md5:" + pooch.file_hash(str(folder / "pneumoniamnist.npz"), alg="md5")
    data = medmnist.load_medmnist("pneumoniamnist", cache_dir=folder, download=False, known_hash=digest)
    assert set(data) == {"train", "val", "test"}
    images, labels = data["test"]
    np.testing.assert_array_equal(images, arrays["test_images"])
    np.testing.assert_array_equal(labels, arrays["test_labels"][:, 0])


def test_medmnist_loader_refuses_a_changed_file(tmp_path):
    write_fake_medmnist(tmp_path / "pneumoniamnist.npz")
    with pytest.raises(ValueError, match="md5"):
        medmnist.load_medmnist("pneumoniamnist", cache_dir=tmp_path, download=False)


def test_medmnist_loader_without_file_and_download_false(tmp_path):
    with pytest.raises(ValueError, match="download=False"):
        medmnist.load_medmnist("pneumoniamnist", cache_dir=tmp_path, download=False)


def test_medmnist_unknown_name():
    with pytest.raises(ValueError, match="name must be one of"):
        medmnist.load_medmnist("cheesemnist", download=False)


def test_medmnist_pins_real_hashes():
    for entry in medmnist.MEDMNIST.values():
        assert entry["url"].startswith("https://zenodo.org/records/10519652/files/")
        algorithm, digest = entry["known_hash"].split(":")
        assert algorithm == "md5"
        assert len(digest) == 32
