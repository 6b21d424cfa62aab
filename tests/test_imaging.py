"""Tests of companion.imaging: Hounsfield units, DICOM, the CT simulator and the MedMNIST loader."""

import numpy as np
import pydicom
import pytest
from skimage.transform import iradon, radon

from companion import imaging, phantom
from companion.ct import WINDOWS, example_ct_path, read_ct_slice, to_hounsfield, window
from companion.data import medmnist
from companion.imaging import acquire, noise_std, projection_matrices, simulate_chest_ct
from companion.phantom import TISSUES, chest_phantom


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    # Never write the simulator's cache outside the test's own folder.
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "cache"))


def test_hounsfield_known_values():
    # Stored 0 with intercept -1024 is air; 1024 is water; slope 2 doubles the steps.
    assert to_hounsfield([0, 1024, 2024], 1, -1024).tolist() == [-1024, 0, 1000]
    assert to_hounsfield([0, 500], 2, -1000).tolist() == [-1000, 0]


def test_window_maps_level_and_edges():
    level, width = WINDOWS["lung"]
    assert window([level - width / 2, level, level + width / 2, 3000], level, width).tolist() == [0, 0.5, 1, 1]


@pytest.mark.parametrize("bad", [dict(slope=0, intercept=0), dict(slope=float("nan"), intercept=0)])
def test_hounsfield_bad_slope(bad):
    with pytest.raises(ValueError, match="slope"):
        to_hounsfield([1, 2], **bad)


def test_window_bad_width():
    with pytest.raises(ValueError, match="width must be a positive"):
        window([0.0], 0, -5)


def test_real_ct_slice_is_in_hounsfield_units():
    ct = read_ct_slice(example_ct_path())
    dataset = pydicom.dcmread(example_ct_path())
    expected = dataset.pixel_array * float(dataset.RescaleSlope) + float(dataset.RescaleIntercept)
    np.testing.assert_array_equal(ct.hu, expected)
    assert ct.hu.shape == (128, 128)
    assert ct.pixel_spacing_mm[0] == pytest.approx(0.661468)


def test_non_ct_dicom_is_rejected():
    dataset = pydicom.dcmread(example_ct_path())
    dataset.Modality = "MR"
    with pytest.raises(ValueError, match="Modality 'CT'.*got Modality 'MR'"):
        read_ct_slice(dataset)


def test_dicom_without_rescale_tags_is_rejected():
    dataset = pydicom.dcmread(example_ct_path())
    del dataset.RescaleIntercept
    with pytest.raises(ValueError, match="RescaleIntercept"):
        read_ct_slice(dataset)


def test_not_dicom_is_rejected(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("not an image")
    with pytest.raises(ValueError, match="readable DICOM file"):
        read_ct_slice(path)
    with pytest.raises(TypeError, match="path or a pydicom.Dataset"):
        read_ct_slice(42)


@pytest.mark.parametrize("seed", range(5))
def test_phantom_tissues_stay_in_their_hu_ranges(seed):
    hu, tissue, centre, radius = chest_phantom(np.random.default_rng(seed), nodule=True)
    rows, cols = np.indices(hu.shape)
    # Pixels the nodule covers in part mix it with the lung (partial volume): only code 7 may hold them.
    edge = np.hypot(rows - centre[0], cols - centre[1]) <= radius + 1
    for code, (name, (low, high)) in TISSUES.items():
        values = hu[(tissue == code) & (~edge if code != 7 else True)]
        assert ((values >= low) & (values <= high)).all(), name
    assert (tissue == 3).sum() > 1000  # the lung fills a good part of the 64 x 64 patch


@pytest.mark.parametrize("seed", range(5))
def test_phantom_nodule_is_where_the_centre_says(seed):
    hu, tissue, centre, radius = chest_phantom(np.random.default_rng(seed), nodule=True)
    rows, cols = np.indices(hu.shape)
    distance = np.hypot(rows - centre[0], cols - centre[1])
    assert (tissue[distance <= radius - 0.75] == 7).all()  # the pixels wholly inside are nodule
    assert not (tissue[distance > radius + 0.75] == 7).any()  # and no pixel wholly outside
    diameter_mm = 2 * radius * phantom.pixel_spacing_mm(64)
    assert phantom.NODULE_DIAMETER_MM[0] <= diameter_mm <= phantom.NODULE_DIAMETER_MM[1]


@pytest.mark.parametrize("size", [64, 256])
def test_nodule_diameter_matches_the_rendered_area(size):
    # Independent check of the stated size: the area of the nodule's pixels (those it covers at least
    # half of), times the area of one pixel, gives the diameter of the disc of that area.
    spacing = phantom.pixel_spacing_mm(size)
    assert spacing * size == pytest.approx(phantom.FIELD_OF_VIEW_MM)
    errors = []
    for seed in range(12):
        hu, tissue, centre, radius = chest_phantom(np.random.default_rng(seed), size=size, nodule=True)
        area_mm2 = (tissue == 7).sum() * spacing**2
        measured = 2 * np.sqrt(area_mm2 / np.pi)
        stated = 2 * radius * spacing
        assert abs(measured - stated) <= 1.0 * spacing + 0.05 * stated, (seed, measured, stated)
        errors.append(measured - stated)
    assert abs(np.mean(errors)) < 0.5 * spacing  # no systematic bias


@pytest.mark.parametrize("radius", [1.0, 2.3, 7.5])
def test_partial_volume_coverage_adds_up_to_the_disc_area(radius):
    # Each pixel holds the share of its area inside the nodule: the shares add up to pi r^2,
    # and the edge pixels hold fractions (partial volume), not 0 or 1.
    cover = phantom._disc_coverage(32, 15.3, 16.6, radius)
    assert cover.sum() == pytest.approx(np.pi * radius**2, rel=0.03)
    assert ((cover > 0.05) & (cover < 0.95)).any()
    assert cover.min() >= 0
    assert cover.max() <= 1


def test_simulated_slices_show_the_nodule_at_its_centre():
    ct = simulate_chest_ct(40, seed=3, cache=False)
    assert ct.images.shape == (40, 64, 64)
    assert ct.labels.sum() == 20
    positive = np.flatnonzero(ct.labels == 1)
    assert np.isnan(ct.centres[ct.labels == 0]).all()
    assert not np.isnan(ct.centres[positive]).any()
    for i in positive:
        row, col = np.round(ct.centres[i]).astype(int)
        if ct.diameter_mm[i] >= 8:
            # The nodule (at least -650 HU before noise) is far denser than the lung around it (about -850 HU).
            assert ct.images[i, row, col] > -700


def test_simulated_set_reports_pixel_spacing_and_diameters():
    ct = simulate_chest_ct(30, seed=4, cache=False)
    assert ct.pixel_mm == pytest.approx(phantom.FIELD_OF_VIEW_MM / 64) == pytest.approx(2.0)
    positive = ct.labels == 1
    np.testing.assert_allclose(ct.diameter_mm[positive], 2 * ct.radii[positive] * ct.pixel_mm)
    assert np.isnan(ct.diameter_mm[~positive]).all()
    low, high = phantom.NODULE_DIAMETER_MM
    assert ((ct.diameter_mm[positive] >= low) & (ct.diameter_mm[positive] <= high)).all()
    assert (ct.bands[~positive] == "").all()
    assert set(ct.bands[positive]) <= set(phantom.NODULE_BANDS_MM)
    # A finer grid over the same field of view: smaller pixels, the same sizes in mm.
    fine = simulate_chest_ct(4, size=128, seed=4, cache=False)
    assert fine.pixel_mm == pytest.approx(1.0)
    d = fine.diameter_mm[fine.labels == 1]
    assert ((d >= low) & (d <= high)).all()


def test_size_bands_follow_the_lung_rads_thresholds():
    bands = phantom.size_band([4.0, 5.99, 6.0, 7.99, 8.0, 14.99, 15.0, 30.0, np.nan])
    assert bands.tolist() == ["under 6 mm"] * 2 + ["6 to 8 mm"] * 2 + ["8 to 15 mm"] * 2 + ["15 mm and over"] * 2 + [""]


@pytest.mark.parametrize("bad", [[-1.0], [0.0], [np.inf], ["big"], [1j]])
def test_size_band_bad_inputs(bad):
    with pytest.raises(ValueError, match="diameter_mm"):
        phantom.size_band(bad)


def test_cached_set_keeps_pixel_spacing(tmp_path):
    first = simulate_chest_ct(4, size=128, seed=2)
    again = simulate_chest_ct(4, size=128, seed=2)  # read back from the cache
    assert again.pixel_mm == first.pixel_mm == pytest.approx(1.0)
    np.testing.assert_array_equal(again.diameter_mm, first.diameter_mm)


def test_projection_matrices_match_scikit_image():
    hu, *_ = chest_phantom(np.random.default_rng(0))
    mu = imaging._attenuation(hu)
    projection, fbp = projection_matrices(64)
    angles = imaging._angles(imaging.N_ANGLES)
    reference = radon(mu, angles, circle=True)
    fast = (projection @ mu.ravel()).reshape(reference.shape)
    assert np.linalg.norm(fast - reference) / np.linalg.norm(reference) < 0.05
    np.testing.assert_allclose(reference.ravel() @ fbp, iradon(reference, angles, circle=True).ravel(), atol=1e-4)


def test_noise_variance_rises_as_dose_falls():
    hu, *_ = chest_phantom(np.random.default_rng(0))
    sd = {
        dose: noise_std([acquire(hu, dose, np.random.default_rng(s)).image for s in (1, 2)])
        for dose in (4.0, 1.0, 0.25)
    }
    assert sd[4.0] < sd[1.0] < sd[0.25]
    # Poisson noise: variance about inversely proportional to dose (a factor 4 here, within tolerance).
    assert 2.5 < (sd[0.25] / sd[1.0]) ** 2 < 6


def test_simulation_is_deterministic_and_dose_changes_only_the_noise():
    a = simulate_chest_ct(6, seed=7, cache=False)
    b = simulate_chest_ct(6, seed=7, cache=False)
    low = simulate_chest_ct(6, seed=7, dose=0.25, cache=False)
    other = simulate_chest_ct(6, seed=8, cache=False)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.labels, low.labels)
    np.testing.assert_array_equal(a.centres, low.centres)
    assert not np.array_equal(a.images, low.images)
    assert not np.array_equal(a.images, other.images)


def test_cache_is_keyed_by_parameters_and_returns_the_same(tmp_path):
    first = simulate_chest_ct(5, seed=1)
    files = list((tmp_path / "cache" / "imaging").glob("*.npz"))
    assert len(files) == 1
    again = simulate_chest_ct(5, seed=1)
    np.testing.assert_array_equal(first.images, again.images)
    simulate_chest_ct(5, seed=1, dose=0.5)
    assert len(list((tmp_path / "cache" / "imaging").glob("*.npz"))) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(n=0), "n must be a positive integer"),
        (dict(n=4, size=8), "size must be an integer"),
        (dict(n=4, nodule_fraction=1.5), "nodule_fraction must be a number in"),
        (dict(n=4, dose=0), r"dose must be a number in \(0, 100\]"),
        (dict(n=4, seed=-1), "seed must be a non-negative"),
        (dict(n=4, n_angles=2), "n_angles must be an integer"),
    ],
)
def test_simulator_bad_inputs(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_chest_ct(**kwargs, cache=False)


def test_acquire_bad_inputs():
    with pytest.raises(ValueError, match="square 2-D image"):
        acquire(np.zeros((10, 12)))
    with pytest.raises(ValueError, match="finite"):
        acquire(np.full((32, 32), np.nan))


# ---------------------------------------------------------------------------
# MedMNIST loader, on a small file of the same layout written here


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


def test_exercise_check_accepts_the_right_hounsfield_value(capsys):
    from companion.exercises import check_imaging_hounsfield

    assert check_imaging_hounsfield(60.0)
    assert capsys.readouterr().out.startswith("Correct:")
    assert not check_imaging_hounsfield(6)
    assert not check_imaging_hounsfield(None)
    assert not check_imaging_hounsfield("sixty")
    assert capsys.readouterr().out.count("Not yet:") == 3
