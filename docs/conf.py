"""Sphinx configuration: furo theme, MyST Markdown pages, autodoc from the docstrings.

Build: ``nox -s docs`` or ``sphinx-build -W --keep-going -b html docs docs/_build/html``.
"""

from __future__ import annotations

from importlib.metadata import version as _version

project = "chattz_oauth_async"
author = "chattz_oauth_async developers"
copyright = "chattz_oauth_async developers"
release = _version("chattz_oauth_async")
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]

# MyST: ::: fences for directives, header anchors for in-page links like (#errors).
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc: docstrings are Google style (Napoleon); signatures keep their annotations.
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# Attributes: sections become fields of the class, not a second copy of each attribute.
napoleon_use_ivar = True

html_theme = "furo"
html_title = f"chattz_oauth_async {release}"
html_show_sourcelink = False
html_theme_options = {
    "source_repository": "https://github.com/chattz-oauth-async/chattz_oauth_async/",
    "source_branch": "main",
    "source_directory": "docs/",
}
