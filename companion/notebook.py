"""What every notebook calls first: seeds, quiet TensorFlow, plot style, versions, glued numbers.

The chapters reach these through ``companion`` itself (``companion.setup()``, ``companion.glue``),
which re-exports them. Nothing here imports TensorFlow or matplotlib until a function needs it,
so that ``import companion`` stays fast.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import random
import sys
from collections.abc import Iterator
from importlib import metadata

from companion import __version__

#: The companion's name on the package index; the import name stays ``companion``.
DISTRIBUTION = "dl-medicine-companion"

#: Okabe and Ito's palette, distinguishable with the common colour-vision deficiencies.
OKABE_ITO = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]

#: Distributions whose versions a chapter prints, in this order.
REPORTED_PACKAGES = ["numpy", "pandas", "scikit-learn", "matplotlib", "keras", "tensorflow"]

# TensorFlow prints C++ start-up notices to stderr when it is imported. They
# must be silenced through the environment *before* that import, or they land
# on the pages (and break the warning-free book build). oneDNN's operations stay
# on (TensorFlow's default): they train the imaging chapter's CNN twice as fast,
# and give the same numbers run after run on the same machine. The one notice
# that no setting silences, oneDNN's, is dropped by companion.backend.
QUIET_TENSORFLOW_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3"}


def quiet_tensorflow() -> None:
    """Keep TensorFlow's start-up messages off stderr (call before importing it)."""
    for name, value in QUIET_TENSORFLOW_ENV.items():
        os.environ.setdefault(name, value)


#: Allocations at least this large get a mapping of their own, returned to the system when freed.
MMAP_THRESHOLD_BYTES = 1 << 20
#: glibc's ``mallopt`` parameter number for that threshold (``M_MMAP_THRESHOLD`` in malloc.h).
M_MMAP_THRESHOLD = -3


def return_freed_buffers() -> bool:
    """Make freed tensors give their memory back to the system (glibc only; elsewhere nothing changes).

    glibc raises its mapping threshold each time a large block is freed, up to 32 MiB: after
    TensorFlow frees its first big buffers, later ones of a few MiB come from the heap, which
    fragments and never shrinks. A kernel that trains an image network then keeps hundreds of
    MiB it no longer uses. A fixed threshold of 1 MiB keeps every chapter under 1 GiB of resident
    memory (``make bench``), for a few seconds more of system time in the image chapters.
    Returns whether the setting took effect.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):  # another C library (musl) or none by that name
        return False


@contextlib.contextmanager
def quiet_logger(name: str) -> Iterator[None]:
    """Within the block, the Python logger ``name`` shows errors only (expected warnings stay off the page).

    Used for TensorFlow's retracing warning, which a new model or a shorter last
    batch triggers by design, and for messages a library logs and then handles.

    Examples
    --------
    >>> import logging
    >>> with quiet_logger("tensorflow"):
    ...     logging.getLogger("tensorflow").level == logging.ERROR
    True
    """
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def installed_version(distribution: str) -> str | None:
    """Version of an installed distribution, or ``None`` if it is absent."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str]:
    """Python's version and those of the packages the chapters rely on."""
    found = {"python": sys.version.split()[0], "companion": __version__}
    for name in REPORTED_PACKAGES:
        # The CPU-only TensorFlow wheel is a different distribution name.
        version = installed_version(name) or (installed_version("tensorflow-cpu") if name == "tensorflow" else None)
        found[name] = version or "not installed"
    return found


def glue(name: str, value: object, display: bool = True) -> None:
    """Keep ``value`` under ``name`` for the book's ``{glue:text}`` roles; elsewhere, only show it.

    In the book's build, where myst-nb is installed, this is ``myst_nb.glue``:
    the value is stored in the cell's output and pasted into the prose. A
    plain Jupyter, Colab or hub runtime has no myst-nb, and needs none: the
    reader's edition already carries the built book's numbers in its text.
    There the value is shown when ``display`` is true, and otherwise dropped.

    Examples
    --------
    >>> glue("answer", 42, display=False)  # stored for the book, or dropped
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)


def set_plot_style() -> None:
    """Colour-blind-safe, readable matplotlib defaults for every figure of the book."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
            "image.cmap": "viridis",
            "figure.figsize": (6.4, 4.0),
            # 100 dpi: a 6.4-inch figure is 640 pixels wide, about the width of the book's text column,
            # and a chapter's PNGs stay well within the 3 MB page budget (tests/test_built_site.py).
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.constrained_layout.use": True,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 11,
        }
    )


@functools.cache
def _thread_budget() -> tuple[int, str]:
    """This process's CPU budget and its source (:func:`companion.threads.cpu_budget`), read once.

    Once per process: TensorFlow's pools cannot change after its runtime starts, and
    :func:`~companion.threads.limit_threads` sets ``OMP_NUM_THREADS``, which a second
    reading would mistake for the reader's own choice.
    """
    from companion.threads import cpu_budget

    return cpu_budget()


def setup(seed: int = 0, *, keras: bool = True, verbose: bool = True) -> None:
    """Prepare a notebook: seeds, quiet TensorFlow, threads, plot style, versions.

    Parameters
    ----------
    seed : int, default 0
        Seed for Python's ``random``, NumPy's global generator and, when
        ``keras`` is true, Keras and TensorFlow (``keras.utils.set_random_seed``).
    keras : bool, default True
        Also import Keras (and so TensorFlow), seed it and make TensorFlow's
        operations deterministic. Chapters that never train a network pass
        ``False`` and start about five seconds faster.
    verbose : bool, default True
        Print one line with the versions that matter (see :func:`versions`),
        and one with the number of threads chosen and why (see :mod:`companion.threads`).

    Notes
    -----
    The environment variable ``COMPANION_SEED``, when set to a non-negative
    integer, replaces ``seed``. It lets a seed study run every chapter unchanged
    under other seeds (``benchmarks/seed_spread.py``); the page then prints the
    seed it used, so a run under another seed is never mistaken for the book's.

    Examples
    --------
    >>> import numpy as np
    >>> setup(seed=1, keras=False, verbose=False); a = np.random.rand()
    >>> setup(seed=1, keras=False, verbose=False); bool(a == np.random.rand())
    True
    """
    from companion.validation import non_negative_int  # here, not at the top: it imports NumPy

    seed = non_negative_int("seed", seed)
    override = os.environ.get("COMPANION_SEED", "").strip()
    if override:
        if not override.isdigit():
            raise ValueError(f"COMPANION_SEED must be a non-negative integer, got {override!r}")
        seed = int(override)
        print(f"seed {seed}, from COMPANION_SEED")
    quiet_tensorflow()
    return_freed_buffers()  # before TensorFlow allocates anything
    threads, threads_source = _thread_budget()
    import numpy as np

    random.seed(seed)
    # Readers' own cells may use the legacy global generator; seed it too.
    np.random.seed(seed)  # noqa: NPY002
    from companion.threads import limit_threads

    if keras:
        from companion.backend import keras as keras_module
        from companion.backend import tf
    # After TensorFlow's import and before its first operation, while its pools can still be sized;
    # without it, through the environment, should the reader import TensorFlow later.
    limit_threads(threads)
    if keras:
        keras_module.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
    set_plot_style()
    if verbose:
        print(" | ".join(f"{name} {version}" for name, version in versions().items()))
        print(f"threads: {threads} ({threads_source})")
