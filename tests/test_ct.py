"""companion.ct: Hounsfield units, windows and real DICOM slices."""

import numpy as np
import pydicom
import pytest

from companion.ct import WINDOWS, example_ct_path, read_ct_slice, to_hounsfield, window


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
