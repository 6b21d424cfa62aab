"""Launch and download buttons that open the reader's edition, not the MyST sources.

The theme builds its launch links (Binder, Colab, JupyterHub) from the same
repository branch as the "edit this page" and repository links. Launched, the
MyST sources show raw markup and no numbers; the reader's edition (plain
Jupyter Markdown with the numbers of this build, ``make notebooks``) is
published to a branch of its own and beside the site. This extension points
the launch buttons at that branch and the notebook download at that copy; the
edit and repository buttons keep pointing at the sources.

A JupyterHub button appears only for a real hub: a placeholder host (the
reserved ``example.org`` and friends) is a configuration mistake, reported as a
warning, which fails the ``-W`` build.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlencode, urlsplit

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Host names that can never be an institution's hub (RFC 2606 and RFC 6761).
PLACEHOLDER_HOSTS = ("example.org", "example.com", "example.net", "localhost")
PLACEHOLDER_SUFFIXES = (".example", ".test", ".invalid", ".localhost")


def is_placeholder(url: str) -> bool:
    """Whether ``url`` names a reserved example host rather than a real hub."""
    host = (urlsplit(url).hostname or "").lower()
    return not host or host.endswith(PLACEHOLDER_SUFFIXES) or any(
        host == name or host.endswith("." + name) for name in PLACEHOLDER_HOSTS
    )


def edition_path(pagename: str, source_folder: str) -> str:
    """The notebook's path in the reader's edition: ``book/a/b`` becomes ``a/b.ipynb``."""
    path = PurePosixPath(pagename + ".ipynb")
    return str(path.relative_to(source_folder)) if source_folder else str(path)


def launch_urls(app: Sphinx, context: dict, path: str) -> dict[str, str]:
    """Binder, Colab and JupyterHub URLs of ``path`` on the reader's edition branch."""
    options = app.config.html_theme_options
    buttons = options.get("launch_buttons", {})
    interface = {"classic": "tree", "jupyterlab": "lab/tree"}[buttons.get("notebook_interface", "classic")]
    org, repo = context["github_user"], context["github_repo"]
    branch = app.config.reader_edition_branch
    urls = {}
    if buttons.get("binderhub_url"):
        binder = buttons["binderhub_url"].rstrip("/")
        urls["Binder"] = f"{binder}/v2/gh/{org}/{repo}/{branch}?urlpath={interface}/{path}"
    if buttons.get("colab_url"):
        urls["Colab"] = f"{buttons['colab_url'].rstrip('/')}/github/{org}/{repo}/blob/{branch}/{path}"
    if buttons.get("jupyterhub_url"):
        # nbgitpuller clones the branch into a folder named after the repository.
        query = urlencode(
            {"repo": f"https://github.com/{org}/{repo}", "urlpath": f"{interface}/{repo}/{path}", "branch": branch},
            safe="/",
        )
        urls["JupyterHub"] = f"{buttons['jupyterhub_url'].rstrip('/')}/hub/user-redirect/git-pull?{query}"
    return urls


def point_buttons_at_edition(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Rewrite the launch group and the notebook download of a notebook page."""
    if context.get("page_source_suffix") != ".ipynb" or "github_user" not in context:
        return
    path = edition_path(pagename, app.config.reader_edition_source)
    urls = launch_urls(app, context, path)
    hub = app.config.html_theme_options.get("launch_buttons", {}).get("jupyterhub_url", "")
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            placeholder_hub = is_placeholder(hub)
            kept = [button for button in group["buttons"] if not (button["text"] == "JupyterHub" and placeholder_hub)]
            for button in kept:
                button["url"] = urls.get(button["text"], button.get("url"))
            group["buttons"] = kept
        elif group.get("label") == "download-buttons":
            for button in group["buttons"]:
                if button.get("text") == ".ipynb":
                    button["url"] = f"{context['pathto'](app.config.reader_edition_site_folder, 1)}/{path}"
                    button["tooltip"] = "Download the notebook (plain Jupyter, numbers from this build)"


def check_hub(app: Sphinx) -> None:
    hub = app.config.html_theme_options.get("launch_buttons", {}).get("jupyterhub_url", "")
    if hub and is_placeholder(hub):
        logger.warning(
            "launch_buttons.jupyterhub_url is a placeholder (%s): set it to your institution's hub or remove it; "
            "the JupyterHub button is left out",
            hub,
        )


def setup(app: Sphinx) -> dict:
    app.add_config_value("reader_edition_branch", "notebooks", "html")
    app.add_config_value("reader_edition_source", "book", "html")
    app.add_config_value("reader_edition_site_folder", "notebooks", "html")
    app.connect("builder-inited", check_hub)
    # After the theme has added its buttons (priority 501).
    app.connect("html-page-context", point_buttons_at_edition, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
