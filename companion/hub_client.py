"""A learner at a JupyterHub, over HTTP only: log in, start the server, pull the course, run a notebook.

Everything goes through the hub's proxy, as a browser's requests would: the hub's REST API, the
learner's own Jupyter server (contents, sessions) and the kernel's websocket, with the token that
the learner's password obtained. The simulated class (:mod:`companion.simulated_class`) and the
classroom's tests use it. Every wait is bounded in time, and only the hub's address is contacted.
"""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import requests
import websocket

from companion import validation

#: Bounds of the waits (seconds): a server's start, a pull, one cell of a chapter.
SPAWN_SECONDS = 300
PULL_SECONDS = 300
CELL_SECONDS = 600
#: Bound of one HTTP request.
REQUEST_SECONDS = 60


class KernelRestarted(RuntimeError):
    """The kernel died or was restarted while a cell ran: the notebook must run again from the top."""


class Learner:
    """One learner, identified by name and password, at the hub of ``hub_url`` (``http://127.0.0.1:8000``)."""

    def __init__(self, hub_url: str, name: str, password: str) -> None:
        self.hub_url = validation.text("hub_url", hub_url).rstrip("/")
        if urlsplit(self.hub_url).hostname not in {"127.0.0.1", "::1", "localhost"}:
            raise ValueError(f"hub_url must be a loopback address, got {hub_url!r}")
        self.name = validation.text("name", name)
        self.password = validation.text("password", password)
        self.session = requests.Session()
        self.token: str | None = None

    # -- the hub ---------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, token: str | None = None, **options) -> requests.Response:
        """One request to the hub's address, authenticated with ``token`` (default: this learner's own)."""
        token = token or self.token
        headers = {"Authorization": f"token {token}"} if token else {}
        address = f"{self.hub_url}{path}"
        return self.session.request(method, address, headers=headers, timeout=REQUEST_SECONDS, **options)

    def token_for(self, name: str, password: str) -> requests.Response:
        """Ask the hub's REST API for a token of account ``name``, authenticated by ``password`` alone.

        Without this learner's cookies: with them the hub would take the request as theirs.
        """
        body = {"auth": {"username": name, "password": password}, "note": "simulated learner", "expires_in": 7200}
        return requests.post(f"{self.hub_url}/hub/api/users/{name}/tokens", json=body, timeout=REQUEST_SECONDS)

    def log_in(self) -> Learner:
        """Obtain this learner's token with their password; a refusal raises PermissionError."""
        answer = self.token_for(self.name, self.password)
        if answer.status_code != 201:
            raise PermissionError(f"{self.name} could not log in: HTTP {answer.status_code}")
        self.token = answer.json()["token"]
        return self

    def log_in_browser(self) -> None:
        """Log in through the hub's login form, as a browser does: links (nbgitpuller's) need its cookies."""
        self.session.get(f"{self.hub_url}/hub/login", timeout=REQUEST_SECONDS)
        form = {"username": self.name, "password": self.password, "_xsrf": self.session.cookies.get("_xsrf", "")}
        answer = self.session.post(f"{self.hub_url}/hub/login", data=form, timeout=REQUEST_SECONDS)
        if "/hub/login" in answer.url:
            raise PermissionError(f"{self.name} could not log in through the login form: HTTP {answer.status_code}")

    def start_server(self) -> None:
        """Start this learner's server and wait until the hub says it is ready."""
        answer = self.request("POST", f"/hub/api/users/{self.name}/server")
        if answer.status_code not in {201, 202, 400}:  # 400: already running
            raise RuntimeError(f"{self.name}'s server did not start: HTTP {answer.status_code} {answer.text[:200]}")
        deadline = time.monotonic() + SPAWN_SECONDS
        while time.monotonic() < deadline:
            model = self.request("GET", f"/hub/api/users/{self.name}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            if not model.get("pending") and not server:
                raise RuntimeError(f"{self.name}'s server stopped while starting")
            time.sleep(1)
        raise TimeoutError(f"{self.name}'s server was not ready within {SPAWN_SECONDS} s")

    def server(self, path: str) -> str:
        """The address of ``path`` in this learner's server (``api/status`` -> ``/user/NAME/api/status``)."""
        return f"/user/{self.name}/{path.lstrip('/')}"

    # -- nbgitpuller -----------------------------------------------------------------------------
    def pull(self, link: str) -> list[str]:
        """Open an nbgitpuller link and follow its progress until the pull ends; return what the learner reads.

        The link leads, through the hub, to nbgitpuller's page in the learner's server; the page follows
        ``git-pull/api``'s event stream and shows each line of progress, and the error message if any.
        A failed pull raises RuntimeError with that text.
        """
        parts = urlsplit(link)
        if f"{parts.scheme}://{parts.netloc}" != self.hub_url:
            raise ValueError(f"link must lead to this hub ({self.hub_url}), got {link!r}")
        page = self.request("GET", f"{parts.path}?{parts.query}")
        if "/hub/login" in page.url:  # as for a learner who opens the link in a new browser: log in, then go on
            self.log_in_browser()
            page = self.request("GET", f"{parts.path}?{parts.query}")
        if page.status_code != 200 or "/git-pull" not in page.url:
            raise RuntimeError(f"the link did not open nbgitpuller's page: HTTP {page.status_code} at {page.url}")
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        seen: list[str] = []
        deadline = time.monotonic() + PULL_SECONDS
        with self.request("GET", self.server("git-pull/api"), params=query, stream=True) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name}'s pull did not finish within {PULL_SECONDS} s")
                if not line or not line.startswith("data:"):
                    continue
                event = json.loads(line.removeprefix("data:"))
                seen += [text for text in (event.get("output"), event.get("message")) if text]
                if event.get("phase") == "error":
                    raise RuntimeError("\n".join(seen))
                if event.get("phase") == "finished":
                    return seen
        raise RuntimeError(f"{self.name}'s pull ended without finishing:\n" + "\n".join(seen))

    # -- a notebook in the learner's kernel ------------------------------------------------------
    def run_notebook(self, path: str, *, attempts: int = 2, after_cell=None) -> dict:
        """Execute every code cell of the notebook at ``path`` (in the learner's home), in a new kernel.

        A kernel that dies or restarts on the way (:class:`KernelRestarted`) loses its state, so the notebook
        runs again from the top in a new session, at most ``attempts`` times in all. ``after_cell(index, kernel)``,
        if given, is called after each cell (the tests use it to kill a kernel in the middle of a chapter).

        Returns ``{"cells": cells executed, "errors": [...], "attempts": runs started}``.
        """
        attempts = validation.integer("attempts", attempts, minimum=1, maximum=5)
        answer = self.request("GET", self.server(f"api/contents/{path}"))
        answer.raise_for_status()
        cells = [cell["source"] for cell in answer.json()["content"]["cells"] if cell["cell_type"] == "code"]
        for attempt in range(1, attempts + 1):
            try:
                executed, errors = self.run_cells(path, cells, after_cell)
            except KernelRestarted:
                if attempt == attempts:
                    raise
                continue
            return {"cells": executed, "errors": errors, "attempts": attempt}
        raise AssertionError("unreachable")

    def run_cells(self, path: str, cells: list[str], after_cell=None) -> tuple[int, list[str]]:
        """Run ``cells`` in a new kernel session of the notebook ``path``, stopping at the first error."""
        body = {"path": path, "type": "notebook", "name": path.rsplit("/", 1)[-1], "kernel": {"name": "python3"}}
        session = self.request("POST", self.server("api/sessions"), json=body)
        session.raise_for_status()
        kernel = session.json()["kernel"]["id"]
        executed, errors = 0, []
        try:
            with self.kernel_socket(kernel) as channel:
                for index, source in enumerate(cells):
                    error = channel.execute(source)
                    executed += 1
                    if error:
                        errors.append(f"cell {index + 1}: {error}")
                        break
                    if after_cell is not None:
                        after_cell(index, kernel)
        finally:
            self.request("DELETE", self.server(f"api/sessions/{session.json()['id']}"))
        return executed, errors

    def kernel_socket(self, kernel: str) -> KernelChannel:
        """The websocket of ``kernel`` in this learner's server, through the hub's proxy."""
        address = self.hub_url.replace("http", "ws", 1) + self.server(f"api/kernels/{kernel}/channels")
        return KernelChannel(address, self.token, self.name)


class KernelChannel:
    """A kernel's websocket: sends ``execute_request`` messages and reads the replies (Jupyter protocol 5)."""

    def __init__(self, address: str, token: str, user: str) -> None:
        self.session = uuid.uuid4().hex
        self.user = user
        self.socket = websocket.create_connection(
            f"{address}?session_id={self.session}", header=[f"Authorization: token {token}"], timeout=5
        )

    def __enter__(self) -> KernelChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.socket.close()

    def execute(self, code: str) -> str | None:
        """Run ``code``; return the error's name and value if it raised, None if it ran."""
        message_id = uuid.uuid4().hex
        header = {"msg_id": message_id, "username": self.user, "session": self.session, "msg_type": "execute_request",
                  "version": "5.3", "date": ""}
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}
        self.socket.send(json.dumps(message))
        error, replied, idle = None, False, False
        deadline = time.monotonic() + CELL_SECONDS
        while not (replied and idle):
            if time.monotonic() > deadline:
                raise TimeoutError(f"a cell ran longer than {CELL_SECONDS} s")
            try:
                reply = json.loads(self.socket.recv())
            except websocket.WebSocketTimeoutException:
                continue
            except websocket.WebSocketConnectionClosedException as closed:
                raise KernelRestarted("the kernel's connection closed") from closed
            kind, content = reply["msg_type"], reply.get("content", {})
            if kind == "status" and content.get("execution_state") in {"restarting", "dead", "autorestarting"}:
                raise KernelRestarted(f"the kernel is {content['execution_state']}")
            if reply.get("parent_header", {}).get("msg_id") != message_id:
                continue
            if kind == "error":
                error = f"{content.get('ename')}: {content.get('evalue')}"
            elif kind == "execute_reply":
                replied = True
                if content.get("status") == "error" and error is None:
                    error = f"{content.get('ename')}: {content.get('evalue')}"
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        return error
