"""Companion package of the course "Deep Learning in Medicine".

Importing it is fast and does not import TensorFlow; the submodules that
need TensorFlow import it themselves. Every chapter starts with::

    import companion
    companion.setup()

Examples
--------
>>> import companion
>>> companion.__version__
'0.2.0'
"""

from __future__ import annotations

__version__ = "0.2.0"

# The notebook helpers, re-exported so that every chapter starts with ``companion.setup()``.
# This is the package's one re-export; every other name is imported from its own module.
from companion.notebook import (  # noqa: E402 (after __version__, which notebook.py reads)
    DISTRIBUTION,
    OKABE_ITO,
    glue,
    installed_version,
    quiet_logger,
    quiet_tensorflow,
    set_plot_style,
    setup,
    versions,
)

__all__ = [
    "DISTRIBUTION",
    "OKABE_ITO",
    "__version__",
    "glue",
    "installed_version",
    "quiet_logger",
    "quiet_tensorflow",
    "set_plot_style",
    "setup",
    "versions",
]
