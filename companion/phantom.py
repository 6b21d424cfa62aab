"""The simulated chest: the anatomy that the imaging chapter's scanner images.

:func:`chest_phantom` draws an axial chest slice in Hounsfield units (body,
lungs, heart, spine, ribs, lung vessels and, if asked, a solid or ground-glass
nodule 4 to 30 mm across) as a 128 mm patch around one lung, with a label map
of its tissues. The slices are simulated, not patient data, and carry no
clinical meaning; they exist because their ground truth (where the nodule is)
is known exactly. :mod:`companion.imaging` scans them.

Examples
--------
>>> pixel_spacing_mm(64)
2.0
"""

from __future__ import annotations

import numpy as np

from companion.validation import flag, generator, integer, real_array

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
