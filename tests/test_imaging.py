"""companion.imaging: the simulated scanner, the simulated chest CT sets and their cache."""

import numpy as np
import pytest
from skimage.transform import iradon, radon

from companion import imaging, phantom
from companion.imaging import acquire, noise_std, projection_matrices, simulate_chest_ct
from companion.phantom import chest_phantom


@pytest.fixture(scope="session")
def matrices_64(tmp_path_factory):
    """The 64-pixel scanner's matrices, built once for all the tests (seconds each time otherwise)."""
    path = tmp_path_factory.mktemp("matrices") / "projection.npz"
    projection, fbp = imaging._build_projection_matrices(64, imaging.N_ANGLES)
    np.savez(path, projection=projection, fbp=fbp)
    return path


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch, matrices_64):
    # Never write the simulator's cache outside the test's own folder; it starts with the matrices.
    monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path / "cache"))
    path = imaging._cache_file({"size": 64, "n_angles": imaging.N_ANGLES}, "projection")
    path.parent.mkdir(parents=True)
    path.write_bytes(matrices_64.read_bytes())


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
    files = list((tmp_path / "cache" / "imaging").glob("chest_ct_*.npz"))
    assert len(files) == 1
    again = simulate_chest_ct(5, seed=1)
    np.testing.assert_array_equal(first.images, again.images)
    simulate_chest_ct(5, seed=1, dose=0.5)
    assert len(list((tmp_path / "cache" / "imaging").glob("chest_ct_*.npz"))) == 2


def test_projection_matrices_are_built_once_and_read_back_not_kept_in_memory(tmp_path):
    first = projection_matrices(32, 8)
    assert len(list((tmp_path / "cache" / "imaging").glob("projection_*.npz"))) == 2  # and the 64-pixel one
    again = projection_matrices(32, 8)
    assert again[0] is not first[0]  # read from the data cache, not an array kept alive in this process
    for built, read in zip(imaging._build_projection_matrices(32, 8), again, strict=True):
        np.testing.assert_array_equal(read, built)
        assert not read.flags.writeable


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
def test_exercise_check_accepts_the_right_hounsfield_value(capsys):
    from companion.exercises.imaging import check_imaging_hounsfield

    assert check_imaging_hounsfield(60.0)
    assert capsys.readouterr().out.startswith("Correct:")
    assert not check_imaging_hounsfield(6)
    assert not check_imaging_hounsfield(None)
    assert not check_imaging_hounsfield("sixty")
    assert capsys.readouterr().out.count("Not yet:") == 3


@pytest.mark.parametrize("size", [30, 2, 0])
def test_nodule_cnn_needs_a_size_that_two_poolings_can_halve(size):
    with pytest.raises(ValueError, match=r"^size must be (a positive multiple of 4|an integer of at least 4)"):
        imaging.build_nodule_cnn(size=size)
