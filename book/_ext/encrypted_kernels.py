"""The chapters' kernels talk to the build over an encrypted connection.

ipykernel (7.4 and later) warns, once per executed notebook, "Kernel is running
over TCP without encryption", because jupyter_client's kernel managers leave
CurveZMQ encryption off by default (``transport_encryption = "disabled"``).
myst-nb executes the chapters through jupyter-cache and nbclient, which create
their kernel manager without any configuration the book could pass, so this
extension changes the default for the build process instead: with ``"auto"``
the manager provisions CurveZMQ keys for every kernel whose kernelspec declares
support (ipykernel's does), the kernel encrypts its sockets, and the cause of
the warning is gone. A kernel without that support still runs, unencrypted.
"""

from __future__ import annotations

import zmq
from jupyter_client.manager import KernelManager
from sphinx.application import Sphinx


def encrypt_kernel_connections() -> None:
    """Make "auto" the transport encryption of every kernel manager this process creates."""
    if zmq.has("curve"):  # pyzmq's bundled libzmq is built with libsodium; a system one may not be
        KernelManager.class_traits()["transport_encryption"].default_value = "auto"


def setup(app: Sphinx) -> dict:
    encrypt_kernel_connections()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
