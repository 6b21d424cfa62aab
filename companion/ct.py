"""Reading CT: Hounsfield units, display windows and DICOM slices.

Read a DICOM CT slice with pydicom, convert its stored values to Hounsfield
units (HU) with the RescaleSlope and RescaleIntercept tags, and display it
through a lung or mediastinal window. pydicom ships a real slice,
``CT_small.dcm`` (:func:`example_ct_path`).

Examples
--------
>>> to_hounsfield([0, 1024, 2024], slope=1.0, intercept=-1024.0).tolist()
[-1024.0, 0.0, 1000.0]
>>> window([-1000.0, 40.0, 1000.0], *WINDOWS["mediastinal"]).tolist()
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from companion.validation import finite_number, finite_values, positive_number

#: Typical Hounsfield units of the tissues a chest CT shows (approximate textbook values).
HU_REFERENCE = {
    "air": -1000.0,
    "lung": -850.0,
    "fat": -100.0,
    "water": 0.0,
    "soft tissue": 40.0,
    "bone": 700.0,
}

#: Display windows as (level, width) in HU: the grey scale spans level ± width / 2.
WINDOWS = {"lung": (-600.0, 1500.0), "mediastinal": (40.0, 400.0), "bone": (400.0, 1800.0)}


def to_hounsfield(stored: object, slope: float, intercept: float) -> np.ndarray:
    """Hounsfield units from stored pixel values: ``HU = slope * stored + intercept``.

    Examples
    --------
    >>> to_hounsfield([[0, 1000]], slope=1, intercept=-1000).tolist()
    [[-1000.0, 0.0]]
    """
    array = finite_values("stored", stored)
    slope, intercept = finite_number("slope", slope), finite_number("intercept", intercept)
    if slope == 0:
        raise ValueError("slope must be non-zero, got 0")
    return slope * array + intercept


def window(hu: object, level: float, width: float) -> np.ndarray:
    """Map HU to display grey levels in [0, 1]: ``level - width/2`` is black, ``level + width/2`` white.

    Examples
    --------
    >>> window([-1350.0, -600.0, 150.0], level=-600, width=1500).tolist()
    [0.0, 0.5, 1.0]
    """
    array, level, width = finite_values("hu", hu), finite_number("level", level), positive_number("width", width)
    return np.clip((array - (level - width / 2)) / width, 0.0, 1.0)


def example_ct_path() -> Path:
    """Path of the real CT slice that ships with pydicom (``CT_small.dcm``, 128 x 128 pixels).

    Examples
    --------
    >>> example_ct_path().name
    'CT_small.dcm'
    """
    try:
        from pydicom import examples

        return Path(examples.get_path("ct"))
    except (ImportError, AttributeError):  # pydicom < 3
        from pydicom.data import get_testdata_file

        return Path(get_testdata_file("CT_small.dcm"))


@dataclass(frozen=True)
class CTSlice:
    """One CT slice in Hounsfield units with the tags needed to read it."""

    hu: np.ndarray = field(repr=False)
    pixel_spacing_mm: tuple[float, float]
    slice_thickness_mm: float | None
    manufacturer: str
    dataset: object = field(repr=False)


def read_ct_slice(source: object) -> CTSlice:
    """Read a DICOM CT slice and convert it to Hounsfield units.

    Parameters
    ----------
    source : path or pydicom.Dataset
        A DICOM file, or a dataset already read with :func:`pydicom.dcmread`.

    Returns
    -------
    CTSlice
        ``hu`` (float array), pixel spacing (row, column) in mm, slice
        thickness, manufacturer and the dataset itself.

    Raises
    ------
    ValueError
        If the file is not DICOM, its modality is not CT, or it lacks the
        pixel data, RescaleSlope or RescaleIntercept.

    Examples
    --------
    >>> ct = read_ct_slice(example_ct_path())
    >>> ct.hu.shape, ct.manufacturer
    ((128, 128), 'GE MEDICAL SYSTEMS')
    """
    import pydicom

    if isinstance(source, pydicom.Dataset):
        dataset = source
    elif isinstance(source, (str, os.PathLike)):
        try:
            dataset = pydicom.dcmread(source)
        except (pydicom.errors.InvalidDicomError, OSError) as error:
            raise ValueError(f"source must be a readable DICOM file, got {str(source)!r}: {error}") from None
    else:
        raise TypeError(f"source must be a path or a pydicom.Dataset, got {type(source).__name__}")
    modality = dataset.get("Modality")
    if modality != "CT":
        raise ValueError(f"source must be a CT image (Modality 'CT'), got Modality {modality!r}")
    missing = [tag for tag in ("PixelData", "RescaleSlope", "RescaleIntercept") if tag not in dataset]
    if missing:
        raise ValueError(f"source lacks the DICOM tags {missing} needed to compute Hounsfield units")
    hu = to_hounsfield(dataset.pixel_array, float(dataset.RescaleSlope), float(dataset.RescaleIntercept))
    spacing = tuple(float(s) for s in dataset.get("PixelSpacing", (np.nan, np.nan)))
    thickness = dataset.get("SliceThickness")
    return CTSlice(
        hu=hu,
        pixel_spacing_mm=spacing,
        slice_thickness_mm=float(thickness) if thickness is not None else None,
        manufacturer=str(dataset.get("Manufacturer", "")),
        dataset=dataset,
    )
