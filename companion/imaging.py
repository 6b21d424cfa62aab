"""Computed tomography for the course: Hounsfield units, windows, DICOM, and a teaching simulator.

Three parts:

- **Real data.** Read a DICOM CT slice with pydicom, convert its stored
  values to Hounsfield units (HU) with the RescaleSlope and RescaleIntercept
  tags, and display it through a lung or mediastinal window. pydicom ships a
  real slice, ``CT_small.dcm`` (:func:`example_ct_path`).
- **A teaching simulator.** :func:`simulate_chest_ct` draws axial chest
  *phantoms* (body, lungs, heart, spine, ribs, lung vessels and, in some
  slices, a solid or ground-glass nodule 4 to 30 mm across), shows a
  128 mm patch around one lung in 64 x 64 pixels of 2 mm, and "scans" them: a Radon
  projection (scikit-image), Poisson photon noise set by the dose, and
  filtered back-projection. The images are simulated, not patient data,
  and carry no clinical meaning; they exist because their ground truth (where
  the nodule is) is known exactly.
- **An optional real dataset.** :func:`load_medmnist` fetches a MedMNIST
  ``.npz`` file with pooch and a pinned hash into the data cache; nothing is
  downloaded unless asked.

Examples
--------
>>> to_hounsfield([0, 1024, 2024], slope=1.0, intercept=-1024.0).tolist()
[-1024.0, 0.0, 1000.0]
>>> window([-1000.0, 40.0, 1000.0], *WINDOWS["mediastinal"]).tolist()
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from companion.validation import (
    finite_number,
    finite_values,
    flag,
    folder,
    fraction,
    generator,
    integer,
    non_negative_int,
    number_in,
    one_of,
    positive_int,
    positive_number,
    real_array,
)

# ---------------------------------------------------------------------------
# Hounsfield units and windows

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


# ---------------------------------------------------------------------------
# Teaching simulator: phantom

#: Tissue codes of :func:`chest_phantom`'s label map and the HU range each takes before acquisition.
#: A nodule pixel is one that the nodule covers at least half of; its value mixes the nodule with the
#: lung around it (the partial-volume effect), so its range reaches down to the lung's.
TISSUES = {
    0: ("air", (-1000.0, -1000.0)),
    1: ("fat", (-120.0, -80.0)),
    2: ("soft tissue", (20.0, 60.0)),
    3: ("lung", (-900.0, -800.0)),
    4: ("heart and vessels", (30.0, 60.0)),
    5: ("bone", (400.0, 1000.0)),
    6: ("lung vessel", (-150.0, 60.0)),
    7: ("nodule", (-900.0, 60.0)),
}
_CODE = {name: code for code, (name, _) in TISSUES.items()}

#: Linear attenuation of water at about 70 keV, per mm (HU are defined relative to it).
MU_WATER_PER_MM = 0.019
#: Simulated field of view in mm: a square patch around one lung, as a targeted reconstruction
#: would show it. A 64-pixel image has 2 mm pixels (see :func:`pixel_spacing_mm`).
FIELD_OF_VIEW_MM = 128.0
#: Millimetres per unit of the phantom's coordinates: the whole chest spans about -0.9 to 0.9 units
#: across (about 280 mm), of which the patch shows 0.8 units.
CHEST_MM_PER_UNIT = 160.0
#: Smallest and largest nodule diameter in mm. Below about 4 mm screening guidelines ask for no
#: follow-up; above 30 mm a lesion is called a mass, not a nodule.
NODULE_DIAMETER_MM = (4.0, 30.0)
#: Size bands of nodule diameter in mm, [low, high), after the Lung-RADS v2022 categories for solid
#: nodules at a baseline screening CT (2: under 6 mm, 3: 6 to 8 mm, 4A: 8 to 15 mm, 4B: 15 mm and over).
NODULE_BANDS_MM = {
    "under 6 mm": (0.0, 6.0),
    "6 to 8 mm": (6.0, 8.0),
    "8 to 15 mm": (8.0, 15.0),
    "15 mm and over": (15.0, np.inf),
}
#: Photons reaching each detector bin through air at the standard dose (dose = 1).
STANDARD_PHOTONS = 2.0e4
#: Projection angles over 180 degrees (a sparse-view scan: fewer angles, faster, more streaks).
N_ANGLES = 48


def pixel_spacing_mm(size: int = 64) -> float:
    """Side of one pixel in mm for an image of ``size`` pixels over :data:`FIELD_OF_VIEW_MM`.

    Examples
    --------
    >>> pixel_spacing_mm(64), pixel_spacing_mm(128)
    (2.0, 1.0)
    """
    return FIELD_OF_VIEW_MM / integer("size", size, minimum=32, maximum=512)


def size_band(diameter_mm: object) -> np.ndarray:
    """The :data:`NODULE_BANDS_MM` label of each diameter in mm; ``""`` where there is no nodule (NaN).

    Examples
    --------
    >>> size_band([4.2, 6.0, 14.9, 30.0, float("nan")]).tolist()
    ['under 6 mm', '6 to 8 mm', '8 to 15 mm', '15 mm and over', '']
    """
    try:
        diameters = real_array("diameter_mm", diameter_mm, "float64")
    except ValueError as error:
        message = str(error)
        if message.startswith("diameter_mm"):
            raise
        raise ValueError(f"diameter_mm must be an array of diameters in mm, got {diameter_mm!r}: {message}") from None
    if (diameters[~np.isnan(diameters)] <= 0).any() or np.isinf(diameters).any():
        raise ValueError("diameter_mm must be positive finite diameters in mm, or NaN where there is no nodule")
    labels = np.full(diameters.shape, "", dtype=object)
    for name, (low, high) in NODULE_BANDS_MM.items():
        labels[(diameters >= low) & (diameters < high)] = name
    return labels


def _ellipse(yy: np.ndarray, xx: np.ndarray, cy: float, cx: float, ry: float, rx: float, angle: float = 0.0):
    cos, sin = np.cos(angle), np.sin(angle)
    dy, dx = yy - cy, xx - cx
    u, v = dx * cos + dy * sin, -dx * sin + dy * cos
    return (u / rx) ** 2 + (v / ry) ** 2 <= 1.0


def _disc_coverage(size: int, row: float, col: float, radius: float, subsamples: int = 8) -> np.ndarray:
    """Fraction of each pixel's area inside a disc (centre and radius in pixels), by sub-sampling."""
    offsets = (np.arange(subsamples) + 0.5) / subsamples - 0.5
    rows = (np.arange(size)[:, None] + offsets[None, :]).ravel()  # every sub-sample row, pixel by pixel
    cols = (np.arange(size)[:, None] + offsets[None, :]).ravel()
    inside = (rows[:, None] - row) ** 2 + (cols[None, :] - col) ** 2 <= radius**2
    return inside.reshape(size, subsamples, size, subsamples).mean(axis=(1, 3))


def chest_phantom(
    rng: np.random.Generator, size: int = 64, nodule: bool = False
) -> tuple[np.ndarray, np.ndarray, tuple[float, float] | None, float | None]:
    """One random axial chest phantom around one lung, before any acquisition (a teaching model).

    The anatomy is drawn for a whole chest about 280 mm wide: a body with a
    fat layer, two lungs near -850 HU, heart and mediastinum, a vertebra,
    ribs and sternum as bone, and small vessels inside the lungs (bright,
    nodule-like confounders). The image shows a square patch of
    :data:`FIELD_OF_VIEW_MM` around one lung (left or right at random), as a
    targeted reconstruction would; outside the inscribed circle (the
    reconstruction circle) it is air. If ``nodule``, one round nodule lies
    inside the lung: solid (-20 to +60 HU) or ground-glass (-650 to -350 HU),
    with a diameter drawn uniformly from 4 to 30 mm (a screening population
    has far more small nodules). Its edge pixels mix nodule and lung in proportion to
    the area the nodule covers (partial volume).

    Parameters
    ----------
    rng : numpy.random.Generator
    size : int, default 64
        Image side in pixels (32 to 512); the pixel spacing is
        ``FIELD_OF_VIEW_MM / size`` mm (:func:`pixel_spacing_mm`).
    nodule : bool, default False

    Returns
    -------
    hu : numpy.ndarray, shape (size, size)
        The phantom in HU; every tissue within its range in :data:`TISSUES`.
    tissue : numpy.ndarray of int8, shape (size, size)
        The tissue code of each pixel (keys of :data:`TISSUES`); a pixel is
        nodule (7) when the nodule covers at least half of it.
    centre : (row, column) or None
        Nodule centre in pixels.
    radius : float or None
        Nodule radius in pixels (the diameter in mm is ``2 * radius * pixel_spacing_mm(size)``).

    Examples
    --------
    >>> hu, tissue, centre, radius = chest_phantom(np.random.default_rng(0), nodule=True)
    >>> hu.shape, int(tissue[round(centre[0]), round(centre[1])])
    ((64, 64), 7)
    >>> 4 <= 2 * radius * pixel_spacing_mm(64) <= 30
    True
    """
    rng, nodule = generator("rng", rng), flag("nodule", nodule)
    size = integer("size", size, minimum=32, maximum=512)
    tissue = np.zeros((size, size), dtype=np.int8)
    hu = np.full((size, size), -1000.0)

    def paint(mask: np.ndarray, name: str, value: float) -> None:
        tissue[mask] = _CODE[name]
        hu[mask] = value

    s = rng.uniform(0.92, 1.04)  # patient size
    side = 1 if rng.random() < 0.5 else -1  # the lung in view: -1 image left, +1 image right
    lung_shapes = [
        (
            -0.02 + rng.uniform(-0.03, 0.03),
            lung_side * 0.36 * s,
            0.40 * s * rng.uniform(0.9, 1.08),
            0.26 * s * rng.uniform(0.9, 1.08),
            lung_side * rng.uniform(0.05, 0.25),
        )
        for lung_side in (-1, 1)
    ]
    # The patch: FIELD_OF_VIEW_MM around the lung in view, shifted a little at random.
    half = FIELD_OF_VIEW_MM / CHEST_MM_PER_UNIT / 2
    lung_y, lung_x = lung_shapes[(side + 1) // 2][:2]
    centre_y, centre_x = lung_y + rng.uniform(-0.04, 0.04), lung_x + rng.uniform(-0.04, 0.04)
    # Pixel centres in chest units, y down, x right.
    offsets = ((np.arange(size) + 0.5) / size * 2 - 1) * half
    yy, xx = np.meshgrid(centre_y + offsets, centre_x + offsets, indexing="ij")
    in_circle = np.hypot(*np.meshgrid(offsets, offsets, indexing="ij")) <= half

    body_rx, body_ry = 0.86 * s, 0.62 * s * rng.uniform(0.92, 1.05)
    paint(_ellipse(yy, xx, 0.02, 0, body_ry, body_rx), "fat", rng.uniform(-115, -85))
    fat = rng.uniform(0.05, 0.10)
    paint(_ellipse(yy, xx, 0.02, 0, body_ry - fat, body_rx - fat), "soft tissue", rng.uniform(25, 55))
    # Ribs: small bone discs along the inside of the chest wall.
    for theta in np.linspace(0.35, np.pi - 0.35, 5):
        for rib_side in (-1, 1):
            ry_, rx_ = body_ry - fat - 0.05, body_rx - fat - 0.05
            cy, cx = 0.02 - ry_ * np.sin(theta) * 0.9 * rng.uniform(0.97, 1.03), rib_side * rx_ * np.cos(theta)
            paint(_ellipse(yy, xx, cy, cx, 0.04, 0.05), "bone", rng.uniform(500, 800))
    lung_hu = rng.uniform(-880, -820)
    lungs = np.zeros((size, size), dtype=bool)
    for cy, cx, ry, rx, angle in lung_shapes:
        lung = _ellipse(yy, xx, cy, cx, ry, rx, angle)
        lungs |= lung
        paint(lung, "lung", lung_hu + rng.uniform(-15, 15))
    # Heart and mediastinum between the lungs, pushing into the left lung (image right).
    paint(_ellipse(yy, xx, 0.08, 0.07 * s, 0.24 * s, 0.22 * s, rng.uniform(-0.4, 0.4)), "heart and vessels", 40.0)
    paint(_ellipse(yy, xx, -0.28 * s, -0.02, 0.10 * s, 0.09 * s), "heart and vessels", 45.0)  # aorta, great vessels
    paint(_ellipse(yy, xx, 0.30 * s, 0.10 * s, 0.06, 0.06), "heart and vessels", 45.0)  # descending aorta
    paint(_ellipse(yy, xx, 0.47 * s, 0.0, 0.10, 0.10), "bone", rng.uniform(600, 900))  # vertebral body
    paint(_ellipse(yy, xx, -0.57 * s, 0.0, 0.035, 0.08), "bone", rng.uniform(400, 700))  # sternum
    paint(~in_circle, "air", -1000.0)  # outside the reconstruction circle
    lung_mask = (tissue == _CODE["lung"]) & lungs
    # Vessels: small round or elongated bright spots inside the lung, 2 to 5 mm across, the confounders.
    mm = 1.0 / CHEST_MM_PER_UNIT
    inside = np.argwhere(lung_mask)
    for _ in range(rng.integers(10, 20) if len(inside) else 0):
        row, col = inside[rng.integers(len(inside))]
        radius = rng.uniform(1.0, 2.5) * mm
        elong = rng.uniform(1.0, 3.0)
        vessel = _ellipse(yy, xx, yy[row, col], xx[row, col], radius, radius * elong, rng.uniform(0, np.pi)) & lung_mask
        paint(vessel, "lung vessel", rng.uniform(-100, 50))
    centre = radius_px = None
    if nodule:
        diameter_mm = float(rng.uniform(*NODULE_DIAMETER_MM))
        radius_px = diameter_mm / 2 / pixel_spacing_mm(size)
        # A centre whose whole disc (plus a pixel) lies in the lung: erode the lung (with its vessels) by the radius.
        from scipy.ndimage import distance_transform_edt

        room = distance_transform_edt(np.isin(tissue, (_CODE["lung"], _CODE["lung vessel"])) & lungs)
        candidates = np.argwhere(room >= radius_px + 1.0)
        if len(candidates) == 0:  # a lung too small for this nodule: the roomiest place
            candidates = np.argwhere(room == room.max())
        row, col = candidates[rng.integers(len(candidates))] + rng.uniform(-0.5, 0.5, 2)
        centre = (float(row), float(col))
        cover = _disc_coverage(size, row, col, radius_px)
        solid = rng.random() < 0.6
        value = rng.uniform(-20, 60) if solid else rng.uniform(-650, -350)
        touched = cover > 0
        hu[touched] = (1 - cover[touched]) * hu[touched] + cover[touched] * value
        tissue[cover >= 0.5] = _CODE["nodule"]
    return hu, tissue, centre, radius_px


# ---------------------------------------------------------------------------
# Teaching simulator: acquisition


@dataclass(frozen=True)
class Acquisition:
    """The stages of one simulated scan (see :func:`acquire`)."""

    sinogram: np.ndarray = field(repr=False)  #: noise-free line integrals, shape (detectors, angles)
    noisy_sinogram: np.ndarray = field(repr=False)  #: after Poisson photon noise
    image: np.ndarray = field(repr=False)  #: filtered back-projection, in HU
    angles: np.ndarray = field(repr=False)  #: projection angles in degrees
    dose: float


def _angles(n_angles: int) -> np.ndarray:
    return np.linspace(0.0, 180.0, n_angles, endpoint=False)


@lru_cache(maxsize=4)
def projection_matrices(size: int, n_angles: int = N_ANGLES) -> tuple[np.ndarray, np.ndarray]:
    """Radon projection and filtered back-projection as matrices, built from scikit-image's ``iradon``.

    Both operators are linear, and each projection angle and detector bin
    contributes separately, so applying ``skimage.transform.iradon`` to one
    bin of one angle at a time gives one row of each matrix:

    - ``fbp`` (ramp filter): ``image.ravel() = sinogram.ravel() @ fbp``, equal
      to ``iradon(sinogram, circle=True)``;
    - ``projection`` (no filter, rescaled): the pixel-driven Radon transform,
      the transpose of the back-projection, ``sinogram.ravel() = projection @ image.ravel()``.
      It agrees with ``skimage.transform.radon`` to a few per cent (relative
      L2 norm) and costs one matrix product for a whole batch of slices.

    Returns
    -------
    projection : numpy.ndarray, shape (size * n_angles, size * size)
    fbp : numpy.ndarray, shape (size * n_angles, size * size)
        Rows are ordered as ``sinogram.ravel()`` of a (size, n_angles) sinogram.

    Examples
    --------
    >>> from skimage.transform import iradon
    >>> sino = np.random.default_rng(0).random((32, 8))
    >>> reference = iradon(sino, _angles(8), circle=True, filter_name="ramp")
    >>> bool(np.allclose(sino.ravel() @ projection_matrices(32, 8)[1], reference.ravel(), atol=1e-5))
    True
    """
    from skimage.transform import iradon

    size, n_angles = integer("size", size, minimum=32, maximum=512), integer("n_angles", n_angles, minimum=8)
    projection = np.empty((size, n_angles, size * size), dtype=np.float32)
    fbp = np.empty_like(projection)
    unit = np.zeros((size, 1))
    for j, angle in enumerate(_angles(n_angles)):
        for k in range(size):
            unit[:] = 0
            unit[k] = 1
            # iradon scales its sum over angles by pi / (2 * number of angles); undo it for one angle.
            projection[k, j] = iradon(unit, [angle], circle=True, filter_name=None).ravel() / (np.pi / 2)
            fbp[k, j] = iradon(unit, [angle], circle=True, filter_name="ramp").ravel() / n_angles
    matrices = projection.reshape(size * n_angles, -1), fbp.reshape(size * n_angles, -1)
    for matrix in matrices:
        matrix.setflags(write=False)
    return matrices


def _attenuation(hu: np.ndarray) -> np.ndarray:
    """Linear attenuation per pixel, mu * pixel size, from HU (air and below: zero)."""
    pixel_mm = FIELD_OF_VIEW_MM / hu.shape[-1]
    return np.clip(MU_WATER_PER_MM * (1 + hu / 1000.0), 0, None) * pixel_mm


def _photon_noise(sinogram: np.ndarray, dose: float, rng: np.random.Generator) -> np.ndarray:
    photons = STANDARD_PHOTONS * dose
    counts = rng.poisson(photons * np.exp(-sinogram))
    return -np.log(np.maximum(counts, 1) / photons)  # a bin that received no photon is clamped to one


def _to_hu(mu_per_pixel: np.ndarray) -> np.ndarray:
    size = mu_per_pixel.shape[-1]
    image = 1000.0 * (mu_per_pixel / (FIELD_OF_VIEW_MM / size) / MU_WATER_PER_MM - 1)
    rows, cols = np.indices((size, size)) - (size - 1) / 2
    image[..., rows**2 + cols**2 > (size / 2) ** 2] = -1000.0  # outside the reconstruction circle
    return image


def _scan(phantoms: np.ndarray, doses: Sequence[float], rngs: Sequence[np.random.Generator], n_angles: int):
    """Scan a batch of phantoms (n, size, size) at each dose; returns sinograms and images per dose."""
    n, size = phantoms.shape[0], phantoms.shape[-1]
    projection, fbp = projection_matrices(size, n_angles)
    sinograms = (_attenuation(phantoms).reshape(n, -1).astype(np.float32) @ projection.T).astype(float)
    results = []
    for dose in doses:
        noisy = np.stack([_photon_noise(sinogram, dose, rng) for sinogram, rng in zip(sinograms, rngs, strict=True)])
        images = _to_hu((noisy.astype(np.float32) @ fbp).reshape(n, size, size))
        results.append((noisy, images))
    return sinograms, results


def acquire(
    hu: object, dose: float = 1.0, rng: np.random.Generator | None = None, n_angles: int = N_ANGLES
) -> Acquisition:
    """Scan a phantom: Radon projection, Poisson photon noise, filtered back-projection.

    HU become linear attenuation :math:`\\mu = \\mu_w (1 + HU / 1000)`; each
    ray's line integral :math:`p` (the Radon transform) leaves
    :math:`N_0 e^{-p}` photons on average, with :math:`N_0` proportional to
    the dose; the detector counts a Poisson number :math:`N`, and
    :math:`-\\log(N / N_0)` is reconstructed by filtered back-projection with
    the ramp filter (scikit-image's ``iradon``, see
    :func:`projection_matrices`). Fewer photons mean relatively more noise:
    the image noise variance grows roughly as 1 / dose.

    Parameters
    ----------
    hu : array-like, shape (n, n)
        A phantom in HU, air (-1000 HU) outside the inscribed circle.
    dose : float in (0, 100], default 1.0
        Relative dose; 1 is the standard protocol, 0.25 a quarter-dose scan.
    rng : numpy.random.Generator, optional
        Source of the photon noise; default a generator seeded with 0.
    n_angles : int, default :data:`N_ANGLES`

    Returns
    -------
    Acquisition

    Examples
    --------
    >>> hu, *_ = chest_phantom(np.random.default_rng(0))
    >>> scan = acquire(hu, dose=1.0, rng=np.random.default_rng(1))
    >>> scan.sinogram.shape, scan.image.shape
    ((64, 48), (64, 64))
    """
    phantom = finite_values("hu", hu)
    if phantom.ndim != 2 or phantom.shape[0] != phantom.shape[1]:
        raise ValueError(f"hu must be a square 2-D image, got shape {phantom.shape}")
    dose, n_angles = number_in("dose", dose, "(0, 100]"), integer("n_angles", n_angles, minimum=8)
    rng = np.random.default_rng(0) if rng is None else generator("rng", rng)
    sinograms, [(noisy, images)] = _scan(phantom[None], [dose], [rng], n_angles)
    shape = (phantom.shape[0], n_angles)
    return Acquisition(
        sinogram=sinograms[0].reshape(shape),
        noisy_sinogram=noisy[0].reshape(shape),
        image=images[0],
        angles=_angles(n_angles),
        dose=dose,
    )


@dataclass(frozen=True)
class ChestCTSet:
    """Simulated chest CT slices with their ground truth (see :func:`simulate_chest_ct`)."""

    images: np.ndarray = field(repr=False)  #: float32, shape (n, size, size), HU
    labels: np.ndarray = field(repr=False)  #: 1 if the slice has a nodule
    centres: np.ndarray = field(repr=False)  #: nodule centre (row, column) in pixels, NaN without nodule
    radii: np.ndarray = field(repr=False)  #: nodule radius in pixels, NaN without nodule
    dose: float
    seed: int
    pixel_mm: float = FIELD_OF_VIEW_MM / 64  #: side of one pixel in mm

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def diameter_mm(self) -> np.ndarray:
        """Nodule diameter in mm (``2 * radii * pixel_mm``), NaN without nodule."""
        return 2 * self.radii * self.pixel_mm

    @property
    def bands(self) -> np.ndarray:
        """Each slice's nodule size band (:func:`size_band`), ``""`` without nodule."""
        return size_band(self.diameter_mm)


def _cache_file(params: dict) -> Path:
    import skimage

    from companion.data import data_cache_dir

    # The key holds every parameter, this module's source (any change to the simulator makes a new
    # entry) and the versions of the libraries that compute the images.
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    versions = {"skimage": skimage.__version__, "numpy": np.__version__}
    key = json.dumps({**params, "source": source, **versions}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return data_cache_dir() / "imaging" / f"chest_ct_{digest}.npz"


def simulate_chest_ct(
    n: int,
    size: int = 64,
    nodule_fraction: float = 0.5,
    dose: float = 1.0,
    seed: int = 0,
    *,
    n_angles: int = N_ANGLES,
    cache: bool = True,
) -> ChestCTSet:
    """Simulate ``n`` chest CT slices, some with a lung nodule: a teaching simulator, not patient data.

    Each slice is a random :func:`chest_phantom` scanned as in
    :func:`acquire`, all slices at once (two matrix products, see
    :func:`projection_matrices`). The anatomy of slice *i* and its noise
    come from separate random streams derived from ``seed``: the same seed
    at another dose gives the same patients scanned with another protocol.

    Parameters
    ----------
    n : int
        Number of slices.
    size : int, default 64
        Image side in pixels; the field of view stays :data:`FIELD_OF_VIEW_MM`,
        so ``size`` sets the pixel spacing.
    nodule_fraction : float in [0, 1], default 0.5
        Fraction of slices with a nodule (rounded to a whole number, order random).
    dose : float in (0, 100], default 1.0
        Relative dose (1 = standard).
    seed : int, default 0
    n_angles : int, default :data:`N_ANGLES`
    cache : bool, default True
        Keep the result in the data cache (:func:`companion.data.data_cache_dir`:
        ``$COMPANION_DATA_DIR`` or the user cache), keyed by every parameter and
        the simulator's version; later calls read it back.

    Returns
    -------
    ChestCTSet
        Images in HU with labels, nodule centres and radii in pixels, the
        pixel spacing ``pixel_mm`` and, derived from them, each nodule's
        ``diameter_mm`` and size ``bands``.

    Examples
    --------
    >>> ct = simulate_chest_ct(4, nodule_fraction=0.5, seed=0, cache=False)
    >>> ct.images.shape, int(ct.labels.sum()), int(np.isnan(ct.radii).sum()), ct.pixel_mm
    ((4, 64, 64), 2, 2, 2.0)
    >>> bool(np.all((ct.diameter_mm[ct.labels == 1] >= 4) & (ct.diameter_mm[ct.labels == 1] <= 30)))
    True
    """
    n, size = positive_int("n", n), integer("size", size, minimum=32, maximum=512)
    nodule_fraction, dose = fraction("nodule_fraction", nodule_fraction), number_in("dose", dose, "(0, 100]")
    seed, n_angles = non_negative_int("seed", seed), integer("n_angles", n_angles, minimum=8)
    params = {"n": n, "size": size, "nodule_fraction": nodule_fraction, "dose": dose, "seed": seed}
    path = _cache_file({**params, "n_angles": n_angles}) if flag("cache", cache) else None
    if path is not None and path.is_file():
        with np.load(path) as stored:
            arrays = {key: stored[key] for key in ("images", "labels", "centres", "radii")}
        return ChestCTSet(**arrays, dose=dose, seed=int(seed), pixel_mm=pixel_spacing_mm(size))

    label_seed, *slice_seeds = np.random.SeedSequence(int(seed)).spawn(n + 1)
    # An exact share of nodules, in a random order.
    labels = np.random.default_rng(label_seed).permutation(np.arange(n) < round(n * nodule_fraction)).astype(np.int64)
    phantoms = np.empty((n, size, size))
    centres, radii = np.full((n, 2), np.nan), np.full(n, np.nan)
    noise_rngs = []
    for i, (slice_seed, label) in enumerate(zip(slice_seeds, labels, strict=True)):
        anatomy, noise = (np.random.default_rng(s) for s in slice_seed.spawn(2))
        phantoms[i], _, centre, radius = chest_phantom(anatomy, size, nodule=bool(label))
        noise_rngs.append(noise)
        if label:
            centres[i], radii[i] = centre, radius
    images = _scan(phantoms, [dose], noise_rngs, n_angles)[1][0][1].astype(np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(temporary, images=images, labels=labels, centres=centres, radii=radii)
        temporary.replace(path)  # atomic: a reader never sees half a file
    return ChestCTSet(
        images=images,
        labels=labels,
        centres=centres,
        radii=radii,
        dose=dose,
        seed=int(seed),
        pixel_mm=pixel_spacing_mm(size),
    )


def noise_std(images: object, region: Sequence[slice] | None = None) -> float:
    """Standard deviation in HU of the difference of two scans, divided by sqrt(2): the noise alone.

    Parameters
    ----------
    images : array-like, shape (2, H, W)
        Two scans of the same phantom with independent noise.
    region : tuple of slices, optional
        Part of the image to measure (default: the central quarter).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(noise_std(rng.normal(0, 10, (2, 64, 64))), 0)
    10.0
    """
    array = finite_values("images", images)
    if array.ndim != 3 or array.shape[0] != 2 or min(array.shape[1:]) < 2:
        raise ValueError(f"images must have shape (2, H, W), H and W >= 2: two scans of one phantom; got {array.shape}")
    h, w = array.shape[1:]
    if region is None:
        region = (slice(h // 4, 3 * h // 4), slice(w // 4, 3 * w // 4))
    elif not (isinstance(region, tuple) and len(region) == 2 and all(isinstance(part, slice) for part in region)):
        raise ValueError(f"region must be a pair of slices (rows, columns), got {region!r}")
    difference = array[0][region] - array[1][region]
    if difference.size < 2:
        raise ValueError(f"region must cover at least two pixels, got {region!r} ({difference.size} pixel(s))")
    return float(difference.std() / np.sqrt(2))


# ---------------------------------------------------------------------------
# Optional real data: MedMNIST (downloaded on request, never during the book's build)

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
    from companion.data import data_cache_dir, fetch

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
