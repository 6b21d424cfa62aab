"""The imaging chapter's data and network: simulated chest CT scans and a small CNN that finds nodules.

:func:`simulate_chest_ct` draws phantoms (:mod:`companion.phantom`) and
"scans" them as a CT scanner would: a Radon projection (scikit-image), Poisson
photon noise set by the dose, and filtered back-projection, giving 64 x 64
slices of 2 mm pixels in Hounsfield units. :func:`build_nodule_cnn` is the
network that learns to find the nodules. Importing this module imports Keras,
and so TensorFlow; ``import companion`` does not.

Examples
--------
>>> ct = simulate_chest_ct(2, seed=0, cache=False)
>>> ct.images.shape, ct.labels.tolist()
((2, 64, 64), [0, 1])
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from companion.backend import keras
from companion.phantom import FIELD_OF_VIEW_MM, chest_phantom, pixel_spacing_mm, size_band
from companion.validation import (
    finite_values,
    flag,
    fraction,
    generator,
    integer,
    non_negative_int,
    number_in,
    positive_int,
    positive_number,
    text,
)

#: Linear attenuation of water at about 70 keV, per mm (HU are defined relative to it).
MU_WATER_PER_MM = 0.019
#: Photons reaching each detector bin through air at the standard dose (dose = 1).
STANDARD_PHOTONS = 2.0e4
#: Projection angles over 180 degrees (a sparse-view scan: fewer angles, faster, more streaks).
N_ANGLES = 48


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
    size, n_angles = integer("size", size, minimum=32, maximum=512), integer("n_angles", n_angles, minimum=8)
    # Built once per machine (seconds) and read from the data cache when needed (milliseconds), never
    # kept in memory between scans: at 64 x 64 pixels the two matrices take 96 MiB, a tenth of a
    # learner's memory, during the chapters' training.
    path = _cache_file({"size": size, "n_angles": n_angles}, "projection")
    try:
        with np.load(path) as stored:
            matrices = stored["projection"], stored["fbp"]
    except (OSError, KeyError, ValueError):  # not built yet on this machine, or a damaged file
        matrices = _build_projection_matrices(size, n_angles)
        _store(path, projection=matrices[0], fbp=matrices[1])
    for matrix in matrices:
        matrix.setflags(write=False)
    return matrices


def _build_projection_matrices(size: int, n_angles: int) -> tuple[np.ndarray, np.ndarray]:
    from skimage.transform import iradon

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
    return projection.reshape(size * n_angles, -1), fbp.reshape(size * n_angles, -1)


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
        """Each slice's nodule size band (:func:`companion.phantom.size_band`), ``""`` without nodule."""
        return size_band(self.diameter_mm)


def _cache_file(params: dict, stem: str = "chest_ct") -> Path:
    import skimage

    from companion.data import data_cache_dir

    # The key holds every parameter, this module's source (any change to the simulator makes a new
    # entry) and the versions of the libraries that compute the images.
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    versions = {"skimage": skimage.__version__, "numpy": np.__version__}
    key = json.dumps({**params, "source": source, **versions}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return data_cache_dir() / "imaging" / f"{stem}_{digest}.npz"


def _store(path: Path, **arrays: np.ndarray) -> None:
    """Write ``arrays`` to the data cache file ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(temporary, **arrays)
    temporary.replace(path)  # atomic: a reader never sees half a file


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

    Each slice is a random :func:`companion.phantom.chest_phantom` scanned as in
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
        _store(path, images=images, labels=labels, centres=centres, radii=radii)
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


def build_nodule_cnn(size: int = 64, learning_rate: float = 1e-2, *, name: str = "nodule_cnn") -> keras.Model:
    """A compiled small CNN that outputs the probability that a CT slice contains a nodule.

    The network of the imaging chapter: a random left-right flip (active only
    in training), three blocks of a 3 × 3 convolution without bias, batch
    normalisation and ReLU (16, 16 and 32 filters; the first two blocks
    followed by 2 × 2 max pooling), global max pooling (the strongest
    response anywhere: "is there a nodule anywhere?") and one sigmoid unit.
    The convolutions are named ``conv1`` to ``conv3`` and the ReLU layers
    ``relu1`` to ``relu3``, so Grad-CAM can name the layer it explains
    (``relu3`` is the last feature map, a quarter of the image's side).

    Parameters
    ----------
    size : int, default 64
        Side of the square one-channel input images, in pixels; a multiple
        of 4 (two poolings halve it twice).
    learning_rate : float, default 0.01
        Adam's step size; batch normalisation tolerates this large a step.
    name : str, default "nodule_cnn"
        Name of the Keras model.

    Returns
    -------
    keras.Model
        Compiled with ``binary_crossentropy``, Adam and the metric ``auc``
        (ROC AUC). Weights come from Keras's random state: call
        ``keras.utils.set_random_seed`` first for reproducible runs.

    Raises
    ------
    ValueError
        For a size that is not a positive multiple of 4 or a learning rate
        that is not a positive finite number.

    Examples
    --------
    >>> model = build_nodule_cnn()
    >>> model.output_shape, model.get_layer("relu3").output.shape
    ((None, 1), (None, 16, 16, 32))
    >>> model.count_params()  # 9 * (1*16 + 16*16 + 16*32) + 4 * (16 + 16 + 32) + 32 + 1
    7345
    """
    size = integer("size", size, minimum=4)
    if size % 4:
        raise ValueError(f"size must be a positive multiple of 4 (pixels), got {size!r}")
    learning_rate = positive_number("learning_rate", learning_rate)
    text("name", name)
    inputs = keras.Input(shape=(size, size, 1))
    x = keras.layers.RandomFlip("horizontal")(inputs)
    for i, filters in enumerate((16, 16, 32)):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i + 1}")(x)
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.ReLU(name=f"relu{i + 1}")(x)
        if i < 2:
            x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.GlobalMaxPooling2D()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=[keras.metrics.AUC(name="auc")],
    )
    return model
