"""The course's version on every page, from the one place it is set: ``companion.__version__``.

A teacher who pins a semester to a release needs to see, on the page in front of the class,
which release it is. The book, the editions and the companion package share one version number,
so the footer is filled from the package rather than typed into ``_config.yml`` a second time.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.config import Config

import companion

CHANGELOG_URL = "https://github.com/dl-in-medicine/deep-learning-in-medicine/blob/main/CHANGELOG.md"


def footer(version: str, changelog_url: str = CHANGELOG_URL) -> str:
    """The footer line naming the release and linking its changes.

    >>> footer("1.2.3", "https://example.org/CHANGELOG.md")
    'Release 1.2.3 (<a href="https://example.org/CHANGELOG.md">changes</a>)'
    """
    return f'Release {version} (<a href="{changelog_url}">changes</a>)'


def set_release(app: Sphinx, config: Config) -> None:
    """Sphinx's ``version``/``release`` and the theme's footer from the package's version."""
    config.version = config.release = companion.__version__
    options = dict(config.html_theme_options or {})
    options["extra_footer"] = footer(companion.__version__)
    config.html_theme_options = options


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", set_release)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
