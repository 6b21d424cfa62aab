"""companion.phantom: the simulated chest's tissues, nodules and size bands."""

import numpy as np
import pytest

from companion import phantom
from companion.phantom import TISSUES, chest_phantom


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


def test_size_bands_follow_the_lung_rads_thresholds():
    bands = phantom.size_band([4.0, 5.99, 6.0, 7.99, 8.0, 14.99, 15.0, 30.0, np.nan])
    assert bands.tolist() == ["under 6 mm"] * 2 + ["6 to 8 mm"] * 2 + ["8 to 15 mm"] * 2 + ["15 mm and over"] * 2 + [""]


@pytest.mark.parametrize("bad", [[-1.0], [0.0], [np.inf], ["big"], [1j]])
def test_size_band_bad_inputs(bad):
    with pytest.raises(ValueError, match="diameter_mm"):
        phantom.size_band(bad)
