"""A JupyterHub process, started from a written configuration and stopped with everything it started.

The hub runs in a session of its own, so that the terminal's Ctrl-C reaches only the command that
started it; :meth:`Hub.stop` then stops it with SIGTERM, on which JupyterHub stops every learner's
server and the proxy. Whatever is still alive after that (a server that ignored the signal, a
kernel it left behind) is killed, so that no process outlives the class.
"""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from companion import hub, validation

#: Bounds of the waits: a cold hub on a busy two-core machine starts in a few seconds.
START_SECONDS = 90
STOP_SECONDS = 60


class Hub:
    """One running hub: its process, its log, and the address that answers learners."""

    def __init__(self, jupyterhub: Path, config: Path, url: str) -> None:
        self.config = validation.folder("config", config)
        self.url = validation.text("url", url).rstrip("/")
        self.log = self.config.parent / "jupyterhub.log"
        self.process: subprocess.Popen | None = None
        self.jupyterhub = Path(jupyterhub)

    def start(self) -> Hub:
        """Start the hub and wait (at most :data:`START_SECONDS`) until its API answers through the proxy."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(self.jupyterhub), "-f", str(self.config)],
                cwd=self.config.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub stopped at start (exit {self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the hub did not answer within {START_SECONDS} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the hub's log, to explain a failure."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    def processes(self) -> list[psutil.Process]:
        """The hub and everything it started (the proxy, the learners' servers and their kernels)."""
        if self.process is None or self.process.poll() is not None:
            return []
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> list[int]:
        """Stop the hub, which stops the servers and the proxy; kill what is left. Return the killed ids."""
        started = self.processes()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        left = [process for process in started if process.is_running() and process.status() != psutil.STATUS_ZOMBIE]
        for process in left:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(left, timeout=10)
        return [process.pid for process in left]

    def __enter__(self) -> Hub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def hub_url(address: str = hub.LOOPBACK, port: int = hub.DEFAULT_PORT) -> str:
    """The address learners open: ``http://127.0.0.1:8000``."""
    host = f"[{address}]" if ":" in address else address
    return f"http://{'127.0.0.1' if address in {'0.0.0.0', ''} else host}:{hub.ports(port)['proxy']}"
