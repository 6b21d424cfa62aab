"""The one place that quiets TensorFlow and imports Keras.

TensorFlow prints its C++ start-up notices when it is imported. Most obey the
environment set *before* that import (:func:`companion.quiet_tensorflow`). One
does not: with oneDNN's fast convolutions on, TensorFlow announces them
through a logger that no setting reaches yet, straight to file descriptor 2,
where Jupyter turns it into a red stderr box under the cell. So the import
runs with that descriptor caught, and everything caught except the known
notices is passed on. Every module that builds or trains a network imports
Keras from here, so the order cannot go wrong:

>>> from companion.backend import keras, tf
>>> keras.__name__, tf.__name__
('keras', 'tensorflow')

Importing this module imports TensorFlow; ``import companion`` does not.

>>> with start_up_notices_dropped():
...     _ = os.write(2, b"I0000 port.cc:153] oneDNN custom operations are on.\\n")
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator

from companion import quiet_tensorflow

#: Lines of TensorFlow's start-up that say nothing a reader can act on.
START_UP_NOTICES = (b"oneDNN custom operations are on", b"All log messages before absl::InitializeLog()")


@contextlib.contextmanager
def start_up_notices_dropped() -> Iterator[None]:
    """Catch what is written to file descriptor 2 inside the block; pass on all but :data:`START_UP_NOTICES`."""
    sys.stderr.flush()  # what Python wrote before the block goes out before it
    with tempfile.TemporaryFile() as caught:
        saved = os.dup(2)
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            lines = caught.read().splitlines(keepends=True)
            # Back to descriptor 2, where it was going: a kernel that forwards that descriptor shows
            # it under the cell, one that does not (Colab's) keeps it in its log, as without this.
            os.write(2, b"".join(line for line in lines if not any(n in line for n in START_UP_NOTICES)))


quiet_tensorflow()
with start_up_notices_dropped():
    import keras
    import tensorflow as tf

__all__ = ["keras", "start_up_notices_dropped", "tf"]
